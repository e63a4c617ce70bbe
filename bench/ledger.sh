#!/usr/bin/env bash
# Ledger benchmark (not a test): what alimentador.ledger = counts costs against off, for one worker
# at unlimited rate, with synchronous_commit off (the worst case: nothing else hides the cost) and
# on. Runs alternate off/counts ROUNDS times on one cluster and prints the medians of ops/s, the
# WAL bytes per operation and the ratios. Builds the extension in release mode first.
#   BENCH_SECONDS=15   measuring time per run     BENCH_ROUNDS=3   runs per configuration
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${BENCH_SECONDS:-15}"
ROUNDS="${BENCH_ROUNDS:-3}"
[ -n "${SKIP_BUILD:-}" ] || scripts/build-extension.sh release >/dev/null
# shellcheck source=tests/lib/cluster.sh
. tests/lib/cluster.sh
new_cluster bench-ledger "shared_preload_libraries = 'alimentador'" "alimentador.database = 'postgres'" \
  "alimentador.enabled = off" "alimentador.rate = 0" "alimentador.heartbeat_interval = 0" \
  "alimentador.marker_interval = 0" "wal_level = logical" "shared_buffers = '512MB'" "max_wal_size = '4GB'"
q "CREATE EXTENSION alimentador"
q "SELECT count(*) FROM alimentador_seed()" >/dev/null
wait_for 30 "SELECT estado FROM alimentador_status()" paused

set_conf() { q "ALTER SYSTEM SET $1" >/dev/null; q "SELECT pg_reload_conf()" >/dev/null; sleep 1; }
# run: prints "ops/s WAL-bytes-per-op" for one measuring period
run() {
  q "SELECT alimentador_resume()" >/dev/null; sleep 2
  local a b la lb
  a=$(q "SELECT feitas FROM alimentador_status()"); la=$(q "SELECT pg_current_wal_lsn()")
  sleep "$SECS"
  b=$(q "SELECT feitas FROM alimentador_status()"); lb=$(q "SELECT pg_current_wal_lsn()")
  q "SELECT alimentador_pause()" >/dev/null; sleep 1
  echo "$(( (b - a) / SECS )) $(q "SELECT round(pg_wal_lsn_diff('$lb', '$la') / $((b - a)))")"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for sc in off on; do
  set_conf "synchronous_commit = $sc"
  declare -A ops=() wal=()
  for _ in $(seq "$ROUNDS"); do
    for level in off counts; do
      set_conf "alimentador.ledger = $level"
      read -r o w < <(run)
      ops[$level]+="$o "; wal[$level]+="$w "
    done
  done
  o_off=$(tr ' ' '\n' <<<"${ops[off]}" | grep . | median); o_on=$(tr ' ' '\n' <<<"${ops[counts]}" | grep . | median)
  w_off=$(tr ' ' '\n' <<<"${wal[off]}" | grep . | median); w_on=$(tr ' ' '\n' <<<"${wal[counts]}" | grep . | median)
  echo "synchronous_commit=$sc: ledger off ${o_off} ops/s, ${w_off} WAL bytes/op (runs: ${ops[off]})"
  echo "synchronous_commit=$sc: ledger counts ${o_on} ops/s, ${w_on} WAL bytes/op (runs: ${ops[counts]})"
  awk -v a="$o_on" -v b="$o_off" -v c="$w_on" -v d="$w_off" \
    'BEGIN { printf "synchronous_commit=%s: counts/off throughput %.3fx (cost %.1f%%), WAL %.2fx\n", "'"$sc"'", a / b, (1 - a / b) * 100, c / d }'
done
