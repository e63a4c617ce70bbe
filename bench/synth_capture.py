#!/usr/bin/env python3
"""Makes a K-times longer capture over the SAME database size from a real Debezium capture, for
bench/verify.sh:

    synth_capture.py IN OUT K

Copy 0 is the capture as it is. Each further copy j replays the capture's stream on the same rows:
one synthetic transaction (worker 99, seq j, with its alimentador.tx message) first truncates every
table and re-inserts the snapshot's rows (the snapshot events as inserts), then every streamed
transaction follows again with txId shifted by j*D and LSNs by j*L (D, L beyond the capture's span),
and each worker's ledger seq shifted by its last seq, so the ledger stays gap-free. Each copy
carries the capture's checkpoints again, their snapshots (xmin, xmax, xip) shifted like the txIds:
the copy replays the same changes on the same rows, so the digests are the same. The live rows are
the capture's at any time: the database does not grow with K, the events do.
"""
from __future__ import annotations

import base64
import json
import sys


def payload(v):
    return v["payload"] if isinstance(v, dict) and set(v) == {"schema", "payload"} else v


def dump(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def main() -> int:
    src, dst, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
    lines = [l for l in open(src, encoding="utf-8").read().splitlines() if l.strip()]
    vals = [json.loads(l) for l in lines]
    txids, lsns, seqs, tables = [], [], {}, {}
    for v in vals:
        p = payload(v)
        if not isinstance(p, dict) or "source" not in p:
            continue
        s = p["source"]
        if s.get("txId") is not None:
            txids.append(s["txId"])
        if s.get("lsn") is not None:
            lsns.append(s["lsn"])
        if p.get("op") == "m" and p["message"]["prefix"] == "alimentador.tx":
            c = json.loads(base64.b64decode(p["message"]["content"]))
            seqs[c["worker"]] = max(seqs.get(c["worker"], 0), c["seq"])
        if p.get("op") in ("r", "c", "u", "d") and s.get("schema") == "hospital":
            tables[s["table"]] = v
    d = max(txids) - min(txids) + 10
    lsn_span = max(lsns) - min(lsns) + 1_000_000
    snapshot = [i for i, v in enumerate(vals) if isinstance(payload(v), dict) and payload(v).get("op") == "r"]
    with open(dst, "w", encoding="utf-8") as out:
        for l in lines:
            out.write(l + "\n")
        for j in range(1, k):
            tx = min(txids) + j * d - 5  # the copy's truncate-and-reload transaction: between the copies
            base_lsn = min(lsns) + j * lsn_span - 900_000
            seq = ["null", "null"]
            counts: dict = {}
            # truncate every table (one event per topic), then the snapshot rows as inserts
            for n, (table, v) in enumerate(sorted(tables.items())):
                v = json.loads(dump(v))
                p = payload(v)
                p.update(op="t", before=None, after=None)
                p["source"].update(txId=tx, lsn=base_lsn + n, sequence=f"[{seq[0]},\"{base_lsn + n}\"]", snapshot="false")
                out.write(dump(v) + "\n")
                name = "sinais_vitais" if table.startswith("sinais_vitais_p") else table
                counts.setdefault(name, {})
                counts[name]["truncate"] = counts[name].get("truncate", 0) + 1
            for n, i in enumerate(snapshot):
                v = json.loads(lines[i])
                p = payload(v)
                p["op"] = "c"
                p["source"].update(txId=tx, lsn=base_lsn + 100 + n, sequence=f"[{seq[0]},\"{base_lsn + 100 + n}\"]", snapshot="false")
                table = p["source"]["table"]
                name = "sinais_vitais" if table.startswith("sinais_vitais_p") else table
                counts.setdefault(name, {})
                counts[name]["insert"] = counts[name].get("insert", 0) + 1
                out.write(dump(v) + "\n")
            msg = base64.b64encode(json.dumps({"worker": 99, "seq": j, "linhas": counts}).encode()).decode()
            out.write(dump({"op": "m", "source": {"db": "hospital", "schema": "", "table": "", "txId": tx,
                                                   "lsn": base_lsn + 100 + len(snapshot),
                                                   "sequence": f"[{seq[0]},\"{base_lsn + 100 + len(snapshot)}\"]",
                                                   "snapshot": None},
                            "message": {"prefix": "alimentador.tx", "content": msg}}) + "\n")
            for l, v in zip(lines, vals):
                p = payload(v)
                if not isinstance(p, dict) or p.get("op") in (None, "r"):
                    continue
                if p.get("op") == "m" and p["message"]["prefix"] not in ("alimentador.tx", "alimentador.checkpoint"):
                    continue
                v = json.loads(l)
                p = payload(v)
                s = p["source"]
                if s.get("txId") is not None:
                    s["txId"] += j * d
                if s.get("lsn") is not None:
                    s["lsn"] += j * lsn_span
                if s.get("sequence"):
                    s["sequence"] = json.dumps([None if x is None else str(int(x) + j * lsn_span)
                                                for x in json.loads(s["sequence"])], separators=(",", ":"))
                if p["op"] == "m" and p["message"]["prefix"] == "alimentador.tx":
                    c = json.loads(base64.b64decode(p["message"]["content"]))
                    c["seq"] += j * seqs.get(c["worker"], 0)
                    p["message"]["content"] = base64.b64encode(json.dumps(c).encode()).decode()
                elif p["op"] == "m":
                    c = json.loads(base64.b64decode(p["message"]["content"]))
                    snap = c["snapshot"]
                    snap["xmin"] += j * d
                    snap["xmax"] += j * d
                    snap["xip"] = [x + j * d for x in snap["xip"]]
                    p["message"]["content"] = base64.b64encode(json.dumps(c).encode()).decode()
                out.write(dump(v) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
