-- insert_sinal_vital: one reading of an admitted patient's vital signs; $1 = internacao_id, $2 =
-- medido_em, $3 = pulse (bpm), $4/$5 = systolic/diastolic pressure (mmHg), $6 = SpO2 (%), $7 =
-- temperature in tenths of °C, $8 = respiratory rate (breaths/min). The row lands in the partition of
-- its day (created ahead of time by alimentador_particoes_vitais()).
INSERT INTO hospital.sinais_vitais (internacao_id, medido_em, pulso, pressao_sistolica, pressao_diastolica,
                                    saturacao_o2, temperatura, frequencia_respiratoria)
VALUES ($1, $2, $3, $4, $5, $6, $7::pg_catalog.numeric / 10, $8)
RETURNING id;
