"""Time to emit TypedDicts for wide schemas: N tables x 20 columns, no database needed.

Usage: python benchmarks/emit.py [--tables 1000] [--repeat 7] [--profile]

A synthetic schema IR is built in memory (text, integers, numeric(10,2), timestamptz, bool,
uuid, jsonb, an enum, arrays; nullable, NOT NULL, defaulted and identity columns; comments),
then the TypedDict emitter runs through the real plugin host: its emitter is looked up by
name, and naming and type mapping go through the ``schemasync_name`` and
``schemasync_map_type`` hooks, with the EmitContext ``schemasync.codegen.generate.plan`` builds.
The best
and median times of ``--repeat`` runs are printed with the size of the output, then the same
for the whole plan (emit, lock file and ``schema_version.py``). ``--profile`` prints the
cProfile functions with the most cumulative time for one emit.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from schemasync import ir
from schemasync.api import EmitContext, Emitter, GeneratedFile
from schemasync.codegen.generate import emit_context, plan
from schemasync.config import Config
from schemasync.plugins import PluginHost, load_plugins

EMITTER = "typeddict"
COLUMNS_PER_TABLE = 20


def _base(name: str, sql: str, *modifiers: int, dims: int = 0) -> ir.TypeRef:
    return ir.TypeRef(
        schema="pg_catalog",
        name=name,
        kind="base",
        sql=sql + "[]" * min(dims, 1),
        modifiers=modifiers,
        array_dims=dims,
    )


STATUS = ir.Enum(
    schema="public",
    name="task_status",
    labels=("new", "in progress", "done", "cancelled"),
    comment="Where a task stands.",
)
STATUS_TYPE = ir.TypeRef(schema="public", name="task_status", kind="enum", sql="public.task_status")

#: The 19 columns after ``id``: (name, type, nullable, default, comment).
COLUMNS: tuple[tuple[str, ir.TypeRef, bool, str | None, str | None], ...] = (
    ("name", _base("text", "text"), False, None, "Shown in lists."),
    ("description", _base("text", "text"), True, None, None),
    ("quantity", _base("int4", "integer"), False, "0", None),
    ("big_count", _base("int8", "bigint"), True, None, None),
    ("price", _base("numeric", "numeric(10,2)", 10, 2), True, None, "Before tax."),
    ("created_at", _base("timestamptz", "timestamp with time zone"), False, "now()", None),
    ("updated_at", _base("timestamptz", "timestamp with time zone"), True, None, None),
    ("active", _base("bool", "boolean"), False, "true", None),
    ("external_id", _base("uuid", "uuid"), False, "gen_random_uuid()", None),
    ("payload", _base("jsonb", "jsonb"), True, None, None),
    ("settings", _base("jsonb", "jsonb"), False, "'{}'::jsonb", None),
    ("status", STATUS_TYPE, False, "'new'::public.task_status", None),
    ("tags", _base("text", "text", dims=1), True, None, None),
    ("scores", _base("int4", "integer", dims=1), True, None, None),
    ("ratio", _base("float8", "double precision"), True, None, None),
    ("due_on", _base("date", "date"), True, None, None),
    ("code", _base("varchar", "character varying(40)", 40), False, None, None),
    ("blob", _base("bytea", "bytea"), True, None, None),
    ("parent_id", _base("int8", "bigint"), True, None, "The previous table's row."),
)
assert len(COLUMNS) == COLUMNS_PER_TABLE - 1


def table(n: int) -> ir.Relation:
    """Table ``n``: an identity primary key and the 19 columns above."""
    columns = [
        ir.Column(name="id", type=_base("int8", "bigint"), nullable=False, identity="always"),
        *(
            ir.Column(name=name, type=ref, nullable=nullable, default=default, comment=comment)
            for name, ref, nullable, default, comment in COLUMNS
        ),
    ]
    return ir.Relation(
        schema="public",
        name=f"table_{n:04d}_items",
        kind="table",
        columns=tuple(columns),
        comment=f"Table number {n}.",
        primary_key=ir.PrimaryKey(name=f"table_{n:04d}_items_pkey", columns=("id",)),
    )


def synthetic_schema(tables: int) -> ir.Schema:
    """A canonical schema of ``tables`` tables of 20 columns and one enum."""
    return ir.canonicalize(
        ir.Schema(
            schemas=("public",), enums=(STATUS,), relations=tuple(table(n) for n in range(tables))
        )
    )


def context(host: PluginHost, emitter: Emitter, schema_hash: str) -> EmitContext:
    """The EmitContext :func:`schemasync.codegen.generate.plan` builds for default settings."""
    return emit_context(host, Config(), emitter.options_type(), schema_hash)


def timed(repeat: int, action: Callable[[], object]) -> list[float]:
    """Wall times of ``repeat`` calls of ``action``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def line(label: str, times: list[float]) -> str:
    """One result line: best and median seconds."""
    return f"{label:<28} best {min(times):.3f} s   median {statistics.median(times):.3f} s"


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="cProfile one emit")
    args = parser.parse_args()

    host = load_plugins()
    emitter = host.emitter(EMITTER)
    schema = synthetic_schema(args.tables)
    schema_hash = ir.schema_hash(schema)
    emit_context = context(host, emitter, schema_hash)
    columns = sum(len(r.columns) for r in schema.relations)
    print(f"schema: {len(schema.relations)} tables, {columns} columns, 1 enum")

    files: list[GeneratedFile] = []

    def emit() -> None:
        files[:] = emitter.emit(schema, emit_context)

    print(line(f"emit ({EMITTER})", timed(args.repeat, emit)))
    size = sum(len(f.content) for f in files)
    lines = sum(f.content.count(b"\n") for f in files)
    print(f"output: {len(files)} file(s), {size / 2**20:.2f} MiB, {lines:,} lines")

    with tempfile.TemporaryDirectory() as folder:
        config = Config(path=Path(folder) / "schemasync.toml")
        now = dt.datetime.now(dt.timezone.utc)
        whole = timed(args.repeat, lambda: plan(host, config, schema, [emitter], now=now))
    print(line("plan (emit, lock, version)", whole))

    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(emit)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
