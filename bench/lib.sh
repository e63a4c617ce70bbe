# shellcheck shell=bash
# Shared by the stream benchmarks (bench/stream.sh, bench/ledger.sh); sourced from the repository root.
#   BENCH_SECONDS=15   measuring time per run     BENCH_ROUNDS=3   runs per configuration
#   SKIP_BUILD=1       use the installed build (default: build and install in release mode)
# shellcheck disable=SC2034 # used by the scripts that source this file
SECS="${BENCH_SECONDS:-15}"
# shellcheck disable=SC2034
ROUNDS="${BENCH_ROUNDS:-3}"
[ -n "${SKIP_BUILD:-}" ] || scripts/build-extension.sh release >/dev/null
# shellcheck source=tests/lib/cluster.sh
. tests/lib/cluster.sh

# bench_cluster NAME: a throwaway cluster with the library preloaded, its worker paused on database
# postgres at unlimited rate (no heartbeat, no marker: only the stream writes), logical WAL, and a
# scale-1 seed.
bench_cluster() {
  new_cluster "$1" "shared_preload_libraries = 'alimentador'" "alimentador.database = 'postgres'" \
    "alimentador.enabled = off" "alimentador.rate = 0" "alimentador.heartbeat_interval = 0" \
    "alimentador.marker_interval = 0" "wal_level = logical" "shared_buffers = '512MB'" "max_wal_size = '4GB'"
  q "CREATE EXTENSION alimentador"
  q "SELECT count(*) FROM alimentador_seed()" >/dev/null
  wait_for 30 "SELECT estado FROM alimentador_status()" paused
}

# median [COLUMN]: the median of a column (default 1) of the lines on stdin.
median() { awk -v c="${1:-1}" 'NF { print $c }' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
