-- alimentador 0.1.0 -> 0.2.0, run by ALTER EXTENSION alimentador UPDATE (TO '0.2.0').
--
-- 0.1.0 is the first release (commit bf35a37; its install script is kept in
-- tests/upgrade/alimentador--0.1.0.sql). The tables of schema hospital keep their columns, rows and
-- sequences; what changes:
--   * the publication alimentador_pub, which 0.1.0's CREATE EXTENSION made, leaves the extension but
--     is kept as it is (a connector may be reading it): 0.2.0 makes it with alimentador_publish(),
--     called at the end of this script to add the new hospital tables and bind it to the extension,
--     so DROP EXTENSION drops it as 0.2.0 does;
--   * every function of 0.1.0 is dropped and 0.2.0's are created (arguments were renamed);
--   * new: the index of cancelled appointments, at most one active admission per patient (a unique
--     partial index: admissions 0.1.0's stream left active beside a later one of the same patient
--     are discharged now, see below), alimentador_semeadura, and everything after the schema block
--     of 0.2.0's install script (heartbeat, ledger, signaling table, sinais_vitais, ddl, digests,
--     relay, CALL alimentador_run, the guard of the extension's names).
-- The second part of this file is 0.2.0's install script from its `cdc` block on, as pgrx generated
-- it (tests/upgrade/run.sh compares the upgraded catalog with a fresh install's).

SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- The same refusals as CREATE EXTENSION (sql/schema.sql): a database not in UTF8, a schema a role
-- that is no superuser owns or can create in.
DO $$
BEGIN
    IF pg_catalog.getdatabaseencoding() <> 'UTF8' THEN
        RAISE EXCEPTION 'alimentador needs a database in UTF8, this one is in %', pg_catalog.getdatabaseencoding()
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Dump the hospital (pg_dump), create a database with ENCODING ''UTF8'' and install alimentador there.';
    END IF;
END
$$;
DO $$
DECLARE
    esquema oid := '@extschema@'::regnamespace;
    dono oid;
    quem text;
BEGIN
    SELECT CASE WHEN n.nspowner = 'pg_database_owner'::regrole THEN d.datdba ELSE n.nspowner END
      INTO dono
      FROM pg_catalog.pg_namespace n, pg_catalog.pg_database d
     WHERE n.oid = esquema AND d.datname = pg_catalog.current_database();
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid = dono) THEN
        RAISE EXCEPTION 'alimentador cannot be upgraded in schema %: it is owned by role %, which is not a superuser',
                        esquema::regnamespace, dono::regrole
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The owner of the schema could drop it, and the extension with it, or plant functions that a superuser would call.',
                  HINT = pg_catalog.format('ALTER SCHEMA %s OWNER TO a superuser, then ALTER EXTENSION alimentador UPDATE again.', esquema::regnamespace);
    END IF;
    SELECT CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
                             WHERE n.oid = esquema AND a.grantee = 0 AND a.privilege_type = 'CREATE')
                THEN 'PUBLIC'
                ELSE (SELECT pg_catalog.string_agg(r.rolname::text, ', ' ORDER BY r.rolname)
                      FROM pg_catalog.pg_roles r
                      WHERE NOT r.rolsuper AND r.oid <> 'pg_database_owner'::regrole
                        AND pg_catalog.has_schema_privilege(r.oid, esquema, 'CREATE'))
           END INTO quem;
    IF quem IS NOT NULL THEN
        RAISE EXCEPTION 'alimentador cannot be upgraded in schema %: roles that are not superusers can create objects in it (%)',
                        esquema::regnamespace, quem
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'A function or table planted beside the extension''s could be called by a superuser instead of the extension''s own.',
                  HINT = pg_catalog.format('REVOKE CREATE ON SCHEMA %s FROM those roles (and PUBLIC), then ALTER EXTENSION alimentador UPDATE again.', esquema::regnamespace);
    END IF;
END
$$;

-- Kept, out of the extension (bound again by alimentador_publish() at the end).
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_publication p ON p.oid = d.objid
               WHERE d.classid = 'pg_catalog.pg_publication'::pg_catalog.regclass AND d.deptype = 'e'
                 AND p.pubname = 'alimentador_pub') THEN
        ALTER EXTENSION alimentador DROP PUBLICATION alimentador_pub;
    END IF;
END
$$;

-- 0.1.0's functions (0.2.0 renamed arguments and changed results; its own are created below).
DROP FUNCTION @extschema@.alimentador_cdc_check();
DROP FUNCTION @extschema@.alimentador_changes();
DROP FUNCTION @extschema@.alimentador_counts();
DROP FUNCTION @extschema@.alimentador_operations();
DROP FUNCTION @extschema@.alimentador_pause();
DROP FUNCTION @extschema@.alimentador_replica_identity(modo text);
DROP FUNCTION @extschema@.alimentador_reset(reseed boolean, scale double precision, seed bigint);
DROP FUNCTION @extschema@.alimentador_resume();
DROP FUNCTION @extschema@.alimentador_seed(scale double precision, seed bigint, append boolean);
DROP FUNCTION @extschema@.alimentador_set_rate(ops_per_second double precision);
DROP FUNCTION @extschema@.alimentador_set_weights(weights text);
DROP FUNCTION @extschema@.alimentador_settings();
DROP FUNCTION @extschema@.alimentador_status();
DROP FUNCTION @extschema@.alimentador_stream(ops integer, weights text, seed bigint, ops_per_transaction integer);

CREATE INDEX consultas_canceladas_idx ON hospital.consultas (id) WHERE status = 'cancelada';

-- 0.1.0's stream admitted patients already in hospital; 0.2.0 keeps one active admission per patient
-- (the index below). The older active admissions of such a patient are discharged now, at the time of
-- the upgrade (an UPDATE, which a CDC consumer receives as any other); their rows stay.
DO $$
DECLARE
    n bigint;
BEGIN
    WITH ativas AS (
        SELECT i.id, pg_catalog.row_number() OVER (PARTITION BY i.paciente_id ORDER BY i.data_entrada DESC, i.id DESC) AS ordem
        FROM hospital.internacoes i WHERE i.data_saida IS NULL
    )
    UPDATE hospital.internacoes i SET data_saida = GREATEST(pg_catalog.now(), i.data_entrada)
    FROM ativas a WHERE a.id = i.id AND a.ordem > 1;
    GET DIAGNOSTICS n = ROW_COUNT;
    -- A WARNING: an extension script runs with client_min_messages at WARNING at least.
    IF n > 0 THEN
        RAISE WARNING 'alimentador 0.2.0: discharged % admissions of patients who had a later one still active (one active admission per patient from 0.2.0 on)', n;
    END IF;
END
$$;
CREATE UNIQUE INDEX internacoes_uma_ativa_idx ON hospital.internacoes (paciente_id) WHERE data_saida IS NULL;

-- As in sql/schema.sql; a hospital that 0.1.0 seeded is recorded as seeded now (its scale and random
-- seed and row count were not kept), so alimentador_seed() refuses to load a second data set over it.
CREATE TABLE @extschema@.alimentador_semeadura (
    id          int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    semeado_em  timestamptz,
    escala      float8,
    semente     bigint,
    linhas      bigint,
    anexada     boolean
);
COMMENT ON TABLE @extschema@.alimentador_semeadura IS
    'alimentador: when, at which scale and with which random seed the hospital was last seeded';
INSERT INTO @extschema@.alimentador_semeadura DEFAULT VALUES;
GRANT SELECT ON @extschema@.alimentador_semeadura TO PUBLIC;
UPDATE @extschema@.alimentador_semeadura
   SET semeado_em = pg_catalog.now(), anexada = false
 WHERE EXISTS (SELECT FROM hospital.pacientes);

SELECT pg_catalog.set_config('search_path', '@extschema@', true);

-- ---------------------------------------------------------------------------------------------------
-- 0.2.0's install script from its cdc block on (hospital.pulso, which 0.1.0 has, left out).
/* <begin connected objects> */
-- src/schema.rs:9
-- requires:
--   schema

-- CDC-ready defaults: a heartbeat table, REPLICA IDENTITY FULL (update and delete events carry
-- before-images), the function that creates the publication `alimentador_pub` for Debezium's pgoutput
-- (called by alimentador_seed()), and the functions that switch replica identity and explain what a
-- connector needs.

-- Every statement below runs under a pinned search_path: objects that other roles may have created
-- in the extension's schema (e.g. an operator in public) must never be bound into our constraints,
-- indexes or functions. The path is restored at the end of the file for pgrx's own statements.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- One row the workers touch while the stream is idle (alimentador.heartbeat_interval), so that a
-- connector's replication slot keeps advancing and the server does not retain WAL for it.
-- (hospital.pulso: 0.1.0 has it, with its row)

-- Debezium's signaling table (its "source channel"): a row inserted here asks a connector configured
-- with signal.data.collection = hospital.debezium_sinalizacao for an incremental snapshot while the
-- stream goes on (alimentador_snapshot() inserts it). The columns are Debezium's contract: id, type,
-- data, in this order. In the publication like every hospital table: the connector reads the signal
-- from the change stream, and writes its snapshot windows' watermarks into this table (so its role
-- needs INSERT on it). Not seeded, not counted by the stream; empty unless signals are sent.
CREATE TABLE hospital.debezium_sinalizacao (
    id    varchar(64)   PRIMARY KEY,
    type  varchar(32)   NOT NULL,
    data  varchar(2048)
);
COMMENT ON TABLE hospital.debezium_sinalizacao IS
    'Debezium signaling table (signal.data.collection): alimentador_snapshot() asks for incremental snapshots here';

-- The ledger's sequence numbers (alimentador.ledger): each worker's transactions are numbered 1, 2, 3…
-- without gaps. The number is taken in the transaction it describes (an UPDATE of the worker's row),
-- so a transaction rolled back gives its number back, and the numbering goes on across worker
-- restarts, crash restarts and server restarts. Outside schema hospital: not in the publication.
CREATE TABLE @extschema@.alimentador_razao (
    worker        int         PRIMARY KEY,
    seq           bigint      NOT NULL,
    atualizada_em timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE @extschema@.alimentador_razao IS
    'alimentador ledger: the last sequence number of each worker''s committed stream transactions';
GRANT SELECT ON @extschema@.alimentador_razao TO PUBLIC;

-- Update and delete events carry the whole old row (alimentador_replica_identity() switches).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['convenios', 'pacientes', 'medicos', 'pacientes_convenios', 'consultas', 'exames', 'internacoes', 'pulso', 'debezium_sinalizacao'] LOOP
        EXECUTE format('ALTER TABLE hospital.%I REPLICA IDENTITY FULL', t);
    END LOOP;
END
$$;

-- The publication is not created here: pg_dump dumps publications (they cannot belong to an
-- extension), so a restore that re-runs CREATE EXTENSION and then CREATE PUBLICATION would fail under
-- ON_ERROR_STOP / --exit-on-error. alimentador_seed() calls alimentador_publish() instead.
CREATE FUNCTION @extschema@.alimentador_publish(via_raiz boolean DEFAULT NULL)
RETURNS TABLE (tabela text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    faltando text;
BEGIN
    -- PostgreSQL checks the rights: CREATE on the database, ownership of the tables added.
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_publication WHERE pubname = 'alimentador_pub') THEN
        CREATE PUBLICATION alimentador_pub;
    END IF;
    -- DROP EXTENSION drops it too (an automatic dependency; also for one made before this version).
    PERFORM @extschema@.alimentador_bind_publication();
    -- via_raiz switches publish_via_partition_root: on, the partitions' changes are published as the
    -- partitioned table's (hospital.sinais_vitais); off (PostgreSQL's default), as each partition's.
    -- NULL leaves it as it is.
    IF via_raiz IS NOT NULL THEN
        EXECUTE 'ALTER PUBLICATION alimentador_pub SET (publish_via_partition_root = '
                || CASE WHEN via_raiz THEN 'true' ELSE 'false' END || ')';
    END IF;
    -- Tables and partitioned tables, not their partitions: publishing a partitioned table publishes
    -- every partition it has or will have.
    SELECT string_agg(format('hospital.%I', c.relname), ', ' ORDER BY c.relname) INTO faltando
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'hospital' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_publication_rel pr
                      JOIN pg_catalog.pg_publication pb ON pb.oid = pr.prpubid
                      WHERE pb.pubname = 'alimentador_pub' AND pr.prrelid = c.oid);
    IF faltando IS NOT NULL THEN
        EXECUTE 'ALTER PUBLICATION alimentador_pub ADD TABLE ' || faltando;
    END IF;
    RETURN QUERY
        SELECT c.relname::text FROM pg_catalog.pg_publication_rel pr
        JOIN pg_catalog.pg_publication pb ON pb.oid = pr.prpubid
        JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE pb.pubname = 'alimentador_pub' AND n.nspname = 'hospital' ORDER BY 1;
