#!/usr/bin/env bash
# CALL alimentador_run(...) seen by the real Debezium connector, on a cluster WITHOUT
# shared_preload_libraries: a run of 3 operations per transaction, then a run cancelled mid-way with
# pg_cancel_backend. tools/alimentador-verify, given only the Debezium values, must find every
# transaction whole with its own ledger message (worker = -execucao), the seqs gap-free up to the
# runs' razao_seq (the cancelled run's committed transactions all delivered, nothing of the rolled
# back one), and the final checkpoint equal. Run by tests/cdc/run.sh; prints "session: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/cluster.sh
. tests/cdc/stream_lib.sh
export PYTHONDONTWRITEBYTECODE=1
VENV="$(tests/cdc/setup_venv.sh)" || { echo "session: 0 passed, 1 failed (venv)"; exit 1; }
PY="$VENV/bin/python"
work="$(mktemp -d /tmp/alimentador-session.XXXXXX)"; chmod 755 "$work"
DB=$STREAM_DB

new_cluster session "wal_level = logical" "max_replication_slots = 4" "max_wal_senders = 4"
cleanup() { cleanup_clusters; [ -n "${KEEP_CLUSTERS:-}" ] || rm -rf "$work"; }
trap cleanup EXIT
q "CREATE DATABASE $DB"
q -d $DB "CREATE EXTENSION alimentador; SELECT count(*) FROM alimentador_seed(0.3, 7)" >/dev/null
check "the connector is streaming" stream_capture_start "$work" 1

echo "== session: CALL alimentador_run, 3 operations per transaction"
q -d $DB "CALL alimentador_run(ops => 300, rate => 150, ops_per_transaction => 3, weights => '$STREAM_WEIGHTS')" 2>/dev/null
q -d $DB "SELECT count(*) FROM alimentador_checkpoint()" >/dev/null
echo "== session: a run cancelled mid-way"
psql -X -q -h "$PGDIR" -p "$PGPORT" -U postgres -d $DB -c "CALL alimentador_run(rate => 100, weights => '$STREAM_WEIGHTS')" 2>/dev/null &
runner=$!
wait_for 20 "SELECT transacoes >= 100 FROM alimentador_execucoes WHERE execucao = 2" t $DB
q "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'CALL alimentador_run(%'" >/dev/null
wait "$runner"
q -d $DB "SELECT count(*) FROM alimentador_checkpoint()" >/dev/null
q -d $DB "SELECT pg_logical_emit_message(true, 'alimentador_teste', 'fim')" >/dev/null
for i in $(seq 900); do grep -q '"alimentador_teste"' "$work/events.jsonl" 2>/dev/null && break; sleep 0.2; done
check "the connector delivered everything" test "$i" -lt 900
stream_capture_stop "$work" 1

verdict=0
tools/alimentador-verify --json "$work/raw.jsonl" >"$work/report.json" 2>"$work/verify.err" || verdict=$?
check "the verifier: every transaction whole, with its message, in order; checkpoints equal (exit 0)" eq "$verdict" 0
[ "$verdict" = 0 ] || { tools/alimentador-verify "$work/raw.jsonl" | grep -v '^  ' | head -30; cat "$work/verify.err"; }
summary_of() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$work/report.json" "$1"; }
check "one ledger identity per run, workers -1 and -2, seqs from 1, up to the runs' razao_seq" eq \
  "$(summary_of '",".join("{}:{}..{}/{}".format(w, v["first_seq"], v["last_seq"], v["transactions"]) for w, v in sorted(r["transactions"]["workers"].items(), key=lambda x: -int(x[0])))')" \
  "$(q -d $DB "SELECT string_agg(format('%s:1..%s/%s', -execucao, razao_seq, razao_seq), ',' ORDER BY execucao) FROM alimentador_execucoes")"
check "the 3-operation run: each Debezium transaction has at most 3 operations, most exactly 3" eq \
  "$(python3 - "$work/raw.jsonl" <<'PYEOF'
import json, sys
ops = []
for line in open(sys.argv[1]):
    v = json.loads(line) if line.strip() else None
    v = v.get("payload", v) if isinstance(v, dict) else None
    if v and v.get("op") == "m" and v["message"]["prefix"] == "alimentador.tx":
        import base64
        m = json.loads(base64.b64decode(v["message"]["content"]))
        if m["worker"] == -1:
            ops.append(sum(m["operacoes"].values()))
print("ok" if ops and all(n <= 3 for n in ops) and sum(1 for n in ops if n == 3) > len(ops) // 2 else f"bad {ops[:20]}")
PYEOF
)" ok
check "no missing ledger message" eq "$(summary_of 'sum(w["missing"] for w in r["transactions"]["workers"].values())')" 0
q -d $DB "SELECT pg_drop_replication_slot('alimentador_slot')" >/dev/null
summary session
