#!/usr/bin/env bash
# tools/alimentador-verify against a real capture: the real Debezium connector (tests/cdc/capture.py,
# schema envelope on) records 2 workers streaming deletes and the edge operations (200 ops/s),
# with checkpoints and a connector restart (tests/cdc/stream_lib.sh). The unmodified capture, with
# and without the schema envelope, must pass (exit 0); then one fault at a time is injected into a
# copy (tests/verify/faults.py) and the verifier must exit 1 with the right finding; bad input
# exits 2 with a message. A sink database copied from the source must agree with the last
# checkpoint, and one row less must show. Prints "verify: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/cluster.sh
. tests/cdc/stream_lib.sh
export PYTHONDONTWRITEBYTECODE=1
VENV="$(tests/cdc/setup_venv.sh)" || { echo "verify: 0 passed, 1 failed (venv)"; exit 1; }
PY="$VENV/bin/python"
VERIFY=tools/alimentador-verify
work="$(mktemp -d /tmp/alimentador-verify.XXXXXX)"; chmod 755 "$work"
cleanup() { cleanup_clusters; [ -n "${KEEP_CLUSTERS:-}" ] || rm -rf "$work"; }

started=$(date +%s)
# A bounded rate keeps the capture small (the full-speed proof is tests/cdc/prove.sh).
export STREAM_RATE=200
if ! stream_capture "$work" --set value.converter.schemas.enable=true; then
  check "a real capture with checkpoints and a restart" false
  summary verify; exit 1
fi
trap cleanup EXIT
echo "    captured $(wc -l <"$work/raw.jsonl") values in $(( $(date +%s) - started ))s"

# verdict EXPECTED_EXIT FILE [option...]: runs the verifier; its output is in $work/out.
verdict() {
  local want="$1"; shift
  local got=0
  # shellcheck disable=SC2086 # VERIFY may be "python tool"
  $VERIFY "$@" >"$work/out" 2>&1 || got=$?
  [ "$got" = "$want" ] || { echo "    exit $got, expected $want:" >&2; tail -15 "$work/out" | cut -c1-300 >&2; return 1; }
}
has() { grep -q -- "$1" "$work/out" || { echo "    no [$1] in:" >&2; tail -15 "$work/out" | cut -c1-300 >&2; return 1; }; }
fault() { python3 tests/verify/faults.py "$1" "$2" "$3" >/dev/null; }

check "the capture has 4 checkpoints" eq "$(grep -c '"prefix":"alimentador.checkpoint"' "$work/raw.jsonl")" 4
check "unmodified capture (schema envelope): exit 0, every checkpoint equal" verdict 0 "$work/raw.jsonl"
check "  ... and every checkpoint compared all 9 tables" eq "$(grep -c '9/9 tables equal' "$work/out")" 4
check "  ... --json says identical" verdict 0 --json "$work/raw.jsonl"
check "  ... --json: exit 0, no findings" eq "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["exit"], len(r["findings"]), len(r["checkpoints"]))' "$work/out")" "0 0 4"
fault schemaless "$work/raw.jsonl" "$work/schemaless.jsonl"
check "schemaless (schemas.enable=false) capture: exit 0" verdict 0 "$work/schemaless.jsonl"
check "  ... every checkpoint equal" eq "$(grep -c '9/9 tables equal' "$work/out")" 4

