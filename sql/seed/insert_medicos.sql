-- One chunk of the seed's doctors, bound as arrays (one element per row), unnested in the select list
-- (in lockstep; see insert_exames.sql).
INSERT INTO hospital.medicos (id, nome, crm, especialidade, telefone, email)
SELECT unnest($1::bigint[]), unnest($2::text[]), unnest($3::text[]), unnest($4::text[]), unnest($5::text[]),
       unnest($6::text[])
