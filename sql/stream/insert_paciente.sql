-- A new patient, only into a seeded hospital (one with doctors); $1..$12 = the columns listed, $1 = id.
INSERT INTO hospital.pacientes
    (id, nome, nascimento, cpf, sexo, email, telefone, endereco, cidade, uf, cep, data_cadastro)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
WHERE EXISTS (SELECT 1 FROM hospital.medicos)
RETURNING id;
