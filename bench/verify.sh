#!/usr/bin/env bash
# Benchmark of the Rust verifier (verify/, alimentador-verify), not a timed test: events/s and peak
# RSS over captures of 1x, 4x and 16x the events of one real Debezium capture over the same database
# size, with and without the schema envelope, and the time to verify against the capture's own
# duration.
#   bench/verify.sh [CAPTURE]   CAPTURE: a raw.jsonl of tests/cdc/stream_lib.sh stream_capture (the
#                               schema envelope on); without it, one is made (2 workers at full
#                               speed, PG_MAJOR's cluster, ~1 minute)
# The 4x and 16x captures are SYNTHESISED from the real one (bench/synth_capture.py: the stream
# replayed on the same rows with shifted txIds, LSNs and ledger seqs, each copy starting from a
# truncate-and-reload transaction), so the live rows stay the capture's while the events grow.
# "events/s per core" counts the CPU time of the thread that checks the events (a second thread
# only reads the input), so it holds on a busy machine; wall-clock events/s is printed beside it.
# RSS is also given with --window 200000 (the re-delivery window, default 50,000 events: memory
# grows with the events until the window is full, then stays flat) and with one window of 1,000,000
# events for re-deliveries and lagging partitions alike (--window 1000000, the default before --lag).
# Work files go to BENCH_DIR (default a temporary directory, removed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${BENCH_DIR:-$(mktemp -d /tmp/alimentador-bench-verify.XXXXXX)}"
mkdir -p "$dir"
cleanup() {
  if declare -F cleanup_clusters >/dev/null; then cleanup_clusters; fi
  [ -n "${BENCH_DIR:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
export CARGO_TARGET_DIR="${VERIFY_TARGET_DIR:-$PWD/verify/target}"
cargo build --release -q --manifest-path verify/Cargo.toml
VERIFY="$CARGO_TARGET_DIR/release/alimentador-verify"

if [ -s "$dir/x1.jsonl" ]; then
  :  # BENCH_DIR of an earlier run
elif [ -n "${1:-}" ]; then
  cp "$1" "$dir/x1.jsonl"
else
  # shellcheck source=tests/lib/cluster.sh
  . tests/lib/cluster.sh
  # shellcheck source=tests/cdc/stream_lib.sh
  . tests/cdc/stream_lib.sh
  PY="$(tests/cdc/setup_venv.sh)/bin/python"
  export PY STREAM_RATE=0
  mkdir -p "$dir/capture"; chmod 755 "$dir" "$dir/capture"
  # As the tests call it: in a condition, whose failure is reported (a bare call under set -e ended
  # the script when a step inside it returned non-zero on its way to success).
  if ! stream_capture "$dir/capture" --set value.converter.schemas.enable=true; then
    echo "bench/verify.sh: the capture failed; see $dir/capture/capture.log (BENCH_DIR keeps it)" >&2
    exit 1
  fi
  trap cleanup EXIT  # new_cluster set its own
  q -d "$STREAM_DB" "SELECT pg_drop_replication_slot('alimentador_slot')" >/dev/null
  cleanup_clusters; CLUSTERS=()
  cp "$dir/capture/raw.jsonl" "$dir/x1.jsonl"
fi
seconds=$(python3 - "$dir/x1.jsonl" <<'EOF'
import json, sys
ts = []
for line in open(sys.argv[1], encoding="utf-8"):
    v = json.loads(line)
    p = v["payload"] if isinstance(v, dict) and set(v) == {"schema", "payload"} else v
    if isinstance(p, dict) and p.get("source") and p.get("op") not in (None, "r"):
        ts.append(p["source"]["ts_ms"])
print(f"{(max(ts) - min(ts)) / 1000:.1f}")
EOF
)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "capture: $(wc -l <"$dir/x1.jsonl") values, its stream ran ${seconds}s"
# x: with the schema envelope, s: without (kept in BENCH_DIR between runs)
[ -s "$dir/s1.jsonl" ] || python3 tests/verify/faults.py schemaless "$dir/x1.jsonl" "$dir/s1.jsonl" >/dev/null
for k in 4 16; do
  [ -s "$dir/x$k.jsonl" ] || python3 bench/synth_capture.py "$dir/x1.jsonl" "$dir/x$k.jsonl" "$k"
  [ -s "$dir/s$k.jsonl" ] || python3 bench/synth_capture.py "$dir/s1.jsonl" "$dir/s$k.jsonl" "$k"
done

# run LABEL FILE K [option...]: one verification, one line of figures.
run() {
  local label="$1" file="$2" k="$3"; shift 3
  local out rss
  out=$( { /usr/bin/time -f 'RSS %M' "$VERIFY" "$@" "$file" >"$dir/out"; } 2>&1 ) || { echo "$label: the verifier failed:"; tail -5 "$dir/out"; return 1; }
  rss=$(sed -n 's/^RSS //p' <<<"$out")
  python3 - "$dir/out" "$label" "$k" "$seconds" "$rss" "$(stat -c %s "$file")" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
label, k, secs, rss, size = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
m = re.search(r"events: (\d+) change/ledger/checkpoint events in ([\d.]+) s \((\d+) events/s; ([\d.]+) s CPU of the checking thread: (\d+) events/s per core\)", text)
ev, wall, rate, cpu, core = int(m[1]), float(m[2]), int(m[3]), float(m[4]), int(m[5])
verdict = text.strip().splitlines()[-1]
print(f"{label:<38} {ev:>9} events {size / 1e6:>7.0f} MB  {core:>7} events/s per core ({rate:>6} wall)  "
      f"peak RSS {rss / 1024:>6.1f} MB  verified in {wall:5.1f}s for {secs * k:6.0f}s of stream ({wall / (secs * k) * 100:4.1f}%)  "
      f"[{verdict[:40]}]")
EOF
}
for k in 1 4 16; do run "${k}x, schema envelope" "$dir/x$k.jsonl" "$k"; done
for k in 1 4 16; do run "${k}x, no envelope" "$dir/s$k.jsonl" "$k"; done
for k in 1 4 16; do run "${k}x, no envelope, --window 200000" "$dir/s$k.jsonl" "$k" --window 200000; done
for k in 1 16; do run "${k}x, no envelope, --window 1000000" "$dir/s$k.jsonl" "$k" --window 1000000; done
