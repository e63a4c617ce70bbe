-- alimentador_digest(): one row per hospital table, in one snapshot (docs/src/digest.md). The digests
-- themselves depend on now() in created_at, so the checks here are about their shape; the values
-- are proven against the other three implementations by tests/digest/run.sh.
SELECT tabela, d.linhas = coalesce(c.linhas, (SELECT count(*) FROM hospital.pulso)) AS counted,
       digest ~ '^[0-9a-f]{16}$' AS hex16, snapshot_xmin <= snapshot_xmax AS snapshot_ok,
       lsn <= pg_current_wal_insert_lsn() AS lsn_ok
FROM alimentador_digest() d LEFT JOIN alimentador_counts() c USING (tabela) ORDER BY tabela;
-- By default every table, parents first.
SELECT string_agg(tabela, ' ') AS tabelas FROM alimentador_digest();
-- Every row describes the same snapshot.
SELECT count(DISTINCT (snapshot_xmin, snapshot_xmax, snapshot_xip, lsn, em)) AS snapshots FROM alimentador_digest();
-- A subset, in the order given, each table once.
SELECT tabela FROM alimentador_digest(ARRAY['exames', 'convenios', 'exames']);
-- Same rows, same digest; a changed value, another digest (rolled back).
SELECT digest AS antes FROM alimentador_digest('{consultas}') \gset
SELECT digest = :'antes' AS same FROM alimentador_digest('{consultas}');
BEGIN;
UPDATE hospital.consultas SET valor = valor + 0.01 WHERE id = (SELECT min(id) FROM hospital.consultas);
SELECT digest = :'antes' AS same FROM alimentador_digest('{consultas}');
ROLLBACK;
-- The sum of row hashes as 16 hex digits, mod 2^64.
SELECT alimentador_digest_hex(NULL) AS nothing, alimentador_digest_hex(255) AS small,
       alimentador_digest_hex(18446744073709551615) AS max, alimentador_digest_hex(18446744073709551616 + 5) AS wraps,
       alimentador_digest_hex(-1) AS minus_one;
-- alimentador_checkpoint(): the same rows as alimentador_digest(), and the same in the change stream
-- as one transactional message (prefix alimentador.checkpoint), read back here with test_decoding.
SELECT 'init' FROM pg_create_logical_replication_slot('checkpoint', 'test_decoding');
CREATE TEMP TABLE cp AS SELECT * FROM alimentador_checkpoint(ARRAY['consultas', 'pulso']);
SELECT tabela, c.linhas = d.linhas AS same_rows, c.digest = d.digest AS same_digest
FROM cp c JOIN alimentador_digest(ARRAY['consultas', 'pulso']) d USING (tabela) ORDER BY tabela;
CREATE TEMP TABLE msg AS
SELECT substring(data FROM 'content:(.*)$')::jsonb AS m, data LIKE 'message: transactional: 1 prefix: alimentador.checkpoint,%' AS transactional
FROM pg_logical_slot_get_changes('checkpoint', NULL, NULL) WHERE data LIKE 'message:%';
SELECT transactional, (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(m) k) AS keys,
       (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(m->'tabelas') k) AS tabelas,
       (SELECT bool_and((m->'tabelas'->tabela->>'linhas')::bigint = linhas AND m->'tabelas'->tabela->>'digest' = digest) FROM cp) AS same_as_returned,
       (m->'snapshot'->>'xmin')::xid8 = (SELECT snapshot_xmin FROM cp LIMIT 1) AS xmin,
       (m->'snapshot'->>'xmax')::xid8 = (SELECT snapshot_xmax FROM cp LIMIT 1) AS xmax,
       jsonb_typeof(m->'snapshot'->'xmin') AS xid_type, jsonb_typeof(m->'snapshot'->'xip') AS xip_type,
       (m->>'lsn')::pg_lsn = (SELECT lsn FROM cp LIMIT 1) AS lsn
FROM msg;
-- Rolled back with its transaction: no message.
BEGIN;
SELECT count(*) FROM alimentador_checkpoint();
ROLLBACK;
SELECT count(*) AS messages FROM pg_logical_slot_get_changes('checkpoint', NULL, NULL) WHERE data LIKE 'message:%';
SELECT pg_drop_replication_slot('checkpoint');
DROP TABLE cp, msg;
-- Bad input: a clear ERROR with a HINT listing the tables (and its SQLSTATE).
\set SHOW_CONTEXT never
SELECT * FROM alimentador_digest(ARRAY['pacientes', 'paciente']);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM alimentador_digest(ARRAY['pacientes', NULL]);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM alimentador_digest('{}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM alimentador_digest(ARRAY[repeat('x', 100)]);
SELECT * FROM alimentador_digest(ARRAY['hospital.pacientes']);
SELECT * FROM alimentador_checkpoint(ARRAY['pacientes', 'paciente']);
\echo :LAST_ERROR_SQLSTATE
\set SHOW_CONTEXT errors
