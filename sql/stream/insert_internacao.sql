-- An admission of a random patient; $1 = data_entrada, $2 = motivo, $3 = quarto, $4 = fraction in [0, 1) picking the patient.
INSERT INTO hospital.internacoes (paciente_id, data_entrada, motivo, quarto)
SELECT p, $1, $2, $3
FROM (
    SELECT
        (SELECT id FROM hospital.pacientes
         WHERE id >= (SELECT min(id) + floor($4 * (max(id) - min(id) + 1))::bigint FROM hospital.pacientes)
         ORDER BY id LIMIT 1) AS p
) r
WHERE p IS NOT NULL;
