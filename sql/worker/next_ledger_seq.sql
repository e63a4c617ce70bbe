-- The next ledger sequence number of worker $1, taken in the current transaction (see
-- alimentador_razao in sql/cdc.sql); no row when the worker has none yet (then first_ledger_seq.sql).
-- %s is the extension's schema, quoted (filled in by the worker).
UPDATE %s.alimentador_razao SET seq = seq + 1, atualizada_em = now() WHERE worker = $1 RETURNING seq
