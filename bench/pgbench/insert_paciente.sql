-- insert_paciente: a new patient (the id from the sequence, the CPF derived from it: unique).
WITH n AS (SELECT nextval('hospital.pacientes_id_seq') AS id)
INSERT INTO hospital.pacientes (id, nome, nascimento, cpf, sexo, email, telefone, endereco, cidade, uf, cep, data_cadastro)
SELECT id, 'Maria ' || substr(md5(random()::text), 1, 15), date '1926-01-01' + (random() * 36500)::int,
       lpad(((id * 104729) % 1000000000)::text, 9, '0') || '97', 'F', substr(md5(random()::text), 1, 15) || '@gmail.com',
       '(11) 9' || lpad((random() * 99999999)::int::text, 8, '0'), 'Rua ' || md5(random()::text) || ', 12',
       'São Paulo', 'SP', lpad((1000000 + random() * 8999999)::int::text, 8, '0'), current_date
FROM n;
