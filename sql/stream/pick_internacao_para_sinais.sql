-- An active admission (already begun) whose patient gets a vital-signs reading, from a random point of
-- the id range; $1 = fraction in [0, 1), $2 = the hospital clock's now (alimentador.time_scale). Locked FOR KEY SHARE SKIP LOCKED (what the foreign key of
-- the reading needs anyway): an admission being discharged or deleted is a skip, and concurrent
-- readings of one admission do not wait for each other.
SELECT id
FROM hospital.internacoes
WHERE data_saida IS NULL AND data_entrada <= $2
  AND id >= (SELECT min(id) + floor($1 * (max(id) - min(id) + 1))::bigint FROM hospital.internacoes)
ORDER BY id
LIMIT 1
FOR KEY SHARE SKIP LOCKED;
