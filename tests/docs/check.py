#!/usr/bin/env python3
"""Checks of the manual (docs/src, the book) and the README, for tests/docs/run.sh.

  check.py links               every relative link resolves: the file exists and, with #anchor, the
                               heading does (ids as mdBook makes them); every page is in SUMMARY.md
  check.py sql                 the SQL examples as JSON lines {"page", "line", "sql"}: every ```sql
                               block, except one right after a line `<!-- not run: REASON -->`
  check.py settings NAME:CONTEXT...  the settings in the first column of configuration.md's table
                               equal the server's (pg_settings), and each one's "applies" column
                               says its context: prints what is missing, unknown or wrong
  check.py words WORD...       every WORD appears in the page given first (e.g. each profile name)
Exit 1 on a finding (each printed), 0 otherwise.
"""
import json
import os
import re
import sys

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
SRC = os.path.join(ROOT, "docs", "src")
FENCE = re.compile(r"^(\s*)```(.*)$")
HEADING = re.compile(r"^(#{1,6}) (.*)$")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
NOT_RUN = re.compile(r"^\s*<!-- not run: .+ -->\s*$")


def pages():
    files = [os.path.join(SRC, f) for f in sorted(os.listdir(SRC)) if f.endswith(".md")]
    return files + [os.path.join(ROOT, "README.md")]


def outside_fences(path):
    """(line number, line) of the lines outside fenced blocks."""
    fence = None
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        m = FENCE.match(line.rstrip("\n"))
        if m:
            fence = None if fence is not None else m.group(1)
            continue
        if fence is None:
            yield n, line.rstrip("\n")


def slug(title):
    """mdBook's heading id: alphanumerics, - and _ kept (ASCII lowercased), spaces to -."""
    title = re.sub(r"<[^>]+>", "", title).replace("`", "")
    out = []
    for ch in title:
        if ch.isalnum() or ch in "-_":
            out.append(ch.lower() if ch.isascii() else ch)
        elif ch.isspace():
            out.append("-")
    return "".join(out)


def anchors(path):
    seen = {}
    ids = set()
    for _, line in outside_fences(path):
        m = HEADING.match(line)
        if m:
            base = slug(m.group(2).strip())
            n = seen.get(base, 0)
            ids.add(base if n == 0 else f"{base}-{n}")
            seen[base] = n + 1
    return ids


def links():
    findings = []
    cache = {}
    for page in pages():
        for n, line in outside_fences(page):
            for target in LINK.findall(re.sub(r"`[^`]*`", "", line)):
                if re.match(r"^[a-z]+:", target):
                    continue  # http(s), mailto
                path, _, frag = target.partition("#")
                dest = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
                where = f"{os.path.relpath(page, ROOT)}:{n}"
                if not os.path.exists(dest):
                    findings.append(f"{where}: {target}: no file {os.path.relpath(dest, ROOT)}")
                    continue
                if frag and dest.endswith(".md"):
                    ids = cache.setdefault(dest, anchors(dest))
                    if frag not in ids:
                        findings.append(f"{where}: {target}: no heading #{frag} in {os.path.relpath(dest, ROOT)}")
    summary = open(os.path.join(SRC, "SUMMARY.md"), encoding="utf-8").read()
    listed = set(re.findall(r"\]\(([^)]+\.md)\)", summary))
    for f in sorted(os.listdir(SRC)):
        if f.endswith(".md") and f != "SUMMARY.md" and f not in listed:
            findings.append(f"docs/src/{f}: not in SUMMARY.md (the book would not show it)")
    return findings


def sql_blocks():
    for page in pages():
        lines = open(page, encoding="utf-8").read().split("\n")
        i = 0
        while i < len(lines):
            m = FENCE.match(lines[i])
            if not m:
                i += 1
                continue
            indent, info = m.group(1), m.group(2).strip()
            j = i + 1
            while j < len(lines) and not FENCE.match(lines[j]):
                j += 1
            skipped = i > 0 and NOT_RUN.match(lines[i - 1])
            if info.split(",")[0].split(" ")[0] == "sql" and not skipped:
                body = "\n".join(l[len(indent):] if l.startswith(indent) else l for l in lines[i + 1:j])
                print(json.dumps({"page": os.path.relpath(page, ROOT), "line": i + 1, "sql": body}))
            i = j + 1
    return []


def settings(entries):
    """entries: NAME:CONTEXT as pg_settings has them. The page's fourth column (applies) must say
    restart for postmaster, reload (or worker start) for sighup, superuser for superuser."""
    table = os.path.join(SRC, "configuration.md")
    documented = {}
    for _, line in outside_fences(table):
        m = re.match(r"^\| `(alimentador\.[a-z_]+)` \|", line)
        if m:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            documented[m.group(1)] = cells[3] if len(cells) > 3 else ""
    server = dict(e.split(":", 1) for e in entries)
    findings = [f"docs/src/configuration.md: the server has {s}, the page does not" for s in sorted(set(server) - set(documented))]
    findings += [f"docs/src/configuration.md: {s} is documented, the server has no such setting" for s in sorted(set(documented) - set(server))]
    says = {"postmaster": ("restart",), "sighup": ("reload", "worker start"), "superuser": ("superuser",)}
    for name in sorted(set(server) & set(documented)):
        want = says.get(server[name], (server[name],))
        if not any(w in documented[name] for w in want):
            findings.append(f"docs/src/configuration.md: {name} applies '{documented[name]}', the server's context is {server[name]}")
    return findings


def words(page, wanted):
    text = open(os.path.join(ROOT, page), encoding="utf-8").read()
    return [f"{page}: does not mention `{w}`" for w in wanted if f"`{w}`" not in text]


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "links":
        findings = links()
    elif what == "sql":
        findings = sql_blocks()
    elif what == "settings":
        findings = settings(sys.argv[2:])
    elif what == "words" and len(sys.argv) > 2:
        findings = words(sys.argv[2], sys.argv[3:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for f in findings:
        print(f)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
