#!/usr/bin/env bash
# End-to-end tests of the stream's background workers, against a cluster that preloads the library
# (installed by scripts/build-extension.sh). Prints "worker: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/cluster.sh

DB=hospital
status() { q -d $DB "SELECT string_agg(estado, ',' ORDER BY worker) FROM alimentador_status()"; }
done_ops() { q -d $DB "SELECT sum(feitas) FROM alimentador_status()"; }
# What the rate paces: operations done or skipped (an admission attempt whose patient is in hospital
# already is a skip, from the first minute on).
paced_ops() { q -d $DB "SELECT sum(feitas + puladas) FROM alimentador_status()"; }
log_count() { grep -c "$1" "$PGDIR/server.log" || true; }
orphans() {
  q -d $DB "SELECT (SELECT count(*) FROM hospital.consultas c LEFT JOIN hospital.pacientes p ON p.id = c.paciente_id WHERE p.id IS NULL)
                 + (SELECT count(*) FROM hospital.exames e LEFT JOIN hospital.pacientes p ON p.id = e.paciente_id WHERE p.id IS NULL)
                 + (SELECT count(*) FROM hospital.internacoes i LEFT JOIN hospital.pacientes p ON p.id = i.paciente_id WHERE p.id IS NULL)
                 + (SELECT count(*) FROM hospital.pacientes_convenios v LEFT JOIN hospital.pacientes p ON p.id = v.paciente_id WHERE p.id IS NULL)"
}
broken_lifecycles() {
  q -d $DB "SELECT (SELECT count(*) FROM hospital.consultas WHERE status IN ('realizada', 'faltou') AND data > updated_at)
                 + (SELECT count(*) FROM hospital.exames WHERE data_resultado < data OR (resultado IS NULL) <> (data_resultado IS NULL))
                 + (SELECT count(*) FROM hospital.internacoes WHERE data_saida < data_entrada)"
}
# Row changes per table and change kind: the workers' counters, and pg_stat_user_tables.
# (prescricoes only exists once the ddl profile created it)
counters() { q -d $DB "SELECT string_agg(tabela || ':' || operacao || '=' || linhas, ' ' ORDER BY tabela, operacao) FROM alimentador_changes() WHERE to_regclass('hospital.' || tabela) IS NOT NULL"; }
table_stats() { hospital_table_stats $DB; }

echo "== worker: waits quietly for the database, the extension and the seed"
new_cluster worker "shared_preload_libraries = 'alimentador'" "alimentador.database = '$DB'" \
  "alimentador.workers = 2" "alimentador.rate = 20" "wal_level = logical" "max_wal_senders = 4"
q "CREATE EXTENSION alimentador" # in database postgres, only to observe the workers
check "workers wait for the missing database" wait_for 15 "SELECT string_agg(estado, ',') FROM alimentador_status()" "waiting for database,waiting for database"
sleep 6
check "the wait is logged once, with no restart storm" eq "$(log_count 'waiting for database')" 1
check "the FATAL for the missing database happened at most once per worker" between "$(log_count 'database \"hospital\" does not exist')" 0 2
q "CREATE DATABASE $DB"
check "workers connect and wait for the extension" wait_for 20 "SELECT string_agg(estado, ',') FROM alimentador_status()" "waiting for extension,waiting for extension"
q -d $DB "CREATE EXTENSION alimentador"
check "workers wait for the seed" wait_for 10 "SELECT string_agg(estado, ',') FROM alimentador_status()" "waiting for seed,waiting for seed" $DB
check "nothing was written before the seed" eq "$(q -d $DB "SELECT sum(linhas) FROM alimentador_counts()")" 12
q -d $DB "SELECT count(*) FROM alimentador_seed(semente => 1)" >/dev/null
check "workers run once seeded" wait_for 10 "SELECT string_agg(estado, ',') FROM alimentador_status()" "running,running" $DB
check "workers show in pg_stat_activity" eq "$(q "SELECT string_agg(backend_type || '/' || application_name, ',' ORDER BY application_name) FROM pg_stat_activity WHERE backend_type = 'alimentador'")" \
  "alimentador/alimentador worker 0,alimentador/alimentador worker 1"

