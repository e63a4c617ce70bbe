# shellcheck shell=bash
# Shell helpers shared by the test and benchmark scripts: throwaway PostgreSQL clusters run as the
# postgres user (initdb and postgres refuse root), psql shortcuts and a tiny assertion counter.
# Source it: `. tests/lib/cluster.sh`.

PG_MAJOR="${PG_MAJOR:-15}"
# The PostgreSQL installation of PG_MAJOR (scripts/lib/pg.sh: Debian's for 15, the PyPI wheel's for
# 18; PG_CONFIG of that major or PG_CONFIG_<major> for another).
# shellcheck source=scripts/lib/pg.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/pg.sh"
PG_CONFIG="$(pg_config_for "$PG_MAJOR")"
PG_BIN="$("$PG_CONFIG" --bindir)"
# The clients (psql, pg_dump, pg_restore, pg_recvlogical, pgbench) of the same installation as the
# server, not whatever `psql` comes first on PATH (Debian's wrapper picks the newest installed major).
export PATH="$PG_BIN:$PATH"
CLUSTERS=()

as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# cluster_init DIR PORT [conf line...]: initdb DIR (owned by postgres) and write its settings.
cluster_init() {
  local dir="$1" port="$2"; shift 2
  mkdir -p "$dir"; chown postgres: "$dir"; chmod 700 "$dir"
  as_postgres "$PG_BIN/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  {
    echo "port = $port"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$dir'"
    echo "logging_collector = off"
    echo "log_line_prefix = '%m [%p] %b '"
    for line in "$@"; do echo "$line"; done
  } >> "$dir/postgresql.conf"
}

cluster_start() { as_postgres "$PG_BIN/pg_ctl" -D "$1" -l "$1/server.log" -w -t 60 start >/dev/null; }
cluster_stop() { as_postgres "$PG_BIN/pg_ctl" -D "$1" -m fast -w -t 60 stop >/dev/null 2>&1 || true; }

# new_cluster NAME [conf line...]: a started throwaway cluster; sets PGDIR and PGPORT, stopped and
# deleted at exit.
new_cluster() {
  local name="$1" attempt; shift
  for attempt in 1 2 3; do
    PGDIR="$(mktemp -d "/tmp/alimentador-$name.XXXXXX")"
    PGPORT="$(free_port)"
    cluster_init "$PGDIR" "$PGPORT" "$@"
    CLUSTERS+=("$PGDIR")
    trap cleanup_clusters EXIT
    cluster_start "$PGDIR" && return 0
    # Tests run side by side: another one may have taken the port between free_port and the start.
    grep -q "could not bind\|Address already in use" "$PGDIR/server.log" 2>/dev/null || return 1
    echo "    port $PGPORT was taken meanwhile (attempt $attempt); another one" >&2
  done
  return 1
}

cleanup_clusters() {
  for d in "${CLUSTERS[@]}"; do
    if [ -n "${KEEP_CLUSTERS:-}" ]; then echo "kept $d"; continue; fi
    cluster_stop "$d"; rm -rf "$d"
  done
}

# q [-d DB] SQL: one value (or rows) from psql, unaligned, errors fatal.
q() {
  local db=postgres
  if [ "$1" = -d ]; then db="$2"; shift 2; fi
  psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT" -U postgres -d "$db" -c "$1"
}

# q_err [-d DB] SQL: the error message of a statement that must fail (empty if it succeeded).
q_err() {
  local db=postgres
  if [ "$1" = -d ]; then db="$2"; shift 2; fi
  # The order is meant: stderr goes to the caller's capture, stdout (the rows) is dropped.
  # shellcheck disable=SC2069
  psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT" -U postgres -d "$db" -c "$1" 2>&1 >/dev/null || true
}

