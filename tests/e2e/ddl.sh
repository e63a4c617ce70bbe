#!/usr/bin/env bash
# End-to-end test of schema evolution mid-stream: two workers stream the `ddl` profile (the default mix
# plus the schema changes and prescriptions) at full speed; every change applies once with no failed
# operation (DDL waits are lock waits, bounded by alimentador.lock_timeout, never failures), the history
# LSNs increase and equal the LSNs of the changes' closing `alimentador.ddl` messages read back through
# logical decoding, the row counters still equal pg_stat_user_tables (prescricoes included); then the
# breaking changes; then alimentador_reset() gives back the catalog of a fresh CREATE EXTENSION and the
# changes apply again. Prints "ddl: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/cluster.sh
. tests/lib/cluster.sh

DB=hospital
running() { wait_for 30 "SELECT string_agg(estado, ',') FROM alimentador_status()" "running,running" $DB; }
paused() { wait_for 10 "SELECT string_agg(estado, ',') FROM alimentador_status()" "paused,paused" $DB; }
history_count() { wait_for "$1" "SELECT count(*) FROM alimentador_schema_history()" "$2" $DB; }
failures() { q -d $DB "SELECT sum(falhas) FROM alimentador_status()"; }
catalog() { psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT" -U postgres -d "$1" -f tests/e2e/ddl_catalog.sql; }
counters() { q -d $DB "SELECT string_agg(tabela || ':' || operacao || '=' || linhas, ' ' ORDER BY tabela, operacao) FROM alimentador_changes() WHERE tabela <> 'pulso'"; }
table_stats() { hospital_table_stats $DB pulso; }
# The LSNs of the closing messages of the changes (fase mudanca), from the slot, in order.
closing_lsns() {
  q -d $DB "SELECT string_agg(lsn::text, ' ' ORDER BY lsn) FROM pg_logical_slot_peek_changes('ddl', NULL, NULL)
            WHERE data LIKE 'message: transactional: 1 prefix: alimentador.ddl,%' AND data LIKE '%\"fase\": \"mudanca\"%'
              AND data LIKE '%\"momento\": \"fim\"%'"
}
# counters_match C1 S1: the counters' change since C1 equals the statistics' since S1 (same_changes); the statistics
# of the (paused) workers' last transactions reach pg_stat_user_tables within a second or so.
counters_match() {
  local counted observed
  for _ in $(seq 50); do
    counted=$(delta "$1" "$(counters)"); observed=$(delta "$2" "$(table_stats)")
    same_changes "$counted" "$observed" 2>/dev/null && break
    sleep 0.2
  done
  same_changes "$counted" "$observed"
}
history_lsns() { q -d $DB "SELECT string_agg(lsn::text, ' ' ORDER BY seq) FROM alimentador_schema_history()"; }
increasing() { q -d $DB "SELECT coalesce(bool_and(a.lsn < b.lsn), true)::text FROM alimentador_schema_history() a JOIN alimentador_schema_history() b ON b.seq = a.seq + 1"; }

new_cluster ddl "shared_preload_libraries = 'alimentador'" "alimentador.database = '$DB'" \
  "alimentador.workers = 2" "alimentador.rate = 0" "alimentador.weights = 'ddl'" "alimentador.enabled = off" \
  "alimentador.lock_timeout = 200" "wal_level = logical" "max_replication_slots = 4"
q "CREATE DATABASE $DB"
q "CREATE DATABASE fresh"
q -d fresh "CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(0.05, 1)" >/dev/null
q -d $DB "CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(0.2, 1)" >/dev/null
q -d $DB "SELECT count(*) FROM pg_create_logical_replication_slot('ddl', 'test_decoding')" >/dev/null
original=$(catalog $DB)
check "the seeded catalog equals a fresh CREATE EXTENSION's" eq "$original" "$(catalog fresh)"

echo "== ddl: two workers stream the ddl profile at full speed"
c1=$(counters); s1=$(table_stats)
q -d $DB "SELECT alimentador_resume()" >/dev/null
check "the workers stream" running
check "the seven changes of the ddl profile are applied" history_count 60 7
# Go on streaming after the last change: prescriptions, the stream's kept plans on changed tables.
sleep 3
q -d $DB "SELECT alimentador_pause()" >/dev/null
paused
check "no failed operation" eq "$(failures)" 0
echo "    lock waits (rolled back and retried, not failures): $(q -d $DB "SELECT sum(esperas_por_lock) FROM alimentador_status()")"
check "each change applied exactly once" eq \
  "$(q -d $DB "SELECT string_agg(o.key || '=' || o.value, ',' ORDER BY o.key) FROM (SELECT o.key, sum(o.value::int) AS value FROM alimentador_status() s, jsonb_each_text(s.feitas_por_operacao) o WHERE o.key LIKE 'ddl_%' GROUP BY 1) o")" \
  "ddl_check_quarto=1,ddl_email_254=1,ddl_nome_social=1,ddl_prescricoes=1,ddl_status_confirmada=1,ddl_teleconsulta=1,ddl_valor_12_2=1"
check "prescriptions were written" between "$(q -d $DB "SELECT count(*) FROM hospital.prescricoes")" 1 100000000
check "history LSNs increase" eq "$(increasing)" true
check "history LSNs are those of the closing alimentador.ddl messages" eq "$(closing_lsns)" "$(history_lsns)"
check "an opening message precedes each change" eq \
  "$(q -d $DB "SELECT count(*) FROM pg_logical_slot_peek_changes('ddl', NULL, NULL) WHERE data LIKE '%prefix: alimentador.ddl,%\"momento\": \"inicio\"%'")" 7
# prescricoes did not exist at the first snapshot: its statistics start at 0.
s1_full="$s1 prescricoes:delete=0 prescricoes:insert=0 prescricoes:update=0"
check "row counters equal pg_stat_user_tables, prescricoes included" counters_match "$c1" "$s1_full"
check "cdc_check: the new table is published, keyed, with the others' replica identity" eq \
  "$(q -d $DB "SELECT string_agg(ok::text, ',' ORDER BY verificacao) FROM alimentador_cdc_check() WHERE verificacao IN ('publication', 'primary keys', 'replica identity')")" "true,true,true"

echo "== ddl: the breaking changes"
q -d $DB "SELECT alimentador_set_weights('ddl-breaking'), alimentador_resume()" >/dev/null
check "the rename and the drop are applied" history_count 60 9
sleep 2
q -d $DB "SELECT alimentador_pause()" >/dev/null
paused
check "no failed operation" eq "$(failures)" 0
check "history LSNs increase" eq "$(increasing)" true
check "row counters equal pg_stat_user_tables, medicos touched after the rename and the drop" \
  counters_match "$c1" "$s1_full"
check "the doctor's record touched carries the breaking change to consumers" eq \
  "$(q -d $DB "SELECT linhas FROM alimentador_changes() WHERE tabela = 'medicos' AND operacao = 'update'")" 2

echo "== ddl: reset restores the original schema; the changes apply again"
# The reset runs while the workers write prescriptions and delete patients (with their prescriptions)
# at full speed: it waits for their transactions, they for its, and none fails on the dropped table.
q -d $DB "SELECT alimentador_set_weights('ddl,ddl_nome_social=0,ddl_teleconsulta=0,ddl_email_254=0,ddl_valor_12_2=0,ddl_check_quarto=0,ddl_status_confirmada=0,ddl_prescricoes=0,insert_prescricao=30,delete_paciente=10'), alimentador_resume()" >/dev/null
running
sleep 2
q -d $DB "SELECT count(*) FROM alimentador_reset(true, 0.05, 1)" >/dev/null
sleep 2
q -d $DB "SELECT alimentador_pause()" >/dev/null
paused
check "no failed operation across the reset" eq "$(failures)" 0
check "the catalog equals a fresh CREATE EXTENSION's" eq "$(catalog $DB)" "$original"
check "the history is empty" eq "$(q -d $DB "SELECT count(*) FROM alimentador_schema_history()")" 0
check "the undoing is in the stream too" between \
  "$(q -d $DB "SELECT count(*) FROM pg_logical_slot_peek_changes('ddl', NULL, NULL) WHERE data LIKE '%\"fase\": \"restauracao\"%\"momento\": \"fim\"%'")" 9 9
# A long transaction holds pacientes (ACCESS SHARE): the ALTERs of pacientes wait for it at most
# alimentador.lock_timeout, are rolled back and retried (lock waits), and the stream goes on.
psql -X -q -h "$PGDIR" -p "$PGPORT" -U postgres -d $DB \
  -c "BEGIN; SELECT count(*) FROM hospital.pacientes; SELECT pg_sleep(5); COMMIT;" >/dev/null &
holder=$!
wait_for 10 "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'pacientes' AND l.mode = 'AccessShareLock' AND l.granted AND l.pid <> pg_backend_pid()" 1 $DB
w1=$(q -d $DB "SELECT sum(esperas_por_lock) FROM alimentador_status()")
q -d $DB "SELECT alimentador_set_weights('ddl'), alimentador_resume()" >/dev/null
sleep 3
held=$(q -d $DB "SELECT count(*) FROM alimentador_schema_history() WHERE tabela = 'pacientes'")
d1=$(q -d $DB "SELECT sum(feitas) FROM alimentador_status()"); sleep 1
d2=$(q -d $DB "SELECT sum(feitas) FROM alimentador_status()")
check "while the transaction holds pacientes its changes wait" eq "$held" 0
check "...and the stream goes on" between $((d2 - d1)) 1 100000000
wait "$holder"
check "a new schema generation: the changes apply again" history_count 60 7
sleep 2
q -d $DB "SELECT alimentador_pause()" >/dev/null
paused
check "the waits were lock waits (rolled back, retried)" between \
  $(( $(q -d $DB "SELECT sum(esperas_por_lock) FROM alimentador_status()") - w1 )) 1 100000000
check "no failed operation after the reset" eq "$(failures)" 0
q -d $DB "SELECT count(*) FROM pg_drop_replication_slot('ddl')" >/dev/null
summary ddl
