-- A cancelled appointment from a random point of the id range, locked; $1 = fraction in [0, 1).
SELECT id, data
FROM hospital.consultas
WHERE status = 'cancelada'
  AND id >= (SELECT min(id) + floor($1 * (max(id) - min(id) + 1))::bigint FROM hospital.consultas)
ORDER BY id
LIMIT 1
FOR UPDATE SKIP LOCKED;
