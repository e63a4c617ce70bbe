#!/usr/bin/env bash
# Several hospitals in one server (docs/src/stream.md): alimentador.database lists two
# databases, each gets its own worker, status rows, rate, ledger and counts, and two real Debezium
# connectors (one per database, distinct slots) each receive exactly their own database's changes
# and ledger messages. Also: a bad list is rejected when set, and a missing database only holds back
# its own workers.
# Run by tests/cdc/run.sh (it needs the Debezium venv); alone: tests/cdc/databases.sh.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/cluster.sh
export PYTHONDONTWRITEBYTECODE=1
VENV="$(tests/cdc/setup_venv.sh)" || { echo "databases: 0 passed, 1 failed (venv)"; exit 1; }
PY="$VENV/bin/python"
work="$(mktemp -d /tmp/alimentador-databases.XXXXXX)"; chmod 755 "$work"
RATE=80

echo "== several databases: 'hospital_a, hospital_b', one worker each at $RATE operations/s"
new_cluster databases "shared_preload_libraries = 'alimentador'" "alimentador.database = 'hospital_a, hospital_b'" \
  "alimentador.workers = 1" "alimentador.enabled = off" "alimentador.rate = $RATE" \
  "alimentador.weights = 'cdc-edge'" "alimentador.heartbeat_interval = 0" "alimentador.marker_interval = 2s" \
  "wal_level = logical" "max_replication_slots = 6" "max_wal_senders = 6"
trap 'cleanup_clusters; [ -n "${KEEP_CLUSTERS:-}" ] || rm -rf "$work"' EXIT
# An observer: alimentador_status() shows every database's workers from any database with the
# extension (here postgres, which has no workers of its own).
q "CREATE EXTENSION alimentador"

check "a list with an empty name is rejected when set, with the valid forms" contains \
  "$(q_err "ALTER SYSTEM SET alimentador.database = 'hospital_a,,hospital_b'")" "the list has an empty name"
check "a database listed twice is rejected" contains \
  "$(q_err "ALTER SYSTEM SET alimentador.database = 'hospital_a, hospital_b, hospital_a'")" 'database "hospital_a" is listed twice'
check "the hint shows the valid forms" contains \
  "$(psql -X -q -h "$PGDIR" -p "$PGPORT" -U postgres -c "ALTER SYSTEM SET alimentador.database = ''" 2>&1)" \
  "HINT:  Name one database, or several separated by commas"
check "one status row per worker, with its database" eq \
  "$(q "SELECT string_agg(worker || ':' || banco, ',' ORDER BY worker) FROM alimentador_status()")" "0:hospital_a,1:hospital_b"
check "both wait for their database" wait_for 20 \
  "SELECT string_agg(estado, ',' ORDER BY worker) FROM alimentador_status()" "waiting for database,waiting for database"
q "CREATE DATABASE hospital_a"
check "hospital_a's worker goes on (waiting for the extension), hospital_b's still waits for its database" wait_for 30 \
  "SELECT string_agg(estado, ',' ORDER BY worker) FROM alimentador_status()" "waiting for extension,waiting for database"
q "CREATE DATABASE hospital_b"
q -d hospital_a "BEGIN; CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(0.3, 1); COMMIT" >/dev/null
q -d hospital_b "BEGIN; CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(0.5, 2); COMMIT" >/dev/null
check "both workers connected to their database and paused" wait_for 30 \
  "SELECT string_agg(estado, ',' ORDER BY worker) FROM alimentador_status()" "paused,paused"
check "each worker's session is in its own database" eq \
  "$(q "SELECT string_agg(datname, ',' ORDER BY application_name) FROM pg_stat_activity WHERE backend_type = 'alimentador'")" \
  "hospital_a,hospital_b"

