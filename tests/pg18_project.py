"""The PostgreSQL 18 features fixture through one emitter, as a user runs it: ``schemasync run``
then ``schemasync check`` in a project folder, and the rows of the fixture's tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from cli import run_cli

#: The tables of ``tests/fixtures/sql/pg18.sql`` whose rows the models must take, by the
#: class name stem the emitters give them.
TABLES = {"Guest": "guests", "Room": "rooms", "Booking": "bookings", "Reading": "readings"}
OUTPUT = "out"


def run_and_check(root: Path, dsn: str, emitter: str, options: str = "") -> Path:
    """Generate with ``emitter`` alone into ``root/out``; ``check`` must find no drift.

    Returns the output folder.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0"\n\n'
        f'[tool.schemasync]\nemit = ["{emitter}"]\n\n'
        f'[tool.schemasync.emitters.{emitter}]\noutput = "{OUTPUT}"\n{options}',
        encoding="utf-8",
    )
    run = run_cli("run", cwd=root, dsn=dsn)
    assert run.code == 0, run.stderr
    check = run_cli("check", cwd=root, dsn=dsn)
    assert check.code == 0, check.stdout + check.stderr
    return root / OUTPUT


def table_rows(dsn: str, conn_setup: Any = None) -> dict[str, list[dict[str, Any]]]:
    """Every row of each table in :data:`TABLES`, as psycopg returns it, by class stem.

    ``conn_setup`` (the generated ``register_types``, when there is one) runs on the
    connection first.
    """
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        if conn_setup is not None:
            conn_setup(conn)
        rows = {
            stem: conn.execute(
                sql.SQL("SELECT * FROM {} ORDER BY 1").format(sql.Identifier("public", table))
            ).fetchall()
            for stem, table in TABLES.items()
        }
    assert all(rows.values()), "every table of the fixture has rows"
    return rows
