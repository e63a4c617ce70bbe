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
