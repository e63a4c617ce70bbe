-- One chunk of the seed's patients, bound as arrays (one element per row).
INSERT INTO hospital.pacientes (id, nome, nascimento, cpf, sexo, email, telefone, endereco, cidade, uf, cep, data_cadastro)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::date[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $8::text[], $9::text[], $10::text[], $11::text[], $12::date[])
