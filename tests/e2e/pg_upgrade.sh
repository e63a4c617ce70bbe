#!/usr/bin/env bash
# pg_upgrade from PostgreSQL 15 to 18 of a seeded database with the extension and a paused stream,
# in private copies of both installations (the shared ones are left alone), each with the current
# package: every table's digest (alimentador_digest()) equal after, the extension's version kept, the
# workers streaming on 18; the logical replication slot of a CDC consumer is not carried over from 15
# (pg_upgrade keeps logical slots only from an old cluster of 17 on): checked, as the README says.
# Runs on the PG_MAJOR=18 pass of scripts/test.sh (it needs both majors); builds the 15 package in
# target/pg_upgrade-15 (see tests/lib/packages.sh): in the serial list.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO_ROOT="$PWD"
started=$(date +%s)
OLD=15 NEW=18
if [ "${PG_MAJOR:-15}" != "$NEW" ]; then
  echo "pg_upgrade: runs on the PostgreSQL $NEW pass (it upgrades $OLD to $NEW); this is the ${PG_MAJOR:-15} pass"
  echo "pg_upgrade: 0 passed, 0 failed"
  exit 0
fi
. scripts/lib/pg.sh
. tests/lib/packages.sh
work="$(mktemp -d /tmp/alimentador-pg_upgrade.XXXXXX)"; chmod 755 "$work"
# Debian's 15.20 (bookworm-security, November 2026) keeps a `pg_attver` attribute option on every
# column (its pg_dump carries it over with binary_upgrade_set_next_attribute_versions()); the 18.6 of
# PyPI's wheel (September 2026) predates that: its pg_dump copies the option as a plain one and its
# server refuses it (`unrecognized parameter "pg_attver"` restoring the schema), so pg_upgrade from a
# 15.20 needs an 18 of the same security round or later, which no registry CI reaches has. Until it
# does, the old server is bookworm's 15 point release (15.18, before the option), fetched with
# apt-get download into the private copy (binaries, libraries, share; the clients stay): the
# extension's package is the same (one ABI per major).
# old_server_without_attver OLD_PG_CONFIG NEW_PG_CONFIG COPY_PG_CONFIG
old_server_without_attver() {
  local old="$1" new="$2" copy="$3" version deb root
  grep -aq pg_attver "$("$old" --bindir)/postgres" || return 0
  ! grep -aq pg_attver "$("$new" --bindir)/postgres" || return 0
  version="$(apt-cache madison "postgresql-$OLD" | awk -F' [|] ' '$3 ~ /bookworm\/main/ { print $2; exit }')"
  [ -n "$version" ] || { echo "pg_upgrade: no postgresql-$OLD in bookworm/main (apt-get update?)" >&2; return 1; }
  echo "  NOTE the installed $("$old" --version) has the pg_attver column option that $("$new" --version) does not know; the old server is Debian's $version (bookworm/main) instead"
  (cd "$work" && apt-get download -q "postgresql-$OLD=$version" >/dev/null 2>&1) ||
    { echo "pg_upgrade: apt-get download postgresql-$OLD=$version failed" >&2; return 1; }
  deb="$(ls "$work"/postgresql-"$OLD"_*.deb)"; root="$work/deb-root"
  dpkg-deb -x "$deb" "$root"
  cp -a "$root/usr/lib/postgresql/$OLD/." "$("$copy" --bindir)/../"
  cp -a "$root/usr/share/postgresql/$OLD/." "$("$copy" --sharedir)/"
  chmod -R a+rX "$(dirname "$("$copy" --bindir)")"
  rm -rf "$root" "$deb"
}
echo "== the current package for $OLD and $NEW, in private copies of both installations"
for m in $OLD $NEW; do
  shared="$(pg_config_for "$m")"
  build_dir=""; [ "$m" = "$NEW" ] || build_dir="pg_upgrade-$m"
  PACKAGE_BUILD_DIR="$build_dir" package_build "$REPO_ROOT" "$shared" "$work/pkg$m"
  copy="$(pg_copy "$shared" "$work/pg$m")"
  [ "$m" != "$OLD" ] || old_server_without_attver "$shared" "$(pg_config_for "$NEW")" "$copy"
  package_install "$work/pkg$m" "$shared" "$copy"
  declare "PG_CONFIG_$m=$copy"; export "PG_CONFIG_$m"
done
OLD_BIN="$("$PG_CONFIG_15" --bindir)"; NEW_BIN="$("$PG_CONFIG_18" --bindir)"

PG_MAJOR=$OLD . tests/lib/cluster.sh
cleanup_all() { cleanup_clusters; [ -n "${KEEP_CLUSTERS:-}" ] || rm -rf "$work"; }
trap cleanup_all EXIT
conf=("shared_preload_libraries = 'alimentador'" "alimentador.database = 'hospital'" "alimentador.workers = 2"
      "alimentador.rate = 200" "wal_level = logical" "max_replication_slots = 4")

