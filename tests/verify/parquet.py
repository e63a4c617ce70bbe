"""A Parquet sink for tests/verify/run.sh: writes each hospital table of a PostgreSQL database as
DIR/<table>.parquet with the types a sink would use (tests/digest/duck.py's export), optionally
without the row of the highest id of one table (a row missing in the sink).

    python parquet.py DB DIR [--drop-last TABLE] TABLE...   (PGHOST/PGPORT/PGUSER from the environment)
"""
import os
import sys

import duckdb

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "digest"))
from duck import export_parquet  # noqa: E402


def main():
    db, out, *rest = sys.argv[1:]
    drop = None
    if rest[:1] == ["--drop-last"]:
        drop, rest = rest[1], rest[2:]
    con = duckdb.connect()
    for t in rest:
        where = "id <> (SELECT max(id) FROM r)" if t == drop else ""
        export_parquet(con, db, t, os.path.join(out, t + ".parquet"), where)


if __name__ == "__main__":
    main()
