-- An admission of a patient who is not in hospital; $1 = data_entrada, $2 = motivo, $3 = quarto,
-- $4 = the patient id to start from (a random point of the id range). One candidate: the first
-- patient at or after it, or else the first one (a stale range may point past the last); locked
-- FOR KEY SHARE SKIP LOCKED, so a patient that delete_paciente is removing is passed over, never a
-- foreign-key failure; admitted when not in hospital already (one probe of
-- the unique partial index of active admissions), else the attempt is a skip. Admission attempts
-- (weight 20) outnumber discharges (5), so in a steady state most attempts must skip whatever the
-- statement does; one probe makes a skip as cheap as a pick, and the census settles where a random
-- patient is free one time in four (a hundred probes per attempt filled the hospital to the last bed
-- and spent 0.5 ms on each skip). A scalar count, not NOT EXISTS: the planner could turn that into a
-- merge anti join reading the whole index. A concurrent admission of the same patient is a skip too
-- (ON CONFLICT on that index).
-- Dated $1, or at the patient's last discharge when that is later ($1 is drawn up to 12 h back, and
-- the patient may have left since): a patient's stays never overlap. The patient's stays are few and
-- read through internacoes_paciente_id_idx; a stay being discharged meanwhile is still active in
-- this statement's snapshot, so the attempt skips rather than missing its discharge.
INSERT INTO hospital.internacoes (paciente_id, data_entrada, motivo, quarto)
SELECT c.id,
       GREATEST($1, (SELECT max(i.data_saida) FROM hospital.internacoes i WHERE i.paciente_id = c.id)),
       $2, $3
FROM (SELECT coalesce((SELECT id FROM hospital.pacientes WHERE id >= $4
                        ORDER BY id LIMIT 1 FOR KEY SHARE SKIP LOCKED),
                       (SELECT id FROM hospital.pacientes
                        ORDER BY id LIMIT 1 FOR KEY SHARE SKIP LOCKED)) AS id) c
WHERE c.id IS NOT NULL
  AND (SELECT count(*) FROM hospital.internacoes i
       WHERE i.paciente_id = c.id AND i.data_saida IS NULL) = 0
ON CONFLICT (paciente_id) WHERE data_saida IS NULL DO NOTHING
RETURNING id;
