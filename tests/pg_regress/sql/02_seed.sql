-- Seeding, counting, resetting.
SELECT * FROM alimentador_seed(seed => 42);
SELECT * FROM alimentador_counts();
-- A second seed needs reset or append.
SELECT * FROM alimentador_seed();
SELECT sum(linhas) FROM alimentador_seed(0.01, 1, append => true);
SELECT * FROM alimentador_reset(reseed => false);
SELECT * FROM alimentador_counts();
SELECT * FROM alimentador_reset(scale => 0.1, seed => 7);
-- The same seed gives the same rows.
CREATE TEMP TABLE fp AS SELECT md5(string_agg(cpf || nome || nascimento || endereco, ',' ORDER BY id)) AS h FROM hospital.pacientes;
SELECT sum(linhas) FROM alimentador_reset(scale => 0.1, seed => 7);
SELECT h = (SELECT md5(string_agg(cpf || nome || nascimento || endereco, ',' ORDER BY id)) FROM hospital.pacientes) AS same_rows FROM fp;
SELECT count(*) AS invalid_lifecycles FROM hospital.consultas WHERE status IN ('realizada', 'faltou') AND data > now();
