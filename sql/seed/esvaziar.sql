-- alimentador_reset(): empties every hospital table (the heartbeat row of pulso aside), restarts the
-- identities and keeps only the twelve lookup convenios the extension script created. The partitions
-- of sinais_vitais stay (emptied).
TRUNCATE hospital.sinais_vitais, hospital.pacientes_convenios, hospital.consultas, hospital.exames, hospital.internacoes,
         hospital.pacientes, hospital.medicos RESTART IDENTITY;
DELETE FROM hospital.convenios WHERE id > 12;
SELECT pg_catalog.setval('hospital.convenios_id_seq', 12);