capture_start() {
  local db="$1"
  "$PY" tests/cdc/capture.py --host 127.0.0.1 --port "$PGPORT" --dbname "$db" --user postgres \
    --offsets "$work/$db.offsets" --out "$work/$db.jsonl" --stop-file "$work/$db.stop" \
    --ready-file "$work/$db.ready" --max-seconds 600 --set "slot.name=slot_$db" \
    --set "topic.prefix=$db" 2>>"$work/$db.log" &
  echo $! > "$work/$db.pid"
}
capture_ready() {
  local db="$1"
  for _ in $(seq 600); do
    [ -f "$work/$db.ready" ] && return 0
    kill -0 "$(cat "$work/$db.pid")" 2>/dev/null || break
    sleep 0.2
  done
  echo "    capture of $db did not become ready; see $work/$db.log" >&2; tail -20 "$work/$db.log" >&2; return 1
}
capture_start hospital_a; capture_start hospital_b
if ! capture_ready hospital_a || ! capture_ready hospital_b; then summary databases; exit 1; fi

q -d hospital_a "SELECT alimentador_resume()" >/dev/null
check "both stream" wait_for 30 "SELECT bool_and(estado = 'running' AND transacoes > 50) FROM alimentador_status()" t
# The rate is per database: over 10 s each database's worker commits about RATE operations a second.
before="$(q "SELECT string_agg((feitas + puladas)::text, ' ' ORDER BY worker) FROM alimentador_status()")"
sleep 10
after="$(q "SELECT string_agg((feitas + puladas)::text, ' ' ORDER BY worker) FROM alimentador_status()")"
read -r a0 b0 <<<"$before"; read -r a1 b1 <<<"$after"
check "hospital_a streams at its own rate ($(( (a1 - a0) / 10 ))/s of $RATE)" between $(( (a1 - a0) / 10 )) $((RATE * 85 / 100)) $((RATE * 115 / 100))
check "hospital_b streams at its own rate ($(( (b1 - b0) / 10 ))/s of $RATE)" between $(( (b1 - b0) / 10 )) $((RATE * 85 / 100)) $((RATE * 115 / 100))
q -d hospital_b "SELECT alimentador_pause()" >/dev/null
check "pause applies to every database" wait_for 20 "SELECT string_agg(estado, ',' ORDER BY worker) FROM alimentador_status()" "paused,paused"

for db in hospital_a hospital_b; do
  q -d $db "SELECT pg_logical_emit_message(true, 'alimentador_teste', 'fim')" >/dev/null
  for _ in $(seq 600); do grep -q '"alimentador_teste"' "$work/$db.jsonl" 2>/dev/null && break; sleep 0.2; done
  touch "$work/$db.stop"
done
wait
for db in hospital_a hospital_b; do
  q -d $db "SELECT json_object_agg('hospital.' || tabela, json_build_object('c', i, 'u', u, 'd', d))::jsonb
              || jsonb_build_object('messages', jsonb_build_object(
                   'alimentador', (SELECT sum(marcadores) FROM alimentador_status() WHERE banco = current_database()),
                   'alimentador.tx', (SELECT coalesce(sum(seq), 0) FROM alimentador_razao),
                   'alimentador_teste', 1))
            FROM (SELECT tabela, coalesce(sum(linhas) FILTER (WHERE operacao = 'insert'), 0) AS i,
                         coalesce(sum(linhas) FILTER (WHERE operacao = 'update'), 0) AS u,
                         coalesce(sum(linhas) FILTER (WHERE operacao = 'delete'), 0) AS d
                  FROM alimentador_changes() GROUP BY tabela) t" > "$work/$db.expected"
  echo "    $db: $(cat "$work/$db.expected")"
  check "$db: its connector got exactly its changes, markers and ledger messages; replay = its rows" \
    "$PY" tests/cdc/verify.py --host 127.0.0.1 --port "$PGPORT" --dbname $db --events "$work/$db.jsonl" \
    --expected "$work/$db.expected" --replica-identity full
done
check "alimentador_changes() differs per database (each counts its own workers)" test \
  "$(q -d hospital_a "SELECT sum(linhas) FROM alimentador_changes()")" != "$(q -d hospital_b "SELECT sum(linhas) FROM alimentador_changes()")"
check "the ledgers are numbered per database: hospital_a has worker 0's, hospital_b worker 1's" eq \
  "$(q -d hospital_a "SELECT string_agg(worker::text, ',') FROM alimentador_razao")|$(q -d hospital_b "SELECT string_agg(worker::text, ',') FROM alimentador_razao")" "0|1"
summary databases
