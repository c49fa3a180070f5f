"""Time and memory of introspecting wide schemas: N tables x 20 columns.

Usage: python benchmarks/introspect.py [--dsn DSN] [--sizes 100,1000,5000] [--repeat 5]

Without --dsn a temporary PostgreSQL server is started (system binaries when present).
Each size gets a fresh database with N tables of 20 columns (a primary key, a foreign key
to the previous table, an index, a comment, mixed types), then introspection runs --repeat
times and the best and median times are printed with the peak Python memory of one read.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from schemasync import ir
from schemasync.sources.engine import TemporaryServer
from schemasync.sources.introspect import introspect

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from pg import scratch_database

TYPES = ("text", "integer", "bigint", "numeric(10,2)", "timestamptz", "boolean", "jsonb", "uuid")


def table_ddl(n: int) -> str:
    """DDL of table ``n``: 20 columns, keys, an index and comments."""
    columns = [
        f"c{i} {TYPES[i % len(TYPES)]}{' NOT NULL' if i % 3 == 0 else ''}" for i in range(17)
    ]
    parent = f", parent_id bigint REFERENCES t{n - 1} (id)" if n else ", parent_id bigint"
    return (
        f"CREATE TABLE t{n} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
        f"status text DEFAULT 'new'{parent}, {', '.join(columns)});"
        f"CREATE INDEX ON t{n} (c1);"
        f"COMMENT ON TABLE t{n} IS 'table {n}'; COMMENT ON COLUMN t{n}.c0 IS 'first';"
    )


@contextmanager
def database(admin_dsn: str, tables: int) -> Iterator[str]:
    """A fresh database holding ``tables`` tables; dropped afterwards."""
    with scratch_database(admin_dsn, f"schemasync_bench_{tables}") as dsn:
        with psycopg.connect(dsn, autocommit=True) as conn:
            for start in range(0, tables, 250):
                batch = "".join(table_ddl(n) for n in range(start, min(tables, start + 250)))
                conn.execute(f"BEGIN;{batch}COMMIT;".encode())
        yield dsn


def measure(dsn: str, repeat: int) -> tuple[list[float], int, ir.Schema]:
    """Introspection times over ``repeat`` runs, and the peak traced memory of one run."""
    times = []
    schema = None
    with psycopg.connect(dsn) as conn:
        for _ in range(repeat):
            start = time.perf_counter()
            schema = introspect(conn)
            times.append(time.perf_counter() - start)
        tracemalloc.start()
        introspect(conn)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert schema is not None
    return times, peak, schema


def run(admin_dsn: str, sizes: list[int], repeat: int, label: str) -> None:
    """Print one line per size."""
    print(f"server: {label}")
    heads = ("tables", 7), ("columns", 8), ("best s", 8), ("median s", 9), ("peak MiB", 9)
    print(" ".join(f"{name:>{width}}" for name, width in heads), f"{'KiB/table':>10}")
    for size in sizes:
        with database(admin_dsn, size) as dsn:
            times, peak, schema = measure(dsn, repeat)
        columns = sum(len(r.columns) for r in schema.relations)
        print(
            f"{len(schema.relations):>7} {columns:>8} {min(times):>8.3f} "
            f"{statistics.median(times):>9.3f} {peak / 2**20:>9.1f} {peak / 1024 / size:>10.1f}"
        )


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", help="admin DSN of an existing server")
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.dsn:
        run(args.dsn, sizes, args.repeat, args.dsn.split("@")[-1])
        return
    with TemporaryServer() as server:
        run(
            server.dsn(), sizes, args.repeat, f"temporary {server.kind} PostgreSQL {server.version}"
        )


if __name__ == "__main__":
    main()
