-- A booked appointment of a random patient with a random doctor; $1 = protocolo, $2 = data, $3 = motivo, $4 = valor in centavos,
-- $5/$6 = the patient/doctor ids to start from (random points of the id ranges). The first patient
-- and doctor at or after them, or else the first ones (a stale range may point past the last).
INSERT INTO hospital.consultas (protocolo, paciente_id, medico_id, data, motivo, status, valor)
SELECT $1, p, m, $2, $3, 'agendada', $4::bigint / 100.0
FROM (
    SELECT
        coalesce((SELECT id FROM hospital.pacientes WHERE id >= $5
                  ORDER BY id LIMIT 1 FOR KEY SHARE SKIP LOCKED),
                 (SELECT id FROM hospital.pacientes
                  ORDER BY id LIMIT 1 FOR KEY SHARE SKIP LOCKED)) AS p,
        coalesce((SELECT id FROM hospital.medicos WHERE id >= $6 ORDER BY id LIMIT 1),
                 (SELECT id FROM hospital.medicos ORDER BY id LIMIT 1)) AS m
) r
WHERE p IS NOT NULL AND m IS NOT NULL
RETURNING id;
