-- Whether the extension and its hospital schema exist in this database; no parameters.
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'alimentador')
   AND to_regclass('hospital.medicos') IS NOT NULL;
