#!/usr/bin/env bash
# The search_path hijack, tried for real: a role with CREATE on `public` (and on a schema named like
# the superuser, "$user") plants operators and functions that would make it superuser if a superuser
# ever resolved them, before CREATE EXTENSION. Then the workers stream every operation kind, and a
# superuser whose own search_path starts with those schemas calls every alimentador_* function.
# Neither may run a planted object. A control query proves the traps do fire when resolved.
# Prints "security: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/cluster.sh
. tests/lib/cluster.sh

DB=hospital
new_cluster security "shared_preload_libraries = 'alimentador'" "alimentador.database = '$DB'" \
  "alimentador.workers = 2" "alimentador.rate = 0" "alimentador.heartbeat_interval = 1" \
  "alimentador.marker_interval = 1" "wal_level = logical" \
  "alimentador.long_transaction_duration = 1"
q "CREATE EXTENSION alimentador" # in database postgres, to observe the workers
q "CREATE DATABASE $DB"
q -d $DB "CREATE ROLE intruso LOGIN; GRANT CREATE ON SCHEMA public TO intruso;
          CREATE SCHEMA postgres AUTHORIZATION intruso"
as_intruso() { psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT" -U intruso -d $DB -c "$1"; }

# Each trap records who ran it and tries to make intruso superuser, then behaves like the real thing.
as_intruso "CREATE TABLE public.disparos (armadilha text, quem name DEFAULT current_user, em timestamptz DEFAULT clock_timestamp());
            GRANT INSERT ON public.disparos TO PUBLIC"
plant() { # plant SCHEMA
  local s="$1"
  as_intruso "
    CREATE FUNCTION $s.armadilha(nome text) RETURNS void LANGUAGE plpgsql AS \$\$
    BEGIN
      INSERT INTO public.disparos (armadilha) VALUES (nome);
      BEGIN EXECUTE 'ALTER ROLE intruso SUPERUSER'; EXCEPTION WHEN insufficient_privilege THEN NULL; END;
    END \$\$;
    CREATE FUNCTION $s.eq_varchar(a varchar, b varchar) RETURNS boolean LANGUAGE plpgsql AS
      \$\$ BEGIN PERFORM $s.armadilha('$s.=(varchar,varchar)'); RETURN a::text = b::text; END \$\$;
    CREATE OPERATOR $s.= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = $s.eq_varchar);
    CREATE FUNCTION $s.eq_bpchar_text(a bpchar, b text) RETURNS boolean LANGUAGE plpgsql AS
      \$\$ BEGIN PERFORM $s.armadilha('$s.=(bpchar,text)'); RETURN a::text = b; END \$\$;
    CREATE OPERATOR $s.= (LEFTARG = bpchar, RIGHTARG = text, FUNCTION = $s.eq_bpchar_text);
    CREATE FUNCTION $s.div_int8_numeric(a bigint, b numeric) RETURNS numeric LANGUAGE plpgsql AS
      \$\$ BEGIN PERFORM $s.armadilha('$s./(bigint,numeric)'); RETURN a::numeric / b; END \$\$;
    CREATE OPERATOR $s./ (LEFTARG = bigint, RIGHTARG = numeric, FUNCTION = $s.div_int8_numeric);
    CREATE FUNCTION $s.mul_float8_int8(a float8, b bigint) RETURNS float8 LANGUAGE plpgsql AS
      \$\$ BEGIN PERFORM $s.armadilha('$s.*(float8,bigint)'); RETURN a * b::float8; END \$\$;
    CREATE OPERATOR $s.* (LEFTARG = float8, RIGHTARG = bigint, FUNCTION = $s.mul_float8_int8);
    CREATE FUNCTION $s.le_tstz(a timestamptz, b timestamptz) RETURNS boolean LANGUAGE plpgsql AS
      \$\$ BEGIN PERFORM $s.armadilha('$s.<=(timestamptz,timestamptz)'); RETURN a OPERATOR(pg_catalog.<=) b; END \$\$;
    CREATE OPERATOR $s.<= (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = $s.le_tstz);
    CREATE FUNCTION $s.nextval(seq text) RETURNS bigint LANGUAGE plpgsql AS
      \$\$ BEGIN PERFORM $s.armadilha('$s.nextval(text)'); RETURN pg_catalog.nextval(seq::regclass); END \$\$;
    CREATE FUNCTION $s.now() RETURNS timestamptz LANGUAGE plpgsql AS
      \$\$ BEGIN PERFORM $s.armadilha('$s.now()'); RETURN pg_catalog.now(); END \$\$;
    CREATE FUNCTION $s.set_config(text, text, boolean) RETURNS text LANGUAGE plpgsql AS
      \$\$ BEGIN PERFORM $s.armadilha('$s.set_config'); RETURN pg_catalog.set_config(\$1, \$2, \$3); END \$\$;
    CREATE TABLE $s.pg_extension (extname name);"
}
plant public
plant postgres
fired() { q -d $DB "SELECT count(*) FROM public.disparos WHERE quem <> 'intruso'"; }
superuser() { q -d $DB "SELECT rolsuper FROM pg_roles WHERE rolname = 'intruso'"; }

echo "== security: the traps work (control)"
q -d $DB "SET search_path = public; SELECT 'a'::varchar = 'b'::varchar" >/dev/null
check "a superuser with public on its path does fire a trap" eq "$(fired)" 1
check "…which makes intruso superuser: the attack is real" eq "$(superuser)" t
q -d $DB "ALTER ROLE intruso NOSUPERUSER; TRUNCATE public.disparos"

