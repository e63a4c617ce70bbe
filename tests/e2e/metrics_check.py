"""Checks alimentador's Prometheus files. Subcommands:

  names QUERIES            prints every metric name the queries file defines, one per line
  queries QUERIES          prints each query as one line (newlines folded), for psql
  dashboard QUERIES JSON   the Grafana dashboard is valid JSON, has panels with targets, and every
                           alimentador_* metric its expressions use is defined by the queries file
  scrape QUERIES A B       two /metrics scrapes (files): every defined metric is present in B, and
                           the change counters (alimentador_changes_linhas, alimentador_worker_feitas)
                           grew from A to B
Exits 1 with the problems.
"""

import json
import re
import sys

import yaml


def defined(path):
    with open(path) as f:
        spec = yaml.safe_load(f)
    names = set()
    for namespace, q in spec.items():
        for m in q["metrics"]:
            (column, desc), = m.items()
            if desc["usage"] in ("GAUGE", "COUNTER"):
                names.add(f"{namespace}_{column}")
    return spec, names


def samples(path):
    """{metric: {labels: value}} of a Prometheus text exposition."""
    out = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
        if m:
            out.setdefault(m.group(1), {})[m.group(2) or ""] = float(m.group(3))
    return out


def expressions(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("expr", "query") and isinstance(v, str):
                yield v
            else:
                yield from expressions(v)
    elif isinstance(node, list):
        for v in node:
            yield from expressions(v)


def main():
    cmd, queries = sys.argv[1], sys.argv[2]
    spec, names = defined(queries)
    problems = []
    if cmd == "names":
        print("\n".join(sorted(names)))
    elif cmd == "queries":
        for namespace, q in spec.items():
            print(namespace + "\t" + " ".join(q["query"].split()))
    elif cmd == "dashboard":
        with open(sys.argv[3]) as f:
            dash = json.load(f)
        panels = [p for p in dash.get("panels", []) if p.get("targets")]
        if not panels:
            problems.append("no panel with targets")
        used = set()
        for e in expressions(dash):
            used.update(re.findall(r"\balimentador_[a-z_]+", e))
        if not used:
            problems.append("no alimentador_* metric used")
        for u in sorted(used - names):
            problems.append(f"the dashboard uses {u}, which the queries file does not define")
        print(f"dashboard: {len(panels)} panels, {len(used)} metrics, all defined" if not problems else "")
    elif cmd == "scrape":
        a, b = samples(sys.argv[3]), samples(sys.argv[4])
        for n in sorted(names - set(b)):
            problems.append(f"{n} is missing from /metrics")
        for n in ("alimentador_changes_linhas", "alimentador_worker_feitas", "alimentador_worker_transacoes"):
            before, after = sum(a.get(n, {}).values()), sum(b.get(n, {}).values())
            print(f"{n}: {before:.0f} -> {after:.0f}")
            if not after > before:
                problems.append(f"{n} did not grow ({before} -> {after})")
            for labels, v in a.get(n, {}).items():
                if b.get(n, {}).get(labels, v) < v:
                    problems.append(f"{n}{labels} went down ({v} -> {b[n][labels]})")
    for p in problems:
        print("problem:", p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
