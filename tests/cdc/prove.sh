#!/usr/bin/env bash
# The Debezium end-to-end proof with tools/alimentador-verify: the real Debezium connector
# (tests/cdc/capture.py, the project's properties: schemaless JSON, decimal.handling.mode=string)
# captures 2 workers streaming deletes and the edge operations at full speed (alimentador.rate = 0),
# with 3 alimentador_checkpoint() calls while the stream runs, a connector restart in the middle and
# a last checkpoint once paused (tests/cdc/stream_lib.sh). The verifier, given nothing but the raw
# Debezium values, must find every transaction complete and in order and every checkpoint digest
# equal (exit 0), and its ledger numbers must end where the workers' do. Run by tests/cdc/run.sh;
# prints "prove: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/cluster.sh
. tests/cdc/stream_lib.sh
export PYTHONDONTWRITEBYTECODE=1
VENV="$(tests/cdc/setup_venv.sh)" || { echo "prove: 0 passed, 1 failed (venv)"; exit 1; }
PY="$VENV/bin/python"
work="$(mktemp -d /tmp/alimentador-prove.XXXXXX)"; chmod 755 "$work"
cleanup() { cleanup_clusters; [ -n "${KEEP_CLUSTERS:-}" ] || rm -rf "$work"; }

started=$(date +%s)
check "a real capture at full speed: 2 workers, 4 checkpoints, a connector restart" stream_capture "$work"
trap cleanup EXIT # after new_cluster, which sets its own trap
echo "    $(wc -l <"$work/raw.jsonl") Debezium values, $(q -d "$STREAM_DB" "SELECT sum(transacoes) FROM alimentador_status()") worker transactions in $(( $(date +%s) - started ))s"
check "4 checkpoints in the stream, 3 of them taken while it ran" eq \
  "$(grep -c '"prefix":"alimentador.checkpoint"' "$work/raw.jsonl")" 4
verdict=0
tools/alimentador-verify --json "$work/raw.jsonl" >"$work/report.json" 2>"$work/verify.err" || verdict=$?
check "the verifier: every transaction complete and in order, every checkpoint equal (exit 0)" eq "$verdict" 0
[ "$verdict" = 0 ] || { tools/alimentador-verify "$work/raw.jsonl" | grep -v '^  ' | head -30; cat "$work/verify.err"; }
summary_of() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$work/report.json" "$1"; }
check "every checkpoint compared all 9 tables, all equal" eq \
  "$(summary_of 'sum(1 for c in r["checkpoints"] for t in c["tables"].values() if t["equal"] and t["rebuilt_digest"])')" 36
check "the ledger's last seq per worker = the workers' razao_seq" eq \
  "$(summary_of '",".join(str(r["transactions"]["workers"][w]["last_seq"]) for w in sorted(r["transactions"]["workers"]))')" \
  "$(q -d "$STREAM_DB" "SELECT string_agg(razao_seq::text, ',' ORDER BY worker) FROM alimentador_status()")"
check "every worker transaction has its ledger message (none missing)" eq \
  "$(summary_of 'sum(w["missing"] for w in r["transactions"]["workers"].values())')" 0
check "deletes and the edge operations were captured" eq \
  "$(summary_of 'all(r["events"][t].get("d", 0) > 0 for t in ("consultas", "exames", "pacientes", "pacientes_convenios", "internacoes"))')" True
check "readings (on the partitions' topics) were captured" eq "$(summary_of 'r["events"]["sinais_vitais"].get("c", 0) > 0')" True
q -d "$STREAM_DB" "SELECT pg_drop_replication_slot('alimentador_slot')" >/dev/null
echo "    $(( $(date +%s) - started ))s"
summary prove
