-- A plan link expired for at least a random number of days (up to a year), locked; $1 = fraction in [0, 1), $2 = the hospital clock's now (alimentador.time_scale).
SELECT id
FROM hospital.pacientes_convenios
WHERE validade < $2::date - floor($1 * 365)::int
ORDER BY validade DESC
LIMIT 1
FOR UPDATE SKIP LOCKED;
