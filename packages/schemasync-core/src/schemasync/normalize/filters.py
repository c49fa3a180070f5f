"""The core's default normalizers, run over every introspected schema."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import cast

import msgspec

from schemasync import ir
from schemasync.api import Normalizer
from schemasync.hookspecs import hookimpl

__all__ = ["ExcludeTables", "schemasync_normalizers"]


class ExcludeTables(Normalizer):
    """Drops relations whose ``schema.name`` matches an ``exclude_tables`` pattern.

    Foreign keys pointing at a dropped relation are dropped with it, so the result never
    refers to something that is not there.
    """

    name = "exclude-tables"
    order = 10

    def normalize(self, schema: ir.Schema, options: Mapping[str, object]) -> ir.Schema:
        """Apply the ``exclude_tables`` patterns from ``options``."""
        raw = options.get("exclude_tables", options.get("exclude-tables", ()))
        items = cast("list[object]", raw) if isinstance(raw, (list, tuple)) else []
        patterns = [str(p) for p in items]
        if not patterns:
            return schema

        def excluded(schema_name: str, name: str) -> bool:
            qualified = f"{schema_name}.{name}"
            return any(fnmatch.fnmatchcase(qualified, p) for p in patterns)

        kept: list[ir.Relation] = []
        for rel in schema.relations:
            if excluded(rel.schema, rel.name):
                continue
            fks = tuple(fk for fk in rel.foreign_keys if not excluded(fk.ref_schema, fk.ref_table))
            kept.append(msgspec.structs.replace(rel, foreign_keys=fks))
        return msgspec.structs.replace(schema, relations=tuple(kept))


@hookimpl(trylast=True)
def schemasync_normalizers() -> Iterable[Normalizer]:
    """The core's normalizers."""
    return [ExcludeTables()]
