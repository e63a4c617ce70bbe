#!/usr/bin/env bash
# HEALTHCHECK of the Docker image: the server accepts TCP connections (the entrypoint's temporary
# init server listens on the socket only, so it never counts), the extension is in $POSTGRES_DB
# and its library is preloaded (alimentador_status() answers only then). Paused workers are healthy.
#   POSTGRES_USER, POSTGRES_DB, POSTGRES_PASSWORD as in the official image; PGPORT (default 5432)
set -euo pipefail
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"
export PGHOST=127.0.0.1 PGPASSWORD="${PGPASSWORD:-${POSTGRES_PASSWORD:-}}"
pg_isready -q --username "$user" --dbname "$db"
psql -X -q -A -t -v ON_ERROR_STOP=1 --username "$user" --dbname "$db" \
     -c "SELECT count(*) FROM alimentador_status()" >/dev/null
