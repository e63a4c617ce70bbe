-- Closes a booked appointment, re-checking its lifecycle (only a past one may be attended or missed); $1 = id, $2 = new status, $3 = the hospital clock's now (alimentador.time_scale).
UPDATE hospital.consultas
SET status = $2
WHERE id = $1 AND status = 'agendada' AND ($2 = 'cancelada' OR data <= $3)
RETURNING id;
