#!/usr/bin/env bash
# End-to-end test of CALL alimentador_run(...) on a cluster WITHOUT shared_preload_libraries: one
# COMMIT per stream transaction (pg_stat_database.xact_commit, and each transaction read back through
# logical decoding carries its own ledger message, worker = -execucao, seq 1, 2, 3…), the rate, a
# pg_cancel_backend mid-run that keeps every committed transaction (the run's committed counters
# equal the rows added and the ledger), the run's state in alimentador_runs(), and bad arguments.
# Prints "run: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/cluster.sh
. tests/lib/cluster.sh

DB=hospital
changes() {
  q -d $DB "SELECT data FROM pg_logical_slot_get_changes('corrida', NULL, NULL, 'include-xids', '1', 'skip-empty-xacts', '1')"
}
# ledger_ok WORKER SEQ: the new transactions each carry one message matching their changes, and the
# run's seqs go 1..SEQ.
ledger_ok() {
  local out
  out="$(changes | python3 tests/e2e/ledger_check.py)" || { echo "$out" >&2; return 1; }
  echo "    $out"
  contains "$out" "last $1=$2"
}
commits() { q "SELECT xact_commit FROM pg_stat_database WHERE datname = '$DB'"; }
# at_least SQL MIN: polls (the statistics arrive when the run's session flushes them).
at_least() {
  local got=""
  for _ in $(seq 1 50); do
    got="$(q -d $DB "$1")"
    [ "$got" -ge "$2" ] && return 0
    sleep 0.2
  done
  echo "    [$1] = $got, expected at least $2" >&2
  return 1
}
# counts: rows per table, "tabela=n,…".
counts() { q -d $DB "SELECT string_agg(tabela || '=' || linhas, ',' ORDER BY tabela) FROM alimentador_counts()"; }
# rows_follow_counters BEFORE N: "ok" when each table's row count changed since BEFORE (counts) by
# run N's committed inserts minus deletes, else the tables that did not.
rows_follow_counters() {
  python3 - "$1" "$(counts)" "$(q -d $DB "SELECT linhas FROM alimentador_execucoes WHERE execucao = $2")" <<'EOF'
import json, sys
before = dict(p.split("=") for p in sys.argv[1].split(","))
after = dict(p.split("=") for p in sys.argv[2].split(","))
rows = json.loads(sys.argv[3])
bad = [t for t in before if int(after[t]) - int(before[t]) != rows[t]["insert"] - rows[t]["delete"]]
print(",".join(bad) or "ok")
EOF
}

new_cluster run "wal_level = logical" "max_replication_slots = 4"
q "CREATE DATABASE $DB"
q "CREATE DATABASE vazio"
q -d $DB "CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(0.2, 1)" >/dev/null
q -d vazio "CREATE EXTENSION alimentador" >/dev/null
q -d $DB "SELECT count(*) FROM pg_create_logical_replication_slot('corrida', 'test_decoding')" >/dev/null

echo "== run: no preload"
check "the library is not preloaded" eq "$(q "SHOW shared_preload_libraries")" ""
check "alimentador_status() says to use alimentador_run" contains \
  "$(q_err -d $DB "SELECT * FROM alimentador_status()")" "CALL alimentador_run"

echo "== run: bad arguments"
check "ops 0" contains "$(q_err -d $DB "CALL alimentador_run(ops => 0)")" "ops must be at least 1"
check "negative duration" contains "$(q_err -d $DB "CALL alimentador_run(duration => '-1 s')")" \
  "duration must be positive"
check "negative rate" contains "$(q_err -d $DB "CALL alimentador_run(ops => 1, rate => -1)")" \
  "invalid rate: a rate is 0 (unlimited) or from 0.001 to 1000000 operations per second, got -1"
check "NaN rate" contains "$(q_err -d $DB "CALL alimentador_run(ops => 1, rate => 'NaN')")" \
  "invalid rate: a rate is 0 (unlimited) or from 0.001 to 1000000 operations per second, got NaN"
check "unknown operation" contains "$(q_err -d $DB "CALL alimentador_run(ops => 1, weights => 'insert_cosulta=3')")" \
  'unknown operation "insert_cosulta"'
check "ops_per_transaction 0" contains \
  "$(q_err -d $DB "CALL alimentador_run(ops => 1, ops_per_transaction => 0)")" "ops_per_transaction must be from 1 to 10000"
check "unknown ledger level" contains "$(q_err -d $DB "CALL alimentador_run(ops => 1, ledger => 'tudo')")" \
  'ledger must be off, counts or keys, got "tudo"'
check "inside a transaction block" contains "$(q_err -d $DB "BEGIN; CALL alimentador_run(ops => 1); COMMIT")" \
  "cannot run inside a transaction block"
check "the SQLSTATE of a bad argument is 22023" contains \
  "$(psql -X -q -h "$PGDIR" -p "$PGPORT" -U postgres -d $DB -v VERBOSITY=verbose -c "CALL alimentador_run(ops => 0)" 2>&1)" \
  "ERROR:  22023"
