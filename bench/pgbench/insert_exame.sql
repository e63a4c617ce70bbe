INSERT INTO hospital.exames (paciente_id, tipo_exame, data, urgente)
SELECT (SELECT id FROM hospital.pacientes WHERE id >= (SELECT min(id) + floor(random() * (max(id) - min(id) + 1))::bigint FROM hospital.pacientes) ORDER BY id LIMIT 1),
       'Hemograma completo', now() - random() * interval '6 hours', random() < 0.1;
