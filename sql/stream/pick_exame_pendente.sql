-- A collected exam still without result, from a random point of the id range, locked; $1 = the id to start from (a random point of the id range, or none for the wrap-around), $2 = the hospital clock's now (alimentador.time_scale).
SELECT id, tipo_exame, data
FROM hospital.exames
WHERE resultado IS NULL AND data <= $2
  AND id >= $1
ORDER BY id
LIMIT 1
FOR UPDATE SKIP LOCKED;
