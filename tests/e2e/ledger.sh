#!/usr/bin/env bash
# End-to-end test of the transaction ledger (alimentador.ledger): read back through logical decoding
# (test_decoding), every stream transaction of two workers carries exactly one `alimentador.tx`
# message whose rows equal the transaction's changes, and each worker's sequence numbers go on
# without gap or repeat across a terminate, a crash restart (kill -9 of a worker, an immediate stop)
# and a server restart, and when its rows' updates cannot stay heap-only; at the keys level
# the message lists exactly the primary keys changed; with the ledger off, no message. Prints "ledger: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/cluster.sh
. tests/lib/cluster.sh

DB=hospital
running() { wait_for 30 "SELECT string_agg(estado, ',') FROM alimentador_status()" "running,running" $DB; }
paused() { wait_for 10 "SELECT string_agg(estado, ',') FROM alimentador_status()" "paused,paused" $DB; }
changes() {
  psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT" -U postgres -d $DB -c \
    "SELECT data FROM pg_logical_slot_get_changes('razao', NULL, NULL, 'include-xids', '1', 'skip-empty-xacts', '1')"
}
seen="" # worker=seq,... of the messages checked so far
read_ledger() { # read_ledger [--expect-none]: checks the new changes, remembers the last seqs
  local out
  out="$(changes | python3 tests/e2e/ledger_check.py --after "$seen" "$@")" || { echo "$out" >&2; return 1; }
  echo "    $out"
  [ "${1:-}" = --expect-none ] || seen="$(sed -n 's/.*, last //p' <<<"$out")"
  return 0
}

# stream_at_level LEVEL: sets alimentador.ledger, streams 3 s, pauses.
stream_at_level() {
  q "ALTER SYSTEM SET alimentador.ledger = $1" >/dev/null; q "SELECT pg_reload_conf()" >/dev/null
  q -d $DB "SELECT alimentador_resume()" >/dev/null
  running
  sleep 3
  q -d $DB "SELECT alimentador_pause()" >/dev/null
  paused
}

new_cluster ledger "shared_preload_libraries = 'alimentador'" "alimentador.database = '$DB'" \
  "alimentador.workers = 2" "alimentador.rate = 200" "alimentador.weights = 'cdc-edge,update_paciente_id=2,insert_sinal_vital=5'" \
  "alimentador.enabled = off" "alimentador.heartbeat_interval = 1" "alimentador.marker_interval = 1" \
  "wal_level = logical" "max_replication_slots = 4"
q "CREATE DATABASE $DB"
q -d $DB "CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(0.2, 1)" >/dev/null
q -d $DB "SELECT count(*) FROM pg_create_logical_replication_slot('razao', 'test_decoding')" >/dev/null

echo "== ledger: two workers, every kind of change"
q -d $DB "SELECT alimentador_resume()" >/dev/null
check "the workers stream" running
sleep 5
q -d $DB "SELECT alimentador_pause()" >/dev/null
paused
check "each transaction carries one message that matches its changes; seqs 1, 2, 3…" read_ledger
check "the status shows each worker's last seq" eq \
  "$(q -d $DB "SELECT string_agg(worker || '=' || razao_seq, ',' ORDER BY worker) FROM alimentador_status()")" "$seen"
check "alimentador_razao keeps them" eq \
  "$(q -d $DB "SELECT string_agg(worker || '=' || seq, ',' ORDER BY worker) FROM alimentador_razao")" "$seen"
# The slot's position is saved at checkpoints: without one, the crash below would make the slot
# deliver the changes read above again (at-least-once delivery, which a real consumer must handle).
q "CHECKPOINT"

echo "== ledger: the numbering survives a terminate, a crash restart and a server restart"
q -d $DB "SELECT alimentador_resume()" >/dev/null
running
sleep 2
q -d $DB "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'alimentador worker 0'" >/dev/null
running
sleep 2
kill -9 "$(q -d $DB "SELECT pid FROM alimentador_status() WHERE worker = 1")"
running
sleep 2
cluster_stop "$PGDIR"; cluster_start "$PGDIR"
running
sleep 2
q -d $DB "SELECT alimentador_pause()" >/dev/null
paused
check "no gap, no repeat, every message matches" read_ledger
# A crash restart of the whole server too (pg_ctl stop -m immediate: no shutdown checkpoint; the
# checkpoint before it saves the slot's position, as above).
q "CHECKPOINT"
q -d $DB "SELECT alimentador_resume()" >/dev/null
running
sleep 2
as_postgres "$PG_BIN/pg_ctl" -D "$PGDIR" -m immediate -w stop >/dev/null; cluster_start "$PGDIR"
running
sleep 2
q -d $DB "SELECT alimentador_pause()" >/dev/null
paused
check "after an immediate stop too" read_ledger

