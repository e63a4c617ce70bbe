-- Reschedules a future booked appointment, re-checking that it still is one; $1 = id, $2 = new date.
UPDATE hospital.consultas
SET data = $2
WHERE id = $1 AND status = 'agendada' AND data > now()
RETURNING id;
