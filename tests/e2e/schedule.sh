#!/usr/bin/env bash
# End-to-end test of load shapes (alimentador.schedule): the achieved rate, per 10 s window, follows
# a step shape with a burst on top, and over the whole run within 2%; bad shapes are rejected with
# the valid forms; a shape set from SQL survives a restart. Prints "schedule: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/cluster.sh

DB=hospital
# Moderate rates (50-200 ops/s with 2 workers), so a busy shared machine still keeps up.
BASE=50
SHAPE='step=1x:20s,2x:20s; burst=2x for 10s every 40s at 30s'
# The shape's factor at t seconds since it came into force, as awk code (the test's own model).
FACTOR='function f(t) { c = t % 40; return (c < 20 ? 1 : 2) * ((c >= 30) ? 2 : 1) }'

new_cluster schedule "shared_preload_libraries = 'alimentador'" "alimentador.database = '$DB'" \
  "alimentador.workers = 2" "alimentador.rate = $BASE" "wal_level = logical"
q "CREATE DATABASE $DB"
q -d $DB "CREATE EXTENSION alimentador"
q -d $DB "SELECT count(*) FROM alimentador_seed(semente => 7)" >/dev/null
check "workers run" wait_for 20 "SELECT string_agg(estado, ',') FROM alimentador_status()" "running,running" $DB

echo "== schedule: bad shapes are rejected with the valid forms"
err=$(q_err "ALTER SYSTEM SET alimentador.schedule = 'weekly'")
check "an unknown shape is rejected when set" contains "$err" 'unknown shape "weekly"'
check "with the valid forms in the hint" contains "$err" 'HINT:  Valid forms: constant; daily; step='
check "a negative factor is rejected" contains "$(q_err "ALTER SYSTEM SET alimentador.schedule = 'step=-1x:60s'")" '"-1x" is not a factor'
check "a zero factor is rejected" contains "$(q_err "ALTER SYSTEM SET alimentador.schedule = 'burst=0x for 10s every 1min'")" '"0x" is not a factor'
check "a bad duration is rejected" contains "$(q_err "ALTER SYSTEM SET alimentador.schedule = 'step=1x:60 parsecs'")" 'is not a duration from 1s to 7d'
err=$(q_err -d $DB "SELECT alimentador_set_schedule('burst=2x for 1min every 10min; burst=3x for 1min every 15min')")
check "overlapping bursts are an ERROR of alimentador_set_schedule" contains "$err" 'invalid schedule: bursts "burst=2x for 1min every 10min" and "burst=3x for 1min every 15min" overlap'
check "with the valid forms in the hint" contains "$err" 'HINT:  Valid forms:'
check "a bad schedule changed nothing" eq "$(q -d $DB "SELECT valor || '/' || origem FROM alimentador_settings() WHERE nome = 'schedule'")" "constant/postgresql.conf"

echo "== schedule: a reloaded shape applies, and the status shows the target"
q "ALTER SYSTEM SET alimentador.schedule = 'ramp=1x..1.5x:1h'" >/dev/null; q "SELECT pg_reload_conf()" >/dev/null
check "alimentador.schedule is reloadable" wait_for 5 "SELECT valor FROM alimentador_settings() WHERE nome = 'schedule'" "ramp=1x..1.5x:1h" $DB
check "the target rate follows the ramp (just above 1x)" wait_for 5 "SELECT sum(taxa_alvo) BETWEEN $BASE AND $BASE * 1.05 AND sum(taxa_alvo) > $BASE FROM alimentador_status()" t $DB

echo "== schedule: the achieved rate follows '$SHAPE' at $BASE ops/s"
q -d $DB "SELECT alimentador_set_schedule('$SHAPE')" >/dev/null
check "a run-time schedule overrides the setting" eq "$(q -d $DB "SELECT origem LIKE 'run-time control%' FROM alimentador_settings() WHERE nome = 'schedule'")" t
# Samples (seconds since the shape started, operations run: done or skipped, what the rate paces; an
# admission attempt whose patient is in hospital already is a skip) at the window boundaries: each
# sample waits for its instant (a time measurement, so it waits for the clock, not a condition).
sample() {
  q -d $DB "SELECT extract(epoch FROM clock_timestamp() - max(agenda_desde)), sum(feitas + puladas) FROM alimentador_status()" | tr '|' ' '
}
until_t() {
  local left
  left=$(q -d $DB "SELECT greatest(0, extract(epoch FROM max(agenda_desde) + interval '$1 s' - clock_timestamp())) FROM alimentador_status()")
  sleep "$left"
}
samples=()
for t in 0 10 20 30 40 50 60; do
  until_t "$t"
  samples+=("$(sample)")
  case $t in
    30) until_t 33; target_in_burst=$(q -d $DB "SELECT round(sum(taxa_alvo)) FROM alimentador_status()") ;;
    40) achieved_in_burst=$(q -d $DB "SELECT round(sum(taxa_10s)) FROM alimentador_status()") ;;
  esac
done
report=$(printf '%s\n' "${samples[@]}" | awk -v base=$BASE "$FACTOR"'
  function expected(a, b,   s, t) { s = 0; for (t = a; t < b; t += 0.001) s += base * f(t + 0.0005) * 0.001; return s }
  NR > 1 { e = expected(pt, $1); g = $2 - pops; te += e; tg += g
           printf "window %5.1f-%5.1f s: %5d ops, expected %7.1f (%+.1f%%)\n", pt, $1, g, e, 100 * (g - e) / e
           if (g < 0.95 * e || g > 1.05 * e) bad++ }
  { pt = $1; pops = $2 }
  END { printf "total: %d ops, expected %.1f (%+.2f%%)\n", tg, te, 100 * (tg - te) / te
        printf "RESULT %d %.4f\n", bad, tg / te }')
grep -v RESULT <<<"$report" | sed 's/^/    /'
read -r bad_windows ratio < <(grep RESULT <<<"$report" | cut -d' ' -f2-)
check "every 10 s window within 5% of the shape" eq "$bad_windows" 0
check "integrated over the minute within 2% of the shape (ratio $ratio)" between "$ratio" 0.98 1.02
check "the status shows the target in the burst: 2x2x the base" eq "$target_in_burst" $((BASE * 4))
check "and the rate achieved over the last 10 s at its end: $achieved_in_burst" between "$achieved_in_burst" $((BASE * 4 * 85 / 100)) $((BASE * 4 * 105 / 100))

echo "== schedule: a run-time shape lasts across a restart; NULL returns to the setting"
cluster_stop "$PGDIR"; cluster_start "$PGDIR"
check "the shape set from SQL is back after a restart" wait_for 10 "SELECT valor FROM alimentador_settings() WHERE nome = 'schedule'" "step=1x:20s,2x:20s; burst=2x for 10s every 40s at 30s" $DB
q -d $DB "SELECT alimentador_set_schedule(NULL)" >/dev/null
check "NULL returns to alimentador.schedule" eq "$(q -d $DB "SELECT valor || '/' || origem FROM alimentador_settings() WHERE nome = 'schedule'")" "ramp=1x..1.5x:1h/postgresql.conf"
check "no failed operation" eq "$(q -d $DB "SELECT sum(falhas) FROM alimentador_status()")" 0

summary schedule
