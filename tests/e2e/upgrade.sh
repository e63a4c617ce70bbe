#!/usr/bin/env bash
# The upgrade from the last release (ALTER EXTENSION alimentador UPDATE), on PG_MAJOR:
#   * the release's install script, built from its commit (tests/upgrade/releases), is the one kept
#     in tests/upgrade/; the current version's SQL is either that release's (same version) or has an
#     upgrade script sql/alimentador--<release>--<version>.sql (a changed SQL API without one fails);
#   * in a private copy of the installation (the shared one is left alone): the release installed,
#     seeded and streaming with its own library; then paused, the current package installed over it
#     as a user would (library and scripts), the server restarted, ALTER EXTENSION UPDATE: every row
#     kept (each table's rows equal before and after), the workers streaming again, and the upgraded
#     catalog equal to a fresh install's (pg_dump --schema-only --binary-upgrade, normalised).
# Builds (debug) the release's and the current package: in scripts/test.sh's serial list.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO_ROOT="$PWD"
started=$(date +%s)
. scripts/lib/pg.sh
. tests/lib/packages.sh
PG_MAJOR="${PG_MAJOR:-15}"
SHARED_PG_CONFIG="$(pg_config_for "$PG_MAJOR")"
work="$(mktemp -d /tmp/alimentador-upgrade.XXXXXX)"
chmod 755 "$work"
cleanup_work() { cleanup_clusters; [ -n "${KEEP_CLUSTERS:-}" ] || rm -rf "$work"; }

release="$(awk '!/^#/ && NF { v = $1 } END { print v }' tests/upgrade/releases)"
version="$(sed -n -E 's/^version = "(.*)"$/\1/p' Cargo.toml | head -1)"
echo "== release $release -> $version on PostgreSQL $PG_MAJOR"
echo "  building the release's package from its commit and the current one (debug)"
release_source "$release" "$work/src-$release"
package_build "$work/src-$release" "$SHARED_PG_CONFIG" "$work/pkg-$release"
package_build "$REPO_ROOT" "$SHARED_PG_CONFIG" "$work/pkg-$version"
ext_of() { echo "$1$("$SHARED_PG_CONFIG" --sharedir)/extension"; }

. tests/lib/cluster.sh
trap cleanup_work EXIT
check "the release's install script built from its commit is tests/upgrade/alimentador--$release.sql" \
  cmp -s "$(ext_of "$work/pkg-$release")/alimentador--$release.sql" "tests/upgrade/alimentador--$release.sql"
if [ "$version" = "$release" ]; then
  check "version $version is released: its SQL is the release's" \
    cmp -s "$(ext_of "$work/pkg-$version")/alimentador--$version.sql" "tests/upgrade/alimentador--$release.sql"
  summary upgrade; exit
fi
check "an upgrade script from $release to $version (the SQL changed) is in sql/ and in the package" \
  test -f "sql/alimentador--$release--$version.sql" -a -f "$(ext_of "$work/pkg-$version")/alimentador--$release--$version.sql"
# Until the version is released, the upgrade creates what a fresh install does from the cdc block on.
if [ "$release--$version" = "0.1.0--0.2.0" ]; then
  check "its second part is $version's install script as generated now (else: tests/upgrade/refresh.py)" \
    python3 tests/upgrade/refresh.py --check "$(ext_of "$work/pkg-$version")/alimentador--$version.sql" \
      "sql/alimentador--$release--$version.sql"
fi

# The private installation: the release's package in it; clients and server of the copy from now on.
PG_CONFIG="$(pg_copy "$SHARED_PG_CONFIG" "$work/pg")"
package_install "$work/pkg-$release" "$SHARED_PG_CONFIG" "$PG_CONFIG"
PG_BIN="$("$PG_CONFIG" --bindir)"; export PATH="$PG_BIN:$PATH"

echo "== $release installed, seeded, streaming"
new_cluster upgrade "shared_preload_libraries = 'alimentador'" "alimentador.database = 'hospital'" \
  "alimentador.workers = 2" "alimentador.rate = 200" "alimentador.enabled = off" "wal_level = logical"
trap cleanup_work EXIT   # new_cluster set its own trap (the clusters only)
q "CREATE DATABASE hospital"
q -d hospital "CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(0.2)" >/dev/null
check "the extension is $release" eq "$(q -d hospital "SELECT extversion FROM pg_extension WHERE extname = 'alimentador'")" "$release"
q -d hospital "SELECT alimentador_resume()" >/dev/null
check "$release's workers stream" wait_for 30 "SELECT sum(feitas) > 300 FROM alimentador_status()" t hospital
q -d hospital "SELECT alimentador_pause()" >/dev/null
check "$release's workers pause" wait_for 20 "SELECT string_agg(estado, ',') FROM alimentador_status()" paused,paused hospital
sleep 1

