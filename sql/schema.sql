-- The hospital schema created by CREATE EXTENSION alimentador.
--
-- Everything lives in schema `hospital`, so a CDC filter is one line (`hospital.*`). Every table has a
-- BIGSERIAL primary key, created_at/updated_at timestamptz and a BEFORE UPDATE trigger for updated_at.
-- The partial indexes named `*_pendentes` / `*_ativas` / `*_agendadas` let the stream pick an eligible
-- row in O(log n) without scanning (see src/operations.rs).

-- Every statement below runs under a pinned search_path: objects that other roles may have created
-- in the extension's schema (e.g. an operator in public) must never be bound into our constraints,
-- indexes or functions. The path is restored at the end of the file for pgrx's own statements.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- The hospital's text is generated as UTF-8 (pt_BR names, places, reports): in a database of another
-- encoding it would be stored garbled and the stream would fail on reading it back, so CREATE
-- EXTENSION refuses such a database.
DO $$
BEGIN
    IF pg_catalog.getdatabaseencoding() <> 'UTF8' THEN
        RAISE EXCEPTION 'alimentador needs a database in UTF8, this one is in %', pg_catalog.getdatabaseencoding()
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Create one with CREATE DATABASE hospital ENCODING ''UTF8'' LOCALE ''C.UTF-8'' TEMPLATE template0 (or another UTF-8 locale) and install alimentador there.';
    END IF;
END
$$;

-- The extension's schema holds the functions a superuser calls without a schema (SELECT
-- alimentador_seed()) and the workers' ledger: a role that owns it could drop it (and with it the
-- extension, schema hospital and every row), a role that can create in it could plant objects beside
-- ours. So CREATE EXTENSION refuses a schema that a role other than a superuser owns or can create in
-- (PostgreSQL's own rule for a search path: only schemas that no untrusted role can write to).
-- public belongs to pg_database_owner since PostgreSQL 15: that is the database's owner.
DO $$
DECLARE
    esquema oid := '@extschema@'::regnamespace;
    dono oid;
    quem text;
BEGIN
    SELECT CASE WHEN n.nspowner = 'pg_database_owner'::regrole THEN d.datdba ELSE n.nspowner END
      INTO dono
      FROM pg_catalog.pg_namespace n, pg_catalog.pg_database d
     WHERE n.oid = esquema AND d.datname = pg_catalog.current_database();
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid = dono) THEN
        RAISE EXCEPTION 'alimentador cannot be installed in schema %: it is owned by role %, which is not a superuser',
                        esquema::regnamespace, dono::regrole
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The owner of the schema could drop it, and the extension with it, or plant functions that a superuser would call.',
                  HINT = 'Install it in a schema only superusers own and create in: CREATE SCHEMA alimentador; CREATE EXTENSION alimentador SCHEMA alimentador; and add alimentador to search_path.';
    END IF;
    -- PUBLIC (every role) or the roles that are no superusers and can (also through a role).
    SELECT CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
                             WHERE n.oid = esquema AND a.grantee = 0 AND a.privilege_type = 'CREATE')
                THEN 'PUBLIC'
                ELSE (SELECT pg_catalog.string_agg(r.rolname::text, ', ' ORDER BY r.rolname)
                      FROM pg_catalog.pg_roles r
                      WHERE NOT r.rolsuper AND r.oid <> 'pg_database_owner'::regrole
                        AND pg_catalog.has_schema_privilege(r.oid, esquema, 'CREATE'))
           END INTO quem;
    IF quem IS NOT NULL THEN
        RAISE EXCEPTION 'alimentador cannot be installed in schema %: roles that are not superusers can create objects in it (%)',
                        esquema::regnamespace, quem
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'A function or table planted beside the extension''s could be called by a superuser instead of the extension''s own.',
                  HINT = pg_catalog.format('REVOKE CREATE ON SCHEMA %s FROM those roles (and PUBLIC), or install it in a schema of its own: CREATE SCHEMA alimentador; CREATE EXTENSION alimentador SCHEMA alimentador;', esquema::regnamespace);
    END IF;
