-- hospital.sinais_vitais: the vital signs nurses record for admitted patients. The one append-heavy time
-- series of the hospital, range-partitioned by measurement time into one partition per UTC day, so
-- that CDC pipelines meet partitioned tables: events under the parent's topic or each partition's
-- (publish_via_partition_root, switched by alimentador_publish(via_raiz => …)), partitions that
-- appear while the connector runs, and old ones dropped without a single delete event.

-- Every statement below runs under a pinned search_path: objects that other roles may have created
-- in the extension's schema (e.g. an operator in public) must never be bound into our constraints,
-- indexes or functions. The path is restored at the end of the file for pgrx's own statements.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- The primary key (id, medido_em) contains the partition key, as PostgreSQL requires; id alone is
-- unique anyway, from its sequence. Each partition gets it (and its index on internacao_id) when it is
-- created, not through the partitioned table: the partitioned table belongs to the extension and the
-- partitions do not, so pg_dump dumps the partitions with their rows and their own keys, and a
-- restore attaches them to the table CREATE EXTENSION made — keys declared on that table would be
-- created again by the attach and clash with the dump's own (pg_dump assumes it dumps both).
-- alimentador_cdc_check() reports a partition without its key. Readings belong to an admission (not
-- to the patient directly, so a patient's re-registration under a new id — update_paciente_id —
-- leaves them alone). No updated_at: a reading is never changed.
CREATE TABLE hospital.sinais_vitais (
    id                       bigserial    NOT NULL,
    internacao_id            bigint       NOT NULL REFERENCES hospital.internacoes (id) ON DELETE CASCADE,
    medido_em                timestamptz  NOT NULL,
    pulso                    smallint     NOT NULL CHECK (pulso BETWEEN 20 AND 250),
    pressao_sistolica        smallint     NOT NULL CHECK (pressao_sistolica BETWEEN 50 AND 260),
    pressao_diastolica       smallint     NOT NULL CHECK (pressao_diastolica BETWEEN 20 AND 160),
    saturacao_o2             smallint     NOT NULL CHECK (saturacao_o2 BETWEEN 50 AND 100),
    temperatura              numeric(3,1) NOT NULL CHECK (temperatura BETWEEN 30.0 AND 43.0),
    frequencia_respiratoria  smallint     NOT NULL CHECK (frequencia_respiratoria BETWEEN 4 AND 60),
    created_at               timestamptz  NOT NULL DEFAULT now(),
    CHECK (pressao_diastolica < pressao_sistolica)
) PARTITION BY RANGE (medido_em);
COMMENT ON TABLE hospital.sinais_vitais IS
    'alimentador: vital signs of admitted patients, one partition per UTC day (sinais_vitais_pAAAAMMDD), each with PRIMARY KEY (id, medido_em)';
ALTER TABLE hospital.sinais_vitais REPLICA IDENTITY FULL;

-- Only the sequence is kept by pg_dump through the extension: the partitions are created after
-- CREATE EXTENSION (by the seed and the stream), so they are not members of the extension and
-- pg_dump dumps them with their rows; dumping the parent's rows as well would restore them twice.
SELECT pg_catalog.pg_extension_config_dump('hospital.sinais_vitais_id_seq', '');

-- Creates the daily partitions from the day of `desde` to the day of `ate` (UTC) that are missing,
-- each with its primary key, its index on internacao_id and the table's replica identity; with a retention of N days (`retencao_dias`, or the
-- setting alimentador.vitais_retencao when NULL; 0 keeps everything) drops the partitions that ended
-- more than N days before today. Returns what it did. The stream calls it ahead of time; dropping a
-- partition emits no delete events (logical decoding does not decode DDL), so retention is opt-in.
CREATE FUNCTION @extschema@.alimentador_particoes_vitais(
    ate timestamptz DEFAULT now() + interval '2 days',
    desde timestamptz DEFAULT now(),
    retencao_dias int DEFAULT NULL)
