#!/usr/bin/env python3
"""Load examples/debezium/application.properties and keep the Kafka Connect
JSON (examples/debezium/postgres-connector.json) consistent with it.

Standard library only: `python3 dbzconfig.py --check` runs without the venv.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROPERTIES = REPO / "examples" / "debezium" / "application.properties"
CONNECTOR_JSON = REPO / "examples" / "debezium" / "postgres-connector.json"

SOURCE_PREFIX = "debezium.source."
FORMAT_PREFIX = "debezium.format."
JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"
# Engine/worker settings: Kafka Connect keeps offsets in a topic of its own.
ENGINE_ONLY = {"offset.storage", "offset.storage.file.filename", "offset.flush.interval.ms"}
# Kafka Connect settings with no Debezium Server counterpart.
CONNECT_ONLY = {"tasks.max": "1"}


def read_properties(path: Path = PROPERTIES) -> dict[str, str]:
    """Parse a Java properties file (the subset used here: key=value lines,
    # and ! comments; no line continuations, no escapes)."""
    props: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        if line.endswith("\\") or "=" not in line:
            raise ValueError(f"{path}:{number}: unsupported properties syntax: {raw!r}")
        key, value = line.split("=", 1)
        props[key.strip()] = value.strip()
    return props


def engine_properties(props: dict[str, str]) -> dict[str, str]:
    """Debezium Server keys -> embedded engine / connector keys."""
    out: dict[str, str] = {}
    for key, value in props.items():
        if key.startswith(SOURCE_PREFIX):
            out[key[len(SOURCE_PREFIX):]] = value
        elif key.startswith(FORMAT_PREFIX):
            rest = key[len(FORMAT_PREFIX):]
            side, _, option = rest.partition(".")
            if side not in ("key", "value"):
                raise ValueError(f"unsupported format setting {key}")
            if not option:
                if value != "json":
                    raise ValueError(f"{key}={value}: the harness only reads json")
                continue
            out[f"{side}.converter.{option}"] = value
    return out


def connect_config(props: dict[str, str]) -> dict[str, str]:
    """The Kafka Connect connector config that the properties file implies."""
    config = {k: v for k, v in engine_properties(props).items() if k not in ENGINE_ONLY}
    config.update(CONNECT_ONLY)
    config["key.converter"] = JSON_CONVERTER
    config["value.converter"] = JSON_CONVERTER
    return config


def differences(props_path: Path = PROPERTIES, json_path: Path = CONNECTOR_JSON) -> list[str]:
    want = connect_config(read_properties(props_path))
    have = json.loads(json_path.read_text(encoding="utf-8"))["config"]
    problems = []
    for key in sorted(set(want) | set(have)):
        if key not in have:
            problems.append(f"{key}: missing from {json_path.name} (properties: {want[key]!r})")
        elif key not in want:
            problems.append(f"{key}: only in {json_path.name} ({have[key]!r})")
        elif str(have[key]) != want[key]:
            problems.append(f"{key}: {json_path.name} has {have[key]!r}, properties have {want[key]!r}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare the two example files")
    parser.add_argument("--print", action="store_true", help="print the engine properties")
    args = parser.parse_args()
    if args.print:
        for key, value in engine_properties(read_properties()).items():
            print(f"{key}={value}")
    if args.check:
        problems = differences()
        for problem in problems:
            print(f"config mismatch: {problem}")
        if problems:
            return 1
        print(f"config ok: {PROPERTIES.name} and {CONNECTOR_JSON.name} agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
