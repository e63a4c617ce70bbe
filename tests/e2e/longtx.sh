#!/usr/bin/env bash
# End-to-end test of long and blocking transactions (transacao_longa, bloqueio_de_linhas,
# ocioso_em_transacao): each shows in alimentador_status() while it holds, the other worker keeps
# committing meanwhile, one at a time, bounded by alimentador.long_transaction_duration and by a
# pause. Prints "longtx: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/cluster.sh

DB=hospital
HOLD=4
new_cluster longtx "shared_preload_libraries = 'alimentador'" "alimentador.database = '$DB'" \
  "alimentador.workers = 2" "alimentador.rate = 40" "alimentador.long_transaction_duration = $HOLD" "wal_level = logical"
q "CREATE DATABASE $DB"
q -d $DB "CREATE EXTENSION alimentador"
q -d $DB "SELECT count(*) FROM alimentador_seed(semente => 11)" >/dev/null
check "workers run" wait_for 20 "SELECT string_agg(estado, ',') FROM alimentador_status()" "running,running" $DB

LONG_STATES="('in long transaction', 'holding row locks', 'idle in transaction')"
holder() { q -d $DB "SELECT worker FROM alimentador_status() WHERE estado IN $LONG_STATES"; }
done_by() { q -d $DB "SELECT feitas FROM alimentador_status() WHERE worker = $1"; }
# The oldest open transaction of a worker, in seconds (0 when none is open).
oldest() { q -d $DB "SELECT coalesce(round(extract(epoch FROM max(clock_timestamp() - xact_start)), 1), 0) FROM pg_stat_activity WHERE backend_type = 'alimentador'"; }

# Samples for a few seconds: at most one worker holds at a time, and no worker transaction is
# older than the duration (plus a second of slack for the end's changes and a loaded machine).
bounded() {
  local most=0 longest=0 n age
  for _ in $(seq 1 $((HOLD * 4))); do
    n=$(q -d $DB "SELECT count(*) FROM alimentador_status() WHERE estado IN $LONG_STATES")
    age=$(oldest)
    [ "$n" -gt "$most" ] && most=$n
    awk -v a="$age" -v l="$longest" 'BEGIN { exit !(a > l) }' && longest=$age
    sleep 0.5
  done
  echo "    at most $most holding at once; the oldest worker transaction seen: $longest s" >&2
  [ "$most" -le 1 ] && awk -v l="$longest" -v h="$HOLD" 'BEGIN { exit !(l <= h + 1.5) }'
}

for kind in transacao_longa bloqueio_de_linhas ocioso_em_transacao; do
  case $kind in
    transacao_longa) state='in long transaction' ;;
    bloqueio_de_linhas) state='holding row locks' ;;
    ocioso_em_transacao) state='idle in transaction' ;;
  esac
  echo "== longtx: $kind"
  q -d $DB "SELECT alimentador_set_weights('$kind=5')" >/dev/null
  check "a worker shows '$state' while it holds" wait_for 15 "SELECT count(*) FROM alimentador_status() WHERE estado = '$state'" 1 $DB
  h=$(holder); other=$((1 - ${h:-0}))
  before=$(done_by $other)
  check "the other worker keeps committing meanwhile" wait_for $HOLD "SELECT feitas >= $((before + 20)) AND (SELECT count(*) FROM alimentador_status() WHERE worker = ${h:-0} AND estado = '$state') = 1 FROM alimentador_status() WHERE worker = $other" t $DB
  case $kind in
    transacao_longa)
      check "its transaction started before the other worker's commits, and is still open" between "$(oldest)" 1 $((HOLD + 1)) ;;
    bloqueio_de_linhas)
      locked_exams=$(q -d $DB "SELECT (SELECT count(*) FROM hospital.exames WHERE resultado IS NULL AND data <= now())
                                    - (SELECT count(*) FROM (SELECT 1 FROM hospital.exames WHERE resultado IS NULL AND data <= now() FOR UPDATE SKIP LOCKED) s)")
      locked_patients=$(q -d $DB "SELECT (SELECT count(*) FROM hospital.pacientes) - (SELECT count(*) FROM (SELECT 1 FROM hospital.pacientes FOR NO KEY UPDATE SKIP LOCKED) s)")
      check "it holds locks on pending exams that SKIP LOCKED skips: $locked_exams" between "$locked_exams" 2 52
      check "and on patients: $locked_patients" between "$locked_patients" 2 102 ;;
    ocioso_em_transacao)
      check "pg_stat_activity shows the worker idle in transaction" eq \
        "$(q -d $DB "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'alimentador' AND state = 'idle in transaction'")" 1 ;;
  esac
  check "one at a time, none open longer than $HOLD s" bounded
done

echo "== longtx: a pause ends a hold at once; a session's stream holds for the duration"
q "ALTER SYSTEM SET alimentador.long_transaction_duration = 600" >/dev/null; q "SELECT pg_reload_conf()" >/dev/null
check "alimentador.long_transaction_duration is reloadable" wait_for 5 "SELECT valor FROM alimentador_settings() WHERE nome = 'long_transaction_duration'" 600s $DB
check "it is bounded: more than 10 min is rejected" contains "$(q_err "ALTER SYSTEM SET alimentador.long_transaction_duration = '11min'")" 'is outside the valid range for parameter "alimentador.long_transaction_duration"'
q -d $DB "SELECT alimentador_set_weights('transacao_longa=100')" >/dev/null
check "a worker holds" wait_for 15 "SELECT count(*) FROM alimentador_status() WHERE estado = 'in long transaction'" 1 $DB
q -d $DB "SELECT alimentador_pause()" >/dev/null
check "paused within 2 s, the long transaction committed" wait_for 2 "SELECT string_agg(estado, ',') FROM alimentador_status()" "paused,paused" $DB
check "no worker transaction left open" eq "$(oldest)" 0
q "ALTER SYSTEM SET alimentador.long_transaction_duration = 2" >/dev/null; q "SELECT pg_reload_conf()" >/dev/null
start=$(date +%s%N)
done_in_session=$(q -d $DB "SELECT feitas FROM alimentador_stream(1, 'default,insert_paciente=0,insert_consulta=0,insert_exame=0,insert_internacao=0,update_paciente=0,update_consulta=0,update_exame=0,update_internacao=0,transacao_longa=1')")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "alimentador_stream() runs transacao_longa in the session: it held ${ms} ms" between "$ms" 1900 5000
check "and counts it done" eq "$done_in_session" 1
check "no failed operation" eq "$(q -d $DB "SELECT sum(falhas) FROM alimentador_status()")" 0

summary longtx