END
$$;
COMMENT ON FUNCTION @extschema@.alimentador_publish(boolean) IS
    'Creates the publication alimentador_pub if missing and adds every hospital table it lacks; via_raiz switches publish_via_partition_root; returns the tables it covers';

CREATE FUNCTION @extschema@.alimentador_replica_identity(modo text DEFAULT 'full')
RETURNS TABLE (tabela text, identidade text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t text;
BEGIN
    IF modo IS NULL THEN
        RAISE EXCEPTION 'modo must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'full: update and delete events carry the whole old row; default: only the primary key.';
    END IF;
    IF lower(modo) NOT IN ('full', 'default') THEN
        -- Echo at most 60 characters of what was given.
        RAISE EXCEPTION 'replica identity must be full or default, got "%"',
            CASE WHEN length(modo) > 60 THEN left(modo, 60) || '…' ELSE modo END
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'full: update and delete events carry the whole old row; default: only the primary key.';
    END IF;
    -- Partitioned tables and each partition: a partition logs old images by its own identity.
    FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'hospital' AND c.relkind IN ('r', 'p') ORDER BY 1 LOOP
        EXECUTE format('ALTER TABLE hospital.%I REPLICA IDENTITY %s', t, upper(modo));
    END LOOP;
    RETURN QUERY
        SELECT c.relname::text, CASE c.relreplident WHEN 'f' THEN 'full' WHEN 'd' THEN 'default'
                                                    WHEN 'i' THEN 'index' ELSE 'nothing' END
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'hospital' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1;
END
$$;
COMMENT ON FUNCTION @extschema@.alimentador_replica_identity(text) IS
    'Switches every hospital table to REPLICA IDENTITY FULL (the default) or DEFAULT';

CREATE FUNCTION @extschema@.alimentador_cdc_check()
RETURNS TABLE (verificacao text, ok boolean, detalhe text, dica text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
WITH hospital_tables AS (
    -- Tables and partitioned tables; partitions are checked below (partitions of sinais_vitais).
    SELECT c.oid, c.relname, c.relreplident,
           CASE WHEN c.relkind = 'p'
                -- a partitioned table's key is its partitions' (sql/vitais.sql says why)
                THEN NOT EXISTS (SELECT FROM pg_inherits h WHERE h.inhparent = c.oid
                                 AND NOT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = h.inhrelid AND i.indisprimary))
                ELSE EXISTS (SELECT FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) END AS has_pk,
           EXISTS (SELECT FROM pg_publication_tables p
                   WHERE p.pubname = 'alimentador_pub' AND p.schemaname = 'hospital' AND p.tablename = c.relname)
           -- a partitioned table is listed there only with publish_via_partition_root = on
           OR EXISTS (SELECT FROM pg_publication_rel pr JOIN pg_publication pb ON pb.oid = pr.prpubid
                      WHERE pb.pubname = 'alimentador_pub' AND pr.prrelid = c.oid)
           OR EXISTS (SELECT FROM pg_publication pb WHERE pb.pubname = 'alimentador_pub' AND pb.puballtables) AS published
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'hospital' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
),
partitions AS (
    SELECT c.relname, c.relreplident, p.relreplident AS parent_replident,
           pg_get_expr(c.relpartbound, c.oid) AS bound
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
    JOIN pg_namespace n ON n.oid = p.relnamespace
    WHERE n.nspname = 'hospital' AND p.relname = 'sinais_vitais'
),
-- The days a reading taken now or tomorrow falls in: without their partition the insert fails.
needed AS (
    SELECT d, 'sinais_vitais_p' || to_char(d, 'YYYYMMDD') AS relname
    FROM (VALUES ((now() AT TIME ZONE 'UTC')::date), ((now() AT TIME ZONE 'UTC')::date + 1)) v (d)
),
slots AS (
    SELECT slot_name, plugin, active, database,
           pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) AS retained
    FROM pg_replication_slots
),
checks (verificacao, ok, detalhe, dica) AS (
    SELECT 'wal_level', current_setting('wal_level') = 'logical',
           'wal_level = ' || current_setting('wal_level'),
           'Set wal_level = logical in postgresql.conf and restart PostgreSQL.'
    UNION ALL
    SELECT 'replication slots', (SELECT count(*) FROM slots) < current_setting('max_replication_slots')::int,
           format('%s of max_replication_slots = %s in use', (SELECT count(*) FROM slots), current_setting('max_replication_slots')),
           'Raise max_replication_slots (restart) or drop slots nobody reads.'
    UNION ALL
    SELECT 'wal senders', current_setting('max_wal_senders')::int > 0,
           'max_wal_senders = ' || current_setting('max_wal_senders'),
           'Set max_wal_senders above 0 (restart): each connector streams through one.'
    UNION ALL
    SELECT 'publication', bool_and(published) AND count(*) > 0,
           CASE WHEN NOT EXISTS (SELECT FROM pg_publication WHERE pubname = 'alimentador_pub')
                THEN 'alimentador_pub does not exist'
                ELSE coalesce('alimentador_pub lacks ' || string_agg(relname, ', ') FILTER (WHERE NOT published),
                              'alimentador_pub covers all ' || count(*) || ' hospital tables') END,
           'SELECT alimentador_publish(); creates the publication and adds the missing tables (alimentador_seed() does it too).'
    FROM hospital_tables
    UNION ALL
    -- Every table usable, and all alike: a table created later (prescricoes, by the ddl profile)
    -- whose identity differs from the others' would give its consumers other before-images.
    SELECT 'replica identity', bool_and(relreplident = 'f' OR (relreplident = 'd' AND has_pk))
                               AND count(DISTINCT relreplident) <= 1,
           string_agg(relname || '=' || CASE relreplident WHEN 'f' THEN 'full' WHEN 'd' THEN 'default'
                                                          WHEN 'i' THEN 'index' ELSE 'nothing' END, ', ' ORDER BY relname)
           || CASE WHEN count(DISTINCT relreplident) > 1 THEN ' (not all alike)' ELSE '' END,
           'SELECT alimentador_replica_identity(''full''): update/delete events then carry before-images.'
    FROM hospital_tables
    UNION ALL
    SELECT 'primary keys', bool_and(has_pk),
           coalesce('no primary key: ' || string_agg(relname, ', ') FILTER (WHERE NOT has_pk),
                    'every hospital table has one (sinais_vitais: each of its partitions)'),
           'Debezium keys events by the primary key: add one.'
    FROM hospital_tables
    UNION ALL
    SELECT 'slot ' || slot_name, active OR coalesce(retained, 0) < 64 * 1024 * 1024,
           format('%s, plugin %s, database %s, retains %s of WAL', CASE WHEN active THEN 'active' ELSE 'inactive' END,
                  plugin, database, pg_size_pretty(retained)),
           'An inactive slot keeps WAL until its consumer comes back: restart the connector or SELECT pg_drop_replication_slot(''' || slot_name || ''').'
    FROM slots
    UNION ALL
    SELECT 'partitions', bool_and(ok),
           coalesce(string_agg(problem, '; ') FILTER (WHERE NOT ok),
                    'today''s and tomorrow''s partitions of sinais_vitais exist, each partition has the replica identity of its table'),
           'SELECT * FROM alimentador_particoes_vitais(); creates the missing partitions (the stream does it too); SELECT * FROM alimentador_replica_identity(''full''); sets every partition''s identity.'
    FROM (SELECT EXISTS (SELECT FROM partitions p WHERE p.relname = needed.relname) AS ok,
                 'no partition for ' || to_char(d, 'YYYY-MM-DD') || ' (' || relname || ')' AS problem
          FROM needed
          UNION ALL
          SELECT relreplident = parent_replident,
                 relname || ' has replica identity ' || CASE relreplident WHEN 'f' THEN 'full' WHEN 'd' THEN 'default'
                                                                          WHEN 'i' THEN 'index' ELSE 'nothing' END
                 || ', its table ' || CASE parent_replident WHEN 'f' THEN 'full' WHEN 'd' THEN 'default'
                                                            WHEN 'i' THEN 'index' ELSE 'nothing' END
          FROM partitions) problems
    UNION ALL
    SELECT 'publish_via_partition_root', true,
           CASE WHEN coalesce((SELECT pubviaroot FROM pg_publication WHERE pubname = 'alimentador_pub'), false)
                THEN 'on: changes of the partitions are published as sinais_vitais (one topic)'
                ELSE 'off: changes of the partitions are published under each partition''s name (a topic per day)' END,
           NULL
    UNION ALL
    SELECT 'heartbeat', coalesce(current_setting('alimentador.heartbeat_interval', true), '0') NOT IN ('0', '0s'),
           'alimentador.heartbeat_interval = ' || coalesce(current_setting('alimentador.heartbeat_interval', true), 'unset (library not loaded)'),
           'Set alimentador.heartbeat_interval (e.g. 10s) so an idle stream still advances the slots.'
)
SELECT verificacao, ok, detalhe, CASE WHEN ok THEN NULL ELSE dica END FROM checks
$$;
COMMENT ON FUNCTION @extschema@.alimentador_cdc_check() IS
    'One row per CDC prerequisite (wal_level, slots, publication, replica identity, keys, WAL retained, heartbeat)';

-- Asks Debezium for an incremental snapshot of hospital tables while the stream keeps changing them:
-- inserts an execute-snapshot signal into hospital.debezium_sinalizacao. Every connector whose
-- signal.data.collection names that table runs it; the others ignore the row. Returns the signal's id.
CREATE FUNCTION @extschema@.alimentador_snapshot(tabelas text[] DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    validas text[];
    desconhecida text;
    sinal text := gen_random_uuid()::text;
BEGIN
    SELECT array_agg(c.relname::text ORDER BY c.relname) INTO validas
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'hospital' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND c.relname NOT IN ('debezium_sinalizacao', 'pulso');
    IF tabelas IS NULL THEN
        tabelas := validas;
    END IF;
    IF cardinality(tabelas) = 0 THEN
        RAISE EXCEPTION 'tabelas must name at least one table'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Hospital tables: ' || array_to_string(validas, ', ') || '; NULL snapshots them all.';
    END IF;
    SELECT t INTO desconhecida FROM unnest(tabelas) t WHERE t IS NULL OR NOT t = ANY (validas) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'unknown table "%" for a snapshot',
            CASE WHEN length(desconhecida) > 60 THEN left(desconhecida, 60) || '…' ELSE coalesce(desconhecida, 'NULL') END
            USING ERRCODE = 'undefined_table',
                  HINT = 'Hospital tables: ' || array_to_string(validas, ', ') || ' (without the schema); NULL snapshots them all.';
    END IF;
    INSERT INTO hospital.debezium_sinalizacao (id, type, data)
    VALUES (sinal, 'execute-snapshot',
            json_build_object('data-collections', (SELECT json_agg('hospital.' || t ORDER BY t) FROM (SELECT DISTINCT t FROM unnest(tabelas) t) d),
                              'type', 'incremental')::text);
    RETURN sinal;
END
$$;
COMMENT ON FUNCTION @extschema@.alimentador_snapshot(text[]) IS
    'Asks Debezium (signal.data.collection = hospital.debezium_sinalizacao) for an incremental snapshot of hospital tables; returns the signal id';

SELECT pg_catalog.set_config('search_path', '@extschema@', true);
/* </end connected objects> */

/* <begin connected objects> */
-- src/schema.rs:10
-- requires:
--   cdc

-- hospital.sinais_vitais: the vital signs nurses record for admitted patients. The one append-heavy time
-- series of the hospital, range-partitioned by measurement time into one partition per UTC day, so
-- that CDC pipelines meet partitioned tables: events under the parent's topic or each partition's
-- (publish_via_partition_root, switched by alimentador_publish(via_raiz => …)), partitions that
-- appear while the connector runs, and old ones dropped without a single delete event.

-- Every statement below runs under a pinned search_path: objects that other roles may have created
-- in the extension's schema (e.g. an operator in public) must never be bound into our constraints,
-- indexes or functions. The path is restored at the end of the file for pgrx's own statements.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- The primary key (id, medido_em) contains the partition key, as PostgreSQL requires; id alone is
-- unique anyway, from its sequence. Each partition gets it (and its index on internacao_id) when it is
-- created, not through the partitioned table: the partitioned table belongs to the extension and the
-- partitions do not, so pg_dump dumps the partitions with their rows and their own keys, and a
-- restore attaches them to the table CREATE EXTENSION made — keys declared on that table would be
-- created again by the attach and clash with the dump's own (pg_dump assumes it dumps both).
-- alimentador_cdc_check() reports a partition without its key. Readings belong to an admission (not
-- to the patient directly, so a patient's re-registration under a new id — update_paciente_id —
-- leaves them alone). No updated_at: a reading is never changed.
CREATE TABLE hospital.sinais_vitais (
    id                       bigserial    NOT NULL,
    internacao_id            bigint       NOT NULL REFERENCES hospital.internacoes (id) ON DELETE CASCADE,
    medido_em                timestamptz  NOT NULL,
    pulso                    smallint     NOT NULL CHECK (pulso BETWEEN 20 AND 250),
    pressao_sistolica        smallint     NOT NULL CHECK (pressao_sistolica BETWEEN 50 AND 260),
    pressao_diastolica       smallint     NOT NULL CHECK (pressao_diastolica BETWEEN 20 AND 160),
    saturacao_o2             smallint     NOT NULL CHECK (saturacao_o2 BETWEEN 50 AND 100),
    temperatura              numeric(3,1) NOT NULL CHECK (temperatura BETWEEN 30.0 AND 43.0),
    frequencia_respiratoria  smallint     NOT NULL CHECK (frequencia_respiratoria BETWEEN 4 AND 60),
    created_at               timestamptz  NOT NULL DEFAULT now(),
    CHECK (pressao_diastolica < pressao_sistolica)
) PARTITION BY RANGE (medido_em);
COMMENT ON TABLE hospital.sinais_vitais IS
    'alimentador: vital signs of admitted patients, one partition per UTC day (sinais_vitais_pAAAAMMDD), each with PRIMARY KEY (id, medido_em)';
ALTER TABLE hospital.sinais_vitais REPLICA IDENTITY FULL;

-- Only the sequence is kept by pg_dump through the extension: the partitions are created after
-- CREATE EXTENSION (by the seed and the stream), so they are not members of the extension and
-- pg_dump dumps them with their rows; dumping the parent's rows as well would restore them twice.
SELECT pg_catalog.pg_extension_config_dump('hospital.sinais_vitais_id_seq', '');

-- Creates the daily partitions from the day of `desde` to the day of `ate` (UTC) that are missing,
-- each with its primary key, its index on internacao_id and the table's replica identity; with a retention of N days (`retencao_dias`, or the
-- setting alimentador.vitais_retencao when NULL; 0 keeps everything) drops the partitions that ended
-- more than N days before today. Returns what it did. The stream calls it ahead of time; dropping a
-- partition emits no delete events (logical decoding does not decode DDL), so retention is opt-in.
CREATE FUNCTION @extschema@.alimentador_particoes_vitais(
    ate timestamptz DEFAULT now() + interval '2 days',
    desde timestamptz DEFAULT now(),
    retencao_dias int DEFAULT NULL)
RETURNS TABLE (particao text, acao text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dia date;
    ultimo date;
    nome text;
    retencao int;
    identidade "char";
    bloqueado boolean := false;
BEGIN
    IF ate IS NULL OR desde IS NULL THEN
        RAISE EXCEPTION 'ate and desde must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF ate - desde > interval '400 days' THEN
        RAISE EXCEPTION 'at most 400 days of partitions at once, asked for % to %', desde, ate
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Partitions are daily: create them a few days ahead.';
    END IF;
    retencao := coalesce(retencao_dias,
                         nullif(current_setting('alimentador.vitais_retencao', true), '')::int, 0);
    IF retencao < 0 THEN
        RAISE EXCEPTION 'retencao_dias must be 0 (keep every partition) or more, got %', retencao
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT c.relreplident INTO identidade FROM pg_class c
    WHERE c.oid = 'hospital.sinais_vitais'::regclass;
    dia := (desde AT TIME ZONE 'UTC')::date;
    ultimo := (ate AT TIME ZONE 'UTC')::date;
    WHILE dia <= ultimo LOOP
        nome := 'sinais_vitais_p' || to_char(dia, 'YYYYMMDD');
        IF NOT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'hospital' AND c.relname = nome) THEN
            -- Workers run this concurrently: the first takes the lock and creates, the others then
            -- find the partition (checked again under the lock). The lock is the partitioned table's,
            -- in a self-conflicting mode that only roles allowed to change its rows can take (an
            -- advisory lock, which any role can take, would let any role stop partition creation);
            -- it does not conflict with the rows' inserts, updates and deletes.
            IF NOT bloqueado THEN
                LOCK TABLE ONLY hospital.sinais_vitais IN SHARE UPDATE EXCLUSIVE MODE;
                bloqueado := true;
            END IF;
            IF NOT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                           WHERE n.nspname = 'hospital' AND c.relname = nome) THEN
                EXECUTE format('CREATE TABLE hospital.%I PARTITION OF hospital.sinais_vitais '
                               'FOR VALUES FROM (%L) TO (%L)', nome,
                               (dia::timestamp AT TIME ZONE 'UTC'), ((dia + 1)::timestamp AT TIME ZONE 'UTC'));
                -- The key and the index delete_paciente looks readings up by (see above).
                EXECUTE format('ALTER TABLE hospital.%I ADD PRIMARY KEY (id, medido_em)', nome);
                EXECUTE format('CREATE INDEX ON hospital.%I (internacao_id)', nome);
                -- Replica identity is per partition (old images are logged by the partition).
                IF identidade = 'f' THEN
                    EXECUTE format('ALTER TABLE hospital.%I REPLICA IDENTITY FULL', nome);
                END IF;
                particao := nome; acao := 'criada';
                RETURN NEXT;
            END IF;
        END IF;
        dia := dia + 1;
    END LOOP;
    IF retencao > 0 THEN
        FOR nome IN
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'hospital.sinais_vitais'::regclass
              AND c.relname ~ '^sinais_vitais_p[0-9]{8}$'
              -- the partition's day ended (day + 1) more than `retencao` days before today
              AND to_date(substr(c.relname, 16), 'YYYYMMDD') + 1
                  < (now() AT TIME ZONE 'UTC')::date - retencao
            ORDER BY 1
        LOOP
            IF NOT bloqueado THEN
                LOCK TABLE ONLY hospital.sinais_vitais IN SHARE UPDATE EXCLUSIVE MODE;
                bloqueado := true;
            END IF;
            EXECUTE format('DROP TABLE IF EXISTS hospital.%I', nome);
            particao := nome; acao := 'removida';
            RETURN NEXT;
        END LOOP;
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.alimentador_particoes_vitais(timestamptz, timestamptz, int) IS
    'Creates the missing daily partitions of hospital.sinais_vitais up to ate; drops those past the retention (alimentador.vitais_retencao) when it is above 0';

SELECT pg_catalog.set_config('search_path', '@extschema@', true);
/* </end connected objects> */

/* <begin connected objects> */
-- src/schema.rs:11
-- requires:
--   vitais

-- Schema evolution mid-stream (the `ddl` and `ddl-breaking` profiles): the changes a hospital's
-- developers really ship while a CDC connector runs, each applied at most once per schema generation
-- (until alimentador_reset() restores the original schema), each recorded with its LSN and bracketed
-- in the change stream by two transactional logical messages (prefix `alimentador.ddl`), since
-- pgoutput sends no DDL: a consumer only sees a new Relation message before the next row of the table.

-- Every statement below runs under a pinned search_path: objects that other roles may have created
-- in the extension's schema (e.g. an operator in public) must never be bound into our functions.
-- The path is restored at the end of the file for pgrx's own statements.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- The changes applied since CREATE EXTENSION or the last reset. Outside schema hospital, so not in the
-- publication: the stream itself already carries each change as its `alimentador.ddl` messages (same
-- content, in the transaction of the change), and a consumer checks its schema registry against this
-- table by LSN; publishing it would add a table whose events describe the other tables' events.
CREATE TABLE @extschema@.alimentador_esquema_historico (
    seq      bigserial   PRIMARY KEY,
    momento  timestamptz NOT NULL DEFAULT now(),
    tabela   text        NOT NULL,
    mudanca  text        NOT NULL,
    comando  text        NOT NULL,
    -- The LSN of the change's closing `alimentador.ddl` message, in the change's transaction.
    lsn      pg_lsn      NOT NULL,
    -- The column a change added to an original table: alimentador_digest() leaves such columns out,
    -- so a digest stays comparable with one over the original columns (docs/src/digest.md).
    coluna   text
);
COMMENT ON TABLE @extschema@.alimentador_esquema_historico IS
    'alimentador: the schema changes of the ddl profiles since CREATE EXTENSION or the last reset, with their LSN';
GRANT SELECT ON @extschema@.alimentador_esquema_historico TO PUBLIC;

CREATE FUNCTION @extschema@.alimentador_schema_history()
RETURNS TABLE (seq bigint, momento timestamptz, tabela text, mudanca text, comando text, lsn pg_lsn)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT h.seq, h.momento, h.tabela, h.mudanca, h.comando, h.lsn
    FROM @extschema@.alimentador_esquema_historico h ORDER BY h.seq
$$;
COMMENT ON FUNCTION @extschema@.alimentador_schema_history() IS
    'The schema changes applied by the ddl operations since CREATE EXTENSION or the last reset, with the LSN of each';

-- Runs one statement of a change or of its undoing, with a message naming it before and returns the
-- LSN of a closing message after. `fase`: mudanca (a ddl operation) or restauracao (a reset).
CREATE FUNCTION hospital.alimentador_ddl_executar(fase text, tabela text, mudanca text, comando text)
RETURNS pg_lsn
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    corpo jsonb := jsonb_build_object('fase', fase, 'tabela', 'hospital.' || tabela, 'mudanca', mudanca,
                                      'comando', comando);
BEGIN
    PERFORM pg_logical_emit_message(true, 'alimentador.ddl', (corpo || '{"momento": "inicio"}')::text);
    EXECUTE comando;
    RETURN pg_logical_emit_message(true, 'alimentador.ddl', (corpo || '{"momento": "fim"}')::text);
END
$$;
COMMENT ON FUNCTION hospital.alimentador_ddl_executar(text, text, text, text) IS
    'alimentador: runs one schema change between two alimentador.ddl logical messages';

-- One ddl operation: applies the change named by the operation `operacao` unless it is already
-- applied, or another session is applying a change right now (a skip either way: false). Changes are
-- serialised database-wide by a lock on alimentador_esquema_historico taken without waiting (in a mode
-- that only roles allowed to write the history can take: an advisory lock, which any role can take,
-- would let any role stop every schema change), so two workers never queue
-- behind each other's AccessExclusiveLock and the history's order is the LSN order. The ALTER
-- itself waits for the tables' locks under the caller's lock_timeout (a worker's
-- alimentador.lock_timeout): a long transaction never blocks the stream behind it for longer.
CREATE FUNCTION hospital.alimentador_ddl(operacao text)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tabela text;
    mudanca text;
    comando text;
    coluna text;
    aplicada boolean;
    lsn pg_lsn;
BEGIN
    FOR pass IN 1..2 LOOP
        CASE operacao
        WHEN 'ddl_nome_social' THEN
            -- The social name of trans and non-binary patients (SUS, Decreto 8.727/2016).
            tabela := 'pacientes'; mudanca := 'add column nome_social'; coluna := 'nome_social';
            comando := 'ALTER TABLE hospital.pacientes ADD COLUMN nome_social varchar(150)';
            aplicada := EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = 'hospital.pacientes'::regclass
                                AND attname = 'nome_social' AND NOT attisdropped);
        WHEN 'ddl_teleconsulta' THEN
            -- A constant default: PostgreSQL 11+ stores it in the catalog, no table rewrite.
            tabela := 'consultas'; mudanca := 'add column teleconsulta with default'; coluna := 'teleconsulta';
            comando := 'ALTER TABLE hospital.consultas ADD COLUMN teleconsulta boolean NOT NULL DEFAULT false';
            aplicada := EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = 'hospital.consultas'::regclass
                                AND attname = 'teleconsulta' AND NOT attisdropped);
        WHEN 'ddl_email_254' THEN
            -- The longest address SMTP allows; widening a varchar rewrites nothing.
            tabela := 'pacientes'; mudanca := 'widen email to varchar(254)';
            comando := 'ALTER TABLE hospital.pacientes ALTER COLUMN email TYPE varchar(254)';
            aplicada := (SELECT format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute
                         WHERE attrelid = 'hospital.pacientes'::regclass AND attname = 'email')
                        IS DISTINCT FROM 'character varying(200)';
        WHEN 'ddl_valor_12_2' THEN
            -- Surgeries cost more than 99 million centavos; more digits at the same scale: no rewrite.
            tabela := 'consultas'; mudanca := 'valor to numeric(12,2)';
            comando := 'ALTER TABLE hospital.consultas ALTER COLUMN valor TYPE numeric(12,2)';
            aplicada := (SELECT format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute
                         WHERE attrelid = 'hospital.consultas'::regclass AND attname = 'valor')
                        IS DISTINCT FROM 'numeric(10,2)';
        WHEN 'ddl_check_quarto' THEN
            tabela := 'internacoes'; mudanca := 'add check quarto not blank';
            comando := 'ALTER TABLE hospital.internacoes ADD CONSTRAINT internacoes_quarto_preenchido CHECK (btrim(quarto) <> '''')';
            aplicada := EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE conrelid = 'hospital.internacoes'::regclass
                                AND conname = 'internacoes_quarto_preenchido');
        WHEN 'ddl_status_confirmada' THEN
            -- An enum-like CHECK list gets a value: the reception now confirms appointments.
            tabela := 'consultas'; mudanca := 'add status confirmada';
            comando := 'ALTER TABLE hospital.consultas DROP CONSTRAINT consultas_status_check, '
                       'ADD CONSTRAINT consultas_status_check CHECK (status IN '
                       '(''agendada'', ''realizada'', ''cancelada'', ''faltou'', ''confirmada''))';
            aplicada := EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE conrelid = 'hospital.consultas'::regclass
                                AND conname = 'consultas_status_check'
                                AND pg_get_constraintdef(oid) LIKE '%confirmada%');
        WHEN 'ddl_prescricoes' THEN
            tabela := 'prescricoes'; mudanca := 'create table prescricoes';
            comando := @extschema@.alimentador_prescricoes_ddl();
            aplicada := to_regclass('hospital.prescricoes') IS NOT NULL;
        WHEN 'ddl_rename_telefone_medico' THEN
            tabela := 'medicos'; mudanca := 'rename column telefone to telefone_consultorio';
            comando := 'ALTER TABLE hospital.medicos RENAME COLUMN telefone TO telefone_consultorio';
            aplicada := NOT EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = 'hospital.medicos'::regclass
                                    AND attname = 'telefone' AND NOT attisdropped);
        WHEN 'ddl_drop_email_medico' THEN
            -- LGPD: doctors' personal e-mail is no longer kept.
            tabela := 'medicos'; mudanca := 'drop column email';
            comando := 'ALTER TABLE hospital.medicos DROP COLUMN email';
            aplicada := NOT EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = 'hospital.medicos'::regclass
                                    AND attname = 'email' AND NOT attisdropped);
        ELSE
            RAISE EXCEPTION 'unknown schema change "%"', left(operacao, 60)
                USING ERRCODE = 'invalid_parameter_value';
        END CASE;
        IF aplicada THEN
            RETURN false;
        END IF;
        -- The cheap check passed; take the lock, then check again in a new snapshot (pass 2).
        IF pass = 1 THEN
            BEGIN
                LOCK TABLE @extschema@.alimentador_esquema_historico IN SHARE ROW EXCLUSIVE MODE NOWAIT;
            EXCEPTION WHEN lock_not_available THEN
                RETURN false;
            END;
        END IF;
    END LOOP;
    lsn := hospital.alimentador_ddl_executar('mudanca', tabela, mudanca, comando);
    INSERT INTO @extschema@.alimentador_esquema_historico (tabela, mudanca, comando, lsn, coluna)
    VALUES (tabela, mudanca, comando, lsn, coluna);
    RETURN true;
