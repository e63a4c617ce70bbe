#!/usr/bin/env python3
"""Check a JSONL capture (from capture.py) against the database.

(a) rows:   replaying the change events per primary key must give exactly the
            current rows of every table in the publication, column by column
            (deleted/truncated keys must be absent; no row without an event).
(b) counts: with --expected FILE, the number of events per (table, op) must
            match: {"hospital.consultas": {"c": 10, "u": 3, "d": 0}, ...}.
            Ops c/u/d/t missing from an entry count as 0; snapshot reads "r"
            are only compared when given. An optional "messages" entry
            {"prefix": n} checks logical decoding messages per prefix.
(c) replica identity: "full" -> every update/delete carries a complete
            `before` equal to the previous image, and no placeholder anywhere;
            "default" -> the TOAST placeholder only appears in `after` of
            updates, and --expect-placeholder TABLE.COLUMN must occur.

Events repeated (at-least-once redelivery after a restart: the same position
and images, timestamps and headers aside) are counted once and reported. Exit status: 0 all checks pass, 1 mismatch.
"""
from __future__ import annotations

import argparse
import base64
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

import psycopg
from psycopg.types.string import TextLoader

PLACEHOLDER = "__debezium_unavailable_value"
EPOCH = datetime(1970, 1, 1)
STREAM_OPS = ("c", "u", "d", "t")
MAX_LINES_PER_SECTION = 25


@dataclass
class Column:
    name: str
    typname: str       # pg_type.typname of the column, or of the element for arrays
    is_array: bool
    typmod: int
    storage: str       # attstorage: p plain, e external, m main, x extended


@dataclass
class Table:
    name: str                      # "schema.table"
    columns: dict[str, Column]
    pk: list[str]
    replident: str                 # d default, f full, i index, n nothing


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def section(self, title: str, problems: list[str], ok_text: str) -> None:
        self.problems.extend(problems)
        status = "OK" if not problems else f"{len(problems)} PROBLEM(S)"
        print(f"[{title}] {status}" + (f" - {ok_text}" if ok_text else ""))
        for line in problems[:MAX_LINES_PER_SECTION]:
            print(f"    {line}")
        if len(problems) > MAX_LINES_PER_SECTION:
            print(f"    ... and {len(problems) - MAX_LINES_PER_SECTION} more")


# ---------------------------------------------------------------- loading

def load_events(path: Path) -> tuple[list[dict], list[dict], int]:
    """Change events and message events in file order, verbatim repeats dropped."""
    changes, messages, seen, duplicates = [], [], set(), 0
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}:{number}: not a JSON event ({exc})")
            # The event without its timestamps and headers: a re-delivered event has the same position
            # (lsn, txId) and images, but a restarted connector stamps it with its own run
            # (__debezium.context.runId) and time, as tools/alimentador-verify also counts it.
            identity = json.dumps({**{k: v for k, v in event.items() if k not in ("ts_ms", "source", "headers")},
                                   "source": {k: v for k, v in (event.get("source") or {}).items() if k != "ts_ms"}},
                                  sort_keys=True)
            if identity in seen:
                duplicates += 1
                continue
            seen.add(identity)
            if event["kind"] == "tombstone":  # capture.py --keep-tombstones: not a change
                continue
            (messages if event["kind"] == "message" else changes).append(event)
    return changes, messages, duplicates


CATALOG_SQL = """
SELECT pt.schemaname || '.' || pt.tablename, c.relreplident,
       a.attname, coalesce(et.typname, t.typname), et.oid IS NOT NULL,
       a.atttypmod, a.attstorage,
       coalesce(a.attnum = ANY (i.indkey), false)
  FROM pg_publication_tables pt
  JOIN pg_namespace n ON n.nspname = pt.schemaname
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = pt.tablename
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
  -- a partitioned table (publish_via_partition_root on) has its key on its partitions
  LEFT JOIN pg_index i ON i.indrelid = coalesce((SELECT h.inhrelid FROM pg_inherits h WHERE h.inhparent = c.oid
                                                 ORDER BY 1 LIMIT 1), c.oid) AND i.indisprimary
 WHERE pt.pubname = %s
 ORDER BY 1, a.attnum
"""


def load_catalog(conn, publication: str) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for name, replident, col, typname, is_array, typmod, storage, in_pk in conn.execute(CATALOG_SQL, (publication,)):
        table = tables.setdefault(name, Table(name, {}, [], replident))
        table.columns[col] = Column(col, typname, is_array, typmod, storage)
        if in_pk:
            table.pk.append(col)
    return tables


