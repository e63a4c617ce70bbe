-- Discharges an admission, re-checking it is still active and the discharge not before admission; $1 = id, $2 = data_saida,
-- $3 = the row's ctid as pick_internacao_ativa returned it (the row is locked FOR UPDATE since, so
-- that is still its current version). By ctid, a TID scan whatever the statistics say: by id, a
-- generic plan made while statistics said few admissions were active scanned the whole of
-- internacoes_uma_ativa_idx (its predicate is implied by the re-check) for every discharge, 1 ms
-- in a full hospital. The id and the lifecycle are re-checked all the same.
UPDATE hospital.internacoes
SET data_saida = $2
WHERE ctid = $3 AND id = $1 AND data_saida IS NULL AND data_entrada <= $2
RETURNING id;
