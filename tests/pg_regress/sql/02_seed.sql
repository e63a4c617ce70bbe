-- Seeding, counting, resetting.
SELECT * FROM alimentador_seed(semente => 42);
SELECT * FROM alimentador_counts();
-- The seed made the publication, and records itself in alimentador_semeadura.
SELECT tablename FROM pg_publication_tables WHERE pubname = 'alimentador_pub' AND tablename !~ '^sinais_vitais_p' ORDER BY 1;
-- publish_via_partition_root is off: sinais_vitais is published through its daily partitions.
SELECT count(*) >= 4 AS particoes_publicadas FROM pg_publication_tables
WHERE pubname = 'alimentador_pub' AND tablename ~ '^sinais_vitais_p[0-9]{8}$';
SELECT escala, semente, linhas, anexada, semeado_em IS NOT NULL AS semeado FROM alimentador_semeadura;
-- A second seed needs reset or append.
SELECT * FROM alimentador_seed();
SELECT sum(linhas) FROM alimentador_seed(0.01, 1, append => true);
SELECT * FROM alimentador_reset(reseed => false);
SELECT * FROM alimentador_counts();
SELECT * FROM alimentador_reset(scale => 0.1, semente => 7);
-- The same seed gives the same rows.
CREATE TEMP TABLE fp AS SELECT md5(string_agg(cpf || nome || nascimento || endereco, ',' ORDER BY id)) AS h FROM hospital.pacientes;
SELECT sum(linhas) FROM alimentador_reset(scale => 0.1, semente => 7);
SELECT h = (SELECT md5(string_agg(cpf || nome || nascimento || endereco, ',' ORDER BY id)) FROM hospital.pacientes) AS same_rows FROM fp;
SELECT count(*) AS invalid_lifecycles FROM hospital.consultas WHERE status IN ('realizada', 'faltou') AND data > now();
-- A patient is admitted at most once at a time, and their stays never overlap.
SELECT count(*) AS patients_admitted_twice FROM (
  SELECT paciente_id FROM hospital.internacoes WHERE data_saida IS NULL GROUP BY 1 HAVING count(*) > 1) t;
SELECT count(*) AS overlapping_stays FROM hospital.internacoes a JOIN hospital.internacoes b
  ON a.paciente_id = b.paciente_id AND a.id < b.id
 AND tstzrange(a.data_entrada, a.data_saida) && tstzrange(b.data_entrada, b.data_saida);
INSERT INTO hospital.internacoes (paciente_id, data_entrada, motivo, quarto)
  SELECT paciente_id, now(), 'teste', 'Quarto 101' FROM hospital.internacoes WHERE data_saida IS NULL ORDER BY id LIMIT 1;
-- Reset without reseed empties the record; a scale-0.1 seed records itself.
SELECT * FROM alimentador_reset(reseed => false);
SELECT escala, semente, linhas, anexada, semeado_em FROM alimentador_semeadura;
SELECT sum(linhas) FROM alimentador_reset(scale => 0.1, semente => 7);
SELECT escala, semente, linhas, anexada FROM alimentador_semeadura;