echo "== worker: pacing, run-time control, reload"
q -d $DB "SELECT alimentador_set_rate(50)" >/dev/null
sleep 2
before=$(paced_ops); sleep 60; after=$(paced_ops)
check "50 ops/s over a minute across 2 workers: $((after - before)) ops (3000 +- 2%)" between $((after - before)) 2940 3060
q -d $DB "SELECT alimentador_pause()" >/dev/null
check "pause reaches every worker within a second" wait_for 1 "SELECT string_agg(estado, ',') FROM alimentador_status()" "paused,paused" $DB
p1=$(done_ops); sleep 3; p2=$(done_ops)
check "paused workers do nothing" eq "$p2" "$p1"
pid=$(q -d $DB "SELECT pid FROM alimentador_status() WHERE worker = 0")
t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat"); sleep 5; t2=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
check "a paused worker does not spin: $((t2 - t1)) CPU ticks in 5 s" between $((t2 - t1)) 0 25
all_zero=$(q -d $DB "SELECT string_agg(operacao || '=0', ',') FROM alimentador_operations()")
q -d $DB "SELECT alimentador_set_weights('$all_zero,update_paciente=1'), alimentador_set_rate(0), alimentador_resume()" >/dev/null
check "resume reaches every worker within a second" wait_for 1 "SELECT string_agg(estado, ',') FROM alimentador_status()" "running,running" $DB
others() { q -d $DB "SELECT sum(feitas) - sum(coalesce((feitas_por_operacao->>'update_paciente')::bigint, 0)) FROM alimentador_status()"; }
only() { q -d $DB "SELECT sum(coalesce((feitas_por_operacao->>'update_paciente')::bigint, 0)) FROM alimentador_status()"; }
x1=$(others); k1=$(only); sleep 2; x2=$(others); k2=$(only)
check "new weights apply at once: only update_paciente runs" eq "$((x2 - x1))" 0
check "unlimited rate runs fast: $(( (k2 - k1) / 2 )) ops/s" between $(( (k2 - k1) / 2 )) 100 100000000
q -d $DB "SELECT alimentador_set_weights(NULL), alimentador_set_rate(NULL)" >/dev/null
q "ALTER SYSTEM SET alimentador.rate = 4" >/dev/null; q "SELECT pg_reload_conf()" >/dev/null
sleep 2
r1=$(paced_ops); sleep 10; r2=$(paced_ops)
check "SIGHUP reload applies alimentador.rate = 4: $((r2 - r1)) ops in 10 s" between $((r2 - r1)) 36 44
check "a bad weight list is rejected when set" contains "$(q_err "ALTER SYSTEM SET alimentador.weights = 'bogus'")" 'unknown profile "bogus"'

echo "== worker: counters equal the rows changed"
q -d $DB "SELECT alimentador_set_rate(200), alimentador_set_weights('deletes')" >/dev/null
sleep 3
q -d $DB "SELECT alimentador_pause()" >/dev/null; sleep 2
c1=$(counters); s1=$(table_stats)
q -d $DB "SELECT alimentador_resume()" >/dev/null; sleep 10
q -d $DB "SELECT alimentador_pause()" >/dev/null; sleep 2
c2=$(counters); s2=$(table_stats)
counted=$(delta "$c1" "$c2"); observed=$(delta "$s1" "$s2")
check "workers' counters equal pg_stat_user_tables deltas per table and operation" same_changes "$counted" "$observed"
check "some deletes happened" between "$(grep -E 'consultas:delete' <<<"$counted" | cut -d= -f2)" 1 100000000
check "no failures so far" eq "$(q -d $DB "SELECT sum(falhas) FROM alimentador_status()")" 0

echo "== worker: a failing operation is rolled back and the stream goes on"
q -d $DB "CREATE FUNCTION recusa() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RAISE EXCEPTION 'leitos lotados'; END \$\$;
          CREATE TRIGGER recusa BEFORE INSERT ON hospital.internacoes FOR EACH ROW EXECUTE FUNCTION recusa();" >/dev/null
