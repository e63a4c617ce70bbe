#!/usr/bin/env bash
# pg_dump of a seeded database restores cleanly (plain with ON_ERROR_STOP=1, custom with pg_restore
# --exit-on-error --single-transaction, publication included) and keeps its rows and sequences.
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
# No --no-publications: the dump holds CREATE PUBLICATION alimentador_pub (made by the seed, not by
# CREATE EXTENSION), so both restores must go through with errors fatal.
counts() { q -d "$1" "SELECT string_agg(tabela || '=' || linhas, ' ') FROM alimentador_counts()"; }
published() { q -d "$1" "SELECT string_agg(tablename, ' ' ORDER BY tablename) FROM pg_publication_tables WHERE pubname = 'alimentador_pub'"; }
# With publish_via_partition_root off the partitions of sinais_vitais are listed, not the table.
check "the seed published every hospital table" eq "$(published origem | sed 's/ sinais_vitais_p[0-9]*//g')" \
  "consultas convenios debezium_sinalizacao exames internacoes medicos pacientes pacientes_convenios pulso"
check "... and the partitions of sinais_vitais" contains "$(published origem)" "sinais_vitais_p"
# What alimentador_publish() returns: the tables in the publication (sinais_vitais itself).
publish() { q -d "$1" "SELECT string_agg(tabela, ' ' ORDER BY tabela) FROM alimentador_publish()"; }
plain="$(mktemp /tmp/alimentador-dump.XXXXXX.sql)"
custom="$(mktemp /tmp/alimentador-dump.XXXXXX.dump)"
"$PG_BIN/pg_dump" -h "$PGDIR" -p "$PGPORT" -U postgres origem > "$plain"
"$PG_BIN/pg_dump" -Fc -h "$PGDIR" -p "$PGPORT" -U postgres -f "$custom" origem
check "the dump holds the publication" contains "$(cat "$plain")" "CREATE PUBLICATION alimentador_pub"
q "CREATE DATABASE copia"
q "CREATE DATABASE copia_custom"
log="$(psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT" -U postgres -d copia -f "$plain" 2>&1 >/dev/null)"
check "the plain dump restores with ON_ERROR_STOP=1" eq "$?:$log" "0:"
log="$("$PG_BIN/pg_restore" --exit-on-error --single-transaction -h "$PGDIR" -p "$PGPORT" -U postgres -d copia_custom "$custom" 2>&1)"
check "the custom dump restores with pg_restore --exit-on-error --single-transaction" eq "$?:$log" "0:"
rm -f "$plain" "$custom"
for copy in copia copia_custom; do
  check "$copy: every table keeps its rows" eq "$(counts $copy)" "$(counts origem)"
  check "$copy: the rows are the same, added convenios included" eq "$(fingerprint $copy)" "$(fingerprint origem)"
  check "$copy: the sequences are where they were" eq \
    "$(q -d $copy "SELECT string_agg(sequencename || '=' || last_value, ' ' ORDER BY sequencename) FROM pg_sequences WHERE schemaname = 'hospital'")" \
    "$(q -d origem "SELECT string_agg(sequencename || '=' || last_value, ' ' ORDER BY sequencename) FROM pg_sequences WHERE schemaname = 'hospital'")"
  check "$copy: the publication is restored" eq "$(q -d $copy "SELECT count(*) FROM pg_publication WHERE pubname = 'alimentador_pub'")" 1
  # pg_dump leaves out the publication membership of tables that belong to an extension, so the
  # restored publication may lack them: alimentador_cdc_check() says so and alimentador_publish() adds them.
  check "$copy: alimentador_cdc_check() points at alimentador_publish()" eq \
    "$(q -d $copy "SELECT ok OR dica LIKE '%alimentador_publish()%' FROM alimentador_cdc_check() WHERE verificacao = 'publication'")" t
  check "$copy: alimentador_publish() covers the same tables" eq "$(publish $copy)" "$(publish origem)"
  check "$copy: the publication covers the same tables" eq "$(published $copy)" "$(published origem)"
  check "$copy: the stream works on the restored copy" eq "$(q -d $copy "SELECT sum(falhas) FROM alimentador_stream(100)")" 0
done
summary dump
