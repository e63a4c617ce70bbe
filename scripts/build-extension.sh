#!/usr/bin/env bash
# Builds the extension and installs it into the PostgreSQL of PG_MAJOR (default 15; where it is:
# scripts/lib/pg.sh). `release` builds optimised; anything else a debug build. Used by setup.sh,
# the tests, the benchmarks and the Dockerfile. Prints a short summary; when the build fails, cargo's
# whole output and a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/pg.sh
PG_MAJOR="${PG_MAJOR:-15}"
PG_CONFIG="$(pg_config_for "$PG_MAJOR")"
profile=()
[ "${1:-debug}" = release ] && profile=(--release)
output="$(mktemp /tmp/alimentador-build.XXXXXX)"
trap 'rm -f "$output"' EXIT
if ! cargo pgrx install "${profile[@]}" --pg-config "$PG_CONFIG" --no-default-features --features "pg$PG_MAJOR" \
  >"$output" 2>&1; then
  cat "$output" >&2
  echo "alimentador[build-extension]: cargo pgrx install failed (its output is above)" >&2
  exit 1
fi
# The summary: warnings, what was installed where, the build time (sed prints nothing when no line
# matches, without failing).
sed -n -E '/^(error|warning)|Installing|Finished/p' "$output"
control="$("$PG_CONFIG" --sharedir)/extension/alimentador.control"
[ -f "$control" ] || { echo "alimentador[build-extension]: $control was not installed" >&2; exit 1; }
