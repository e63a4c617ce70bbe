#!/usr/bin/env bash
# An incremental snapshot while the stream changes the same rows (docs/src/cdc.md): the real
# Debezium starts without an initial snapshot (snapshot.mode=no_data), 2 workers stream updates and
# deletes on hot rows (alimentador.skew = zipfian:1.1) with long transactions among them (one held
# open for 4 s while the other worker commits hundreds), and alimentador_snapshot() asks the
# connector, through the signaling table, for an incremental snapshot of the tables being changed.
# Proves, with
# tests/cdc/verify.py: every streamed change arrived (counts per table = the workers' counts), the
# snapshot read every row that exists (no row without an event), and replaying the capture in
# order — snapshot reads included — gives exactly the table's rows: no update lost behind a stale
# read, no deleted row brought back by one.
# Run by tests/cdc/run.sh (it needs the Debezium venv); alone: tests/cdc/snapshot.sh.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/cluster.sh
export PYTHONDONTWRITEBYTECODE=1
DB=hospital
VENV="$(tests/cdc/setup_venv.sh)" || { echo "snapshot: 0 passed, 1 failed (venv)"; exit 1; }
PY="$VENV/bin/python"
work="$(mktemp -d /tmp/alimentador-snapshot.XXXXXX)"; chmod 755 "$work"
TABLES=(consultas exames internacoes pacientes)

echo "== incremental snapshot while streaming"
new_cluster snapshot "shared_preload_libraries = 'alimentador'" "alimentador.database = '$DB'" \
  "alimentador.workers = 2" "alimentador.enabled = off" "alimentador.rate = ${SNAPSHOT_RATE:-400}" \
  "alimentador.weights = 'cdc-edge,delete_consulta=3,delete_exame=2,delete_paciente=1,update_consulta=20,update_exame=15,transacao_longa=1,bloqueio_de_linhas=1'" \
  "alimentador.skew = 'zipfian:1.1'" "alimentador.long_transaction_duration = 4s" "alimentador.heartbeat_interval = 0" "wal_level = logical" "max_replication_slots = 4" "max_wal_senders = 4"
trap 'cleanup_clusters; [ -n "${KEEP_CLUSTERS:-}" ] || rm -rf "$work"' EXIT
q "CREATE DATABASE $DB"
q -d $DB "BEGIN; CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(0.5, 5); COMMIT" >/dev/null

check "alimentador_snapshot: an unknown table is an error with the valid names" contains \
  "$(q_err -d $DB "SELECT alimentador_snapshot(ARRAY['consultas', 'receitas'])")" 'unknown table "receitas" for a snapshot'
check "alimentador_snapshot: an empty list is an error" contains \
  "$(q_err -d $DB "SELECT alimentador_snapshot('{}')")" "tabelas must name at least one table"
check "a rejected call leaves no signal" eq "$(q -d $DB "SELECT count(*) FROM hospital.debezium_sinalizacao")" 0

"$PY" tests/cdc/capture.py --host 127.0.0.1 --port "$PGPORT" --dbname $DB --user postgres \
  --offsets "$work/offsets.dat" --out "$work/events.jsonl" --stop-file "$work/stop" \
  --ready-file "$work/ready" --max-seconds 600 \
  --set snapshot.mode=no_data --set signal.data.collection=hospital.debezium_sinalizacao \
  --set incremental.snapshot.chunk.size=256 2>>"$work/capture.log" &
