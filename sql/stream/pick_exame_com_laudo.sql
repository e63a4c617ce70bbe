-- An exam with a (TOASTed) report, from a random point of the id range, locked; $1 = fraction in [0, 1).
SELECT id
FROM hospital.exames
WHERE laudo IS NOT NULL
  AND id >= (SELECT min(id) + floor($1 * (max(id) - min(id) + 1))::bigint FROM hospital.exames)
ORDER BY id
LIMIT 1
FOR UPDATE SKIP LOCKED;
