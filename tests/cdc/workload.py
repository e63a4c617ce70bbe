#!/usr/bin/env python3
"""Toy hospital workload for selftest.sh: creates a two-table `hospital`
schema and runs scripted batches of DML, adding the number of rows each
committed statement touched to an expected-counts JSON for verify.py.

  workload.py CONN schema --replica-identity full|default --expected FILE
  workload.py CONN batch N --expected FILE
  workload.py CONN mark TEXT --expected FILE --events EVENTS [--timeout S]
  workload.py bump EXPECTED OUT        (a deliberately wrong copy)
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import psycopg

APP_PREFIX = "alimentador"
MARK_PREFIX = "alimentador_selftest"
LONG = "repeat(md5(random()::text), 110)"  # ~3.5 kB, incompressible enough

SCHEMA = """
DROP SCHEMA IF EXISTS hospital CASCADE;
DROP PUBLICATION IF EXISTS alimentador_pub;
CREATE SCHEMA hospital;
CREATE TABLE hospital.pacientes (
    id bigserial PRIMARY KEY,
    nome text NOT NULL,
    saldo numeric(10,2),
    ficha jsonb,
    codigo uuid DEFAULT gen_random_uuid(),
    criado_em timestamptz DEFAULT now(),
    nascimento date,
    ativo boolean DEFAULT true,
    prontuario text
);
CREATE TABLE hospital.consultas (
    id bigserial PRIMARY KEY,
    paciente_id bigint,
    valor numeric(10,2),
    detalhes jsonb,
    protocolo uuid,
    agendada_para timestamptz,
    data date,
    realizada boolean,
    anotacoes text,
    tags text[],
    duracao interval,
    registrada timestamp(3),
    hora time
);
-- out of line and uncompressed: values over ~2 kB always go to TOAST
ALTER TABLE hospital.pacientes ALTER COLUMN prontuario SET STORAGE EXTERNAL;
ALTER TABLE hospital.consultas ALTER COLUMN anotacoes SET STORAGE EXTERNAL;
CREATE PUBLICATION alimentador_pub FOR TABLE hospital.pacientes, hospital.consultas;
"""

CONSULTAS = f"""INSERT INTO hospital.consultas (paciente_id, valor, detalhes, protocolo, agendada_para, data,
                realizada, anotacoes, tags, duracao, registrada, hora)
        SELECT 1 + mod(i, 3), 150.00 + i, '{{"sala": 3, "obs": "retorno", "peso": 72.5}}', gen_random_uuid(),
               timestamptz '2024-03-01 08:30:00.123456-03' + i * interval '1 day', date '2024-03-01' + i,
               false, {LONG}, ARRAY['cardio', 'sus', NULL], interval '1 hour 30 minutes' * i - interval '2 days',
               timestamp '2024-03-01 08:00:00.789' + i * interval '1 ms', time '08:30:15.25'
          FROM generate_series(1, %d) i"""

SEED = [[
    f"""INSERT INTO hospital.pacientes (nome, saldo, ficha, nascimento, prontuario)
        SELECT 'Paciente ' || i, i * 10.25, jsonb_build_object('alergias', jsonb_build_array('dipirona'), 'n', i),
               date '1980-01-01' + i * 400, {LONG} FROM generate_series(1, 3) i""",
    CONSULTAS % 4,
]]

# Each batch: a list of transactions; a transaction is a list of SQL strings
# ("ROLLBACK" as the last item rolls it back and nothing is counted).
BATCHES = {
    1: [
        ["INSERT INTO hospital.pacientes (nome, saldo, ficha) VALUES ('Novo A', 1.10, '{\"a\": 1}'), ('Novo B', 2.20, '[]')"],
        [f"""INSERT INTO hospital.consultas (paciente_id, valor, protocolo, data, realizada, anotacoes, tags)
             SELECT 4, 99.90, gen_random_uuid(), date '2024-05-05', true, {LONG}, ARRAY['x'] FROM generate_series(1, 3)"""],
        # does not touch the TOASTed prontuario: placeholder with REPLICA IDENTITY DEFAULT
        ["UPDATE hospital.pacientes SET saldo = saldo + 10.05 WHERE id = 1"],
        [f"UPDATE hospital.pacientes SET prontuario = {LONG} WHERE id = 2"],
        ["UPDATE hospital.consultas SET detalhes = jsonb_set(detalhes, '{sala}', '7'), realizada = true WHERE id IN (1, 2)"],
        ["DELETE FROM hospital.consultas WHERE id = 3"],
        ["INSERT INTO hospital.pacientes (nome) VALUES ('Fantasma')", "ROLLBACK"],
        ["SELECT pg_logical_emit_message(true, 'alimentador', 'lote 1 ✓ transacional')",
         "INSERT INTO hospital.pacientes (nome, ativo) VALUES ('Efemero', false)",
         "UPDATE hospital.pacientes SET nome = 'Efemero 2' WHERE nome = 'Efemero'",
         "DELETE FROM hospital.pacientes WHERE nome = 'Efemero 2'"],
        ["SELECT pg_logical_emit_message(false, 'alimentador', 'lote 1 fora de transacao')"],
    ],
    2: [  # while capture is stopped: must come from the slot on restart
        ["INSERT INTO hospital.pacientes (nome, saldo, nascimento) VALUES ('Offline', 0.01, date '2000-02-29')"],
        ["UPDATE hospital.consultas SET valor = 1234.56, hora = time '23:59:59.999999' WHERE id = 4"],
        ["DELETE FROM hospital.pacientes WHERE id = 3"],
    ],
    3: [
        ["UPDATE hospital.pacientes SET nome = 'Paciente 1 (editado)', ficha = ficha || '{\"alta\": true}' WHERE id = 1"],
        ["UPDATE hospital.pacientes SET saldo = NULL, ficha = 'null', ativo = NULL WHERE id = 4"],
        ["UPDATE hospital.consultas SET anotacoes = anotacoes || ' fim', duracao = interval '2 years 3 mons 4 days 05:06:07.5' WHERE id = 5"],
        ["TRUNCATE hospital.consultas"],
        [CONSULTAS % 2, "UPDATE hospital.consultas SET valor = 0.00, tags = '{}', agendada_para = NULL WHERE id = 8"],
        ["SELECT pg_logical_emit_message(true, 'alimentador', 'lote 3')"],
    ],
}

STATEMENT_RE = re.compile(r"^\s*(INSERT INTO|UPDATE|DELETE FROM|TRUNCATE)\s+([\w.]+)", re.I)
OPS = {"insert into": "c", "update": "u", "delete from": "d", "truncate": "t"}
MESSAGE_RE = re.compile(r"pg_logical_emit_message\((true|false), '([^']*)'")


def load(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def add(expected: dict, table: str, op: str, n: int) -> None:
    ops = expected.setdefault(table, {"c": 0, "u": 0, "d": 0, "t": 0})
    ops[op] = ops.get(op, 0) + n


def run_transactions(conn, transactions, expected: dict, op_override: str | None = None) -> None:
    for statements in transactions:
        pending = []
        with conn.cursor() as cur:
            cur.execute("BEGIN")
            for sql in statements:
                if sql == "ROLLBACK":
                    pending = [p for p in pending if p[0] == "message-nontx"]
                    cur.execute("ROLLBACK")
                    break
                cur.execute(sql)
                if m := STATEMENT_RE.match(sql):
                    op = op_override or OPS[m.group(1).lower()]
                    pending.append((m.group(2), op, 1 if op == "t" else cur.rowcount))
                elif m := MESSAGE_RE.search(sql):
                    pending.append(("message-nontx" if m.group(1) == "false" else "message", m.group(2), 1))
            else:
                cur.execute("COMMIT")
        for table, op, n in pending:
            if table.startswith("message"):
                messages = expected.setdefault("messages", {})
                messages[op] = messages.get(op, 0) + n
            else:
                add(expected, table, op, n)


def wait_for_message(events: Path, content: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if events.exists():
            for line in events.read_text(encoding="utf-8").splitlines():
                event = json.loads(line)
                if event.get("prefix") == MARK_PREFIX and event.get("content") == content:
                    return
        time.sleep(0.3)
    sys.exit(f"workload: marker {content!r} not captured within {timeout:g}s")


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "bump":
        expected = load(Path(sys.argv[2]))
        expected["hospital.pacientes"]["u"] += 1
        Path(sys.argv[3]).write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n")
        return 0
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", required=True)
    p.add_argument("--port", required=True, type=int)
    p.add_argument("--dbname", required=True)
    p.add_argument("--user", default="postgres")
    p.add_argument("--expected", required=True, type=Path)
    p.add_argument("command", choices=("schema", "batch", "mark"))
    p.add_argument("arg", nargs="?")
    p.add_argument("--replica-identity", choices=("full", "default"), default="full")
    p.add_argument("--events", type=Path)
    p.add_argument("--timeout", type=float, default=120)
    args = p.parse_args()

    expected = {} if args.command == "schema" else load(args.expected)
    with psycopg.connect(host=args.host, port=args.port, dbname=args.dbname, user=args.user,
                         autocommit=True) as conn:
        if args.command == "schema":
            conn.execute(SCHEMA)
            for table in ("pacientes", "consultas"):
                conn.execute(f"ALTER TABLE hospital.{table} REPLICA IDENTITY {args.replica_identity.upper()}")
            run_transactions(conn, SEED, expected, op_override="r")
        elif args.command == "batch":
            run_transactions(conn, BATCHES[int(args.arg)], expected)
        else:
            run_transactions(conn, [[f"SELECT pg_logical_emit_message(true, '{MARK_PREFIX}', '{args.arg}')"]],
                             expected)
    args.expected.write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n")
    if args.command == "mark":
        wait_for_message(args.events, args.arg, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
