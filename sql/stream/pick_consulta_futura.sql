-- A future booked appointment, from a random point of the next 60 days; $1 = fraction in [0, 1), $2 = the hospital clock's now (alimentador.time_scale).
SELECT id, data
FROM hospital.consultas
WHERE status = 'agendada' AND data >= $2 + $1 * interval '60 days'
ORDER BY data
LIMIT 1
FOR UPDATE SKIP LOCKED;
