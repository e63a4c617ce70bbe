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
    FOREACH t IN ARRAY ARRAY['convenios', 'pacientes', 'medicos', 'pacientes_convenios', 'consultas', 'exames', 'internacoes', 'pulso'] LOOP
        EXECUTE format('ALTER TABLE hospital.%I REPLICA IDENTITY FULL', t);
    END LOOP;
END
$$;

-- The publication is not created here: pg_dump dumps publications (they cannot belong to an
-- extension), so a restore that re-runs CREATE EXTENSION and then CREATE PUBLICATION would fail under
-- ON_ERROR_STOP / --exit-on-error. alimentador_seed() calls alimentador_publish() instead.
CREATE FUNCTION @extschema@.alimentador_publish()
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
    SELECT string_agg(format('hospital.%I', c.relname), ', ' ORDER BY c.relname) INTO faltando
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'hospital' AND c.relkind = 'r'
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_publication_tables p
                      WHERE p.pubname = 'alimentador_pub' AND p.schemaname = 'hospital' AND p.tablename = c.relname);
    IF faltando IS NOT NULL THEN
        EXECUTE 'ALTER PUBLICATION alimentador_pub ADD TABLE ' || faltando;
    END IF;
    RETURN QUERY
        SELECT p.tablename::text FROM pg_catalog.pg_publication_tables p
        WHERE p.pubname = 'alimentador_pub' AND p.schemaname = 'hospital' ORDER BY 1;
END
$$;
COMMENT ON FUNCTION @extschema@.alimentador_publish() IS
    'Creates the publication alimentador_pub if missing and adds every hospital table it lacks; returns the tables it covers';

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
    FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'hospital' AND c.relkind = 'r' ORDER BY 1 LOOP
        EXECUTE format('ALTER TABLE hospital.%I REPLICA IDENTITY %s', t, upper(modo));
    END LOOP;
    RETURN QUERY
        SELECT c.relname::text, CASE c.relreplident WHEN 'f' THEN 'full' WHEN 'd' THEN 'default'
                                                    WHEN 'i' THEN 'index' ELSE 'nothing' END
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'hospital' AND c.relkind = 'r' ORDER BY 1;
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
    SELECT c.oid, c.relname, c.relreplident,
           EXISTS (SELECT FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS has_pk,
           EXISTS (SELECT FROM pg_publication_tables p
                   WHERE p.pubname = 'alimentador_pub' AND p.schemaname = 'hospital' AND p.tablename = c.relname) AS published
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'hospital' AND c.relkind = 'r'
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
           coalesce('no primary key: ' || string_agg(relname, ', ') FILTER (WHERE NOT has_pk), 'every hospital table has one'),
           'Debezium keys events by the primary key: add one.'
    FROM hospital_tables
    UNION ALL
    SELECT 'slot ' || slot_name, active OR coalesce(retained, 0) < 64 * 1024 * 1024,
           format('%s, plugin %s, database %s, retains %s of WAL', CASE WHEN active THEN 'active' ELSE 'inactive' END,
                  plugin, database, pg_size_pretty(retained)),
           'An inactive slot keeps WAL until its consumer comes back: restart the connector or SELECT pg_drop_replication_slot(''' || slot_name || ''').'
    FROM slots
    UNION ALL
    SELECT 'heartbeat', coalesce(current_setting('alimentador.heartbeat_interval', true), '0') NOT IN ('0', '0s'),
           'alimentador.heartbeat_interval = ' || coalesce(current_setting('alimentador.heartbeat_interval', true), 'unset (library not loaded)'),
           'Set alimentador.heartbeat_interval (e.g. 10s) so an idle stream still advances the slots.'
)
SELECT verificacao, ok, detalhe, CASE WHEN ok THEN NULL ELSE dica END FROM checks
$$;
COMMENT ON FUNCTION @extschema@.alimentador_cdc_check() IS
    'One row per CDC prerequisite (wal_level, slots, publication, replica identity, keys, WAL retained, heartbeat)';

SELECT pg_catalog.set_config('search_path', '@extschema@', true);
