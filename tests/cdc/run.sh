#!/usr/bin/env bash
# Debezium end-to-end: a real Debezium PostgreSQL connector (embedded engine, pgoutput, the
# project's publication and examples/debezium/application.properties) captures the stream of a real
# worker, is restarted mid-run (offsets kept), and every event is checked against the worker's
# counters and the database — for REPLICA IDENTITY FULL, then DEFAULT. Also runs the harness's own
# self-test first, and ends with the scenario scripts listed in tests/cdc/scenarios (the verifier's
# proof on a full-speed stream, schema changes, key changes and partitions, the relay, several databases, an
# incremental snapshot, a session's CALL alimentador_run, …). Prints "cdc: N passed, N failed".
#   CDC_MODES="full default"   the replica identity modes to run
#   CDC_SELFTEST=0             skip the harness's self-test
#   CDC_SCENARIOS=0            skip the scenario scripts (scripts/test.sh runs them as jobs of their own)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/cluster.sh
# shellcheck source=tests/cdc/stream_lib.sh
. tests/cdc/stream_lib.sh
export PYTHONDONTWRITEBYTECODE=1
DB=hospital
VENV="$(tests/cdc/setup_venv.sh)" || { echo "cdc: 0 passed, 1 failed (venv)"; exit 1; }
PY="$VENV/bin/python"

# The self-test on the server of this run (PG_CONFIG), not the newest one under /usr/lib/postgresql.
# It tests the harness (capture.py, verify.py) on a toy schema: scripts/test.sh runs it on the first
# major only (CDC_SELFTEST=0 on the others).
if [ "${CDC_SELFTEST:-1}" = 0 ]; then
  echo "  skip the harness's self-test: CDC_SELFTEST=0 (scripts/test.sh runs it on the first major only)"
else
  selftest_log="$(mktemp /tmp/alimentador-cdc-selftest.XXXXXX)"
  check "the harness's self-test passes (capture, restart, verify catches mismatches; log: $selftest_log)" \
    env PGBIN="$PG_BIN" tests/cdc/selftest.sh >"$selftest_log" 2>&1
fi
check "the connector JSON and the properties file agree" python3 tests/cdc/dbzconfig.py --check

workers_are() { wait_for 20 "SELECT string_agg(estado, ',') FROM alimentador_status()" "$1" $DB; }
did() { q -d $DB "SELECT coalesce(sum((feitas_por_operacao->>'$1')::bigint), 0) FROM alimentador_status()"; }
reload() { q "ALTER SYSTEM SET $1" >/dev/null; q "SELECT pg_reload_conf()" >/dev/null; sleep 1; }

# capture_start N: runs capture.py in the background until $work/stopN exists; waits until live.
capture_start() { connector_start "$PGPORT" $DB "$work" "$1"; }
capture_stop() { connector_stop "$work" "$1"; }

# The worker's committed counters as verify.py's expected counts (c/u/d per table, messages).
expected_json() {
  q -d $DB "SELECT json_object_agg('hospital.' || tabela, json_build_object('c', i, 'u', u, 'd', d))::jsonb
              || jsonb_build_object('messages', jsonb_build_object('alimentador', (SELECT sum(marcadores) FROM alimentador_status()),
                                                                   'alimentador.tx', (SELECT coalesce(sum(seq), 0) FROM alimentador_razao),
                                                                   'alimentador_teste', 1))
            FROM (SELECT tabela, coalesce(sum(linhas) FILTER (WHERE operacao = 'insert'), 0) AS i,
                         coalesce(sum(linhas) FILTER (WHERE operacao = 'update'), 0) AS u,
                         coalesce(sum(linhas) FILTER (WHERE operacao = 'delete'), 0) AS d
                  FROM alimentador_changes() GROUP BY tabela) t"
}

