#!/usr/bin/env bash
# Debezium and the hard cases of the keys branch: a primary-key change (update_paciente_id) and the
# partitioned hospital.sinais_vitais (insert_sinal_vital), captured by the real connector
# (tests/cdc/capture.py with examples/debezium/application.properties), with the publication's
# publish_via_partition_root off, then on. Checks that the key change arrives as a delete carrying
# the __debezium.newkey header, a tombstone of the old key (tombstones on) and a create carrying
# __debezium.oldkey, that the readings arrive
# under each partition's topic (off) or under the table's (on), and that the capture replays to
# exactly the tables' rows (tests/cdc/verify.py). Run by tests/cdc/run.sh. Prints "keys: N passed,
# N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/cluster.sh
. tests/lib/cluster.sh
# shellcheck source=tests/cdc/stream_lib.sh
. tests/cdc/stream_lib.sh
export PYTHONDONTWRITEBYTECODE=1
DB=hospital
VENV="$(tests/cdc/setup_venv.sh)" || { echo "keys: 0 passed, 1 failed (venv)"; exit 1; }
PY="$VENV/bin/python"
work="$(mktemp -d /tmp/alimentador-cdc-keys.XXXXXX)"; chmod 755 "$work"

workers_are() { wait_for 20 "SELECT string_agg(estado, ',') FROM alimentador_status()" "$1" $DB; }
did() { q -d $DB "SELECT coalesce(sum((feitas_por_operacao->>'$1')::bigint), 0) FROM alimentador_status()"; }

# capture_start N [capture.py option...]: a connector with its own slot and offsets (run N) in the
# background until $work/stopN exists; waits until it streams.
capture_start() {
  local n="$1"; shift
  connector_start "$PGPORT" $DB "$work" "$n" --offsets "$work/offsets$n.dat" --out "$work/events$n.jsonl" \
    --set "slot.name=alimentador_slot$n" "$@"
}
# capture_end N: pauses the stream, waits until the connector delivered everything, stops it.
capture_end() {
  local n="$1"
  q -d $DB "SELECT alimentador_pause()" >/dev/null
  workers_are paused
  q -d $DB "SELECT pg_logical_emit_message(true, 'alimentador_teste', 'fim $n')" >/dev/null
  for _ in $(seq 300); do grep -q "\"fim $n\"" "$work/events$n.jsonl" 2>/dev/null && break; sleep 0.2; done
  connector_stop "$work" "$n"
  q -d $DB "SELECT pg_drop_replication_slot('alimentador_slot$n')" >/dev/null
}
# The stream's events of a table (snapshot left out) per topic: "topic op count" lines.
topics_of() {
  "$PY" - "$work/events$1.jsonl" "$2" <<'PY'
import collections, json, sys
n = collections.Counter((e["topic"], e["op"]) for e in map(json.loads, open(sys.argv[1]))
                        if e.get("table", "").startswith(sys.argv[2]) and e["op"] in "cud")
for (topic, op), c in sorted(n.items()):
    print(topic, op, c)
PY
}

new_cluster cdc-keys "shared_preload_libraries = 'alimentador'" "alimentador.database = '$DB'" \
  "alimentador.enabled = off" "alimentador.rate = 50" \
  "alimentador.weights = 'chaves,update_paciente_id=15,insert_sinal_vital=30'" \
  "alimentador.heartbeat_interval = 0" "wal_level = logical" "max_replication_slots = 4" "max_wal_senders = 4"
trap 'cleanup_clusters; [ -n "${KEEP_CLUSTERS:-}" ] || rm -rf "$work"' EXIT
q "CREATE DATABASE $DB"
q -d $DB "BEGIN; CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(0.2, 3); COMMIT" >/dev/null

echo "== keys: publish_via_partition_root off (the default)"
check "the publication publishes the partitions" eq \
  "$(q -d $DB "SELECT NOT pubviaroot FROM pg_publication WHERE pubname = 'alimentador_pub'")" t
# Tombstones on (the example properties turn them off), to see where a key change puts one.
capture_start 1 --set tombstones.on.delete=true --keep-tombstones || { summary keys; exit 1; }
q -d $DB "SELECT alimentador_resume()" >/dev/null
wait_for 60 "SELECT sum((feitas_por_operacao->>'update_paciente_id')::int) >= 10 FROM alimentador_status()" t $DB
capture_end 1
rekeys=$(did update_paciente_id)
# "d tombstone c" per key change, in the order of the patients' topic: the delete of the old key,
# a tombstone of the old key, the create of the new key.
sequence() {
  "$PY" - "$work/events$1.jsonl" <<'PY'
import collections, json, sys
topic = [e for e in map(json.loads, open(sys.argv[1])) if e.get("topic") == "alimentador.hospital.pacientes"]
seqs = collections.Counter()
for i, e in enumerate(topic):
    if e.get("op") == "d" and "__debezium.newkey" in e.get("headers", {}):
        nxt = topic[i + 1:i + 3]
        ok = (len(nxt) == 2 and nxt[0]["kind"] == "tombstone" and nxt[0]["key"] == e["key"]
              and nxt[1].get("op") == "c" and nxt[1]["key"] == e["headers"]["__debezium.newkey"])
        seqs["d tombstone c" if ok else "other"] += 1
print(dict(seqs))
PY
}
keychanges() {
  "$PY" - "$work/events$1.jsonl" <<'PY'
import json, sys
events = [e for e in map(json.loads, open(sys.argv[1])) if e.get("table") == "hospital.pacientes" and e["op"] in "cd"]
deletes = [e for e in events if e["op"] == "d" and "__debezium.newkey" in e.get("headers", {})]
creates = [e for e in events if e["op"] == "c" and "__debezium.oldkey" in e.get("headers", {})]
# Each delete names the new key, and the create that follows it (same transaction) names the old key.
pairs = 0
for d in deletes:
    c = next((c for c in creates if c["source"]["txId"] == d["source"]["txId"]), None)
    if c and d["headers"]["__debezium.newkey"] == c["key"] and c["headers"]["__debezium.oldkey"] == d["key"] \
            and d["before"]["cpf"] == c["after"]["cpf"]:
        pairs += 1
print(len(deletes), len(creates), pairs)
PY
}
check "each key change ($rekeys) arrives as a delete with __debezium.newkey and a create with __debezium.oldkey" \
  eq "$(keychanges 1)" "$rekeys $rekeys $rekeys"