echo "== security: CREATE EXTENSION, the seed and the workers never resolve them"
q -d $DB "SET search_path = public, postgres; CREATE EXTENSION alimentador"
q -d $DB "SET search_path = public, postgres; SELECT count(*) FROM alimentador_seed(0.2, semente => 5)" >/dev/null
check "the workers stream" wait_for 20 "SELECT string_agg(estado, ',') FROM alimentador_status()" "running,running"
# The breaking schema changes run below, by a superuser after the appending seed (which refuses the
# columns they remove): the workers run every other kind.
every_kind=$(q -d $DB "SELECT string_agg(operacao || '=1', ',') FROM alimentador_operations() WHERE operacao <> 'transacao_grande' AND operacao NOT IN ('ddl_rename_telefone_medico', 'ddl_drop_email_medico')")
q -d $DB "SELECT alimentador_set_weights('$every_kind,transacao_grande=0')" >/dev/null
sleep 8
check "the workers ran every kind of operation" eq \
  "$(q -d $DB "SELECT count(DISTINCT k) FROM alimentador_status(), jsonb_object_keys(feitas_por_operacao || puladas_por_operacao) k")" \
  "$(q -d $DB "SELECT count(*) - 3 FROM alimentador_operations()")"
check "…with heartbeats and markers" eq "$(q -d $DB "SELECT sum(marcadores) > 0 FROM alimentador_status()")" t
check "…and no failure" eq "$(q -d $DB "SELECT sum(falhas) FROM alimentador_status()")" 0
q -d $DB "SELECT alimentador_pause()" >/dev/null
check "paused" wait_for 5 "SELECT string_agg(estado, ',') FROM alimentador_status()" "paused,paused"
sleep 2 # heartbeats while paused

echo "== security: every alimentador_* function, called by a superuser whose path starts with the traps"
as_super() { q -d $DB "SET search_path = public, postgres, pg_catalog; $1" >/dev/null; }
# The long transactions (run by the workers above, 1 s each) would make the session wait a second each.
as_super "SELECT count(*) FROM alimentador_stream(300, '$every_kind,transacao_grande=1,transacao_longa=0,bloqueio_de_linhas=0,ocioso_em_transacao=0', 3)"
as_super "SELECT * FROM alimentador_counts()"
# A CALL that commits must be alone in its query string (not in an implicit transaction block): the
# path comes from the connection's options instead.
check "CALL alimentador_run() runs" eq "$(PGOPTIONS="-c search_path=public,postgres,pg_catalog -c client_min_messages=warning" \
  q_err -d $DB "CALL alimentador_run(ops => 300, rate => 0, weights => '$every_kind,transacao_grande=1', ops_per_transaction => 3, ledger => 'keys')")" ""
as_super "SELECT * FROM alimentador_runs()"
as_super "SELECT * FROM alimentador_digest()"
as_super "SELECT * FROM alimentador_status()"
as_super "SELECT * FROM alimentador_changes()"
as_super "SELECT * FROM alimentador_settings()"
as_super "SELECT * FROM alimentador_operations()"
as_super "SELECT * FROM alimentador_cdc_check()"
as_super "SELECT * FROM alimentador_publish()"
as_super "SELECT * FROM alimentador_publish(via_raiz => true)"
as_super "SELECT * FROM alimentador_publish(via_raiz => false)"
as_super "SELECT * FROM alimentador_particoes_vitais(pg_catalog.now() + interval '3 days', pg_catalog.now() - interval '40 days', 30)"
as_super "SELECT * FROM alimentador_particoes_vitais()"
as_super "SELECT * FROM alimentador_checkpoint()"
as_super "SELECT alimentador_schema_sql()"
as_super "SELECT alimentador_snapshot(ARRAY['consultas'])"
as_super "SELECT * FROM alimentador_relay_check()"
as_super "SELECT * FROM alimentador_replica_identity('default')"
as_super "SELECT * FROM alimentador_replica_identity('full')"
as_super "SELECT alimentador_set_rate(5), alimentador_set_weights('deletes'), alimentador_resume()"
as_super "SELECT alimentador_set_schedule('daily; burst=2x for 1min every 1h'), alimentador_set_schedule(NULL)"
as_super "SELECT alimentador_clear_overrides()"
as_super "SELECT count(*) FROM alimentador_seed(0.1, semente => 6, append => true)"
as_super "SELECT count(*) FROM alimentador_stream(300, 'ddl-breaking', 3)"
as_super "SELECT * FROM alimentador_schema_history()"
as_super "SELECT count(*) FROM alimentador_reset(scale => 0.2, semente => 7)"
check "no trap ran as anyone but intruso" eq "$(fired)" 0
check "intruso is not superuser" eq "$(superuser)" f
check "the workers still stream (after the reset)" wait_for 20 "SELECT string_agg(estado, ',') FROM alimentador_status()" "running,running"
check "ALTER DATABASE … SET search_path does not reach the workers" eq "$(q -d $DB "ALTER DATABASE $DB SET search_path = public, postgres; SELECT 1")" 1
pids=$(q -d $DB "SELECT string_agg(pid::text, ',') FROM alimentador_status()")
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid IN ($pids)" >/dev/null
check "restarted workers (now under the database's path setting) stream" \
  wait_for 20 "SELECT string_agg(estado, ',') FROM alimentador_status() WHERE pid NOT IN ($pids)" "running,running"
sleep 5
check "…and still resolve no trap" eq "$(fired)" 0
check "intruso is still not superuser" eq "$(superuser)" f

summary security
