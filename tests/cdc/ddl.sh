#!/usr/bin/env bash
# Schema evolution through the real Debezium connector: 2 workers stream the `ddl` profile (the default
# mix, the seven schema changes, prescriptions) with key changes (update_paciente_id) and vital signs
# (the partitioned sinais_vitais) at 200 operations/s while tests/cdc/stream_lib.sh
# captures it with the schema envelope, checkpoints and a connector restart. Then: the schema Debezium
# reports for each changed table has the new column or type (tests/cdc/ddl_check.py), the changes are
# bracketed by their alimentador.ddl messages, and tools/alimentador-verify replays the captured values
# to exactly the tables' rows at every checkpoint (over the original columns, prescricoes whole).
# Called by tests/cdc/run.sh; prints "cdc-ddl: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/cluster.sh
. tests/lib/cluster.sh
# shellcheck source=tests/cdc/stream_lib.sh
. tests/cdc/stream_lib.sh
export PYTHONDONTWRITEBYTECODE=1
VENV="$(tests/cdc/setup_venv.sh)" || { echo "cdc-ddl: 0 passed, 1 failed (venv)"; exit 1; }
PY="$VENV/bin/python"
work="$(mktemp -d /tmp/alimentador-cdc-ddl.XXXXXX)"; chmod 755 "$work"
cleanup() { cleanup_clusters; [ -n "${KEEP_CLUSTERS:-}" ] || rm -rf "$work"; }

export STREAM_RATE=200
STREAM_WEIGHTS='ddl,update_paciente_id=2,insert_sinal_vital=10'
if ! stream_capture "$work" --set value.converter.schemas.enable=true; then
  check "a real capture of the ddl profile" false
  summary cdc-ddl; exit 1
fi
trap cleanup EXIT
check "no failed operation" eq "$(q -d "$STREAM_DB" "SELECT sum(falhas) FROM alimentador_status()")" 0
q -d "$STREAM_DB" "SELECT coalesce(json_agg(h), '[]') FROM alimentador_schema_history() h" >"$work/history.json"
check "Debezium's schemas follow each change" python3 tests/cdc/ddl_check.py "$work/raw.jsonl" <"$work/history.json"
check "the verifier replays every checkpoint to the tables' rows" tools/alimentador-verify "$work/raw.jsonl"
summary cdc-ddl
