-- The extension's schema, quoted for use in a statement (where alimentador_semeadura and
-- alimentador_publish() live).
SELECT pg_catalog.quote_ident(n.nspname)
FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'alimentador'