END
$$;
COMMENT ON FUNCTION hospital.alimentador_ddl(text) IS
    'alimentador: one ddl operation of the stream; false (a skip) when already applied or another change is under way';

-- Whether prescricoes exists, for the stream's statements on it (insert_prescricao, delete_paciente):
-- when it does, it is locked like the statements that follow would lock it, so a reset dropping it
-- waits for this transaction instead of dropping it between the look and the statement.
CREATE FUNCTION hospital.alimentador_prescricoes_existe()
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF to_regclass('hospital.prescricoes') IS NULL THEN
        RETURN false;
    END IF;
    LOCK TABLE hospital.prescricoes IN ROW EXCLUSIVE MODE;
    RETURN true;
EXCEPTION WHEN undefined_table THEN
    -- Dropped between the look and the lock.
    RETURN false;
END
$$;
COMMENT ON FUNCTION hospital.alimentador_prescricoes_existe() IS
    'alimentador: whether hospital.prescricoes exists, locked for the statements that follow when it does';

-- The new table that joins the publication mid-stream: a prescription written at an attended
-- appointment. Built like the others (bigserial key, timestamps, trigger, replica identity of
-- consultas), and added to alimentador_pub when that publication exists.
CREATE FUNCTION @extschema@.alimentador_prescricoes_ddl()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT 'CREATE TABLE hospital.prescricoes ('
        'id bigserial PRIMARY KEY, '
        'consulta_id bigint NOT NULL REFERENCES hospital.consultas (id) ON UPDATE CASCADE ON DELETE CASCADE, '
        'medicamento varchar(120) NOT NULL, '
        'posologia varchar(200) NOT NULL, '
        'dias int NOT NULL CHECK (dias > 0), '
        'created_at timestamptz NOT NULL DEFAULT now(), '
        'updated_at timestamptz NOT NULL DEFAULT now()); '
        'CREATE INDEX prescricoes_consulta_id_idx ON hospital.prescricoes (consulta_id); '
        'CREATE TRIGGER tocar_updated_at BEFORE UPDATE ON hospital.prescricoes '
        'FOR EACH ROW EXECUTE FUNCTION hospital.tocar_updated_at(); '
        || format('ALTER TABLE hospital.prescricoes REPLICA IDENTITY %s; ',
                  CASE (SELECT relreplident FROM pg_catalog.pg_class WHERE oid = 'hospital.consultas'::regclass)
                      WHEN 'f' THEN 'FULL' ELSE 'DEFAULT' END)
        || CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_publication WHERE pubname = 'alimentador_pub' AND NOT puballtables)
                THEN 'ALTER PUBLICATION alimentador_pub ADD TABLE hospital.prescricoes;' ELSE '' END
