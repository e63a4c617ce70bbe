-- The alimentador table digest for a PostgreSQL SINK, without the extension (docs/src/digest.md).
-- Gives the same `linhas` and `digest` as alimentador_digest() in the source when the sink table holds
-- the same rows. Creates one function in pg_temp (gone when the session ends; nothing is left in the
-- sink) and, when psql variable `tabela` is set, prints that table's digest:
--
--   psql -X -v ON_ERROR_STOP=1 -v tabela=hospital.exames -f tools/digest/postgres.sql
--   psql ... -v tabela=sink.exames -v colunas='{id,paciente_id,tipo_exame,data,urgente,resultado,laudo,data_resultado,created_at,updated_at}' -f ...
--
-- or, in a session: \i tools/digest/postgres.sql  then
--   SELECT * FROM pg_temp.alimentador_digest_tabela('hospital.exames');
--   SELECT * FROM pg_temp.alimentador_digest_tabela('sink.exames', colunas => ARRAY['id', ...], aparar => ARRAY['cpf']);
--
-- colunas: the source table's columns, in the SOURCE's column order (default: every column of the
--          sink table in its own order; give the list when the sink added columns such as
--          __deleted / __op, or ordered them differently).
-- aparar:  columns whose trailing spaces are removed: char(n) columns of the source that the sink
--          stores as text/varchar with Debezium's padding (a char(n) column in the sink needs nothing).
-- Each value is encoded by the sink column's type: a column the sink keeps in another type than the
-- source (e.g. a timestamptz as text) needs a view that casts it back.
-- Run it in a REPEATABLE READ transaction to digest several tables in one snapshot.

CREATE OR REPLACE FUNCTION pg_temp.alimentador_digest_tabela(tabela regclass, colunas text[] DEFAULT NULL,
                                                            aparar text[] DEFAULT NULL)
RETURNS TABLE (linhas bigint, digest text)
LANGUAGE plpgsql
-- The text output of dates and of the types without a rule of their own depends on these settings.
SET search_path = pg_catalog, pg_temp
SET datestyle = 'ISO, YMD'
SET intervalstyle = 'postgres'
SET extra_float_digits = 1
SET bytea_output = 'hex'
AS $$
DECLARE
    linha text;
    faltam text;
BEGIN
    IF colunas IS NOT NULL THEN
        SELECT pg_catalog.string_agg(pg_catalog.quote_literal(c), ', ') INTO faltam
          FROM pg_catalog.unnest(colunas) c
         WHERE c IS NULL OR NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid = tabela
                                        AND a.attname = c AND a.attnum > 0 AND NOT a.attisdropped);
        IF faltam IS NOT NULL THEN
            RAISE EXCEPTION 'table % has no column(s) %', tabela, faltam USING ERRCODE = 'undefined_column';
        END IF;
    END IF;

    -- One column: its canonical text (NULL for NULL), then <byte length>:<text> or '-'.
    SELECT COALESCE(pg_catalog.string_agg(
               pg_catalog.format('COALESCE(pg_catalog.octet_length(%1$s)::text || '':'' || %1$s, ''-'')', v.expr),
               ' || ' ORDER BY v.ordem), '''''')
      INTO linha
      FROM (SELECT o AS ordem,
                   CASE
                       -- UTC, always 6 fraction digits; to_char() gives NULL for ±infinity: keep their text.
                       WHEN b.base = 'pg_catalog.timestamptz'::regtype THEN pg_catalog.format(
                           'CASE WHEN pg_catalog.isfinite(%1$s) THEN pg_catalog.to_char(pg_catalog.timezone(''UTC'', %1$s), ''YYYY-MM-DD"T"HH24:MI:SS.US"Z"'') ELSE (%1$s)::text END', r)
                       WHEN b.base = 'pg_catalog.timestamp'::regtype THEN pg_catalog.format(
                           'CASE WHEN pg_catalog.isfinite(%1$s) THEN pg_catalog.to_char(%1$s, ''YYYY-MM-DD"T"HH24:MI:SS.US'') ELSE (%1$s)::text END', r)
                       -- char(n)::text drops the padding; so does rtrim for a padded text column.
                       WHEN a.attname = ANY (aparar) THEN pg_catalog.format('pg_catalog.rtrim((%s)::text, '' '')', r)
                       ELSE pg_catalog.format('(%s)::text', r)
                   END AS expr
              FROM pg_catalog.pg_attribute a
              LEFT JOIN pg_catalog.unnest(colunas) WITH ORDINALITY l(nome, pos) ON l.nome = a.attname
              CROSS JOIN LATERAL (SELECT CASE WHEN colunas IS NULL THEN a.attnum ELSE l.pos END AS o,
                                         pg_catalog.format('r.%I', a.attname) AS r) x
              -- A domain is encoded as its base type.
              CROSS JOIN LATERAL (
                  WITH RECURSIVE d(t, nivel) AS (
                      SELECT a.atttypid, 0
                      UNION ALL
                      SELECT ty.typbasetype, d.nivel + 1 FROM d JOIN pg_catalog.pg_type ty ON ty.oid = d.t
                      WHERE ty.typtype = 'd')
                  SELECT t::regtype AS base FROM d ORDER BY nivel DESC LIMIT 1) b
             WHERE a.attrelid = tabela AND a.attnum > 0 AND NOT a.attisdropped
               AND (colunas IS NULL OR l.pos IS NOT NULL)) v;

    -- The first 16 hex digits of each row's md5 as a bigint (two's complement: the sum mod 2^64 is
    -- the same); sum() accumulates in numeric, never overflows; then mod 2^64 as 16 hex digits.
    RETURN QUERY EXECUTE pg_catalog.format(
        'SELECT n, pg_catalog.lpad(pg_catalog.to_hex((CASE WHEN m >= 9223372036854775808 THEN m - 18446744073709551616 ELSE m END)::int8), 16, ''0'')
           FROM (SELECT n, pg_catalog.mod(pg_catalog.mod(COALESCE(s, 0), 18446744073709551616) + 18446744073709551616, 18446744073709551616) AS m
                   FROM (SELECT pg_catalog.count(*) AS n,
                                pg_catalog.sum((''x'' || pg_catalog.left(pg_catalog.md5(%s), 16))::bit(64)::int8) AS s
                           FROM %s r) t) u',
        linha, tabela);
END
$$;

\if :{?tabela}
\if :{?colunas}
SELECT * FROM pg_temp.alimentador_digest_tabela(:'tabela', :'colunas');
\else
SELECT * FROM pg_temp.alimentador_digest_tabela(:'tabela');
\endif
\endif
