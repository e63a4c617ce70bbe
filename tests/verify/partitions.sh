#!/usr/bin/env bash
# The Rust verifier (verify/, alimentador-verify) on Kafka's real layouts of one real capture: the
# real Debezium connector (tests/cdc/stream_lib.sh stream_capture: 2 workers, key changes, vital signs
# in daily partitions, a connector restart, 4 checkpoints; schema envelope on) re-laid as 1, 3 and 12
# partitions per topic (tests/verify/relay.py: Kafka's murmur2 partitioner over Debezium's keys, the
# partitions read in random interleavings; Debezium's transaction metadata on its own topic) must verify clean; on the 12-partition layout every fault
# (tests/verify/faults.py) gives exit 1 with the right finding; 3 shards and a merge give what one
# process gives; the follow mode prints verdicts while its input is still being written; SIGINT
# prints the summary; its digest agrees with the Python one (tools/digest) and the SQL one (the
# checkpoints). One capture serves every layout. Prints "verify-partitions: N passed, N failed".
#   VERIFY_CAPTURE=FILE  reuse a capture (raw.jsonl of stream_capture) instead of making one
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/cluster.sh
. tests/cdc/stream_lib.sh
export PYTHONDONTWRITEBYTECODE=1
NAME=verify-partitions
work="$(mktemp -d /tmp/alimentador-verify-partitions.XXXXXX)"; chmod 755 "$work"
cleanup() { cleanup_clusters; [ -n "${KEEP_CLUSTERS:-}" ] || rm -rf "$work"; }
trap cleanup EXIT
started=$(date +%s)

export CARGO_TARGET_DIR="${VERIFY_TARGET_DIR:-$PWD/verify/target}"
if ! cargo build --release -q --manifest-path verify/Cargo.toml; then
  check "cargo build --release --manifest-path verify/Cargo.toml" false
  summary "$NAME"; exit 1
fi
VERIFY="$CARGO_TARGET_DIR/release/alimentador-verify"

if [ -n "${VERIFY_CAPTURE:-}" ]; then
  cp "$VERIFY_CAPTURE" "$work/raw.jsonl"
else
  VENV="$(tests/cdc/setup_venv.sh)" || { echo "$NAME: 0 passed, 1 failed (venv)"; exit 1; }
  PY="$VENV/bin/python"
  export STREAM_RATE=200
  # Debezium's transaction metadata on (BEGIN/END records on alimentador.transaction): the second
  # source of truth beside the ledger.
  if ! stream_capture "$work" --set value.converter.schemas.enable=true --set provide.transaction.metadata=true; then
    check "a real capture with checkpoints and a restart" false
    summary "$NAME"; exit 1
  fi
  q -d "$STREAM_DB" "SELECT pg_drop_replication_slot('alimentador_slot')" >/dev/null
  cleanup_clusters; CLUSTERS=()
  trap cleanup EXIT  # new_cluster set its own (the work directory was left behind)
fi
echo "    capture: $(wc -l <"$work/raw.jsonl") values ($(( $(date +%s) - started ))s)"

# verdict EXPECTED_EXIT [option...] FILE: runs the verifier; its output is in $work/out.
verdict() {
  local want="$1"; shift
  local got=0
  "$VERIFY" "$@" >"$work/out" 2>&1 || got=$?
  [ "$got" = "$want" ] || { echo "    exit $got, expected $want:" >&2; tail -12 "$work/out" | cut -c1-300 >&2; return 1; }
}
has() { grep -q -- "$1" "$work/out" || { echo "    no [$1] in:" >&2; tail -12 "$work/out" | cut -c1-300 >&2; return 1; }; }
hasnt() { ! grep -q -- "$1" "$work/out" || { echo "    [$1] in:" >&2; grep -- "$1" "$work/out" | head -3 | cut -c1-300 >&2; return 1; }; }
fault() { python3 tests/verify/faults.py "$1" "$2" "$3" >/dev/null; }
relay() { python3 tests/verify/relay.py "$@" 2>/dev/null; }

