-- A random patient to delete (delete_paciente), locked FOR UPDATE, skipping rows locked by others
-- (including patients that an insert is attaching a row to); $1 = fraction in [0, 1).
SELECT id, nome
FROM hospital.pacientes
WHERE id >= (SELECT min(id) + floor($1 * (max(id) - min(id) + 1))::bigint FROM hospital.pacientes)
ORDER BY id
LIMIT 1
FOR UPDATE SKIP LOCKED;
