UPDATE hospital.pacientes SET telefone = '(11) 9' || lpad((random() * 99999999)::int::text, 8, '0'),
       email = substr(md5(random()::text), 1, 15) || '@hotmail.com', endereco = 'Avenida ' || md5(random()::text) || ', 7'
WHERE id = (SELECT id FROM hospital.pacientes WHERE id >= (SELECT min(id) + floor(random() * (max(id) - min(id) + 1))::bigint FROM hospital.pacientes)
            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED);