run_mode() {
  local mode="$1"
  echo "== cdc: REPLICA IDENTITY $mode"
  work="$(mktemp -d /tmp/alimentador-cdc.XXXXXX)"; chmod 755 "$work"
  new_cluster "cdc-$mode" "shared_preload_libraries = 'alimentador'" "alimentador.database = '$DB'" \
    "alimentador.enabled = off" "alimentador.rate = 60" "alimentador.weights = 'cdc-edge'" \
    "alimentador.heartbeat_interval = 0" "alimentador.marker_interval = 3s" \
    "wal_level = logical" "max_replication_slots = 4" "max_wal_senders = 4" "logical_decoding_work_mem = '64kB'"
  q "CREATE DATABASE $DB"
  q -d $DB "BEGIN; CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(2, 1); COMMIT" >/dev/null
  q -d $DB "SELECT count(*) FROM alimentador_replica_identity('$mode')" >/dev/null
  check "$mode: workers wait, paused, while the connector takes its snapshot" workers_are paused
  capture_start 1 || return
  q -d $DB "SELECT alimentador_resume()" >/dev/null
  reload "alimentador.heartbeat_interval = 1"
  sleep 6
  capture_stop 1
  sleep 3 # the stream goes on while the connector is down
  capture_start 2 || return
  # One large transaction, above logical_decoding_work_mem (it spills to disk in the decoder).
  q -d $DB "SELECT alimentador_set_weights('$(q -d $DB "SELECT string_agg(operacao || '=0', ',') FROM alimentador_operations()"),transacao_grande=1')" >/dev/null
  wait_for 30 "SELECT $(did transacao_grande) < (SELECT coalesce(sum((feitas_por_operacao->>'transacao_grande')::bigint), 0) FROM alimentador_status())" t $DB
  q -d $DB "SELECT alimentador_set_weights(NULL)" >/dev/null
  sleep 4
  q -d $DB "SELECT alimentador_pause()" >/dev/null
  workers_are paused
  sleep 3 # heartbeats while paused
  reload "alimentador.heartbeat_interval = 0"
  q -d $DB "SELECT pg_logical_emit_message(true, 'alimentador_teste', 'fim')" >/dev/null
  for _ in $(seq 300); do grep -q '"alimentador_teste"' "$work/events.jsonl" 2>/dev/null && break; sleep 0.2; done
  capture_stop 2
  expected_json > "$work/expected.json"
  echo "    expected: $(cat "$work/expected.json")"
  local extra=()
  [ "$mode" = default ] && extra=(--expect-placeholder hospital.exames.laudo)
  check "$mode: every change arrives, as counted by the worker; latest event per key = database row" \
    "$PY" tests/cdc/verify.py --host 127.0.0.1 --port "$PGPORT" --dbname $DB --events "$work/events.jsonl" \
    --expected "$work/expected.json" --replica-identity "$mode" "${extra[@]}"
  check "$mode: the large transaction (8,000+ updates, past logical_decoding_work_mem) arrived whole" \
    between "$("$PY" - "$work/events.jsonl" <<'PY'
import json, sys, collections
tx = collections.Counter(e["source"]["txId"] for e in map(json.loads, open(sys.argv[1])) if e.get("op") == "u" and e.get("table") == "hospital.consultas")
print(max(tx.values(), default=0))
PY
)" 8000 100000
  check "$mode: the markers carry the counts (last marker = the worker's counters)" eq \
    "$(grep '"prefix": "alimentador"' "$work/events.jsonl" | tail -1 | "$PY" -c 'import json,sys; print(json.loads(json.loads(sys.stdin.read())["content"])["feitas"])')" \
    "$(q -d $DB "SELECT sum(feitas) FROM alimentador_status()")"
  check "$mode: heartbeats were captured" between "$(grep -c '"table": "hospital.pulso"' "$work/events.jsonl")" 2 100000
  q -d $DB "SELECT pg_drop_replication_slot('alimentador_slot')" >/dev/null
  [ -n "${KEEP_CLUSTERS:-}" ] || rm -rf "$work"
}

for mode in ${CDC_MODES:-full default}; do run_mode "$mode"; done
# The scenario scripts, each on clusters of its own (tests/cdc/scenarios lists them with what each
# proves). scripts/test.sh runs them as jobs of their own, side by side (CDC_SCENARIOS=0 here).
if [ "${CDC_SCENARIOS:-1}" = 0 ]; then
  echo "  the scenario scripts run on their own: CDC_SCENARIOS=0 (scripts/test.sh runs them side by side)"
else
  while read -r script what; do
    echo "== cdc: $script"
    check "$what" "$script"
  done < <(grep -v '^#' tests/cdc/scenarios)
fi
summary cdc
