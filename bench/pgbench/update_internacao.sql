-- update_internacao: the first active admission from a random id on is discharged.
\set i random(1, :ni)
UPDATE hospital.internacoes SET data_saida = greatest(now(), data_entrada)
WHERE id = (SELECT id FROM hospital.internacoes WHERE data_saida IS NULL AND data_entrada <= now() AND id >= :i
            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED);
