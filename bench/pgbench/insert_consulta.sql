-- insert_consulta: a booked appointment of a random patient with a random doctor (ids drawn by the
-- client among those of the seed: -D np=… -D nm=…).
\set p random(1, :np)
\set m random(1, :nm)
INSERT INTO hospital.consultas (protocolo, paciente_id, medico_id, data, motivo, status, valor)
VALUES (gen_random_uuid(), :p, :m, now() + interval '1 hour' + random() * interval '59 days', 'Consulta de rotina',
        'agendada', round((80 + random() * 820)::numeric, 2));
