-- insert_paciente_convenio: a random patient registers a card of a random health plan.
-- $1 numero_carteira, $2 validade, $3 and $4 fractions in [0, 1) that pick the patient and the plan
-- (the first id at or after a random point of each id range). A pair that exists is a skip.
INSERT INTO hospital.pacientes_convenios (paciente_id, convenio_id, numero_carteira, validade)
SELECT p, c, $1, $2
FROM (SELECT (SELECT id FROM hospital.pacientes
              WHERE id >= (SELECT min(id) + floor($3 * (max(id) - min(id) + 1))::bigint FROM hospital.pacientes)
              ORDER BY id LIMIT 1 FOR KEY SHARE SKIP LOCKED) AS p,
             (SELECT id FROM hospital.convenios
              WHERE id >= (SELECT min(id) + floor($4 * (max(id) - min(id) + 1))::bigint FROM hospital.convenios)
              ORDER BY id LIMIT 1) AS c) AS r
WHERE p IS NOT NULL AND c IS NOT NULL
ON CONFLICT (paciente_id, convenio_id) DO NOTHING
RETURNING id;
