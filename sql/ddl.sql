-- Schema evolution mid-stream (the `ddl` and `ddl-breaking` profiles): the changes a hospital's
-- developers really ship while a CDC connector runs, each applied at most once per schema generation
-- (until alimentador_reset() restores the original schema), each recorded with its LSN and bracketed
-- in the change stream by two transactional logical messages (prefix `alimentador.ddl`), since
-- pgoutput sends no DDL: a consumer only sees a new Relation message before the next row of the table.

-- Every statement below runs under a pinned search_path: objects that other roles may have created
-- in the extension's schema (e.g. an operator in public) must never be bound into our functions.
-- The path is restored at the end of the file for pgrx's own statements.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- The changes applied since CREATE EXTENSION or the last reset. Outside schema hospital, so not in the
-- publication: the stream itself already carries each change as its `alimentador.ddl` messages (same
-- content, in the transaction of the change), and a consumer checks its schema registry against this
-- table by LSN; publishing it would add a table whose events describe the other tables' events.
CREATE TABLE @extschema@.alimentador_esquema_historico (
    seq      bigserial   PRIMARY KEY,
    momento  timestamptz NOT NULL DEFAULT now(),
    tabela   text        NOT NULL,
    mudanca  text        NOT NULL,
    comando  text        NOT NULL,
    -- The LSN of the change's closing `alimentador.ddl` message, in the change's transaction.
    lsn      pg_lsn      NOT NULL,
    -- The column a change added to an original table: alimentador_digest() leaves such columns out,
    -- so a digest stays comparable with one over the original columns (docs/src/digest.md).
    coluna   text
);
COMMENT ON TABLE @extschema@.alimentador_esquema_historico IS
    'alimentador: the schema changes of the ddl profiles since CREATE EXTENSION or the last reset, with their LSN';
GRANT SELECT ON @extschema@.alimentador_esquema_historico TO PUBLIC;

CREATE FUNCTION @extschema@.alimentador_schema_history()
RETURNS TABLE (seq bigint, momento timestamptz, tabela text, mudanca text, comando text, lsn pg_lsn)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT h.seq, h.momento, h.tabela, h.mudanca, h.comando, h.lsn
    FROM @extschema@.alimentador_esquema_historico h ORDER BY h.seq
$$;
COMMENT ON FUNCTION @extschema@.alimentador_schema_history() IS
    'The schema changes applied by the ddl operations since CREATE EXTENSION or the last reset, with the LSN of each';

-- Runs one statement of a change or of its undoing, with a message naming it before and returns the
-- LSN of a closing message after. `fase`: mudanca (a ddl operation) or restauracao (a reset).
CREATE FUNCTION hospital.alimentador_ddl_executar(fase text, tabela text, mudanca text, comando text)
RETURNS pg_lsn
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    corpo jsonb := jsonb_build_object('fase', fase, 'tabela', 'hospital.' || tabela, 'mudanca', mudanca,
                                      'comando', comando);
BEGIN
    PERFORM pg_logical_emit_message(true, 'alimentador.ddl', (corpo || '{"momento": "inicio"}')::text);
    EXECUTE comando;
    RETURN pg_logical_emit_message(true, 'alimentador.ddl', (corpo || '{"momento": "fim"}')::text);
END
$$;
COMMENT ON FUNCTION hospital.alimentador_ddl_executar(text, text, text, text) IS
    'alimentador: runs one schema change between two alimentador.ddl logical messages';

-- One ddl operation: applies the change named by the operation `operacao` unless it is already
-- applied, or another session is applying a change right now (a skip either way: false). Changes are
-- serialised database-wide by a lock on alimentador_esquema_historico taken without waiting (in a mode
-- that only roles allowed to write the history can take: an advisory lock, which any role can take,
-- would let any role stop every schema change), so two workers never queue
-- behind each other's AccessExclusiveLock and the history's order is the LSN order. The ALTER
-- itself waits for the tables' locks under the caller's lock_timeout (a worker's
-- alimentador.lock_timeout): a long transaction never blocks the stream behind it for longer.
CREATE FUNCTION hospital.alimentador_ddl(operacao text)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tabela text;
    mudanca text;
    comando text;
    coluna text;
    aplicada boolean;
    lsn pg_lsn;