# Faults: each must be found.
fault drop-event "$work/raw.jsonl" "$work/f.jsonl"
check "FAULT an event dropped: exit 1, counts differ from the ledger" verdict 1 "$work/f.jsonl"
check "  ... the transaction's counts differ" has "FINDING \[counts-differ\]"
check "  ... and the checkpoints after it differ" has "FINDING \[checkpoint-mismatch\]"
fault duplicate-event "$work/raw.jsonl" "$work/f.jsonl"
check "FAULT an event duplicated: exit 1, duplicated events" verdict 1 "$work/f.jsonl"
check "  ... duplicated-events" has "FINDING \[duplicated-events\]"
fault split "$work/raw.jsonl" "$work/f.jsonl"
check "FAULT a transaction split (an event moved past another transaction's): exit 1" verdict 1 "$work/f.jsonl"
check "  ... split" has "FINDING \[split\]"
fault commit-position "$work/raw.jsonl" "$work/f.jsonl"
check "FAULT a transaction's events with different commit positions (source.sequence): exit 1" verdict 1 "$work/f.jsonl"
check "  ... split" has "FINDING \[split\]"
fault reorder "$work/raw.jsonl" "$work/f.jsonl"
check "FAULT two transactions of a worker out of order: exit 1" verdict 1 "$work/f.jsonl"
check "  ... out-of-order" has "FINDING \[out-of-order\]"
fault change-value "$work/raw.jsonl" "$work/f.jsonl"
check "FAULT a value changed: exit 1" verdict 1 "$work/f.jsonl"
check "  ... digest mismatch of medicos at the checkpoints" has "FINDING \[checkpoint-mismatch\] checkpoint 1 .*hospital.medicos"
fault drop-ledger "$work/raw.jsonl" "$work/f.jsonl"
check "FAULT a ledger message dropped: exit 1" verdict 1 "$work/f.jsonl"
check "  ... missing ledger message" has "FINDING \[missing-ledger-message\]"
check "  ... and a gap in the worker's seq" has "FINDING \[seq-gap\]"
fault redeliver "$work/raw.jsonl" "$work/f.jsonl"
check "a whole transaction re-delivered later (at-least-once): exit 0" verdict 0 "$work/f.jsonl"
check "  ... reported as a note" has "note: .* re-delivered"
fault redeliver-tail "$work/raw.jsonl" "$work/f.jsonl"
check "the end of a transaction (its last change and message) re-delivered: exit 0" verdict 0 "$work/f.jsonl"
check "  ... reported as a note" has "note: .* re-delivered"

# Bad input: exit 2 with a message, never a traceback.
fault malformed "$work/raw.jsonl" "$work/f.jsonl"
check "a malformed line: exit 2" verdict 2 "$work/f.jsonl"
check "  ... names the line" has "f.jsonl:[0-9]*: not a JSON value"
fault truncate "$work/raw.jsonl" "$work/f.jsonl"
check "a truncated last line: a warning, exit 0" verdict 0 "$work/f.jsonl"
check "  ... warning" has "warning: .*the last line is not complete JSON"
fault other-db "$work/raw.jsonl" "$work/f.jsonl"
check "messages from another database: exit 2" verdict 2 "$work/f.jsonl"
check "  ... says so" has "events of more than one database"
check "an unknown table in --tables: exit 2" verdict 2 --tables consultas,consulta "$work/raw.jsonl"
check "  ... names it" has "unknown table(s) consulta"
check "a missing file: exit 2" verdict 2 "$work/nothing.jsonl"
grep -v '"op":"m"' "$work/schemaless.jsonl" >"$work/f.jsonl"
check "the message topic left out: exit 2" verdict 2 "$work/f.jsonl"
check "  ... says to dump it" has "dump the connector's <topic.prefix>.message topic"
check "no traceback anywhere" bash -c "! grep -l Traceback $work/out"
fault double "$work/raw.jsonl" "$work/f.jsonl"
check "decimal.handling.mode=double: exit 0 with a warning" verdict 0 "$work/f.jsonl"
check "  ... consultas' digest skipped" has "warning: hospital.consultas: numeric values arrive as double"
fault precise "$work/raw.jsonl" "$work/f.jsonl"
check "decimal.handling.mode=precise with the schema: decoded, exit 0" verdict 0 "$work/f.jsonl"
check "  ... consultas compared" eq "$(grep -c '9/9 tables equal' "$work/out")" 4
fault schemaless "$work/f.jsonl" "$work/f2.jsonl"
check "decimal.handling.mode=precise without the schema: exit 2" verdict 2 "$work/f2.jsonl"
check "  ... says why" has "decimal.handling.mode=precise"