END
$$;

CREATE SCHEMA hospital;
COMMENT ON SCHEMA hospital IS 'alimentador: a live Brazilian hospital OLTP database for CDC testing';

CREATE FUNCTION hospital.tocar_updated_at() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION hospital.tocar_updated_at() IS 'BEFORE UPDATE trigger: keeps updated_at current';

CREATE TABLE hospital.convenios (
    id          bigserial PRIMARY KEY,
    nome        varchar(120) NOT NULL,
    cnpj        char(14)     NOT NULL UNIQUE CHECK (cnpj ~ '^[0-9]{14}$'),
    tipo        varchar(20)  NOT NULL CHECK (tipo IN ('publico', 'medicina de grupo', 'cooperativa', 'seguradora', 'autogestao')),
    cobertura   varchar(20)  NOT NULL CHECK (cobertura IN ('nacional', 'regional', 'estadual', 'municipal')),
    created_at  timestamptz  NOT NULL DEFAULT now(),
    updated_at  timestamptz  NOT NULL DEFAULT now()
);

CREATE TABLE hospital.pacientes (
    id             bigserial PRIMARY KEY,
    nome           varchar(150) NOT NULL,
    nascimento     date         NOT NULL,
    cpf            char(11)     NOT NULL UNIQUE CHECK (cpf ~ '^[0-9]{11}$'),
    sexo           char(1)      NOT NULL CHECK (sexo IN ('F', 'M')),
    email          varchar(200),
    telefone       varchar(20)  NOT NULL,
    endereco       varchar(250) NOT NULL,
    cidade         varchar(100) NOT NULL,
    uf             char(2)      NOT NULL,
    cep            char(8)      NOT NULL CHECK (cep ~ '^[0-9]{8}$'),
    data_cadastro  date         NOT NULL DEFAULT current_date,
    ativo          boolean      NOT NULL DEFAULT true,
    created_at     timestamptz  NOT NULL DEFAULT now(),
    updated_at     timestamptz  NOT NULL DEFAULT now()
);

CREATE TABLE hospital.medicos (
    id             bigserial PRIMARY KEY,
    nome           varchar(150) NOT NULL,
    crm            varchar(12)  NOT NULL UNIQUE CHECK (crm ~ '^[0-9]{4,6}-[A-Z]{2}$'),
    especialidade  varchar(80)  NOT NULL,
    telefone       varchar(20)  NOT NULL,
    email          varchar(200),
    ativo          boolean      NOT NULL DEFAULT true,
    created_at     timestamptz  NOT NULL DEFAULT now(),
    updated_at     timestamptz  NOT NULL DEFAULT now()
);

CREATE TABLE hospital.pacientes_convenios (
    id               bigserial PRIMARY KEY,
    paciente_id      bigint      NOT NULL REFERENCES hospital.pacientes (id) ON UPDATE CASCADE ON DELETE CASCADE,
    convenio_id      bigint      NOT NULL REFERENCES hospital.convenios (id) ON UPDATE CASCADE,
    numero_carteira  varchar(20) NOT NULL,
    validade         date        NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (paciente_id, convenio_id)
);

CREATE TABLE hospital.consultas (
    id           bigserial PRIMARY KEY,
    protocolo    uuid          NOT NULL UNIQUE,
    paciente_id  bigint        NOT NULL REFERENCES hospital.pacientes (id) ON UPDATE CASCADE ON DELETE CASCADE,
    medico_id    bigint        NOT NULL REFERENCES hospital.medicos (id) ON UPDATE CASCADE,
    data         timestamptz   NOT NULL,
    motivo       varchar(200)  NOT NULL,
    status       varchar(12)   NOT NULL DEFAULT 'agendada'
                 CHECK (status IN ('agendada', 'realizada', 'cancelada', 'faltou')),
    valor        numeric(10,2) NOT NULL CHECK (valor >= 0),
    created_at   timestamptz   NOT NULL DEFAULT now(),
    updated_at   timestamptz   NOT NULL DEFAULT now()
);

