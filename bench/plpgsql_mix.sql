-- The in-server baseline of the stream benchmark (bench/plpgsql.sh): the worker's default 8-operation
-- mix with its weights, as a user would write it in PL/pgSQL to be fast: a loop in one procedure,
-- COMMIT after every operation, statements PL/pgSQL prepares and caches itself, constant payloads
-- (a ~490-byte jsonb result and a 3.3 kB report for an exam), random ids drawn in the procedure from
-- the id ranges read once at the start. The picks and re-checks are those of the pgbench scripts in
-- bench/pgbench (the same partial indexes), so both baselines do the same work per change.
-- CALL bench_plpgsql_mix(seconds) runs for that long. (No SET clause: a procedure with one cannot COMMIT;
-- every relation is schema-qualified.)
CREATE OR REPLACE PROCEDURE public.bench_plpgsql_mix(seconds double precision)
LANGUAGE plpgsql
AS $$
DECLARE
    np bigint := (SELECT max(id) FROM hospital.pacientes);
    nm bigint := (SELECT max(id) FROM hospital.medicos);
    ne bigint := (SELECT max(id) FROM hospital.exames);
    ni bigint := (SELECT max(id) FROM hospital.internacoes);
    resultado_fixo constant jsonb := jsonb_build_object('exame', 'Hemograma completo', 'status', 'normal',
        'parametros', jsonb_build_object('hemoglobina', jsonb_build_object('valor', 13.8, 'unidade', 'g/dL',
            'referencia', jsonb_build_object('min', 12, 'max', 16))),
        'observacao', repeat('y', 300));
    laudo_fixo constant text := repeat('Paciente em bom estado geral, parâmetros dentro da referência. ', 52);
    fim timestamptz := clock_timestamp() + seconds * interval '1 second';
    w int;
    novo bigint;
    r double precision;
BEGIN
    WHILE clock_timestamp() < fim LOOP
        w := floor(random() * 100)::int;
        -- Drawn before the statement: random() inside a WHERE clause is volatile, evaluated per row.
        r := random();
        IF w < 5 THEN        -- insert_paciente 5
            novo := nextval('hospital.pacientes_id_seq');
            INSERT INTO hospital.pacientes (id, nome, nascimento, cpf, sexo, email, telefone, endereco, cidade, uf, cep, data_cadastro)
            VALUES (novo, 'Maria Aparecida da Silva', date '1980-05-17', lpad(((novo * 104729) % 1000000000)::text, 9, '0') || '97',
                    'F', 'maria.silva@gmail.com', '(11) 98765-4321', 'Rua das Flores, 123, Apto 45', 'São Paulo', 'SP', '01310100',
                    current_date);
        ELSIF w < 35 THEN    -- insert_consulta 30
            INSERT INTO hospital.consultas (protocolo, paciente_id, medico_id, data, motivo, status, valor)
            VALUES (gen_random_uuid(), 1 + floor(random() * np)::bigint, 1 + floor(random() * nm)::bigint,
                    now() + interval '7 days', 'Consulta de rotina', 'agendada', 250.00);
        ELSIF w < 50 THEN    -- insert_exame 15
            INSERT INTO hospital.exames (paciente_id, tipo_exame, data, urgente)
            VALUES (1 + floor(random() * np)::bigint, 'Hemograma completo', now() - interval '1 hour', false);
        ELSIF w < 70 THEN    -- insert_internacao 20 (a patient already in hospital is not admitted twice)
            INSERT INTO hospital.internacoes (paciente_id, data_entrada, motivo, quarto)
            VALUES (1 + floor(random() * np)::bigint, now() - interval '2 hours', 'Pneumonia comunitária', 'Enfermaria 203-B')
            ON CONFLICT (paciente_id) WHERE data_saida IS NULL DO NOTHING;
        ELSIF w < 78 THEN    -- update_paciente 8
            UPDATE hospital.pacientes SET telefone = '(11) 91234-5678', email = 'maria.silva@hotmail.com',
                   endereco = 'Avenida Paulista, 1000, Apto 12'
            WHERE id = 1 + floor(r * np)::bigint;
        ELSIF w < 88 THEN    -- update_consulta 10: the oldest past due, else a future one is cancelled
            UPDATE hospital.consultas
            SET status = CASE WHEN data <= now() THEN 'realizada' ELSE 'cancelada' END
            WHERE id = coalesce(
                (SELECT id FROM hospital.consultas WHERE status = 'agendada' AND data <= now()
                 ORDER BY data LIMIT 1 FOR UPDATE SKIP LOCKED),
                (SELECT id FROM hospital.consultas WHERE status = 'agendada'
                   AND data >= now() + r * interval '60 days'
                 ORDER BY data LIMIT 1 FOR UPDATE SKIP LOCKED));
        ELSIF w < 95 THEN    -- update_exame 7: the first pending from a random id gets its result and report
            UPDATE hospital.exames SET resultado = resultado_fixo, laudo = laudo_fixo,
                   data_resultado = greatest(now(), data)
            WHERE id = (SELECT id FROM hospital.exames WHERE resultado IS NULL AND data <= now()
                          AND id >= floor(r * ne)::bigint
                        ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED);
        ELSE                 -- update_internacao 5: the first active admission from a random id is discharged
            UPDATE hospital.internacoes SET data_saida = greatest(now(), data_entrada)
            WHERE id = (SELECT id FROM hospital.internacoes WHERE data_saida IS NULL AND data_entrada <= now()
                          AND id >= floor(r * ni)::bigint
                        ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED);
        END IF;
        COMMIT;
    END LOOP;
END
$$;