check "the capture has 4 checkpoints" eq "$(grep -c '"prefix":"alimentador.checkpoint"' "$work/raw.jsonl")" 4
check "  ... and Debezium's transaction metadata (END records)" test "$(grep -c '"status":"END"' "$work/raw.jsonl")" -gt 100
fault schemaless "$work/raw.jsonl" "$work/schemaless.jsonl"

# The digest: the same rebuilt digests as the Python verifier (tools/digest/digest.py) at every
# checkpoint, which are the SQL alimentador_digest()'s of the checkpoint messages.
check "one partition, in the connector's order: exit 0" verdict 0 --json "$work/raw.jsonl"
cp "$work/out" "$work/rust.json"
tools/alimentador-verify --json "$work/raw.jsonl" >"$work/python.json" 2>&1
same_digests() {
  python3 - "$work/rust.json" "$work/python.json" <<'EOF'
import json, sys
r, p = (json.load(open(f)) for f in sys.argv[1:3])
rd = [{t["table"]: (t["rebuilt_linhas"], t["rebuilt_digest"], t["digest"]) for t in c["tables"]} for c in r["checkpoints"]]
pd = [{t: (v["rebuilt_linhas"], v["rebuilt_digest"], v["digest"]) for t, v in c["tables"].items()} for c in p["checkpoints"]]
ok = rd == pd and len(rd) == 4 and all(v[1] == v[2] for c in rd for v in c.values())
print(f"    {sum(len(c) for c in rd)} table digests compared" if ok else f"    rust {rd}\n    python {pd}")
sys.exit(0 if ok else 1)
EOF
}
check "  ... its rebuilt digests are the Python verifier's and the checkpoints' (SQL), table by table" same_digests

# Kafka layouts: 1, 3 and 12 partitions per topic, several interleavings each.
for n in 1 3 12; do
  for seed in 1 2 3; do
    relay "$work/raw.jsonl" "$work/p.jsonl" --partitions "$n" --seed "$seed"
    check "$n partition(s) per topic, interleaving $seed: exit 0" verdict 0 "$work/p.jsonl"
    check "  ... 4 checkpoints, 9/9 tables equal" eq "$(grep -c '9/9 tables equal' "$work/out")" 4
  done
done
check "  ... no split transaction reported (Kafka does not keep a transaction's events together)" hasnt "split"
check "  ... every transaction also checked against Debezium's transaction metadata (its own topic, 12 partitions)" has "note: [0-9]* transaction(s) also checked against Debezium's transaction metadata"
relay "$work/schemaless.jsonl" "$work/p.jsonl" --partitions 12 --seed 4
check "12 partitions without the schema envelope: exit 0, 4 checkpoints equal" verdict 0 "$work/p.jsonl"
check "  ... 4 checkpoints, 9/9 tables equal" eq "$(grep -c '9/9 tables equal' "$work/out")" 4
relay "$work/raw.jsonl" "$work/p12.jsonl" --partitions 12 --seed 7
# Two distances: a small re-delivery window (--window) while the partitions lag far behind each
# other (the message and transaction topics run ahead): the incomplete transactions wait --lag.
check "12 partitions, a re-delivery window of 1000 events: exit 0 (lagging partitions wait --lag)" verdict 0 --window 1000 "$work/p12.jsonl"
check "  ... 4 checkpoints, 9/9 tables equal" eq "$(grep -c '9/9 tables equal' "$work/out")" 4

