-- A collected exam, result pending, of a random patient; $1 = tipo_exame, $2 = data, $3 = urgente,
-- $4 = the patient id to start from (a random point of the id range). The first patient at or after
-- it, or else the first one (a stale range may point past the last).
INSERT INTO hospital.exames (paciente_id, tipo_exame, data, urgente)
SELECT p, $1, $2, $3
FROM (
    SELECT
        coalesce((SELECT id FROM hospital.pacientes WHERE id >= $4
                  ORDER BY id LIMIT 1 FOR KEY SHARE SKIP LOCKED),
                 (SELECT id FROM hospital.pacientes
                  ORDER BY id LIMIT 1 FOR KEY SHARE SKIP LOCKED)) AS p
) r
WHERE p IS NOT NULL
RETURNING id;
