"""Run schemasync on the quickstart schema, with no database of your own.

Starts a throwaway PostgreSQL, applies schema.sql, then, in build/example/:
``schemasync inspect --tables`` and ``--enums``, the schema IR in schema.json, and
``schemasync run``: TypedDict models in models/models.py, schema_version.py and the lock
file. The server is stopped and its files removed at the end, whatever happens.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import psycopg

from schemasync.cli import main
from schemasync.engine import TemporaryServer

HERE = Path(__file__).resolve().parent
OUTPUT = Path("build/example").resolve()


def run() -> int:
    """Apply the example schema to a throwaway server and run schemasync on it."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(HERE / "schemasync.toml", OUTPUT / "schemasync.toml")
    with TemporaryServer() as server:
        print(f"throwaway PostgreSQL {server.version} ({server.kind})", file=sys.stderr)
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            conn.execute((HERE / "schema.sql").read_bytes())
        os.environ["DATABASE_URL"] = server.dsn()
        os.chdir(OUTPUT)
        for listing in ("--tables", "--enums"):
            if code := main(["inspect", listing]):
                return code
        with Path("schema.json").open("w", encoding="utf-8") as out:
            if code := main(["inspect", "--json"], out=out):
                return code
        code = main(["run"])
    print(f"output in {OUTPUT}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(run())
