#!/usr/bin/env bash
# Ledger benchmark (not a test): what alimentador.ledger = counts and keys cost against off, for one
# worker at unlimited rate, with synchronous_commit off (the worst case: nothing else hides the
# cost) and on. Runs alternate the levels ROUNDS times on one cluster, each from a fresh seed, and
# prints the medians of ops/s, of operations per CPU-second of the worker (robust when other work
# shares the machine) and of WAL bytes per operation, and the ratios to off. Builds the extension
# in release mode first.
#   BENCH_SECONDS, BENCH_ROUNDS, SKIP_BUILD: see bench/lib.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_cluster bench-ledger

set_conf() { q "ALTER SYSTEM SET $1" >/dev/null; q "SELECT pg_reload_conf()" >/dev/null; sleep 1; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# run: prints "ops/s ops-per-CPU-second WAL-bytes-per-op" for one measuring period, from a fresh seed
run() {
  q "SELECT count(*) FROM alimentador_reset(semente => 1)" >/dev/null
  q "SELECT alimentador_resume()" >/dev/null; sleep 2
  local a b la lb ca cb pid hz
  pid=$(q "SELECT pid FROM alimentador_status()"); hz=$(getconf CLK_TCK)
  a=$(q "SELECT feitas FROM alimentador_status()"); la=$(q "SELECT pg_current_wal_lsn()"); ca=$(cpu_ticks "$pid")
  sleep "$SECS"
  b=$(q "SELECT feitas FROM alimentador_status()"); lb=$(q "SELECT pg_current_wal_lsn()"); cb=$(cpu_ticks "$pid")
  q "SELECT alimentador_pause()" >/dev/null; sleep 1
  echo "$(( (b - a) / SECS )) $(( (b - a) * hz / (cb - ca) )) $(q "SELECT round(pg_wal_lsn_diff('$lb', '$la') / $((b - a)))")"
}

levels=(off counts keys)
for sc in off on; do
  set_conf "synchronous_commit = $sc"
  declare -A ops=() cpu=() wal=()
  for _ in $(seq "$ROUNDS"); do
    for level in "${levels[@]}"; do
      set_conf "alimentador.ledger = $level"
      read -r o c w < <(run)
      ops[$level]+="$o "; cpu[$level]+="$c "; wal[$level]+="$w "
    done
  done
  declare -A m=()
  for level in "${levels[@]}"; do
    for k in ops cpu wal; do
      declare -n values="$k"
      m[$k-$level]=$(tr ' ' '\n' <<<"${values[$level]}" | grep . | median 1)
      unset -n values
    done
    echo "synchronous_commit=$sc ledger=$level: ${m[ops-$level]} ops/s, ${m[cpu-$level]} ops per worker CPU-second, ${m[wal-$level]} WAL bytes/op (ops/s runs: ${ops[$level]})"
  done
  for level in counts keys; do
    awk -v o="${m[ops-$level]}" -v o0="${m[ops-off]}" -v c="${m[cpu-$level]}" -v c0="${m[cpu-off]}" -v w="${m[wal-$level]}" -v w0="${m[wal-off]}" \
      -v l="$level" -v sc="$sc" 'BEGIN { printf "synchronous_commit=%s %s/off: throughput %.3fx, CPU cost per operation %+.1f%%, WAL %.2fx\n", sc, l, o / o0, (c0 / c - 1) * 100, w / w0 }'
  done
done
