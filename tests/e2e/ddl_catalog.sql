-- The hospital schema as a consumer and the stream see it, one line per object, for comparing a
-- database after ddl operations and alimentador_reset() with a fresh CREATE EXTENSION: tables and
-- their kind and replica identity, columns in their order (the position among the live columns, as
-- pgoutput's Relation message lists them and the digest reads them) with type, NOT NULL, default and
-- storage, constraints, indexes, triggers, publication membership, sequences.
SELECT pg_catalog.string_agg(linha, E'\n' ORDER BY linha) FROM (
    SELECT pg_catalog.format('table %s kind=%s identity=%s', c.relname, c.relkind, c.relreplident) AS linha
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'hospital'
    UNION ALL
    SELECT pg_catalog.format('column %s %s %s %s notnull=%s default=%s storage=%s', c.relname,
           pg_catalog.row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum), a.attname,
           pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
           pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attstorage)
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
    WHERE n.nspname = 'hospital' AND c.relkind = 'r'
    UNION ALL
    SELECT pg_catalog.format('constraint %s %s %s', c.relname, k.conname, pg_catalog.pg_get_constraintdef(k.oid))
    FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'hospital'
    UNION ALL
    SELECT pg_catalog.format('index %s', i.indexdef) FROM pg_catalog.pg_indexes i WHERE i.schemaname = 'hospital'
    UNION ALL
    SELECT pg_catalog.format('trigger %s %s', c.relname, t.tgname)
    FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'hospital' AND NOT t.tgisinternal
    UNION ALL
    SELECT pg_catalog.format('published %s', p.tablename) FROM pg_catalog.pg_publication_tables p
    WHERE p.pubname = 'alimentador_pub' AND p.schemaname = 'hospital'
) linhas;
