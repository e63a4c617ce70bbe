-- A collected exam, result pending, of a random patient; $1 = tipo_exame, $2 = data, $3 = urgente, $4 = fraction in [0, 1) picking the patient.
INSERT INTO hospital.exames (paciente_id, tipo_exame, data, urgente)
SELECT p, $1, $2, $3
FROM (
    SELECT
        (SELECT id FROM hospital.pacientes
         WHERE id >= (SELECT min(id) + floor($4 * (max(id) - min(id) + 1))::bigint FROM hospital.pacientes)
         ORDER BY id LIMIT 1 FOR KEY SHARE SKIP LOCKED) AS p
) r
WHERE p IS NOT NULL
RETURNING id;
