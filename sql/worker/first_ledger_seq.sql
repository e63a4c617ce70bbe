-- The first ledger sequence number of worker $1: creates its row (or, should another process have
-- created it meanwhile, takes the next number). %s is the extension's schema, quoted.
INSERT INTO %s.alimentador_razao AS r (worker, seq) VALUES ($1, 1)
ON CONFLICT (worker) DO UPDATE SET seq = r.seq + 1, atualizada_em = now()
RETURNING seq