$$;
COMMENT ON FUNCTION @extschema@.alimentador_prescricoes_ddl() IS
    'alimentador: the statements that create hospital.prescricoes (the ddl_prescricoes operation)';

-- alimentador_reset(): undoes every change of the ddl operations, checked against the catalog (not the
-- history, so it also repairs a half-known state), each undone statement bracketed by messages like a
-- change; then clears the history. Runs before the hospital is emptied (prescricoes references
-- consultas); waits for a change under way.
CREATE FUNCTION @extschema@.alimentador_esquema_restaurar()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    desfazer text[][] := '{}';
    i int;
BEGIN
    LOCK TABLE @extschema@.alimentador_esquema_historico IN SHARE ROW EXCLUSIVE MODE;
    IF to_regclass('hospital.prescricoes') IS NOT NULL THEN
        desfazer := desfazer || ARRAY[['prescricoes', 'drop table prescricoes', 'DROP TABLE hospital.prescricoes']];
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = 'hospital.pacientes'::regclass
               AND attname = 'nome_social' AND NOT attisdropped) THEN
        desfazer := desfazer || ARRAY[['pacientes', 'drop column nome_social',
                                       'ALTER TABLE hospital.pacientes DROP COLUMN nome_social']];
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = 'hospital.consultas'::regclass
               AND attname = 'teleconsulta' AND NOT attisdropped) THEN
        desfazer := desfazer || ARRAY[['consultas', 'drop column teleconsulta',
                                       'ALTER TABLE hospital.consultas DROP COLUMN teleconsulta']];
    END IF;
    IF (SELECT format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute
        WHERE attrelid = 'hospital.pacientes'::regclass AND attname = 'email') <> 'character varying(200)' THEN
        desfazer := desfazer || ARRAY[['pacientes', 'email back to varchar(200)',
                                       'ALTER TABLE hospital.pacientes ALTER COLUMN email TYPE varchar(200)']];
    END IF;
    IF (SELECT format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute
        WHERE attrelid = 'hospital.consultas'::regclass AND attname = 'valor') <> 'numeric(10,2)' THEN
        desfazer := desfazer || ARRAY[['consultas', 'valor back to numeric(10,2)',
                                       'ALTER TABLE hospital.consultas ALTER COLUMN valor TYPE numeric(10,2)']];
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE conrelid = 'hospital.internacoes'::regclass
               AND conname = 'internacoes_quarto_preenchido') THEN
        desfazer := desfazer || ARRAY[['internacoes', 'drop check quarto not blank',
                                       'ALTER TABLE hospital.internacoes DROP CONSTRAINT internacoes_quarto_preenchido']];
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE conrelid = 'hospital.consultas'::regclass
               AND conname = 'consultas_status_check' AND pg_get_constraintdef(oid) LIKE '%confirmada%') THEN
        -- Rows already confirmed go back to the status they had before the value existed.
        desfazer := desfazer || ARRAY[['consultas', 'drop status confirmada',
            'UPDATE hospital.consultas SET status = ''agendada'' WHERE status = ''confirmada''; '
            'ALTER TABLE hospital.consultas DROP CONSTRAINT consultas_status_check, '
            'ADD CONSTRAINT consultas_status_check CHECK (status IN '
            '(''agendada'', ''realizada'', ''cancelada'', ''faltou''))']];
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = 'hospital.medicos'::regclass
               AND attname = 'telefone_consultorio' AND NOT attisdropped) THEN
        desfazer := desfazer || ARRAY[['medicos', 'rename column telefone_consultorio to telefone',
                                       'ALTER TABLE hospital.medicos RENAME COLUMN telefone_consultorio TO telefone']];
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = 'hospital.medicos'::regclass
                   AND attname = 'email' AND NOT attisdropped) THEN
        -- A column cannot be put back in its place: the columns after it are dropped and added again
        -- in their original order, so the column order (what consumers and digests see) is the
        -- original one. Each keeps its default; ALTER ... ADD fills the rows already there.
        desfazer := desfazer || ARRAY[['medicos', 'add column email back',
            'ALTER TABLE hospital.medicos DROP COLUMN ativo, DROP COLUMN created_at, DROP COLUMN updated_at, '
            'ADD COLUMN email varchar(200), ADD COLUMN ativo boolean NOT NULL DEFAULT true, '
            'ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(), '
            'ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()']];
    END IF;
    FOR i IN 1..coalesce(array_length(desfazer, 1), 0) LOOP
        PERFORM hospital.alimentador_ddl_executar('restauracao', desfazer[i][1], desfazer[i][2], desfazer[i][3]);
    END LOOP;
    DELETE FROM @extschema@.alimentador_esquema_historico;
    PERFORM setval(pg_get_serial_sequence('@extschema@.alimentador_esquema_historico', 'seq'), 1, false);
