-- One statement inserting a batch of finished lab results of one patient; $1 = paciente_id, $2 = tipos, $3 = data, $4 = data_resultado, $5 = resultados (JSON texts), $6 = laudos.
INSERT INTO hospital.exames (paciente_id, tipo_exame, data, urgente, resultado, laudo, data_resultado)
SELECT $1, t, $3, false, r::jsonb, l, $4
FROM unnest($2::text[], $5::text[], $6::text[]) AS u(t, r, l)
RETURNING id;
