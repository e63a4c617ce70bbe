-- One chunk of the seed's patients, bound as arrays (one element per row), unnested in the select
-- list (in lockstep; see insert_exames.sql).
INSERT INTO hospital.pacientes (id, nome, nascimento, cpf, sexo, email, telefone, endereco, cidade, uf, cep, data_cadastro)
SELECT unnest($1::bigint[]), unnest($2::text[]), unnest($3::date[]), unnest($4::text[]), unnest($5::text[]),
       unnest($6::text[]), unnest($7::text[]), unnest($8::text[]), unnest($9::text[]), unnest($10::text[]),
       unnest($11::text[]), unnest($12::date[])