CREATE TABLE hospital.exames (
    id              bigserial PRIMARY KEY,
    paciente_id     bigint       NOT NULL REFERENCES hospital.pacientes (id) ON UPDATE CASCADE ON DELETE CASCADE,
    tipo_exame      varchar(80)  NOT NULL,
    data            timestamptz  NOT NULL,
    urgente         boolean      NOT NULL DEFAULT false,
    resultado       jsonb,
    laudo           text,
    data_resultado  timestamptz,
    created_at      timestamptz  NOT NULL DEFAULT now(),
    updated_at      timestamptz  NOT NULL DEFAULT now(),
    CHECK ((resultado IS NULL) = (data_resultado IS NULL)),
    CHECK (data_resultado IS NULL OR data_resultado >= data)
);
-- Long reports always go out of line to the TOAST table (no inline compression): updates that leave
-- laudo untouched then exercise the "unchanged TOAST" path of logical decoding.
ALTER TABLE hospital.exames ALTER COLUMN laudo SET STORAGE EXTERNAL;

CREATE TABLE hospital.internacoes (
    id            bigserial PRIMARY KEY,
    paciente_id   bigint       NOT NULL REFERENCES hospital.pacientes (id) ON UPDATE CASCADE ON DELETE CASCADE,
    data_entrada  timestamptz  NOT NULL,
    data_saida    timestamptz,
    motivo        varchar(200) NOT NULL,
    quarto        varchar(30)  NOT NULL,
    created_at    timestamptz  NOT NULL DEFAULT now(),
    updated_at    timestamptz  NOT NULL DEFAULT now(),
    CHECK (data_saida IS NULL OR data_saida >= data_entrada)
);