# faulted NAME: the fault injected into the capture (the connector's order), then laid out as 12
# partitions: $work/f12.jsonl.
faulted() { fault "$1" "$work/raw.jsonl" "$work/f.jsonl" && relay "$work/f.jsonl" "$work/f12.jsonl" --partitions 12 --seed 7; }
faulted drop-event
check "FAULT (12 partitions) an event dropped: exit 1" verdict 1 "$work/f12.jsonl"
check "  ... counts-differ: the transaction is incomplete" has "FINDING \[counts-differ\].*insert ledger 25 events 24 (lost)\|FINDING \[counts-differ\].*(lost)"
check "  ... and the checkpoints after it miss a row" has "FINDING \[checkpoint-mismatch\].*row(s) fewer than the source"
faulted drop-from-tx
check "FAULT (12 partitions) a transaction with one event missing: exit 1" verdict 1 "$work/f12.jsonl"
check "  ... counts-differ" has "FINDING \[counts-differ\]"
check "  ... found with a re-delivery window of 1000 events too" verdict 1 --window 1000 "$work/f12.jsonl"
check "  ... counts-differ" has "FINDING \[counts-differ\]"
check "  ... and Debezium's END record says so too" has "FINDING \[metadata-counts-differ\] 1 transaction(s) .*END [0-9]* events [0-9]* (lost)"
faulted end-count
check "FAULT (12 partitions) an END record counting one event more than its transaction has: exit 1" verdict 1 "$work/f12.jsonl"
check "  ... metadata-counts-differ" has "FINDING \[metadata-counts-differ\] 1 transaction(s)"
check "  ... and the ledger disagrees with the END record" has "FINDING \[ledger-metadata-differ\] 1 transaction(s)"
check "  ... and nothing else" eq "$(grep -c FINDING "$work/out")" 2
# The ledger off (alimentador.ledger = off): Debezium's transaction metadata alone says what complete is.
fault no-ledger "$work/raw.jsonl" "$work/noledger.jsonl"
relay "$work/noledger.jsonl" "$work/f12.jsonl" --partitions 12 --seed 7
check "without the ledger, 12 partitions: exit 0, checked against the transaction metadata" verdict 0 "$work/f12.jsonl"
check "  ... says so" has "^verdict: identical: every transaction complete against Debezium's transaction metadata"
fault drop-from-tx "$work/noledger.jsonl" "$work/f.jsonl" && relay "$work/f.jsonl" "$work/f12.jsonl" --partitions 12 --seed 7
check "FAULT without the ledger (12 partitions) a transaction with one event missing: exit 1" verdict 1 "$work/f12.jsonl"
check "  ... found through the transaction metadata" has "FINDING \[metadata-counts-differ\] 1 transaction(s) .*END [0-9]* events [0-9]* (lost)"
faulted duplicate-event
check "FAULT (12 partitions) an event duplicated: exit 1" verdict 1 "$work/f12.jsonl"
check "  ... duplicated-events" has "FINDING \[duplicated-events\] 1 transaction(s) with duplicated events"
faulted key-reorder
check "FAULT (12 partitions) two changes of one row swapped (per-key order): exit 1" verdict 1 "$work/f12.jsonl"
check "  ... out-of-order, per key" has "FINDING \[out-of-order\] 1 event(s) arrived after a later change of the same row"
faulted change-value
check "FAULT (12 partitions) a value changed: exit 1" verdict 1 "$work/f12.jsonl"
check "  ... checkpoint-mismatch of medicos, same rows other content" has "FINDING \[checkpoint-mismatch\] checkpoint 1 .*hospital.medicos.*same rows, other content"
faulted lost-update
check "FAULT (12 partitions) a lost update (the row updated again later): exit 1" verdict 1 "$work/f12.jsonl"
check "  ... lost-update: the next change's before is not the rebuilt row" has "FINDING \[lost-update\]"
faulted drop-delete
check "FAULT (12 partitions) a delete dropped (a resurrected row): exit 1" verdict 1 "$work/f12.jsonl"
check "  ... checkpoint-mismatch: a row more than the source, resurrected" has "FINDING \[checkpoint-mismatch\].*1 row(s) more than the source: delete events lost.*resurrected rows"
faulted drop-ledger
check "FAULT (12 partitions) a ledger message dropped: exit 1" verdict 1 "$work/f12.jsonl"
check "  ... missing-ledger-message" has "FINDING \[missing-ledger-message\]"
check "  ... and a gap in the worker's seq" has "FINDING \[seq-gap\]"
faulted redeliver
check "(12 partitions) a whole transaction re-delivered (at-least-once): exit 0" verdict 0 "$work/f12.jsonl"
check "  ... a note" has "note: .* re-delivered"
faulted redeliver-tail
check "(12 partitions) a transaction's end re-delivered: exit 0" verdict 0 "$work/f12.jsonl"
faulted snapshot-both
check "a snapshot that read sinais_vitais through the table and its partitions: exit 1" verdict 1 "$work/f12.jsonl"
check "  ... names that configuration" has "FINDING \[duplicated-events\] [0-9]* snapshot event(s) repeated: the initial snapshot read hospital.sinais_vitais both through the partitioned table and through its partitions"

