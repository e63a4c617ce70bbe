#!/usr/bin/env bash
# The isolation specs: concurrent sessions driven step by step by PostgreSQL's isolationtester
# (tests/isolation/specs/*.spec), each permutation's output compared with tests/isolation/expected/*.out,
# against a cluster this script starts (library preloaded, no workers) with the extension created in
# database `isolation` and not seeded: each spec's setup puts the hospital in the state it needs.
#   tests/isolation/run.sh            run every spec
#   tests/isolation/run.sh --accept   also copy the results over the expected files (review the diff!)
set -euo pipefail
cd "$(dirname "$0")"
. ../lib/cluster.sh
new_cluster isolation "shared_preload_libraries = 'alimentador'" "alimentador.workers = 0" "wal_level = logical" "timezone = 'UTC'"
q "CREATE DATABASE isolation"
q -d isolation "CREATE EXTENSION alimentador"
out="$(mktemp -d /tmp/alimentador-isolation-out.XXXXXX)"
chmod 777 "$out"
specs=()
for f in specs/*.spec; do specs+=("$(basename "$f" .spec)"); done # the glob sorts them
# pg_regress stops at a missing expected file: a new spec starts from an empty one under --accept.
if [ "${1:-}" = --accept ]; then
  for t in "${specs[@]}"; do [ -f "expected/$t.out" ] || : >"expected/$t.out"; done
fi
status=0
"$PG_BIN/../lib/pgxs/src/test/isolation/pg_isolation_regress" --bindir="$PG_BIN" --host="$PGDIR" --port="$PGPORT" --user=postgres \
  --use-existing --dbname=isolation --inputdir=. --outputdir="$out" "${specs[@]}" || status=$?
if [ "${1:-}" = --accept ]; then cp "$out"/results/*.out expected/; fi
if [ "$status" != 0 ] && [ -f "$out/regression.diffs" ]; then head -200 "$out/regression.diffs"; fi
rm -rf "$out"
exit "$status"
