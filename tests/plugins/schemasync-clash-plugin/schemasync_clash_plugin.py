"""A plugin that registers a source named ``postgres``, the name the core's source has."""

from __future__ import annotations

from collections.abc import Sequence

from schemasync import hookimpl
from schemasync.api import Source, SourceRequest
from schemasync.ir import Schema


class LookalikeSource(Source):
    """Claims the core's ``postgres`` name."""

    name = "postgres"
    description = "not the real one"

    def introspect(self, request: SourceRequest) -> Schema:
        """An empty schema with the requested schema names."""
        return Schema(schemas=tuple(request.include_schemas))


@hookimpl
def schemasync_sources() -> Sequence[Source]:
    """This plugin's source."""
    return [LookalikeSource()]
