-- The alimentador table digest in DuckDB (1.1 or later), over a table, a view or a Parquet file
-- (docs/src/digest.md). Gives the same `linhas` and `digest` as alimentador_digest() in the source when
-- the data holds the same rows:
--
--   duckdb -c ".read tools/digest/duckdb.sql" -c "SELECT * FROM alimentador_digest('exames.parquet')"
--   python: con.execute(open('tools/digest/duckdb.sql').read()); con.sql("SELECT * FROM alimentador_digest('exames')")
--
-- The argument names a table or view, or a file DuckDB reads by its name (query_table()). Columns
-- are taken in their order there: it must be the source table's column order. When it is not, or
-- the data has extra columns, or char(n) values kept Debezium's padding, go through a view:
--
--   CREATE VIEW pacientes_v AS SELECT id, nome, nascimento, rtrim(cpf, ' ') AS cpf, ... FROM 'pacientes.parquet';
--   SELECT * FROM alimentador_digest('pacientes_v');
--
-- What each DuckDB type gives (must equal the source's PostgreSQL type):
--   VARCHAR                       as is (jsonb: the PostgreSQL jsonb text, as Debezium delivers it)
--   integers, DECIMAL(p,s)        their text, DECIMAL keeps its scale (150.00) — numeric(p,s) → DECIMAL(p,s);
--                                 an unconstrained numeric must stay VARCHAR (its scale varies by row)
--   BOOLEAN, UUID, DATE           true/false, lowercase with hyphens, YYYY-MM-DD
--   TIMESTAMP WITH TIME ZONE      UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ (the script sets TimeZone = 'UTC')
--   TIMESTAMP                     YYYY-MM-DDTHH:MM:SS.ffffff
-- DOUBLE, BLOB, LIST, STRUCT… have no rule: keep such columns as VARCHAR holding PostgreSQL's text.

-- timestamptz values are printed in the session's time zone: UTC, which the macros check.
SET TimeZone = 'UTC';

-- A timestamp's text ('2024-01-05 07:00:00.5+00' / '2024-01-05 07:00:00') in the canonical form:
-- T between date and time, 6 fraction digits, Z for UTC.
CREATE OR REPLACE MACRO alimentador_ts(s, zona) AS
    CASE WHEN s IN ('infinity', '-infinity') THEN s
         WHEN zona AND NOT s LIKE '%+00' THEN error('alimentador_digest: SET TimeZone = ''UTC'' first (got ' || s || ')')
         ELSE regexp_extract(s, '^([^ ]+) ([0-9:]+)', 1) || 'T' || regexp_extract(s, '^([^ ]+) ([0-9:]+)', 2) || '.'
              || rpad(regexp_extract(s, '\.([0-9]+)', 1), 6, '0') || CASE WHEN zona THEN 'Z' ELSE '' END
    END;

-- One value's canonical text (NULL for NULL); the type is known when the macro is bound.
CREATE OR REPLACE MACRO alimentador_valor(x) AS
    CASE typeof(x)
        WHEN 'TIMESTAMP WITH TIME ZONE' THEN alimentador_ts(x::VARCHAR, true)
        WHEN 'TIMESTAMP' THEN alimentador_ts(x::VARCHAR, false)
        ELSE x::VARCHAR
    END;

-- One field: <byte length>:<value>, or - for NULL (strlen counts bytes, length would count characters).
CREATE OR REPLACE MACRO alimentador_campo(x) AS
    coalesce(strlen(alimentador_valor(x))::VARCHAR || ':' || alimentador_valor(x), '-');

-- The table's row count and digest: md5 of each row's fields concatenated in column order, its first
-- 16 hex digits as an unsigned 64-bit number, the sum mod 2^64 as 16 lowercase hex digits.
CREATE OR REPLACE MACRO alimentador_digest(tabela) AS TABLE
    SELECT count(*)::BIGINT AS linhas,
           -- sum() of UBIGINT is a HUGEINT (128 bits: no overflow below 2^63 rows; of UHUGEINT a DOUBLE!)
           printf('%016x', (coalesce(sum(('0x' || left(md5(linha), 16))::UBIGINT), 0)
                            % 18446744073709551616::HUGEINT)::UBIGINT) AS digest
    FROM (SELECT concat('', *COLUMNS(*)) AS linha
          FROM (SELECT alimentador_campo(COLUMNS(*)) FROM query_table(tabela)));
