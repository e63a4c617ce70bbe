#!/usr/bin/env bash
# Runs every test against real PostgreSQL clusters that the tests start themselves:
#   0. lint: rustfmt, clippy -D warnings, shellcheck (scripts/lint.sh); a finding fails the run
#   1. unit tests and #[pg_test]s            (cargo pgrx test)
#   2. the pg_regress suite (tests/pg_regress) — what a psql user sees
#   3. the isolation specs (tests/isolation) — concurrent sessions, step by step
#   4. end-to-end tests of the background workers and scripts (tests/e2e/*.sh)
#   5. the Dockerfile's build steps, run on this host (tests/e2e/docker-steps.sh), when present
#   6. the table digest computed four ways agrees (tests/digest/run.sh: SQL, sink SQL, DuckDB, Python)
#   7. the Debezium end-to-end test (tests/cdc/run.sh), when present
# Installs what is missing first. Idempotent; every cluster is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_MAJOR="${PG_MAJOR:-15}"
scripts/install-deps.sh
start=$(date +%s)
step() { echo; echo "=== $* ($(( $(date +%s) - start ))s)"; }

step "lint"
scripts/lint.sh

step "cargo pgrx test pg$PG_MAJOR"
pgdata="$(mktemp -d /tmp/alimentador-pgrx-test.XXXXXX)"
chown postgres: "$pgdata"
trap 'rm -rf "$pgdata"' EXIT
CARGO_PGRX_TEST_RUNAS=postgres CARGO_PGRX_TEST_PGDATA="$pgdata" cargo pgrx test "pg$PG_MAJOR"

step "install the extension"
scripts/build-extension.sh debug

for t in tests/pg_regress/run.sh tests/isolation/run.sh tests/e2e/*.sh tests/digest/run.sh tests/verify/run.sh tests/cdc/run.sh; do
  [ -x "$t" ] || continue
  step "$t"
  "$t"
done
step "all tests passed"
