-- One chunk of the seed's admissions, bound as arrays (one element per row). Returns each row's id and
-- admission time, and whether it is still active (the seed records vital signs for those).
INSERT INTO hospital.internacoes (paciente_id, data_entrada, data_saida, motivo, quarto)
SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::text[])
RETURNING id, data_entrada, data_saida IS NULL;