RETURNS TABLE (particao text, acao text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dia date;
    ultimo date;
    nome text;
    retencao int;
    identidade "char";
    bloqueado boolean := false;
BEGIN
    IF ate IS NULL OR desde IS NULL THEN
        RAISE EXCEPTION 'ate and desde must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF ate - desde > interval '400 days' THEN
        RAISE EXCEPTION 'at most 400 days of partitions at once, asked for % to %', desde, ate
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Partitions are daily: create them a few days ahead.';
    END IF;
    retencao := coalesce(retencao_dias,
                         nullif(current_setting('alimentador.vitais_retencao', true), '')::int, 0);
    IF retencao < 0 THEN
        RAISE EXCEPTION 'retencao_dias must be 0 (keep every partition) or more, got %', retencao
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT c.relreplident INTO identidade FROM pg_class c
    WHERE c.oid = 'hospital.sinais_vitais'::regclass;
    dia := (desde AT TIME ZONE 'UTC')::date;
    ultimo := (ate AT TIME ZONE 'UTC')::date;
    WHILE dia <= ultimo LOOP
        nome := 'sinais_vitais_p' || to_char(dia, 'YYYYMMDD');
        IF NOT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'hospital' AND c.relname = nome) THEN
            -- Workers run this concurrently: the first takes the lock and creates, the others then
            -- find the partition (checked again under the lock). The lock is the partitioned table's,
            -- in a self-conflicting mode that only roles allowed to change its rows can take (an
            -- advisory lock, which any role can take, would let any role stop partition creation);
            -- it does not conflict with the rows' inserts, updates and deletes.
            IF NOT bloqueado THEN
                LOCK TABLE ONLY hospital.sinais_vitais IN SHARE UPDATE EXCLUSIVE MODE;
                bloqueado := true;
            END IF;
            IF NOT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                           WHERE n.nspname = 'hospital' AND c.relname = nome) THEN
                EXECUTE format('CREATE TABLE hospital.%I PARTITION OF hospital.sinais_vitais '
                               'FOR VALUES FROM (%L) TO (%L)', nome,
                               (dia::timestamp AT TIME ZONE 'UTC'), ((dia + 1)::timestamp AT TIME ZONE 'UTC'));
                -- The key and the index delete_paciente looks readings up by (see above).
                EXECUTE format('ALTER TABLE hospital.%I ADD PRIMARY KEY (id, medido_em)', nome);
                EXECUTE format('CREATE INDEX ON hospital.%I (internacao_id)', nome);
                -- Replica identity is per partition (old images are logged by the partition).
                IF identidade = 'f' THEN
                    EXECUTE format('ALTER TABLE hospital.%I REPLICA IDENTITY FULL', nome);
                END IF;
                particao := nome; acao := 'criada';
                RETURN NEXT;
            END IF;
        END IF;
        dia := dia + 1;
    END LOOP;
    IF retencao > 0 THEN
        FOR nome IN
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'hospital.sinais_vitais'::regclass
              AND c.relname ~ '^sinais_vitais_p[0-9]{8}$'
              -- the partition's day ended (day + 1) more than `retencao` days before today
              AND to_date(substr(c.relname, 16), 'YYYYMMDD') + 1
                  < (now() AT TIME ZONE 'UTC')::date - retencao
            ORDER BY 1
        LOOP
            IF NOT bloqueado THEN
                LOCK TABLE ONLY hospital.sinais_vitais IN SHARE UPDATE EXCLUSIVE MODE;
                bloqueado := true;
            END IF;
            EXECUTE format('DROP TABLE IF EXISTS hospital.%I', nome);
            particao := nome; acao := 'removida';
            RETURN NEXT;
        END LOOP;
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.alimentador_particoes_vitais(timestamptz, timestamptz, int) IS
    'Creates the missing daily partitions of hospital.sinais_vitais up to ate; drops those past the retention (alimentador.vitais_retencao) when it is above 0';

SELECT pg_catalog.set_config('search_path', '@extschema@', true);
