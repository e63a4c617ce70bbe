#!/usr/bin/env bash
# The pg_regress suite: psql sessions compared with tests/pg_regress/expected/*.out, against a cluster
# this script starts (library preloaded, no workers, so the output is deterministic).
#   tests/pg_regress/run.sh            run the suite
#   tests/pg_regress/run.sh --accept   also copy the results over the expected files (review the diff!)
set -euo pipefail
cd "$(dirname "$0")"
. ../lib/cluster.sh
new_cluster regress "shared_preload_libraries = 'alimentador'" "alimentador.workers = 0" "wal_level = logical" "timezone = 'UTC'"
q "CREATE DATABASE regression"
out="$(mktemp -d /tmp/alimentador-regress-out.XXXXXX)"
chmod 777 "$out"
tests=()
for f in sql/*.sql; do tests+=("$(basename "$f" .sql)"); done # the glob sorts them
status=0
"$PG_BIN/../lib/pgxs/src/test/regress/pg_regress" --host="$PGDIR" --port="$PGPORT" --user=postgres \
  --use-existing --dbname=regression --inputdir=. --outputdir="$out" "${tests[@]}" || status=$?
if [ "${1:-}" = --accept ]; then cp "$out"/results/*.out expected/; fi
if [ "$status" != 0 ] && [ -f "$out/regression.diffs" ]; then head -100 "$out/regression.diffs"; fi
rm -rf "$out"
exit "$status"
