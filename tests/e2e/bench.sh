#!/usr/bin/env bash
# The benchmarks still run (they are not tests: no speed is asserted): bench/run.sh with short runs
# and a small seed, on the installed build, must end well and print every ratio with a number.
# Prints "bench: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/cluster.sh

out=$(SKIP_BUILD=1 BENCH_SECONDS=2 BENCH_ROUNDS=1 BENCH_FSYNC=off BENCH_SEED_SCALES=0.1 bench/run.sh 2>&1)
rc=$?
echo "    ${out//$'\n'/$'\n'    }"
check "bench/run.sh ends well" eq "$rc" 0
ratios() { sed -n '/^== every ratio/,$p' <<<"$out" | grep -E "^$1: "; }
check "the stream's ratios are printed" eq "$(ratios stream | wc -l)" 8
check "the seed's ratios are printed" between "$(ratios seed | wc -l)" 1 10
check "the PL/pgSQL comparison's ratios are printed" eq "$(ratios plpgsql | wc -l)" 7
check "every ratio is a number" eq "$(ratios '(stream|seed)' | grep -cvE ' [0-9]+\.[0-9]+x( |$)')" 0
check "every PL/pgSQL ratio is two numbers" eq \
  "$(ratios plpgsql | grep -cvE ' (-?[0-9]+%|[0-9]+\.[0-9]+x) +(-?[0-9]+%|[0-9]+\.[0-9]+x)( |$)')" 0
summary bench
