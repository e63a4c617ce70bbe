-- The next ledger sequence number of worker $1, taken in the current transaction (see
-- alimentador_razao in sql/cdc.sql). %s is the extension's schema, quoted (filled in by the worker).
INSERT INTO %s.alimentador_razao AS r (worker, seq) VALUES ($1, 1)
ON CONFLICT (worker) DO UPDATE SET seq = r.seq + 1, atualizada_em = now()
RETURNING seq
