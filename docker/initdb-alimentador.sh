#!/usr/bin/env bash
# First start of the Docker image, from /docker-entrypoint-initdb.d: writes the server settings
# (alimentador-config.sh), then creates the extension in $POSTGRES_DB and seeds it, in one
# transaction. The official entrypoint runs it as the postgres user against its temporary server
# (socket only, library not preloaded), then restarts the server with the settings written here:
# the stream workers start then, and find the extension and the seed ready.
#
#   POSTGRES_USER, POSTGRES_DB   as in the official image (defaults postgres, $POSTGRES_USER)
#   ALIMENTADOR_SCALE            seed scale: 1 is about 13,000 rows (default 1)
#   ALIMENTADOR_SEMENTE          random seed (semente) of the generated data, an integer; empty = random (default)
#   PGHOST, PGPORT, PGDATA       where the server is (the image's defaults when unset)
set -euo pipefail
die() { echo "alimentador-initdb: $*" >&2; exit 1; }
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"
scale="${ALIMENTADOR_SCALE:-1}"
semente="${ALIMENTADOR_SEMENTE:-}"
[[ "$scale" =~ ^[0-9]*[.]?[0-9]+$ ]] || die "ALIMENTADOR_SCALE must be a number, got '$scale'"
[[ "$semente" =~ ^(-?[0-9]+)?$ ]] || die "ALIMENTADOR_SEMENTE must be an integer or empty, got '$semente'"

# Next to this script in the repository, on the PATH in the image.
config="$(dirname "${BASH_SOURCE[0]}")/alimentador-config.sh"
[ -x "$config" ] || config=alimentador-config.sh
"$config"

echo "alimentador-initdb: creating the extension in database '$db' and seeding it (scale $scale, semente ${semente:-random})"
psql -X -v ON_ERROR_STOP=1 --quiet --username "$user" --no-password --dbname "$db" \
     -v scale="$scale" -v semente="$semente" <<'SQL'
BEGIN;
CREATE EXTENSION alimentador;
SELECT tabela, linhas FROM alimentador_seed(:'scale'::float8, NULLIF(:'semente', '')::bigint);
COMMIT;
SQL
