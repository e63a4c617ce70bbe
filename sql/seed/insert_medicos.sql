-- One chunk of the seed's doctors, bound as arrays (one element per row).
INSERT INTO hospital.medicos (id, nome, crm, especialidade, telefone, email)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
