-- An active admission (already begun), from a random point of the id range, locked; $1 = fraction in [0, 1), $2 = the hospital clock's now (alimentador.time_scale).
-- Its ctid too, for update_internacao_alta.
SELECT id, data_entrada, ctid
FROM hospital.internacoes
WHERE data_saida IS NULL AND data_entrada <= $2
  AND id >= (SELECT min(id) + floor($1 * (max(id) - min(id) + 1))::bigint FROM hospital.internacoes)
ORDER BY id
LIMIT 1
FOR UPDATE SKIP LOCKED;