END
$$;
COMMENT ON FUNCTION @extschema@.alimentador_esquema_restaurar() IS
    'alimentador: restores the original hospital schema (alimentador_reset() calls it) and clears the schema history';

SELECT pg_catalog.set_config('search_path', '@extschema@', true);
/* </end connected objects> */

/* <begin connected objects> */
-- src/schema.rs:13
-- requires:
--   ddl

-- The relay to a managed PostgreSQL: alimentador runs where it can be preloaded (its image, a VM) and
-- a server that cannot load our library (RDS, Aurora, Cloud SQL, Azure) receives the stream through
-- native logical replication (CREATE SUBSCRIPTION … PUBLICATION alimentador_pub), so the user's
-- Debezium reads from that server as in production. The target needs the hospital tables without the
-- extension: alimentador_schema_sql() writes them from the catalog (so it follows the schema as it is
-- now), and alimentador_relay_check() tells, on the source, whether each subscription keeps up.

-- Every statement below runs under a pinned search_path: objects that other roles may have created
-- in the extension's schema (e.g. an operator in public) must never be bound into our constraints,
-- indexes or functions. The path is restored at the end of the file for pgrx's own statements.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- The DDL a subscriber needs, as one script: schema hospital, every table of it (partitioned tables
-- with their partitions) with columns, NOT NULL, defaults, primary keys, unique and CHECK constraints,
-- then foreign keys, secondary indexes, replica identity and out-of-line storage (so that the
-- target's own CDC sees the same kinds of events: before-images, unchanged TOAST values).
-- Left out on purpose: sequences and the id defaults that use them (the rows arrive with their ids;
-- sequences do not travel through logical replication), triggers (the apply worker does not fire
-- them; updated_at arrives from the source), and everything of the extension's own schema.
-- Written with pg_catalog's deparsers, which qualify what is not in pg_catalog.
CREATE FUNCTION @extschema@.alimentador_schema_sql()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
WITH tabelas AS (
    SELECT c.oid, c.relname, c.relkind, c.relispartition, c.relreplident,
           format('hospital.%I', c.relname) AS nome
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'hospital' AND c.relkind IN ('r', 'p')
),
colunas AS (
    SELECT t.oid,
           string_agg(format('    %I %s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                             CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
                             CASE WHEN d.adbin IS NOT NULL AND pg_get_expr(d.adbin, d.adrelid) NOT LIKE 'nextval(%'
                                  THEN ' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid) ELSE '' END),
                      E',\n' ORDER BY a.attnum) AS lista
    FROM tabelas t
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = t.oid AND d.adnum = a.attnum
    GROUP BY t.oid
),
-- Primary keys, unique and CHECK constraints declared on the table itself, partitions included
-- (a partition may have a key of its own; what it inherits from its parent is not local).
restricoes AS (
    SELECT t.oid,
           string_agg(format('    CONSTRAINT %I %s', k.conname, pg_get_constraintdef(k.oid)),
                      E',\n' ORDER BY CASE k.contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 ELSE 2 END, k.conname) AS lista
    FROM tabelas t JOIN pg_constraint k ON k.conrelid = t.oid
    WHERE k.contype IN ('p', 'u', 'c') AND k.conislocal
    GROUP BY t.oid
),
criacao AS (
    SELECT t.relispartition, t.relname,
           CASE WHEN t.relispartition THEN
                    format(E'CREATE TABLE %s PARTITION OF %s%s\n    %s;', t.nome,
                           (SELECT format('hospital.%I', p.relname) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
                            WHERE i.inhrelid = t.oid),
                           coalesce(E' (\n' || r.lista || E'\n)', ''),
                           pg_get_expr((SELECT c.relpartbound FROM pg_class c WHERE c.oid = t.oid), t.oid))
                ELSE format(E'CREATE TABLE %s (\n%s%s\n)%s;', t.nome, c.lista,
                            coalesce(E',\n' || r.lista, ''),
                            CASE WHEN t.relkind = 'p' THEN ' PARTITION BY ' || pg_get_partkeydef(t.oid) ELSE '' END)
           END AS comando
    FROM tabelas t JOIN colunas c ON c.oid = t.oid LEFT JOIN restricoes r ON r.oid = t.oid
),
chaves_estrangeiras AS (
    SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s;', t.nome, k.conname, pg_get_constraintdef(k.oid)) AS comando,
           t.relname, k.conname
    FROM tabelas t JOIN pg_constraint k ON k.conrelid = t.oid
    WHERE k.contype = 'f' AND k.conislocal AND NOT t.relispartition
),
-- Indexes that no constraint made and that are not a partition's copy of its parent's index.
indices AS (
    SELECT pg_get_indexdef(i.indexrelid) || ';' AS comando, t.relname, x.relname AS indice
    FROM tabelas t JOIN pg_index i ON i.indrelid = t.oid JOIN pg_class x ON x.oid = i.indexrelid
    WHERE NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = t.oid)
      AND NOT EXISTS (SELECT FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
),
identidades AS (
    SELECT format('ALTER TABLE %s REPLICA IDENTITY %s;', t.nome,
                  CASE t.relreplident WHEN 'f' THEN 'FULL' WHEN 'n' THEN 'NOTHING'
                       ELSE 'USING INDEX ' || quote_ident((SELECT x.relname FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
                                                           WHERE i.indrelid = t.oid AND i.indisreplident)) END) AS comando,
           t.relname
    FROM tabelas t
    WHERE t.relreplident <> 'd'
),
armazenamento AS (
    SELECT format('ALTER TABLE %s ALTER COLUMN %I SET STORAGE %s;', t.nome, a.attname,
                  CASE a.attstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END) AS comando,
           t.relname, a.attnum
    FROM tabelas t
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
    JOIN pg_type y ON y.oid = a.atttypid
    WHERE a.attstorage <> y.typstorage AND NOT t.relispartition
)
SELECT concat_ws(E'\n\n',
    format(E'-- The hospital tables of alimentador %s, for a logical-replication subscriber of alimentador_pub.\n'
           '-- Generated by alimentador_schema_sql() in database %I at %s; run it on the target, then\n'
           '-- CREATE SUBSCRIPTION … PUBLICATION alimentador_pub (see docs/src/managed.md).',
           (SELECT extversion FROM pg_extension WHERE extname = 'alimentador'), current_database(),
           to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"')),
    'CREATE SCHEMA IF NOT EXISTS hospital;',
    (SELECT string_agg(comando, E'\n\n' ORDER BY relispartition, relname) FROM criacao),
    (SELECT string_agg(comando, E'\n' ORDER BY relname, conname) FROM chaves_estrangeiras),
    (SELECT string_agg(comando, E'\n' ORDER BY relname, indice) FROM indices),
    (SELECT string_agg(comando, E'\n' ORDER BY relname) FROM identidades),
    (SELECT string_agg(comando, E'\n' ORDER BY relname, attnum) FROM armazenamento)
) || E'\n'
$$;
COMMENT ON FUNCTION @extschema@.alimentador_schema_sql() IS
    'The hospital tables as a DDL script for a logical-replication target without the extension (no sequences, no triggers)';

-- One row per logical-replication consumer of alimentador_pub on this server (a subscription's slot,
-- or any slot named in slot): is it connected, how far behind is it. A slot's confirmed_flush_lsn is
-- what its consumer has durably applied; the distance to pg_current_wal_lsn() is the WAL it has not.
-- atraso_maximo: the lag in bytes still called ok (NULL: any lag, only the connection counts).
CREATE FUNCTION @extschema@.alimentador_relay_check(slot text DEFAULT NULL, atraso_maximo bigint DEFAULT 16 * 1024 * 1024)
RETURNS TABLE (slot_name text, ativo boolean, estado text, atraso_bytes bigint, atraso_replay interval,
               ok boolean, dica text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT s.slot_name::text, s.active, coalesce(r.state, 'disconnected'),
       pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint,
       r.replay_lag,
       s.active AND (atraso_maximo IS NULL OR pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn) <= atraso_maximo),
       CASE WHEN NOT s.active
                THEN 'Nothing reads this slot: on the target, check the subscription (SELECT * FROM pg_stat_subscription; ALTER SUBSCRIPTION … ENABLE) and its server log; an abandoned slot keeps WAL here.'
            WHEN pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn) > atraso_maximo
                THEN 'The target applies slower than the stream writes: lower alimentador.rate, or look for apply errors in the target''s log (a schema change that was not applied there stops the apply).'
       END
FROM pg_replication_slots s
LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid
WHERE s.database = current_database() AND s.plugin = 'pgoutput' AND s.slot_type = 'logical'
  AND (slot IS NULL OR s.slot_name = slot)
ORDER BY s.slot_name
$$;
COMMENT ON FUNCTION @extschema@.alimentador_relay_check(text, bigint) IS
    'Per pgoutput slot of this database: connected or not, bytes of WAL not yet applied by its consumer, ok within atraso_maximo';

SELECT pg_catalog.set_config('search_path', '@extschema@', true);
/* </end connected objects> */

/* <begin connected objects> */
-- src/schema.rs:12
-- requires:
--   ddl

-- alimentador_digest(): an exact, order-independent digest of every hospital table, all taken in one
-- statement (so one snapshot), with that snapshot and the WAL position, so a CDC test can say exactly
-- what a sink must contain. The canonical encoding is specified in docs/src/digest.md; tools/digest/ has
-- the same computation for a PostgreSQL sink (no extension needed), DuckDB and Python, and
-- tests/digest/run.sh proves the four agree. Change the encoding only together with all of them.

-- Every statement below runs under a pinned search_path: objects that other roles may have created
-- in the extension's schema (e.g. an operator in public) must never be bound into our functions.
-- The path is restored at the end of the file for pgrx's own statements.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- The SQL expression (text) of one column's canonical value, or NULL for SQL NULL. `coluna` is an
-- already quoted reference (e.g. r."data"), `tipo` the column's type. Rules (docs/src/digest.md):
--   timestamptz  UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ, always 6 fraction digits: Debezium prints as few
--                fraction digits as needed and sinks re-format, so only a fixed form compares;
--   timestamp    the same without the Z;
--   bpchar       without its trailing spaces (bpchar::text strips them: PostgreSQL itself holds them
--                insignificant; Debezium delivers the padded value, sinks differ);
--   anything else its text output under the settings the callers pin (DateStyle ISO, …): integers,
--                numeric with its scale (150.00), true/false, lowercase uuid, YYYY-MM-DD, jsonb text.
-- A domain is encoded as its base type.
CREATE FUNCTION @extschema@.alimentador_digest_valor(coluna text, tipo regtype)
RETURNS text
LANGUAGE sql
STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE base(t, nivel) AS (
        SELECT tipo::oid, 0
        UNION ALL
        SELECT ty.typbasetype, b.nivel + 1 FROM base b JOIN pg_catalog.pg_type ty ON ty.oid = b.t
        WHERE ty.typtype = 'd'
    )
    SELECT CASE (SELECT t FROM base ORDER BY nivel DESC LIMIT 1)
        -- to_char() gives NULL for ±infinity, which would read as SQL NULL: keep their text.
        WHEN 'pg_catalog.timestamptz'::regtype THEN pg_catalog.format(
            'CASE WHEN pg_catalog.isfinite(%1$s) THEN pg_catalog.to_char(pg_catalog.timezone(''UTC'', %1$s), ''YYYY-MM-DD"T"HH24:MI:SS.US"Z"'') ELSE (%1$s)::pg_catalog.text END',
            coluna)
        WHEN 'pg_catalog.timestamp'::regtype THEN pg_catalog.format(
            'CASE WHEN pg_catalog.isfinite(%1$s) THEN pg_catalog.to_char(%1$s, ''YYYY-MM-DD"T"HH24:MI:SS.US'') ELSE (%1$s)::pg_catalog.text END',
            coluna)
        ELSE pg_catalog.format('(%s)::pg_catalog.text', coluna)
    END
$$;
COMMENT ON FUNCTION @extschema@.alimentador_digest_valor(text, regtype) IS
    'alimentador: SQL expression of a column''s canonical text in a digest (docs/src/digest.md)';

-- The SQL expression that sums one table's row hashes: every column in attnum order (dropped ones
-- skipped) as <byte length>:<value>, or - for NULL, concatenated; md5 of that; its first 16 hex
-- digits as a 64-bit number (two's complement in a bigint: the sum mod 2^64 is the same). sum()
-- over bigint accumulates in numeric, so it never overflows; alimentador_digest_hex() reduces it.
CREATE FUNCTION @extschema@.alimentador_digest_soma(tabela regclass)
RETURNS text
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.format(
        'pg_catalog.sum((''x'' OPERATOR(pg_catalog.||) pg_catalog.left(pg_catalog.md5(%s), 16))::pg_catalog.bit(64)::pg_catalog.int8)',
        COALESCE(pg_catalog.string_agg(
            pg_catalog.format('COALESCE(pg_catalog.octet_length(%1$s)::pg_catalog.text OPERATOR(pg_catalog.||) '':'' OPERATOR(pg_catalog.||) %1$s, ''-'')',
                              @extschema@.alimentador_digest_valor(pg_catalog.format('r.%I', a.attname), a.atttypid::regtype)),
            ' OPERATOR(pg_catalog.||) ' ORDER BY a.attnum),
        -- A table without columns: every row encodes as the empty string.
        ''''''))
    FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = tabela AND a.attnum > 0 AND NOT a.attisdropped
      -- Over the original columns: a column a ddl operation added (the schema history names it) is
      -- left out, so a consumer's digest stays comparable whether or not it evolved its schema.
      AND NOT EXISTS (SELECT FROM @extschema@.alimentador_esquema_historico h
                      JOIN pg_catalog.pg_class c ON c.relname OPERATOR(pg_catalog.=) h.tabela
                      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
                      WHERE c.oid OPERATOR(pg_catalog.=) $1 AND n.nspname OPERATOR(pg_catalog.=) 'hospital'
                        AND h.coluna OPERATOR(pg_catalog.=) a.attname)
$$;
COMMENT ON FUNCTION @extschema@.alimentador_digest_soma(regclass) IS
    'alimentador: SQL expression summing a table''s row hashes for alimentador_digest() (docs/src/digest.md)';

-- A sum of row hashes (numeric, NULL for no rows) as the digest: mod 2^64, 16 lowercase hex digits.
CREATE FUNCTION @extschema@.alimentador_digest_hex(soma numeric)
RETURNS text
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.lpad(pg_catalog.to_hex((CASE WHEN m >= 9223372036854775808 THEN m - 18446744073709551616 ELSE m END)::pg_catalog.int8), 16, '0')
    FROM (SELECT pg_catalog.mod(pg_catalog.mod(COALESCE(soma, 0), 18446744073709551616) + 18446744073709551616,
                                18446744073709551616) AS m) s
$$;
COMMENT ON FUNCTION @extschema@.alimentador_digest_hex(numeric) IS
    'alimentador: a sum of row hashes as a digest (mod 2^64, 16 lowercase hex digits)';

CREATE FUNCTION @extschema@.alimentador_digest(tabelas text[] DEFAULT NULL)
RETURNS TABLE (tabela text, linhas bigint, digest text, snapshot_xmin xid8, snapshot_xmax xid8,
               snapshot_xip xid8[], lsn pg_lsn, em timestamptz)
LANGUAGE plpgsql
-- The text output of dates (and of types without a rule of their own) depends on these settings:
-- pinned for the call, so a session's DateStyle never changes a digest.
SET search_path = pg_catalog, pg_temp
SET datestyle = 'ISO, YMD'
SET intervalstyle = 'postgres'
SET extra_float_digits = 1
SET bytea_output = 'hex'
AS $$
DECLARE
    -- The tables in the order of alimentador_counts() (parents first), then any other one by name.
    ordem constant text[] := ARRAY['convenios', 'pacientes', 'medicos', 'pacientes_convenios', 'consultas', 'exames', 'internacoes', 'sinais_vitais', 'pulso'];
    validas text[];
    escolhidas text[];
    desconhecida text;
    partes text[] := '{}';
    t text;
    i int := 0;
BEGIN
    SELECT pg_catalog.array_agg(c.relname::text ORDER BY pg_catalog.array_position(ordem, c.relname::text), c.relname)
      INTO validas
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'hospital' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       -- Debezium's signaling table holds a connector's signals and watermarks, not hospital data.
       AND c.relname <> 'debezium_sinalizacao';
    IF validas IS NULL THEN
        RAISE EXCEPTION 'schema hospital has no tables'
            USING ERRCODE = 'undefined_table', HINT = 'CREATE EXTENSION alimentador creates them.';
    END IF;

    IF tabelas IS NULL THEN
        escolhidas := validas;
    ELSE
        IF pg_catalog.cardinality(tabelas) = 0 THEN
            RAISE EXCEPTION 'tabelas must not be empty'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = pg_catalog.format('Pass NULL (the default) for every table, or some of: %s.',
                                               pg_catalog.array_to_string(validas, ', '));
        END IF;
        IF pg_catalog.array_position(tabelas, NULL) IS NOT NULL THEN
            RAISE EXCEPTION 'tabelas must not contain NULL'
                USING ERRCODE = 'null_value_not_allowed',
                      HINT = pg_catalog.format('Valid tables: %s.', pg_catalog.array_to_string(validas, ', '));
        END IF;
        SELECT u INTO desconhecida FROM pg_catalog.unnest(tabelas) u
         WHERE u OPERATOR(pg_catalog.<>) ALL (validas) LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'unknown hospital table "%"',
                CASE WHEN pg_catalog.length(desconhecida) > 60 THEN pg_catalog.left(desconhecida, 60) || '…' ELSE desconhecida END
                USING ERRCODE = 'undefined_table',
                      HINT = pg_catalog.format('Valid tables: %s.', pg_catalog.array_to_string(validas, ', '));
        END IF;
        -- In the order given, each table once.
        SELECT pg_catalog.array_agg(u ORDER BY o) INTO escolhidas
          FROM (SELECT u, pg_catalog.min(o) AS o FROM pg_catalog.unnest(tabelas) WITH ORDINALITY x(u, o) GROUP BY u) d;
    END IF;

    FOREACH t IN ARRAY escolhidas LOOP
        i := i + 1;
        partes := partes || pg_catalog.format(
            'SELECT %s AS ordem, %L::pg_catalog.text AS tabela, pg_catalog.count(*) AS linhas, %s AS soma FROM hospital.%I r',
            i, t, @extschema@.alimentador_digest_soma(pg_catalog.format('hospital.%I', t)::regclass), t);
    END LOOP;

    -- ONE statement: under READ COMMITTED each statement takes its own snapshot, so every table is
    -- read in the same one (in REPEATABLE READ / SERIALIZABLE, the transaction's), and
    -- pg_current_snapshot() in that statement returns exactly it. Plain SELECTs: ACCESS SHARE only,
    -- the stream keeps writing. The LSN is read during the statement, after the snapshot was taken:
    -- the INSERT position, not pg_current_wal_lsn() (the write position), because with
    -- synchronous_commit = off a transaction is visible before its commit record is written, and
    -- `lsn` must be past the commit of every transaction in the snapshot.
    RETURN QUERY EXECUTE pg_catalog.format(
        'WITH s AS MATERIALIZED (
             SELECT pg_catalog.pg_current_snapshot() AS snap,
                    CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_replay_lsn()
                         ELSE pg_catalog.pg_current_wal_insert_lsn() END AS lsn,
                    pg_catalog.clock_timestamp() AS em)
         SELECT d.tabela, d.linhas, @extschema@.alimentador_digest_hex(d.soma),
                pg_catalog.pg_snapshot_xmin(s.snap), pg_catalog.pg_snapshot_xmax(s.snap),
                ARRAY(SELECT pg_catalog.pg_snapshot_xip(s.snap) x ORDER BY x),
                s.lsn, s.em
         FROM s CROSS JOIN (%s) d
         ORDER BY d.ordem',
        pg_catalog.array_to_string(partes, ' UNION ALL '));
END
$$;
COMMENT ON FUNCTION @extschema@.alimentador_digest(text[]) IS
    'alimentador: exact, order-independent digest of each hospital table, all in one snapshot (docs/src/digest.md)';

-- alimentador_checkpoint(): alimentador_digest(), also written into the change stream as one
-- transactional logical decoding message (prefix alimentador.checkpoint), so a consumer receives,
-- in order with the changes, what its copy must contain at that point: a transaction is in the
-- checkpoint when its xid is below xmin, or below xmax and not in xip (the digest's snapshot); the
-- checkpoint's own transaction never is (its xid is assigned after the snapshot was taken).
-- tools/alimentador-verify rebuilds every table from the events of those transactions and compares.
-- The message belongs to the caller's transaction: rolled back, it is never delivered. The xids are
-- JSON numbers (xid8: epoch and xid, as txid_current() gives; Debezium's txId is the 32-bit xid).
CREATE FUNCTION @extschema@.alimentador_checkpoint(tabelas text[] DEFAULT NULL)
RETURNS TABLE (tabela text, linhas bigint, digest text, snapshot_xmin xid8, snapshot_xmax xid8,
               snapshot_xip xid8[], lsn pg_lsn, em timestamptz)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    d record;
    linhas_tabelas jsonb := '{}';
    primeira record;
BEGIN
    -- Bad input is reported by alimentador_digest() itself (same messages and SQLSTATEs).
    FOR d IN SELECT * FROM @extschema@.alimentador_digest(tabelas) LOOP
        IF primeira IS NULL THEN
            primeira := d;
        END IF;
        linhas_tabelas := linhas_tabelas
            OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(d.tabela,
                pg_catalog.jsonb_build_object('linhas', d.linhas, 'digest', d.digest));
        tabela := d.tabela; linhas := d.linhas; digest := d.digest;
        snapshot_xmin := d.snapshot_xmin; snapshot_xmax := d.snapshot_xmax; snapshot_xip := d.snapshot_xip;
        lsn := d.lsn; em := d.em;
        RETURN NEXT;
    END LOOP;
    PERFORM pg_catalog.pg_logical_emit_message(true, 'alimentador.checkpoint',
        pg_catalog.jsonb_build_object(
            'tabelas', linhas_tabelas,
            'snapshot', pg_catalog.jsonb_build_object(
                'xmin', primeira.snapshot_xmin::pg_catalog.text::pg_catalog.numeric,
                'xmax', primeira.snapshot_xmax::pg_catalog.text::pg_catalog.numeric,
                'xip', (SELECT COALESCE(pg_catalog.jsonb_agg(x::pg_catalog.text::pg_catalog.numeric ORDER BY x), '[]')
                          FROM pg_catalog.unnest(primeira.snapshot_xip) x)),
            'lsn', primeira.lsn::pg_catalog.text,
            'em', primeira.em)::pg_catalog.text);
END
$$;
COMMENT ON FUNCTION @extschema@.alimentador_checkpoint(text[]) IS
    'alimentador: alimentador_digest(), also emitted into the change stream as a logical message (prefix alimentador.checkpoint)';

SELECT pg_catalog.set_config('search_path', '@extschema@', true);
/* </end connected objects> */

/* <begin connected objects> */
-- src/schema.rs:25
-- alimentador::schema::alimentador_bind_publication
CREATE  FUNCTION "alimentador_bind_publication"() RETURNS bool /* bool */
STRICT VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'alimentador_bind_publication_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/api.rs:277
-- alimentador::api::alimentador_changes
CREATE  FUNCTION "alimentador_changes"() RETURNS TABLE (
	"tabela" TEXT,  /* String */
	"operacao" TEXT,  /* String */
	"linhas" bigint  /* i64 */
)
STRICT VOLATILE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'alimentador_changes_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/api.rs:466
-- alimentador::api::alimentador_clear_overrides
CREATE  FUNCTION "alimentador_clear_overrides"() RETURNS bool /* bool */
STRICT VOLATILE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'alimentador_clear_overrides_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/api.rs:61
-- alimentador::api::alimentador_counts
CREATE  FUNCTION "alimentador_counts"() RETURNS TABLE (
	"tabela" TEXT,  /* String */
	"linhas" bigint  /* i64 */
)
STRICT VOLATILE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'alimentador_counts_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/api.rs:500
-- alimentador::api::alimentador_operations
CREATE  FUNCTION "alimentador_operations"() RETURNS TABLE (
	"operacao" TEXT,  /* String */
	"peso_padrao" INT,  /* i32 */
	"descricao" TEXT  /* String */
)
IMMUTABLE STRICT PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'alimentador_operations_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/api.rs:409
-- alimentador::api::alimentador_pause
CREATE  FUNCTION "alimentador_pause"() RETURNS bool /* bool */
STRICT VOLATILE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'alimentador_pause_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/api.rs:474
-- alimentador::api::alimentador_profiles
CREATE  FUNCTION "alimentador_profiles"() RETURNS TABLE (
	"nome" TEXT,  /* String */
	"descricao" TEXT,  /* String */
	"pesos" TEXT  /* String */
)
IMMUTABLE STRICT PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'alimentador_profiles_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/api.rs:314
-- alimentador::api::alimentador_relogio
CREATE  FUNCTION "alimentador_relogio"() RETURNS timestamp with time zone /* TimestampWithTimeZone */
STRICT VOLATILE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'alimentador_relogio_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/api.rs:46
-- alimentador::api::alimentador_reset
CREATE  FUNCTION "alimentador_reset"(
	"reseed" bool DEFAULT true, /* Option < bool > */
	"scale" double precision DEFAULT 1.0, /* Option < f64 > */
	"semente" bigint DEFAULT NULL /* Option < i64 > */
) RETURNS TABLE (
	"tabela" TEXT,  /* String */
	"linhas" bigint  /* i64 */
)
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'alimentador_reset_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/api.rs:416
-- alimentador::api::alimentador_resume
CREATE  FUNCTION "alimentador_resume"() RETURNS bool /* bool */
STRICT VOLATILE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'alimentador_resume_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/session.rs:155
-- alimentador::session::alimentador_run_inicio
CREATE  FUNCTION "alimentador_run_inicio"(
	"ops" bigint, /* Option < i64 > */
	"duration" interval, /* Option < Interval > */
	"rate" double precision, /* Option < f64 > */
	"weights" TEXT, /* Option < & str > */
	"ops_per_transaction" INT, /* Option < i32 > */
	"ledger" TEXT, /* Option < & str > */
	"semente" bigint /* Option < i64 > */
) RETURNS INT /* i32 */
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'alimentador_run_inicio_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/session.rs:235
-- alimentador::session::alimentador_run_passo
CREATE  FUNCTION "alimentador_run_passo"(
	"execucao" INT /* Option < i32 > */
) RETURNS bool /* bool */
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'alimentador_run_passo_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/session.rs:25
-- requires:
--   cdc
--   alimentador_run_inicio
--   alimentador_run_passo

-- Streaming without shared_preload_libraries: CALL alimentador_run(...) runs the stream from the
-- caller's session with one COMMIT per stream transaction (what a worker commits), so a host that can
-- create the extension but not preload it (managed PostgreSQL) gets the same transaction shapes and
-- ledger. The procedure is PL/pgSQL because only a procedure may COMMIT; each turn of its loop is
-- one call of the Rust function alimentador_run_passo(), which paces (sleeping on the latch, so a
-- cancel interrupts it at once), runs one transaction's operations, emits its ledger message and
-- updates the run's row in alimentador_execucoes, all in the transaction the procedure then commits.

-- Every statement below runs under a pinned search_path. The path is restored at the end of the file
-- for pgrx's own statements.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- One row per alimentador_run: without preload there is no shared memory for counters, so a run keeps
-- them here, updated inside each stream transaction (committed work only, exact). Outside schema
-- hospital: not in the publication, no CDC events.
CREATE TABLE @extschema@.alimentador_execucoes (
    execucao              int         GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pid                   int         NOT NULL,
    estado                text        NOT NULL DEFAULT 'running' CHECK (estado IN ('running', 'done')),
    iniciada_em           timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    atualizada_em         timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    terminada_em          timestamptz,
    ops_alvo              bigint,
    duracao_alvo          interval,
    taxa_alvo             double precision NOT NULL,
    pesos                 text        NOT NULL,
    ops_por_transacao     int         NOT NULL,
    razao                 text        NOT NULL,
    feitas                bigint      NOT NULL DEFAULT 0,
    puladas               bigint      NOT NULL DEFAULT 0,
    falhas                bigint      NOT NULL DEFAULT 0,
    transacoes            bigint      NOT NULL DEFAULT 0,
    razao_seq             bigint      NOT NULL DEFAULT 0,
    ultimo_erro           text,
    feitas_por_operacao   jsonb       NOT NULL DEFAULT '{}',
    puladas_por_operacao  jsonb       NOT NULL DEFAULT '{}',
    linhas                jsonb       NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE @extschema@.alimentador_execucoes IS
    'alimentador_run sessions: committed counters of each run (its ledger worker is -execucao)';
GRANT SELECT ON @extschema@.alimentador_execucoes TO PUBLIC;

-- Runs the stream in this session until ops operations ran, duration passed, or it is cancelled
-- (Ctrl-C, pg_cancel_backend): a cancel ends the CALL with the usual ERROR and rolls back only the
-- transaction in progress; every earlier stream transaction is committed. No SET clause: a procedure
-- with one cannot COMMIT; the body only calls schema-qualified functions (which pin their own path).
CREATE PROCEDURE @extschema@.alimentador_run(
    ops bigint DEFAULT NULL,
    duration interval DEFAULT NULL,
    rate double precision DEFAULT NULL,
    weights text DEFAULT NULL,
    ops_per_transaction int DEFAULT NULL,
    ledger text DEFAULT NULL,
    semente bigint DEFAULT NULL)
LANGUAGE plpgsql
AS $$
DECLARE
    execucao int;
BEGIN
    execucao := @extschema@.alimentador_run_inicio(ops, duration, rate, weights, ops_per_transaction, ledger, semente);
    COMMIT;
    WHILE @extschema@.alimentador_run_passo(execucao) LOOP
        COMMIT;
    END LOOP;
    COMMIT;
END
$$;
COMMENT ON PROCEDURE @extschema@.alimentador_run(bigint, interval, double precision, text, int, text, bigint) IS
    'Streams from this session, one COMMIT per stream transaction, paced; stops at ops, duration or a cancel (committed work stays)';

-- The runs with their state: running (its session is still in the CALL), done, or interrupted (a
-- cancel, an error or the session's end stopped it; what it committed stays and is counted). A viewer
-- without the rights to see the run's session in pg_stat_activity sees it as running until it is done.
CREATE FUNCTION @extschema@.alimentador_runs()
RETURNS TABLE (execucao int, pid int, estado text, iniciada_em timestamptz, atualizada_em timestamptz,
               ops_por_segundo double precision, feitas bigint, puladas bigint, falhas bigint,
               transacoes bigint, razao_seq bigint, ultimo_erro text, feitas_por_operacao jsonb,
               puladas_por_operacao jsonb, linhas jsonb)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT e.execucao, e.pid,
           CASE
               WHEN e.estado = 'done' THEN 'done'
               WHEN EXISTS (SELECT FROM pg_catalog.pg_stat_activity a
                            WHERE a.pid = e.pid AND a.backend_start <= e.iniciada_em
                              AND coalesce(a.state, 'active') = 'active')
                    AND NOT EXISTS (SELECT FROM @extschema@.alimentador_execucoes d
                                    WHERE d.pid = e.pid AND d.execucao > e.execucao)
                   THEN 'running'
               ELSE 'interrupted'
           END,
           e.iniciada_em, e.atualizada_em,
           CASE WHEN e.atualizada_em > e.iniciada_em
                THEN e.feitas / extract(epoch FROM e.atualizada_em - e.iniciada_em)::double precision
                ELSE 0 END,
           e.feitas, e.puladas, e.falhas, e.transacoes, e.razao_seq, e.ultimo_erro,
           e.feitas_por_operacao, e.puladas_por_operacao, e.linhas
    FROM @extschema@.alimentador_execucoes e
    ORDER BY e.execucao
$$;
COMMENT ON FUNCTION @extschema@.alimentador_runs() IS
    'The alimentador_run sessions of this database: state, committed counters, achieved rate';

SELECT pg_catalog.set_config('search_path', '@extschema@', true);
/* </end connected objects> */

/* <begin connected objects> */
-- src/api.rs:31
-- alimentador::api::alimentador_seed
CREATE  FUNCTION "alimentador_seed"(
	"scale" double precision DEFAULT 1.0, /* Option < f64 > */
	"semente" bigint DEFAULT NULL, /* Option < i64 > */
	"append" bool DEFAULT false /* Option < bool > */
) RETURNS TABLE (
	"tabela" TEXT,  /* String */
	"linhas" bigint  /* i64 */
)
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'alimentador_seed_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/api.rs:424
-- alimentador::api::alimentador_set_rate
CREATE  FUNCTION "alimentador_set_rate"(
	"ops_per_second" double precision /* Option < f64 > */
) RETURNS bool /* bool */
VOLATILE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'alimentador_set_rate_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/api.rs:448
-- alimentador::api::alimentador_set_schedule
CREATE  FUNCTION "alimentador_set_schedule"(
	"agenda" TEXT /* Option < & str > */
) RETURNS bool /* bool */
VOLATILE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'alimentador_set_schedule_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/api.rs:438
-- alimentador::api::alimentador_set_weights
CREATE  FUNCTION "alimentador_set_weights"(
	"weights" TEXT /* Option < & str > */
) RETURNS bool /* bool */
VOLATILE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'alimentador_set_weights_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/api.rs:338
-- alimentador::api::alimentador_settings
CREATE  FUNCTION "alimentador_settings"() RETURNS TABLE (
	"nome" TEXT,  /* String */
	"valor" TEXT,  /* String */
	"origem" TEXT  /* String */
)
STRICT VOLATILE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'alimentador_settings_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/api.rs:208
-- alimentador::api::alimentador_status
CREATE  FUNCTION "alimentador_status"() RETURNS TABLE (
	"worker" INT,  /* i32 */
	"banco" TEXT,  /* String */
	"pid" INT,  /* Option < i32 > */
	"estado" TEXT,  /* String */
	"desde" timestamp with time zone,  /* Option < TimestampWithTimeZone > */
	"ops_por_segundo" double precision,  /* f64 */
	"feitas" bigint,  /* i64 */
	"puladas" bigint,  /* i64 */
	"falhas" bigint,  /* i64 */
	"esperas_por_lock" bigint,  /* i64 */
	"transacoes" bigint,  /* i64 */
	"razao_seq" bigint,  /* i64 */
	"ultimo_erro" TEXT,  /* Option < String > */
	"ultimo_erro_em" timestamp with time zone,  /* Option < TimestampWithTimeZone > */
	"batimentos" bigint,  /* i64 */
	"marcadores" bigint,  /* i64 */
	"feitas_por_operacao" jsonb,  /* JsonB */
	"puladas_por_operacao" jsonb,  /* JsonB */
	"linhas" jsonb,  /* JsonB */
	"taxa_alvo" double precision,  /* f64 */
	"taxa_10s" double precision,  /* f64 */
	"agenda_desde" timestamp with time zone  /* Option < TimestampWithTimeZone > */
)
STRICT VOLATILE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'alimentador_status_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/api.rs:87
-- alimentador::api::alimentador_stream
CREATE  FUNCTION "alimentador_stream"(
	"ops" INT, /* Option < i32 > */
	"weights" TEXT DEFAULT NULL, /* Option < & str > */
	"semente" bigint DEFAULT NULL, /* Option < i64 > */
	"ops_per_transaction" INT DEFAULT 1 /* Option < i32 > */
) RETURNS TABLE (
	"operacao" TEXT,  /* String */
	"feitas" bigint,  /* i64 */
	"puladas" bigint,  /* i64 */
	"falhas" bigint  /* i64 */
)
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'alimentador_stream_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/schema.rs:14
-- finalize
-- Run-time controls of the background workers: superuser only, unless EXECUTE is granted to a role,
-- e.g. GRANT EXECUTE ON FUNCTION alimentador_pause() TO cdc_tester;
-- Then the extension's own names are reserved in the database (see below).

-- Every statement below runs under a pinned search_path: objects that other roles may have created
-- in the extension's schema (e.g. an operator in public) must never be bound into our constraints,
-- indexes or functions. The path is restored at the end of the file for pgrx's own statements.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- Every function that changes the workers' shared state (they write shared memory, which no table
-- privilege guards). tests/e2e/security.sh calls every function of the extension as a role with no
-- grants and fails if one of them changes anything.
REVOKE EXECUTE ON FUNCTION @extschema@.alimentador_pause() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.alimentador_resume() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.alimentador_set_rate(double precision) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.alimentador_set_weights(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.alimentador_set_schedule(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.alimentador_clear_overrides() FROM PUBLIC;

-- The extension's own names. A superuser calls our functions without a schema (SELECT
-- alimentador_seed()); PostgreSQL resolves such a call over every schema of the search path and
-- prefers a better-matching signature in any of them, so a role that can create in a schema on that
-- path ("$user", public) could plant alimentador_set_rate(integer) and have a superuser run it. So no
-- routine and no table or view may bear the name of one of ours in this database: CREATE EXTENSION
-- refuses to install beside one, and an event trigger refuses to create or rename one afterwards.
-- Lists the routines and relations outside the extension that bear the name of one of the routines or
-- relations it has in its schema (an empty list is the safe state).
CREATE FUNCTION @extschema@.alimentador_name_clashes()
RETURNS TABLE (objeto text, tipo text, classid oid, objid oid)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH membros AS (
        SELECT d.classid, d.objid
        FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
        WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
          AND e.extname = 'alimentador' AND d.deptype = 'e'
    ), rotinas AS (
        SELECT p.oid, p.proname FROM pg_catalog.pg_proc p
        WHERE p.oid IN (SELECT m.objid FROM membros m WHERE m.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass)
    ), relacoes AS (
        SELECT c.oid, c.relname FROM pg_catalog.pg_class c
        WHERE c.oid IN (SELECT m.objid FROM membros m WHERE m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass)
    )
    SELECT p.oid::pg_catalog.regprocedure::text, 'routine', 'pg_catalog.pg_proc'::pg_catalog.regclass::oid, p.oid
    FROM pg_catalog.pg_proc p
    WHERE p.proname IN (SELECT r.proname FROM rotinas r JOIN pg_catalog.pg_proc x ON x.oid = r.oid
                        WHERE x.pronamespace = '@extschema@'::pg_catalog.regnamespace)
      AND p.oid NOT IN (SELECT r.oid FROM rotinas r)
    UNION ALL
    SELECT c.oid::pg_catalog.regclass::text, 'relation', 'pg_catalog.pg_class'::pg_catalog.regclass::oid, c.oid
    FROM pg_catalog.pg_class c
    WHERE c.relname IN (SELECT r.relname FROM relacoes r JOIN pg_catalog.pg_class x ON x.oid = r.oid
                        WHERE x.relnamespace = '@extschema@'::pg_catalog.regnamespace)
      AND c.oid NOT IN (SELECT r.oid FROM relacoes r)
      AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
$$;
COMMENT ON FUNCTION @extschema@.alimentador_name_clashes() IS
    'The routines and relations outside alimentador that bear the name of one of its own (a call without a schema could resolve to them); empty is the safe state';

DO $$
DECLARE
    quais text;
BEGIN
    SELECT pg_catalog.string_agg(c.objeto, ', ' ORDER BY c.objeto) INTO quais
    FROM @extschema@.alimentador_name_clashes() c;
    IF quais IS NOT NULL THEN
        RAISE EXCEPTION 'alimentador cannot be installed beside objects that bear the names of its own: %', quais
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'A superuser calling alimentador''s functions without a schema could run one of these instead.',
                  HINT = 'Drop or rename them (or find out who created them), then CREATE EXTENSION alimentador again.';
    END IF;
END
$$;

-- SECURITY DEFINER: it fires for every role's DDL, also of roles that may not use the extension's
-- schema (it only reads the catalogs, under a pinned path).
CREATE FUNCTION @extschema@.alimentador_guard_names()
RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    quais text;
BEGIN
    -- Most DDL creates or renames no routine and no relation: nothing to look up.
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger_ddl_commands() cmd
                   WHERE cmd.classid IN ('pg_catalog.pg_proc'::pg_catalog.regclass,
                                         'pg_catalog.pg_class'::pg_catalog.regclass)) THEN
        RETURN;
    END IF;
    SELECT pg_catalog.string_agg(c.objeto, ', ' ORDER BY c.objeto) INTO quais
    FROM @extschema@.alimentador_name_clashes() c
    JOIN pg_catalog.pg_event_trigger_ddl_commands() cmd ON cmd.classid = c.classid AND cmd.objid = c.objid;
    IF quais IS NOT NULL THEN
        RAISE EXCEPTION 'the name of % is reserved by the extension alimentador in this database', quais
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'A superuser calling alimentador''s own without a schema could run it instead.',
                  HINT = 'Choose another name.';
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.alimentador_guard_names() IS
    'alimentador: the event trigger that refuses routines and relations bearing the name of one of the extension''s own';
CREATE EVENT TRIGGER alimentador_guard_names ON ddl_command_end
    EXECUTE FUNCTION @extschema@.alimentador_guard_names();

SELECT pg_catalog.set_config('search_path', '@extschema@', true);
/* </end connected objects> */

-- (end of 0.2.0's install script: tests/upgrade/refresh.py keeps what is above and below)

-- The publication of a seeded 0.1.0 hospital gets the new tables and is bound to the extension.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_publication WHERE pubname = 'alimentador_pub') THEN
        PERFORM @extschema@.alimentador_publish();
    END IF;
END
$$;
SELECT pg_catalog.set_config('search_path', '@extschema@', true);
