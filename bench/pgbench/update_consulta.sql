-- update_consulta: the first appointment still booked from a random id on is attended, missed (past)
-- or cancelled (future), as the stream's lifecycle allows.
\set c random(1, :nc)
UPDATE hospital.consultas
SET status = CASE WHEN data <= now() THEN CASE WHEN random() < 0.85 THEN 'realizada' ELSE 'faltou' END ELSE 'cancelada' END
WHERE id = (SELECT id FROM hospital.consultas WHERE status = 'agendada' AND id >= :c ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED);
