"""An example third-party plugin: a normalizer that drops scratch relations.

Relations whose name starts with the ``drop_prefix`` option (default ``tmp_``) are left out,
together with the foreign keys that point at them. It also names enum classes in upper case,
to show a decision hook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from schemasync import hookimpl
from schemasync.api import NameRequest, Normalizer
from schemasync.ir import Schema

__all__ = ["DEFAULT_PREFIX", "DropPrefixed", "schemasync_name", "schemasync_normalizers"]

DEFAULT_PREFIX = "tmp_"


class DropPrefixed(Normalizer):
    """Drops relations whose name starts with ``options["drop_prefix"]``."""

    name = "drop-prefixed"
    order = 50

    def normalize(self, schema: Schema, options: Mapping[str, object]) -> Schema:
        """Leave out the prefixed relations and the foreign keys that refer to them."""
        prefix = str(options.get("drop_prefix", DEFAULT_PREFIX))
        if not prefix:
            return schema
        dropped = {(r.schema, r.name) for r in schema.relations if r.name.startswith(prefix)}
        if not dropped:
            return schema
        kept = tuple(
            msgspec.structs.replace(
                rel,
                foreign_keys=tuple(
                    fk for fk in rel.foreign_keys if (fk.ref_schema, fk.ref_table) not in dropped
                ),
            )
            for rel in schema.relations
            if (rel.schema, rel.name) not in dropped
        )
        return msgspec.structs.replace(schema, relations=kept)


@hookimpl
def schemasync_normalizers() -> Sequence[Normalizer]:
    """This plugin's normalizer."""
    return [DropPrefixed()]


@hookimpl
def schemasync_name(request: NameRequest) -> str | None:
    """Enum classes in upper case; everything else is left to the next implementation."""
    return request.name.upper() if request.kind == "enum" else None
