-- The hospital's indexes that back no constraint, with their definitions: a large seed into empty
-- tables drops them and builds them again after the load (one sorted build instead of a row-by-row
-- insertion each). Not the partitioned sinais_vitais: its index and the partitions' copies of it
-- are dropped and created together, and the seed loads few readings.
SELECT array_agg(format('%I.%I', n.nspname, c.relname)), array_agg(pg_catalog.pg_get_indexdef(i.indexrelid))
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'hospital'
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k WHERE k.conindid = i.indexrelid)
  AND c.relkind = 'i'
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_class t WHERE t.oid = i.indrelid AND t.relispartition)
