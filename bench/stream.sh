#!/usr/bin/env bash
# Stream benchmark (not a test): one background worker at unlimited rate against pgbench running the
# same 8-operation mix (bench/pgbench/: the default weights, prepared statements, one client, random
# ids drawn by the client: a random row for inserts and patient updates, a random starting id for the
# other updates, which change the first eligible row from there as the stream's picks do), with
# synchronous_commit on and off; then two workers against one. Runs alternate BENCH_ROUNDS times on
# one cluster after a scale-1 seed; prints medians and the ratios, each against its target (issue
# 13), and the machine's fsync rate.
#
# Two measures, because the two sides do not skip alike: an admission of a patient already in
# hospital is a no-op transaction for pgbench; the worker looks further for a patient to admit.
#   operations/s   attempted operations: pgbench's transactions, the worker's done + skipped;
#   changes/s      rows inserted, updated or deleted in schema hospital: what a CDC pipeline carries
#                  (pg_stat_user_tables for pgbench, the worker's counters, which equal it).
# WAL bytes per change counts everything each side writes: the worker's ledger (a message and an
# update of its alimentador_razao row per transaction) included, and measured without it too.
#   BENCH_SECONDS, BENCH_ROUNDS, SKIP_BUILD: see bench/lib.sh
#   BENCH_FSYNC=off    skips pg_test_fsync (30 s)
#   BENCH_SOAK=600     then runs one worker for this many seconds and prints its memory every minute
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_cluster bench-stream
# The seed's id ranges, for pgbench's client-side random ids.
ids=()
for v in np:pacientes nm:medicos nc:consultas ne:exames ni:internacoes; do
  ids+=(-D "${v%%:*}=$(q "SELECT max(id) FROM hospital.${v#*:}")")
done

restart_with_workers() {
  q "ALTER SYSTEM SET alimentador.workers = $1" >/dev/null
  cluster_stop "$PGDIR"; cluster_start "$PGDIR"
  wait_for 30 "SELECT count(*) FROM alimentador_status() WHERE estado = 'paused'" "$1"
}
reload_with() { q "ALTER SYSTEM SET $1" >/dev/null; q "SELECT pg_reload_conf()" >/dev/null; sleep 1; }
synchronous_commit() { reload_with "synchronous_commit = $1"; }
wal_lsn() { q "SELECT pg_current_wal_lsn()"; }
wal_bytes() { q "SELECT pg_wal_lsn_diff('$2', '$1')::bigint"; }
# "operations changes" of the workers so far.
worker_totals() {
  q "SELECT (SELECT sum(feitas) + sum(puladas) FROM alimentador_status()) || ' ' ||
            (SELECT sum(linhas) FROM alimentador_changes() WHERE tabela <> 'pulso')"
}
hospital_changes() {
  q "SELECT pg_stat_clear_snapshot()" >/dev/null
  q "SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables WHERE schemaname = 'hospital'"
}

# A run prints "operations/s changes/s WAL-bytes-per-change".
worker_run() {
  q "SELECT alimentador_resume()" >/dev/null; sleep 3
  local a b l1 l2
  read -r -a a <<<"$(worker_totals)"; l1=$(wal_lsn)
  sleep "$SECS"
  read -r -a b <<<"$(worker_totals)"; l2=$(wal_lsn)
  q "SELECT alimentador_pause()" >/dev/null; sleep 1
  local changes=$(( b[1] - a[1] ))
  echo "$(( (b[0] - a[0]) / SECS )) $(( changes / SECS )) $(( $(wal_bytes "$l1" "$l2") / changes ))"
}

pgbench_run() {
  local scripts=() s out c1 c2 l1 l2
  for s in insert_paciente@5 insert_consulta@30 insert_exame@15 insert_internacao@20 \
           update_paciente@8 update_consulta@10 update_exame@7 update_internacao@5; do
    scripts+=(-f "bench/pgbench/${s%@*}.sql@${s#*@}")
  done
  c1=$(hospital_changes); l1=$(wal_lsn)
  if ! out=$("$PG_BIN/pgbench" -n -M prepared -c 1 -T "$SECS" "${ids[@]}" -h "$PGDIR" -p "$PGPORT" -U postgres \
               "${scripts[@]}" postgres 2>&1); then
    echo "$out" >&2
    echo "bench/stream.sh: pgbench failed (its output is above)" >&2
    return 1
  fi
  l2=$(wal_lsn)
  # pgbench's backend has exited: its statistics are flushed.
  c2=$(hospital_changes)
  local tx changes=$(( c2 - c1 ))
  tx=$(awk '/^number of transactions actually processed/ { split($0, f, ": "); split(f[2], n, "/"); print n[1]; exit }' <<<"$out")
  echo "$(( tx / SECS )) $(( changes / SECS )) $(( $(wal_bytes "$l1" "$l2") / changes ))"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

rss_kb() { q "SELECT string_agg(pid::text, ' ') FROM alimentador_status()" | xargs -n1 | while read -r p; do awk '/RssAnon/ { print $2 }' "/proc/$p/status"; done | paste -sd+ | bc; }

declare -A runs
restart_with_workers 1
rss_start=$(rss_kb)
for _ in $(seq "$ROUNDS"); do
  for sc in off on; do
    synchronous_commit "$sc"
    runs[w1_$sc]+="$(worker_run)"$'\n'
    runs[pg_$sc]+="$(pgbench_run)"$'\n'
  done
  # What the ledger (one message and one row update per transaction) adds to the WAL.
  synchronous_commit off; reload_with "alimentador.ledger = off"
  runs[w1nl_off]+="$(worker_run)"$'\n'
  reload_with "alimentador.ledger = counts"
done
rss_end=$(rss_kb)
restart_with_workers 2
for _ in $(seq "$ROUNDS"); do
  for sc in off on; do
    synchronous_commit "$sc"
    runs[w2_$sc]+="$(worker_run)"$'\n'
  done
done
declare -A ops changes wal
for k in "${!runs[@]}"; do
  ops[$k]=$(median 1 <<<"${runs[$k]}"); changes[$k]=$(median 2 <<<"${runs[$k]}"); wal[$k]=$(median 3 <<<"${runs[$k]}")
done

echo "Stream benchmark: medians of $ROUNDS runs of ${SECS} s, PostgreSQL $(q "SHOW server_version"), $(nproc) cores"
printf '%-46s %12s %10s %14s\n' configuration operations/s changes/s "WAL B/change"
for sc in off on; do
  for k in pg w1 w1nl w2; do
    [ -n "${ops[${k}_$sc]:-}" ] || continue
    case $k in pg) name="pgbench, 1 client";; w1) name="1 worker";; w1nl) name="1 worker, ledger off";; w2) name="2 workers";; esac
    printf '%-46s %12s %10s %14s\n' "$name, synchronous_commit=$sc" "${ops[${k}_$sc]}" "${changes[${k}_$sc]}" "${wal[${k}_$sc]}"
  done
