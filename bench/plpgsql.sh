#!/usr/bin/env bash
# In-server benchmark (not a test): one background worker at unlimited rate, with its ledger at
# `counts` and `off`, against the PL/pgSQL loop a user would write for the same 8-operation mix
# (bench/plpgsql_mix.sql: the default weights, COMMIT per operation, constant payloads), with
# synchronous_commit off and on. The three sides alternate BENCH_ROUNDS times on one cluster after a
# scale-1 seed (issue 23); then one worker on the database those runs grew and on a fresh seed.
# Prints the medians of changes/s, changes per CPU-second of the stream's process and WAL bytes per
# change, then each ratio against its target.
#
# changes/s: rows inserted, updated or deleted in schema hospital. The procedure's from
# pg_stat_user_tables over its whole CALL (its backend flushes its statistics when the CALL ends);
# the worker's from its counters over BENCH_SECONDS of steady running (its statistics reach
# pg_stat_user_tables at most once a second, too coarse for a window); the script checks at the end
# that the worker's counters and pg_stat_user_tables agree on the rows of all its runs.
#   BENCH_SECONDS, BENCH_ROUNDS, SKIP_BUILD: see bench/lib.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_cluster bench-plpgsql
psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT" -U postgres -d postgres -f bench/plpgsql_mix.sql

reload_with() { q "ALTER SYSTEM SET $1" >/dev/null; q "SELECT pg_reload_conf()" >/dev/null; sleep 1; }
wal_lsn() { q "SELECT pg_current_wal_lsn()"; }
wal_bytes() { q "SELECT pg_wal_lsn_diff('$2', '$1')::bigint"; }
hospital_changes() {
  q "SELECT pg_stat_clear_snapshot()" >/dev/null
  q "SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables WHERE schemaname = 'hospital'"
}
worker_changes() { q "SELECT sum(linhas) FROM alimentador_changes() WHERE tabela <> 'pulso'"; }
now_ns() { date +%s%N; }

# CPU ticks (user + system) of a process from its /proc/PID/stat line.
cpu_ticks() { awk '{ print $14 + $15 }'; }
HZ=$(getconf CLK_TCK)

# A run prints "changes/s changes-per-CPU-second WAL-bytes-per-change". Changes per CPU-second of
# the process that runs the stream (the worker, the procedure's backend) hold when other work shares
# the machine, which changes/s does not.
worker_run() {
  q "SELECT alimentador_resume()" >/dev/null
  wait_for 10 "SELECT estado FROM alimentador_status()" running >/dev/null; sleep 2
  local a b l1 l2 t1 t2 c1 c2 pid
  pid=$(q "SELECT pid FROM alimentador_status()")
  a=$(worker_changes); l1=$(wal_lsn); t1=$(now_ns); c1=$(cpu_ticks <"/proc/$pid/stat")
  sleep "$SECS"
  b=$(worker_changes); l2=$(wal_lsn); t2=$(now_ns); c2=$(cpu_ticks <"/proc/$pid/stat")
  q "SELECT alimentador_pause()" >/dev/null
  wait_for 10 "SELECT estado FROM alimentador_status()" paused >/dev/null
  echo "$(( (b - a) * 1000000000 / (t2 - t1) )) $(( (b - a) * HZ / (c2 - c1) )) $(( $(wal_bytes "$l1" "$l2") / (b - a) ))"
}

