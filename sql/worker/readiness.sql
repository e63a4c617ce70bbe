-- Whether a worker can stream into this database: is the extension there, and what does the
-- worker's role (current_user) lack to run every operation? Returns (installed, the missing
-- privileges as 'USAGE ON SCHEMA hospital, INSERT ON hospital.consultas, …', NULL when none is).
WITH instalada AS (
    SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'alimentador')
           AND EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = 'hospital') AS sim
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
    WHERE n.nspname = 'hospital' AND c.relkind IN ('r', 'p')
      AND NOT pg_catalog.has_table_privilege(c.oid, p.privilegio)
    UNION ALL
    SELECT 2, pg_catalog.format('USAGE ON SEQUENCE hospital.%I', c.relname)
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'hospital'
      -- has_sequence_privilege raises an error on other relations: test the kind first.
      AND CASE WHEN c.relkind = 'S' THEN NOT pg_catalog.has_sequence_privilege(c.oid, 'USAGE') ELSE false END
)
SELECT (SELECT sim FROM instalada),
       (SELECT pg_catalog.string_agg(falta, ', ' ORDER BY ordem, falta) FROM faltas)
