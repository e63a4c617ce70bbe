#!/usr/bin/env bash
# The table digest computed four ways agrees (docs/src/digest.md): alimentador_digest() in the source,
# tools/digest/postgres.sql over a plain copy in another database (rows in another order),
# tools/digest/duckdb.sql over Parquet files, tools/digest/digest.py over row_to_json() lines — on a
# small seeded hospital with crafted edge values (NULL vs '', padded char, unicode, TOASTed reports,
# numeric scales, timestamps with and without fractions, nested jsonb). Negative controls: one
# changed value changes the digest. Then the digest under a running stream: stable inside a
# REPEATABLE READ transaction, ACCESS SHARE locks only. Prints "digest: N passed, N failed".
#   DIGEST_VENV   venv with DuckDB (default ~/.cache/alimentador/digest-venv, made when missing)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/cluster.sh
. tests/lib/cluster.sh

# DuckDB from PyPI in a venv of its own (tests/digest/requirements.txt), rebuilt when that changes.
venv="$(tests/digest/setup_venv.sh)" || { echo "digest: 0 passed, 1 failed (venv)"; exit 1; }

new_cluster digest "wal_level = logical" "shared_preload_libraries = 'alimentador'" "alimentador.workers = 0"
export PGHOST="$PGDIR" PGPORT PGUSER=postgres
DB=hospital
q "CREATE DATABASE $DB"
q "CREATE DATABASE sink"
q -d $DB "CREATE EXTENSION alimentador"
q -d $DB "SELECT count(*) FROM alimentador_seed(0.05, semente => 1)" >/dev/null

echo "== edge values (constraints kept)"
q -d $DB "
  -- char(2) without a CHECK: 'S' is stored padded ('S '); NULL vs the empty string; unicode, a newline,
  -- quotes, a backslash and a tab.
  UPDATE hospital.pacientes SET uf = 'S', email = NULL WHERE id = 1;
  UPDATE hospital.pacientes SET email = '' WHERE id = 2;
  UPDATE hospital.pacientes SET nome = E'José Ñandú 😀 «ção» 日本', endereco = E'Rua A\nBloco \"B\", apto 3\\\\4\tfundos' WHERE id = 3;
  -- numeric(10,2) keeps its scale: 150.00, 1.50 (given as 1.5), 0.00; timestamps without fraction,
  -- with .5 in another zone, with one microsecond.
  UPDATE hospital.consultas SET valor = 150, data = '2025-03-01 10:00:00+00' WHERE id = 1;
  UPDATE hospital.consultas SET valor = 1.5, data = '2025-03-01 10:00:00.5-03' WHERE id = 2;
  UPDATE hospital.consultas SET valor = 0, data = '2025-03-01 10:00:00.000001+00' WHERE id = 3;
  -- nested jsonb (keys of equal byte length, unicode keys, numbers with scale and exponent, escapes),
  -- an empty report, a NULL report, a long unicode report (TOASTed).
  UPDATE hospital.exames SET resultado = '{\"zz\": \"ção\n\\\"q\\\"\", \"é\": [1, 2.50, {\"c\": null, \"b\": []}], \"ab\": 1e2, \"a\": {\"y\": true, \"x\": -0.0}, \"\": {}}',
         laudo = '', data_resultado = data + interval '1 day'
   WHERE id = (SELECT min(id) FROM hospital.exames WHERE resultado IS NOT NULL);
  UPDATE hospital.exames SET laudo = NULL WHERE id = (SELECT min(id) FROM hospital.exames WHERE resultado IS NULL);
  UPDATE hospital.exames SET laudo = repeat('ação № 5 — ', 400) WHERE id = (SELECT max(id) FROM hospital.exames);
"
check "the padded char is stored padded" eq "$(q -d $DB "SELECT format('[%s]', uf) FROM hospital.pacientes WHERE id = 1")" "[S ]"
# STORAGE EXTERNAL: a value this long is stored out of line, in the TOAST table.
check "the long report is TOASTed" eq "$(q -d $DB "SELECT octet_length(laudo) > 4000 AND
  (SELECT count(*) > 0 FROM pg_class c JOIN pg_class t ON t.oid = c.reltoastrelid, LATERAL (SELECT pg_relation_size(t.oid) AS s) x
   WHERE c.oid = 'hospital.exames'::regclass AND x.s > 0) FROM hospital.exames WHERE id = (SELECT max(id) FROM hospital.exames)")" t
tables=$(q -d $DB "SELECT string_agg(tabela, ' ') FROM alimentador_digest()")
check "alimentador_digest() covers every hospital table" eq "$tables" \
  "convenios pacientes medicos pacientes_convenios consultas exames internacoes sinais_vitais pulso"
