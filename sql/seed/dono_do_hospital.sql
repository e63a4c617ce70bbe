-- Whether the current role owns every relation of schema hospital: only then can a large seed drop
-- the secondary indexes and build them after the load (DROP/CREATE INDEX need ownership).
SELECT bool_and(pg_catalog.pg_has_role(c.relowner, 'USAGE'))
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'hospital'