# Shards: 3 processes over the 12 partitions (partition i to shard i % 3), then merge.
sharded() {
  local src="$1" k
  relay "$src" "$work/s" --partitions 12 --seed 9 --shards 3
  relay "$src" "$work/one.jsonl" --partitions 12 --seed 9
  for k in 0 1 2; do "$VERIFY" --shard-out "$work/shard$k" "$work/s.$k.jsonl" >/dev/null || return 1; done
  local a=0 b=0
  "$VERIFY" merge "$work/shard0" "$work/shard1" "$work/shard2" >"$work/merged" 2>&1 || a=$?
  "$VERIFY" "$work/one.jsonl" >"$work/single" 2>&1 || b=$?
  echo "    merge exit $a, one process exit $b, $(grep -c FINDING "$work/merged") finding(s)"
  [ "$a" = "$b" ] && diff <(grep -v '^events:' "$work/merged") <(grep -v '^events:' "$work/single") >&2
}
check "3 shards + merge = one process: clean capture (same report)" sharded "$work/raw.jsonl"
check "  ... exit 0" eq "$(tail -1 "$work/merged" | cut -c1-19)" "verdict: identical:"
for f in drop-event duplicate-event key-reorder drop-ledger change-value end-count; do
  fault "$f" "$work/raw.jsonl" "$work/f.jsonl"
  check "3 shards + merge = one process: FAULT $f (same findings)" sharded "$work/f.jsonl"
done

# Follow mode: the 12-partition layout written through a pipe that stops for a while 300 values
# before its end (the partitions are read in a random interleaving: a checkpoint is decided once its
# transactions' events have all come, late in the layout); the verdicts of the checkpoints taken
# while the stream ran must be printed while the writer waits.
python3 - "$work/p12.jsonl" 300 "$work/paused" <<'EOF' | "$VERIFY" --follow --progress 1 - >"$work/follow" 2>&1 &
import sys, time
lines = open(sys.argv[1]).readlines()
cut = len(lines) - int(sys.argv[2])
sys.stdout.writelines(lines[:cut]); sys.stdout.flush()
open(sys.argv[3], "w").close()
time.sleep(6)
sys.stdout.writelines(lines[cut:]); sys.stdout.flush()
EOF
fpid=$!
for _ in $(seq 100); do [ -f "$work/paused" ] && break; sleep 0.1; done
sleep 3
cp "$work/follow" "$work/out"
check "--follow: checkpoint 1's verdict printed while the input is still being written" has "checkpoint 1 (.*9/9 tables equal (decided at event"
check "  ... and checkpoint 2's" has "checkpoint 2 (.*9/9 tables equal (decided at event"
check "  ... and a progress line (events/s, checkpoints decided, oldest open transaction)" has "progress: [0-9]* events, [0-9]* events/s, [0-9]* checkpoint(s) decided"
wait "$fpid"; frc=$?
cp "$work/follow" "$work/out"
check "  ... exit 0 at the end of the input, every checkpoint equal" eq "$frc $(grep -c '^checkpoint .*9/9 tables equal$' "$work/out")" "0 4"

