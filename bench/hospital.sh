#!/usr/bin/env bash
# Does the simulated hospital behave like one? (issue 20; a benchmark-style report, not a test: it
# prints each statistic against its target band and never fails on one.) Two workers stream the
# default mix at 200 ops/s on a fresh seed; every statistic is read with plain SQL against the
# hospital clock (alimentador_relogio()):
#   occupancy        patients in hospital / beds (alimentador.leitos when the server has it; else the
#                    census and its share of the registered patients), 75-85%, week 6 vs week 12
#                    within 10%
#   mean stay        of the stays discharged over the last 4 weeks, 3.5-6 days
#   no-show          missed / appointments that fell due over the last 4 weeks (not cancelled), 15-35%
#   agenda           appointments still booked ahead, week 6 vs week 12 within 15%
#   without a plan   patients without an active private plan (SUS only), 65-85%
#   exam turnaround  median from collection to result over the last 4 weeks, under 72 h
#   failures         failed operations, 0
# The targets are public Brazilian figures: Anahp private hospitals, occupancy 79-80% and stays of
# 4.2-4.6 days (2014-2015); no-show 19% (primary care, Pelotas) to 32-39% (specialists and exams,
# Espirito Santo 2014-16); 51 million people with a medical plan in December 2023 (ANS), ~25%.
#
# Runs (BENCH_HOSPITAL names them, space-separated; default "weeks"):
#   weeks     seed scale 1, time_scale 40320 (a week every 15 s), 12 simulated weeks in 3 minutes
#   scale10   the same on a seed of scale 10
#   realtime  seed scale 1, time_scale 1, 10 minutes: the seed's steady state must already hold
# SKIP_BUILD=1 uses the installed build (default: build and install in release mode, bench/lib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
RUNS="${BENCH_HOSPITAL:-weeks}"
RATE=200
WEEK=604800 # seconds

# stats: one line of "name=value" of the hospital now, in database postgres.
stats() {
  q "WITH agora AS (SELECT alimentador_relogio() AS t),
     leitos AS (SELECT nullif(current_setting('alimentador.leitos', true), '')::int AS n)
  SELECT concat_ws(' ',
    'census=' || (SELECT count(*) FROM hospital.internacoes WHERE data_saida IS NULL),
    'beds=' || coalesce((SELECT n::text FROM leitos), 'none'),
    'patients=' || (SELECT count(*) FROM hospital.pacientes),
    'stay_days=' || coalesce((SELECT round((extract(epoch FROM avg(data_saida - data_entrada)) / 86400)::numeric, 2)
                     FROM hospital.internacoes, agora WHERE data_saida > agora.t - interval '28 days')::text, 'none'),
    'no_show_pct=' || coalesce((SELECT round(100.0 * count(*) FILTER (WHERE status = 'faltou') / nullif(count(*), 0), 1)
                     FROM hospital.consultas, agora
                     WHERE data BETWEEN agora.t - interval '28 days' AND agora.t AND status <> 'cancelada')::text, 'none'),
    'booked=' || (SELECT count(*) FROM hospital.consultas, agora WHERE status = 'agendada' AND data > agora.t),
    'no_plan_pct=' || (SELECT round(100.0 * count(*) FILTER (WHERE NOT EXISTS (
                         SELECT FROM hospital.pacientes_convenios pc JOIN hospital.convenios c ON c.id = pc.convenio_id
                         WHERE pc.paciente_id = p.id AND c.tipo <> 'publico' AND pc.validade >= agora.t::date))
                       / count(*), 1) FROM hospital.pacientes p, agora),
    'exam_median_h=' || coalesce((SELECT round((extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY data_resultado - data)) / 3600)::numeric, 1)
                        FROM hospital.exames, agora WHERE data_resultado > agora.t - interval '28 days')::text, 'none'),
    'failures=' || (SELECT coalesce(sum(falhas), 0) FROM alimentador_status()))"
}
# field LINE NAME: the value of NAME in a stats line.
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
# band NAME VALUE LO HI: prints the statistic against its band.
band() {
  local verdict="out of band"
  if [ "$2" = none ]; then verdict="no data"
  elif awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(v >= lo && v <= hi) }'; then verdict=within; fi
  printf '  %-44s %10s   target %s-%s   %s\n' "$1" "$2" "$3" "$4" "$verdict"
}
# change_pct A B: |B - A| / A in percent.
change_pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == 0) print "none"; else printf "%.1f", (b > a ? b - a : a - b) * 100 / a }'; }
occupancy() {
  local census beds patients
  census="$(field "$1" census)"; beds="$(field "$1" beds)"; patients="$(field "$1" patients)"
  if [ "$beds" = none ]; then awk -v c="$census" -v p="$patients" 'BEGIN { printf "%.1f", 100 * c / p }'
  else awk -v c="$census" -v b="$beds" 'BEGIN { printf "%.1f", 100 * c / b }'; fi
}

