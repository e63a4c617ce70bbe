-- Run-time controls of the background workers: superuser only, unless EXECUTE is granted to a role,
-- e.g. GRANT EXECUTE ON FUNCTION alimentador_pause() TO cdc_tester;
-- Then the extension's own names are reserved in the database (see below).

-- Every statement below runs under a pinned search_path: objects that other roles may have created
-- in the extension's schema (e.g. an operator in public) must never be bound into our constraints,
-- indexes or functions. The path is restored at the end of the file for pgrx's own statements.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- Every function that changes the workers' shared state (they write shared memory, which no table
-- privilege guards). tests/e2e/security.sh calls every function of the extension as a role with no
-- grants and fails if one of them changes anything.
REVOKE EXECUTE ON FUNCTION @extschema@.alimentador_pause() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.alimentador_resume() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.alimentador_set_rate(double precision) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.alimentador_set_weights(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.alimentador_set_schedule(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.alimentador_clear_overrides() FROM PUBLIC;

-- The extension's own names. A superuser calls our functions without a schema (SELECT
-- alimentador_seed()); PostgreSQL resolves such a call over every schema of the search path and
-- prefers a better-matching signature in any of them, so a role that can create in a schema on that
-- path ("$user", public) could plant alimentador_set_rate(integer) and have a superuser run it. So no
-- routine and no table or view may bear the name of one of ours in this database: CREATE EXTENSION
-- refuses to install beside one, and an event trigger refuses to create or rename one afterwards.
-- Lists the routines and relations outside the extension that bear the name of one of the routines or
-- relations it has in its schema (an empty list is the safe state).
CREATE FUNCTION @extschema@.alimentador_name_clashes()
RETURNS TABLE (objeto text, tipo text, classid oid, objid oid)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH membros AS (
        SELECT d.classid, d.objid
        FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
        WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
          AND e.extname = 'alimentador' AND d.deptype = 'e'
    ), rotinas AS (
        SELECT p.oid, p.proname FROM pg_catalog.pg_proc p
        WHERE p.oid IN (SELECT m.objid FROM membros m WHERE m.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass)
    ), relacoes AS (
        SELECT c.oid, c.relname FROM pg_catalog.pg_class c
        WHERE c.oid IN (SELECT m.objid FROM membros m WHERE m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass)
    )
    SELECT p.oid::pg_catalog.regprocedure::text, 'routine', 'pg_catalog.pg_proc'::pg_catalog.regclass::oid, p.oid
    FROM pg_catalog.pg_proc p
    WHERE p.proname IN (SELECT r.proname FROM rotinas r JOIN pg_catalog.pg_proc x ON x.oid = r.oid
                        WHERE x.pronamespace = '@extschema@'::pg_catalog.regnamespace)
      AND p.oid NOT IN (SELECT r.oid FROM rotinas r)
    UNION ALL
    SELECT c.oid::pg_catalog.regclass::text, 'relation', 'pg_catalog.pg_class'::pg_catalog.regclass::oid, c.oid
    FROM pg_catalog.pg_class c
    WHERE c.relname IN (SELECT r.relname FROM relacoes r JOIN pg_catalog.pg_class x ON x.oid = r.oid
                        WHERE x.relnamespace = '@extschema@'::pg_catalog.regnamespace)
      AND c.oid NOT IN (SELECT r.oid FROM relacoes r)
      AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
$$;
COMMENT ON FUNCTION @extschema@.alimentador_name_clashes() IS
    'The routines and relations outside alimentador that bear the name of one of its own (a call without a schema could resolve to them); empty is the safe state';

DO $$
DECLARE
    quais text;
BEGIN
    SELECT pg_catalog.string_agg(c.objeto, ', ' ORDER BY c.objeto) INTO quais
    FROM @extschema@.alimentador_name_clashes() c;
    IF quais IS NOT NULL THEN
        RAISE EXCEPTION 'alimentador cannot be installed beside objects that bear the names of its own: %', quais
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'A superuser calling alimentador''s functions without a schema could run one of these instead.',
                  HINT = 'Drop or rename them (or find out who created them), then CREATE EXTENSION alimentador again.';
    END IF;
END
$$;

-- SECURITY DEFINER: it fires for every role's DDL, also of roles that may not use the extension's
-- schema (it only reads the catalogs, under a pinned path).
CREATE FUNCTION @extschema@.alimentador_guard_names()
RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    quais text;
BEGIN
    -- Most DDL creates or renames no routine and no relation: nothing to look up.
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger_ddl_commands() cmd
                   WHERE cmd.classid IN ('pg_catalog.pg_proc'::pg_catalog.regclass,
                                         'pg_catalog.pg_class'::pg_catalog.regclass)) THEN
        RETURN;
    END IF;
    SELECT pg_catalog.string_agg(c.objeto, ', ' ORDER BY c.objeto) INTO quais
    FROM @extschema@.alimentador_name_clashes() c
    JOIN pg_catalog.pg_event_trigger_ddl_commands() cmd ON cmd.classid = c.classid AND cmd.objid = c.objid;
    IF quais IS NOT NULL THEN
        RAISE EXCEPTION 'the name of % is reserved by the extension alimentador in this database', quais
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'A superuser calling alimentador''s own without a schema could run it instead.',
                  HINT = 'Choose another name.';
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.alimentador_guard_names() IS
    'alimentador: the event trigger that refuses routines and relations bearing the name of one of the extension''s own';
CREATE EVENT TRIGGER alimentador_guard_names ON ddl_command_end
    EXECUTE FUNCTION @extschema@.alimentador_guard_names();

SELECT pg_catalog.set_config('search_path', '@extschema@', true);
