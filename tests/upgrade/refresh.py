#!/usr/bin/env python3
"""Keeps the second part of sql/alimentador--0.1.0--0.2.0.sql equal to the current version's install
script from its `cdc` block on (the part the upgrade creates as a fresh install does), until 0.2.0 is
released. 0.1.0 already has hospital.pulso with its row, so that table's block is left out. What
comes before the `cdc` block and after the line `-- (end of 0.2.0's install script…` is the
upgrade's own and is kept.

  refresh.py GENERATED UPGRADE          rewrites UPGRADE's second part from GENERATED (the install
                                        script pgrx generates: `cargo pgrx schema`, or the package's
                                        alimentador--<version>.sql)
  refresh.py --check GENERATED UPGRADE  exits 1, saying what to run, when they differ
"""
import re
import sys

MARKER = "-- src/schema.rs:9\n"  # the `cdc` block (src/schema.rs includes sql/cdc.sql there)
END = "\n-- (end of 0.2.0's install script"  # what follows is the upgrade's own again
PULSO = re.compile(r"CREATE TABLE hospital\.pulso \(.*?INSERT INTO hospital\.pulso DEFAULT VALUES;\n", re.S)
KEPT = "-- (hospital.pulso: 0.1.0 has it, with its row)\n"


def tail_of(generated):
    if MARKER not in generated:
        raise SystemExit(f"refresh.py: no {MARKER.strip()!r} in the generated script")
    tail = generated[generated.index(MARKER):]
    tail, n = PULSO.subn(KEPT, tail, count=1)
    if n != 1:
        raise SystemExit("refresh.py: hospital.pulso's block not found in the generated script")
    return tail


def blocks(script):
    """The script cut where pgrx begins and ends each block of connected objects (the SQL files'
    blocks stand between them)."""
    parts = re.split(r"/\* <begin connected objects> \*/|/\* </end connected objects> \*/", script)
    # A build with the pg_test feature (the tests' own debug package) adds the #[pg_test] functions
    # in schema tests: not part of what ships.
    return [b.strip() for b in parts if b.strip() and not b.strip().startswith("-- src/tests.rs:")]


def main():
    check = sys.argv[1:2] == ["--check"]
    args = sys.argv[2:] if check else sys.argv[1:]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    generated, upgrade = (open(a, encoding="utf-8").read() for a in args)
    if MARKER not in upgrade or END not in upgrade:
        raise SystemExit(f"refresh.py: {args[1]} lacks the line {MARKER.strip()!r} or {END.strip()!r}")
    head, trailer = upgrade[:upgrade.index(MARKER)], upgrade[upgrade.index(END):]
    wanted = head + tail_of(generated).rstrip("\n") + "\n" + trailer
    if check:
        # pgrx may order blocks that do not depend on each other differently from one build to the
        # next: the same blocks in any order are the same script.
        if sorted(blocks(wanted)) != sorted(blocks(upgrade)):
            print(f"{args[1]} is not the current install script from its cdc block on: "
                  f"run tests/upgrade/refresh.py <generated install script> {args[1]}")
            return 1
        return 0
    open(args[1], "w", encoding="utf-8").write(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
