#!/usr/bin/env bash
# End-to-end tests of the run-time controls file ($PGDATA/alimentador.controles) read at start,
# against a cluster that preloads the library (installed by scripts/build-extension.sh): each invalid
# or unknown key gets a WARNING naming the file, the key, the value and what applies instead, the
# valid keys are kept, and a file that cannot be read or an invalid "enabled" leaves the workers
# paused (never fails open). Prints "controls: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/cluster.sh
. tests/lib/cluster.sh

DB=hospital
FILE=alimentador.controles
estado() { q "SELECT estado FROM alimentador_status() WHERE worker = 0"; }
setting() { q "SELECT valor || ' ' || origem FROM alimentador_settings() WHERE nome = '$1'"; }
# The server log since the last restart_with.
LOG_FROM=1
new_log() { tail -n +"$LOG_FROM" "$PGDIR/server.log"; }
# new_log_count PATTERN: lines of the log since the last restart_with with PATTERN (fixed string).
new_log_count() { new_log | grep -c -F -- "$1" || true; }
has_warning() {
  new_log | grep -F -- "WARNING:  alimentador: " | grep -q -F -- "$1" && return 0
  echo "    no WARNING with [$1] in the server log since the restart:" >&2
  new_log | grep -F WARNING >&2
  return 1
}
# restart_with TEXT: stops the cluster, writes TEXT as the controls file, starts it again.
restart_with() {
  cluster_stop "$PGDIR"
  printf '%s\n' "$1" >"$PGDIR/$FILE"
  chown postgres: "$PGDIR/$FILE"
  LOG_FROM=$(( $(wc -l <"$PGDIR/server.log") + 1 ))
  cluster_start "$PGDIR"
}

echo "== controls: the controls file is validated key by key at start"
new_cluster controls "shared_preload_libraries = 'alimentador'" "alimentador.database = '$DB'" \
  "alimentador.workers = 1" "alimentador.rate = 20" "wal_level = logical"
q "CREATE EXTENSION alimentador" # in database postgres, to observe the worker
q "CREATE DATABASE $DB"
q -d $DB "CREATE EXTENSION alimentador"
q -d $DB "SELECT count(*) FROM alimentador_seed(semente => 1)" >/dev/null
check "the worker streams" wait_for 30 "SELECT estado FROM alimentador_status()" running

for bad in -5 1e308; do
  restart_with "{\"rate\": $bad}"
  check "rate $bad: a WARNING naming the file and the key" has_warning "$FILE\" has an invalid \"rate\": "
  check "…the value and the rule" has_warning "(a rate is 0 (unlimited) or from 0.001 to 1000000 operations per second, got $bad)"
  check "…which is postgresql.conf's rate" has_warning 'alimentador.rate from postgresql.conf applies instead'
  check "…and the settings show it" eq "$(setting rate)" "20 postgresql.conf"
  check "…so the worker runs at 20/s, not unlimited" \
    wait_for 20 "SELECT estado || ':' || taxa_alvo FROM alimentador_status()" "running:20"
done

restart_with '{"enabled": false, "rate": "x"}'
check 'enabled false with a bad rate: the WARNING about the rate' has_warning "invalid \"rate\": \"x\" (not a number)"
check "…the pause is kept" eq "$(setting enabled)" "false run-time control (kept in $FILE)"
check "…the worker is paused" wait_for 20 "SELECT estado FROM alimentador_status()" paused
sleep 2
check "…and stays paused" eq "$(estado)" paused

restart_with '{"rate": 7, "weights": "nada", "extra": 1}'
check "a valid rate next to a bad weights and an unknown key is kept" eq "$(setting rate)" "7 run-time control (kept in $FILE)"
check "…the weights WARNING says what applies" has_warning "invalid \"weights\": \"nada\""
check "…the unknown key is warned about" has_warning "unknown key \"extra\", ignored"
check "…the weights follow postgresql.conf" contains "$(setting weights)" "postgresql.conf"
check "…the worker runs at the kept rate" \
  wait_for 20 "SELECT estado || ':' || taxa_alvo FROM alimentador_status()" "running:7"

restart_with 'garbage {'
check "a file that cannot be parsed: a WARNING that the workers stay paused and how to fix it" \
  has_warning "$FILE\" cannot be read"
check "…naming alimentador_resume() and alimentador_clear_overrides()" \
  has_warning "stay paused until alimentador_resume() or alimentador_clear_overrides()"
check "…one WARNING, not one per read" eq "$(new_log_count 'cannot be read')" 1
check "…the settings show the pause" eq "$(setting enabled)" "false run-time control (kept in $FILE)"
check "…the worker is paused" wait_for 20 "SELECT estado FROM alimentador_status()" paused
sleep 2
check "…and stays paused" eq "$(estado)" paused
q "SELECT alimentador_resume()" >/dev/null
check "alimentador_resume() resumes" wait_for 10 "SELECT estado FROM alimentador_status()" running
check "…and rewrites the file" contains "$(cat "$PGDIR/$FILE")" '"enabled": true'

restart_with '{"enabled": "no"}'
check 'an invalid "enabled": a WARNING that the workers stay paused' \
  has_warning "invalid \"enabled\": \"no\" (true or false expected)"
check "…the worker is paused" wait_for 20 "SELECT estado FROM alimentador_status()" paused
q "SELECT alimentador_clear_overrides()" >/dev/null
check "alimentador_clear_overrides() returns to postgresql.conf (running)" \
  wait_for 10 "SELECT estado FROM alimentador_status()" running
check "…and removes the file" eq "$(test -e "$PGDIR/$FILE" && echo present || echo absent)" absent

echo "== controls: the same rule for a rate everywhere: a near-zero rate is not unlimited"
check "alimentador_set_rate(5e-324) is refused" contains \
  "$(q_err "SELECT alimentador_set_rate(5e-324)")" "below the least rate 0.001"
check "…nothing changed" eq "$(setting rate)" "20 postgresql.conf"
restart_with '{"rate": 5e-324}'
check "rate 5e-324 in the file: a WARNING" has_warning "invalid \"rate\": 5e-324"
check "…the worker runs at postgresql.conf's rate, not unlimited" \
  wait_for 20 "SELECT estado || ':' || taxa_alvo FROM alimentador_status()" "running:20"
cluster_stop "$PGDIR"
rm -f "$PGDIR/$FILE"
echo "alimentador.rate = '1e-9'" >>"$PGDIR/postgresql.conf"
LOG_FROM=$(( $(wc -l <"$PGDIR/server.log") + 1 ))
cluster_start "$PGDIR"
check "alimentador.rate = 1e-9 in postgresql.conf is rejected" contains "$(new_log)" 'invalid value for parameter "alimentador.rate": 1e-09'
check "…the default rate applies, not unlimited" \
  wait_for 20 "SELECT estado || ':' || taxa_alvo FROM alimentador_status()" "running:0.5"

summary controls
