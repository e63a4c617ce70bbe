-- What the current role lacks to seed ($1 = false) or reset ($1 = true) the hospital, one entry per
-- missing right (NULL when nothing lacks), so the seed can refuse before it changes anything.
-- $2 is the extension's schema (where alimentador_semeadura lives).
SELECT array_agg(falta ORDER BY falta) FROM (
    SELECT format('%s on table hospital.%I', p.privilegio, c.relname) AS falta
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    CROSS JOIN (VALUES ('SELECT', false), ('INSERT', false), ('TRUNCATE', true)) AS p(privilegio, so_reset)
    -- A partitioned table's rights are checked on it, not on its partitions (TRUNCATE too).
    WHERE n.nspname = 'hospital' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> 'pulso'
      AND (NOT p.so_reset OR $1)
      AND (p.privilegio <> 'TRUNCATE' OR c.relname <> 'convenios')
      AND NOT pg_catalog.has_table_privilege(c.oid, p.privilegio)
    UNION ALL
    SELECT 'DELETE on table hospital.convenios'
    WHERE $1 AND NOT pg_catalog.has_table_privilege('hospital.convenios', 'DELETE')
    UNION ALL
    -- The seed takes ids with nextval() (USAGE); reset restarts the convenios sequence with setval()
    -- (UPDATE) and the others with TRUNCATE … RESTART IDENTITY, which PostgreSQL allows their owner only.
    SELECT format('%s sequence hospital.%I', CASE p.privilegio WHEN 'OWNER' THEN 'ownership of' ELSE p.privilegio || ' on' END, c.relname)
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    CROSS JOIN (VALUES ('USAGE'), ('UPDATE'), ('OWNER')) AS p(privilegio)
    WHERE n.nspname = 'hospital' AND c.relkind = 'S'
      AND CASE p.privilegio
              WHEN 'USAGE' THEN NOT pg_catalog.has_sequence_privilege(c.oid, 'USAGE')
              WHEN 'UPDATE' THEN $1 AND c.relname = 'convenios_id_seq' AND NOT pg_catalog.has_sequence_privilege(c.oid, 'UPDATE')
              ELSE $1 AND c.relname <> 'convenios_id_seq' AND NOT pg_catalog.pg_has_role(c.relowner, 'USAGE')
          END
    UNION ALL
    SELECT format('UPDATE on table %s.alimentador_semeadura', $2)
    WHERE NOT pg_catalog.has_table_privilege(format('%s.alimentador_semeadura', $2), 'UPDATE')
    UNION ALL
    -- alimentador_publish() at the end of the seed: creating the publication needs CREATE on the
    -- database; adding a table to it, owning the table.
    SELECT 'CREATE on the database (to create publication alimentador_pub)'
    WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_publication WHERE pubname = 'alimentador_pub')
      AND NOT pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE')
    UNION ALL
    SELECT format('ownership of table hospital.%I (to add it to publication alimentador_pub)', c.relname)
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'hospital' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND NOT pg_catalog.pg_has_role(c.relowner, 'USAGE')
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_publication_rel pr JOIN pg_catalog.pg_publication pb ON pb.oid = pr.prpubid
                      WHERE pb.pubname = 'alimentador_pub' AND pr.prrelid = c.oid)
    UNION ALL
    -- The seed creates the partitions of sinais_vitais (alimentador_particoes_vitais()): CREATE TABLE
    -- … PARTITION OF needs the ownership of the partitioned table and CREATE on its schema.
    SELECT 'ownership of table hospital.sinais_vitais (to create its partitions)'
    FROM pg_catalog.pg_class c
    WHERE c.oid = 'hospital.sinais_vitais'::pg_catalog.regclass AND NOT pg_catalog.pg_has_role(c.relowner, 'USAGE')
    UNION ALL
    SELECT 'CREATE on schema hospital (to create the partitions of sinais_vitais)'
    WHERE NOT pg_catalog.has_schema_privilege('hospital', 'CREATE')
) f
