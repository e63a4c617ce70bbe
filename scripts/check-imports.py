#!/usr/bin/env python3
"""The house rules of src/'s imports, checked by scripts/lint.sh:
  - no cycle between modules, and none between folders (a folder counts as one node);
  - no upward import: the pure core (CORE below: the generators, the value types, pacing,
    schedules…, the bottom of the house) neither uses pgrx nor imports a module outside the core.
    A new module that belongs to the core goes into CORE.
Reads `crate::…` and `super::…` paths outside comments and `#[cfg(test)] mod tests`. Prints each
finding and exits 1; prints the layers and exits 0 when the rules hold.
"""
import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "src")
CORE = {"model", "weights", "schedule", "skew", "pacing", "clock", "backoff", "report", "echo", "datagen"}


def module_of(path):
    rel = os.path.relpath(path, SRC)[:-3]
    rel = rel[: -len("/mod")] if rel.endswith("/mod") else rel
    return rel.replace("/", "::")


def file_of(module):
    base = os.path.join(SRC, *module.split("::"))
    return base + ".rs" if os.path.exists(base + ".rs") else os.path.join(base, "mod.rs")


def imports(module, text):
    """The modules `text` (module's source) imports, as `top` or `top::sub` for folders."""
    text = re.split(r"#\[cfg\(test\)\]\s*mod tests", text)[0]
    text = re.sub(r"//.*", "", text)
    found = set()
    for group in re.findall(r"crate::\{([^}]*)\}", text):
        found |= {x.split("::")[0] for x in re.split(r"[,\s]+", group) if x and x != "self"}
    for path in re.findall(r"crate::([a-z_]+(?:::[a-z_]+)?)", text):
        top, _, sub = path.partition("::")
        found.add(f"{top}::{sub}" if sub and os.path.exists(os.path.join(SRC, top, sub + ".rs")) else top)
    folder = module.split("::")[0]
    for sub in re.findall(r"super::([a-z_]+)", text):
        if os.path.exists(os.path.join(SRC, folder, sub + ".rs")):
            found.add(f"{folder}::{sub}")
    found.discard(module)
    return found


def cycles(graph):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def main():
    sys.setrecursionlimit(10000)
    graph = {}
    for folder, _, files in os.walk(SRC):
        for f in files:
            if f.endswith(".rs"):
                module = module_of(os.path.join(folder, f))
                if module not in ("lib", "tests"):
                    graph[module] = imports(module, open(os.path.join(folder, f), encoding="utf-8").read())
    folders = {}
    for module, deps in graph.items():
        top = module.split("::")[0]
        folders.setdefault(top, set()).update(d.split("::")[0] for d in deps if d.split("::")[0] != top)
    core = {m for m in graph if m.split("::")[0] in CORE}
    findings = [f"module cycle: {' -> '.join(c)}" for c in cycles(graph)]
    findings += [f"folder cycle: {' -> '.join(c)}" for c in cycles(folders)]
    findings += [f"upward import: {m} (pure core) uses pgrx" for m in sorted(core)
                 if "pgrx" in open(file_of(m), encoding="utf-8").read()]
    findings += [f"upward import: {m} (pure core) imports {d}"
                 for m in sorted(core) for d in sorted(graph[m]) if d.split("::")[0] not in CORE]
    for f in findings:
        print(f)
    if not findings:
        print(f"imports: {len(graph)} modules, no cycle, the pure core ({len(core)} modules) imports only itself")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
