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
CREATE TABLE hospital.pulso (
    id      int         PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    batida  timestamptz NOT NULL DEFAULT now(),
    worker  int,
    seq     bigint      NOT NULL DEFAULT 0
);
COMMENT ON TABLE hospital.pulso IS 'alimentador heartbeat: updated while the stream is idle so replication slots advance';
INSERT INTO hospital.pulso DEFAULT VALUES;

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
