-- An active admission (already begun) whose patient gets a vital-signs reading, from a random point of
-- the id range; $1 = the id to start from (a random point of the id range, or none for the wrap-around), $2 = the hospital clock's now (alimentador.time_scale). Locked FOR KEY SHARE SKIP LOCKED (what the foreign key of
-- the reading needs anyway): an admission being discharged or deleted is a skip, and concurrent
-- readings of one admission do not wait for each other.
SELECT id
FROM hospital.internacoes
WHERE data_saida IS NULL AND data_entrada <= $2
  AND id >= $1
ORDER BY id
LIMIT 1
FOR KEY SHARE SKIP LOCKED;