source_digests=$(q -d $DB "SELECT string_agg(format('%s %s %s', tabela, linhas, digest), E'\n') FROM alimentador_digest()")
# differs A B: A is a digest ("[rows ]16 hex digits") and B is another.
differs() { [[ $1 =~ ^([0-9]+\ )?[0-9a-f]{16}$ ]] || { echo "    [$1] is no digest" >&2; return 1; }; [ "$1" != "$2" ]; }
digest_of() { awk -v t="$1" '$1 == t { print $2, $3 }' <<< "$2"; }
check "digests are 16 lowercase hex digits" eq "$(cut -d' ' -f3 <<< "$source_digests" | grep -cvE '^[0-9a-f]{16}$')" 0
check "row counts are alimentador_counts()'s" eq "$(awk '$1 != "pulso" { print $1 "=" $2 }' <<< "$source_digests" | sort | tr '\n' ' ')" \
  "$(q -d $DB "SELECT string_agg(tabela || '=' || linhas, ' ' ORDER BY tabela) || ' ' FROM alimentador_counts()")"

echo "== (a) tools/digest/postgres.sql over a plain copy in database sink, rows in another order"
q -d sink "CREATE SCHEMA hospital"
for t in $tables; do
  q -d sink "$(q -d $DB "SELECT format('CREATE TABLE hospital.%I (%s)', '$t', string_agg(format('%I %s', attname, format_type(atttypid, atttypmod)), ', ' ORDER BY attnum))
                         FROM pg_attribute WHERE attrelid = 'hospital.$t'::regclass AND attnum > 0 AND NOT attisdropped")"
  f=$(mktemp /tmp/alimentador-digest-copy.XXXXXX)
  q -d $DB "\\copy (SELECT * FROM hospital.$t ORDER BY md5(ctid::text)) TO '$f'"
  q -d sink "\\copy hospital.$t FROM '$f'"
  rm -f "$f"
  got=$(psql -X -A -t -q -v ON_ERROR_STOP=1 -d sink -F ' ' -v tabela="hospital.$t" -f tools/digest/postgres.sql)
  check "postgres.sql: $t" eq "$got" "$(digest_of "$t" "$source_digests")"
done
# A Debezium-like sink table: an extra column first, uf as varchar holding the padded value.
q -d sink "CREATE TABLE hospital.pacientes_dbz AS SELECT 'false'::text AS __deleted, id, nome, nascimento, cpf, sexo, email, telefone, endereco, cidade,
             rpad(uf::text, 2)::varchar AS uf, cep, data_cadastro, ativo, created_at, updated_at FROM hospital.pacientes ORDER BY id DESC"
cols=$(q -d $DB "SELECT '{' || string_agg(attname, ',' ORDER BY attnum) || '}' FROM pg_attribute WHERE attrelid = 'hospital.pacientes'::regclass AND attnum > 0 AND NOT attisdropped")
sink_q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -d sink -F ' ' -c '\i tools/digest/postgres.sql' -c "$1"; }
check "postgres.sql: colunas skips the sink's extra column, aparar trims a padded varchar" eq \
  "$(sink_q "SELECT * FROM pg_temp.alimentador_digest_tabela('hospital.pacientes_dbz', '$cols', '{uf}')")" "$(digest_of pacientes "$source_digests")"
check "…without aparar the padded value differs" differs \
  "$(sink_q "SELECT * FROM pg_temp.alimentador_digest_tabela('hospital.pacientes_dbz', '$cols')")" "$(digest_of pacientes "$source_digests")"
check "postgres.sql: an unknown column is an error" contains \
  "$(sink_q "SELECT * FROM pg_temp.alimentador_digest_tabela('hospital.pacientes', '{id,nomes}')" 2>&1)" 'has no column(s) '"'"'nomes'"'"
q -d sink "UPDATE hospital.exames SET laudo = left(laudo, 99) || 'X' || substr(laudo, 101) WHERE id = (SELECT min(id) FROM hospital.exames WHERE length(laudo) > 1000)"
check "negative control: one character of one report changes the sink's digest" differs \
  "$(psql -X -A -t -q -d sink -F ' ' -v tabela=hospital.exames -f tools/digest/postgres.sql)" "$(digest_of exames "$source_digests")"
q -d sink "UPDATE hospital.consultas SET motivo = motivo WHERE id = 1"
check "…an update to the same values does not" eq \
  "$(psql -X -A -t -q -d sink -F ' ' -v tabela=hospital.consultas -f tools/digest/postgres.sql)" "$(digest_of consultas "$source_digests")"

