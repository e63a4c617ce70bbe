-- Security: where the extension installs, its reserved names, who may change the workers' controls,
-- and what DROP EXTENSION leaves behind. (Without CONTEXT lines: they quote the extension script.)
\set SHOW_CONTEXT never
CREATE ROLE sem_direitos;
CREATE ROLE dono_de_esquema;
-- The functions that change the workers' shared state are not executable without a grant.
SELECT p.proname, has_function_privilege('sem_direitos', p.oid, 'EXECUTE') AS executavel
FROM pg_proc p
WHERE p.proname IN ('alimentador_pause', 'alimentador_resume', 'alimentador_set_rate', 'alimentador_set_weights',
                    'alimentador_set_schedule', 'alimentador_clear_overrides')
ORDER BY 1;
SET ROLE sem_direitos;
SELECT alimentador_clear_overrides();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- The extension's names are reserved in the database: no routine, table or view may bear one,
-- whoever creates it, in whichever schema, also by renaming.
CREATE SCHEMA outro;
CREATE FUNCTION outro.alimentador_set_rate(integer) RETURNS boolean LANGUAGE sql AS 'SELECT true';
\echo :LAST_ERROR_SQLSTATE
CREATE PROCEDURE outro.alimentador_run(ops integer) LANGUAGE sql AS 'SELECT 1';
CREATE VIEW outro.alimentador_razao AS SELECT 1 AS worker;
CREATE FUNCTION outro.inocente() RETURNS int LANGUAGE sql AS 'SELECT 1';
ALTER FUNCTION outro.inocente() RENAME TO alimentador_counts;
CREATE TABLE outro.tabela (x int);
ALTER TABLE outro.tabela RENAME TO alimentador_semeadura;
SELECT count(*) AS homonimos FROM alimentador_name_clashes();
-- Other names are free, also beside ours.
CREATE FUNCTION outro.alimentador_minha() RETURNS int LANGUAGE sql AS 'SELECT 1';
DROP SCHEMA outro CASCADE;
-- DROP EXTENSION drops the publication the seed made, too.
SELECT count(*) AS tabelas FROM alimentador_publish();
DROP EXTENSION alimentador;
SELECT count(*) AS publicacoes FROM pg_publication WHERE pubname = 'alimentador_pub';
-- CREATE EXTENSION refuses a schema a role other than a superuser owns or can create in: that role
-- could drop it with the extension, or plant functions beside ours.
CREATE SCHEMA alheio AUTHORIZATION dono_de_esquema;
CREATE EXTENSION alimentador SCHEMA alheio;
\echo :LAST_ERROR_SQLSTATE
CREATE SCHEMA aberto;
GRANT CREATE ON SCHEMA aberto TO sem_direitos;
CREATE EXTENSION alimentador SCHEMA aberto;
\echo :LAST_ERROR_SQLSTATE
GRANT CREATE ON SCHEMA public TO PUBLIC;
CREATE EXTENSION alimentador SCHEMA public;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- …or beside a routine that bears one of its names.
CREATE FUNCTION aberto.alimentador_seed(numeric) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE EXTENSION alimentador SCHEMA public;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS extensoes, (SELECT count(*) FROM pg_namespace WHERE nspname = 'hospital') AS esquemas
FROM pg_extension WHERE extname = 'alimentador';
DROP SCHEMA alheio, aberto CASCADE;
CREATE EXTENSION alimentador SCHEMA public;
SELECT count(*) AS homonimos FROM alimentador_name_clashes();
DROP ROLE sem_direitos, dono_de_esquema;
\set SHOW_CONTEXT errors
