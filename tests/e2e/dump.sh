#!/usr/bin/env bash
# pg_dump of a seeded database keeps its rows: dump, restore into a new database, compare.
# Prints "dump: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/cluster.sh

fingerprint() {
  q -d "$1" "SELECT md5(string_agg(t, '|' ORDER BY n)) FROM (
      SELECT 1, (SELECT md5(string_agg(format('%s %s %s', id, cpf, nome), ',' ORDER BY id)) FROM hospital.pacientes)
      UNION ALL SELECT 2, (SELECT md5(string_agg(format('%s %s %s', id, protocolo, status), ',' ORDER BY id)) FROM hospital.consultas)
      UNION ALL SELECT 3, (SELECT md5(string_agg(format('%s %s %s', id, resultado, md5(laudo)), ',' ORDER BY id)) FROM hospital.exames)
      UNION ALL SELECT 4, (SELECT md5(string_agg(format('%s %s', id, nome), ',' ORDER BY id)) FROM hospital.convenios)) s(n, t)"
}

new_cluster dump "wal_level = logical"
q "CREATE DATABASE origem"
q -d origem "CREATE EXTENSION alimentador"
q -d origem "SELECT count(*) FROM alimentador_seed(0.2, 5)" >/dev/null
q -d origem "INSERT INTO hospital.convenios (nome, cnpj, tipo, cobertura) VALUES ('Plano Local', '11222333000181', 'cooperativa', 'municipal')"
q -d origem "SELECT count(*) FROM alimentador_stream(200, 'deletes', 1)" >/dev/null
dump="$(mktemp /tmp/alimentador-dump.XXXXXX.sql)"
"$PG_BIN/pg_dump" --no-publications -h "$PGDIR" -p "$PGPORT" -U postgres origem > "$dump"
q "CREATE DATABASE copia"
errors="$(psql -X -q -h "$PGDIR" -p "$PGPORT" -U postgres -d copia -f "$dump" 2>&1 >/dev/null | grep -c ERROR)"
rm -f "$dump"
check "the dump restores without errors" eq "$errors" 0
check "every table keeps its rows" eq "$(q -d copia "SELECT string_agg(tabela || '=' || linhas, ' ') FROM alimentador_counts()")" \
  "$(q -d origem "SELECT string_agg(tabela || '=' || linhas, ' ') FROM alimentador_counts()")"
check "the rows are the same, added convenios included" eq "$(fingerprint copia)" "$(fingerprint origem)"
check "the sequences go on where they were" eq "$(q -d copia "SELECT nextval('hospital.consultas_id_seq')")" "$(q -d origem "SELECT nextval('hospital.consultas_id_seq')")"
check "the stream works on the restored copy" eq "$(q -d copia "SELECT sum(falhas) FROM alimentador_stream(100)")" 0
summary dump
