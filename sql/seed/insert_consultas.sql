-- One chunk of the seed's appointments, bound as arrays (one element per row; valor as text, exact),
-- unnested in the select list (in lockstep; see insert_exames.sql).
INSERT INTO hospital.consultas (id, protocolo, paciente_id, medico_id, data, motivo, status, valor)
SELECT unnest($1::bigint[]), unnest($2::uuid[]), unnest($3::bigint[]), unnest($4::bigint[]),
       unnest($5::timestamptz[]), unnest($6::text[]), unnest($7::text[]), unnest($8::text[])::pg_catalog.numeric