echo "== PostgreSQL $OLD: seeded, streaming, a consumer's slot, then paused"
new_cluster pg_upgrade-old "${conf[@]}"
trap cleanup_all EXIT   # new_cluster set its own trap (the clusters only)
OLD_DIR="$PGDIR"
echo "  the old server: $(q "SELECT version()" | cut -d, -f1)"
q "CREATE DATABASE hospital"
q -d hospital "CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(0.2)" >/dev/null
q -d hospital "SELECT pg_create_logical_replication_slot('alimentador_slot', 'pgoutput')" >/dev/null
check "the workers stream on $OLD" wait_for 30 "SELECT sum(feitas) > 500 FROM alimentador_status()" t hospital
q -d hospital "SELECT alimentador_pause()" >/dev/null
check "paused" wait_for 20 "SELECT string_agg(estado, ',') FROM alimentador_status()" paused,paused hospital
digest() { q -d hospital "SELECT string_agg(tabela || '=' || linhas || ':' || digest, ' ' ORDER BY tabela) FROM alimentador_digest()"; }
before="$(digest)"
version="$(q -d hospital "SELECT extversion FROM pg_extension WHERE extname = 'alimentador'")"
cluster_stop "$OLD_DIR"

echo "== pg_upgrade to PostgreSQL $NEW"
NEW_DIR="$work/new"
mkdir -p "$NEW_DIR"; chown postgres: "$NEW_DIR"; chmod 700 "$NEW_DIR"
# Without data checksums, as the old cluster (18's initdb turns them on by default; pg_upgrade needs both alike).
as_postgres "$NEW_BIN/initdb" -D "$NEW_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-data-checksums >/dev/null
NEW_PORT="$(free_port)"
{ echo "port = $NEW_PORT"; echo "listen_addresses = '127.0.0.1'"; echo "unix_socket_directories = '$NEW_DIR'"
  echo "log_line_prefix = '%m [%p] %b '"; printf '%s\n' "${conf[@]}"; } >> "$NEW_DIR/postgresql.conf"
# pg_upgrade writes in its current directory and puts the servers' sockets there (-s).
run_dir="$work/run"; mkdir -p "$run_dir"; chown postgres: "$run_dir"
upgrade_ok() {
  (cd "$run_dir" && as_postgres "$NEW_BIN/pg_upgrade" -b "$OLD_BIN" -B "$NEW_BIN" -d "$OLD_DIR" -D "$NEW_DIR" \
     -U postgres -s "$run_dir" -p "$(free_port)" -P "$(free_port)" >"$work/pg_upgrade.log" 2>&1) ||
    { tail -30 "$work/pg_upgrade.log" >&2; cat "$NEW_DIR"/pg_upgrade_output.d/*/log/*.log 2>/dev/null | tail -30 >&2; return 1; }
}
check "pg_upgrade $OLD -> $NEW succeeds" upgrade_ok
[ "$FAILED" = 0 ] || { summary pg_upgrade; exit 1; }
# The run-time controls (the pause, rates, weights, schedule) live in a file of the data directory,
# which pg_upgrade does not carry over: without it the workers would stream at once on 18, before the
# consumer is ready (docs/src/upgrades.md says to copy it).
check "the old data directory has the run-time controls (alimentador.controles)" test -f "$OLD_DIR/alimentador.controles"
cp -p "$OLD_DIR/alimentador.controles" "$NEW_DIR/"

echo "== PostgreSQL $NEW after the upgrade"
PG_MAJOR=$NEW; PG_CONFIG="$PG_CONFIG_18"; PG_BIN="$NEW_BIN"; export PATH="$NEW_BIN:$PATH"
CLUSTERS+=("$NEW_DIR"); PGDIR="$NEW_DIR"; PGPORT="$NEW_PORT"
cluster_start "$PGDIR"
check "the server is $NEW" eq "$(q "SELECT current_setting('server_version_num')::int / 10000")" "$NEW"
check "the extension kept its version ($version)" eq "$(q -d hospital "SELECT extversion FROM pg_extension WHERE extname = 'alimentador'")" "$version"
check "every table's digest equal after (alimentador_digest())" eq "$(digest)" "$before"
check "the workers are still paused (alimentador.controles copied over)" \
  wait_for 20 "SELECT string_agg(estado, ',') FROM alimentador_status()" paused,paused hospital
check "the consumer's logical slot is not carried over from $OLD (README: recreate it and re-snapshot)" \
  eq "$(q "SELECT count(*) FROM pg_replication_slots")" 0
check "the publication is kept" eq "$(q -d hospital "SELECT count(*) FROM pg_publication WHERE pubname = 'alimentador_pub'")" 1
q -d hospital "SELECT alimentador_resume()" >/dev/null
ops="$(q -d hospital "SELECT sum(feitas) FROM alimentador_status()")"
check "the workers stream on $NEW" wait_for 60 "SELECT sum(feitas) >= $ops + 500 FROM alimentador_status()" t hospital
check "no operation failed on $NEW" eq "$(q -d hospital "SELECT sum(falhas) FROM alimentador_status()")" 0
q -d hospital "SELECT alimentador_pause()" >/dev/null

echo "pg_upgrade took $(( $(date +%s) - started ))s"
summary pg_upgrade