done
echo "the worker's private memory (RssAnon): ${rss_start} kB before its $((ROUNDS * 2)) runs, ${rss_end} kB after"
if [ "${BENCH_FSYNC:-on}" != off ]; then
  fsync=$(as_postgres "$PG_BIN/pg_test_fsync" -s 2 -f "$PGDIR/fsync_test" | awk '/^ +fdatasync/ { print int($2); exit }')
  echo "this disk: ${fsync} fdatasync/s for one 8 kB write (pg_test_fsync): the ceiling of one client's commits with synchronous_commit=on"
fi
echo
printf '%-70s %8s  %s\n' "ratio" value target \
  "stream: 1 worker / pgbench, changes/s, synchronous_commit=off" "$(ratio "${changes[w1_off]}" "${changes[pg_off]}")" ">= 2.0x" \
  "stream: 1 worker / pgbench, changes/s, synchronous_commit=on" "$(ratio "${changes[w1_on]}" "${changes[pg_on]}")" ">= 1.2x" \
  "stream: 1 worker / pgbench, operations/s, synchronous_commit=off" "$(ratio "${ops[w1_off]}" "${ops[pg_off]}")" "" \
  "stream: 1 worker / pgbench, operations/s, synchronous_commit=on" "$(ratio "${ops[w1_on]}" "${ops[pg_on]}")" "" \
  "stream: 2 workers / 1 worker, changes/s, synchronous_commit=off" "$(ratio "${changes[w2_off]}" "${changes[w1_off]}")" ">= 1.8x" \
  "stream: 2 workers / 1 worker, changes/s, synchronous_commit=on" "$(ratio "${changes[w2_on]}" "${changes[w1_on]}")" "" \
  "stream: WAL bytes per change, 1 worker / pgbench, sync off" "$(ratio "${wal[w1_off]}" "${wal[pg_off]}")" "<= 1.0x" \
  "stream: WAL bytes per change, 1 worker ledger off / pgbench, sync off" "$(ratio "${wal[w1nl_off]}" "${wal[pg_off]}")" ""

if [ -n "${BENCH_SOAK:-}" ]; then
  restart_with_workers 1; synchronous_commit off
  q "SELECT alimentador_resume()" >/dev/null
  for m in $(seq 0 60 "$BENCH_SOAK"); do
    [ "$m" = 0 ] || sleep 60
    echo "soak ${m}s: worker RssAnon $(rss_kb) kB, $(q "SELECT sum(feitas) FROM alimentador_status()") operations, $(q "SELECT pg_size_pretty(pg_database_size('postgres'))")"
  done
fi
