-- One chunk of the seed's exams, bound as arrays (one element per row; resultado already in jsonb's
-- binary form, see src/seed/pgjsonb.rs). The arrays are unnested in the select list (ProjectSet, in
-- lockstep): a row goes straight to the INSERT, where unnest in FROM would first copy the whole chunk
-- into a tuplestore — ~6 MB of reports per chunk, more than work_mem, so written to a temporary file
-- and read back.
INSERT INTO hospital.exames (paciente_id, tipo_exame, data, urgente, resultado, laudo, data_resultado)
SELECT unnest($1::bigint[]), unnest($2::text[]), unnest($3::timestamptz[]), unnest($4::bool[]),
       unnest($5::jsonb[]), unnest($6::text[]), unnest($7::timestamptz[])
