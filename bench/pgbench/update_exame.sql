UPDATE hospital.exames
SET resultado = jsonb_build_object('exame', tipo_exame, 'status', 'normal', 'parametros', jsonb_build_object('hemoglobina',
      jsonb_build_object('valor', round((12 + random() * 4)::numeric, 1), 'unidade', 'g/dL', 'referencia', jsonb_build_object('min', 12, 'max', 16))),
      'observacao', repeat('y', 300)),
    laudo = repeat(md5(random()::text), 98), data_resultado = greatest(now(), data)
WHERE id = (SELECT id FROM hospital.exames WHERE resultado IS NULL AND data <= now()
              AND id >= (SELECT min(id) + floor(random() * (max(id) - min(id) + 1))::bigint FROM hospital.exames)
            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED);
