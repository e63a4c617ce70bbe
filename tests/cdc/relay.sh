#!/usr/bin/env bash
# The relay to a managed PostgreSQL (docs/src/managed.md), with two local clusters: the source
# runs alimentador (preloaded, 2 workers); the target has no extension and no preload, gets its tables
# from alimentador_schema_sql() and the rows through CREATE SUBSCRIPTION … PUBLICATION alimentador_pub,
# and the real Debezium reads from the target, as a user's connector would read from RDS. Proves:
#   - the target's hospital catalog equals the source's (columns, types, keys, checks, indexes,
#     replica identity, storage), sequences and triggers aside;
#   - alimentador_relay_check() on the source follows the subscription: ok while it applies, not ok
#     (with a hint) while it is disabled, ok again once it caught up;
#   - after the stream, every table of the target has the source's digest (tools/digest/postgres.sql
#     on the target = alimentador_digest() on the source);
#   - the Debezium capture on the target has, per table, exactly the inserts/updates/deletes that the
#     source's workers counted, and replays to the target's rows;
#   - logical messages (the ledger) do not travel: none in the target's capture.
# Run by tests/cdc/run.sh (it needs the Debezium venv); alone: tests/cdc/relay.sh.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/cluster.sh
# shellcheck source=tests/cdc/stream_lib.sh
. tests/cdc/stream_lib.sh
export PYTHONDONTWRITEBYTECODE=1
DB=hospital
WEIGHTS='cdc-edge,delete_consulta=3,delete_paciente_convenio=2,delete_exame=2,insert_paciente_convenio=2'
VENV="$(tests/cdc/setup_venv.sh)" || { echo "relay: 0 passed, 1 failed (venv)"; exit 1; }
PY="$VENV/bin/python"
work="$(mktemp -d /tmp/alimentador-relay.XXXXXX)"; chmod 755 "$work"
cleanup() { cleanup_clusters; [ -n "${KEEP_CLUSTERS:-}" ] || rm -rf "$work"; }

echo "== relay: source with alimentador, target without it"
new_cluster relay-source "shared_preload_libraries = 'alimentador'" "alimentador.database = '$DB'" \
  "alimentador.workers = 2" "alimentador.enabled = off" "alimentador.rate = ${RELAY_RATE:-300}" \
  "alimentador.weights = '$WEIGHTS'" "alimentador.heartbeat_interval = 0" \
  "wal_level = logical" "max_replication_slots = 4" "max_wal_senders = 4"
trap cleanup EXIT
SRC_DIR="$PGDIR" SRC_PORT="$PGPORT"
new_cluster relay-target "wal_level = logical" "max_replication_slots = 4" "max_wal_senders = 4"
trap cleanup EXIT
TGT_DIR="$PGDIR" TGT_PORT="$PGPORT"
src() { PGDIR="$SRC_DIR" PGPORT="$SRC_PORT" q -d $DB "$1"; }
tgt() { PGDIR="$TGT_DIR" PGPORT="$TGT_PORT" q -d $DB "$1"; }
src_wait() { PGDIR="$SRC_DIR" PGPORT="$SRC_PORT" wait_for "$1" "$2" "$3" $DB; }
tgt_wait() { PGDIR="$TGT_DIR" PGPORT="$TGT_PORT" wait_for "$1" "$2" "$3" $DB; }

PGDIR="$SRC_DIR" PGPORT="$SRC_PORT" q "CREATE DATABASE $DB"
PGDIR="$TGT_DIR" PGPORT="$TGT_PORT" q "CREATE DATABASE $DB"
src "BEGIN; CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(0.5, 11); COMMIT" >/dev/null
src "SELECT alimentador_schema_sql()" > "$work/schema.sql"
check "the schema script applies on a server without the extension" \
  psql -X -q -v ON_ERROR_STOP=1 -h "$TGT_DIR" -p "$TGT_PORT" -U postgres -d $DB -f "$work/schema.sql"
check "the target has no alimentador (no extension, nothing preloaded)" eq \
  "$(tgt "SELECT count(*) FROM pg_extension WHERE extname = 'alimentador'")|$(tgt "SHOW shared_preload_libraries")" "0|"

# The catalog as a subscriber's Debezium sees it, one line per fact; sequence defaults left out.
catalog_sql="
SELECT c.relname || ' ' || a.attnum || ' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END || ' storage ' || a.attstorage::text
       || coalesce(' default ' || nullif(pg_get_expr(d.adbin, d.adrelid), '') , '')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum AND pg_get_expr(d.adbin, d.adrelid) NOT LIKE 'nextval(%'
WHERE n.nspname = 'hospital' AND c.relkind IN ('r', 'p')
UNION ALL
SELECT c.relname || ' kind ' || c.relkind::text || ' identity ' || c.relreplident::text || coalesce(' ' || pg_get_partkeydef(c.oid), '')
       || coalesce(' ' || pg_get_expr(c.relpartbound, c.oid), '')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'hospital' AND c.relkind IN ('r', 'p')
UNION ALL
SELECT c.relname || ' constraint ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'hospital'
  AND k.contype::text <> 'n' -- PostgreSQL 18's NOT NULL constraints: their names follow how a partition was made; nullability is compared above
