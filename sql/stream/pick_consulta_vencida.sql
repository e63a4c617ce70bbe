-- The oldest past-due appointment still booked, locked, skipping rows locked by others; $1 = the hospital clock's now (alimentador.time_scale).
SELECT id, data
FROM hospital.consultas
WHERE status = 'agendada' AND data <= $1
ORDER BY data
LIMIT 1
FOR UPDATE SKIP LOCKED;