# Each table's rows: md5 of every row in key order (the release has no alimentador_digest()). An
# admission that 0.1.0's stream left active beside a later one of the same patient is discharged by
# the upgrade (0.2.0: one active admission per patient): internacoes is compared without data_saida
# and updated_at, and those changed on exactly the rows the upgrade discharges.
TABLES=(convenios pacientes medicos pacientes_convenios consultas exames internacoes pulso)
rows() {
  local t sql=""
  for t in "${TABLES[@]}"; do
    case "$t" in
      internacoes) sql+="SELECT '$t', count(*), md5(string_agg((id, paciente_id, data_entrada, motivo, quarto, created_at)::text, ',' ORDER BY id)) FROM hospital.$t UNION ALL " ;;
      pulso) ;;
      *) sql+="SELECT '$t', count(*), md5(string_agg(x::text, ',' ORDER BY x.id)) FROM hospital.$t x UNION ALL " ;;
    esac
  done
  q -d hospital "${sql% UNION ALL }"
}
sequences() { q -d hospital "SELECT string_agg(sequencename || '=' || coalesce(last_value, 0), ' ' ORDER BY sequencename) FROM pg_sequences WHERE schemaname = 'hospital' AND sequencename <> 'sinais_vitais_id_seq'"; }
# The tables in the publication (pg_publication_tables lists a partitioned table's partitions only).
published() { q -d hospital "SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_publication_rel r JOIN pg_publication p ON p.oid = r.prpubid JOIN pg_class c ON c.oid = r.prrelid WHERE p.pubname = 'alimentador_pub'"; }
before="$(rows)"; seq_before="$(sequences)"
discharged="$(q -d hospital "SELECT count(*) - count(DISTINCT paciente_id) FROM hospital.internacoes WHERE data_saida IS NULL")"
published_before="$(published)"

echo "== the current package ($version) installed over it, restart, ALTER EXTENSION alimentador UPDATE"
package_install "$work/pkg-$version" "$SHARED_PG_CONFIG" "$PG_CONFIG"
cluster_stop "$PGDIR"; cluster_start "$PGDIR"
update_out="$(psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT" -U postgres -d hospital -c "ALTER EXTENSION alimentador UPDATE" 2>&1)" \
  || { echo "$update_out" >&2; }
check "ALTER EXTENSION alimentador UPDATE goes to $version" eq "$(q -d hospital "SELECT extversion FROM pg_extension WHERE extname = 'alimentador'")" "$version"
if [ "$discharged" -gt 0 ]; then
  check "it reports the $discharged admissions it discharged" contains "$update_out" "discharged $discharged admissions"
fi
check "every row kept: each table's rows equal before and after" eq "$(rows)" "$before"
check "the sequences' positions kept (sinais_vitais's is new)" eq "$(sequences)" "$seq_before"
check "internacoes: one active admission per patient, $discharged discharged" \
  eq "$(q -d hospital "SELECT count(*) = count(DISTINCT paciente_id) FROM hospital.internacoes WHERE data_saida IS NULL")" t
published_after="$(published)"
check "the publication kept its tables and got the new ones" \
  eq "$published_after" "$(tr ',' '\n' <<<"$published_before,debezium_sinalizacao,sinais_vitais" | LC_ALL=C sort | paste -sd,)"
check "the publication belongs to the extension now (DROP EXTENSION drops it, as for 0.2.0)" \
  eq "$(q -d hospital "SELECT count(*) FROM pg_depend d JOIN pg_publication p ON p.oid = d.objid WHERE d.classid = 'pg_publication'::regclass AND p.pubname = 'alimentador_pub' AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'alimentador')")" 1
check "alimentador_digest() answers for every hospital table" \
  eq "$(q -d hospital "SELECT count(*) >= 8 AND bool_and(digest IS NOT NULL) FROM alimentador_digest()")" t

echo "== the workers after the upgrade"
q -d hospital "SELECT alimentador_resume()" >/dev/null
ops="$(q -d hospital "SELECT sum(feitas) FROM alimentador_status()")"
check "both workers running" wait_for 30 "SELECT string_agg(estado, ',') FROM alimentador_status()" running,running hospital
check "they stream again (1,000 more operations)" wait_for 60 "SELECT sum(feitas) >= $ops + 1000 FROM alimentador_status()" t hospital
check "no operation failed since the upgrade" eq "$(q -d hospital "SELECT sum(falhas) FROM alimentador_status()")" 0
q -d hospital "SELECT alimentador_pause()" >/dev/null

echo "== the upgraded catalog against a fresh install's"
q "CREATE DATABASE fresh"
q -d fresh "CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_publish()" >/dev/null
# Object ids, frozen xids and the sequences' positions differ by nature; nothing else may.
catalog() {
  pg_dump -h "$PGDIR" -p "$PGPORT" -U postgres --schema-only --binary-upgrade "$1" |
    sed -E -e '/^--|^$|^\\(un)?restrict |binary_upgrade_set_next|relfrozenxid|^WHERE oid = |^UPDATE pg_catalog.pg_class$|pg_catalog.setval\(/d' \
           -e "s/'\{[0-9,]+\}'/'{oids}'/" -e 's/[0-9]+::pg_catalog.oid/OID/g'
}
catalog hospital > "$work/upgraded.sql"; catalog fresh > "$work/fresh.sql"
same_catalog() { diff "$work/fresh.sql" "$work/upgraded.sql" >&2; }
check "pg_dump --schema-only of the upgraded database = of a fresh install ($(wc -l < "$work/fresh.sql") lines)" same_catalog
check "no ERROR in the server log" eq "$(grep -c 'ERROR' "$PGDIR/server.log" || true)" 0

echo "upgrade took $(( $(date +%s) - started ))s"
summary upgrade
