#!/usr/bin/env bash
# Entrypoint of the alimentador image (Debian bookworm + Debian's PostgreSQL), with the conventions of
# the official postgres image:
#   POSTGRES_PASSWORD          the superuser's password; required unless POSTGRES_HOST_AUTH_METHOD=trust
#   POSTGRES_USER              the superuser (default postgres)
#   POSTGRES_DB                the database made at the first start (default $POSTGRES_USER; the image: alimentador)
#   POSTGRES_INITDB_ARGS       extra arguments of initdb
#   POSTGRES_HOST_AUTH_METHOD  pg_hba.conf's method for TCP connections (default scram-sha-256)
#   PGDATA                     the data directory (default /var/lib/postgresql/data)
#   /docker-entrypoint-initdb.d/*.sh, *.sql, *.sql.gz   run at the first start, in name order, against a
#                              temporary server on the socket only (.sh: executed when executable,
#                              else sourced)
# An existing data directory is used as it is (no initialisation). The server is exec'd as PID 1 under
# the postgres user: SIGINT (the image's STOPSIGNAL) is a fast shutdown, SIGTERM a smart one.
set -Eeuo pipefail

log() { echo "docker-entrypoint: $*"; }
die() { echo "docker-entrypoint: error: $*" >&2; exit 1; }

# `docker run IMAGE -c foo=bar` means the server with those options.
if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi

if [ "$1" != postgres ]; then exec "$@"; fi

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA" || :
  chmod 3777 /var/run/postgresql
  # A new volume belongs to root: hand it to postgres (an existing one keeps its files' owner).
  find "$PGDATA" \! -user postgres -exec chown postgres: '{}' + 2>/dev/null || :
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

export POSTGRES_USER="${POSTGRES_USER:-postgres}"
export POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
    die "the database is uninitialized and POSTGRES_PASSWORD is not set: set it (-e POSTGRES_PASSWORD=...), or POSTGRES_HOST_AUTH_METHOD=trust to allow every connection without one (not recommended)"
  fi
  log "initialising $PGDATA (initdb, superuser $POSTGRES_USER)"
  pwfile=()
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    pw="$(mktemp)"; printf '%s\n' "$POSTGRES_PASSWORD" > "$pw"; pwfile=(--pwfile="$pw")
  fi
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of arguments, as in the official image
  initdb --username="$POSTGRES_USER" "${pwfile[@]}" --auth-local=trust --auth-host="$auth" \
         --encoding=UTF8 --locale=C.UTF-8 ${POSTGRES_INITDB_ARGS:-} -D "$PGDATA"
  [ "${#pwfile[@]}" = 0 ] || rm -f "$pw"
  # Connections from anywhere (the official image's pg_hba.conf line and listen_addresses).
  printf '\nhost all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"
  printf "\nlisten_addresses = '*'\n" >> "$PGDATA/postgresql.conf"

  # The temporary server: socket only, so nothing outside sees a half-initialised database.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w -t 120 start
  export PGHOST=/var/run/postgresql PGPORT="${PGPORT:-5432}"
  psql_init=(psql -X -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password)
  if [ "$POSTGRES_DB" != postgres ]; then
    "${psql_init[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then log "running $f"; "$f"
        else log "sourcing $f"; # shellcheck disable=SC1090
          . "$f"; fi ;;
      *.sql)    log "running $f"; "${psql_init[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sql.gz) log "running $f"; gunzip -c "$f" | "${psql_init[@]}" --dbname "$POSTGRES_DB" ;;
      *)        log "ignoring $f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w -t 120 stop
  unset PGHOST
  log "initialisation done; starting the server"
else
  log "$PGDATA holds a database already (PostgreSQL $(cat "$PGDATA/PG_VERSION")): no initialisation"
fi

exec "$@"
