-- An exam with a (TOASTed) report, from a random point of the id range, locked; $1 = the id to start from (a random point of the id range, or none for the wrap-around).
SELECT id
FROM hospital.exames
WHERE laudo IS NOT NULL
  AND id >= $1
ORDER BY id
LIMIT 1
FOR UPDATE SKIP LOCKED;
