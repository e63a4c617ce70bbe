-- One chunk of the seed's plan memberships, bound as arrays (one element per row), unnested in the
-- select list (in lockstep; see insert_exames.sql).
INSERT INTO hospital.pacientes_convenios (paciente_id, convenio_id, numero_carteira, validade)
SELECT unnest($1::bigint[]), unnest($2::bigint[]), unnest($3::text[]), unnest($4::date[])