check "an unseeded hospital" contains "$(q_err -d vazio "CALL alimentador_run(ops => 1)")" \
  "the hospital has not been seeded"
check "the inner function alone" contains "$(q_err -d $DB "SELECT alimentador_run_passo(1)")" \
  "no alimentador_run with this number is in progress"
check "bad arguments recorded no run" eq "$(q -d $DB "SELECT count(*) FROM alimentador_execucoes")" 0
check "…and wrote no ledger" eq "$(changes | grep -c alimentador.tx)" 0

echo "== run: 200 operations at 100/s, 2 per transaction"
before="$(commits)"
rows_before="$(counts)"
out="$(psql -X -q -h "$PGDIR" -p "$PGPORT" -U postgres -d $DB -v ON_ERROR_STOP=1 \
  -c "CALL alimentador_run(ops => 200, rate => 100, ops_per_transaction => 2, semente => 7)" 2>&1)"
check "the CALL ends with a summary" contains "$out" "alimentador_run 1 done: "
check "200 operations were attempted" eq \
  "$(q -d $DB "SELECT feitas + puladas + falhas FROM alimentador_execucoes WHERE execucao = 1")" 200
check "100 stream transactions (ok or failed)" eq \
  "$(q -d $DB "SELECT transacoes + falhas FROM alimentador_execucoes WHERE execucao = 1")" 100
check "alimentador_runs(): done" eq "$(q -d $DB "SELECT estado FROM alimentador_runs() WHERE execucao = 1")" "done"
# 200 operations at 100/s: 2 s of schedule (the first is due at once).
check "the rate is kept (2 s for 200 ops at 100/s)" between \
  "$(q -d $DB "SELECT extract(epoch FROM terminada_em - iniciada_em) FROM alimentador_execucoes WHERE execucao = 1")" 1.8 2.8
transactions="$(q -d $DB "SELECT transacoes FROM alimentador_execucoes WHERE execucao = 1")"
check "a COMMIT per stream transaction (xact_commit grew by at least $transactions)" \
  at_least "SELECT xact_commit - $before FROM pg_stat_database WHERE datname = '$DB'" "$transactions"
seq1="$(q -d $DB "SELECT razao_seq FROM alimentador_execucoes WHERE execucao = 1")"
check "each decoded transaction carries its ledger message (worker -1, seqs 1..$seq1)" ledger_ok -1 "$seq1"
check "the ledger numbered every transaction that changed rows" between "$seq1" $((transactions * 9 / 10)) "$transactions"
check "the rows per table changed as the run's committed counters say" eq "$(rows_follow_counters "$rows_before" 1)" ok

echo "== run: pg_cancel_backend mid-run keeps the committed work"
rows_before="$(counts)"
err="$(mktemp)"
psql -X -q -h "$PGDIR" -p "$PGPORT" -U postgres -d $DB -c "CALL alimentador_run(rate => 50)" 2>"$err" &
psql_pid=$!
check "the run is visible while it runs" wait_for 15 \
  "SELECT estado FROM alimentador_runs() WHERE execucao = 2 AND transacoes >= 40" running $DB
committed="$(q -d $DB "SELECT feitas FROM alimentador_execucoes WHERE execucao = 2")"
q "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'CALL alimentador_run(%'" >/dev/null
wait "$psql_pid"
check "the CALL ends with the usual cancel ERROR" contains "$(cat "$err")" "canceling statement due to user request"
rm -f "$err"
check "the work committed before the cancel is still there" at_least \
  "SELECT feitas FROM alimentador_execucoes WHERE execucao = 2" "$committed"
check "alimentador_runs(): interrupted" eq "$(q -d $DB "SELECT estado FROM alimentador_runs() WHERE execucao = 2")" interrupted
seq2="$(q -d $DB "SELECT razao_seq FROM alimentador_execucoes WHERE execucao = 2")"
check "the ledger of the committed transactions is whole (worker -2, seqs 1..$seq2)" ledger_ok -2 "$seq2"
check "alimentador_razao has the run's last seq" eq "$(q -d $DB "SELECT seq FROM alimentador_razao WHERE worker = -2")" "$seq2"
check "the rows present are exactly the committed counters' (nothing lost, nothing half-done)" eq "$(rows_follow_counters "$rows_before" 2)" ok

echo "== run: the Prometheus queries without preload"
# examples/prometheus/queries.yaml must not fail on a host without preload (the exporter would report a
# scrape error forever): the worker queries return no rows, the runs' query returns the runs.
queries_ok() {
  local ns sql n bad=0
  while IFS=$'\t' read -r ns sql; do
    n="$(q -d $DB "SELECT count(*) FROM ($sql) x")" || { echo "    $ns failed" >&2; bad=1; continue; }
    case "$ns" in
      alimentador_worker*|alimentador_changes|alimentador_operacao|alimentador_controle) [ "$n" = 0 ] || { echo "    $ns: $n rows" >&2; bad=1; } ;;
      alimentador_run) [ "$n" = 2 ] || { echo "    $ns: $n rows, expected the 2 runs" >&2; bad=1; } ;;
    esac
  done < <(python3 tests/e2e/metrics_check.py queries examples/prometheus/queries.yaml)
  return $bad
}
check "every query runs; worker queries give no rows, the runs' query the runs" queries_ok

