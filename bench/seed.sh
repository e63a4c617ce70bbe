#!/usr/bin/env bash
# Seed benchmark (not a test): alimentador_seed() against a plain-SQL seed of the same rows and widths
# (bench/plain_seed.sql), in the same run on the same cluster, at scale 1 and 100. Prints rows/s for
# both and the ratio. Builds the extension in release mode first.
#   bench/seed.sh [scale ...]       default: 1 100
set -euo pipefail
cd "$(dirname "$0")/.."
scales=("${@:-1 100}"); read -r -a scales <<<"${scales[*]}"
[ -n "${SKIP_BUILD:-}" ] || scripts/build-extension.sh release >/dev/null
. tests/lib/cluster.sh
new_cluster bench-seed "shared_preload_libraries = 'alimentador'" "alimentador.workers = 0" \
  "shared_buffers = '1GB'" "max_wal_size = '8GB'" "checkpoint_timeout = '30min'"
q "CREATE EXTENSION alimentador"
empty() { q "SELECT count(*) FROM alimentador_reset(false)" >/dev/null; q "CHECKPOINT" >/dev/null; }
# Seconds the server spent on the statements (psql's \timing, summed): no process start-up noise.
seconds() {
  psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT" -U postgres -c '\timing on' "$@" 2>/dev/null \
    | awk '/^Time:/ { ms += $2 } END { printf "%.4f\n", ms / 1000 }'
}
rows() { q "SELECT sum(linhas) - 12 FROM alimentador_counts()"; }
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

printf '%-6s %10s %14s %14s %14s %14s %7s\n' scale rows "ext s" "ext rows/s" "plain s" "plain rows/s" ratio
for scale in "${scales[@]}"; do
  runs=$(awk -v s="$scale" 'BEGIN { print (s <= 10 ? 9 : 1) }')
  ext=(); plain=()
  for _ in $(seq "$runs"); do
    empty; ext+=("$(seconds -c "SELECT count(*) FROM alimentador_seed($scale)")"); n=$(rows)
    readings=$(q "SELECT count(*) FROM hospital.sinais_vitais")
    empty; plain+=("$(seconds -v scale="$scale" -v readings="$readings" -f bench/plain_seed.sql)")
    [ "$(rows)" = "$n" ] || { echo "plain seed made $(rows) rows, extension $n" >&2; exit 1; }
  done
  e=$(printf '%s\n' "${ext[@]}" | median); p=$(printf '%s\n' "${plain[@]}" | median)
  printf '%-6s %10s %14s %14.0f %14s %14.0f %6.2fx\n' "$scale" "$n" "$e" "$(echo "$n / $e" | bc -l)" "$p" "$(echo "$n / $p" | bc -l)" "$(echo "$p / $e" | bc -l)"
done
