-- An active admission (already begun), from a random point of the id range, locked; $1 = the id to start from (a random point of the id range, or none for the wrap-around), $2 = the hospital clock's now (alimentador.time_scale).
-- Its ctid too, for update_internacao_alta.
SELECT id, data_entrada, ctid
FROM hospital.internacoes
WHERE data_saida IS NULL AND data_entrada <= $2
  AND id >= $1
ORDER BY id
LIMIT 1
FOR UPDATE SKIP LOCKED;
