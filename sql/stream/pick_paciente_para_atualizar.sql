-- A random patient whose contact changes (update_paciente), locked FOR NO KEY UPDATE, skipping rows
-- locked by others; $1 = fraction in [0, 1). Not FOR UPDATE: the key does not change, so inserts of
-- the patient's appointments, exams and admissions (FOR KEY SHARE) need not wait for it.
SELECT id, nome
FROM hospital.pacientes
WHERE id >= (SELECT min(id) + floor($1 * (max(id) - min(id) + 1))::bigint FROM hospital.pacientes)
ORDER BY id
LIMIT 1
FOR NO KEY UPDATE SKIP LOCKED;
