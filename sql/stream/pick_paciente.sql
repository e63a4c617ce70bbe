-- A random patient to attach new rows to (insert_exames_lote): the first at or after a random point
-- of the id range; $1 = the id to start from (a random point of the id range, or none for the wrap-around). Locked FOR KEY SHARE SKIP LOCKED, like the patient
-- picked inside the other inserts: a patient that delete_paciente holds is skipped, so the insert
-- never fails its foreign key.
SELECT id, nome
FROM hospital.pacientes
WHERE id >= $1
ORDER BY id
LIMIT 1
FOR KEY SHARE SKIP LOCKED;
