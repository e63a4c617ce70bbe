#!/usr/bin/env bash
# The lifecycle rules the manual states (docs/src/schema.md, docs/src/stream.md), checked with plain SQL
# after runs of every profile (from alimentador_profiles(), not a hand list), each in a database of its
# own with two concurrent streams, at several alimentador.time_scale values, then the background
# workers (two per database): no two stays of a patient
# overlap, no vital-sign reading outside its stay, no appointment attended or missed before its date,
# no exam result before its collection or without its report, nothing dated after the hospital clock
# but the appointments booked ahead, no failed operation. Prints "lifecycle: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/cluster.sh
. tests/lib/cluster.sh

# Seconds each time_scale runs, and the rate of each of a database's two streams.
PHASE_SECONDS="${LIFECYCLE_PHASE_SECONDS:-50}"
RATE=15
SCALES=(1 1440 40320)

# Streams from sessions (CALL alimentador_run), two per database: the controls of the background
# workers (alimentador_set_weights) are the server's, one profile at a time, while sessions take
# their weights as an argument and run the same engine, batches and commits as a worker. The
# background workers, two per database, then run one profile everywhere (see the end).
new_cluster lifecycle "shared_preload_libraries = 'alimentador'" "alimentador.workers = 0" \
  "wal_level = logical" "max_connections = 80" "max_worker_processes = 24" "alimentador.heartbeat_interval = 0" \
  "alimentador.long_transaction_duration = '3s'" "alimentador.enabled = off" "alimentador.rate = 30"
q "CREATE EXTENSION alimentador"
mapfile -t PROFILES < <(q "SELECT nome FROM alimentador_profiles() ORDER BY nome")
db_of() { echo "ciclo_${1//-/_}"; }
echo "== lifecycle: ${#PROFILES[@]} profiles (${PROFILES[*]}), one database each, seeded"
for p in "${PROFILES[@]}"; do
  db="$(db_of "$p")"
  q "CREATE DATABASE $db"
  q -d "$db" "CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(0.3, 7)" >/dev/null
done
check "every profile has its database" eq "$(q "SELECT count(*) FROM pg_database WHERE datname LIKE 'ciclo\_%'")" "${#PROFILES[@]}"
# Two background workers per database, paused until the last phase.
dbs="$(for p in "${PROFILES[@]}"; do db_of "$p"; done | paste -sd,)"
q "ALTER SYSTEM SET alimentador.database = '$dbs'" >/dev/null
q "ALTER SYSTEM SET alimentador.workers = 2" >/dev/null
cluster_stop "$PGDIR"; cluster_start "$PGDIR"
check "two paused workers per database" wait_for 30 \
  "SELECT count(*) FILTER (WHERE estado = 'paused') || '/' || count(DISTINCT banco) FROM alimentador_status()" \
  "$((2 * ${#PROFILES[@]}))/${#PROFILES[@]}"

