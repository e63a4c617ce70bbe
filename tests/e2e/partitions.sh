#!/usr/bin/env bash
# End-to-end test of the partitioned hospital.sinais_vitais and of the key change: two workers stream
# the `sinais-vitais` profile plus update_paciente_id at 200 ops/s while partitions disappear and are
# created again by the workers (the next days' partitions), and while the retention setting drops an
# old partition only once it is set; no operation fails, and the counters match the rows. Prints
# "partitions: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/cluster.sh
. tests/lib/cluster.sh

DB=hospital
running() { wait_for 30 "SELECT string_agg(estado, ',') FROM alimentador_status()" "running,running" $DB; }
paused() { wait_for 10 "SELECT string_agg(estado, ',') FROM alimentador_status()" "paused,paused" $DB; }
# The name of the partition N days from today (UTC).
day() { q -d $DB "SELECT 'sinais_vitais_p' || to_char((now() AT TIME ZONE 'UTC') + $1 * interval '1 day', 'YYYYMMDD')"; }
exists() { q -d $DB "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'hospital' AND c.relname = '$1'"; }
# Drops a partition of the coming days (empty: readings are taken now) and waits until a worker
# creates it again: the workers make sure of the partitions every 10 seconds.
recreated() {
  q -d $DB "DROP TABLE hospital.$1" >/dev/null
  wait_for 30 "SELECT count(*) FROM pg_class WHERE relname = '$1' AND relreplident = 'f'" 1 $DB
}

new_cluster partitions "shared_preload_libraries = 'alimentador'" "alimentador.database = '$DB'" \
  "alimentador.workers = 2" "alimentador.rate = 200" "alimentador.weights = 'sinais-vitais,update_paciente_id=5'" \
  "alimentador.enabled = off" "wal_level = logical"
q "CREATE DATABASE $DB"
q -d $DB "CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(0.2, 1)" >/dev/null
readings_seeded=$(q -d $DB "SELECT count(*) FROM hospital.sinais_vitais")
pacientes_seeded=$(q -d $DB "SELECT count(*) FROM hospital.pacientes")
tomorrow=$(day 1); after=$(day 2); old=$(day -30)

echo "== partitions: the workers create the coming days' partitions"
check "the seed made readings and partitions up to $after" eq "$( ((readings_seeded > 0)) && exists "$after")" 1
q -d $DB "SELECT alimentador_resume()" >/dev/null
check "the workers stream" running
check "tomorrow's partition dropped mid-stream is created again by a worker" recreated "$tomorrow"
check "so is the next day's" recreated "$after"
check "alimentador_cdc_check() finds nothing wrong with the partitions" eq \
  "$(q -d $DB "SELECT ok FROM alimentador_cdc_check() WHERE verificacao = 'partitions'")" t

echo "== partitions: retention drops an old partition only once it is set"
q -d $DB "SELECT count(*) FROM alimentador_particoes_vitais(now() - interval '30 days', now() - interval '30 days')" >/dev/null
q -d $DB "INSERT INTO hospital.sinais_vitais (internacao_id, medido_em, pulso, pressao_sistolica, pressao_diastolica,
            saturacao_o2, temperatura, frequencia_respiratoria)
          SELECT min(id), now() - interval '30 days', 72, 118, 76, 98, 36.6, 14 FROM hospital.internacoes" >/dev/null
check "an old partition with a reading" eq "$(exists "$old")" 1
# A maintenance pass has run when a dropped partition is back: with the retention at 0 it kept the old one.
check "(a maintenance pass runs)" recreated "$tomorrow"
check "alimentador.vitais_retencao = 0 (the default) keeps it" eq "$(exists "$old")" 1
check "an invalid retention is rejected" contains "$(q_err "ALTER SYSTEM SET alimentador.vitais_retencao = -3")" \
  'alimentador.vitais_retencao'
q "ALTER SYSTEM SET alimentador.vitais_retencao = 7" >/dev/null; q "SELECT pg_reload_conf()" >/dev/null
check "with alimentador.vitais_retencao = 7 a worker drops it" \
  wait_for 30 "SELECT count(*) FROM pg_class WHERE relname = '$old'" 0 $DB
check "and keeps the recent ones" eq "$(exists "$(day -1)")$(exists "$(day 0)")$(exists "$tomorrow")" 111

q -d $DB "SELECT alimentador_pause()" >/dev/null
paused
echo "== partitions: nothing failed, the counters are the rows"
check "no operation failed" eq "$(q -d $DB "SELECT sum(falhas) FROM alimentador_status()")" 0
inserted=$(q -d $DB "SELECT linhas FROM alimentador_changes() WHERE tabela = 'sinais_vitais' AND operacao = 'insert'")
check "readings were streamed" between "$inserted" 100 100000000
check "every streamed reading is in the table" eq "$(q -d $DB "SELECT count(*) FROM hospital.sinais_vitais")" \
  "$((readings_seeded + inserted))"
# The seed's readings end before today (UTC): today's partition holds the stream's.
check "the readings are in today's partition" eq "$(q -d $DB "SELECT count(*) FROM hospital.$(day 0)")" "$inserted"
rekeys=$(q -d $DB "SELECT (feitas_por_operacao->>'update_paciente_id')::int FROM alimentador_status() WHERE worker = 0")
rekeys=$((rekeys + $(q -d $DB "SELECT (feitas_por_operacao->>'update_paciente_id')::int FROM alimentador_status() WHERE worker = 1")))
check "patients were re-registered under new ids" between "$rekeys" 1 100000000
changes_of() { q -d $DB "SELECT linhas FROM alimentador_changes() WHERE tabela = 'pacientes' AND operacao = '$1'"; }
check "each re-registration counts as a delete of pacientes" eq "$(changes_of delete)" "$rekeys"
check "... and an insert (inserts = new patients + re-registrations)" eq "$(changes_of insert)" \
  "$(($(q -d $DB "SELECT count(*) FROM hospital.pacientes") - pacientes_seeded + rekeys))"
check "no patient's rows were left behind (each child follows its patient)" eq \
  "$(q -d $DB "SELECT count(*) FROM hospital.consultas c WHERE NOT EXISTS (SELECT FROM hospital.pacientes p WHERE p.id = c.paciente_id)")" 0

summary partitions
