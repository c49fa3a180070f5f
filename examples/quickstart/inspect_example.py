"""Run ``schemasync inspect`` on the quickstart schema, with no database of your own.

Starts a throwaway PostgreSQL, applies schema.sql, prints the tables and enums, writes the
full schema IR to build/example/schema.json, then stops the server and removes its files.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import psycopg

from schemasync.cli import main
from schemasync.engine import TemporaryServer

HERE = Path(__file__).parent
OUTPUT = Path("build/example/schema.json")


def run() -> int:
    """Apply the example schema to a throwaway server and inspect it."""
    with TemporaryServer() as server:
        print(f"throwaway PostgreSQL {server.version} ({server.kind})", file=sys.stderr)
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            conn.execute((HERE / "schema.sql").read_bytes())
        os.environ["DATABASE_URL"] = server.dsn()
        for listing in ("--tables", "--enums"):
            if code := main(["inspect", listing]):
                return code
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        with OUTPUT.open("w", encoding="utf-8") as out:
            code = main(["inspect", "--json"], out=out)
    print(f"wrote {OUTPUT}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(run())
