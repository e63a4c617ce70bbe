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
