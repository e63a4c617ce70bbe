INSERT INTO hospital.internacoes (paciente_id, data_entrada, motivo, quarto)
SELECT (SELECT id FROM hospital.pacientes WHERE id >= (SELECT min(id) + floor(random() * (max(id) - min(id) + 1))::bigint FROM hospital.pacientes) ORDER BY id LIMIT 1),
       now() - random() * interval '12 hours', 'Pneumonia comunitária', 'Enfermaria 203-B';
