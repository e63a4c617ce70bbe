#!/usr/bin/env bash
# The search_path hijack, tried for real: a role with CREATE on `public` (and owning a schema named
# like the superuser, "$user") plants operators and functions that would make it superuser if a
# superuser ever resolved them, before CREATE EXTENSION. Then:
# - CREATE EXTENSION refuses those two schemas (a non-superuser owns one, can create in the other),
#   and refuses to install beside a routine that bears the name of one of the extension's own;
# - installed in a schema of its own, every routine and relation of the extension (read from
#   pg_proc and pg_class, not a hand list) gets a better-matching overload planted in both schemas:
#   every one is refused;
# - the workers stream every operation kind, and a superuser whose own search_path starts with those
#   schemas calls every alimentador_* function: no planted object runs;
# - a role with no grants calls every function of the extension (from pg_proc): none changes the
#   workers' controls, their state or the data.
# A control query proves the traps do fire when resolved.
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
          CREATE SCHEMA postgres AUTHORIZATION intruso; CREATE ROLE sem_direitos LOGIN"
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

echo "== security: CREATE EXTENSION refuses schemas other roles own or can create in"
installed() { q -d $DB "SELECT count(*) FROM pg_extension WHERE extname = 'alimentador'"; }
check "the default path's first schema, \"\$user\" (owned by intruso): refused" contains \
  "$(q_err -d $DB "SET search_path = \"\$user\", public; CREATE EXTENSION alimentador")" "owned by role intruso"
check "public, where intruso can create: refused" contains \
  "$(q_err -d $DB "SET search_path = public; CREATE EXTENSION alimentador")" "can create objects in it (intruso)"
check "…and nothing was installed" eq "$(installed)" 0

echo "== security: CREATE EXTENSION refuses to install beside a homonym of its own"
# Every routine and relation of the extension, read from its catalog entries in database postgres.
members="SELECT p.oid AS oid, p.proname AS nome, p.prokind AS tipo, p.pronargs AS nargs FROM pg_proc p
         JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
         JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'alimentador'
         WHERE p.pronamespace = (SELECT extnamespace FROM pg_extension WHERE extname = 'alimentador')
         UNION ALL
         SELECT c.oid, c.relname, 'r', 0 FROM pg_class c
         JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype = 'e'
         JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'alimentador'
         WHERE c.relnamespace = (SELECT extnamespace FROM pg_extension WHERE extname = 'alimentador')
           AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
# plants SCHEMA: a CREATE statement per homonym of each member: a routine with as many integer
# arguments (a better match for integer literals than float8, numeric, text…) and, for one that takes
# arguments, one with none; a view for each relation. Each one's body is a trap.
plants() {
  local s="$1"
  cat <<SQL
SELECT CASE WHEN m.tipo = 'r' THEN format('CREATE VIEW $s.%I AS SELECT x FROM $s.pegadinha(%L) x', m.nome, m.nome)
            ELSE format('CREATE %s $s.%I(%s) %s LANGUAGE plpgsql AS \$t\$ BEGIN PERFORM $s.armadilha(%L); %s END \$t\$',
                        CASE m.tipo WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, m.nome,
                        (SELECT string_agg('a' || i || ' integer', ', ') FROM generate_series(1, n) i),
                        CASE m.tipo WHEN 'p' THEN '' ELSE 'RETURNS integer' END,
                        '$s.' || m.nome, CASE m.tipo WHEN 'p' THEN '' ELSE 'RETURN 1;' END)
       END
FROM ($members) m, LATERAL (SELECT DISTINCT n FROM (VALUES (m.nargs), (0)) v(n)) k
WHERE m.tipo <> 'r' OR k.n = 0
SQL
}
# Runs each statement of standard input as intruso in database DB; prints how many were created and
# how many refused for bearing a reserved name ("created refused"); any other error is printed.
plant_all() {
  local db="$1" created=0 refused=0 stmt out
  while IFS= read -r stmt; do
    if out=$(psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT" -U intruso -d "$db" -c "$stmt" 2>&1 >/dev/null); then
      created=$((created + 1))
    elif [[ "$out" == *"is reserved by the extension alimentador"* ]]; then
      refused=$((refused + 1))
    else
      echo "    $stmt: $out" >&2
    fi
  done
  echo "$created $refused"
}
q -d $DB "CREATE SCHEMA plantio AUTHORIZATION intruso"
as_intruso "CREATE FUNCTION plantio.armadilha(nome text) RETURNS void LANGUAGE sql AS \$\$ SELECT public.armadilha(nome) \$\$;
  CREATE FUNCTION plantio.pegadinha(nome text) RETURNS int LANGUAGE plpgsql AS
    \$\$ BEGIN PERFORM public.armadilha(nome); RETURN 1; END \$\$"
expected_plants=$(q "SELECT count(*) FROM ($(plants plantio)) p")
check "homonyms of every routine and relation planted before CREATE EXTENSION" eq \
  "$(q "$(plants plantio)" | plant_all $DB)" "$expected_plants 0"
q -d $DB "CREATE SCHEMA alimentador"
refusal="$(q_err -d $DB "SET search_path = public; CREATE EXTENSION alimentador SCHEMA alimentador")"
check "CREATE EXTENSION refuses to install beside them" contains "$refusal" "bear the names of its own"
check "…naming them" contains "$refusal" "plantio.alimentador_set_rate(integer)"
check "…and nothing was installed" eq "$(installed)" 0
as_intruso "DROP SCHEMA plantio CASCADE" 2>/dev/null

echo "== security: installed in a schema of its own, its names cannot be planted"
q -d $DB "SET search_path = public, postgres; CREATE EXTENSION alimentador SCHEMA alimentador"
# From here on the superuser's sessions in $DB start with intruso's schemas on their path.
q -d $DB "ALTER ROLE postgres IN DATABASE $DB SET search_path = public, postgres, alimentador"
# The guard fires for every role's DDL, also one that may not use the extension's schema: other
# names stay free for it.
check "intruso still creates functions of other names" eq "$(as_intruso "CREATE FUNCTION public.pegadinha(nome text) RETURNS int LANGUAGE plpgsql AS
    \$\$ BEGIN PERFORM public.armadilha(nome); RETURN 1; END \$\$;
  CREATE FUNCTION postgres.pegadinha(nome text) RETURNS int LANGUAGE plpgsql AS
    \$\$ BEGIN PERFORM public.armadilha(nome); RETURN 1; END \$\$; SELECT 1")" 1
for s in public postgres; do
  attempts=$(q -d $DB "SELECT count(*) FROM ($(plants $s)) p")
  check "every one of the $attempts homonyms planted in $s is refused" eq \
    "$(q -d $DB "$(plants $s)" | plant_all $DB)" "0 $attempts"
done
check "…at least one for each of the extension's routines and relations" eq \
  "$(q -d $DB "SELECT $attempts >= (SELECT count(*) FROM ($members) m)")" t
check "no name clash is left" eq "$(q -d $DB "SELECT count(*) FROM alimentador.alimentador_name_clashes()")" 0

echo "== security: the seed and the workers never resolve them"
q -d $DB "SET search_path = public, postgres, alimentador; SELECT count(*) FROM alimentador_seed(0.2, semente => 5)" >/dev/null
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

echo "== security: a role with no grants calls every function of the extension and changes nothing"
# What a call could change: the run-time controls, the workers' state, the rows, the publication,
# the replica identities, the runs, the seed's record, the schema history.
state="SELECT md5(string_agg(v, '|' ORDER BY v)) FROM (
  SELECT 'setting ' || nome || '=' || valor || ' ' || origem AS v FROM alimentador.alimentador_settings()
  UNION ALL SELECT 'status ' || string_agg(estado, ',') FROM alimentador.alimentador_status()
  UNION ALL SELECT 'rows ' || tabela || '=' || linhas FROM alimentador.alimentador_counts()
  UNION ALL SELECT 'publication ' || pubname || ' ' || pubviaroot FROM pg_publication
  UNION ALL SELECT 'relation ' || oid::regclass || relreplident::text FROM pg_class WHERE relnamespace = 'hospital'::regnamespace
  UNION ALL SELECT 'runs ' || count(*) FROM alimentador.alimentador_execucoes
  UNION ALL SELECT 'seed ' || s::text FROM alimentador.alimentador_semeadura s
  UNION ALL SELECT 'history ' || count(*) FROM alimentador.alimentador_esquema_historico) x"
