#!/usr/bin/env bash
# The pg_regress suite: psql sessions compared with tests/pg_regress/expected/*.out, against a cluster
# this script starts (library preloaded, no workers, so the output is deterministic).
#   tests/pg_regress/run.sh            run the suite
#   tests/pg_regress/run.sh --accept   also copy the results over the expected files (review the diff!)
set -euo pipefail
cd "$(dirname "$0")"
. ../lib/cluster.sh
# With RUST_BACKTRACE set, pgrx would put a Rust backtrace in the DETAIL of errors that pass through
# Rust: the server gets it so that the suite proves none reaches a psql user.
export RUST_BACKTRACE=1
new_cluster regress "shared_preload_libraries = 'alimentador'" "alimentador.workers = 0" "wal_level = logical" "timezone = 'UTC'"
q "CREATE DATABASE regression"
out="$(mktemp -d /tmp/alimentador-regress-out.XXXXXX)"
chmod 777 "$out"
tests=()
for f in sql/*.sql; do tests+=("$(basename "$f" .sql)"); done # the glob sorts them
status=0
"$PG_BIN/../lib/pgxs/src/test/regress/pg_regress" --bindir="$PG_BIN" --host="$PGDIR" --port="$PGPORT" --user=postgres \
  --use-existing --dbname=regression --inputdir=. --outputdir="$out" "${tests[@]}" || status=$?
# No Rust internals in what a user sees.
if grep -nE 'backtrace|at src/|\.rs:[0-9]' "$out"/results/*.out; then
  echo "Rust internals in the output above"; status=1
fi
if [ "${1:-}" = --accept ]; then cp "$out"/results/*.out expected/; fi
if [ "$status" != 0 ] && [ -f "$out/regression.diffs" ]; then head -100 "$out/regression.diffs"; fi
rm -rf "$out"
exit "$status"
