UPDATE hospital.internacoes SET data_saida = greatest(now(), data_entrada)
WHERE id = (SELECT id FROM hospital.internacoes WHERE data_saida IS NULL AND data_entrada <= now()
              AND id >= (SELECT min(id) + floor(random() * (max(id) - min(id) + 1))::bigint FROM hospital.internacoes)
            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED);
