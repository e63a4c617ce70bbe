-- Run-time controls of the background workers: superuser only, unless EXECUTE is granted to a role,
-- e.g. GRANT EXECUTE ON FUNCTION alimentador_pause() TO cdc_tester;
REVOKE EXECUTE ON FUNCTION alimentador_pause() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION alimentador_resume() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION alimentador_set_rate(double precision) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION alimentador_set_weights(text) FROM PUBLIC;
