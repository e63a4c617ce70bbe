#!/usr/bin/env bash
# The packages users install: the PGXN META.json validates against the PGXN Meta Spec 1.0.0 (a JSON
# schema written from the spec, tests/package/); a .deb for PG_MAJOR (scripts/package-deb.sh, from
# `cargo pgrx package`, debug here to reuse the test build; users' are release) holds exactly the
# library, the control file and the install and upgrade scripts in Debian's layout; on 15 it is
# installed with `apt-get install ./….deb` into a clean Debian bookworm container (podman, base made by
# debootstrap) with Debian's postgresql-15, where CREATE EXTENSION and a seed work. Bookworm has no
# postgresql-18: the 18 .deb is built and checked, not installed (said below). In the serial list.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO_ROOT="$PWD"
started=$(date +%s)
. tests/lib/cluster.sh
. tests/lib/packages.sh
. tests/lib/containers.sh
work="$(mktemp -d /tmp/alimentador-package.XXXXXX)"; chmod 755 "$work"
trap 'rm -rf "$work" "$CONTAINERS_CONF"' EXIT
version="$(sed -n -E 's/^version = "(.*)"$/\1/p' Cargo.toml | head -1)"

echo "== PGXN META.json"
meta_valid() {
  /usr/bin/python3 - <<'PY'
import json, sys, jsonschema
meta = json.load(open("META.json"))
schema = json.load(open("tests/package/pgxn-meta-1.0.0.schema.json"))
errors = list(jsonschema.Draft202012Validator(schema).iter_errors(meta))
for e in errors: print("    META.json:", "/".join(map(str, e.path)), e.message, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
}
if [ "$PG_MAJOR" = 15 ]; then
  /usr/bin/python3 -c 'import jsonschema' 2>/dev/null || scripts/install-container-tools.sh >/dev/null
  check "META.json validates against the PGXN Meta Spec 1.0.0 schema" meta_valid
  check "META.json's version is Cargo.toml's ($version)" eq "$(/usr/bin/python3 -c 'import json; m = json.load(open("META.json")); print(m["version"], m["provides"]["alimentador"]["version"])')" "$version $version"
else
  echo "  (validated on the 15 pass)"
fi

echo "== the .deb for PostgreSQL $PG_MAJOR"
PACKAGE_PROFILE=debug package_build "$REPO_ROOT" "$PG_CONFIG" "$work/tree"
# gzip: a debug library compresses in seconds with it, in a minute with xz (users' packages: xz)
DEB_COMPRESSION=gzip scripts/package-deb.sh "$PG_MAJOR" "$work" "$work/tree" >/dev/null
deb="$work/postgresql-$PG_MAJOR-alimentador_${version}_$(dpkg --print-architecture).deb"
check "scripts/package-deb.sh made $(basename "$deb")" test -s "$deb"
deb_files() { dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | LC_ALL=C sort | tr '\n' ' '; }
want="$( { echo "./usr/lib/postgresql/$PG_MAJOR/lib/alimentador.so ./usr/share/doc/postgresql-$PG_MAJOR-alimentador/copyright"
           echo "./usr/share/postgresql/$PG_MAJOR/extension/alimentador.control ./usr/share/postgresql/$PG_MAJOR/extension/alimentador--$version.sql"
           for s in sql/alimentador--*--*.sql; do echo "./usr/share/postgresql/$PG_MAJOR/extension/${s#sql/}"; done; } |
         tr ' ' '\n' | LC_ALL=C sort | tr '\n' ' ')"
check "it holds the library, the control file, the install and upgrade scripts in Debian's layout" eq "$(deb_files)" "$want"
check "it depends on postgresql-$PG_MAJOR" contains "$(dpkg-deb -f "$deb" Depends)" "postgresql-$PG_MAJOR"

if [ "$PG_MAJOR" != 15 ]; then
  echo "  NOTE not installed: Debian bookworm packages PostgreSQL 15 only (postgresql-$PG_MAJOR is in the PostgreSQL apt repository, which CI cannot reach)"
  echo "package took $(( $(date +%s) - started ))s"; summary package; exit
fi

echo "== apt-get install ./$(basename "$deb") in a clean Debian bookworm container"
rc=0; containers_ready || rc=$?
if [ "$rc" = 2 ]; then summary package; exit; fi
[ "$rc" = 0 ] || { FAILED=$((FAILED + 1)); summary package; exit 1; }
in_container() {
  podman run --rm --network=host -v "$work:/pkg:ro" "$BASE_IMAGE" bash -euo pipefail -c '
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "/pkg/$1" >/tmp/apt.log 2>&1 || { tail -20 /tmp/apt.log; exit 1; }
    dpkg -s postgresql-15 | sed -n "s/^Version: /postgresql-15 /p"
    pg_ctlcluster 15 main start
    su postgres -c "psql -X -A -t -v ON_ERROR_STOP=1 -c \"CREATE DATABASE hospital\" -d postgres" >/dev/null
    su postgres -c "psql -X -A -t -v ON_ERROR_STOP=1 -d hospital -c \"CREATE EXTENSION alimentador\" -c \"SELECT extversion FROM pg_extension WHERE extname = '"'"'alimentador'"'"'\" -c \"SELECT sum(linhas) FROM alimentador_seed(0.1, 1)\" -c \"SELECT count(*) FROM hospital.pacientes\""
    pg_ctlcluster 15 main stop
  ' _ "$(basename "$deb")" >"$work/container.log" 2>&1
}
if in_container; then ok=1; else ok=0; fi
sed 's/^/    /' "$work/container.log"
check "apt-get install ./….deb pulled Debian's postgresql-15 and installed" test "$ok" = 1 -a -n "$(grep '^postgresql-15 ' "$work/container.log")"
check "CREATE EXTENSION alimentador gives version $version" grep -qx "$version" "$work/container.log"
check "the seed works: 200 pacientes at scale 0.1" grep -qx 200 "$work/container.log"

echo "package took $(( $(date +%s) - started ))s"
summary package
