#!/usr/bin/env bash
# The server settings alimentador needs, written in two steps. Idempotent.
#
#   alimentador-config.sh --sample FILE
#       At image build, on postgresql.conf.sample (initdb copies it into every new data directory):
#       logical decoding for CDC, the preloaded library, and an include of alimentador.conf. So
#       every server of the image preloads the library, the entrypoint's temporary one included.
#   alimentador-config.sh
#       At first start, as the owner of $PGDATA (docker/initdb-alimentador.sh runs it): writes
#       $PGDATA/alimentador.conf, the stream workers' settings from the environment, and lets
#       replication connections (Debezium) in over TCP, with the method pg_hba.conf already uses
#       for the image's `host all all all` line. Applies when the server starts next: the
#       entrypoint restarts it after the init scripts.
#
#   PGDATA                data directory (set by the official image)
#   POSTGRES_DB           database the workers stream into (default $POSTGRES_USER, then postgres)
#   ALIMENTADOR_WORKERS   stream background workers, 0-16 (default 1)
#   ALIMENTADOR_RATE      operations per second, all workers together; 0 = unlimited (default 0.5)
#   ALIMENTADOR_ENABLED   on | off: off starts the workers paused (default on)
set -euo pipefail
die() { echo "alimentador-config: $*" >&2; exit 1; }
include="include_if_exists = 'alimentador.conf'"

if [ "${1:-}" = --sample ]; then
  sample="${2:?usage: alimentador-config.sh --sample FILE}"
  grep -qx "$include" "$sample" && exit 0
  cat >> "$sample" <<CONF

# alimentador: CDC-ready logical decoding and the stream workers (see pgrx-config/alimentador.conf)
wal_level = logical
max_replication_slots = 10
max_wal_senders = 10
shared_preload_libraries = 'alimentador'
# the workers' settings, written at the first start from the ALIMENTADOR_* environment
$include
CONF
  exit 0
fi

: "${PGDATA:?PGDATA must name the data directory}"
[ -f "$PGDATA/postgresql.conf" ] || die "$PGDATA/postgresql.conf not found: run initdb first"
db="${POSTGRES_DB:-${POSTGRES_USER:-postgres}}"
workers="${ALIMENTADOR_WORKERS:-1}"
rate="${ALIMENTADOR_RATE:-0.5}"
enabled="${ALIMENTADOR_ENABLED:-on}"
[[ "$workers" =~ ^([0-9]|1[0-6])$ ]] || die "ALIMENTADOR_WORKERS must be 0 to 16, got '$workers'"
[[ "$rate" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "ALIMENTADOR_RATE must be a number of operations per second, got '$rate'"
[[ "$enabled" =~ ^(on|off|true|false|yes|no|1|0)$ ]] || die "ALIMENTADOR_ENABLED must be on or off, got '$enabled'"

cat > "$PGDATA/alimentador.conf" <<CONF
# Written by alimentador-config.sh at the first start. All settings: pgrx-config/alimentador.conf in
# the repository. database and workers apply at restart; rate and enabled at reload
# (SELECT pg_reload_conf()). ALTER SYSTEM overrides this file.
alimentador.database = '${db//\'/\'\'}'
alimentador.workers = $workers
alimentador.rate = $rate
alimentador.enabled = $enabled
CONF
grep -qx "$include" "$PGDATA/postgresql.conf" || printf '\n%s\n' "$include" >> "$PGDATA/postgresql.conf"

hba="$PGDATA/pg_hba.conf"
method="$(awk '$1 == "host" && $2 == "all" && $3 == "all" && $4 == "all" && NF >= 5 { m = $5 } END { print m }' "$hba")"
if [ -n "$method" ] && ! grep -qE '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+all[[:space:]]' "$hba"; then
  printf 'host replication all all %s\n' "$method" >> "$hba"
fi
echo "alimentador-config: wrote $PGDATA/alimentador.conf (database '$db', workers $workers, rate $rate, enabled $enabled)"