plpgsql_run() {
  local a b l1 l2 t1 t2 out
  a=$(hospital_changes); l1=$(wal_lsn); t1=$(now_ns)
  # One session: its backend's CPU before and after the CALL (each -c is its own transaction, as a
  # procedure that commits needs). Generic plans, as the worker's session has: custom plans, on the
  # statistics of a table that grew since the last ANALYZE, sort all active admissions instead of
  # walking the index (1 ms an admission's discharge instead of 50 us, seen with auto_explain).
  out=$(psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT" -U postgres -d postgres \
          -c "SET plan_cache_mode = force_generic_plan" \
          -c "SELECT pg_read_file('/proc/self/stat')" -c "CALL public.bench_plpgsql_mix($SECS)" \
          -c "SELECT pg_read_file('/proc/self/stat')")
  t2=$(now_ns); l2=$(wal_lsn)
  # The procedure's backend has exited: its statistics are flushed.
  b=$(hospital_changes)
  local ticks; ticks=$(grep -F '(postgres)' <<<"$out" | cpu_ticks | paste -sd' ' | awk '{ print $2 - $1 }')
  echo "$(( (b - a) * 1000000000 / (t2 - t1) )) $(( (b - a) * HZ / ticks )) $(( $(wal_bytes "$l1" "$l2") / (b - a) ))"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

# The worker's counters against pg_stat_user_tables, over all its runs (the procedure's runs are
# subtracted: counted by pg_stat_user_tables alone).
stat_start=$(hospital_changes); worker_start=$(worker_changes); plpgsql_rows=0
declare -A runs
for _ in $(seq "$ROUNDS"); do
  for sc in off on; do
    reload_with "synchronous_commit = $sc"
    # (A run's output is taken apart from the +=, which would not stop the script when it fails.)
    reload_with "alimentador.ledger = counts"
    r=$(worker_run); runs[counts_$sc]+="$r"$'\n'
    reload_with "alimentador.ledger = off"
    r=$(worker_run); runs[off_$sc]+="$r"$'\n'
    before=$(hospital_changes)
    r=$(plpgsql_run); runs[plpgsql_$sc]+="$r"$'\n'
    plpgsql_rows=$(( plpgsql_rows + $(hospital_changes) - before ))
  done
done
reload_with "alimentador.ledger = counts"
worker_rows=$(( $(worker_changes) - worker_start ))
stat_rows=$(( $(hospital_changes) - stat_start - plpgsql_rows ))

# Throughput as the database grows: the runs above grew it from a scale-1 seed (14,400 rows) to
# many times that (every run inserts ~70% of its changes). One worker (ledger counts,
# synchronous_commit=off) on the grown database, then on a fresh scale-1 seed (alimentador_reset).
hospital_rows() {
  q "SELECT (SELECT count(*) FROM hospital.pacientes) + (SELECT count(*) FROM hospital.consultas) +
            (SELECT count(*) FROM hospital.exames) + (SELECT count(*) FROM hospital.internacoes) +
            (SELECT count(*) FROM hospital.sinais_vitais) + (SELECT count(*) FROM hospital.pacientes_convenios) +
            (SELECT count(*) FROM hospital.medicos)"
}
reload_with "synchronous_commit = off"
declare -A rows size
for db in grown fresh; do
  [ "$db" = grown ] || q "SELECT count(*) FROM alimentador_reset(scale => 1)" >/dev/null
  rows[$db]=$(hospital_rows); size[$db]=$(q "SELECT pg_size_pretty(pg_database_size('postgres'))")
  for _ in $(seq "$ROUNDS"); do
    r=$(worker_run); runs[$db]+="$r"$'\n'
  done
done

declare -A changes cpu wal
for k in "${!runs[@]}"; do
  changes[$k]=$(median 1 <<<"${runs[$k]}"); cpu[$k]=$(median 2 <<<"${runs[$k]}"); wal[$k]=$(median 3 <<<"${runs[$k]}")
done
echo "In-server benchmark: medians of $ROUNDS runs of ${SECS} s, PostgreSQL $(q "SHOW server_version"), $(nproc) cores"
printf '%-52s %10s %12s %13s  %s\n' configuration changes/s "per CPU-s" "WAL B/change" "runs (changes/s)"
for sc in off on; do
  for k in counts off plpgsql; do
    case $k in counts) name="1 worker, ledger counts";; off) name="1 worker, ledger off";; plpgsql) name="PL/pgSQL loop";; esac
    printf '%-52s %10s %12s %13s  %s\n' "$name, synchronous_commit=$sc" "${changes[${k}_$sc]}" "${cpu[${k}_$sc]}" "${wal[${k}_$sc]}" \
      "$(awk 'NF { printf "%s ", $1 }' <<<"${runs[${k}_$sc]}")"
  done
done
echo "the worker's rows: ${worker_rows} by its counters, ${stat_rows} by pg_stat_user_tables"
for db in grown fresh; do
  printf '%-52s %10s %12s %13s  %s\n' "1 worker, ledger counts, off, ${db}: ${rows[$db]} rows, ${size[$db]}" \
    "${changes[$db]}" "${cpu[$db]}" "${wal[$db]}" "$(awk 'NF { printf "%s ", $1 }' <<<"${runs[$db]}")"
done
echo
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", (1 - a / b) * 100 }'; }
printf '%-76s %8s %10s  %s\n' "ratio" changes/s "per CPU-s" target \
  "plpgsql: worker ledger off / PL/pgSQL, synchronous_commit=off" "$(ratio "${changes[off_off]}" "${changes[plpgsql_off]}")" "$(ratio "${cpu[off_off]}" "${cpu[plpgsql_off]}")" ">= 1.2x" \
  "plpgsql: worker ledger counts / PL/pgSQL, synchronous_commit=off" "$(ratio "${changes[counts_off]}" "${changes[plpgsql_off]}")" "$(ratio "${cpu[counts_off]}" "${cpu[plpgsql_off]}")" ">= 1.0x" \
  "plpgsql: worker ledger counts / PL/pgSQL, synchronous_commit=on" "$(ratio "${changes[counts_on]}" "${changes[plpgsql_on]}")" "$(ratio "${cpu[counts_on]}" "${cpu[plpgsql_on]}")" ">= 0.95x" \
  "plpgsql: worker ledger off / PL/pgSQL, synchronous_commit=on" "$(ratio "${changes[off_on]}" "${changes[plpgsql_on]}")" "$(ratio "${cpu[off_on]}" "${cpu[plpgsql_on]}")" "" \
  "plpgsql: the ledger's cost (1 - counts / off), synchronous_commit=off" "$(pct "${changes[counts_off]}" "${changes[off_off]}")" "$(pct "${cpu[counts_off]}" "${cpu[off_off]}")" "<= 10%" \
  "plpgsql: the ledger's cost (1 - counts / off), synchronous_commit=on" "$(pct "${changes[counts_on]}" "${changes[off_on]}")" "$(pct "${cpu[counts_on]}" "${cpu[off_on]}")" "" \
  "plpgsql: worker on the grown database ($(( rows[grown] / rows[fresh] ))x the rows) / on a fresh seed" "$(ratio "${changes[grown]}" "${changes[fresh]}")" "$(ratio "${cpu[grown]}" "${cpu[fresh]}")" ">= 0.85x"
