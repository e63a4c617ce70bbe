-- Records the seed (or reset) about to run in the extension's one-row table. Taken right after the
-- lock on it and before the hospital is looked at: a concurrent seed that committed meanwhile makes
-- this UPDATE fail under REPEATABLE READ/SERIALIZABLE ("could not serialize access due to concurrent
-- update") instead of loading a second data set. @extschema@ is replaced by the extension's schema.
UPDATE @extschema@.alimentador_semeadura
SET semeado_em = CASE WHEN $1 THEN pg_catalog.now() END, escala = $2, semente = $3, linhas = $4, anexada = $5
WHERE id = 1
