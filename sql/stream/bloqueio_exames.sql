-- bloqueio_de_linhas: locks up to $2 collected exams still without result from a random point of
-- the id range, exactly the rows update_exame and delete_exame look for, and keeps them locked until
-- the transaction ends, so the stream's SKIP LOCKED paths skip them; $1 = fraction in [0, 1).
-- $3 = the hospital clock's now (alimentador.time_scale). Returns how many it locked.
SELECT count(*)
FROM (
  SELECT id
  FROM hospital.exames
  WHERE resultado IS NULL AND data <= $3
    AND id >= (SELECT min(id) + floor($1 * (max(id) - min(id) + 1))::bigint FROM hospital.exames)
  ORDER BY id
  LIMIT $2
  FOR UPDATE SKIP LOCKED
) bloqueados;
