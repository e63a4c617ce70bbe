-- The oldest past-due appointment still booked, locked, skipping rows locked by others; no parameters.
SELECT id, data
FROM hospital.consultas
WHERE status = 'agendada' AND data <= now()
ORDER BY data
LIMIT 1
FOR UPDATE SKIP LOCKED;
