#!/usr/bin/env bash
# The Prometheus path, for real: Debian's prometheus-postgres-exporter (installed if missing) runs
# with examples/prometheus/queries.yaml as the documented monitoring role against a cluster whose
# workers stream; /metrics is scraped twice: every metric the queries file defines is there, the change
# counters grow, no query fails. The Grafana dashboard (examples/grafana/) is valid JSON and uses only
# metrics the queries file defines. Prints "metrics: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/cluster.sh
. tests/lib/cluster.sh

QUERIES=examples/prometheus/queries.yaml
DASHBOARD=examples/grafana/alimentador.json
EXPORTER=prometheus-postgres-exporter
if ! command -v "$EXPORTER" >/dev/null || ! python3 -c 'import yaml' 2>/dev/null; then
  echo "metrics: installing $EXPORTER and python3-yaml (Debian)"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    prometheus-postgres-exporter python3-yaml >/dev/null; }; then
    echo "metrics: could not install the exporter" >&2; exit 1
  fi
fi

echo "== metrics: the dashboard"
check "the Grafana dashboard is valid JSON and uses only defined metrics" \
  python3 tests/e2e/metrics_check.py dashboard "$QUERIES" "$DASHBOARD"

DB=hospital
new_cluster metrics "shared_preload_libraries = 'alimentador'" "alimentador.database = '$DB'" \
  "alimentador.workers = 2" "alimentador.rate = 40" "alimentador.heartbeat_interval = 1" \
  "wal_level = logical" "max_replication_slots = 4"
q "CREATE DATABASE $DB"
q -d $DB "CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(0.2, 1)" >/dev/null
q -d $DB "SELECT count(*) FROM pg_create_logical_replication_slot('metricas', 'test_decoding')" >/dev/null
# The monitoring role of docs/src/monitoring.md: pg_monitor for the exporter's own metrics; alimentador's queries
# need only the heartbeat row beyond what PUBLIC has.
q -d $DB "CREATE ROLE alimentador_metricas LOGIN;
          GRANT pg_monitor TO alimentador_metricas;
          GRANT USAGE ON SCHEMA hospital TO alimentador_metricas;
          GRANT SELECT ON hospital.pulso TO alimentador_metricas"
q -d $DB "CALL alimentador_run(ops => 20, rate => 0)" 2>/dev/null
wait_for 20 "SELECT string_agg(estado, ',') FROM alimentador_status()" "running,running" $DB

port="$(free_port)"
log="$(mktemp)"; a="$(mktemp)"; b="$(mktemp)"
# The exporter's own bgwriter collector (0.11) reads pg_stat_bgwriter columns that PostgreSQL 17 moved
# to pg_stat_checkpointer, and logs an error at each scrape: off from 17 on (docs/src/monitoring.md).
extra=()
[ "$(q "SHOW server_version_num")" -lt 170000 ] || extra=(--no-collector.bgwriter)
DATA_SOURCE_NAME="host=127.0.0.1 port=$PGPORT user=alimentador_metricas dbname=$DB sslmode=disable" \
  "$EXPORTER" --web.listen-address="127.0.0.1:$port" --extend.query-path="$QUERIES" "${extra[@]}" >"$log" 2>&1 &
exporter=$!
trap 'kill "$exporter" 2>/dev/null; wait "$exporter" 2>/dev/null; rm -f "$log" "$a" "$b"; cleanup_clusters' EXIT
scrape() { curl -sf "http://127.0.0.1:$port/metrics" >"$1"; }
# scraped FILE PATTERN SECONDS: scrapes until the exposition matches.
scraped() {
  for _ in $(seq 1 $(($3 * 5))); do
    scrape "$1" && grep -q "$2" "$1" && return 0
    sleep 0.2
  done
  echo "    /metrics never matched [$2]" >&2
  return 1
}

echo "== metrics: the exporter with examples/prometheus/queries.yaml"
check "the exporter serves alimentador's metrics" scraped "$a" '^alimentador_worker_feitas' 20
total() { awk -v m="^$1" '$0 ~ m { s += $2 } END { printf "%d\n", s }' "$2"; }
# Wait for the stream to commit more (the exporter runs the queries at every scrape, one after the
# other: a commit between two of them shows in one counter a scrape before the other).
for _ in $(seq 1 50); do
  scrape "$b"
  [ "$(total alimentador_worker_feitas "$b")" -gt "$(total alimentador_worker_feitas "$a")" ] &&
    [ "$(total alimentador_changes_linhas "$b")" -gt "$(total alimentador_changes_linhas "$a")" ] && break
  sleep 0.2
done
check "every defined metric is exposed and the change counters grow" python3 tests/e2e/metrics_check.py scrape "$QUERIES" "$a" "$b"
check "the exporter reaches the server" contains "$(grep '^pg_up' "$b")" "pg_up 1"
check "no query failed (pg_exporter_last_scrape_error 0)" contains "$(grep '^pg_exporter_last_scrape_error' "$b")" \
  "pg_exporter_last_scrape_error 0"
check "…and the exporter logged no error" eq "$(grep -ci 'error' "$log")" 0
check "worker 0 is running" contains "$(grep '^alimentador_worker_estado_ativo{' "$b" | grep 'estado="running"' | grep 'worker="0"')" "} 1"
check "one state per worker is 1" eq "$(awk '/^alimentador_worker_estado_ativo/ { s += $2 } END { print s }' "$b")" 2
check "the slot's lag in bytes (nobody consumes it)" python3 -c "
import re, sys
v = [float(l.split()[-1]) for l in open('$b') if l.startswith('alimentador_slot_atraso_bytes{') and 'slot=\"metricas\"' in l]
sys.exit(0 if v and v[0] > 0 else 1)"
check "the run's counters (execucao 1, 20 operations)" eq \
  "$(awk '/^alimentador_run_(feitas|puladas|falhas)\{execucao="1"/ { s += $2 } END { print s }' "$b")" 20
check "the target rate" contains "$(grep '^alimentador_controle_taxa_alvo' "$b")" "} 40"
check "the heartbeat's age" grep -q '^alimentador_pulso_idade_segundos{' "$b"

echo "== metrics: the grants alimentador's queries need"
# Without pg_monitor: only USAGE on hospital and SELECT on hospital.pulso beyond PUBLIC's rights.
q -d $DB "CREATE ROLE metricas_minimas LOGIN; GRANT USAGE ON SCHEMA hospital TO metricas_minimas;
          GRANT SELECT ON hospital.pulso TO metricas_minimas"
as_minimal() {
  local ns sql n bad=0
  while IFS=$'\t' read -r ns sql; do
    n="$(psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT" -U metricas_minimas -d $DB \
      -c "SELECT count(*) FROM ($sql) x")" || { echo "    $ns failed" >&2; bad=1; continue; }
    [ "$n" -gt 0 ] || { echo "    $ns: no rows" >&2; bad=1; }
  done < <(python3 tests/e2e/metrics_check.py queries "$QUERIES")
  return $bad
}
check "every query works for a role with just those grants, and returns rows" as_minimal
q -d $DB "REVOKE SELECT ON hospital.pulso FROM metricas_minimas"
check "…and the heartbeat's needs SELECT on hospital.pulso" contains \
  "$(psql -X -q -h "$PGDIR" -p "$PGPORT" -U metricas_minimas -d $DB -c "SELECT * FROM hospital.pulso" 2>&1)" "permission denied"

[ "$FAILED" = 0 ] || sed 's/^/    exporter: /' "$log" | tail -20 >&2
summary metrics
