"""A Parquet sink for tests/verify/run.sh: writes each hospital table of a PostgreSQL database as
DIR/<table>.parquet with the types a sink would use (as tests/digest/duck.py does), optionally
without the row of the highest id of one table (a row missing in the sink).

    python parquet.py DB DIR [--drop-last TABLE] TABLE...   (PGHOST/PGPORT/PGUSER from the environment)
"""
import os
import sys

import duckdb

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "digest"))
from duck import TYPES, psql  # noqa: E402


def main():
    db, out, *rest = sys.argv[1:]
    drop = None
    if rest[:1] == ["--drop-last"]:
        drop, rest = rest[1], rest[2:]
    con = duckdb.connect()
    for t in rest:
        cols = [line.split("\t") for line in psql(db, "-F", "\t", "-c", f"""
            SELECT a.attname, ty.typname, pg_catalog.format_type(a.atttypid, a.atttypmod)
            FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
            WHERE a.attrelid = 'hospital.{t}'::regclass AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum""").splitlines()]
        spec = {n: (fmt.replace("numeric", "DECIMAL") if typ == "numeric" else TYPES[typ]) for n, typ, fmt in cols}
        csv = os.path.join(out, f"{t}.csv")
        psql(db, "-c", f"\\copy hospital.{t} TO '{csv}' WITH (FORMAT csv)")
        where = "WHERE id <> (SELECT max(id) FROM r)" if t == drop else ""
        con.execute(f"""COPY (WITH r AS (SELECT * FROM read_csv(?, columns = {spec!r}, header = false,
                                   auto_detect = false, quote = '"', escape = '"', allow_quoted_nulls = false))
                              SELECT * FROM r {where})
                        TO '{os.path.join(out, t + '.parquet')}' (FORMAT parquet)""", [csv])
        os.unlink(csv)


if __name__ == "__main__":
    main()
