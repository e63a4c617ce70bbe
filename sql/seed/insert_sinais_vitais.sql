-- One chunk of the seed's vital signs, bound as arrays (one element per row); temperatures in tenths
-- of a degree. Each row lands in the partition of its day, created before the load.
INSERT INTO hospital.sinais_vitais (internacao_id, medido_em, pulso, pressao_sistolica, pressao_diastolica,
                                    saturacao_o2, temperatura, frequencia_respiratoria)
SELECT i, m, p, s, d, o, t::pg_catalog.numeric / 10, r
FROM unnest($1::bigint[], $2::timestamptz[], $3::int2[], $4::int2[], $5::int2[], $6::int2[], $7::int2[], $8::int2[])
     AS u (i, m, p, s, d, o, t, r);
