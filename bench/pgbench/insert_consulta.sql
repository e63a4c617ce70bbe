INSERT INTO hospital.consultas (protocolo, paciente_id, medico_id, data, motivo, status, valor)
SELECT gen_random_uuid(),
       (SELECT id FROM hospital.pacientes WHERE id >= (SELECT min(id) + floor(random() * (max(id) - min(id) + 1))::bigint FROM hospital.pacientes) ORDER BY id LIMIT 1),
       (SELECT id FROM hospital.medicos WHERE id >= (SELECT min(id) + floor(random() * (max(id) - min(id) + 1))::bigint FROM hospital.medicos) ORDER BY id LIMIT 1),
       now() + interval '1 hour' + random() * interval '59 days', 'Consulta de rotina', 'agendada', round((80 + random() * 820)::numeric, 2);
