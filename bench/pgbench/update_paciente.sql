-- update_paciente: a random patient's contact changes.
\set p random(1, :np)
UPDATE hospital.pacientes SET telefone = '(11) 9' || lpad((random() * 99999999)::int::text, 8, '0'),
       email = substr(md5(random()::text), 1, 15) || '@hotmail.com', endereco = 'Avenida ' || md5(random()::text) || ', 7'
WHERE id = :p;
