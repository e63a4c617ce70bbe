-- The id ranges (min and max of the primary key, NULL when empty) of the tables the picks start in:
-- pacientes, medicos, consultas, exames, internacoes. Read once every ID_RANGE_TTL by each stream
-- (executor.rs), not by every pick: each min/max is an index descent (and a walk over the
-- dead entries at either end), and a slightly stale range only shifts where picks start — rows past
-- it are still reached (picks take the first row at or after their start, and wrap around).
SELECT (SELECT min(id) FROM hospital.pacientes), (SELECT max(id) FROM hospital.pacientes),
       (SELECT min(id) FROM hospital.medicos), (SELECT max(id) FROM hospital.medicos),
       (SELECT min(id) FROM hospital.consultas), (SELECT max(id) FROM hospital.consultas),
       (SELECT min(id) FROM hospital.exames), (SELECT max(id) FROM hospital.exames),
       (SELECT min(id) FROM hospital.internacoes), (SELECT max(id) FROM hospital.internacoes);
