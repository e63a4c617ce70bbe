-- The columns the seed writes that the ddl-breaking operations rename or drop (sql/ddl.sql), when they
-- are missing: an appending seed refuses to start instead of failing halfway through its COPY.
SELECT pg_catalog.array_agg(pg_catalog.format('%s.%s', v.tabela, v.coluna) ORDER BY v.coluna DESC)
FROM (VALUES ('medicos', 'telefone'), ('medicos', 'email')) v(tabela, coluna)
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = pg_catalog.format('hospital.%I', v.tabela)::pg_catalog.regclass
                    AND a.attname = v.coluna AND NOT a.attisdropped);
