"""The core's sources. Each imports its heavy machinery only when it is used, so commands
that never touch a database start fast."""

from __future__ import annotations

from collections.abc import Iterable

from schemasync import ir
from schemasync.api import Source, SourceRequest
from schemasync.hookspecs import hookimpl

__all__ = ["PostgresSource", "schemasync_sources"]


class PostgresSource(Source):
    """The ``postgres`` source: a live database reached by a DSN."""

    name = "postgres"
    description = "a live PostgreSQL database (DSN from the environment)"

    def introspect(self, request: SourceRequest) -> ir.Schema:
        """Connect to ``request.target`` and read its schema."""
        from schemasync.sources.connect import connect
        from schemasync.sources.introspect import introspect

        source = str(request.options.get("dsn_source", "the database URL"))
        with connect(request.target, source=source) as conn:
            return introspect(
                conn,
                include_schemas=request.include_schemas,
                exclude_schemas=request.exclude_schemas,
                statement_timeout_ms=request.statement_timeout_ms,
                lock_timeout_ms=request.lock_timeout_ms,
            )


@hookimpl(trylast=True)
def schemasync_sources() -> Iterable[Source]:
    """The core's sources."""
    from schemasync.sources.migrations import MigrationsSource

    return [PostgresSource(), MigrationsSource()]
