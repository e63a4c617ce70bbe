-- update_exame: the first collected exam still pending from a random id on gets its result (~490-byte
-- jsonb) and report (~3.1 kB).
\set e random(1, :ne)
UPDATE hospital.exames
SET resultado = jsonb_build_object('exame', tipo_exame, 'status', 'normal', 'parametros', jsonb_build_object('hemoglobina',
      jsonb_build_object('valor', round((12 + random() * 4)::numeric, 1), 'unidade', 'g/dL', 'referencia', jsonb_build_object('min', 12, 'max', 16))),
      'observacao', repeat('y', 300)),
    laudo = repeat(md5(random()::text), 98), data_resultado = greatest(now(), data)
WHERE id = (SELECT id FROM hospital.exames WHERE resultado IS NULL AND data <= now() AND id >= :e
            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED);