# broken DB: "rule=count" of each lifecycle rule's violations in that database (all 0 when it holds),
# read against the hospital clock once the streams have stopped.
broken() {
  q -d "$1" "
    WITH agora AS (SELECT alimentador_relogio() AS t)
    SELECT concat_ws(' ',
      'stays_overlap=' || (SELECT count(*) FROM hospital.internacoes a JOIN hospital.internacoes b
                           ON b.paciente_id = a.paciente_id AND b.id > a.id
                           WHERE a.data_entrada < coalesce(b.data_saida, 'infinity')
                             AND b.data_entrada < coalesce(a.data_saida, 'infinity')),
      'two_active_stays=' || (SELECT count(*) FROM (SELECT paciente_id FROM hospital.internacoes
                              WHERE data_saida IS NULL GROUP BY 1 HAVING count(*) > 1) s),
      'discharge_before_admission=' || (SELECT count(*) FROM hospital.internacoes WHERE data_saida < data_entrada),
      'reading_outside_stay=' || (SELECT count(*) FROM hospital.sinais_vitais v
                                  JOIN hospital.internacoes i ON i.id = v.internacao_id
                                  WHERE v.medido_em < i.data_entrada OR v.medido_em > i.data_saida),
      'attended_before_date=' || (SELECT count(*) FROM hospital.consultas, agora
                                  WHERE status IN ('realizada', 'faltou') AND data > agora.t),
      'result_before_collection=' || (SELECT count(*) FROM hospital.exames WHERE data_resultado < data),
      'result_half_written=' || (SELECT count(*) FROM hospital.exames
                                 WHERE (resultado IS NULL) <> (data_resultado IS NULL)
                                    OR (resultado IS NULL) <> (laudo IS NULL)),
      'dated_after_clock=' || (SELECT count(*) FROM hospital.exames, agora
                               WHERE data > agora.t OR data_resultado > agora.t)
                            + (SELECT count(*) FROM hospital.internacoes, agora
                               WHERE data_entrada > agora.t OR data_saida > agora.t)
                            + (SELECT count(*) FROM hospital.sinais_vitais, agora WHERE medido_em > agora.t),
      'birth_out_of_range=' || (SELECT count(*) FROM hospital.pacientes, agora
                                WHERE nascimento > agora.t::date OR nascimento < agora.t::date - interval '101 years'))"
}
# all_zero RESULT: every one of the nine rules was counted (a failed query counts none) and is 0.
all_zero() {
  if [ "$(grep -oE '[a-z_]+=0( |$)' <<<"$1" | wc -l)" != 9 ] || [ "$(wc -w <<<"$1")" != 9 ]; then
    echo "    [$1]" >&2; return 1
  fi
}

for scale in "${SCALES[@]}"; do
  q "ALTER SYSTEM SET alimentador.time_scale = $scale" >/dev/null
  q "SELECT pg_reload_conf()" >/dev/null
  wait_for 10 "SELECT valor FROM alimentador_settings() WHERE nome = 'time_scale'" "$scale" >/dev/null
  echo "== lifecycle: time_scale $scale, ${PHASE_SECONDS}s, two streams of ${RATE} ops/s per profile"
  pids=()
  for p in "${PROFILES[@]}"; do
    for _ in 1 2; do
      q -d "$(db_of "$p")" "CALL alimentador_run(duration => '${PHASE_SECONDS}s', rate => $RATE, weights => '$p')" \
        >/dev/null 2>&1 &
      pids+=($!)
    done
  done
  ended=0
  for pid in "${pids[@]}"; do wait "$pid" && ended=$((ended + 1)); done
  check "time_scale $scale: all $((2 * ${#PROFILES[@]})) streams ran to their end" eq "$ended" "$((2 * ${#PROFILES[@]}))"
  for p in "${PROFILES[@]}"; do
    db="$(db_of "$p")"
    check "time_scale $scale, $p: every lifecycle rule holds" all_zero "$(broken "$db")"
    check "time_scale $scale, $p: no failed operation" eq \
      "$(q -d "$db" "SELECT coalesce(sum(falhas), 0) || CASE WHEN sum(falhas) > 0 THEN ' ' || string_agg(DISTINCT ultimo_erro, '; ') ELSE '' END FROM alimentador_execucoes")" 0
  done
done

# The background workers, two per database, with the profile that writes the most readings (the
# controls are the server's: one profile for every database), at the fastest clock.
echo "== lifecycle: the background workers, sinais-vitais in every database, time_scale 40320, ${PHASE_SECONDS}s"
q "SELECT alimentador_set_weights('sinais-vitais'), alimentador_resume()" >/dev/null
check "every worker runs" wait_for 30 "SELECT count(*) FILTER (WHERE estado = 'running') FROM alimentador_status()" "$((2 * ${#PROFILES[@]}))"
sleep "$PHASE_SECONDS"
q "SELECT alimentador_pause()" >/dev/null
check "every worker paused" wait_for 30 "SELECT count(*) FILTER (WHERE estado = 'paused') FROM alimentador_status()" "$((2 * ${#PROFILES[@]}))"
check "the workers streamed in every database" eq \
  "$(q "SELECT count(*) FROM (SELECT banco FROM alimentador_status() GROUP BY 1 HAVING sum(feitas) > 0) s")" "${#PROFILES[@]}"
