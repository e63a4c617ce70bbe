-- insert_exame: a collected exam, result pending, of a random patient.
\set p random(1, :np)
INSERT INTO hospital.exames (paciente_id, tipo_exame, data, urgente)
VALUES (:p, 'Hemograma completo', now() - random() * interval '6 hours', random() < 0.1);
