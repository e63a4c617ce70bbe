-- A random patient to attach new rows to (insert_exames_lote): the first at or after a random point
-- of the id range; $1 = fraction in [0, 1). Locked FOR KEY SHARE SKIP LOCKED, like the patient
-- picked inside the other inserts: a patient that delete_paciente holds is skipped, so the insert
-- never fails its foreign key.
SELECT id, nome
FROM hospital.pacientes
WHERE id >= (SELECT min(id) + floor($1 * (max(id) - min(id) + 1))::bigint FROM hospital.pacientes)
ORDER BY id
LIMIT 1
FOR KEY SHARE SKIP LOCKED;
