-- Reschedules a future booked appointment, re-checking that it still is one; $1 = id, $2 = new date, $3 = the hospital clock's now (alimentador.time_scale).
UPDATE hospital.consultas
SET data = $2
WHERE id = $1 AND status = 'agendada' AND data > $3
RETURNING id;
