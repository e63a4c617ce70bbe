#!/usr/bin/env python3
"""Injects one fault into a copy of a real Debezium capture (one record value per line, with or
without the schema envelope), for tests/verify/run.sh:

    faults.py FAULT IN OUT

FAULT: drop-event, duplicate-event, split, commit-position, reorder, change-value, drop-ledger, redeliver, redeliver-tail, schemaless,
malformed, truncate, other-db, double, precise; and for the Kafka layouts (tests/verify/partitions.sh):
key-reorder (two changes of one row, of two transactions, swapped), lost-update (an update dropped
whose row is updated again later), drop-delete (a delete dropped: the row is resurrected),
drop-from-tx (one update or delete of a transaction that changed several tables dropped),
no-ledger (every alimentador.tx message removed: the ledger off), end-count (Debezium's END record of
a transaction counting one event more than it has: provide.transaction.metadata=true);
snapshot-both (the snapshot of sinais_vitais read again through the partitioned table, as a connector
whose table.include.list names the table and its partitions does). Prints what it did. Exit 1 when the capture has
nothing to inject the fault into (the test then fails: the capture is too small).
"""
from __future__ import annotations

import base64
import json
import sys
from collections import defaultdict
from decimal import Decimal


def payload(v):
    return v["payload"] if isinstance(v, dict) and set(v) == {"schema", "payload"} else v


