"""Checks the transaction ledger in test_decoding output (include-xids on), read from stdin.

Every transaction that changed hospital rows (heartbeats of hospital.pulso aside) must carry exactly
one `alimentador.tx` message whose rows per table and change equal the transaction's changes, and
each worker's sequence numbers must follow each other without a gap or a repeat, starting after
--after (worker=seq,...). Prints a summary line; exits 1 with the problems otherwise.
"""

import argparse
import json
import re
import sys
from collections import defaultdict

CHANGE = re.compile(r"^table hospital\.(\w+): (INSERT|UPDATE|DELETE):")
KEY = re.compile(r"\bid\[bigint\]:(\d+)")
# A partition of hospital.sinais_vitais (one per day): its changes are the table's.
PARTITION = re.compile(r"^sinais_vitais_p\d{8}$")
MESSAGE = re.compile(r"^message: transactional: 1 prefix: ([^,]+), sz: \d+ content:(.*)$")


def transactions(lines):
    current = None
    for line in lines:
        line = line.rstrip("\n")
        if line.startswith("BEGIN"):
            current = {"xid": line.split()[1], "rows": defaultdict(int), "keys": defaultdict(list),
                       "messages": []}
        elif line.startswith("COMMIT"):
            yield current
            current = None
        elif current is not None:
            m = CHANGE.match(line)
            if m:
                table = "sinais_vitais" if PARTITION.match(m.group(1)) else m.group(1)
                change = (table, m.group(2).lower())
                old, _, new = line.partition(" new-tuple: ")
                old_key, new_key = KEY.search(old.split(" old-key: ", 1)[-1]), KEY.search(new)
                if change[1] == "update" and " old-key: " in old and old_key and new_key \
                        and old_key.group(1) != new_key.group(1):
                    # A primary-key change: a delete of the old key and an insert of the new one,
                    # as Debezium reports it and as the ledger counts it (update_paciente_id).
                    for c, k in (("delete", old_key), ("insert", new_key)):
                        current["rows"][(table, c)] += 1
                        current["keys"][(table, c)].append(int(k.group(1)))
                    continue
                current["rows"][change] += 1
                key = KEY.search(line)
                if key:
                    current["keys"][change].append(int(key.group(1)))
                continue
            m = MESSAGE.match(line)
            if m:
                current["messages"].append((m.group(1), m.group(2)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--after", default="", help="worker=seq,... already seen")
    parser.add_argument("--expect-none", action="store_true", help="no ledger message at all")
    parser.add_argument("--keys", action="store_true", help="messages carry the keys changed")
    args = parser.parse_args()
    last = {int(k): int(v) for k, v in (p.split("=") for p in args.after.split(",") if p)}
    problems, stream_txs, messages = [], 0, 0
    for tx in transactions(sys.stdin):
        rows = {k: v for k, v in tx["rows"].items() if k[0] != "pulso"}
        ledger = [json.loads(c) for p, c in tx["messages"] if p == "alimentador.tx"]
        messages += len(ledger)
        if not rows and not ledger:
            continue
        stream_txs += 1
        if args.expect_none:
            if ledger:
                problems.append(f"xid {tx['xid']}: a ledger message with alimentador.ledger = off")
            continue
        if len(ledger) != 1:
            problems.append(f"xid {tx['xid']}: {len(ledger)} ledger messages for {dict(rows)}")
            continue
        m = ledger[0]
        said = {(t, c): n for t, per in m["linhas"].items() for c, n in per.items()}
        if said != rows:
            problems.append(f"xid {tx['xid']}: the message says {said}, the transaction changed {dict(rows)}")
        if args.keys:
            listed = {(t, c): sorted(ids) for t, per in m.get("chaves", {}).items() for c, ids in per.items()}
            changed = {k: sorted(v) for k, v in tx["keys"].items() if k[0] != "pulso"}
            if listed != changed:
                problems.append(f"xid {tx['xid']}: the message's keys {listed} differ from the changed rows {changed}")
        elif "chaves" in m:
            problems.append(f"xid {tx['xid']}: keys in a message at the counts level")
        w, seq = m["worker"], m["seq"]
        if seq != last.get(w, 0) + 1:
            problems.append(f"worker {w}: seq {seq} after {last.get(w, 0)}")
        last[w] = seq
    print("ledger: %d stream transactions, %d messages, last %s"
          % (stream_txs, messages, ",".join(f"{w}={s}" for w, s in sorted(last.items()))))
    if stream_txs == 0:
        problems.append("no stream transaction at all: nothing was checked")
    for p in problems[:20]:
        print("  problem:", p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
