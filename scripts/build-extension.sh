#!/usr/bin/env bash
# Builds the extension and installs it into the PostgreSQL of PG_CONFIG (default: the system's
# PostgreSQL $PG_MAJOR). `release` builds optimised; anything else a debug build. Used by setup.sh,
# the tests, the benchmarks and the Dockerfile.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_MAJOR="${PG_MAJOR:-15}"
PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}"
profile=()
[ "${1:-debug}" = release ] && profile=(--release)
cargo pgrx install "${profile[@]}" --pg-config "$PG_CONFIG" --no-default-features --features "pg$PG_MAJOR" 2>&1 \
  | grep -E "^(error|warning: unused)|Installing|Finished" || true
test -f "$("$PG_CONFIG" --sharedir)/extension/alimentador.control"
