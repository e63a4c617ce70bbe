-- A collected exam still without result, from a random point of the id range, locked; $1 = fraction in [0, 1), $2 = the hospital clock's now (alimentador.time_scale).
SELECT id, tipo_exame, data
FROM hospital.exames
WHERE resultado IS NULL AND data <= $2
  AND id >= (SELECT min(id) + floor($1 * (max(id) - min(id) + 1))::bigint FROM hospital.exames)
ORDER BY id
LIMIT 1
FOR UPDATE SKIP LOCKED;
