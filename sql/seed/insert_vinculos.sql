-- One chunk of the seed's plan memberships, bound as arrays (one element per row).
INSERT INTO hospital.pacientes_convenios (paciente_id, convenio_id, numero_carteira, validade)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::date[])