# Each routine twice: with its required arguments NULL (the others at their defaults), and with every
# argument NULL. A procedure with CALL.
calls="SELECT DISTINCT p.oid::regprocedure::text, format('%s %s(%s)',
         CASE p.prokind WHEN 'p' THEN 'CALL' ELSE 'SELECT * FROM' END,
         format('%I.%I', p.pronamespace::regnamespace, p.proname),
         (SELECT string_agg(format('NULL::%s', format_type(t, NULL)), ', ' ORDER BY i)
          FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY a(t, i) WHERE i <= k.n))
       FROM pg_proc p
       JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
       JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'alimentador',
       LATERAL (VALUES (p.pronargs - p.pronargdefaults), (p.pronargs)) k(n)
       ORDER BY 1, 2"
# Like a role in a database where the extension is in public: it may look the functions up.
q -d $DB "GRANT USAGE ON SCHEMA alimentador TO sem_direitos"
before=$(q -d $DB "$state")
walked=0; refused=0; changed=()
while IFS='|' read -r routine call; do
  walked=$((walked + 1))
  out=$(PGOPTIONS="-c statement_timeout=30s" psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT" \
          -U sem_direitos -d $DB -c "$call" 2>&1 >/dev/null) || true
  case "$out" in *"permission denied"*) refused=$((refused + 1)) ;; esac
  echo "    $call: ${out:-ok}" | head -1
  after=$(q -d $DB "$state")
  if [ "$after" != "$before" ]; then changed+=("$routine: $call"); before="$after"; fi
done < <(q -d $DB "$calls")
check "every routine of the extension was called ($walked calls)" eq \
  "$(q -d $DB "SELECT count(*) FROM ($calls) c")" "$walked"
check "…many were refused for lack of privileges ($refused)" eq "$([ "$refused" -gt $((walked / 4)) ] && echo yes)" yes
check "…and none changed anything" eq "${changed[*]:-}" ""
check "the workers are still paused" eq "$(q -d $DB "SELECT string_agg(estado, ',') FROM alimentador_status()")" "paused,paused"

echo "== security: every alimentador_* function, called by a superuser whose path starts with the traps"
as_super() { q -d $DB "SET search_path = public, postgres, alimentador, pg_catalog; $1" >/dev/null; }
# The long transactions (run by the workers above, 1 s each) would make the session wait a second each.
as_super "SELECT count(*) FROM alimentador_stream(300, '$every_kind,transacao_grande=1,transacao_longa=0,bloqueio_de_linhas=0,ocioso_em_transacao=0', 3)"
as_super "SELECT * FROM alimentador_counts()"
# A CALL that commits must be alone in its query string (not in an implicit transaction block): the
# path comes from the connection's options instead.
check "CALL alimentador_run() runs" eq "$(PGOPTIONS="-c search_path=public,postgres,alimentador,pg_catalog -c client_min_messages=warning" \
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