echo "== (b) tools/digest/duckdb.sql over Parquet"
# shellcheck disable=SC2086 # one argument per table
duck=$("$venv/bin/python" tests/digest/duck.py $DB $tables) || duck=""
for t in $tables; do
  check "duckdb.sql: $t" eq "$(digest_of "$t" "$duck")" "$(digest_of "$t" "$source_digests")"
done
check "negative control: one character of one report changes DuckDB's digest" differs \
  "$(digest_of 'exames*' "$duck")" "$(digest_of exames "$source_digests")"

echo "== (c) tools/digest/digest.py over row_to_json() lines"
for t in $tables; do
  types=$(q -d $DB "SELECT string_agg(a.attname || '=' || ty.typname, ',' ORDER BY a.attnum) FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
                    WHERE a.attrelid = 'hospital.$t'::regclass AND a.attnum > 0 AND NOT a.attisdropped")
  got=$(q -d $DB "SELECT row_to_json(r) FROM hospital.$t r" | python3 tools/digest/digest.py --types "$types")
  check "digest.py: $t" eq "$got" "$(digest_of "$t" "$source_digests")"
done
check "negative control: valor 150.0 instead of 150.00 changes digest.py's digest" differs \
  "$(q -d $DB "SELECT row_to_json(r) FROM hospital.consultas r" | sed 's/"valor":150.00,/"valor":150.0,/' \
     | python3 tools/digest/digest.py --types "$(q -d $DB "SELECT string_agg(a.attname || '=' || ty.typname, ',' ORDER BY a.attnum) FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid WHERE a.attrelid = 'hospital.consultas'::regclass AND a.attnum > 0 AND NOT a.attisdropped")")" \
  "$(digest_of consultas "$source_digests")"

echo "== the encoding itself (docs/src/digest.md's example, scales, padding, timestamps) in SQL and Python"
q -d sink "CREATE TABLE public.tipos (id int, n numeric, c char(5), t text, ts timestamptz, tsl timestamp, d date, b boolean, u uuid, j jsonb)"
q -d sink "INSERT INTO public.tipos VALUES
  (1, 1.50, 'ab', 'ção', '2024-01-05 10:00:00.5+03', '2024-01-05 10:00:00', '2024-01-05', true, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{\"b\": [1, 2.50], \"aa\": null}'),
  (2, 1.5, 'ab   ', '', '2024-01-05 07:00:00.000001Z', NULL, NULL, false, NULL, '\"x\"'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
py_rows=$(python3 - <<'EOF'
import sys; sys.path.insert(0, "tools/digest")
from decimal import Decimal
from digest import encode_row, row_digest, table_digest
types = {"id": "int4", "n": "numeric", "c": "bpchar", "t": "text", "ts": "timestamptz", "tsl": "timestamp",
         "d": "date", "b": "bool", "u": "uuid", "j": "jsonb"}
rows = [
    {"id": 1, "n": Decimal("1.50"), "c": "ab   ", "t": "ção", "ts": "2024-01-05T07:00:00.5Z", "tsl": "2024-01-05T10:00:00",
     "d": "2024-01-05", "b": True, "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "j": {"b": [1, Decimal("2.50")], "aa": None}},
    {"id": 2, "n": "1.5", "c": "ab", "t": "", "ts": "2024-01-05 07:00:00.000001+00", "tsl": None, "d": None, "b": False,
     "u": None, "j": '"x"'},
    [3, None, None, None, None, None, None, None, None, None],
]
print(encode_row(rows[0], types).decode())
print(table_digest(rows, types)[1])
EOF
)
sql_enc=$(psql -X -A -t -q -v ON_ERROR_STOP=1 -d sink -c '\i tools/digest/postgres.sql' -c "
  SELECT digest FROM pg_temp.alimentador_digest_tabela('public.tipos')")
check "SQL and Python agree on every type (digest of public.tipos)" eq "$sql_enc" "$(sed -n 2p <<< "$py_rows")"
check "Python's encoding of row 1 is docs/src/digest.md's example" eq "$(sed -n 1p <<< "$py_rows")" \
  '1:14:1.502:ab5:ção27:2024-01-05T07:00:00.500000Z26:2024-01-05T10:00:00.00000010:2024-01-054:true36:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1128:{"b": [1, 2.50], "aa": null}'
q -d sink "CREATE VIEW public.exemplo AS SELECT * FROM public.tipos WHERE id IN (1, 3)"
check "docs/src/digest.md's example digest, in SQL" eq "$(psql -X -A -t -q -d sink -v tabela=public.exemplo -f tools/digest/postgres.sql)" "2|263529147fcc87b9"
check "…and in Python" eq "$(python3 -c 'import sys; sys.path.insert(0, "tools/digest"); from digest import table_digest; print(*table_digest([[3] + [None] * 9], ["int4"] * 10))')" "1 05087f4fab7c950e"
one() { psql -X -A -t -q -v ON_ERROR_STOP=1 -d sink -c '\i tools/digest/postgres.sql' -c "CREATE TEMP TABLE um AS SELECT $1 AS v" -c "SELECT digest FROM pg_temp.alimentador_digest_tabela('um')"; }
check "numeric 1.50 and 1.5 differ" differs "$(one "1.50::numeric")" "$(one "1.5::numeric")"
check "'' and NULL differ" differs "$(one "''::text")" "$(one "NULL::text")"
check "a timestamp with .000000 equals one without fraction" eq "$(one "'2024-01-05 10:00:00.000000+00'::timestamptz")" "$(one "'2024-01-05 07:00:00-03'::timestamptz")"
check "char(5) 'ab' equals text 'ab'" eq "$(one "'ab'::char(5)")" "$(one "'ab'::text")"
check "a duplicate row counts twice" eq \
  "$(python3 -c 'import sys; sys.path.insert(0, "tools/digest"); from digest import table_digest; print(*table_digest([[1], [1]], ["int4"]))')" \
  "$(psql -X -A -t -q -F ' ' -d sink -c '\i tools/digest/postgres.sql' -c "CREATE TEMP TABLE dois AS SELECT 1 AS v FROM generate_series(1, 2)" -c "SELECT * FROM pg_temp.alimentador_digest_tabela('dois')")"
check "an empty table's digest is 16 zeros" eq "$(q -d sink "CREATE TABLE vazia (v int)"; psql -X -A -t -q -d sink -v tabela=vazia -f tools/digest/postgres.sql)" "0|0000000000000000"

echo "== under a running stream"
q -d $DB "SELECT alimentador_replica_identity('full')" >/dev/null
stable=$(psql -X -A -t -q -v ON_ERROR_STOP=1 -d $DB <<EOF
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT string_agg(format('%s %s %s %s', tabela, digest, snapshot_xmax, lsn), ';') AS antes, min(lsn) AS lsn_antes FROM alimentador_digest() \gset
\! psql -X -A -t -q -v ON_ERROR_STOP=1 -d $DB -c "SELECT sum(feitas) > 0 FROM alimentador_stream(300, semente => 2)"
SELECT string_agg(format('%s %s %s %s', tabela, digest, snapshot_xmax, :'lsn_antes'), ';') AS depois FROM alimentador_digest() \gset
SELECT string_agg(DISTINCT mode, ',') FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation'
   AND relation IN (SELECT oid FROM pg_class WHERE relnamespace = 'hospital'::regnamespace);
COMMIT;
SELECT string_agg(format('%s %s %s', tabela, digest, snapshot_xmax), ';') AS fora FROM alimentador_digest() \gset
SELECT :'antes' = :'depois', :'antes' = :'fora';
EOF
)
check "the other session's stream committed" eq "$(sed -n 1p <<< "$stable")" t
check "alimentador_digest() holds ACCESS SHARE locks only" eq "$(sed -n 2p <<< "$stable")" AccessShareLock
check "inside REPEATABLE READ two digests are equal while the stream commits; afterwards they differ" eq "$(sed -n 3p <<< "$stable")" "t|f"
# Digests taken while another session streams flat out: no error, no wait.
psql -X -A -t -q -v ON_ERROR_STOP=1 -d $DB -c "SELECT sum(feitas) FROM alimentador_stream(3000, semente => 3)" > /dev/null &
bg=$!
errors=0 runs=0
while kill -0 "$bg" 2>/dev/null; do
  q -d $DB "SELECT count(*) FROM alimentador_digest()" >/dev/null || errors=$((errors + 1))
  runs=$((runs + 1))
done
wait "$bg"; stream_rc=$?
check "digests while the stream writes: no error ($runs taken)" eq "$errors:$stream_rc" "0:0"
check "…all rows of a digest share one snapshot, xmin <= xmax" eq \
  "$(q -d $DB "SELECT bool_and(snapshot_xmin <= snapshot_xmax) AND count(DISTINCT (snapshot_xmin, snapshot_xmax, lsn, em)) = 1 FROM alimentador_digest()")" t

summary digest
