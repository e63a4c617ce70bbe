#!/usr/bin/env bash
# The Rust verifier's follow mode on a live stream: the real Debezium connector (tests/cdc/capture.py,
# schema envelope on) captures 2 workers streaming for LIVE_SECONDS (default 300) with a checkpoint
# every LIVE_INTERVAL seconds (default 30) and a connector restart halfway; it writes each record
# value into a named pipe as it serializes it, and `alimentador-verify --follow -` reads that pipe
# while the stream runs. Every checkpoint's verdict must be printed (each line stamped with the time
# it came out) before the stream ends, every checkpoint equal, and the verifier must exit 0 once the
# pipe closes. Prints "verify-live: N passed, N failed" and how long each verdict took after its
# checkpoint.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/cluster.sh
. tests/cdc/stream_lib.sh
export PYTHONDONTWRITEBYTECODE=1
NAME=verify-live
LIVE_SECONDS="${LIVE_SECONDS:-300}"
LIVE_INTERVAL="${LIVE_INTERVAL:-30}"
work="$(mktemp -d /tmp/alimentador-verify-live.XXXXXX)"; chmod 755 "$work"
vpid=""
cleanup() {
  exec 3>&- 2>/dev/null
  [ -z "$vpid" ] || kill "$vpid" 2>/dev/null
  cleanup_clusters; [ -n "${KEEP_CLUSTERS:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
started=$(date +%s)

export CARGO_TARGET_DIR="${VERIFY_TARGET_DIR:-$PWD/verify/target}"
if ! cargo build --release -q --manifest-path verify/Cargo.toml; then
  check "cargo build --release --manifest-path verify/Cargo.toml" false
  summary "$NAME"; exit 1
fi
VERIFY="$CARGO_TARGET_DIR/release/alimentador-verify"
VENV="$(tests/cdc/setup_venv.sh)" || { echo "$NAME: 0 passed, 1 failed (venv)"; exit 1; }
PY="$VENV/bin/python"

new_cluster verify-live "shared_preload_libraries = 'alimentador'" "alimentador.database = '$STREAM_DB'" \
  "alimentador.workers = 2" "alimentador.enabled = off" "alimentador.rate = ${STREAM_RATE:-200}" \
  "alimentador.weights = '$STREAM_WEIGHTS'" "alimentador.heartbeat_interval = 1" \
  "alimentador.marker_interval = 2s" "wal_level = logical" "max_replication_slots = 4" "max_wal_senders = 4" ||
  { check "a cluster with the extension preloaded" false; summary "$NAME"; exit 1; }
trap cleanup EXIT  # new_cluster set its own
q "CREATE DATABASE $STREAM_DB"
q -d $STREAM_DB "BEGIN; CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(0.5, 7); COMMIT" >/dev/null
wait_for 20 "SELECT string_agg(estado, ',') FROM alimentador_status()" paused,paused $STREAM_DB ||
  { check "2 workers, paused" false; summary "$NAME"; exit 1; }

# The pipe: the verifier reads it; this shell holds its write end open (fd 3) so that the connector
# closing it at the restart is not an end of input; closing fd 3 at the end is.
mkfifo "$work/pipe"
# Each line of the verifier's output stamped with the time it came out (bash's EPOCHREALTIME).
stamp() { local l; while IFS= read -r l; do echo "$EPOCHREALTIME $l"; done; }
"$VERIFY" --follow --progress 10 - <"$work/pipe" > >(stamp >"$work/follow") 2>&1 &
vpid=$!
exec 3>"$work/pipe"
live() { connector_start "$PGPORT" $STREAM_DB "$work" "$1" --raw-out "$work/pipe" --set value.converter.schemas.enable=true 3>&-; }
live 1 || { check "the connector streams" false; summary "$NAME"; exit 1; }

q -d $STREAM_DB "SELECT alimentador_resume()" >/dev/null
t0=$EPOCHREALTIME
taken=()   # the time each checkpoint was taken
restarted=0
n=0
while :; do
  next=$(( (n + 1) * LIVE_INTERVAL ))
  [ "$next" -le "$LIVE_SECONDS" ] || break
  while (( $(date +%s) < ${t0%.*} + next )); do
    # Halfway, the connector stops and starts again (offsets kept): its at-least-once tail arrives
    # twice through the same pipe.
    if [ "$restarted" = 0 ] && (( $(date +%s) >= ${t0%.*} + LIVE_SECONDS / 2 )); then
      connector_stop "$work" 1; sleep 2; live 2 || { check "the connector streams again" false; summary "$NAME"; exit 1; }
      restarted=1
    fi
    sleep 0.5
  done
  taken+=("$EPOCHREALTIME")
  q -d $STREAM_DB "SELECT count(*) FROM alimentador_checkpoint()" >/dev/null
  n=$((n + 1))
done
# The stream goes on a little after the last checkpoint (its verdict needs the ledger to move past it).
sleep 10
q -d $STREAM_DB "SELECT alimentador_pause()" >/dev/null
wait_for 20 "SELECT string_agg(estado, ',') FROM alimentador_status()" paused,paused $STREAM_DB
# Everything committed so far is delivered once this message is.
q -d $STREAM_DB "SELECT pg_logical_emit_message(true, 'alimentador_teste', 'fim')" >/dev/null
for i in $(seq 900); do grep -q '"alimentador_teste"' "$work/events.jsonl" 2>/dev/null && break; sleep 0.2; done
ended=$EPOCHREALTIME
check "the connector delivered the whole stream" test "$i" -lt 900
connector_stop "$work" 2
echo "    the stream ran $(( ${ended%.*} - ${t0%.*} ))s: $n checkpoints, $(grep -c '' "$work/events.jsonl") events"
exec 3>&-
wait "$vpid"; vrc=$?; vpid=""
sleep 0.5   # the stamping reader's last lines
cp "$work/follow" "$work/out"

check "the verifier exits 0 at the end of the pipe" eq "$vrc" 0
check "  ... its verdict: identical" grep -q ' verdict: identical' "$work/out"
check "  ... with progress lines while it ran" grep -q ' progress: [0-9]* events, [0-9]* events/s' "$work/out"
check "  ... no finding" test "$(grep -c 'FINDING' "$work/out")" = 0
# on_time: each checkpoint's verdict printed, equal, before the stream ended; prints the delays.
on_time() {
  python3 - "$work/out" "$ended" "${taken[@]}" <<'EOF'
import re, sys
out, ended, taken = sys.argv[1], float(sys.argv[2]), [float(t) for t in sys.argv[3:]]
verdicts = {}
for line in open(out):
    at, _, text = line.rstrip("\n").partition(" ")
    m = re.match(r"checkpoint (\d+) \(.*\): (\d+)/(\d+) tables equal \(decided at event", text)
    if m:
        verdicts[int(m[1])] = (float(at), m[2] == m[3])
ok = True
delays = []
for k, t in enumerate(taken, 1):
    if k not in verdicts:
        print(f"    checkpoint {k}: no verdict while the stream ran"); ok = False; continue
    at, equal = verdicts[k]
    delays.append(at - t)
    if not equal or at >= ended:
        print(f"    checkpoint {k}: equal={equal}, printed {at - ended:+.1f}s after the stream ended"); ok = False
if len(verdicts) != len(taken):
    print(f"    {len(verdicts)} verdicts for {len(taken)} checkpoints"); ok = False
if delays:
    print(f"    verdict after its checkpoint: {min(delays):.1f}s to {max(delays):.1f}s; the last "
          f"{ended - max(v[0] for v in verdicts.values()):.1f}s before the stream ended")
sys.exit(0 if ok else 1)
EOF
}
check "every checkpoint's verdict ($n) printed, equal, before the stream ended" on_time
q -d "$STREAM_DB" "SELECT pg_drop_replication_slot('alimentador_slot')" >/dev/null
echo "    $(( $(date +%s) - started ))s"
summary "$NAME"
