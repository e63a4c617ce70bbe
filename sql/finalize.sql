-- Run-time controls of the background workers: superuser only, unless EXECUTE is granted to a role,
-- e.g. GRANT EXECUTE ON FUNCTION alimentador_pause() TO cdc_tester;

-- Every statement below runs under a pinned search_path: objects that other roles may have created
-- in the extension's schema (e.g. an operator in public) must never be bound into our constraints,
-- indexes or functions. The path is restored at the end of the file for pgrx's own statements.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

REVOKE EXECUTE ON FUNCTION @extschema@.alimentador_pause() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.alimentador_resume() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.alimentador_set_rate(double precision) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.alimentador_set_weights(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.alimentador_set_schedule(text) FROM PUBLIC;

SELECT pg_catalog.set_config('search_path', '@extschema@', true);
