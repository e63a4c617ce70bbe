-- The publication alimentador_pub when the current role may bind it to the extension (it owns it, or
-- is a superuser): its oid, the extension's, and whether DROP EXTENSION already drops it (an
-- automatic dependency). No row: no such publication, or not the caller's.
SELECT p.oid, e.oid,
       EXISTS (SELECT FROM pg_catalog.pg_depend d
               WHERE d.classid = 'pg_catalog.pg_publication'::pg_catalog.regclass
                 AND d.objid = p.oid AND d.refobjid = e.oid
                 AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass)
FROM pg_catalog.pg_publication p, pg_catalog.pg_extension e
WHERE p.pubname = 'alimentador_pub' AND e.extname = 'alimentador'
  AND pg_catalog.pg_has_role(p.pubowner, 'MEMBER')
