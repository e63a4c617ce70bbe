-- A random patient to delete (delete_paciente), locked FOR UPDATE, skipping rows locked by others
-- (including patients that an insert is attaching a row to); $1 = the id to start from (a random point of the id range, or none for the wrap-around).
SELECT id, nome
FROM hospital.pacientes
WHERE id >= $1
ORDER BY id
LIMIT 1
FOR UPDATE SKIP LOCKED;
