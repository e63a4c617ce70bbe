#!/usr/bin/env bash
# The hospital clock (alimentador.time_scale): at 168 (a week an hour) two workers complete lifecycles
# in seconds that take days in real time — appointments booked ahead are attended, collected exams get
# results, admissions are discharged, all dated in the real future — with every lifecycle rule
# holding against the hospital's time and no failed operation; a bad scale is rejected when set; a
# new scale never makes the clock jump back. Prints "clock: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/cluster.sh
. tests/lib/cluster.sh
DB=hospital

echo "== clock: alimentador.time_scale = 168"
new_cluster clock "shared_preload_libraries = 'alimentador'" "alimentador.database = '$DB'" \
  "alimentador.workers = 2" "alimentador.enabled = off" "alimentador.rate = 200" \
  "alimentador.time_scale = 168" "alimentador.heartbeat_interval = 0" \
  "alimentador.weights = 'update_consulta=30,update_exame=20,update_internacao=10,insert_internacao=10,insert_sinal_vital=10'"
q "CREATE DATABASE $DB"
q -d $DB "BEGIN; CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(0.3, 4); COMMIT" >/dev/null

check "a scale of 0 is rejected when set, with the valid range" contains \
  "$(q_err "ALTER SYSTEM SET alimentador.time_scale = 0")" "outside the valid range"
check "a negative scale is rejected" contains "$(q_err "ALTER SYSTEM SET alimentador.time_scale = -1")" "outside the valid range"
check "the settings show the scale" eq "$(q -d $DB "SELECT valor FROM alimentador_settings() WHERE nome = 'time_scale'")" 168
check "the workers wait, paused" wait_for 30 "SELECT string_agg(estado, ',') FROM alimentador_status()" paused,paused $DB

# The clock's pace: hospital seconds per real second between two readings.
pace() {
  q -d $DB "SELECT alimentador_relogio(), clock_timestamp()" | tr '|' ' ' > "$1"
}
pace_between() {
  local a b
  read -r a1 a2 a3 a4 < "$1"; read -r b1 b2 b3 b4 < "$2"
  a="$a1 $a2"; b="$b1 $b2"; local ar="$a3 $a4" br="$b3 $b4"
  q -d $DB "SELECT round((extract(epoch FROM '$b'::timestamptz - '$a'::timestamptz)
                          / extract(epoch FROM '$br'::timestamptz - '$ar'::timestamptz))::numeric)"
}
work="$(mktemp -d /tmp/alimentador-clock.XXXXXX)"
trap 'cleanup_clusters; rm -rf "$work"' EXIT
before_real="$(q -d $DB "SELECT now()")"
pace "$work/c0"
q -d $DB "SELECT alimentador_resume()" >/dev/null
sleep 30
pace "$work/c1"
check "the hospital clock runs 168 times the real time ($(pace_between "$work/c0" "$work/c1")×)" \
  between "$(pace_between "$work/c0" "$work/c1")" 160 176
q -d $DB "SELECT alimentador_pause()" >/dev/null
check "paused" wait_for 30 "SELECT string_agg(estado, ',') FROM alimentador_status()" paused,paused $DB

# Lifecycles completed in the real future (impossible at scale 1: nothing is given a result or
# discharged after the real now).
check "collected exams got their results later than the real now" between \
  "$(q -d $DB "SELECT count(*) FROM hospital.exames WHERE data_resultado > '$before_real'")" 1 1000000
check "admissions were discharged later than the real now" between \
  "$(q -d $DB "SELECT count(*) FROM hospital.internacoes WHERE data_saida > '$before_real'")" 1 1000000
# Appointments are booked 1 hour to 60 days ahead: at 168 the next days take minutes to come; at
# 10,000 (about a week in a minute) the ones booked for the coming days fall due within seconds.
q "ALTER SYSTEM SET alimentador.time_scale = 10000" >/dev/null
q "SELECT pg_reload_conf()" >/dev/null
check "a new scale applies on reload" wait_for 10 "SELECT valor FROM alimentador_settings() WHERE nome = 'time_scale'" 10000 $DB
q -d $DB "SELECT alimentador_resume()" >/dev/null
sleep 15
q -d $DB "SELECT alimentador_pause()" >/dev/null
check "paused again" wait_for 30 "SELECT string_agg(estado, ',') FROM alimentador_status()" paused,paused $DB
check "appointments booked ahead fell due and were attended or missed (dated after the real now)" between \
  "$(q -d $DB "SELECT count(*) FROM hospital.consultas WHERE status IN ('realizada', 'faltou') AND data > '$before_real'")" 1 1000000
pace "$work/c1"
# Every rule of the lifecycles against the hospital's time.
check "no appointment attended or missed before its date, on the hospital clock" eq \
  "$(q -d $DB "SELECT count(*) FROM hospital.consultas WHERE status IN ('realizada', 'faltou') AND data > alimentador_relogio()")" 0
check "no result before its collection, no discharge before its admission" eq \
  "$(q -d $DB "SELECT (SELECT count(*) FROM hospital.exames WHERE data_resultado < data)
                    + (SELECT count(*) FROM hospital.internacoes WHERE data_saida < data_entrada)")" 0
check "nothing dated after the hospital clock but the appointments booked ahead" eq \
  "$(q -d $DB "SELECT (SELECT count(*) FROM hospital.exames WHERE data_resultado > alimentador_relogio() OR data > alimentador_relogio())
                    + (SELECT count(*) FROM hospital.internacoes WHERE data_saida > alimentador_relogio() OR data_entrada > alimentador_relogio())")" 0
check "no failed operation (vital signs included: their daily partitions come every 9 seconds at 10,000)" eq \
  "$(q -d $DB "SELECT sum(falhas) FROM alimentador_status()")" 0
check "readings were written into partitions of days after the real today" between \
  "$(q -d $DB "SELECT count(*) FROM hospital.sinais_vitais WHERE medido_em > '$before_real'::timestamptz + interval '1 day'")" 1 10000000

# Back to real time: the clock goes on from where it is, at the real pace.
q "ALTER SYSTEM SET alimentador.time_scale = 1" >/dev/null
q "SELECT pg_reload_conf()" >/dev/null
check "the reload is seen" wait_for 10 "SELECT valor FROM alimentador_settings() WHERE nome = 'time_scale'" 1 $DB
pace "$work/c2"
sleep 2
pace "$work/c3"
check "after a new scale the clock did not jump back" eq \
  "$(q -d $DB "SELECT '$(cut -d' ' -f1,2 "$work/c2")'::timestamptz >= '$(cut -d' ' -f1,2 "$work/c1")'::timestamptz")" t
check "…and runs at the real pace" between "$(pace_between "$work/c2" "$work/c3")" 1 1
summary clock