-- Foreign keys (pacientes_convenios.paciente_id is the leading column of its UNIQUE constraint).
CREATE INDEX pacientes_convenios_convenio_id_idx ON hospital.pacientes_convenios (convenio_id);
CREATE INDEX consultas_paciente_id_idx  ON hospital.consultas (paciente_id);
CREATE INDEX consultas_medico_id_idx    ON hospital.consultas (medico_id);
CREATE INDEX exames_paciente_id_idx     ON hospital.exames (paciente_id);
CREATE INDEX internacoes_paciente_id_idx ON hospital.internacoes (paciente_id);
-- Date columns the queries filter on.
CREATE INDEX consultas_data_idx            ON hospital.consultas (data);
CREATE INDEX exames_data_idx               ON hospital.exames (data);
CREATE INDEX internacoes_data_entrada_idx  ON hospital.internacoes (data_entrada);
-- Rows the stream moves along their lifecycle.
CREATE INDEX consultas_agendadas_idx  ON hospital.consultas (data) WHERE status = 'agendada';
-- Cancelled appointments, which delete_consulta removes: without it the pick walks the primary key
-- past every other appointment, and a long `deletes` run slows down as they get rare.
CREATE INDEX consultas_canceladas_idx ON hospital.consultas (id) WHERE status = 'cancelada';
CREATE INDEX pacientes_convenios_validade_idx ON hospital.pacientes_convenios (validade);
CREATE INDEX exames_pendentes_idx     ON hospital.exames (id) WHERE resultado IS NULL;
CREATE INDEX internacoes_ativas_idx   ON hospital.internacoes (id) WHERE data_saida IS NULL;
-- A patient is in hospital at most once at a time: the seed never plans two active admissions for one
-- patient, and the stream admits only patients without one (a concurrent admission is a skip).
CREATE UNIQUE INDEX internacoes_uma_ativa_idx ON hospital.internacoes (paciente_id) WHERE data_saida IS NULL;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['convenios', 'pacientes', 'medicos', 'pacientes_convenios', 'consultas', 'exames', 'internacoes'] LOOP
        EXECUTE format('CREATE TRIGGER tocar_updated_at BEFORE UPDATE ON hospital.%I
                        FOR EACH ROW EXECUTE FUNCTION hospital.tocar_updated_at()', t);
    END LOOP;
END
$$;

-- The lookup rows: SUS and private plans, with valid CNPJ check digits (checked by a #[pg_test]).
INSERT INTO hospital.convenios (nome, cnpj, tipo, cobertura) VALUES
    ('SUS - Sistema Único de Saúde',     '00394544000185', 'publico',           'nacional'),
    ('Amil Assistência Médica',          '29309127000179', 'medicina de grupo', 'nacional'),
    ('Bradesco Saúde',                   '92693118000160', 'seguradora',        'nacional'),
    ('SulAmérica Saúde',                 '61198164000160', 'seguradora',        'nacional'),
    ('Unimed Central Paulista',          '33719485000127', 'cooperativa',       'regional'),
    ('Hapvida Assistência Médica',       '02812468000106', 'medicina de grupo', 'regional'),
    ('NotreDame Intermédica',            '44649812000138', 'medicina de grupo', 'nacional'),
    ('Cassi - Caixa de Assistência',     '00306597000105', 'autogestao',        'nacional'),
    ('Porto Seguro Saúde',               '87096616000196', 'seguradora',        'estadual'),
    ('Prevent Senior',                   '16513178000176', 'medicina de grupo', 'municipal'),
    ('Golden Cross',                     '07526557000100', 'medicina de grupo', 'regional'),
    ('GEAP Autogestão em Saúde',         '29978814000187', 'autogestao',        'nacional');

-- Which seed made the hospital's data: every alimentador_seed() and alimentador_reset() updates this
-- single row right after locking it and before looking at the hospital. So two seeds
-- racing each other conflict on this row: under REPEATABLE READ or SERIALIZABLE the second fails with
-- "could not serialize access due to concurrent update" instead of loading a second data set it could
-- not see; under READ COMMITTED it sees the first one's rows and stops. Not in schema hospital (so not
-- in the CDC stream) and not dumped (it describes how rows were generated, not the rows).
CREATE TABLE @extschema@.alimentador_semeadura (
    id          int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    semeado_em  timestamptz,
    escala      float8,
    semente     bigint,
    linhas      bigint,
    anexada     boolean
);
COMMENT ON TABLE @extschema@.alimentador_semeadura IS
    'alimentador: when, at which scale and with which random seed the hospital was last seeded';
INSERT INTO @extschema@.alimentador_semeadura DEFAULT VALUES;
GRANT SELECT ON @extschema@.alimentador_semeadura TO PUBLIC;

-- pg_dump of a seeded database keeps the rows (and the sequences' positions). The twelve lookup rows
-- are created by this script, so only convenios added later are dumped.
-- (one call per statement: each call updates the extension's catalog row)
SELECT pg_catalog.pg_extension_config_dump('hospital.convenios', 'WHERE id > 12');
SELECT pg_catalog.pg_extension_config_dump('hospital.pacientes', '');
SELECT pg_catalog.pg_extension_config_dump('hospital.medicos', '');
SELECT pg_catalog.pg_extension_config_dump('hospital.pacientes_convenios', '');
SELECT pg_catalog.pg_extension_config_dump('hospital.consultas', '');
SELECT pg_catalog.pg_extension_config_dump('hospital.exames', '');
SELECT pg_catalog.pg_extension_config_dump('hospital.internacoes', '');
SELECT pg_catalog.pg_extension_config_dump('hospital.convenios_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('hospital.pacientes_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('hospital.medicos_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('hospital.pacientes_convenios_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('hospital.consultas_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('hospital.exames_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('hospital.internacoes_id_seq', '');

SELECT pg_catalog.set_config('search_path', '@extschema@', true);
