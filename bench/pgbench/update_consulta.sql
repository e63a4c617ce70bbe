-- update_consulta: the oldest past-due appointment still booked is attended or missed; when none is
-- due, the first booked from a random moment of the next 60 days (drawn by the client) is cancelled,
-- as the stream's lifecycle does (both through the partial index of booked appointments).
\set d random(0, 5183999)
UPDATE hospital.consultas
SET status = CASE WHEN data <= now() THEN CASE WHEN random() < 0.85 THEN 'realizada' ELSE 'faltou' END ELSE 'cancelada' END
WHERE id = coalesce(
    (SELECT id FROM hospital.consultas WHERE status = 'agendada' AND data <= now() ORDER BY data LIMIT 1 FOR UPDATE SKIP LOCKED),
    (SELECT id FROM hospital.consultas WHERE status = 'agendada' AND data >= now() + :d * interval '1 second'
     ORDER BY data LIMIT 1 FOR UPDATE SKIP LOCKED));
