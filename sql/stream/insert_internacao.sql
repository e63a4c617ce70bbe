-- An admission of a patient who is not in hospital; $1 = data_entrada, $2 = motivo, $3 = quarto,
-- $4 = fraction in [0, 1) picking the starting point. The first of the 100 patients from a random
-- point of the id range without an active admission (one probe of the unique partial index of
-- active admissions per candidate: bounded work even when nearly everybody is in hospital, which is
-- then a skip). A scalar count, not NOT EXISTS: the planner would turn that into a merge anti join
-- reading the whole index. The chosen patient is locked FOR KEY SHARE SKIP LOCKED, so a patient
-- that delete_paciente is removing is a skip, not a foreign-key failure; a concurrent admission of
-- the same patient is a skip too (ON CONFLICT on that index).
INSERT INTO hospital.internacoes (paciente_id, data_entrada, motivo, quarto)
SELECT p.id, $1, $2, $3
FROM hospital.pacientes p
WHERE p.id = (SELECT c.id
              FROM (SELECT id FROM hospital.pacientes
                    WHERE id >= (SELECT min(id) + floor($4 * (max(id) - min(id) + 1))::bigint FROM hospital.pacientes)
                    ORDER BY id LIMIT 100) c
              WHERE (SELECT count(*) FROM hospital.internacoes i
                     WHERE i.paciente_id = c.id AND i.data_saida IS NULL) = 0
              ORDER BY c.id LIMIT 1)
FOR KEY SHARE SKIP LOCKED
ON CONFLICT (paciente_id) WHERE data_saida IS NULL DO NOTHING
RETURNING id;