for p in "${PROFILES[@]}"; do
  check "workers, $p's database: every lifecycle rule holds" all_zero "$(broken "$(db_of "$p")")"
done
# (A lock wait that timed out is retried and counted in esperas_por_lock, not a failure; it may be
# the last error shown.)
check "workers: no failed operation" eq \
  "$(q "SELECT sum(falhas) || CASE WHEN sum(falhas) > 0 THEN ' ' || string_agg(DISTINCT ultimo_erro, '; ') ELSE '' END FROM alimentador_status()")" 0

# The rules above are not vacuous: the streams readmitted patients, discharged stays with readings
# and attended appointments.
totals() {
  local sum="0" p
  for p in "${PROFILES[@]}"; do sum="$sum + ($(q -d "$(db_of "$p")" "$1"))"; done
  q "SELECT $sum"
}
check "patients were readmitted after a discharge" between \
  "$(totals "SELECT count(*) FROM hospital.internacoes i WHERE i.created_at > (SELECT semeado_em FROM alimentador_semeadura)
                 AND EXISTS (SELECT FROM hospital.internacoes e WHERE e.paciente_id = i.paciente_id AND e.id < i.id)")" 1 100000000
check "stays with readings were discharged" between \
  "$(totals "SELECT count(DISTINCT i.id) FROM hospital.internacoes i JOIN hospital.sinais_vitais v ON v.internacao_id = i.id WHERE i.data_saida IS NOT NULL")" 1 100000000
check "appointments were attended or missed" between \
  "$(totals "SELECT count(*) FROM hospital.consultas WHERE status IN ('realizada', 'faltou') AND updated_at > created_at")" 1 100000000

# The look-ups these rules added stay index-supported, in the statements as shipped, as generic plans
# (what the stream's kept plans are), where the most partitions of readings exist.
db="$(db_of sinais-vitais)"
plan() {
  psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT" -U postgres -d "$db" <<SQL
SET plan_cache_mode = force_generic_plan;
PREPARE alta(bigint, timestamptz, tid) AS $(grep -v '^--' sql/stream/update_internacao_alta.sql)
PREPARE admissao(timestamptz, text, text, bigint) AS $(grep -v '^--' sql/stream/insert_internacao.sql)
SELECT i.id AS alta_id, i.ctid AS alta_ctid, alimentador_relogio() - interval '2 hours' AS alta_em
FROM hospital.internacoes i JOIN hospital.sinais_vitais v ON v.internacao_id = i.id
WHERE i.data_saida IS NULL ORDER BY v.medido_em DESC LIMIT 1 \gset
BEGIN;
EXPLAIN (ANALYZE, COSTS OFF) EXECUTE alta(:alta_id, :'alta_em', :'alta_ctid');
EXPLAIN (ANALYZE, COSTS OFF) EXECUTE admissao(alimentador_relogio(), 'motivo', 'quarto', 1);
ROLLBACK;
SQL
}
plans="$(plan)"
check "a discharge reads only its stay's readings after its date: by index, the earlier days' partitions pruned" \
  contains "$plans" "Subplans Removed"
check "the discharge and the admission read no table whole" eq "$(grep -c 'Seq Scan' <<<"$plans")" 0
check "the readings are read through their index" contains "$plans" "_internacao_id_idx"
check "a patient's last discharge is read through internacoes_paciente_id_idx" contains "$plans" "internacoes_paciente_id_idx"

summary lifecycle
