"""Time to document wide schemas with the docs emitter: N tables x 20 columns, no database.

Usage: python benchmarks/docs.py [--tables 1000] [--repeat 7] [--profile]

The synthetic schema of ``benchmarks/emit.py`` (N tables of 20 columns, an enum), with a
foreign key from each table to the previous one (every other one backed by an index), a
check constraint and RLS with a policy on every third table, is documented through the real
plugin host with the EmitContext ``schemasync.codegen.generate.plan`` builds. Prints the best and
median time of the emit (every page, the metrics and the Mermaid diagrams) and the size of the
output. Target: 1,000 tables in under 1 second. ``--profile`` prints the cProfile functions
with the most cumulative time for one emit.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats

import msgspec
from emit import context, line, synthetic_schema, timed

from schemasync import ir
from schemasync.api import GeneratedFile
from schemasync.plugins import load_plugins

EMITTER = "docs"
TARGET_SECONDS = 1.0


def linked(schema: ir.Schema) -> ir.Schema:
    """``schema`` with a foreign key from each table's ``parent_id`` to the previous table,
    an index on every other one, and RLS with a policy on every third table."""
    relations = []
    previous: ir.Relation | None = None
    for n, rel in enumerate(schema.relations):
        changes: dict[str, object] = {
            "check_constraints": (
                ir.CheckConstraint(
                    name=f"{rel.name}_quantity_check", expression="(quantity >= 0)",
                    columns=("quantity",),
                ),
            ),
        }  # fmt: skip
        if previous is not None:
            changes["foreign_keys"] = (
                ir.ForeignKey(
                    name=f"{rel.name}_parent_id_fkey",
                    columns=("parent_id",),
                    ref_schema=previous.schema,
                    ref_table=previous.name,
                    ref_columns=("id",),
                    on_delete="cascade",
                ),
            )
        if n % 2:
            index = ir.Index(
                name=f"{rel.name}_parent_id_idx",
                definition=f"CREATE INDEX {rel.name}_parent_id_idx ON public.{rel.name} "
                "USING btree (parent_id)",
                columns=("parent_id",),
            )
            changes["indexes"] = (*rel.indexes, index)
        if n % 3 == 0:
            changes["rls_enabled"] = True
            changes["policies"] = (
                ir.Policy(name="own rows", command="select", using="(owner = auth.uid())"),
            )
        relations.append(msgspec.structs.replace(rel, **changes))
        previous = rel
    return ir.canonicalize(msgspec.structs.replace(schema, relations=tuple(relations)))


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="cProfile one emit")
    args = parser.parse_args()

    host = load_plugins()
    emitter = host.emitter(EMITTER)
    schema = linked(synthetic_schema(args.tables))
    emit_context = context(host, emitter, ir.schema_hash(schema))
    columns = sum(len(r.columns) for r in schema.relations)
    keys = sum(len(r.foreign_keys) for r in schema.relations)
    print(f"schema: {len(schema.relations)} tables, {columns} columns, {keys} foreign keys")

    files: list[GeneratedFile] = []

    def emit() -> None:
        files[:] = emitter.emit(schema, emit_context)

    times = timed(args.repeat, emit)
    print(line(f"emit ({EMITTER})", times))
    size = sum(len(f.content) for f in files)
    diagrams = sum(f.content.count(b"```mermaid") for f in files)
    print(f"output: {len(files)} files, {size / 2**20:.2f} MiB, {diagrams} Mermaid diagrams")
    verdict = "within" if min(times) < TARGET_SECONDS else "OVER"
    print(f"target: {args.tables} tables in under {TARGET_SECONDS:.1f} s: {verdict}")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(emit)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
