-- The baseline of bench/seed.sh: the same rows as alimentador_seed(:scale) — same tables, volumes,
-- column widths (names ~21 chars, addresses ~43, exam results ~490-byte jsonb, reports ~3.1 kB for
-- 91% of exams) and unique natural keys — loaded with plain INSERT … SELECT generate_series, as a
-- user would without the extension. Expects empty tables with identities restarted (ids from 1), the
-- partitions of sinais_vitais the extension's seed created, and :readings, the readings it loaded.
-- Every ninth admission is still active (no data_saida); the k-th of them goes to patient k, so no
-- patient has two (the unique partial index internacoes_uma_ativa_idx), as in the extension's seed.
SELECT round(2000 * :scale)::int AS np, round(200 * :scale)::int AS nm, round(2500 * :scale)::int AS nv,
       round(4000 * :scale)::int AS nc, round(3500 * :scale)::int AS ne, round(1200 * :scale)::int AS ni \gset
BEGIN;
INSERT INTO hospital.pacientes (nome, nascimento, cpf, sexo, email, telefone, endereco, cidade, uf, cep, data_cadastro)
SELECT 'Maria ' || substr(md5(i::text), 1, 15), date '1926-01-01' + (random() * 36500)::int,
       lpad(((i::bigint * 7919) % 1000000000)::text, 9, '0') || '00', CASE WHEN i % 2 = 0 THEN 'F' ELSE 'M' END,
       substr(md5(i::text), 1, 15) || '@gmail.com', '(11) 9' || lpad((random() * 99999999)::int::text, 8, '0'),
       'Rua ' || md5(i::text) || ', 12', 'São Paulo', 'SP', lpad((1000000 + random() * 8999999)::int::text, 8, '0'),
       current_date - (random() * 3650)::int
FROM generate_series(1, :np) i;
INSERT INTO hospital.medicos (nome, crm, especialidade, telefone, email)
SELECT 'Dr ' || substr(md5(i::text), 1, 18), lpad(i::text, 6, '0') || '-SP', 'Cardiologia ' || (i % 10),
       '(11) 3' || lpad((random() * 9999999)::int::text, 7, '0'), substr(md5(i::text), 1, 15) || '@hospital.com'
FROM generate_series(1, :nm) i;
INSERT INTO hospital.pacientes_convenios (paciente_id, convenio_id, numero_carteira, validade)
SELECT 1 + (i - 1) % :np, 1 + ((i - 1) / :np) % 12, lpad((random() * 1e17)::bigint::text, 18, '0'),
       current_date - 365 + (random() * 1460)::int
FROM generate_series(1, :nv) i;
INSERT INTO hospital.consultas (protocolo, paciente_id, medico_id, data, motivo, status, valor)
SELECT md5(i::text || 'c')::uuid, 1 + (random() * (:np - 1))::int, 1 + (random() * (:nm - 1))::int,
       now() - random() * interval '730 days', 'Consulta de rotina ' || (i % 100),
       (ARRAY['realizada', 'realizada', 'faltou', 'cancelada'])[1 + i % 4], round((80 + random() * 820)::numeric, 2)
FROM generate_series(1, :nc) i;
INSERT INTO hospital.exames (paciente_id, tipo_exame, data, urgente, resultado, laudo, data_resultado)
SELECT 1 + (random() * (:np - 1))::int, 'Hemograma completo', d, random() < 0.1,
       CASE WHEN r THEN jsonb_build_object('exame', 'Hemoglobina glicada (HbA1c)', 'metodo', repeat('x', 60),
         'status', 'normal', 'categoria', 'laboratorial', 'parametros', jsonb_build_object('hba1c',
         jsonb_build_object('valor', round((random() * 10)::numeric, 1), 'unidade', '%', 'alterado', false,
         'referencia', jsonb_build_object('max', 5.6, 'min', 4.0), 'interpretacao', 'normal')),
         'observacao', repeat('y', 200)) END,
       CASE WHEN r THEN repeat(md5(random()::text), 98) END,
       CASE WHEN r THEN d + interval '1 day' END
FROM (SELECT i, now() - interval '2 days' - random() * interval '728 days' AS d, random() < 0.91 AS r
      FROM generate_series(1, :ne) i) s;
INSERT INTO hospital.internacoes (paciente_id, data_entrada, data_saida, motivo, quarto)
SELECT CASE WHEN i % 9 = 0 THEN i / 9 ELSE 1 + (random() * (:np - 1))::int END, e,
       CASE WHEN i % 9 <> 0 THEN e + interval '3 days' END,
       'Pneumonia comunitária ' || (i % 100), 'Enfermaria ' || (100 + i % 300) || '-B'
FROM (SELECT i, now() - interval '3 days' - random() * interval '727 days' AS e FROM generate_series(1, :ni) i) s;
INSERT INTO hospital.sinais_vitais (internacao_id, medido_em, pulso, pressao_sistolica, pressao_diastolica,
                                    saturacao_o2, temperatura, frequencia_respiratoria)
SELECT 1 + i % :ni, (date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') - interval '2 days' + random() * interval '47 hours',
       60 + (random() * 40)::int, 100 + (random() * 40)::int, 60 + (random() * 20)::int, 94 + (random() * 5)::int,
       round((36 + random() * 2)::numeric, 1), 12 + (random() * 8)::int
FROM generate_series(1, :readings) i;
COMMIT;
