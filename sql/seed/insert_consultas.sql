-- One chunk of the seed's appointments, bound as arrays (one element per row; valor as text, exact).
INSERT INTO hospital.consultas (id, protocolo, paciente_id, medico_id, data, motivo, status, valor)
SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::bigint[], $4::bigint[], $5::timestamptz[], $6::text[],
                     $7::text[], $8::numeric[])