# SIGINT: a file followed as it grows; Ctrl-C prints the summary of what was read.
head -n 9000 "$work/p12.jsonl" >"$work/growing.jsonl"
"$VERIFY" --follow "$work/growing.jsonl" >"$work/out" 2>&1 &
vpid=$!
sleep 2
tail -n +9001 "$work/p12.jsonl" | head -n 2000 >>"$work/growing.jsonl"
sleep 1.5
kill -INT "$vpid"; wait "$vpid"; irc=$?
check "--follow a growing file, SIGINT: the summary, exit 0 or 1" test "$irc" -le 1
check "  ... says it was interrupted" has "warning: interrupted (SIGINT)"
check "  ... and gives a verdict" has "^verdict: "
# events, not values: BEGIN records (transaction metadata) and heartbeats are not counted
before_append=$(head -n 9000 "$work/p12.jsonl" | grep -vc '"status":"BEGIN"')
check "  ... of the lines appended while it ran (more events than the first 9000 values hold)" \
  test "$(sed -n 's/^events: \([0-9]*\) .*/\1/p' "$work/out")" -gt "$before_append"
# --exit-on-finding: the changed value is final one window after its checkpoint, long before the
# end of a followed file (which never ends by itself).
fault change-value "$work/raw.jsonl" "$work/f.jsonl"
check "--follow --exit-on-finding on a growing file with a changed value: exit 1 before any end" \
  verdict 1 --follow --exit-on-finding --window 4000 "$work/f.jsonl"
check "  ... with the checkpoint's finding" has "FINDING \[checkpoint-mismatch\] checkpoint 1 .*hospital.medicos"

# Bad input: exit 2 with a message.
fault malformed "$work/raw.jsonl" "$work/f.jsonl"
check "a malformed line: exit 2, named" verdict 2 "$work/f.jsonl"
check "  ... names the line" has "f.jsonl:[0-9]*: not a JSON value"
fault truncate "$work/raw.jsonl" "$work/f.jsonl"
check "a truncated last line: a warning, exit 0" verdict 0 "$work/f.jsonl"
check "  ... warning" has "warning: .*the last line is not complete JSON"
fault other-db "$work/raw.jsonl" "$work/f.jsonl"
check "messages from another database: exit 2" verdict 2 "$work/f.jsonl"
check "a missing file: exit 2" verdict 2 "$work/nothing.jsonl"
grep -v '"op":"m"' "$work/schemaless.jsonl" >"$work/f.jsonl"
check "the message topic left out: exit 2, says to dump it" verdict 2 "$work/f.jsonl"
check "  ... says so" has "dump the connector's <topic.prefix>.message topic"
check "--sink-dsn: exit 2, says to run the Python verifier for it" verdict 2 --sink-dsn x "$work/raw.jsonl"
check "  ... names it" has "tools/alimentador-verify --sink-dsn"
fault double "$work/raw.jsonl" "$work/f.jsonl"
check "decimal.handling.mode=double: exit 0, consultas' digest skipped with a warning" verdict 0 "$work/f.jsonl"
check "  ... warning" has "warning: hospital.consultas: numeric values arrive as double"
fault precise "$work/raw.jsonl" "$work/f.jsonl"
check "decimal.handling.mode=precise with the schema: decoded, 4 checkpoints equal" verdict 0 "$work/f.jsonl"
check "  ... 9/9" eq "$(grep -c '9/9 tables equal' "$work/out")" 4
fault schemaless "$work/f.jsonl" "$work/f2.jsonl"
check "decimal.handling.mode=precise without the schema: exit 2, says why" verdict 2 "$work/f2.jsonl"
check "  ... says why" has "decimal.handling.mode=precise"
check "an unknown table in --tables: exit 2" verdict 2 --tables consultas,consulta "$work/raw.jsonl"
echo "    $(( $(date +%s) - started ))s"
summary "$NAME"