# The message key of the readings' events: the columns of the primary key Debezium found.
keys_of() {
  "$PY" -c 'import json,sys; print(sorted({",".join(sorted(e["key"] or {})) or "null" for e in map(json.loads, open(sys.argv[1])) if e.get("op") == "c" and e.get("table", "").startswith("hospital.sinais_vitais")}))' "$work/events$1.jsonl"
}
check "... in this order: the delete, a tombstone of the old key, the create" eq "$(sequence 1)" "{'d tombstone c': $rekeys}"
check "the readings are keyed by their partition's primary key (id, medido_em)" eq "$(keys_of 1)" "['id,medido_em']"
parts=$(topics_of 1 hospital.sinais_vitais)
check "readings arrive under the partitions' topics, none under the table's" \
  eq "$(awk '$2 == "c" { print ($1 ~ /^alimentador[.]hospital[.]sinais_vitais_p[0-9]+$/) ? "partition" : $1 }' <<<"$parts" | sort -u)" partition
q -d $DB "SELECT json_object_agg('hospital.' || tabela, json_build_object('c', i, 'u', u, 'd', d))
            FROM (SELECT tabela, coalesce(sum(linhas) FILTER (WHERE operacao = 'insert'), 0) AS i,
                         coalesce(sum(linhas) FILTER (WHERE operacao = 'update'), 0) AS u,
                         coalesce(sum(linhas) FILTER (WHERE operacao = 'delete'), 0) AS d
                  FROM alimentador_changes() GROUP BY tabela) t" >"$work/expected1.json"
check "events per table and operation are the workers' counts; the capture replays to exactly the rows" \
  "$PY" tests/cdc/verify.py --host 127.0.0.1 --port "$PGPORT" --dbname $DB --events "$work/events1.jsonl" \
  --expected "$work/expected1.json" --replica-identity full

echo "== keys: publish_via_partition_root on (alimentador_publish(via_raiz => true))"
q -d $DB "SELECT count(*) FROM alimentador_publish(via_raiz => true)" >/dev/null
check "alimentador_cdc_check() says so" contains \
  "$(q -d $DB "SELECT detalhe FROM alimentador_cdc_check() WHERE verificacao = 'publish_via_partition_root'")" "on:"
# A new connector (its own slot and snapshot), which takes the table and leaves out its partitions.
# The partitioned table has no primary key of its own (its partitions have: sql/vitais.sql), so its
# events would have a null message key: message.key.columns names the key.
capture_start 2 --set 'table.include.list=hospital[.](?!sinais_vitais_p[0-9]{8}$).*' \
  --set 'message.key.columns=hospital[.]sinais_vitais:id,medido_em' || { summary keys; exit 1; }
q -d $DB "SELECT alimentador_resume()" >/dev/null
before=$(did insert_sinal_vital)
wait_for 60 "SELECT sum((feitas_por_operacao->>'insert_sinal_vital')::int) >= $before + 30 FROM alimentador_status()" t $DB
capture_end 2
check "readings arrive under the table's topic, none under a partition's" \
  eq "$(topics_of 2 hospital.sinais_vitais | awk '$2 == "c" { print $1 }' | sort -u)" alimentador.hospital.sinais_vitais
check "with message.key.columns the readings are keyed by (id, medido_em)" eq "$(keys_of 2)" "['id,medido_em']"
snapshot_of() {
  "$PY" - "$work/events2.jsonl" <<'PY'
import json, sys
r = [e for e in map(json.loads, open(sys.argv[1])) if e.get("op") == "r" and e.get("table", "").startswith("hospital.sinais_vitais")]
print(len(r) > 0, len(r) == len({e["after"]["id"] for e in r}), sorted({e["topic"] for e in r}))
PY
}
check "the snapshot read each reading once, through the table" eq "$(snapshot_of)" \
  "True True ['alimentador.hospital.sinais_vitais']"
check "the capture replays to exactly the rows (key changes included)" \
  "$PY" tests/cdc/verify.py --host 127.0.0.1 --port "$PGPORT" --dbname $DB --events "$work/events2.jsonl" \
  --replica-identity full

summary keys
