-- Discharges an admission, re-checking it is still active and the discharge not before admission; $1 = id, $2 = data_saida,
-- $3 = the row's ctid as pick_internacao_ativa returned it (the row is locked FOR UPDATE since, so
-- that is still its current version). By ctid, a TID scan whatever the statistics say: by id, a
-- generic plan made while statistics said few admissions were active scanned the whole of
-- internacoes_uma_ativa_idx (its predicate is implied by the re-check) for every discharge, 1 ms
-- in a full hospital. The id and the lifecycle are re-checked all the same.
-- Dated $2, or at the stay's last vital-sign reading when that is later ($2 is drawn up to 2 h back,
-- and a nurse may have measured since): no reading falls outside its stay. Only readings after $2
-- matter, so the partitions of the days before it are pruned; no reading can be added meanwhile (a
-- reading locks its admission FOR KEY SHARE, which conflicts with the pick's FOR UPDATE).
UPDATE hospital.internacoes
SET data_saida = GREATEST($2, (SELECT max(v.medido_em) FROM hospital.sinais_vitais v
                               WHERE v.internacao_id = $1 AND v.medido_em > $2))
WHERE ctid = $3 AND id = $1 AND data_saida IS NULL AND data_entrada <= $2
RETURNING id;
