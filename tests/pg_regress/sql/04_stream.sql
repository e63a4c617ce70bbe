-- The stream run by hand, in this session.
SELECT * FROM alimentador_reset(scale => 0.2, semente => 3);
SELECT sum(feitas) + sum(puladas) AS attempted, sum(falhas) AS failed FROM alimentador_stream(500, semente => 1);
-- Only past appointments can be attended or missed; results never precede collection.
SELECT count(*) AS bad FROM hospital.consultas WHERE status IN ('realizada', 'faltou') AND data > now();
SELECT count(*) AS bad FROM hospital.exames WHERE data_resultado < data;
SELECT count(*) AS bad FROM hospital.internacoes WHERE data_saida < data_entrada;
-- Admissions only of patients not already admitted: 5,000 operations later, still one at most.
SELECT sum(falhas) AS failed FROM alimentador_stream(5000, semente => 4);
SELECT count(*) AS patients_admitted_twice FROM (
  SELECT paciente_id FROM hospital.internacoes WHERE data_saida IS NULL GROUP BY 1 HAVING count(*) > 1) t;
-- Deletes are off by default and available by weight.
SELECT operacao FROM alimentador_stream(300, semente => 2) WHERE operacao LIKE 'delete%';
SELECT operacao, feitas > 0 AS some_done FROM alimentador_stream(300, 'deletes', semente => 2) WHERE operacao LIKE 'delete%' ORDER BY 1;
-- Worker controls are superuser-only.
CREATE ROLE visitante;
SET ROLE visitante;
SELECT alimentador_pause();
RESET ROLE;
DROP ROLE visitante;
SELECT * FROM alimentador_status();