# report TITLE FIRST LAST: the statistics of the run; FIRST and LAST are the stats lines compared for
# stability (weeks 6 and 12, or the start and the end of the real-time run).
report() {
  local first="$2" last="$3"
  echo "== $1"
  echo "  first: $first"
  echo "  last:  $last"
  if [ "$(field "$last" beds)" != none ]; then
    band "occupancy (census / beds), %" "$(occupancy "$last")" 75 85
    band "  its change, first to last, %" "$(change_pct "$(occupancy "$first")" "$(occupancy "$last")")" 0 10
  else
    # No bed capacity to compare with: the census's share of the registered patients, and its drift.
    printf '  %-44s %10s   (no alimentador.leitos: no band)\n' "patients in hospital / registered, %" "$(occupancy "$last")"
    band "  the census's change, first to last, %" "$(change_pct "$(field "$first" census)" "$(field "$last" census)")" 0 10
  fi
  band "mean stay, last 4 weeks, days" "$(field "$last" stay_days)" 3.5 6
  band "no-show of appointments due, last 4 weeks, %" "$(field "$last" no_show_pct)" 15 35
  band "appointments booked ahead: change, %" "$(change_pct "$(field "$first" booked)" "$(field "$last" booked)")" 0 15
  band "patients without an active private plan, %" "$(field "$last" no_plan_pct)" 65 85
  band "median exam turnaround, last 4 weeks, h" "$(field "$last" exam_median_h)" 0 72
  band "failed operations" "$(field "$last" failures)" 0 0
}

# run NAME SEED_SCALE TIME_SCALE SECONDS: a fresh cluster, seed and stream; a stats line at every
# simulated week (or at the start and the end when the run is shorter than two weeks).
run() {
  local name="$1" seed_scale="$2" time_scale="$3" secs="$4" lines=() week_secs t0
  new_cluster "bench-hospital-$name" "shared_preload_libraries = 'alimentador'" "alimentador.database = 'postgres'" \
    "alimentador.workers = 2" "alimentador.enabled = off" "alimentador.rate = $RATE" \
    "alimentador.time_scale = $time_scale" "alimentador.heartbeat_interval = 0" "alimentador.marker_interval = 0" \
    "wal_level = logical" "shared_buffers = '512MB'" "max_wal_size = '4GB'"
  q "CREATE EXTENSION alimentador"
  q "SELECT count(*) FROM alimentador_seed(scale => $seed_scale, semente => 1)" >/dev/null
  wait_for 30 "SELECT string_agg(estado, ',') FROM alimentador_status()" paused,paused >/dev/null
  lines+=("$(stats)")
  q "SELECT alimentador_resume()" >/dev/null
  t0=$(date +%s)
  week_secs=$(( WEEK / time_scale ))
  if [ "$week_secs" -ge 1 ] && [ $(( secs / week_secs )) -ge 2 ]; then
    for w in $(seq 1 $(( secs / week_secs ))); do
      sleep $(( t0 + w * week_secs - $(date +%s) > 0 ? t0 + w * week_secs - $(date +%s) : 0 ))
      lines+=("$(stats)")
      echo "  week $w: ${lines[-1]}"
    done
    report "$name: seed scale $seed_scale, time_scale $time_scale, $secs s, week 6 against week 12" "${lines[6]}" "${lines[-1]}"
  else
    sleep "$secs"
    lines+=("$(stats)")
    report "$name: seed scale $seed_scale, time_scale $time_scale, $secs s, the seed against the end" "${lines[0]}" "${lines[-1]}"
  fi
  q "SELECT alimentador_pause()" >/dev/null
  cleanup_clusters; CLUSTERS=()
}

for r in $RUNS; do
  case "$r" in
    weeks) run weeks 1 40320 180 ;;
    scale10) run scale10 10 40320 180 ;;
    realtime) run realtime 1 1 600 ;;
    *) echo "bench/hospital.sh: unknown run \"$r\" (weeks, scale10, realtime)" >&2; exit 2 ;;
  esac
done
