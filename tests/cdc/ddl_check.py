#!/usr/bin/env python3
"""Checks a Debezium capture (schema envelope on, one value per line, as tests/cdc/stream_lib.sh writes
raw.jsonl) of the `ddl` profile against the source's schema history (JSON on stdin: a list of
{"tabela", "mudanca", "lsn"}): the schema Debezium reports for each changed table before and after the
change, the new table's events, and one alimentador.ddl message pair per change. Prints one line per
check; exits 1 if any fails."""
import base64
import json
import sys

history = json.load(sys.stdin)
first, last = {}, {}  # table -> value schema fields of its first / last row event
messages = []
for line in open(sys.argv[1], encoding="utf-8"):
    value = json.loads(line)
    payload, schema = value.get("payload") or {}, value.get("schema") or {}
    op = payload.get("op")
    if op == "m":
        msg = payload.get("message") or {}
        if msg.get("prefix") == "alimentador.ddl":
            messages.append(json.loads(base64.b64decode(msg["content"])))
        continue
    table = (payload.get("source") or {}).get("table")
    if op not in ("c", "u", "r") or table is None:
        continue
    fields = next(f["fields"] for f in schema["fields"] if f["field"] == "after")
    first.setdefault(table, fields)
    last[table] = fields


def field(fields, name):
    return next((f for f in fields if f["field"] == name), None)


failed = 0


def check(what, ok):
    global failed
    print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    failed += not ok


applied = {h["mudanca"] for h in history}
check("the seven changes were applied during the capture", len(applied) == 7)
check("nome_social: absent from the first pacientes events, an optional string in the last",
      field(first["pacientes"], "nome_social") is None
      and (field(last["pacientes"], "nome_social") or {}).get("optional") is True
      and field(last["pacientes"], "nome_social")["type"] == "string")
check("teleconsulta: absent from the first consultas events, a boolean in the last",
      field(first["consultas"], "teleconsulta") is None
      and (field(last["consultas"], "teleconsulta") or {}).get("type") == "boolean")
# The harness captures with decimal.handling.mode=string (tests/cdc/dbzconfig.py): numeric(10,2) ->
# numeric(12,2) leaves the value schema as it was (with precise it would change the Decimal's
# connect.decimal.precision parameter); the values keep their scale.
check("valor: numeric(12,2) keeps its schema (a string: decimal.handling.mode=string)",
      field(first["consultas"], "valor") == field(last["consultas"], "valor")
      and field(last["consultas"], "valor")["type"] == "string")
check("prescricoes: its own events, with the table's seven columns",
      "prescricoes" in last and [f["field"] for f in last["prescricoes"]]
      == ["id", "consulta_id", "medicamento", "posologia", "dias", "created_at", "updated_at"])
pairs = [(m["mudanca"], m["momento"]) for m in messages if m["fase"] == "mudanca"]
check("each change arrived between its two alimentador.ddl messages",
      sorted(pairs) == sorted([(c, "inicio") for c in applied] + [(c, "fim") for c in applied]))
sys.exit(1 if failed else 0)
