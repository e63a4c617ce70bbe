-- How many hospital tables (lookup convenios aside) have at least one row: a seed refuses to load
-- into a hospital that already has data unless told to append. One probe per table, no count(*).
SELECT (SELECT count(*) FROM (SELECT 1 FROM hospital.pacientes LIMIT 1) p)
     + (SELECT count(*) FROM (SELECT 1 FROM hospital.medicos LIMIT 1) m)
     + (SELECT count(*) FROM (SELECT 1 FROM hospital.consultas LIMIT 1) c)
     + (SELECT count(*) FROM (SELECT 1 FROM hospital.exames LIMIT 1) e)
     + (SELECT count(*) FROM (SELECT 1 FROM hospital.internacoes LIMIT 1) i)
     + (SELECT count(*) FROM (SELECT 1 FROM hospital.pacientes_convenios LIMIT 1) v)
     + (SELECT count(*) FROM (SELECT 1 FROM hospital.sinais_vitais LIMIT 1) s)
