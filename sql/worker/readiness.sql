-- Whether a worker can stream into this database: is the extension there (and in which schema,
-- quoted), and what does the worker's role (current_user) lack to run every operation and keep the
-- ledger? Returns (schema or NULL when not installed, the missing privileges as
-- 'USAGE ON SCHEMA hospital, INSERT ON hospital.consultas, …' or NULL when none is).
WITH extensao AS (
    SELECT e.extnamespace::regnamespace::text AS esquema, e.extnamespace
    FROM pg_catalog.pg_extension e
    WHERE e.extname = 'alimentador'
      AND EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = 'hospital')
),
faltas AS (
    SELECT 0 AS ordem, 'USAGE ON SCHEMA hospital' AS falta
    FROM pg_catalog.pg_namespace n
    WHERE n.nspname = 'hospital' AND NOT pg_catalog.has_schema_privilege(n.oid, 'USAGE')
    UNION ALL
    SELECT 1, pg_catalog.format('%s ON hospital.%I', p.privilegio, c.relname)
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    CROSS JOIN pg_catalog.unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS p(privilegio)
    -- Not the partitions of sinais_vitais: the stream reaches them through their table, whose
    -- privileges are the ones checked (and a partition created later has no grants of its own).
    WHERE n.nspname = 'hospital' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND NOT pg_catalog.has_table_privilege(c.oid, p.privilegio)
    UNION ALL
    SELECT 2, pg_catalog.format('USAGE ON SEQUENCE hospital.%I', c.relname)
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'hospital'
      -- has_sequence_privilege raises an error on other relations: test the kind first.
      AND CASE WHEN c.relkind = 'S' THEN NOT pg_catalog.has_sequence_privilege(c.oid, 'USAGE') ELSE false END
    UNION ALL
    SELECT 3, pg_catalog.format('USAGE ON SCHEMA %s', x.esquema)
    FROM extensao x
    WHERE NOT pg_catalog.has_schema_privilege(x.extnamespace, 'USAGE')
    UNION ALL
    SELECT 4, pg_catalog.format('%s ON %s.alimentador_razao', p.privilegio, x.esquema)
    FROM extensao x
    JOIN pg_catalog.pg_class c ON c.relnamespace = x.extnamespace AND c.relname = 'alimentador_razao'
    CROSS JOIN pg_catalog.unnest(ARRAY['SELECT', 'INSERT', 'UPDATE']) AS p(privilegio)
    WHERE NOT pg_catalog.has_table_privilege(c.oid, p.privilegio)
)
SELECT (SELECT esquema FROM extensao),
       (SELECT pg_catalog.string_agg(falta, ', ' ORDER BY ordem, falta) FROM faltas)
