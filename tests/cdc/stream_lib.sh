# shellcheck shell=bash
# The real Debezium (tests/cdc/capture.py) started and stopped, for every test of tests/cdc
# (connector_start, connector_stop), and a real Debezium capture of a real stream, for
# tools/alimentador-verify (stream_capture). Sourced after tests/lib/cluster.sh, with PY set to the
# venv's python.
#
# stream_capture WORK [capture.py option...]: starts a cluster with 2 workers paused (deletes and the
# edge operations, key changes, vital signs (partitions), no large transaction, unlimited rate or STREAM_RATE operations per second,
# heartbeats each second), seeds it, starts
# capture.py (--raw-out WORK/raw.jsonl: the values as Debezium serialized them), resumes the stream,
# takes checkpoints with alimentador_checkpoint() while it runs, stops the connector and starts it
# again (offsets kept) while the stream goes on, pauses, takes a last checkpoint, waits until the
# connector delivered everything, and stops it. Leaves the cluster running (PGDIR/PGPORT, database
# hospital) for further checks; tests/lib/cluster.sh removes it at exit.
STREAM_DB=hospital
STREAM_WEIGHTS='cdc-edge,delete_consulta=3,delete_paciente_convenio=2,delete_exame=2,insert_paciente_convenio=2,update_paciente_id=1,insert_sinal_vital=10'

stream_capture() {
  local work="$1"; shift
  local extra=("$@")
  new_cluster verify-stream "shared_preload_libraries = 'alimentador'" "alimentador.database = '$STREAM_DB'" \
    "alimentador.workers = 2" "alimentador.enabled = off" "alimentador.rate = ${STREAM_RATE:-0}" \
    "alimentador.weights = '$STREAM_WEIGHTS'" "alimentador.heartbeat_interval = 1" \
    "alimentador.marker_interval = 2s" "wal_level = logical" "max_replication_slots = 4" "max_wal_senders = 4"
  q "CREATE DATABASE $STREAM_DB"
  q -d $STREAM_DB "BEGIN; CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(0.5, 7); COMMIT" >/dev/null
  wait_for 20 "SELECT string_agg(estado, ',') FROM alimentador_status()" paused,paused $STREAM_DB || return 1
  stream_capture_start "$work" 1 "${extra[@]}" || return 1
  q -d $STREAM_DB "SELECT alimentador_resume()" >/dev/null
  wait_for 20 "SELECT sum(transacoes) > 500 FROM alimentador_status()" t $STREAM_DB || return 1
  q -d $STREAM_DB "SELECT count(*) FROM alimentador_checkpoint()" >/dev/null
  sleep 2
  stream_capture_stop "$work" 1
  sleep 2 # the stream goes on while the connector is down
  stream_capture_start "$work" 2 "${extra[@]}" || return 1
  q -d $STREAM_DB "SELECT count(*) FROM alimentador_checkpoint()" >/dev/null
  sleep 2
  q -d $STREAM_DB "SELECT count(*) FROM alimentador_checkpoint()" >/dev/null
  sleep 1
  q -d $STREAM_DB "SELECT alimentador_pause()" >/dev/null
  wait_for 20 "SELECT string_agg(estado, ',') FROM alimentador_status()" paused,paused $STREAM_DB || return 1
  q -d $STREAM_DB "SELECT count(*) FROM alimentador_checkpoint()" >/dev/null
  # Everything committed so far is delivered once this message is.
  q -d $STREAM_DB "SELECT pg_logical_emit_message(true, 'alimentador_teste', 'fim')" >/dev/null
  local i
  for i in $(seq 900); do grep -q '"alimentador_teste"' "$work/events.jsonl" 2>/dev/null && break; sleep 0.2; done
  [ "$i" -lt 900 ] || { echo "    the connector did not catch up; see $work/capture.log" >&2; return 1; }
  stream_capture_stop "$work" 2
}

# connector_start PORT DB WORK N [capture.py option...]: the real Debezium (capture.py) on database DB
# in the background (CAPTURE_PID) until WORK/stopN exists: events appended to WORK/events.jsonl,
# offsets in WORK/offsets.dat (kept between runs), its log in WORK/capture.log; an option given
# again wins (--out, --offsets). Returns once the connector streams.
connector_start() {
  local port="$1" db="$2" work="$3" n="$4"; shift 4
  "$PY" tests/cdc/capture.py --host 127.0.0.1 --port "$port" --dbname "$db" --user postgres \
    --offsets "$work/offsets.dat" --out "$work/events.jsonl" --stop-file "$work/stop$n" \
    --ready-file "$work/ready$n" --max-seconds 900 "$@" 2>>"$work/capture.log" &
  CAPTURE_PID=$!
  local _
  for _ in $(seq 600); do
    [ -f "$work/ready$n" ] && return 0
    kill -0 "$CAPTURE_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "    capture $n did not become ready; see $work/capture.log" >&2; tail -20 "$work/capture.log" >&2; return 1
}
# connector_stop WORK N: stops run N cleanly (its offsets flushed).
connector_stop() { touch "$1/stop$2"; wait "$CAPTURE_PID"; }

# stream_capture_start WORK N [capture.py option...]: the connector of stream_capture, raw values kept.
stream_capture_start() { local work="$1" n="$2"; shift 2; connector_start "$PGPORT" $STREAM_DB "$work" "$n" --raw-out "$work/raw.jsonl" "$@"; }
stream_capture_stop() { connector_stop "$1" "$2"; }
