INSERT INTO hospital.internacoes (paciente_id, data_entrada, motivo, quarto)
SELECT (SELECT id FROM hospital.pacientes WHERE id >= (SELECT min(id) + floor(random() * (max(id) - min(id) + 1))::bigint FROM hospital.pacientes) ORDER BY id LIMIT 1),
       now() - random() * interval '12 hours', 'Pneumonia comunitária', 'Enfermaria 203-B'
-- A patient already in hospital is not admitted twice (internacoes_uma_ativa_idx), as the stream skips.
ON CONFLICT (paciente_id) WHERE data_saida IS NULL DO NOTHING;
