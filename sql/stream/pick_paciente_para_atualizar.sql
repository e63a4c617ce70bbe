-- A random patient whose contact changes (update_paciente), locked FOR NO KEY UPDATE, skipping rows
-- locked by others; $1 = the id to start from (a random point of the id range, or none for the wrap-around). Not FOR UPDATE: the key does not change, so inserts of
-- the patient's appointments, exams and admissions (FOR KEY SHARE) need not wait for it.
SELECT id, nome
FROM hospital.pacientes
WHERE id >= $1
ORDER BY id
LIMIT 1
FOR NO KEY UPDATE SKIP LOCKED;