def load_rows(conn, table: Table) -> dict[tuple, dict]:
    schema, name = table.name.split(".", 1)
    query = psycopg.sql.SQL("SELECT * FROM {}.{}").format(psycopg.sql.Identifier(schema), psycopg.sql.Identifier(name))
    rows = {}
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        for row in cur.execute(query):
            rows[tuple(canon_db(table.columns[c], row[c]) for c in table.pk)] = row
    return rows


# ------------------------------------------------------ value normalisation
# Both sides are turned into comparable Python values. Event side follows
# decimal.handling.mode=string and time.precision.mode=adaptive_time_microseconds.

INTERVAL_RE = re.compile(r"^(-)?P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)D)?"
                         r"(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?[\d.]+)S)?)?$")


def iso_interval(text: str):
    """ISO-8601 duration -> (months, days, microseconds)."""
    m = INTERVAL_RE.match(text)
    if not m:
        return ("unparsed interval", text)
    sign = -1 if m.group(1) else 1
    y, mo, d, h, mi = (int(g or 0) for g in m.groups()[1:6])
    seconds = float(m.group(7) or 0)
    micros = round(((h * 60 + mi) * 60 + seconds) * 1_000_000)
    return (sign * (y * 12 + mo), sign * d, sign * micros)


def canon_float(t: str, v):
    """NaN/Infinity arrive as strings; real is compared to 6 digits."""
    x = float(v)
    if x != x:
        return "NaN"
    return float(f"{x:.6g}") if t == "float4" else x


def event_scalar(col: Column, v):
    t = col.typname
    if t in ("date",):
        return EPOCH.date() + timedelta(days=v)
    if t == "timestamp":
        unit = "milliseconds" if 0 <= col.typmod <= 3 else "microseconds"
        return EPOCH + timedelta(**{unit: v})
    if t == "timestamptz":
        return datetime.fromisoformat(v).astimezone(timezone.utc)
    if t == "time":
        return (datetime.combine(EPOCH, time()) + timedelta(microseconds=v)).time()
    if t == "timetz":
        return time.fromisoformat(v.replace("Z", "+00:00"))
    if t in ("json", "jsonb"):
        return json.loads(v)
    if t == "bytea":
        return base64.b64decode(v)
    if t == "interval":
        return iso_interval(v)
    if t in ("float4", "float8"):
        return canon_float(t, v)
    if t == "uuid":
        return v.lower()
    return v


def db_scalar(col: Column, v):
    t = col.typname
    if t == "numeric":
        return format(v, "f")
    if t == "timestamptz":
        return v.astimezone(timezone.utc)
    if t == "timetz":
        return v.replace(tzinfo=timezone.utc) if v.tzinfo is None else \
            (datetime.combine(EPOCH, v).astimezone(timezone.utc).timetz())
    if t == "bytea":
        return bytes(v)
    if t == "interval":
        return iso_interval(v)  # loaded as text with IntervalStyle iso_8601
    if t in ("float4", "float8"):
        return canon_float(t, v)
    if t in ("uuid",):
        return str(v).lower()
    if t in ("json", "jsonb", "text", "varchar", "bpchar", "bool", "int2", "int4", "int8",
             "date", "timestamp", "time"):
        return v
    return v if isinstance(v, (str, int, float, bool, dict, list)) else str(v)


def canon(col: Column, v, scalar):
    if v is None or v == PLACEHOLDER:
        return v
    if col.is_array:
        return [canon(Column(col.name, col.typname, False, col.typmod, col.storage), x, scalar) for x in v]
    return scalar(col, v)


def canon_event(col: Column, v):
    return canon(col, v, event_scalar)


def canon_db(col: Column, v):
    return canon(col, v, db_scalar)


def show(v, limit: int = 70) -> str:
    text = v.isoformat() if hasattr(v, "isoformat") else repr(v)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"


def describe(got, want, other: str) -> str:
    if isinstance(got, str) and isinstance(want, str) and max(len(got), len(want)) > 70:
        at = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        return (f"event ({len(got)} chars) != {other} ({len(want)} chars), first difference at char {at}: "
                f"{got[at:at + 20]!r} vs {want[at:at + 20]!r}")
    return f"event {show(got)} != {other} {show(want)}"


# ---------------------------------------------------------------- replay

def key_of(table: Table, key: dict | None, image: dict | None) -> tuple:
    source = key or image or {}
    return tuple(canon_event(table.columns[c], source.get(c)) for c in table.pk)


