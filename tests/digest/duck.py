"""DuckDB side of tests/digest/run.sh: exports hospital tables from PostgreSQL as CSV (psql \\copy,
offline, values exact), loads them into DuckDB with the explicit types a sink would use, writes
Parquet, and digests the Parquet files with tools/digest/duckdb.sql.

    python duck.py DB TABLE...      (PGHOST/PGPORT/PGUSER from the environment)

Prints `<table> <rows> <digest>` per table, then `exames* <rows> <digest>` for the negative control:
the exames Parquet with one character of one report changed.
"""

import os
import subprocess
import sys
import tempfile

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "..", "..", "tools", "digest", "duckdb.sql")
# PostgreSQL type -> DuckDB type of a sink; numeric(p,s) -> DECIMAL(p,s), jsonb stays its text.
TYPES = {"int8": "BIGINT", "int4": "INTEGER", "int2": "SMALLINT", "varchar": "VARCHAR", "text": "VARCHAR",
         "bpchar": "VARCHAR", "jsonb": "VARCHAR", "bool": "BOOLEAN", "uuid": "UUID", "date": "DATE",
         "timestamptz": "TIMESTAMPTZ", "timestamp": "TIMESTAMP"}


def psql(db, *args):
    env = dict(os.environ, PGTZ="UTC", PGDATESTYLE="ISO, YMD")
    return subprocess.run(["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, *args],
                          check=True, capture_output=True, text=True, env=env).stdout


def export_parquet(con, db, table, parquet, where=""):
    """Writes hospital.<table> as a Parquet file with the types a sink would use, keeping only the
    rows that match `where` (a DuckDB condition over the table, e.g. on `id`); returns the table's
    columns as (name, PostgreSQL type name, formatted type)."""
    cols = [line.split("\t") for line in psql(db, "-F", "\t", "-c", f"""
        SELECT a.attname, ty.typname, pg_catalog.format_type(a.atttypid, a.atttypmod)
        FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
        WHERE a.attrelid = 'hospital.{table}'::regclass AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum""").splitlines()]
    spec = {n: (fmt.replace("numeric", "DECIMAL") if typ == "numeric" else TYPES[typ]) for n, typ, fmt in cols}
    csv = parquet[: -len(".parquet")] + ".csv"
    # CSV: NULL is an empty field, the empty string a quoted "" (allow_quoted_nulls = false keeps it).
    # A query, not the table: COPY refuses a partitioned table (hospital.sinais_vitais) by name.
    psql(db, "-c", f"\\copy (SELECT * FROM hospital.{table}) TO '{csv}' WITH (FORMAT csv)")
    con.execute(f"""COPY (WITH r AS (SELECT * FROM read_csv(?, columns = {spec!r}, header = false,
                               auto_detect = false, quote = '"', escape = '"', allow_quoted_nulls = false))
                          SELECT * FROM r {"WHERE " + where if where else ""})
                    TO '{parquet}' (FORMAT parquet)""", [csv])
    os.unlink(csv)
    return cols


def main():
    db, tables = sys.argv[1], sys.argv[2:]
    con = duckdb.connect()
    with open(TOOL, encoding="utf-8") as f:
        con.execute(f.read())
    tmp = tempfile.mkdtemp(prefix="alimentador-digest-duck.")
    for t in tables:
        parquet = os.path.join(tmp, f"{t}.parquet")
        cols = export_parquet(con, db, t, parquet)
        # The sink kept char(n) padded (as Debezium delivers it): a view trims those columns, as
        # tools/digest/duckdb.sql tells users to.
        select = ", ".join(f"rtrim(\"{n}\", ' ') AS \"{n}\"" if typ == "bpchar" else f'"{n}"' for n, typ, _ in cols)
        con.execute(f"CREATE VIEW \"{t}_v\" AS SELECT {select} FROM read_parquet('{parquet}')")
        n, d = con.execute(f"SELECT * FROM alimentador_digest('{t}_v')").fetchone()
        print(t, n, d)
        if t == "exames":
            con.execute(f"CREATE TABLE exames_mudado AS SELECT * FROM read_parquet('{parquet}')")
            con.execute("""UPDATE exames_mudado SET laudo = left(laudo, 99) || 'X' || substr(laudo, 101)
                           WHERE id = (SELECT min(id) FROM exames_mudado WHERE strlen(laudo) > 1000)""")
            n, d = con.execute("SELECT * FROM alimentador_digest('exames_mudado')").fetchone()
            print("exames*", n, d)
        os.unlink(parquet)
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
