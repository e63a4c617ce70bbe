#!/usr/bin/env python3
"""The alimentador table digest in Python (standard library only).

Same result as alimentador_digest() in the database, tools/digest/postgres.sql and
tools/digest/duckdb.sql; the canonical encoding is specified in docs/src/digest.md:

    row    -> every column in the source table's attnum order as b"<byte length>:<value>", or b"-"
              for NULL, concatenated (UTF-8)
    hash   -> the first 16 hex digits of md5(row) as an unsigned 64-bit number
    digest -> the sum of the rows' hashes mod 2**64, as 16 lowercase hex digits
              (commutative: the order of rows does not matter; a duplicate counts twice)

As a module:

    from digest import row_digest, table_digest, canonical
    types = {"id": "int8", "cpf": "bpchar", "valor": "numeric", "data": "timestamptz"}
    h = row_digest({"id": 1, "cpf": "12345678901", "valor": Decimal("150.00"), "data": "..."}, types)
    linhas, digest = table_digest(rows, types)   # rows: mappings or sequences in column order

`types` maps each column, in the source's column order, to its PostgreSQL type name (as in
pg_type.typname: int8, text, varchar, bpchar, numeric, bool, uuid, date, timestamptz, timestamp,
jsonb, ...). Values may be Python objects (int, str, bool, Decimal, date, datetime, UUID, dict/list
for jsonb) or the strings a CDC pipeline delivers (Debezium: numeric in decimal.handling.mode=string,
ZonedTimestamp strings, padded char(n), the jsonb text; an int for io.debezium.time.Date).
A float is refused for numeric: it has lost the scale (1.50 vs 1.5).

As a command, over JSON lines (one JSON object per row, e.g. psql -c "SELECT row_to_json(r) FROM t r"):

    digest.py --types id=int8,cpf=bpchar,valor=numeric,... rows.jsonl

prints `<rows> <digest>`. JSON numbers are read as Decimal, so numeric keeps its scale.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import sys
import uuid
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

__all__ = ["canonical", "encode_row", "row_digest", "table_digest", "jsonb_text", "MOD"]

MOD = 1 << 64
_EPOCH = dt.date(1970, 1, 1)
_TS = re.compile(
    r"^(?P<date>[0-9]{4,}-[0-9]{2}-[0-9]{2})[T ](?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?:\.(?P<frac>[0-9]{1,9}))?(?P<tz>Z|[+-][0-9]{2}(?::?[0-9]{2}(?::?[0-9]{2})?)?)?$")
_INT_TYPES = {"int2", "int4", "int8", "smallint", "integer", "bigint", "oid"}
_TEXT_TYPES = {"text", "varchar", "name", "character varying", "citext"}


class DigestError(ValueError):
    """A value that cannot be encoded without guessing (wrong type, lost precision)."""


def _fraction(frac: str | None, value: str) -> str:
    frac = (frac or "").ljust(6, "0")
    if frac[6:].strip("0"):
        raise DigestError(f"{value!r}: more precision than microseconds")
    return frac[:6]


def _timestamp(value: Any, with_zone: bool) -> str:
    if isinstance(value, str):
        if value in ("infinity", "-infinity"):
            return value
        m = _TS.match(value.strip())
        if not m:
            raise DigestError(f"{value!r} is not an ISO timestamp")
        frac = _fraction(m.group("frac"), value)
        tz = m.group("tz")
        if not with_zone:
            if tz:
                raise DigestError(f"{value!r}: a timestamp without time zone has no offset")
            return f"{m.group('date')}T{m.group('time')}.{frac}"
        if not tz:
            raise DigestError(f"{value!r}: a timestamptz needs its offset (or Z)")
        if tz == "Z":
            tz = "+00:00"
        sign, digits = tz[0], tz[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[0:2]), minutes=int(digits[2:4] or 0),
                              seconds=int(digits[4:6] or 0))
        local = dt.datetime.fromisoformat(f"{m.group('date')}T{m.group('time')}")
        value = (local - offset if sign == "+" else local + offset).replace(
            microsecond=int(frac), tzinfo=dt.timezone.utc)
    if isinstance(value, int) and not isinstance(value, bool) and not with_zone:
        # io.debezium.time.MicroTimestamp: microseconds since the epoch, no zone.
        value = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=value)
    if not isinstance(value, dt.datetime):
        raise DigestError(f"{value!r} is not a timestamp")
    if with_zone:
        if value.tzinfo is None or value.utcoffset() is None:
            raise DigestError(f"{value!r}: a timestamptz needs an aware datetime")
        value = value.astimezone(dt.timezone.utc)
    elif value.tzinfo is not None:
        raise DigestError(f"{value!r}: a timestamp without time zone must be naive")
    v = value
    return (f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}"
            f".{v.microsecond:06d}" + ("Z" if with_zone else ""))


def _numeric(value: Any) -> str:
    if isinstance(value, bool) or isinstance(value, float):
        raise DigestError(f"{value!r}: numeric needs an exact value (Decimal, int or str), a float "
                          "has lost its scale")
    d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    if d.is_nan():
        return "NaN"
    if d.is_infinite():
        return "-Infinity" if d < 0 else "Infinity"
    text = format(d, "f")
    # PostgreSQL has no negative zero: -0.00 prints as 0.00.
    return text[1:] if d.is_zero() and text.startswith("-") else text


def _bool(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.lower() in ("t", "true", "f", "false"):
        return "true" if value.lower() in ("t", "true") else "false"
    raise DigestError(f"{value!r} is not a boolean")


def _date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        raise DigestError(f"{value!r}: a date column needs a date, not a datetime")
    if isinstance(value, int) and not isinstance(value, bool):
        value = _EPOCH + dt.timedelta(days=value)  # io.debezium.time.Date: days since the epoch
    if isinstance(value, str):
        if value in ("infinity", "-infinity"):
            return value
        value = dt.date.fromisoformat(value.strip())
    if not isinstance(value, dt.date):
        raise DigestError(f"{value!r} is not a date")
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _json_string(s: str) -> str:
    # PostgreSQL's escape_json(): \" \\ \b \f \n \r \t, other control characters as \u00xx, the
    # rest (non-ASCII included) as is. json.dumps(ensure_ascii=False) escapes exactly those.
    return json.dumps(s, ensure_ascii=False)


def jsonb_text(value: Any) -> str:
    """PostgreSQL's jsonb text output of a parsed JSON value: object keys ordered by byte length,
    then bytes; ", " and ": " separators; numbers as numeric prints them (parse with
    parse_float=Decimal to keep 1.50)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, (int, Decimal)):
        return _numeric(value)
    if isinstance(value, float):
        raise DigestError("jsonb numbers must be parsed as Decimal (json.loads(..., parse_float=Decimal))")
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(jsonb_text(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (len(k.encode()), k.encode()))
        return "{" + ", ".join(f"{_json_string(k)}: {jsonb_text(value[k])}" for k in keys) + "}"
    raise DigestError(f"{value!r} is not a JSON value")


def canonical(value: Any, typ: str) -> str | None:
    """The canonical text of one value of PostgreSQL type `typ`, or None for NULL."""
    if value is None:
        return None
    t = typ.lower()
    if t in ("bpchar", "char", "character"):
        # char(n): trailing spaces are not significant in PostgreSQL; Debezium delivers them padded.
        return str(value).rstrip(" ")
    if t in _TEXT_TYPES:
        if not isinstance(value, str):
            raise DigestError(f"{value!r}: a {typ} column needs a str")
        return value
    if t in _INT_TYPES:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise DigestError(f"{value!r} is not an integer")
        return str(int(value))
    if t in ("numeric", "decimal"):
        return _numeric(value)
    if t in ("bool", "boolean"):
        return _bool(value)
    if t == "uuid":
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
    if t == "date":
        return _date(value)
    if t in ("timestamptz", "timestamp with time zone"):
        return _timestamp(value, True)
    if t in ("timestamp", "timestamp without time zone"):
        return _timestamp(value, False)
    if t in ("jsonb", "json"):
        # The jsonb text as PostgreSQL (and Debezium) gives it is kept byte for byte; a parsed value
        # is printed the way jsonb prints it. (A json column keeps its input text: pass the string.)
        return value if isinstance(value, str) else jsonb_text(value)
    if isinstance(value, str):
        return value  # other types: their PostgreSQL text output (docs/src/digest.md)
    raise DigestError(f"type {typ!r} has no rule here: pass PostgreSQL's text output as a str")


def encode_row(values: Mapping[str, Any] | Sequence[Any], types: Mapping[str, str] | Sequence[str]) -> bytes:
    """The byte string of one row: columns in `types` order, <byte length>:<value> or - for NULL."""
    names = list(types.keys()) if isinstance(types, Mapping) else None
    typs = list(types.values()) if isinstance(types, Mapping) else list(types)
    if isinstance(values, Mapping):
        if names is None:
            raise DigestError("a row given as a mapping needs types as a mapping (column -> type)")
        missing = [n for n in names if n not in values]
        if missing:
            raise DigestError(f"row lacks columns {missing}")
        seq = [values[n] for n in names]
    else:
        seq = list(values)
        if len(seq) != len(typs):
            raise DigestError(f"row has {len(seq)} values for {len(typs)} columns")
    out = bytearray()
    for v, t in zip(seq, typs):
        c = canonical(v, t)
        if c is None:
            out += b"-"
        else:
            b = c.encode("utf-8")
            out += str(len(b)).encode() + b":" + b
    return bytes(out)


def row_digest(values_by_column: Mapping[str, Any] | Sequence[Any],
               types: Mapping[str, str] | Sequence[str]) -> int:
    """The row's number: the first 16 hex digits of md5(encode_row(...)), unsigned 64-bit."""
    return int(hashlib.md5(encode_row(values_by_column, types)).hexdigest()[:16], 16)


def table_digest(rows: Iterable[Any], types: Mapping[str, str] | Sequence[str] | None = None) -> tuple[int, str]:
    """(rows, digest) of an iterable of rows: each a row_digest() number already (int), or values
    encoded with `types`. The digest is the sum mod 2**64 as 16 lowercase hex digits."""
    n = total = 0
    for r in rows:
        total += r if isinstance(r, int) and types is None else row_digest(r, types)
        n += 1
    return n, f"{total % MOD:016x}"


def _main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Digest of a table given as JSON lines (docs/src/digest.md).")
    p.add_argument("--types", required=True,
                   help="column=type,... in the source table's column order, e.g. id=int8,cpf=bpchar")
    p.add_argument("file", nargs="?", default="-", help="JSON lines, one object per row (default stdin)")
    a = p.parse_args(argv)
    types: dict[str, str] = {}
    for item in a.types.split(","):
        name, _, typ = item.partition("=")
        if not typ:
            p.error(f"--types: {item!r} is not column=type")
        types[name.strip()] = typ.strip()
    f = sys.stdin if a.file == "-" else open(a.file, encoding="utf-8")
    with f:
        rows = (json.loads(line, parse_float=Decimal) for line in f if line.strip())
        n, d = table_digest(rows, types)
    print(n, d)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