def replay(changes: list[dict], tables: dict[str, Table]):
    """Apply events in order. Returns per table {key: (last op, merged row)}
    and the problems found in before-images along the way."""
    state: dict[str, dict[tuple, tuple[str, dict | None]]] = defaultdict(dict)
    before_problems = []
    for ev in changes:
        table = tables.get(ev["table"])
        if table is None:
            continue
        rows = state[table.name]
        if ev["op"] == "t":
            for key in rows:
                rows[key] = ("t", None)
            continue
        key = key_of(table, ev["key"], ev["after"] or ev["before"])
        previous = rows.get(key, (None, None))[1]
        if ev["op"] in ("u", "d") and ev["before"] and previous and table.replident == "f":
            before_problems += compare_images(table, ev["before"], previous, f"{ev['op']} before-image", key)
        if ev["op"] == "d":
            rows[key] = ("d", None)
            continue
        merged = dict(ev["after"])
        for col, value in merged.items():
            if value == PLACEHOLDER and previous and previous.get(col) not in (None, PLACEHOLDER):
                merged[col] = previous[col]
        rows[key] = (ev["op"], merged)
    return state, before_problems


def compare_images(table: Table, event_row: dict, other: dict, what: str, key: tuple, other_is_db=False) -> list[str]:
    """Column-by-column comparison of an event image with a DB row (or with
    the image replayed so far)."""
    problems = []
    for name, col in table.columns.items():
        if name not in event_row:
            problems.append(f"{table.name} {key}: {what}: column {name} absent from event")
            continue
        try:
            got = canon_event(col, event_row[name])
        except (ValueError, TypeError, OverflowError) as exc:
            problems.append(f"{table.name} {key}: {what}: column {name} ({col.typname}): "
                            f"cannot read event value {show(event_row[name])}: {exc}")
            continue
        if got == PLACEHOLDER:
            problems.append(f"{table.name} {key}: {what}: column {name} only known as {PLACEHOLDER}")
            continue
        want = canon_db(col, other.get(name)) if other_is_db else canon_event(col, other.get(name))
        if got != want:
            problems.append(f"{table.name} {key}: {what}: column {name}: "
                            + describe(got, want, "table" if other_is_db else "previous image"))
    for name in set(event_row) - set(table.columns):
        problems.append(f"{table.name} {key}: {what}: event has column {name} unknown to the table")
    return problems


# ---------------------------------------------------------------- checks

def check_rows(conn, tables, state, changes, report: Report) -> None:
    problems = []
    unknown = Counter(ev["table"] for ev in changes if ev["table"] not in tables)
    for name, n in unknown.items():
        problems.append(f"{n} events for {name}, which is not in the publication")
    summary = []
    for table in tables.values():
        if not table.pk:
            problems.append(f"{table.name}: no primary key, rows cannot be matched")
            continue
        db_rows = load_rows(conn, table)
        replayed = state.get(table.name, {})
        for key in sorted(set(db_rows) | set(replayed), key=repr):
            op, image = replayed.get(key, (None, None))
            if op is None:
                problems.append(f"{table.name} {key}: row exists in the table but no event has this key")
            elif image is None and key in db_rows:
                problems.append(f"{table.name} {key}: last event is op={op} (deleted) but the row exists")
            elif image is not None and key not in db_rows:
                problems.append(f"{table.name} {key}: last event is op={op} but the row is not in the table")
            elif image is not None:
                problems += compare_images(table, image, db_rows[key], f"last event op={op}", key, other_is_db=True)
        gone = sum(1 for op, image in replayed.values() if image is None)
        summary.append(f"{table.name}: {len(db_rows)} rows, {len(replayed)} keys in events ({gone} deleted)")
    report.section("rows", problems, "; ".join(summary))


# A daily partition of hospital.sinais_vitais (sql/vitais.sql), named after its table.
PARTITION = re.compile(r"^(hospital[.]sinais_vitais)_p[0-9]{8}$")


def check_counts(expected_path: Path, tables, changes, messages, report: Report) -> None:
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    expected_messages = expected.pop("messages", None)
    actual = defaultdict(Counter)
    for ev in changes:
        # The worker counts a partition's changes as its table's (publish_via_partition_root off).
        actual[PARTITION.sub(r"\1", ev["table"])][ev["op"]] += 1
    problems, lines = [], []
    for name in sorted(set(expected) | set(actual)):
        want, got = expected.get(name, {}), actual.get(name, Counter())
        ops = list(STREAM_OPS) + (["r"] if "r" in want else [])
        cells = []
        for op in ops:
            cells.append(f"{op}={got[op]}/{want.get(op, 0)}")
            if got[op] != want.get(op, 0):
                problems.append(f"{name}: op {op}: {got[op]} events captured, {want.get(op, 0)} expected")
        if "r" not in want:
            cells.append(f"(r={got['r']})")
        lines.append(f"{name} " + " ".join(cells))
    if expected_messages is not None:
        got_messages = Counter(m["prefix"] for m in messages)
        for prefix in sorted(set(expected_messages) | set(got_messages)):
            if got_messages[prefix] != expected_messages.get(prefix, 0):
                problems.append(f"messages with prefix {prefix!r}: {got_messages[prefix]} captured, "
                                f"{expected_messages.get(prefix, 0)} expected")
        lines.append("messages " + " ".join(f"{p}={n}" for p, n in sorted(got_messages.items())))
    report.section("counts", problems, "captured/expected: " + "; ".join(lines))


