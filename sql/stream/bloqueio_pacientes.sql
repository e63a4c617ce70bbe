-- bloqueio_de_linhas: locks up to $2 consecutive patients from a random point of the id range FOR NO
-- KEY UPDATE (update_paciente and delete_paciente skip them; inserts, which lock their patient FOR
-- KEY SHARE, do not wait); $1 = fraction in [0, 1). Returns how many it locked and the first one,
-- whose contact the transaction changes before it ends.
SELECT count(*), min(id)
FROM (
  SELECT id
  FROM hospital.pacientes
  WHERE id >= (SELECT min(id) + floor($1 * (max(id) - min(id) + 1))::bigint FROM hospital.pacientes)
  ORDER BY id
  LIMIT $2
  FOR NO KEY UPDATE SKIP LOCKED
) bloqueados;
