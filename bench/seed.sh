#!/usr/bin/env bash
# Seed benchmark (not a test): alimentador_seed() against a plain-SQL seed of the same rows and widths
# (bench/plain_seed.sql), in the same run on the same cluster, at scale 1 and 100. Prints, for both,
# seconds, rows/s, the WAL written (MB) and its rate (MB/s), and the ratio (plain seconds / extension
# seconds; the median of 9 runs up to scale 10, 3 up to 100, one above; BENCH_RUNS=n to choose),
# after one unmeasured seed of the scale (it warms the cluster up and counts the readings the plain
# load must make). Builds the extension in release mode first (SKIP_BUILD=1 skips that).
#   bench/seed.sh [scale ...]       default: 1 100
set -euo pipefail
cd "$(dirname "$0")/.."
scales=("${@:-1 100}"); read -r -a scales <<<"${scales[*]}"
[ -n "${SKIP_BUILD:-}" ] || scripts/build-extension.sh release >/dev/null
. tests/lib/cluster.sh
# The seed's progress NOTICEs would interleave with the table.
export PGOPTIONS="-c client_min_messages=warning"
new_cluster bench-seed "shared_preload_libraries = 'alimentador'" "alimentador.workers = 0" "wal_level = logical" \
  "shared_buffers = '1GB'" "max_wal_size = '8GB'" "checkpoint_timeout = '30min'"
q "CREATE EXTENSION alimentador"
empty() { q "SELECT count(*) FROM alimentador_reset(false)" >/dev/null; q "CHECKPOINT" >/dev/null; }
# Seconds the server spent on the statements (psql's \timing, summed): no process start-up noise.
seconds() {
  psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT" -U postgres -c '\timing on' "$@" 2>/dev/null \
    | awk '/^Time:/ { ms += $2 } END { printf "%.4f\n", ms / 1000 }'
}
rows() { q "SELECT sum(linhas) - 12 FROM alimentador_counts()"; }
median() { sort -g | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'; }

# One load: its seconds and the WAL it wrote (bytes between pg_current_wal_lsn before and after).
load() {
  local before after secs
  before=$(q "SELECT pg_current_wal_lsn()")
  secs=$(seconds "$@")
  after=$(q "SELECT pg_current_wal_lsn()")
  echo "$secs $(q "SELECT pg_wal_lsn_diff('$after', '$before')::bigint")"
}

printf '%-6s %10s | %8s %11s %9s %8s | %8s %11s %9s %8s | %7s\n' scale rows "ext s" "rows/s" "WAL MB" "WAL MB/s" \
  "plain s" "rows/s" "WAL MB" "WAL MB/s" ratio
ratios=()
for scale in "${scales[@]}"; do
  runs=${BENCH_RUNS:-$(awk -v s="$scale" 'BEGIN { print (s <= 10 ? 9 : (s <= 100 ? 3 : 1)) }')}
  ext=(); plain=()
  # Every seed uses the random seed 1, so all runs load the same rows. One unmeasured seed first: it
  # counts the readings the plain load must make, and pays for touching shared_buffers (1 GB) and the
  # page cache for the first time, which would otherwise fall on whichever load ran first. Then the
  # order alternates.
  empty; q "SELECT count(*) FROM alimentador_seed($scale, 1)" >/dev/null; n=$(rows)
  readings=$(q "SELECT count(*) FROM hospital.sinais_vitais")
  for run in $(seq "$runs"); do
    if [ $((run % 2)) = 1 ]; then
      empty; plain+=("$(load -v scale="$scale" -v readings="$readings" -f bench/plain_seed.sql)")
      [ "$(rows)" = "$n" ] || { echo "plain seed made $(rows) rows, extension $n" >&2; exit 1; }
      empty; ext+=("$(load -c "SELECT count(*) FROM alimentador_seed($scale, 1)")")
    else
      empty; ext+=("$(load -c "SELECT count(*) FROM alimentador_seed($scale, 1)")")
      empty; plain+=("$(load -v scale="$scale" -v readings="$readings" -f bench/plain_seed.sql)")
    fi
    [ "$(rows)" = "$n" ] || { echo "a seed made $(rows) rows, the first $n" >&2; exit 1; }
  done
  # The median run by time, with its WAL.
  read -r e ew < <(printf '%s\n' "${ext[@]}" | median)
  read -r p pw < <(printf '%s\n' "${plain[@]}" | median)
  awk -v s="$scale" -v n="$n" -v e="$e" -v ew="$ew" -v p="$p" -v pw="$pw" 'BEGIN {
    printf "%-6s %10d | %8.2f %11.0f %9.1f %8.1f | %8.2f %11.0f %9.1f %8.1f | %6.2fx\n", s, n,
      e, n / e, ew / 1048576, ew / 1048576 / e, p, n / p, pw / 1048576, pw / 1048576 / p, p / e }'
  target=""; case $scale in 10|100) target=">= 2.0x";; esac
  ratios+=("$(printf '%-70s %8s  %s' "seed: alimentador_seed / plain SQL, scale $scale" \
    "$(awk -v p="$p" -v e="$e" 'BEGIN { printf "%.2fx", p / e }')" "$target")")
done
echo
printf '%-70s %8s  %s\n' ratio value target
printf '%s\n' "${ratios[@]}"
