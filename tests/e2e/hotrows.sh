#!/usr/bin/env bash
# End-to-end test of hot rows (alimentador.skew): under zipfian a few patients get most of the
# updates, under uniform they do not; the hot rows are spread over the id range; bad values are
# rejected. Updates per row are counted by a trigger of the test's own. Prints "hotrows: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/cluster.sh

DB=hospital
UPDATES=3000
new_cluster hotrows "shared_preload_libraries = 'alimentador'" "alimentador.database = '$DB'" \
  "alimentador.workers = 2" "alimentador.rate = 200" "alimentador.enabled = off" "wal_level = logical"
q "CREATE DATABASE $DB"
q -d $DB "CREATE EXTENSION alimentador"
q -d $DB "SELECT count(*) FROM alimentador_seed(semente => 3)" >/dev/null
check "workers wait paused" wait_for 20 "SELECT string_agg(estado, ',') FROM alimentador_status()" "paused,paused" $DB
all_zero=$(q -d $DB "SELECT string_agg(operacao || '=0', ',') FROM alimentador_operations()")
q -d $DB "SELECT alimentador_set_weights('$all_zero,update_paciente=1')" >/dev/null
# Every update of a patient counted per row (the test's trigger; the workers are superusers, so it
# pins its search_path like everything they run).
q -d $DB "CREATE TABLE public.contagem (id bigint PRIMARY KEY, n int NOT NULL);
          CREATE FUNCTION public.conta() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS \$\$
          BEGIN
            INSERT INTO public.contagem VALUES (NEW.id, 1) ON CONFLICT (id) DO UPDATE SET n = public.contagem.n + 1;
            RETURN NEW;
          END \$\$;
          CREATE TRIGGER conta AFTER UPDATE ON hospital.pacientes FOR EACH ROW EXECUTE FUNCTION public.conta();"
patients=$(q -d $DB "SELECT count(*) FROM hospital.pacientes")
top=$((patients / 100))

# Runs UPDATES updates of patients, then prints the share of them that the hottest 1% of patients got.
run_updates() {
  q -d $DB "TRUNCATE public.contagem" >/dev/null
  q -d $DB "SELECT alimentador_resume()" >/dev/null
  wait_for 60 "SELECT coalesce(sum(n), 0) >= $UPDATES FROM public.contagem" t $DB || return 1
  q -d $DB "SELECT alimentador_pause()" >/dev/null
  wait_for 5 "SELECT string_agg(estado, ',') FROM alimentador_status()" "paused,paused" $DB >/dev/null || return 1
  q -d $DB "SELECT round(sum(n) FILTER (WHERE rk <= $top)::numeric / sum(n), 3) FROM (SELECT n, row_number() OVER (ORDER BY n DESC) AS rk FROM public.contagem) c"
}

echo "== hotrows: bad values are rejected with the valid forms"
err=$(q_err "ALTER SYSTEM SET alimentador.skew = 'zipfian:0'")
check "a zero exponent is rejected" contains "$err" '"0" is not a Zipf exponent'
check "with the valid forms in the hint" contains "$err" 'HINT:  Valid forms: uniform, zipfian or zipfian:S'
check "an unknown skew is rejected" contains "$(q_err "ALTER SYSTEM SET alimentador.skew = 'pareto'")" 'unknown skew "pareto"'

echo "== hotrows: uniform ($UPDATES updates of $patients patients)"
uniform=$(run_updates)
check "under uniform the hottest 1% of patients ($top) get a small share: $uniform" between "$uniform" 0 0.10

echo "== hotrows: zipfian:1.1"
q "ALTER SYSTEM SET alimentador.skew = 'zipfian:1.1'" >/dev/null; q "SELECT pg_reload_conf()" >/dev/null
check "alimentador.skew is reloadable" wait_for 5 "SELECT valor FROM alimentador_settings() WHERE nome = 'skew'" "zipfian:1.1" $DB
zipf=$(run_updates)
check "under zipfian the hottest 1% of patients get a large share: $zipf" between "$zipf" 0.30 1
spread=$(q -d $DB "SELECT count(*) FILTER (WHERE id > (SELECT (min(id) + max(id)) / 2 FROM hospital.pacientes)) FROM (SELECT id FROM public.contagem ORDER BY n DESC LIMIT 10) h")
check "the 10 hottest patients are spread over the id range, not the lowest ids: $spread in the upper half" between "$spread" 2 8
check "no failed operation" eq "$(q -d $DB "SELECT sum(falhas) FROM alimentador_status()")" 0

summary hotrows
