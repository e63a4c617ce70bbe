-- CREATE EXTENSION builds the hospital schema with its lookup rows.
CREATE EXTENSION alimentador;
SELECT table_name FROM information_schema.tables WHERE table_schema = 'hospital' ORDER BY 1;
SELECT * FROM alimentador_counts();
SELECT nome, cnpj FROM hospital.convenios ORDER BY id LIMIT 3;
-- The functions a user calls.
SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'alimentador'
WHERE p.proname LIKE 'alimentador%' ORDER BY 1;
SELECT operacao, peso_padrao FROM alimentador_operations();
-- CREATE EXTENSION creates no publication (pg_dump dumps publications, so a restore would create it
-- twice): alimentador_seed() or alimentador_publish() does. The seed record is empty.
SELECT count(*) AS publications FROM pg_publication WHERE pubname = 'alimentador_pub';
SELECT verificacao, ok, detalhe, dica FROM alimentador_cdc_check() WHERE verificacao = 'publication';
SELECT * FROM alimentador_semeadura;