# wait_for SECONDS SQL EXPECTED [-d DB]: polls until the query returns EXPECTED.
wait_for() {
  local secs="$1" sql="$2" want="$3" db="${4:-postgres}" got=""
  for _ in $(seq 1 $((secs * 5))); do
    got="$(q -d "$db" "$sql" 2>/dev/null || true)"
    [ "$got" = "$want" ] && return 0
    sleep 0.2
  done
  echo "    waited ${secs}s for [$sql] = [$want], last got [$got]" >&2
  return 1
}

PASSED=0; FAILED=0
# check DESCRIPTION COMMAND...: runs the command, counts and prints the result.
check() {
  local what="$1"; shift
  if "$@"; then PASSED=$((PASSED + 1)); echo "  ok   $what"
  else FAILED=$((FAILED + 1)); echo "  FAIL $what"; fi
}
eq() { [ "$1" = "$2" ] || { echo "    expected [$2], got [$1]" >&2; return 1; }; }
contains() { case "$1" in *"$2"*) return 0;; *) echo "    [$1] does not contain [$2]" >&2; return 1;; esac; }
between() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }' || { echo "    $1 not in [$2, $3]" >&2; return 1; }; }

summary() {
  echo "$1: $PASSED passed, $FAILED failed"
  [ "$FAILED" = 0 ]
}

# hospital_table_stats DB [TABLE...]: "table:delete=N table:insert=N table:update=N ..." of schema
# hospital from pg_stat_user_tables (fresh), the daily partitions of sinais_vitais counted as their
# table; Debezium's signaling table and the TABLEs named are left out.
hospital_table_stats() {
  local db="$1" left_out="'debezium_sinalizacao'" t; shift
  for t in "$@"; do left_out+=", '$t'"; done
  q -d "$db" "SELECT pg_stat_clear_snapshot()" >/dev/null
  q -d "$db" "SELECT string_agg(format('%s:delete=%s %s:insert=%s %s:update=%s', t, d, t, i, t, u), ' ' ORDER BY t)
              FROM (SELECT regexp_replace(relname, '_p[0-9]{8}$', '') AS t, sum(n_tup_del) AS d,
                           sum(n_tup_ins) AS i, sum(n_tup_upd) AS u
                    FROM pg_stat_user_tables
                    WHERE schemaname = 'hospital' AND relname NOT IN ($left_out) GROUP BY 1) s"
}

# delta BEFORE AFTER: the differences between two "name=value ..." snapshots, as "name=delta" lines.
delta() { join -t= <(tr ' ' '\n' <<<"$1" | sort) <(tr ' ' '\n' <<<"$2" | sort) | awk -F= '{ print $1 "=" ($3 - $2) }'; }

# same_changes COUNTED OBSERVED: the counters' deltas ("table:operation=N" lines of `delta`) equal
# pg_stat_user_tables' but for one thing: an INSERT ... ON CONFLICT DO NOTHING that lost a race to a
# concurrent insert of the same key is counted by PostgreSQL as an insert and a delete
# (heap_abort_speculative), though no row changed and nothing reaches a change stream. So a table may
# show k more inserts and k more deletes than counted, nothing else. On a difference, prints it.
same_changes() {
  local report
  report=$(join -t= -a1 -a2 -e 0 -o 0,1.2,2.2 <(sort <<<"$1") <(sort <<<"$2") | awk -F= '
    { split($1, k, ":"); t[k[1]] = 1; d[$1] = $3 - $2; c[$1] = $2; o[$1] = $3 }
    END {
      for (x in t) {
        i = d[x ":insert"] + 0; e = d[x ":delete"] + 0; u = d[x ":update"] + 0
        if (u != 0 || i != e || i < 0)
          printf "    %s: counted %d/%d/%d, pg_stat_user_tables %d/%d/%d (insert/update/delete)\n", x,
            c[x ":insert"], c[x ":update"], c[x ":delete"], o[x ":insert"], o[x ":update"], o[x ":delete"]
        else if (i > 0) printf "    (%s: %d speculative insertions lost their race)\n", x, i
      }
    }')
  [ -n "$report" ] && echo "$report" >&2
  ! grep -q 'counted' <<<"$report"
}