before_rows=$(q -d $DB "SELECT count(*) FROM hospital.internacoes")
f1=$(q -d $DB "SELECT sum(falhas) FROM alimentador_status()"); d1=$(done_ops)
q -d $DB "SELECT alimentador_set_weights(NULL), alimentador_resume()" >/dev/null; sleep 3; q -d $DB "SELECT alimentador_pause()" >/dev/null; sleep 1
check "failed operations are counted" between $(( $(q -d $DB "SELECT sum(falhas) FROM alimentador_status()") - f1 )) 1 100000000
check "with their error" contains "$(q -d $DB "SELECT string_agg(ultimo_erro, ' ') FROM alimentador_status()")" "insert_internacao: leitos lotados"
check "they changed nothing" eq "$(q -d $DB "SELECT count(*) FROM hospital.internacoes")" "$before_rows"
check "the other operations went on" between $(( $(done_ops) - d1 )) 50 100000000
q -d $DB "DROP TRIGGER recusa ON hospital.internacoes; DROP FUNCTION recusa(); SELECT alimentador_set_rate(NULL)" >/dev/null

echo "== worker: survives reset, TRUNCATE, kill -9"
q -d $DB "SELECT alimentador_resume(), alimentador_set_rate(100)" >/dev/null; sleep 2
q -d $DB "SELECT count(*) FROM alimentador_reset(scale => 0.5)" >/dev/null
q -d $DB "TRUNCATE hospital.internacoes, hospital.sinais_vitais" >/dev/null
b=$(done_ops)
check "the stream goes on after reset and TRUNCATE" wait_for 10 "SELECT sum(feitas) >= $((b + 100)) FROM alimentador_status()" t $DB
pid=$(q -d $DB "SELECT pid FROM alimentador_status() WHERE worker = 0")
kill -9 "$pid"
check "a killed worker is restarted by the postmaster" wait_for 30 "SELECT count(*) FROM alimentador_status() WHERE estado = 'running' AND pid <> $pid" 2 $DB
# The crash restart reset the shared memory: the counters start again (the run-time controls are
# read back from the data directory).
b=$(done_ops)
check "the restarted workers stream" wait_for 15 "SELECT sum(feitas) >= $((b + 20)) FROM alimentador_status()" t $DB
check "0 orphans after the run" eq "$(orphans)" 0
check "every lifecycle constraint holds" eq "$(broken_lifecycles)" 0
check "no failed operation" eq "$(q -d $DB "SELECT sum(falhas) FROM alimentador_status()")" 0
start=$(date +%s%N); cluster_stop "$PGDIR"; stop_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "workers exit on SIGTERM (fast shutdown took ${stop_ms} ms)" eq "$(log_count 'terminating background worker "alimentador" due to administrator command')" 2

echo "== worker: invalid settings in postgresql.conf are rejected at start"
new_cluster bad "shared_preload_libraries = 'alimentador'" "alimentador.workers = 99" "alimentador.weights = 'insert_cosulta=1'"
check "alimentador.workers = 99 is rejected with a clear message" contains "$(cat "$PGDIR/server.log")" '99 is outside the valid range for parameter "alimentador.workers" (0 .. 16)'
check "an unknown operation in alimentador.weights is rejected with a clear message" contains "$(cat "$PGDIR/server.log")" 'unknown operation "insert_cosulta"'
check "the defaults stay in force" eq "$(q "SELECT current_setting('alimentador.workers') || '/' || current_setting('alimentador.weights')")" "1/"

echo "== without shared_preload_libraries: everything but the workers"
new_cluster nopreload
q "CREATE EXTENSION alimentador"
check "seed and the stream by hand work without the preload" eq "$(q "SELECT count(*) FROM alimentador_seed(0.1)"),$(q "SELECT sum(feitas) + sum(puladas) FROM alimentador_stream(50)")" "8,50"
check "status explains that the workers need the preload" contains "$(q_err "SELECT * FROM alimentador_status()")" "alimentador is not in shared_preload_libraries"

summary worker
