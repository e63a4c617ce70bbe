-- insert_internacao: an admission of a random patient; one already in hospital is not admitted twice
-- (internacoes_uma_ativa_idx), as the stream skips.
\set p random(1, :np)
INSERT INTO hospital.internacoes (paciente_id, data_entrada, motivo, quarto)
VALUES (:p, now() - random() * interval '12 hours', 'Pneumonia comunitária', 'Enfermaria 203-B')
ON CONFLICT (paciente_id) WHERE data_saida IS NULL DO NOTHING;