echo "== run: every operation fails"
q -d $DB "CREATE FUNCTION public.recusa() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RAISE EXCEPTION 'disco cheio (teste)'; END \$\$;
          DO \$\$ DECLARE t text; BEGIN
            FOREACH t IN ARRAY ARRAY['pacientes', 'consultas', 'exames', 'internacoes', 'pacientes_convenios'] LOOP
              EXECUTE format('CREATE TRIGGER recusa BEFORE INSERT OR UPDATE OR DELETE ON hospital.%I FOR EACH ROW EXECUTE FUNCTION public.recusa()', t);
            END LOOP; END \$\$"
# Only appointments are booked: an operation that can skip (an admission of a patient already in
# hospital) would neither fail nor count, and would restart the back-off.
only_bookings="$(q -d $DB "SELECT string_agg(operacao || '=0', ',') FROM alimentador_operations()"),insert_consulta=1"
out="$(psql -X -q -h "$PGDIR" -p "$PGPORT" -U postgres -d $DB -c "CALL alimentador_run(ops => 8, rate => 0, weights => '$only_bookings')" 2>&1)"
check "the run goes on and ends: 8 failures, nothing done" eq \
  "$(q -d $DB "SELECT feitas || '/' || falhas || '/' || (ultimo_erro LIKE '%disco cheio (teste)%') FROM alimentador_execucoes WHERE execucao = 3")" "0/8/true"
check "the first failure is a WARNING in full" contains "$out" "WARNING:  alimentador_run 3: "
check "…not one WARNING per failure" between "$(grep -c WARNING <<<"$out")" 1 2
check "it backed off between failures (10 ms, doubling: 0.63 s for 8 failures)" between \
  "$(q -d $DB "SELECT extract(epoch FROM terminada_em - iniciada_em) FROM alimentador_execucoes WHERE execucao = 3")" 0.6 5
q -d $DB "DO \$\$ DECLARE t text; BEGIN
            FOREACH t IN ARRAY ARRAY['pacientes', 'consultas', 'exames', 'internacoes', 'pacientes_convenios'] LOOP
              EXECUTE format('DROP TRIGGER recusa ON hospital.%I', t);
            END LOOP; END \$\$"

echo "== run: duration"
q -d $DB "CALL alimentador_run(duration => '1.5 s', rate => 20)" 2>/dev/null
check "stops after its duration" between \
  "$(q -d $DB "SELECT extract(epoch FROM terminada_em - iniciada_em) FROM alimentador_execucoes WHERE execucao = 4")" 1.4 2.2
check "…at the rate (about 30 operations)" between \
  "$(q -d $DB "SELECT feitas + puladas + falhas FROM alimentador_execucoes WHERE execucao = 4")" 28 32

echo "== run: statement_timeout, and a cancelled run cannot be resumed"
out="$(psql -X -q -h "$PGDIR" -p "$PGPORT" -U postgres -d $DB -c "SET statement_timeout = '1500ms'" \
  -c "CALL alimentador_run(rate => 20)" \
  -c "SELECT alimentador_run_passo(max(execucao)) FROM alimentador_execucoes" 2>&1)"
check "statement_timeout ends the CALL" contains "$out" "canceling statement due to statement timeout"
check "the run's committed work stays (about 30 operations)" between \
  "$(q -d $DB "SELECT feitas + puladas + falhas FROM alimentador_execucoes WHERE execucao = 5")" 20 32
check "the cancelled run's state is gone from the session" contains "$out" "no alimentador_run with this number is in progress"

echo "== run: the hospital emptied mid-run"
psql -X -q -h "$PGDIR" -p "$PGPORT" -U postgres -d $DB -c "CALL alimentador_run(duration => '4 s', rate => 0)" 2>/dev/null &
runner=$!
wait_for 10 "SELECT transacoes > 50 FROM alimentador_execucoes WHERE execucao = 6" t $DB
q -d $DB "SELECT count(*) FROM alimentador_reset(reseed => false)" >/dev/null
at_reset="$(q -d $DB "SELECT transacoes FROM alimentador_execucoes WHERE execucao = 6")"
wait "$runner"
check "it waits a second between tries instead of committing empty transactions flat out" between \
  "$(q -d $DB "SELECT transacoes - $at_reset FROM alimentador_execucoes WHERE execucao = 6")" 0 6
check "…and ends at its duration" eq "$(q -d $DB "SELECT estado FROM alimentador_runs() WHERE execucao = 6")" "done"

summary run
