UPDATE hospital.consultas
SET status = CASE WHEN data <= now() THEN CASE WHEN random() < 0.85 THEN 'realizada' ELSE 'faltou' END ELSE 'cancelada' END
WHERE id = coalesce(
    (SELECT id FROM hospital.consultas WHERE status = 'agendada' AND data <= now() ORDER BY data LIMIT 1 FOR UPDATE SKIP LOCKED),
    (SELECT id FROM hospital.consultas WHERE status = 'agendada' AND data >= now() + random() * interval '60 days' ORDER BY data LIMIT 1 FOR UPDATE SKIP LOCKED));