# A PostgreSQL sink: the source's tables copied into database sink (the stream is paused).
tables="convenios pacientes medicos pacientes_convenios consultas exames internacoes sinais_vitais"
q "CREATE DATABASE sink"
# The sink needs the partitions of the readings (the seed's go two days back).
q -d sink "CREATE EXTENSION alimentador; TRUNCATE $(echo "$tables" | sed 's/\([a-z_]*\)/hospital.\1/g; s/ /, /g') CASCADE;
           SELECT count(*) FROM alimentador_particoes_vitais(now() + interval '2 days', now() - interval '3 days')" >/dev/null
for t in $tables; do
  # A query, not the table: COPY refuses the partitioned sinais_vitais by name.
  psql -X -q -h "$PGDIR" -p "$PGPORT" -U postgres -d "$STREAM_DB" -c "COPY (SELECT * FROM hospital.$t) TO STDOUT" |
    psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT" -U postgres -d sink -c "COPY hospital.$t FROM STDIN"
done
dsn="host=$PGDIR port=$PGPORT user=postgres dbname=sink"
# hospital.pulso is left out: heartbeats go on while the stream is paused.
sinktables="${tables// /,}"
check "a sink holding the last checkpoint's rows: exit 0" verdict 0 --sink-dsn "$dsn" --tables "$sinktables" "$work/raw.jsonl"
check "  ... 8/8 tables equal" has "sink vs last checkpoint: 8/8 tables equal"
q -d sink "DELETE FROM hospital.exames WHERE id = (SELECT max(id) FROM hospital.exames)" >/dev/null
check "FAULT a row missing in a sink table: exit 1" verdict 1 --sink-dsn "$dsn" --tables "$sinktables" "$work/raw.jsonl"
check "  ... sink-mismatch of exames" has "FINDING \[sink-mismatch\] sink table exames"
check "a sink that cannot be reached: exit 2" verdict 2 --sink-dsn "host=$PGDIR port=$PGPORT user=postgres dbname=nenhuma" "$work/raw.jsonl"
# A Parquet sink, read with DuckDB (the venv of tests/digest).
duck="$(tests/digest/setup_venv.sh)/bin/python" || { echo "verify: the DuckDB venv could not be made"; exit 1; }
if "$duck" -c "import duckdb"; then
  mkdir -p "$work/pq" "$work/pq2"
  export PGHOST="$PGDIR" PGPORT PGUSER=postgres
  # shellcheck disable=SC2086 # the table names are single words, one argument each
  "$duck" tests/verify/parquet.py "$STREAM_DB" "$work/pq" $tables
  # shellcheck disable=SC2086
  "$duck" tests/verify/parquet.py "$STREAM_DB" "$work/pq2" --drop-last internacoes $tables
  VERIFY="$duck tools/alimentador-verify"
  check "a Parquet sink (DuckDB) holding the last checkpoint's rows: exit 0" verdict 0 --parquet "$work/pq" --tables "$sinktables" "$work/raw.jsonl"
  check "  ... 8/8 tables equal" has "sink vs last checkpoint: 8/8 tables equal"
  check "FAULT a row missing in a Parquet file: exit 1" verdict 1 --parquet "$work/pq2" --tables "$sinktables" "$work/raw.jsonl"
  check "  ... sink-mismatch of internacoes" has "FINDING \[sink-mismatch\] sink table internacoes"
  VERIFY=tools/alimentador-verify
else
  check "the DuckDB venv imports duckdb (the Parquet sink's checks need it)" false
fi
if ! python3 -c "import duckdb" 2>/dev/null; then
  check "--parquet without the duckdb module: exit 2" verdict 2 --parquet "$work" "$work/raw.jsonl"
  check "  ... says so" has "needs the duckdb Python module"
fi
q -d "$STREAM_DB" "SELECT pg_drop_replication_slot('alimentador_slot')" >/dev/null
echo "    $(( $(date +%s) - started ))s"
summary verify