UNION ALL
SELECT c.relname || ' index ' || pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'hospital'
ORDER BY 1"
# PostgreSQL does not deparse a re-parsed CHECK to the same text (an IN list comes back as ARRAY of
# casts, as after pg_dump): casts and parentheses are left out of the CHECK lines before comparing.
same_checks() { sed -E '/ CHECK /{s/::(text\[\]|text|character varying|bpchar)//g; s/[()]//g}'; }
{ src "$catalog_sql" || echo "the catalog query failed on the source"; } | same_checks > "$work/catalog.source"
{ tgt "$catalog_sql" || echo "the catalog query failed on the target"; } | same_checks > "$work/catalog.target"
check "the catalog query lists the columns (60+)" \
  between "$(grep -c ' storage ' "$work/catalog.source")" 60 100000
check "the target's hospital catalog equals the source's ($(wc -l < "$work/catalog.source") facts)" \
  diff -u "$work/catalog.source" "$work/catalog.target"

tgt "CREATE SUBSCRIPTION alimentador_relay CONNECTION 'host=$SRC_DIR port=$SRC_PORT dbname=$DB user=postgres'
     PUBLICATION alimentador_pub" 2>/dev/null
check "the subscription copies the seeded tables" tgt_wait 60 \
  "SELECT count(*) FILTER (WHERE srsubstate <> 'r') = 0 AND count(*) > 0 FROM pg_subscription_rel" t
check "the seed arrived: pacientes on the target = on the source" eq \
  "$(tgt "SELECT count(*) FROM hospital.pacientes")" "$(src "SELECT count(*) FROM hospital.pacientes")"

# The user's side: a publication on the target and the real Debezium reading from it.
tgt "CREATE PUBLICATION alimentador_pub FOR TABLES IN SCHEMA hospital"
capture_start() { connector_start "$TGT_PORT" $DB "$work" "$1"; }
capture_stop() { connector_stop "$work" "$1"; }
if ! capture_start 1; then summary relay; exit 1; fi

src "SELECT alimentador_resume()" >/dev/null
check "the workers stream on the source" src_wait 60 "SELECT sum(transacoes) > 1500 FROM alimentador_status()" t
check "alimentador_relay_check(): the subscription applies, ok" src_wait 30 \
  "SELECT ativo AND estado = 'streaming' AND ok FROM alimentador_relay_check('alimentador_relay')" t
tgt "ALTER SUBSCRIPTION alimentador_relay DISABLE"
check "a disabled subscription: not ok, with a hint" src_wait 30 \
  "SELECT NOT ativo AND NOT ok AND dica LIKE 'Nothing reads this slot%' FROM alimentador_relay_check('alimentador_relay')" t
sleep 2 # the stream goes on while the target does not apply
tgt "ALTER SUBSCRIPTION alimentador_relay ENABLE"
src "SELECT alimentador_pause()" >/dev/null
check "the workers pause" src_wait 30 "SELECT string_agg(estado, ',') FROM alimentador_status()" paused,paused
lsn="$(src "SELECT pg_current_wal_lsn()")"
check "the target catches up: the slot confirmed everything up to the pause, ok again" src_wait 60 \
  "SELECT confirmed_flush_lsn >= '$lsn' AND ok FROM alimentador_relay_check('alimentador_relay') JOIN pg_replication_slots USING (slot_name)" t

for t in $(src "SELECT tabela FROM alimentador_digest() ORDER BY 1"); do
  want="$(src "SELECT linhas || ' ' || digest FROM alimentador_digest(ARRAY['$t'])")"
  got="$(psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$TGT_DIR" -p "$TGT_PORT" -U postgres -d $DB -F ' ' \
           -v tabela="hospital.$t" -f tools/digest/postgres.sql)"
  check "hospital.$t on the target has the source's rows (digest, ${want%% *} rows)" eq "$got" "$want"
done

tgt "SELECT pg_logical_emit_message(true, 'alimentador_teste', 'fim')" >/dev/null
for _ in $(seq 600); do grep -q '"alimentador_teste"' "$work/events.jsonl" 2>/dev/null && break; sleep 0.2; done
capture_stop 1
src "SELECT json_object_agg('hospital.' || tabela, json_build_object('c', i, 'u', u, 'd', d))::jsonb
              || jsonb_build_object('messages', jsonb_build_object('alimentador_teste', 1))
     FROM (SELECT tabela, coalesce(sum(linhas) FILTER (WHERE operacao = 'insert'), 0) AS i,
                  coalesce(sum(linhas) FILTER (WHERE operacao = 'update'), 0) AS u,
                  coalesce(sum(linhas) FILTER (WHERE operacao = 'delete'), 0) AS d
           FROM alimentador_changes() GROUP BY tabela) t" > "$work/expected.json"
echo "    counted at the source: $(cat "$work/expected.json")"
check "Debezium on the target: per table, the source's counted changes, no ledger message; replay = target rows" \
  "$PY" tests/cdc/verify.py --host 127.0.0.1 --port "$TGT_PORT" --dbname $DB --events "$work/events.jsonl" \
  --expected "$work/expected.json" --replica-identity full
check "the source wrote ledger messages (which do not travel)" between \
  "$(src "SELECT coalesce(sum(seq), 0) FROM alimentador_razao")" 1 100000000
tgt "DROP SUBSCRIPTION alimentador_relay" 2>/dev/null
summary relay
