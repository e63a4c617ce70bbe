#!/usr/bin/env python3
"""Re-lays a Debezium capture (one record value per line, in the connector's order) the way a Kafka
consumer of N partitions per topic reads it, for tests/verify/partitions.sh and bench/verify.sh:

    relay.py IN OUT --partitions N --seed S              one consumer: all partitions interleaved
    relay.py IN PREFIX --partitions N --seed S --shards K   K consumers: PREFIX.0.jsonl … PREFIX.{K-1}.jsonl,
                                                          partition i (over all topics) to consumer i % K

Topics as Debezium names them: one per source table (a partition of sinais_vitais is its own table
with publish_via_partition_root = off), <prefix>.message for the logical decoding messages,
heartbeats on their own topic, Debezium's transaction metadata (BEGIN/END) on
<prefix>.transaction keyed by the transaction's id. Each record goes to partition murmur2(key) % N (Kafka's default
partitioner) with Debezium's key: the primary key columns as JSON ({"id": 5}; sinais_vitais
{"id": 5, "medido_em": "…"}), {"prefix": "…"} for a message. A partition keeps the connector's
order; the consumer then reads the partitions in a random interleaving (random partition, random
batch of 1-64 records), as a consumer group's fetches do: rows of one key stay in order, a
transaction's events spread over partitions and arrive interleaved with other transactions'.
"""
from __future__ import annotations

import argparse
import json
import random
import sys


def murmur2(data: bytes) -> int:
    """Kafka's org.apache.kafka.common.utils.Utils.murmur2."""
    length = len(data)
    m, r = 0x5BD1E995, 24
    h = (0x9747B28C ^ length) & 0xFFFFFFFF
    for i in range(length // 4):
        k = int.from_bytes(data[i * 4:i * 4 + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    rest, tail = length % 4, length & ~3
    if rest >= 3:
        h ^= data[tail + 2] << 16
    if rest >= 2:
        h ^= data[tail + 1] << 8
    if rest >= 1:
        h ^= data[tail]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


def partition_of(key: bytes, n: int) -> int:
    return (murmur2(key) & 0x7FFFFFFF) % n


def route(line: str, prev):
    """(topic, key bytes) of one record value."""
    v = json.loads(line)
    p = v["payload"] if isinstance(v, dict) and set(v) == {"schema", "payload"} else v
    if not isinstance(p, dict):
        return prev  # a tombstone follows its delete: same topic and key
    src = p.get("source") or {}
    if p.get("op") == "m":
        return "alimentador.message", json.dumps({"prefix": p["message"]["prefix"]}, separators=(",", ":")).encode()
    if "op" not in p and p.get("status") in ("BEGIN", "END"):
        # provide.transaction.metadata=true: keyed by the transaction's id
        return "alimentador.transaction", json.dumps({"id": p["id"]}, separators=(",", ":")).encode()
    if "op" not in p:
        return "__debezium-heartbeat.alimentador", b'{"serverName":"alimentador"}'
    row = (p.get("before") if p["op"] == "d" else p.get("after")) or {}
    table = src.get("table") or ""
    key = {"id": row.get("id")}
    if table.startswith("sinais_vitais"):
        key["medido_em"] = row.get("medido_em")
    return f"alimentador.{src.get('schema')}.{table}", json.dumps(key, separators=(",", ":")).encode()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--partitions", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shards", type=int, default=0)
    a = ap.parse_args()
    parts: dict = {}
    prev = ("alimentador.message", b"")
    with open(a.src, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            prev = route(line, prev)
            topic, key = prev
            parts.setdefault((topic, partition_of(key, a.partitions)), []).append(line)
    order = sorted(parts)
    rnd = random.Random(a.seed)

    def interleave(names):
        queues = {n: (parts[n], [0]) for n in names}
        live = list(names)
        out = []
        while live:
            n = rnd.choice(live)
            lines, pos = queues[n]
            k = rnd.randint(1, 64)
            out.extend(lines[pos[0]:pos[0] + k])
            pos[0] += k
            if pos[0] >= len(lines):
                live.remove(n)
        return out

    if a.shards:
        for s in range(a.shards):
            mine = [n for i, n in enumerate(order) if i % a.shards == s]
            with open(f"{a.out}.{s}.jsonl", "w", encoding="utf-8") as f:
                f.writelines(line + "\n" for line in interleave(mine))
    else:
        with open(a.out, "w", encoding="utf-8") as f:
            f.writelines(line + "\n" for line in interleave(order))
    print(f"{sum(len(v) for v in parts.values())} records, {len({t for t, _ in parts})} topics, "
          f"{len(parts)} non-empty partitions", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