def dump(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def main() -> int:
    fault, src, dst = sys.argv[1:4]
    lines = open(src, encoding="utf-8").read().splitlines()
    vals = [json.loads(l) for l in lines]
    pays = [payload(v) for v in vals]

    def is_change(p, op=None):
        return isinstance(p, dict) and p.get("op") in ("c", "u", "d") and (op is None or p["op"] == op) \
            and str((p.get("source") or {}).get("snapshot")).lower() in ("false", "none")

    def is_ledger(p):
        return isinstance(p, dict) and p.get("op") == "m" and p["message"]["prefix"] == "alimentador.tx"

    by_tx = defaultdict(list)
    # Debezium's END record of each transaction (provide.transaction.metadata=true): its last record,
    # re-delivered with it
    end_of = {}
    for i, p in enumerate(pays):
        if is_change(p) or is_ledger(p):
            by_tx[p["source"]["txId"]].append(i)
        elif isinstance(p, dict) and p.get("status") == "END":
            end_of[int(p["id"].split(":")[0])] = i
    # Transactions delivered once, in the middle of the capture (well before the last checkpoint).
    # One that the connector restart re-delivered in part is left out: faulting it again would make
    # uneven repeats, which the verifier rightly calls duplicated events rather than a re-delivery.
    def identity(p):
        src = p.get("source") or {}
        return json.dumps([p.get("op"), src.get("table"), src.get("lsn"), p.get("before"), p.get("after"),
                           (p.get("message") or {}).get("content")], sort_keys=True)

    once = {t for t, idx in by_tx.items() if len({identity(pays[i]) for i in idx}) == len(idx)}
    middle = sorted(by_tx, key=lambda t: by_tx[t][0])
    middle = [t for t in middle[len(middle) // 4: len(middle) // 2] if t in once]
    out = list(lines)
    what = None

    if fault == "drop-event":
        # An insert whose row no later event touches: its loss must show at every later checkpoint
        # (a row that is updated or deleted afterwards could hide it).
        def key(p):
            row = p.get("after") or p.get("before") or {}
            return (p["source"]["table"], row.get("id"))

        last_event = {}
        for i, p in enumerate(pays):
            if is_change(p):
                last_event[key(p)] = i
        for t in middle:
            ch = [i for i in by_tx[t] if is_change(pays[i], "c")]
            lasting = [i for i in ch if last_event.get(key(pays[i])) == i]
            if len(ch) >= 2 and lasting:
                del out[lasting[0]]
                what = f"dropped one of {len(ch)} inserts of txId {t} (a row no later event touches)"
                break
    elif fault == "duplicate-event":
        for t in middle:
            ch = [i for i in by_tx[t] if is_change(pays[i])]
            if len(ch) >= 2:
                out.insert(ch[0] + 1, lines[ch[0]])
                what = f"duplicated the first of {len(ch)} change events of txId {t}"
                break
    elif fault == "split":
        for t in middle:
            tables = defaultdict(list)
            for i in by_tx[t]:
                if is_change(pays[i]):
                    tables[pays[i]["source"]["table"]].append(i)
            for table, idx in tables.items():
                if len(idx) < 2:
                    continue
                last = idx[-1]
                nxt = next((j for j in range(last + 1, len(pays)) if is_change(pays[j])
                            and pays[j]["source"]["table"] == table and pays[j]["source"]["txId"] != t), None)
                if nxt is None:
                    continue
                moved = out.pop(last)
                out.insert(nxt, moved)  # nxt shifted down by one: the event lands right after it
                what = f"moved the last {table} event of txId {t} after txId {pays[nxt]['source']['txId']}'s"
                break
            if what:
                break
    elif fault == "commit-position":
        # One event of a transaction as if committed elsewhere: another first element of
        # source.sequence (the last commit LSN, the same for a whole transaction).
        for t in middle:
            ch = [i for i in by_tx[t] if is_change(pays[i])]
            if len(ch) >= 2:
                v = json.loads(lines[ch[-1]])
                src = payload(v)["source"]
                seq = json.loads(src["sequence"])
                seq[0] = str(int(seq[0]) + 8)
                src["sequence"] = json.dumps(seq)
                out[ch[-1]] = dump(v)
                what = f"another commit position on the last change event of txId {t}"
                break
    elif fault == "reorder":
        # Two consecutive transactions of one worker delivered in the wrong order (messages swapped).
        last = {}
        for t in middle:
            m = [i for i in by_tx[t] if is_ledger(pays[i])]
            if not m:
                continue
            c = json.loads(base64.b64decode(pays[m[0]]["message"]["content"]))
            w = c["worker"]
            if w in last and last[w][1] == c["seq"] - 1:
                a, b = last[w][0], m[0]
                out[a], out[b] = lines[b], lines[a]
                what = f"swapped worker {w}'s messages seq {c['seq'] - 1} and {c['seq']}"
                break
            last[w] = (m[0], c["seq"])
    elif fault == "change-value":
        # A doctor from the snapshot: the stream never changes medicos, so every checkpoint sees it.
        for i, p in enumerate(pays):
            if isinstance(p, dict) and p.get("op") == "r" and p["source"]["table"] == "medicos":
                v = json.loads(lines[i])
                payload(v)["after"]["nome"] += "x"
                out[i] = dump(v)
                what = f"changed medicos id {p['after']['id']} nome"
                break
    elif fault == "drop-ledger":
        for t in middle:
            m = [i for i in by_tx[t] if is_ledger(pays[i])]
            if m and len(by_tx[t]) > 1:
                del out[m[0]]
                what = f"dropped the ledger message of txId {t}"
                break
    elif fault == "redeliver":
        # After a restart the connector sends a whole transaction again, after later transactions.
        for t in middle:
            idx = by_tx[t]
            if len(idx) >= 3:
                at = idx[-1] + 200
                for k, i in enumerate(idx + ([end_of[t]] if t in end_of else [])):
                    out.insert(at + k, lines[i])
                what = f"re-delivered txId {t} ({len(idx)} events) 200 lines later"
                break
    elif fault == "redeliver-tail":
        # A restart in the middle of a transaction's delivery: its last change and its ledger
        # message come again, later.
        for t in middle:
            idx = by_tx[t]
            if len(idx) >= 3 and is_ledger(pays[idx[-1]]):
                at = idx[-1] + 200
                out.insert(at, lines[idx[-2]])
                out.insert(at + 1, lines[idx[-1]])
                if t in end_of:
                    out.insert(at + 2, lines[end_of[t]])
                what = f"re-delivered the last change and the message of txId {t} 200 lines later"
                break
    elif fault in ("key-reorder", "lost-update", "drop-delete", "drop-from-tx"):
        def rowkey(p):
            row = (p.get("before") if p["op"] == "d" else p.get("after")) or {}
            return (p["source"]["table"], row.get("id"))

        by_key = defaultdict(list)  # row -> its change events, in order
        for i, p in enumerate(pays):
            if is_change(p):
                by_key[rowkey(p)].append(i)
        mid = set(middle)
        if fault == "key-reorder":
            for idx in by_key.values():
                pairs = [(a, b) for a, b in zip(idx, idx[1:]) if pays[a]["op"] == "u" and pays[b]["op"] == "u"
                         and pays[a]["source"]["txId"] != pays[b]["source"]["txId"]
                         and pays[a]["source"]["txId"] in mid and pays[b]["source"]["txId"] in mid]
                if pairs:
                    a, b = pairs[0]
                    out[a], out[b] = lines[b], lines[a]
                    what = f"swapped two updates of {rowkey(pays[a])} (txId {pays[a]['source']['txId']} and {pays[b]['source']['txId']})"
                    break
        elif fault == "lost-update":
            for idx in by_key.values():
                ups = [i for i in idx if pays[i]["op"] == "u" and pays[i]["source"]["txId"] in mid]
                later = [i for i in idx if ups and i > ups[0] and pays[i]["op"] in ("u", "d")]
                if ups and later:
                    del out[ups[0]]
                    what = f"dropped the update of {rowkey(pays[ups[0]])} in txId {pays[ups[0]]['source']['txId']} (updated again later)"
                    break
        elif fault == "drop-delete":
            for idx in by_key.values():
                if pays[idx[-1]]["op"] == "d" and pays[idx[-1]]["source"]["txId"] in mid:
                    del out[idx[-1]]
                    what = f"dropped the delete of {rowkey(pays[idx[-1]])} in txId {pays[idx[-1]]['source']['txId']}"
                    break
        else:
            for t in middle:
                ch = [i for i in by_tx[t] if is_change(pays[i])]
                tables = {pays[i]["source"]["table"] for i in ch}
                last = [i for i in ch if pays[i]["op"] in ("u", "d") and by_key[rowkey(pays[i])][-1] == i]
                last.sort(key=lambda i: pays[i]["op"] != "u")
                if len(tables) >= 2 and len(ch) >= 3 and last:
                    del out[last[0]]
                    what = (f"dropped the {pays[last[0]]['op']} of {rowkey(pays[last[0]])} from txId {t} "
                            f"({len(ch)} changes of {len(tables)} tables)")
                    break
    elif fault == "snapshot-both":
        snap = [i for i, p in enumerate(pays) if isinstance(p, dict) and p.get("op") == "r"]
        again = []
        for i in snap:
            if pays[i]["source"]["table"].startswith("sinais_vitais_p"):
                v = json.loads(lines[i])
                payload(v)["source"]["table"] = "sinais_vitais"
                again.append(dump(v))
        if again:
            out[snap[-1] + 1:snap[-1] + 1] = again
            what = f"{len(again)} snapshot events of sinais_vitais repeated through the partitioned table"
    elif fault == "schemaless":
        out = [dump(p) for p in pays]
        what = "stripped the schema envelope"
    elif fault == "malformed":
        out.insert(len(out) // 2, '{"op": "c", "source": ')
        what = "a malformed line in the middle"
    elif fault == "truncate":
        out.append(lines[-1][: len(lines[-1]) // 2])
        what = "a truncated last line"
    elif fault == "other-db":
        for i, p in enumerate(pays):
            if is_ledger(p):
                v = json.loads(lines[i])
                payload(v)["source"]["db"] = "outro"
                out[i] = dump(v)
                what = "a ledger message from database outro"
                break
    elif fault in ("double", "precise"):
        # decimal.handling.mode double / precise: consultas.valor as Debezium would deliver it.
        for i, v in enumerate(vals):
            p = pays[i]
            if not (isinstance(p, dict) and (p.get("source") or {}).get("table") == "consultas"):
                continue
            v = json.loads(lines[i])
            p = payload(v)
            for side in ("before", "after"):
                row = p.get(side)
                if row and row.get("valor") is not None:
                    d = Decimal(row["valor"])
                    if fault == "double":
                        row["valor"] = float(d)
                    else:
                        unscaled = int(d.scaleb(2))
                        n = (unscaled.bit_length() + 8) // 8  # BigInteger.toByteArray(): minimal two's complement
                        row["valor"] = base64.b64encode(unscaled.to_bytes(n, "big", signed=True)).decode()
            if "schema" in v:
                for f in v["schema"]["fields"]:
                    for g in f.get("fields") or []:
                        if g.get("field") == "valor":
                            if fault == "double":
                                g["type"] = "double"
                            else:
                                g.update({"type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1,
                                          "parameters": {"scale": "2", "connect.decimal.precision": "10"}})
            out[i] = dump(v)
        what = f"consultas.valor as decimal.handling.mode={fault}"
    elif fault == "no-ledger":
        # alimentador.ledger = off: no alimentador.tx message at all
        out = [line for line, p in zip(lines, pays) if not is_ledger(p)]
        what = f"removed {len(lines) - len(out)} ledger messages"
    elif fault == "end-count":
        # Debezium's END record of a transaction (provide.transaction.metadata=true) counting one
        # event more for a table than the transaction has
        for i, p in enumerate(pays):
            tables = [k for k, dc in enumerate((p or {}).get("data_collections") or [])
                      if dc["data_collection"].startswith("hospital.")] if isinstance(p, dict) else []
            if p.get("status") == "END" and tables and int(p["id"].split(":")[0]) in middle:
                v = json.loads(lines[i])
                dc = payload(v)["data_collections"][tables[0]]
                dc["event_count"] += 1
                payload(v)["event_count"] += 1
                out[i] = dump(v)
                what = f"END record of {p['id']}: {dc['data_collection']} counts one event more"
                break
    else:
        print(f"unknown fault {fault}", file=sys.stderr)
        return 2
    if what is None:
        print(f"{fault}: nothing to inject it into", file=sys.stderr)
        return 1
    with open(dst, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + ("" if fault == "truncate" else "\n"))
    print(what)
    return 0


if __name__ == "__main__":
    sys.exit(main())
