#!/usr/bin/env bash
# Sets everything up and runs the main job: installs the dependencies, builds and installs the
# extension (release), starts a local PostgreSQL with wal_level=logical and the stream worker
# preloaded, creates a database with the extension and the seed, and shows the stream running.
# Idempotent: run it again to rebuild and restart.
#
#   ALIMENTADOR_PGDATA  data directory   (default /var/tmp/alimentador/pgdata)
#   ALIMENTADOR_PORT    port             (default 5544)
#   ALIMENTADOR_DB      database         (default hospital)
#   ALIMENTADOR_RATE    operations/s     (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_MAJOR="${PG_MAJOR:-15}"
PGDATA_DIR="${ALIMENTADOR_PGDATA:-/var/tmp/alimentador/pgdata}"
PORT="${ALIMENTADOR_PORT:-5544}"
DB="${ALIMENTADOR_DB:-hospital}"
RATE="${ALIMENTADOR_RATE:-5}"
log() { echo "alimentador[setup]: $*"; }

scripts/install-deps.sh
. tests/lib/cluster.sh

# A running cluster that preloads the library must stop before its .so is replaced.
if [ -f "$PGDATA_DIR/postmaster.pid" ]; then log "stopping the running cluster"; cluster_stop "$PGDATA_DIR"; fi
log "building and installing the extension (release)"
scripts/build-extension.sh release

if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
  log "creating a cluster in $PGDATA_DIR (port $PORT)"
  mkdir -p "$(dirname "$PGDATA_DIR")"
  cluster_init "$PGDATA_DIR" "$PORT" "include_if_exists = 'alimentador.conf'"
fi
sed -e "s/^alimentador.database = .*/alimentador.database = '$DB'/" \
    -e "s/^alimentador.rate = .*/alimentador.rate = $RATE/" pgrx-config/alimentador.conf > "$PGDATA_DIR/alimentador.conf"
chown postgres: "$PGDATA_DIR/alimentador.conf"
PGDIR="$PGDATA_DIR"; PGPORT="$PORT"
cluster_start "$PGDATA_DIR"

q "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 || q "CREATE DATABASE $DB"
if [ -z "$(q -d "$DB" "SELECT 1 FROM pg_extension WHERE extname = 'alimentador'")" ]; then
  log "creating the extension and seeding"
  q -d "$DB" "BEGIN; CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(); COMMIT;" >/dev/null
else
  q -d "$DB" "ALTER EXTENSION alimentador UPDATE" >/dev/null 2>&1
fi
wait_for 60 "SELECT bool_and(estado = 'running') FROM alimentador_status()" t "$DB" || log "the worker is not running yet: see $PGDATA_DIR/server.log"
sleep 2
log "the stream is running at $RATE ops/s; rows now:"
psql -X -h "$PGDATA_DIR" -p "$PORT" -U postgres -d "$DB" -c "SELECT * FROM alimentador_counts()" \
     -c "SELECT worker, pid, estado, feitas, puladas, falhas, round(ops_por_segundo::numeric, 1) AS ops_s FROM alimentador_status()"
cat <<MSG
alimentador[setup]: connect with   psql -h $PGDATA_DIR -p $PORT -U postgres $DB   (or -h 127.0.0.1)
alimentador[setup]: watch with     SELECT * FROM alimentador_status();   SELECT * FROM alimentador_counts();
alimentador[setup]: stop with      runuser -u postgres -- $PG_BIN/pg_ctl -D $PGDATA_DIR stop
MSG
