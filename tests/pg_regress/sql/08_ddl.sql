-- Schema evolution mid-stream: the ddl operations, their history, reset.
SELECT count(*) > 0 AS seeded FROM alimentador_reset(scale => 0.05, semente => 5);
SELECT * FROM alimentador_schema_history();
-- The ddl-breaking profile applies every change once (a skip afterwards) and keeps the stream working.
SELECT operacao, feitas, falhas FROM alimentador_stream(1500, 'ddl-breaking', semente => 6)
 WHERE operacao LIKE 'ddl_%' ORDER BY 1;
SELECT sum(falhas) AS failed FROM alimentador_stream(300, 'ddl-breaking', semente => 7);
SELECT tabela, mudanca FROM alimentador_schema_history() ORDER BY 1, 2; -- (their order depends on the clock)
SELECT bool_and(a.lsn < b.lsn) AS lsns_increase
  FROM alimentador_schema_history() a JOIN alimentador_schema_history() b ON b.seq = a.seq + 1;
SELECT linhas > 0 AS prescriptions FROM alimentador_counts() WHERE tabela = 'prescricoes';
SELECT verificacao, ok, detalhe FROM alimentador_cdc_check() WHERE verificacao IN ('publication', 'primary keys');
-- The rename and the drop break a consumer on purpose, not the stream: it never names those columns.
\d hospital.medicos
-- Reset gives back the original schema and clears the history.
SELECT count(*) > 0 AS reseeded FROM alimentador_reset(scale => 0.05, semente => 5);
SELECT * FROM alimentador_schema_history();
\d hospital.medicos
SELECT to_regclass('hospital.prescricoes') AS prescricoes;
-- An appending seed refuses a schema whose columns it writes were renamed or dropped.
SELECT operacao, feitas FROM alimentador_stream(1, 'ddl_drop_email_medico=1,insert_paciente=0,insert_consulta=0,insert_exame=0,insert_internacao=0,update_paciente=0,update_consulta=0,update_exame=0,update_internacao=0') WHERE feitas > 0;
SELECT count(*) FROM alimentador_seed(0.01, append => true);
SELECT count(*) > 0 AS reseeded FROM alimentador_reset(scale => 0.05, semente => 5);
SELECT count(*) > 0 AS appended FROM alimentador_seed(0.01, append => true);