BEGIN
    FOR pass IN 1..2 LOOP
        CASE operacao
        WHEN 'ddl_nome_social' THEN
            -- The social name of trans and non-binary patients (SUS, Decreto 8.727/2016).
            tabela := 'pacientes'; mudanca := 'add column nome_social'; coluna := 'nome_social';
            comando := 'ALTER TABLE hospital.pacientes ADD COLUMN nome_social varchar(150)';
            aplicada := EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = 'hospital.pacientes'::regclass
                                AND attname = 'nome_social' AND NOT attisdropped);
        WHEN 'ddl_teleconsulta' THEN
            -- A constant default: PostgreSQL 11+ stores it in the catalog, no table rewrite.
            tabela := 'consultas'; mudanca := 'add column teleconsulta with default'; coluna := 'teleconsulta';
            comando := 'ALTER TABLE hospital.consultas ADD COLUMN teleconsulta boolean NOT NULL DEFAULT false';
            aplicada := EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = 'hospital.consultas'::regclass
                                AND attname = 'teleconsulta' AND NOT attisdropped);
        WHEN 'ddl_email_254' THEN
            -- The longest address SMTP allows; widening a varchar rewrites nothing.
            tabela := 'pacientes'; mudanca := 'widen email to varchar(254)';
            comando := 'ALTER TABLE hospital.pacientes ALTER COLUMN email TYPE varchar(254)';
            aplicada := (SELECT format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute
                         WHERE attrelid = 'hospital.pacientes'::regclass AND attname = 'email')
                        IS DISTINCT FROM 'character varying(200)';
        WHEN 'ddl_valor_12_2' THEN
            -- Surgeries cost more than 99 million centavos; more digits at the same scale: no rewrite.
            tabela := 'consultas'; mudanca := 'valor to numeric(12,2)';
            comando := 'ALTER TABLE hospital.consultas ALTER COLUMN valor TYPE numeric(12,2)';
            aplicada := (SELECT format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute
                         WHERE attrelid = 'hospital.consultas'::regclass AND attname = 'valor')
                        IS DISTINCT FROM 'numeric(10,2)';
        WHEN 'ddl_check_quarto' THEN
            tabela := 'internacoes'; mudanca := 'add check quarto not blank';
            comando := 'ALTER TABLE hospital.internacoes ADD CONSTRAINT internacoes_quarto_preenchido CHECK (btrim(quarto) <> '''')';
            aplicada := EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE conrelid = 'hospital.internacoes'::regclass
                                AND conname = 'internacoes_quarto_preenchido');
        WHEN 'ddl_status_confirmada' THEN
            -- An enum-like CHECK list gets a value: the reception now confirms appointments.
            tabela := 'consultas'; mudanca := 'add status confirmada';
            comando := 'ALTER TABLE hospital.consultas DROP CONSTRAINT consultas_status_check, '
                       'ADD CONSTRAINT consultas_status_check CHECK (status IN '
                       '(''agendada'', ''realizada'', ''cancelada'', ''faltou'', ''confirmada''))';
            aplicada := EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE conrelid = 'hospital.consultas'::regclass
                                AND conname = 'consultas_status_check'
                                AND pg_get_constraintdef(oid) LIKE '%confirmada%');
        WHEN 'ddl_prescricoes' THEN
            tabela := 'prescricoes'; mudanca := 'create table prescricoes';
            comando := @extschema@.alimentador_prescricoes_ddl();
            aplicada := to_regclass('hospital.prescricoes') IS NOT NULL;
        WHEN 'ddl_rename_telefone_medico' THEN
            tabela := 'medicos'; mudanca := 'rename column telefone to telefone_consultorio';
            comando := 'ALTER TABLE hospital.medicos RENAME COLUMN telefone TO telefone_consultorio';
            aplicada := NOT EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = 'hospital.medicos'::regclass
                                    AND attname = 'telefone' AND NOT attisdropped);
        WHEN 'ddl_drop_email_medico' THEN
            -- LGPD: doctors' personal e-mail is no longer kept.
            tabela := 'medicos'; mudanca := 'drop column email';
            comando := 'ALTER TABLE hospital.medicos DROP COLUMN email';
            aplicada := NOT EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = 'hospital.medicos'::regclass
                                    AND attname = 'email' AND NOT attisdropped);
        ELSE
            RAISE EXCEPTION 'unknown schema change "%"', left(operacao, 60)
                USING ERRCODE = 'invalid_parameter_value';
        END CASE;
        IF aplicada THEN
            RETURN false;
        END IF;
        -- The cheap check passed; take the lock, then check again in a new snapshot (pass 2).
        IF pass = 1 THEN
            BEGIN
                LOCK TABLE @extschema@.alimentador_esquema_historico IN SHARE ROW EXCLUSIVE MODE NOWAIT;
            EXCEPTION WHEN lock_not_available THEN
                RETURN false;
            END;
        END IF;
    END LOOP;
    lsn := hospital.alimentador_ddl_executar('mudanca', tabela, mudanca, comando);
    INSERT INTO @extschema@.alimentador_esquema_historico (tabela, mudanca, comando, lsn, coluna)
    VALUES (tabela, mudanca, comando, lsn, coluna);
    RETURN true;
END
$$;
COMMENT ON FUNCTION hospital.alimentador_ddl(text) IS
    'alimentador: one ddl operation of the stream; false (a skip) when already applied or another change is under way';

-- Whether prescricoes exists, for the stream's statements on it (insert_prescricao, delete_paciente):
-- when it does, it is locked like the statements that follow would lock it, so a reset dropping it
-- waits for this transaction instead of dropping it between the look and the statement.
CREATE FUNCTION hospital.alimentador_prescricoes_existe()
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF to_regclass('hospital.prescricoes') IS NULL THEN
        RETURN false;
    END IF;
    LOCK TABLE hospital.prescricoes IN ROW EXCLUSIVE MODE;
    RETURN true;
EXCEPTION WHEN undefined_table THEN
    -- Dropped between the look and the lock.
    RETURN false;
END
$$;
COMMENT ON FUNCTION hospital.alimentador_prescricoes_existe() IS
    'alimentador: whether hospital.prescricoes exists, locked for the statements that follow when it does';

-- The new table that joins the publication mid-stream: a prescription written at an attended
-- appointment. Built like the others (bigserial key, timestamps, trigger, replica identity of
-- consultas), and added to alimentador_pub when that publication exists.
CREATE FUNCTION @extschema@.alimentador_prescricoes_ddl()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT 'CREATE TABLE hospital.prescricoes ('
        'id bigserial PRIMARY KEY, '
        'consulta_id bigint NOT NULL REFERENCES hospital.consultas (id) ON UPDATE CASCADE ON DELETE CASCADE, '
        'medicamento varchar(120) NOT NULL, '
        'posologia varchar(200) NOT NULL, '
        'dias int NOT NULL CHECK (dias > 0), '
        'created_at timestamptz NOT NULL DEFAULT now(), '
        'updated_at timestamptz NOT NULL DEFAULT now()); '
        'CREATE INDEX prescricoes_consulta_id_idx ON hospital.prescricoes (consulta_id); '
        'CREATE TRIGGER tocar_updated_at BEFORE UPDATE ON hospital.prescricoes '
        'FOR EACH ROW EXECUTE FUNCTION hospital.tocar_updated_at(); '
        || format('ALTER TABLE hospital.prescricoes REPLICA IDENTITY %s; ',
                  CASE (SELECT relreplident FROM pg_catalog.pg_class WHERE oid = 'hospital.consultas'::regclass)
                      WHEN 'f' THEN 'FULL' ELSE 'DEFAULT' END)
        || CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_publication WHERE pubname = 'alimentador_pub' AND NOT puballtables)
                THEN 'ALTER PUBLICATION alimentador_pub ADD TABLE hospital.prescricoes;' ELSE '' END
$$;
COMMENT ON FUNCTION @extschema@.alimentador_prescricoes_ddl() IS
    'alimentador: the statements that create hospital.prescricoes (the ddl_prescricoes operation)';

-- alimentador_reset(): undoes every change of the ddl operations, checked against the catalog (not the
-- history, so it also repairs a half-known state), each undone statement bracketed by messages like a
-- change; then clears the history. Runs before the hospital is emptied (prescricoes references
-- consultas); waits for a change under way.
CREATE FUNCTION @extschema@.alimentador_esquema_restaurar()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    desfazer text[][] := '{}';
    i int;
BEGIN
    LOCK TABLE @extschema@.alimentador_esquema_historico IN SHARE ROW EXCLUSIVE MODE;
    IF to_regclass('hospital.prescricoes') IS NOT NULL THEN
        desfazer := desfazer || ARRAY[['prescricoes', 'drop table prescricoes', 'DROP TABLE hospital.prescricoes']];
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = 'hospital.pacientes'::regclass
               AND attname = 'nome_social' AND NOT attisdropped) THEN
        desfazer := desfazer || ARRAY[['pacientes', 'drop column nome_social',
                                       'ALTER TABLE hospital.pacientes DROP COLUMN nome_social']];
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = 'hospital.consultas'::regclass
               AND attname = 'teleconsulta' AND NOT attisdropped) THEN
        desfazer := desfazer || ARRAY[['consultas', 'drop column teleconsulta',
                                       'ALTER TABLE hospital.consultas DROP COLUMN teleconsulta']];
    END IF;
    IF (SELECT format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute
        WHERE attrelid = 'hospital.pacientes'::regclass AND attname = 'email') <> 'character varying(200)' THEN
        desfazer := desfazer || ARRAY[['pacientes', 'email back to varchar(200)',
                                       'ALTER TABLE hospital.pacientes ALTER COLUMN email TYPE varchar(200)']];
    END IF;
    IF (SELECT format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute
        WHERE attrelid = 'hospital.consultas'::regclass AND attname = 'valor') <> 'numeric(10,2)' THEN
        desfazer := desfazer || ARRAY[['consultas', 'valor back to numeric(10,2)',
                                       'ALTER TABLE hospital.consultas ALTER COLUMN valor TYPE numeric(10,2)']];
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE conrelid = 'hospital.internacoes'::regclass
               AND conname = 'internacoes_quarto_preenchido') THEN
        desfazer := desfazer || ARRAY[['internacoes', 'drop check quarto not blank',
                                       'ALTER TABLE hospital.internacoes DROP CONSTRAINT internacoes_quarto_preenchido']];
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE conrelid = 'hospital.consultas'::regclass
               AND conname = 'consultas_status_check' AND pg_get_constraintdef(oid) LIKE '%confirmada%') THEN
        -- Rows already confirmed go back to the status they had before the value existed.
        desfazer := desfazer || ARRAY[['consultas', 'drop status confirmada',
            'UPDATE hospital.consultas SET status = ''agendada'' WHERE status = ''confirmada''; '
            'ALTER TABLE hospital.consultas DROP CONSTRAINT consultas_status_check, '
            'ADD CONSTRAINT consultas_status_check CHECK (status IN '
            '(''agendada'', ''realizada'', ''cancelada'', ''faltou''))']];
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = 'hospital.medicos'::regclass
               AND attname = 'telefone_consultorio' AND NOT attisdropped) THEN
        desfazer := desfazer || ARRAY[['medicos', 'rename column telefone_consultorio to telefone',
                                       'ALTER TABLE hospital.medicos RENAME COLUMN telefone_consultorio TO telefone']];
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = 'hospital.medicos'::regclass
                   AND attname = 'email' AND NOT attisdropped) THEN
        -- A column cannot be put back in its place: the columns after it are dropped and added again
        -- in their original order, so the column order (what consumers and digests see) is the
        -- original one. Each keeps its default; ALTER ... ADD fills the rows already there.
        desfazer := desfazer || ARRAY[['medicos', 'add column email back',
            'ALTER TABLE hospital.medicos DROP COLUMN ativo, DROP COLUMN created_at, DROP COLUMN updated_at, '
            'ADD COLUMN email varchar(200), ADD COLUMN ativo boolean NOT NULL DEFAULT true, '
            'ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(), '
            'ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()']];
    END IF;
    FOR i IN 1..coalesce(array_length(desfazer, 1), 0) LOOP
        PERFORM hospital.alimentador_ddl_executar('restauracao', desfazer[i][1], desfazer[i][2], desfazer[i][3]);
    END LOOP;
    DELETE FROM @extschema@.alimentador_esquema_historico;
    PERFORM setval(pg_get_serial_sequence('@extschema@.alimentador_esquema_historico', 'seq'), 1, false);
END
$$;
COMMENT ON FUNCTION @extschema@.alimentador_esquema_restaurar() IS
    'alimentador: restores the original hospital schema (alimentador_reset() calls it) and clears the schema history';

SELECT pg_catalog.set_config('search_path', '@extschema@', true);
