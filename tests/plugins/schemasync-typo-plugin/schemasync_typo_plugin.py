"""A plugin with a misspelt hook name next to a correct one.

``schemasync_sourcez`` matches no hook specification, so the host must refuse the whole
plugin, its correctly spelt ``schemasync_normalizers`` included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from schemasync import hookimpl
from schemasync.api import Normalizer, Source
from schemasync.ir import Schema


class Unchanged(Normalizer):
    """Returns the schema as it is."""

    name = "typo-unchanged"

    def normalize(self, schema: Schema, options: Mapping[str, object]) -> Schema:
        """Nothing to do."""
        return schema


@hookimpl
def schemasync_normalizers() -> Sequence[Normalizer]:
    """A correctly spelt hook, which must not be registered either."""
    return [Unchanged()]


@hookimpl
def schemasync_sourcez() -> Sequence[Source]:
    """Misspelt: meant to be ``schemasync_sources``."""
    return []
