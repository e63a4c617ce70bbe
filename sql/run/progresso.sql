-- A run's cumulative counters, written in the stream transaction they describe (so they count
-- committed work only). %s is the extension's schema, quoted. $1 execucao, $2 feitas, $3 puladas,
-- $4 falhas, $5 transacoes, $6 razao_seq, $7 ultimo_erro, $8 feitas_por_operacao,
-- $9 puladas_por_operacao, $10 linhas, $11 whether the run is done (the last transaction).
UPDATE %s.alimentador_execucoes
SET atualizada_em = pg_catalog.clock_timestamp(),
    feitas = $2, puladas = $3, falhas = $4, transacoes = $5, razao_seq = $6, ultimo_erro = $7,
    feitas_por_operacao = $8, puladas_por_operacao = $9, linhas = $10,
    estado = CASE WHEN $11 THEN 'done' ELSE 'running' END,
    terminada_em = CASE WHEN $11 THEN pg_catalog.clock_timestamp() END
WHERE execucao = $1
