-- One chunk of the seed's exams, bound as arrays (one element per row; resultado as JSON text).
INSERT INTO hospital.exames (paciente_id, tipo_exame, data, urgente, resultado, laudo, data_resultado)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::bool[], $5::jsonb[], $6::text[],
                     $7::timestamptz[])