def check_replica_identity(mode: str, expect_placeholder: list[str], tables, changes,
                           before_problems: list[str], report: Report) -> None:
    problems = []
    wanted = {"full": "f", "default": "d"}[mode]
    for table in tables.values():
        if table.replident != wanted:
            problems.append(f"{table.name}: REPLICA IDENTITY is {table.replident!r} in the database, "
                            f"verifying as {mode}")
    placeholders = Counter()
    checked = 0
    for ev in changes:
        table = tables.get(ev["table"])
        if table is None or ev["op"] not in ("c", "r", "u", "d"):
            continue
        for image_name in ("before", "after"):
            for col, value in (ev[image_name] or {}).items():
                if value != PLACEHOLDER:
                    continue
                placeholders[f"{table.name}.{col}"] += 1
                where = f"{table.name} op={ev['op']} lsn={ev['source'].get('lsn')}: {col} in {image_name}"
                if mode == "full":
                    problems.append(f"{where} is {PLACEHOLDER} despite REPLICA IDENTITY FULL")
                elif ev["op"] != "u" or image_name != "after":
                    problems.append(f"{where} is {PLACEHOLDER}: only `after` of updates may omit values")
                elif table.columns.get(col) and table.columns[col].storage not in "ex":
                    problems.append(f"{where} is {PLACEHOLDER} but the column cannot be TOASTed out of line")
        if mode == "full" and ev["op"] in ("u", "d"):
            checked += 1
            before = ev["before"]
            if not before:
                problems.append(f"{table.name} op={ev['op']} lsn={ev['source'].get('lsn')}: no before-image")
            elif missing := [c for c in table.columns if c not in before]:
                problems.append(f"{table.name} op={ev['op']}: before-image lacks {missing}")
    if mode == "full":
        problems += before_problems
    for target in expect_placeholder:
        if not placeholders[target]:
            problems.append(f"{target}: expected {PLACEHOLDER} in at least one update, found none")
    found = ", ".join(f"{k}={n}" for k, n in sorted(placeholders.items())) or "none"
    detail = (f"{checked} update/delete events with full before-images" if mode == "full"
              else "placeholders only in `after` of updates")
    report.section(f"replica identity {mode}", problems, f"{detail}; placeholders: {found}")


# ---------------------------------------------------------------- main

def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", required=True, type=Path, help="JSONL written by capture.py")
    p.add_argument("--host", default="localhost")
    p.add_argument("--port", type=int, default=5432)
    p.add_argument("--dbname", required=True)
    p.add_argument("--user", default="postgres")
    p.add_argument("--password")
    p.add_argument("--publication", default="alimentador_pub")
    p.add_argument("--expected", type=Path, help="expected event counts per table and op (JSON)")
    p.add_argument("--replica-identity", choices=("full", "default"))
    p.add_argument("--expect-placeholder", action="append", default=[], metavar="SCHEMA.TABLE.COLUMN",
                   help="with --replica-identity default: this column must show the placeholder")
    return p.parse_args()


def connect(args):
    conn = psycopg.connect(host=args.host, port=args.port, dbname=args.dbname, user=args.user,
                           password=args.password, autocommit=True)
    conn.execute("SET IntervalStyle = iso_8601")
    conn.adapters.register_loader("interval", TextLoader)
    return conn


def main() -> int:
    args = parse_args()
    changes, messages, duplicates = load_events(args.events)
    report = Report()
    print(f"== verify {args.events}: {len(changes)} change events, {len(messages)} messages"
          f" ({duplicates} verbatim repeats ignored) against {args.dbname}@{args.host}:{args.port}")
    with connect(args) as conn:
        tables = load_catalog(conn, args.publication)
        if not tables:
            report.section("publication", [f"publication {args.publication} is missing or empty"], "")
        state, before_problems = replay(changes, tables)
        check_rows(conn, tables, state, changes, report)
    if args.expected:
        check_counts(args.expected, tables, changes, messages, report)
    if args.replica_identity:
        check_replica_identity(args.replica_identity, args.expect_placeholder, tables, changes,
                               before_problems, report)
    if report.problems:
        print(f"RESULT: FAILED ({len(report.problems)} problem(s))")
        return 1
    print("RESULT: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
