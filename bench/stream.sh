#!/usr/bin/env bash
# Stream benchmark (not a test): the background worker at unlimited rate (1 and 2 workers,
# synchronous_commit on and off) against pgbench running the same 8-operation mix (bench/pgbench/,
# prepared statements, one client), in one run on one cluster. Prints ops/s and the ratios, and the
# worker's memory (VmRSS) over the run. Builds the extension in release mode first.
#   BENCH_SECONDS=20   measuring time per configuration
#   BENCH_SOAK=600     also run one worker for this many seconds and print its memory every minute
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${BENCH_SECONDS:-20}"
[ -n "${SKIP_BUILD:-}" ] || scripts/build-extension.sh release >/dev/null
. tests/lib/cluster.sh
new_cluster bench-stream "shared_preload_libraries = 'alimentador'" "alimentador.database = 'postgres'" \
  "alimentador.enabled = off" "alimentador.rate = 0" "alimentador.heartbeat_interval = 0" "alimentador.marker_interval = 0" \
  "wal_level = logical" "shared_buffers = '512MB'" "max_wal_size = '4GB'"
q "CREATE EXTENSION alimentador"
q "SELECT count(*) FROM alimentador_seed()" >/dev/null

restart_with_workers() {
  q "ALTER SYSTEM SET alimentador.workers = $1" >/dev/null
  cluster_stop "$PGDIR"; cluster_start "$PGDIR"
  wait_for 30 "SELECT count(*) FROM alimentador_status() WHERE estado = 'paused'" "$1"
}
synchronous_commit() { q "ALTER SYSTEM SET synchronous_commit = $1" >/dev/null; q "SELECT pg_reload_conf()" >/dev/null; sleep 1; }
done_ops() { q "SELECT sum(feitas) FROM alimentador_status()"; }
rss_kb() { q "SELECT string_agg(pid::text, ' ') FROM alimentador_status()" | xargs -n1 | while read -r p; do awk '/RssAnon/ { print $2 }' "/proc/$p/status"; done | paste -sd+ | bc; }

worker_rate() {
  q "SELECT alimentador_resume()" >/dev/null; sleep 3
  local a b; a=$(done_ops); sleep "$SECS"; b=$(done_ops)
  q "SELECT alimentador_pause()" >/dev/null; sleep 1
  echo $(( (b - a) / SECS ))
}

pgbench_rate() {
  local scripts=() s
  for s in insert_paciente@5 insert_consulta@30 insert_exame@15 insert_internacao@20 \
           update_paciente@8 update_consulta@10 update_exame@7 update_internacao@5; do
    scripts+=(-f "bench/pgbench/${s%@*}.sql@${s#*@}")
  done
  local out
  if ! out=$("$PG_BIN/pgbench" -n -M prepared -c 1 -T "$SECS" -h "$PGDIR" -p "$PGPORT" -U postgres "${scripts[@]}" postgres 2>&1); then
    echo "$out" >&2
    echo "bench/stream.sh: pgbench failed (its output is above)" >&2
    return 1
  fi
  awk '/^tps/ { printf "%d\n", $3 }' <<<"$out"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

restart_with_workers 1
rss_start=$(rss_kb)
declare -A r
for sc in on off; do
  synchronous_commit "$sc"
  r[w1_$sc]=$(worker_rate)
  r[pg_$sc]=$(pgbench_rate)
done
rss_end=$(rss_kb)
restart_with_workers 2
for sc in on off; do
  synchronous_commit "$sc"
  r[w2_$sc]=$(worker_rate)
done

printf '%-36s %10s\n' configuration ops/s
for sc in on off; do
  printf '%-36s %10s\n' "pgbench, 1 client, sync_commit=$sc" "${r[pg_$sc]}" \
    "worker x1, sync_commit=$sc" "${r[w1_$sc]}" "worker x2, sync_commit=$sc" "${r[w2_$sc]}"
done
echo
printf '%-44s %s\n' "1 worker / pgbench, synchronous_commit=on" "$(ratio "${r[w1_on]}" "${r[pg_on]}")" \
  "1 worker / pgbench, synchronous_commit=off" "$(ratio "${r[w1_off]}" "${r[pg_off]}")" \
  "2 workers / 1 worker, synchronous_commit=on" "$(ratio "${r[w2_on]}" "${r[w1_on]}")" \
  "2 workers / 1 worker, synchronous_commit=off" "$(ratio "${r[w2_off]}" "${r[w1_off]}")"
echo "worker private memory (RssAnon, 1 worker): ${rss_start} kB before, ${rss_end} kB after $((SECS * 2 + 8)) s of unlimited stream"

if [ -n "${BENCH_SOAK:-}" ]; then
  restart_with_workers 1; synchronous_commit off
  q "SELECT alimentador_resume()" >/dev/null
  for m in $(seq 0 60 "$BENCH_SOAK"); do
    [ "$m" = 0 ] || sleep 60
    echo "soak ${m}s: worker RssAnon $(rss_kb) kB, $(done_ops) ops, $(q "SELECT pg_size_pretty(pg_database_size('postgres'))")"
  done
fi
