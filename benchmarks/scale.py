"""How each step grows with the schema: the catalogue's shape at 1,000, 2,500 and 5,000 tables.

Usage: python benchmarks/scale.py [--tables 1000 2500 5000] [--repeat 3] [--dsn DSN]
                                  [--in-process] [--keep]

For each size, the schema of ``benchmarks/catalogue.py`` (enums, domains with checks,
tables with CHECK constraints and about 2.3 foreign keys each, views and materialized views
in the catalogue's proportion) is created in a new database, and these steps run in a new
process each, as a user runs them, with bytecode caches allowed (``PYTHONDONTWRITEBYTECODE``
unset), after one warm-up run:

- ``inspect --json``;
- ``run (first)``: TypedDict, Pydantic, msgspec and docs into an empty project;
- ``run (unchanged)``: the same again, nothing changed;
- ``check --offline``: the generated files against the lock.

Medians, best times and the peak resident memory of each step are printed, then, per step,
the time per 1,000 tables: a step that grows linearly keeps that figure flat.

``--in-process`` also reads the schema once in this process and prints the CPU time
(``time.process_time``, so other work on the machine counts for little) of introspection,
of each emitter, of laying out its Python files (``ruff format``'s layout), and of the
whole plan with the lock, which whole-process times on a busy machine hide.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from catalogue import TARGETS, measure, schema_sql
from psycopg import sql

STEPS = ("inspect --json", "run (first)", "run (unchanged)", "check --offline")


def create_database(dsn: str, name: str, tables: int) -> str:
    """A new database ``name`` holding the catalogue with ``tables`` tables; its DSN."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    target = psycopg.conninfo.make_conninfo(dsn, dbname=name)
    statements = schema_sql(tables).splitlines()  # one statement a line
    with psycopg.connect(target, autocommit=True) as conn:
        # A transaction each 1,000 statements: one for all would need more locks than a
        # default server allows (max_locks_per_transaction).
        for start in range(0, len(statements), 1000):
            conn.execute("\n".join(statements[start : start + 1000]).encode())
        conn.execute("ANALYZE")  # as in catalogue.py: statistics, as a database in use has
    return target


def drop_database(dsn: str, name: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def in_process(project: Path, dsn: str) -> dict[str, float]:
    """CPU seconds of each stage of a first run, measured inside this process."""
    from schemasync import ir
    from schemasync.codegen import generate
    from schemasync.codegen.pyformat import reflow
    from schemasync.config import load_config
    from schemasync.pipeline import SourceChoice, read_schema
    from schemasync.plugins import load_plugins

    os.environ["DATABASE_URL"] = dsn
    host = load_plugins()
    config = load_config(project / "pyproject.toml")
    emitters = generate.choose_emitters(host, config, [])
    figures: dict[str, float] = {}
    start = time.process_time()
    schema = read_schema(host, config, SourceChoice())
    figures["introspect"] = time.process_time() - start
    schema_hash = ir.schema_hash(schema)
    for emitter in emitters:
        options = generate.emitter_options(emitter, config)
        context = generate.emit_context(host, config, options, schema_hash, schema_version=1)
        start = time.process_time()
        files = list(emitter.emit(schema, context))
        figures[f"emit {emitter.name}"] = time.process_time() - start
        start = time.process_time()
        for file in files:
            if file.path.endswith(".py"):
                reflow(file.content.decode(), config.settings.line_length)
        figures[f"emit {emitter.name}: layout of .py files"] = time.process_time() - start
        del files
    start = time.process_time()
    generate.plan(host, config, schema, emitters, now=dt.datetime.now(dt.timezone.utc))
    figures["plan (every emitter, lock)"] = time.process_time() - start
    return figures


def main() -> None:
    """Build each size, then time every step."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dsn",
        default=os.environ.get(
            "SCHEMASYNC_TEST_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--tables", type=int, nargs="+", default=[1000, 2500, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--in-process", action="store_true", help="also CPU time per stage")
    parser.add_argument("--keep", action="store_true", help="keep the databases and projects")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    schemasync = [sys.executable, "-m", "schemasync"]
    commands = {
        "inspect --json": [*schemasync, "inspect", "--json"],
        "run (first)": [*schemasync, "run"],
        "run (unchanged)": [*schemasync, "run"],
        "check --offline": [*schemasync, "check", "--offline"],
    }
    results: dict[int, dict[str, tuple[float, float]]] = {}
    for tables in args.tables:
        name = f"schemasync_scale_{tables}"
        dsn = create_database(args.dsn, name, tables)
        folder = Path(tempfile.mkdtemp(prefix=f"schemasync-scale-{tables}-"))
        project = folder / "project"
        project.mkdir()
        (project / "pyproject.toml").write_text(
            f"[tool.schemasync]\nemit = {list(TARGETS)!r}\n".replace("'", '"'), encoding="utf-8"
        )
        env["DATABASE_URL"] = dsn
        print(f"\n{tables} tables ({uptime()})")
        try:
            results[tables] = {}
            for step in STEPS:
                results[tables][step] = measure(
                    step,
                    commands[step],
                    project,
                    env,
                    args.repeat,
                    fresh=step == "run (first)",
                )
            if args.in_process:
                for stage, seconds in in_process(project, dsn).items():
                    print(f"  in process, CPU: {stage:<36} {seconds:6.3f} s")
        finally:
            if args.keep:
                print(f"kept: database {name}, project {project}")
            else:
                shutil.rmtree(folder, ignore_errors=True)
                drop_database(args.dsn, name)

    print("\nseconds per 1,000 tables (median), and peak memory")
    print(f"{'step':<18}" + "".join(f"{t:>22,}" for t in results))
    for step in STEPS:
        cells = "".join(
            f"{results[t][step][0] / t * 1000:>10.3f} s {results[t][step][1]:>6.0f} MiB"
            for t in results
        )
        print(f"{step:<18}{cells}")


def uptime() -> str:
    """The load average, to say how busy the machine was."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


if __name__ == "__main__":
    main()
