#!/usr/bin/env bash
# Self-test of the CDC harness (capture.py + verify.py) against a toy
# `hospital` schema, with the real Debezium PostgreSQL connector.
#
# For REPLICA IDENTITY FULL, then DEFAULT:
#   seed rows -> capture (snapshot + streaming) -> batch 1 -> stop capture
#   -> batch 2 while stopped -> restart capture with the same offsets
#   -> batch 3 -> stop -> verify (must pass) -> verify with a wrong expected
#   count (must fail) -> change a row behind the capture's back, verify (must fail)
#
# Needs: PostgreSQL server binaries (PGBIN, default: newest under
# /usr/lib/postgresql), Java 17+, PyPI access on first run (setup_venv.sh).
# Run as root (the cluster runs as user postgres) or as a normal user.
#   CDC_KEEP=1  keep the scratch directory (/tmp/cdc-selftest.*) afterwards
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ -z ${PGBIN:-} ]]; then
    bins=(/usr/lib/postgresql/*/bin)
    PGBIN=$(printf '%s\n' "${bins[@]}" | sort -V | tail -1)
fi
work=$(mktemp -d /tmp/cdc-selftest.XXXXXX)
chmod 755 "$work"
pgdir=$work/pg            # owned by the cluster's user
pgdata=$pgdir/data
capture_pid=""
started=$EPOCHREALTIME
ok=0
passed=0

since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
say() { printf '\n=== [%6ss] %s\n' "$(since "$started")" "$*"; }
fail() { echo "SELFTEST FAILED: $*" >&2; echo "selftest: $passed passed, 1 failed"; exit 1; }
pass() { passed=$((passed + 1)); }
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

cleanup() {
    if [[ -n $capture_pid ]] && kill -0 "$capture_pid" 2>/dev/null; then
        kill "$capture_pid" 2>/dev/null || true
        wait "$capture_pid" 2>/dev/null || true
    fi
    [[ -f $pgdata/postmaster.pid ]] && as_pg "$PGBIN/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1
    if [[ $ok == 1 && ${CDC_KEEP:-0} != 1 ]]; then
        rm -rf "$work"
    else
        echo "scratch directory kept: $work" >&2
    fi
}
trap cleanup EXIT

say "venv"
venv=$("$here/setup_venv.sh")
py=$venv/bin/python
python3 "$here/dbzconfig.py" --check

say "cluster"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if [[ $(id -u) == 0 ]]; then pg_owner=postgres; else pg_owner=$(id -un); fi
mkdir "$pgdir" && chown "$pg_owner" "$pgdir"
as_pg "$PGBIN/initdb" -D "$pgdata" -A trust -U postgres >"$work/initdb.log"  # written by this shell, not by postgres
cat >>"$pgdata/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$pgdata'
wal_level = logical
max_replication_slots = 4
max_wal_senders = 4
fsync = off
EOF
as_pg "$PGBIN/pg_ctl" -D "$pgdata" -l "$pgdir/postgres.log" -w start >/dev/null
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"

psql_() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"; }

start_capture() {  # $1 = run label
    rm -f "$dir/stop" "$dir/ready"
    local t0=$EPOCHREALTIME
    echo "--- capture $1" >>"$dir/capture.log"
    nice -n 10 "$py" "$here/capture.py" --host 127.0.0.1 --port "$port" --dbname "$db" --user postgres \
        --offsets "$dir/offsets.dat" --out "$dir/events.jsonl" --stop-file "$dir/stop" \
        --ready-file "$dir/ready" --max-seconds 900 >>"$dir/capture.log" 2>&1 &
    capture_pid=$!
    for _ in $(seq 600); do
        [[ -f $dir/ready ]] && break
        kill -0 "$capture_pid" 2>/dev/null || { tail -30 "$dir/capture.log"; fail "capture $1 died"; }
        sleep 0.3
    done
    [[ -f $dir/ready ]] || { tail -30 "$dir/capture.log"; fail "capture $1 not streaming after 180s"; }
    echo "capture $1 streaming $(since "$t0")s after launch"
}

stop_capture() {
    local t0=$EPOCHREALTIME
    touch "$dir/stop"
    wait "$capture_pid" || fail "capture exited with status $?"
    capture_pid=""
    echo "capture stopped $(since "$t0")s after the stop file"
}

workload() { "$py" "$here/workload.py" --host 127.0.0.1 --port "$port" --dbname "$db" --expected "$dir/expected.json" "$@"; }
verify() { "$py" "$here/verify.py" --host 127.0.0.1 --port "$port" --dbname "$db" --events "$dir/events.jsonl" "$@"; }

scenario() {  # $1 = full | default
    local identity=$1
    db=selftest_$identity
    dir=$work/$identity
    mkdir -p "$dir"
    say "REPLICA IDENTITY ${identity^^}: schema and seed rows"
    psql_ -c "CREATE DATABASE $db"
    workload schema --replica-identity "$identity"

    say "$identity: capture run 1 (snapshot, then streaming)"
    start_capture 1
    workload batch 1
    workload mark fim-1 --events "$dir/events.jsonl"
    stop_capture

    say "$identity: batch 2 while the capture is stopped"
    workload batch 2

    say "$identity: capture run 2 (same offsets: resume, no snapshot)"
    start_capture 2
    workload batch 3
    workload mark fim-2 --events "$dir/events.jsonl"
    stop_capture
    grep -E '^\[capture' "$dir/capture.log" | grep -E 'JVM up|first event|streaming is live|stopped;' | sed 's/^/    /'

    say "$identity: verify (must pass)"
    local extra=()
    [[ $identity == default ]] && extra=(--expect-placeholder hospital.pacientes.prontuario
                                         --expect-placeholder hospital.consultas.anotacoes)
    verify --expected "$dir/expected.json" --replica-identity "$identity" "${extra[@]}" \
        || fail "verify reported mismatches ($identity)"
    pass

    say "$identity: verify with a wrong expected count (must fail)"
    "$py" "$here/workload.py" bump "$dir/expected.json" "$dir/wrong.json"
    if verify --expected "$dir/wrong.json" >"$dir/wrong.out"; then
        cat "$dir/wrong.out"; fail "verify accepted a wrong expected count"
    fi
    grep -E 'hospital.pacientes: op u' "$dir/wrong.out" | sed 's/^/    caught: /'
    pass

    say "$identity: change a row without the capture running (must fail)"
    psql_ -d "$db" -c "UPDATE hospital.pacientes SET saldo = saldo + 0.01 WHERE id = 1"
    if verify >"$dir/drift.out"; then
        cat "$dir/drift.out"; fail "verify missed a row changed behind the capture's back"
    fi
    grep -E 'column saldo' "$dir/drift.out" | sed 's/^/    caught: /'
    pass

    psql_ -d "$db" -c "SELECT pg_drop_replication_slot('alimentador_slot')" >/dev/null
}

scenario full
scenario default

ok=1
say "done"
echo "selftest: $passed passed, 0 failed"
