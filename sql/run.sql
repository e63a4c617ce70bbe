-- Streaming without shared_preload_libraries: CALL alimentador_run(...) runs the stream from the
-- caller's session with one COMMIT per stream transaction (what a worker commits), so a host that can
-- create the extension but not preload it (managed PostgreSQL) gets the same transaction shapes and
-- ledger. The procedure is PL/pgSQL because only a procedure may COMMIT; each turn of its loop is
-- one call of the Rust function alimentador_run_passo(), which paces (sleeping on the latch, so a
-- cancel interrupts it at once), runs one transaction's operations, emits its ledger message and
-- updates the run's row in alimentador_execucoes, all in the transaction the procedure then commits.

-- Every statement below runs under a pinned search_path. The path is restored at the end of the file
-- for pgrx's own statements.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- One row per alimentador_run: without preload there is no shared memory for counters, so a run keeps
-- them here, updated inside each stream transaction (committed work only, exact). Outside schema
-- hospital: not in the publication, no CDC events.
CREATE TABLE @extschema@.alimentador_execucoes (
    execucao              int         GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pid                   int         NOT NULL,
    estado                text        NOT NULL DEFAULT 'running' CHECK (estado IN ('running', 'done')),
    iniciada_em           timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    atualizada_em         timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    terminada_em          timestamptz,
    ops_alvo              bigint,
    duracao_alvo          interval,
    taxa_alvo             double precision NOT NULL,
    pesos                 text        NOT NULL,
    ops_por_transacao     int         NOT NULL,
    razao                 text        NOT NULL,
    feitas                bigint      NOT NULL DEFAULT 0,
    puladas               bigint      NOT NULL DEFAULT 0,
    falhas                bigint      NOT NULL DEFAULT 0,
    transacoes            bigint      NOT NULL DEFAULT 0,
    razao_seq             bigint      NOT NULL DEFAULT 0,
    ultimo_erro           text,
    feitas_por_operacao   jsonb       NOT NULL DEFAULT '{}',
    puladas_por_operacao  jsonb       NOT NULL DEFAULT '{}',
    linhas                jsonb       NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE @extschema@.alimentador_execucoes IS
    'alimentador_run sessions: committed counters of each run (its ledger worker is -execucao)';
GRANT SELECT ON @extschema@.alimentador_execucoes TO PUBLIC;

-- Runs the stream in this session until ops operations ran, duration passed, or it is cancelled
-- (Ctrl-C, pg_cancel_backend): a cancel ends the CALL with the usual ERROR and rolls back only the
-- transaction in progress; every earlier stream transaction is committed. No SET clause: a procedure
-- with one cannot COMMIT; the body only calls schema-qualified functions (which pin their own path).
CREATE PROCEDURE @extschema@.alimentador_run(
    ops bigint DEFAULT NULL,
    duration interval DEFAULT NULL,
    rate double precision DEFAULT NULL,
    weights text DEFAULT NULL,
    ops_per_transaction int DEFAULT NULL,
    ledger text DEFAULT NULL,
    semente bigint DEFAULT NULL)
LANGUAGE plpgsql
AS $$
DECLARE
    execucao int;
BEGIN
    execucao := @extschema@.alimentador_run_inicio(ops, duration, rate, weights, ops_per_transaction, ledger, semente);
    COMMIT;
    WHILE @extschema@.alimentador_run_passo(execucao) LOOP
        COMMIT;
    END LOOP;
    COMMIT;
END
$$;
COMMENT ON PROCEDURE @extschema@.alimentador_run(bigint, interval, double precision, text, int, text, bigint) IS
    'Streams from this session, one COMMIT per stream transaction, paced; stops at ops, duration or a cancel (committed work stays)';

-- The runs with their state: running (its session is still in the CALL), done, or interrupted (a
-- cancel, an error or the session's end stopped it; what it committed stays and is counted). A viewer
-- without the rights to see the run's session in pg_stat_activity sees it as running until it is done.
CREATE FUNCTION @extschema@.alimentador_runs()
RETURNS TABLE (execucao int, pid int, estado text, iniciada_em timestamptz, atualizada_em timestamptz,
               ops_por_segundo double precision, feitas bigint, puladas bigint, falhas bigint,
               transacoes bigint, razao_seq bigint, ultimo_erro text, feitas_por_operacao jsonb,
               puladas_por_operacao jsonb, linhas jsonb)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT e.execucao, e.pid,
           CASE
               WHEN e.estado = 'done' THEN 'done'
               WHEN EXISTS (SELECT FROM pg_catalog.pg_stat_activity a
                            WHERE a.pid = e.pid AND a.backend_start <= e.iniciada_em
                              AND coalesce(a.state, 'active') = 'active')
                    AND NOT EXISTS (SELECT FROM @extschema@.alimentador_execucoes d
                                    WHERE d.pid = e.pid AND d.execucao > e.execucao)
                   THEN 'running'
               ELSE 'interrupted'
           END,
           e.iniciada_em, e.atualizada_em,
           CASE WHEN e.atualizada_em > e.iniciada_em
                THEN e.feitas / extract(epoch FROM e.atualizada_em - e.iniciada_em)::double precision
                ELSE 0 END,
           e.feitas, e.puladas, e.falhas, e.transacoes, e.razao_seq, e.ultimo_erro,
           e.feitas_por_operacao, e.puladas_por_operacao, e.linhas
    FROM @extschema@.alimentador_execucoes e
    ORDER BY e.execucao
$$;
COMMENT ON FUNCTION @extschema@.alimentador_runs() IS
    'The alimentador_run sessions of this database: state, committed counters, achieved rate';

SELECT pg_catalog.set_config('search_path', '@extschema@', true);
