-- Bad input gets a clear ERROR and leaves the data as it was.
SELECT sum(linhas) AS before FROM alimentador_counts();
SELECT * FROM alimentador_seed(0);
SELECT * FROM alimentador_seed(-1);
SELECT * FROM alimentador_seed('NaN');
SELECT * FROM alimentador_seed(1e9);
SELECT * FROM alimentador_reset(true, 0);
SELECT * FROM alimentador_stream(0);
SELECT * FROM alimentador_stream(10, 'insert_cosulta=3');
SELECT * FROM alimentador_stream(10, 'insert_consulta=-1');
SELECT * FROM alimentador_stream(10, ops_per_transaction => 0);
SELECT alimentador_set_rate(-5);
SELECT alimentador_set_rate('NaN');
-- A positive rate below the least one (0.001) would share to 0 per worker, which means unlimited.
SELECT alimentador_set_rate(5e-324);
SELECT alimentador_set_rate(0.0009);
SELECT alimentador_set_weights('nada');
SELECT alimentador_set_schedule('weekly');
SELECT alimentador_set_schedule('step=1x:60s,0x:60s');
SELECT sum(linhas) AS after FROM alimentador_counts();
-- Settings are checked when set.
ALTER SYSTEM SET alimentador.weights = 'insert_cosulta=3';
ALTER SYSTEM SET alimentador.rate = -1;
ALTER SYSTEM SET alimentador.rate = 1e-9;
ALTER SYSTEM SET alimentador.workers = 99;
ALTER SYSTEM SET alimentador.arrivals = 'gaussian';
ALTER SYSTEM SET alimentador.schedule = 'burst=10x for 60s every 15min; burst=2x for 1min every 5min';
ALTER SYSTEM SET alimentador.schedule = 'burst=10x for 20min every 15min';
ALTER SYSTEM SET alimentador.schedule = 'step=1x:60s; ramp=1x..2x:1min';
ALTER SYSTEM SET alimentador.skew = 'zipfian:-1';
ALTER SYSTEM SET alimentador.weights = 'cdc-edge,insert_paciente=0';
ALTER SYSTEM RESET alimentador.weights;
SET alimentador.rate = 3;
-- NULL in a required argument: a clear ERROR naming it (SQLSTATE 22004), nothing from Rust.
SELECT * FROM alimentador_seed(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM alimentador_seed(append => NULL);
SELECT * FROM alimentador_reset(NULL);
SELECT * FROM alimentador_reset(scale => NULL);
SELECT * FROM alimentador_stream(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM alimentador_stream(10, ops_per_transaction => NULL);
SELECT * FROM alimentador_replica_identity(NULL);
\echo :LAST_ERROR_SQLSTATE
-- Echoed input is cut at 60 characters.
SELECT * FROM alimentador_stream(10, repeat('x', 10000) || '=1');
SELECT * FROM alimentador_stream(10, 'insert_consulta=' || repeat('9', 10000));
SELECT alimentador_set_weights(repeat('perfil', 2000));
SELECT * FROM alimentador_replica_identity(repeat('z', 10000));
-- A role without the rights gets told what it lacks (SQLSTATE 42501) before anything changes.
CREATE ROLE estagiario;
GRANT USAGE ON SCHEMA hospital TO estagiario;
GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA hospital TO estagiario;
SET ROLE estagiario;
SELECT * FROM alimentador_reset();
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM alimentador_seed(0.01, append => true);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- Errors PostgreSQL raises inside the functions carry nothing from Rust either (run.sh checks every output).
REVOKE SELECT ON hospital.exames FROM estagiario;
SET ROLE estagiario;
SELECT * FROM alimentador_counts();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP OWNED BY estagiario;
DROP ROLE estagiario;
SELECT sum(linhas) AS unchanged FROM alimentador_counts();
-- CALL alimentador_run(...): bad arguments, and inside a transaction block (it commits), are refused
-- before anything is recorded.
CALL alimentador_run(ops => 0);
\echo :LAST_ERROR_SQLSTATE
CALL alimentador_run(duration => '-5 minutes');
CALL alimentador_run(ops => 1, rate => 'Infinity');
CALL alimentador_run(ops => 1, ledger => repeat('z', 10000));
CALL alimentador_run(ops => 1, weights => 'insert_cosulta=3');
BEGIN;
CALL alimentador_run(ops => 1);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT alimentador_run_passo(42);
SELECT count(*) AS runs FROM alimentador_execucoes;
-- A database in another encoding than UTF8 is refused at CREATE EXTENSION, with nothing created:
-- the generated pt_BR text is UTF-8 and would be stored garbled.
CREATE DATABASE alimentador_latin1 ENCODING 'LATIN1' LOCALE 'C' TEMPLATE template0;
\c alimentador_latin1
-- (Without the CONTEXT lines: PostgreSQL 18 adds the extension script's statement to them.)
\set SHOW_CONTEXT never
CREATE EXTENSION alimentador;
\echo :LAST_ERROR_SQLSTATE
\set SHOW_CONTEXT errors
SELECT count(*) AS extensions, (SELECT count(*) FROM pg_namespace WHERE nspname = 'hospital') AS schemas
FROM pg_extension WHERE extname = 'alimentador';
\c regression
DROP DATABASE alimentador_latin1;
