-- A booked appointment of a random patient with a random doctor; $1 = protocolo, $2 = data, $3 = motivo, $4 = valor in centavos, $5/$6 = fractions in [0, 1) picking the patient/doctor.
INSERT INTO hospital.consultas (protocolo, paciente_id, medico_id, data, motivo, status, valor)
SELECT $1, p, m, $2, $3, 'agendada', $4::bigint / 100.0
FROM (
    SELECT
        (SELECT id FROM hospital.pacientes
         WHERE id >= (SELECT min(id) + floor($5 * (max(id) - min(id) + 1))::bigint FROM hospital.pacientes)
         ORDER BY id LIMIT 1 FOR KEY SHARE SKIP LOCKED) AS p,
        (SELECT id FROM hospital.medicos
         WHERE id >= (SELECT min(id) + floor($6 * (max(id) - min(id) + 1))::bigint FROM hospital.medicos)
         ORDER BY id LIMIT 1) AS m
) r
WHERE p IS NOT NULL AND m IS NOT NULL
RETURNING id;
