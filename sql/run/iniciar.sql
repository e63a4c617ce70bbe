-- Records a new alimentador_run in this session and returns its number (execucao); the run's ledger
-- messages carry worker = -execucao. %s is the extension's schema, quoted. $1 ops (NULL = no limit),
-- $2 duration (NULL = no limit), $3 rate, $4 weights (text), $5 ops per transaction, $6 ledger level.
INSERT INTO %s.alimentador_execucoes
    (pid, ops_alvo, duracao_alvo, taxa_alvo, pesos, ops_por_transacao, razao)
VALUES (pg_catalog.pg_backend_pid(), $1, $2, $3, $4, $5, $6)
RETURNING execucao