echo "== ledger: updates that cannot stay on their page"
# The ledger updates its rows on the heap (src/ledger.rs), not through an UPDATE statement. A
# snapshot held open keeps every version of them: their page fills, the next versions go to other
# pages, and each needs its own primary-key entry, which the worker must add itself.
q -d $DB "CREATE EXTENSION IF NOT EXISTS amcheck" >/dev/null
razao_stat() {
  q -d $DB "SELECT pg_stat_clear_snapshot()" >/dev/null
  q -d $DB "SELECT n_tup_upd - n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'alimentador_razao'"
}
cold_before=$(razao_stat)
psql -X -q -h "$PGDIR" -p "$PGPORT" -U postgres -d $DB -c "BEGIN ISOLATION LEVEL REPEATABLE READ" \
  -c "SELECT count(*) FROM alimentador_razao" -c "SELECT pg_sleep(4)" -c "COMMIT" >/dev/null &
holder=$!
q -d $DB "SELECT alimentador_resume()" >/dev/null
running
wait "$holder"
q -d $DB "SELECT alimentador_pause()" >/dev/null
paused
check "some updates of the ledger's rows were not heap-only" test "$(razao_stat)" -gt "$cold_before"
check "no gap, no repeat, every message matches" read_ledger
check "the primary key indexes every version (amcheck)" eq \
  "$(q -d $DB "SELECT bt_index_check('alimentador_razao_pkey', true)")" ""
check "and finds each worker's last number" eq \
  "$(q -d $DB "SET enable_seqscan = off; SELECT string_agg(worker || '=' || seq, ',' ORDER BY worker) FROM alimentador_razao WHERE worker IN (0, 1)")" "$seen"

echo "== ledger: a table given another index and a trigger"
# The heap update maintains the primary key only and fires no trigger: given another index or a
# trigger, the worker numbers through the statement (INSERT … ON CONFLICT DO UPDATE) instead.
q -d $DB "CREATE TABLE razao_disparos (n bigint NOT NULL);
          INSERT INTO razao_disparos VALUES (0);
          CREATE FUNCTION conta_razao() RETURNS trigger LANGUAGE plpgsql
            AS 'BEGIN UPDATE public.razao_disparos SET n = n + 1; RETURN NEW; END';
          CREATE INDEX razao_atualizada_idx ON alimentador_razao (atualizada_em);
          CREATE TRIGGER conta_razao BEFORE UPDATE ON alimentador_razao
            FOR EACH ROW EXECUTE FUNCTION conta_razao()" >/dev/null
q -d $DB "SELECT alimentador_resume()" >/dev/null
running
sleep 2
q -d $DB "SELECT alimentador_pause()" >/dev/null
paused
check "the trigger fired for the ledger's updates" test "$(q -d $DB "SELECT n FROM razao_disparos")" -gt 0
check "no gap, no repeat, every message matches" read_ledger
check "the other index indexes every version (amcheck)" eq \
  "$(q -d $DB "SELECT bt_index_check('razao_atualizada_idx', true)")" ""
q -d $DB "DROP TRIGGER conta_razao ON alimentador_razao; DROP INDEX razao_atualizada_idx;
          DROP FUNCTION conta_razao(); DROP TABLE razao_disparos" >/dev/null

echo "== ledger: keys"
stream_at_level keys
check "with alimentador.ledger = keys each message lists exactly the primary keys its transaction changed" read_ledger --keys

echo "== ledger: off"
stream_at_level off
check "with alimentador.ledger = off the transactions carry no message" read_ledger --expect-none
check "a bad value is rejected when set" contains "$(q_err "ALTER SYSTEM SET alimentador.ledger = 'chaves'")" 'invalid value for parameter "alimentador.ledger"'

summary ledger
