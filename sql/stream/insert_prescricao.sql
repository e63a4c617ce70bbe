-- A prescription at an attended appointment (the table exists once ddl_prescricoes ran); $1 = medicamento,
-- $2 = posologia, $3 = dias, $4 = fraction in [0, 1) picking the appointment: the first attended one
-- from there (most past appointments are), locked FOR KEY SHARE so a concurrent delete skips it.
INSERT INTO hospital.prescricoes (consulta_id, medicamento, posologia, dias)
SELECT c, $1, $2, $3
FROM (
    SELECT
        (SELECT id FROM hospital.consultas
         WHERE id >= (SELECT min(id) + floor($4 * (max(id) - min(id) + 1))::bigint FROM hospital.consultas)
           AND status = 'realizada'
         ORDER BY id LIMIT 1 FOR KEY SHARE SKIP LOCKED) AS c
) r
WHERE c IS NOT NULL
RETURNING id;
