-- CDC-ready out of the box: publication, REPLICA IDENTITY FULL, and a check that explains problems.
SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = 'alimentador_pub' AND tablename !~ '^sinais_vitais_p' ORDER BY 2;
SELECT * FROM alimentador_cdc_check();
-- Switching replica identity, and back.
SELECT * FROM alimentador_replica_identity('default');
SELECT verificacao, ok, detalhe FROM alimentador_cdc_check() WHERE verificacao = 'replica identity';
SELECT count(*) FROM alimentador_replica_identity();
SELECT * FROM alimentador_replica_identity('nothing');
-- A misconfigured publication and an inactive slot are explained, with a hint.
ALTER PUBLICATION alimentador_pub DROP TABLE hospital.exames;
SELECT 1 FROM pg_create_logical_replication_slot('esquecido', 'pgoutput');
SELECT verificacao, ok, dica FROM alimentador_cdc_check() WHERE NOT ok OR verificacao LIKE 'slot%';
SELECT pg_drop_replication_slot('esquecido');
ALTER PUBLICATION alimentador_pub ADD TABLE hospital.exames;
SELECT count(*) AS failing FROM alimentador_cdc_check() WHERE NOT ok;
-- alimentador_publish() repairs the publication: the missing table, or the whole publication.
ALTER PUBLICATION alimentador_pub DROP TABLE hospital.pulso;
SELECT * FROM alimentador_publish();
DROP PUBLICATION alimentador_pub;
SELECT verificacao, ok, detalhe FROM alimentador_cdc_check() WHERE verificacao = 'publication';
SELECT count(*) AS published FROM alimentador_publish();
SELECT count(*) AS failing FROM alimentador_cdc_check() WHERE NOT ok;
-- The relay: the DDL for a subscriber without the extension (one CREATE TABLE per hospital table,
-- no sequence, no trigger), and its health per pgoutput slot of this database.
SELECT (SELECT count(*) FROM regexp_matches(alimentador_schema_sql(), 'CREATE TABLE hospital\.', 'g')) AS tabelas,
       alimentador_schema_sql() LIKE '%nextval%' AS usa_sequencias,
       alimentador_schema_sql() LIKE '%TRIGGER%' AS tem_gatilhos,
       alimentador_schema_sql() LIKE '%ALTER TABLE hospital.exames ALTER COLUMN laudo SET STORAGE EXTERNAL;%' AS toast_externo;
SELECT 1 FROM pg_create_logical_replication_slot('assinante', 'pgoutput');
SELECT slot_name, ativo, estado, ok, dica IS NOT NULL AS tem_dica FROM alimentador_relay_check();
SELECT count(*) AS outros FROM alimentador_relay_check('outro');
SELECT ok FROM alimentador_relay_check('assinante', atraso_maximo => NULL);
SELECT pg_drop_replication_slot('assinante');
-- publish_via_partition_root: on publishes the partitions' changes as sinais_vitais itself.
SELECT count(*) FROM alimentador_publish(via_raiz => true);
SELECT tablename FROM pg_publication_tables WHERE pubname = 'alimentador_pub' AND tablename LIKE 'sinais%';
SELECT detalhe FROM alimentador_cdc_check() WHERE verificacao = 'publish_via_partition_root';
SELECT count(*) FROM alimentador_publish(via_raiz => false);
SELECT pubviaroot FROM pg_publication WHERE pubname = 'alimentador_pub';