pid=$!
for _ in $(seq 600); do [ -f "$work/ready" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.2; done
if [ ! -f "$work/ready" ]; then
  echo "    the capture did not become ready; see $work/capture.log" >&2; tail -20 "$work/capture.log" >&2
  summary snapshot; exit 1
fi

q -d $DB "SELECT alimentador_resume()" >/dev/null
check "the stream runs" wait_for 30 "SELECT sum(transacoes) > 300 FROM alimentador_status()" t $DB
list="$(printf "'%s'," "${TABLES[@]}")"
signal="$(q -d $DB "SELECT alimentador_snapshot(ARRAY[${list%,}])")"
check "the signal is a row of hospital.debezium_sinalizacao" eq \
  "$(q -d $DB "SELECT type || ' ' || (data::json->>'type') || ' ' || json_array_length(data::json->'data-collections') FROM hospital.debezium_sinalizacao WHERE id = '$signal'")" \
  "execute-snapshot incremental 4"
# Done when, for a few seconds, no more reads arrive and every table has some.
reads() {
  "$PY" -c 'import json, sys; print(sum(1 for line in open(sys.argv[1]) if json.loads(line).get("op") == "r"))' "$work/events.jsonl"
}
last=-1; same=0
for _ in $(seq 300); do
  n="$(reads)"
  if [ "$n" = "$last" ] && [ "$n" -gt 0 ]; then same=$((same + 1)); else same=0; fi
  last="$n"
  [ "$same" -ge 5 ] && break
  sleep 1
done
check "the snapshot ran while the stream changed the rows ($last reads)" between "$last" 1000 10000000
# The stream goes on after the snapshot, at least until a long transaction committed (one holds at a
# time, 4 s each, and bloqueio_de_linhas draws its turns too).
check "long transactions were committed during the run" wait_for 90 \
  "SELECT sum(coalesce((feitas_por_operacao->>'transacao_longa')::int, 0)) > 0 FROM alimentador_status()" t $DB
q -d $DB "SELECT alimentador_pause()" >/dev/null
check "paused" wait_for 20 "SELECT string_agg(estado, ',') FROM alimentador_status()" paused,paused $DB
q -d $DB "SELECT pg_logical_emit_message(true, 'alimentador_teste', 'fim')" >/dev/null
for _ in $(seq 600); do grep -q '"alimentador_teste"' "$work/events.jsonl" 2>/dev/null && break; sleep 0.2; done
touch "$work/stop"; wait $pid

# A transaction that began long before others and committed after them: in commit order, how many
# transactions with a later transaction id (begun later) committed before it.
spanned=$("$PY" -c '
import json, sys
order = []
for line in open(sys.argv[1]):
    tx = json.loads(line).get("source", {}).get("txId")
    if tx is not None and (not order or order[-1] != tx):
        order.append(tx)
seen, best = [], 0
import bisect
for tx in order:
    best = max(best, len(seen) - bisect.bisect_right(seen, tx))
    bisect.insort(seen, tx)
print(best)' "$work/events.jsonl")
check "a long transaction spans many others: $spanned transactions begun after it committed before it" \
  between "$spanned" 50 100000000

# The tables not snapshotted had no initial snapshot either (their untouched rows have no event):
# the snapshot's tables are compared, with the messages (markers, ledger) of the whole stream.
"$PY" - "$work/events.jsonl" "$work/events.snapshot.jsonl" "${TABLES[@]}" <<'PY'
import json, sys
src, dst, tables = sys.argv[1], sys.argv[2], {f"hospital.{t}" for t in sys.argv[3:]}
with open(src) as f, open(dst, "w") as out:
    for line in f:
        ev = json.loads(line)
        if ev.get("table") in tables or "table" not in ev:
            out.write(line)
PY
in_list="$(printf "'%s'," "${TABLES[@]}")"
q -d $DB "SELECT json_object_agg('hospital.' || tabela, json_build_object('c', i, 'u', u, 'd', d))::jsonb
          || jsonb_build_object('messages', jsonb_build_object(
               'alimentador', (SELECT sum(marcadores) FROM alimentador_status()),
               'alimentador.tx', (SELECT coalesce(sum(seq), 0) FROM alimentador_razao),
               'alimentador_teste', 1))
        FROM (SELECT tabela, coalesce(sum(linhas) FILTER (WHERE operacao = 'insert'), 0) AS i,
                     coalesce(sum(linhas) FILTER (WHERE operacao = 'update'), 0) AS u,
                     coalesce(sum(linhas) FILTER (WHERE operacao = 'delete'), 0) AS d
              FROM alimentador_changes() WHERE tabela IN (${in_list%,}) GROUP BY tabela) t" > "$work/expected.json"
echo "    expected: $(cat "$work/expected.json")"
q -d $DB "CREATE PUBLICATION snapshot_tables FOR TABLE $(printf 'hospital.%s,' "${TABLES[@]}" | sed 's/,$//')"
check "every change arrived once (counts = the workers'), the snapshot read every row, replay = the rows (no lost update, no resurrected row)" \
  "$PY" tests/cdc/verify.py --host 127.0.0.1 --port "$PGPORT" --dbname $DB --events "$work/events.snapshot.jsonl" \
  --expected "$work/expected.json" --publication snapshot_tables --replica-identity full
summary snapshot
