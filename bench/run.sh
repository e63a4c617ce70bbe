#!/usr/bin/env bash
# Every benchmark of the performance targets in one run (not a test): the stream against pgbench
# (bench/stream.sh), against a PL/pgSQL loop of the same mix (bench/plpgsql.sh) and the seed against
# a plain-SQL load (bench/seed.sh), each on its own throwaway cluster; prints the machine, each report, then every ratio with its target.
#   BENCH_SEED_SCALES="10 100"   the seed's scales      (and bench/stream.sh's BENCH_SECONDS, BENCH_ROUNDS)
#   SKIP_BUILD=1                 use the installed build (default: build and install in release mode)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${SKIP_BUILD:-}" ] || scripts/build-extension.sh release >/dev/null
export SKIP_BUILD=1
reports="$(mktemp -d /tmp/alimentador-bench.XXXXXX)"
trap 'rm -rf "$reports"' EXIT
echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(uname -sr)"
echo
bench/stream.sh | tee "$reports/stream"
echo
bench/plpgsql.sh | tee "$reports/plpgsql"
echo
read -r -a scales <<<"${BENCH_SEED_SCALES:-10 100}"
bench/seed.sh "${scales[@]}" | tee "$reports/seed"
echo
echo "== every ratio"
grep -h -E '^(stream|plpgsql|seed): ' "$reports/stream" "$reports/plpgsql" "$reports/seed"
