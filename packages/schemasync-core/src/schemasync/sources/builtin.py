"""The core's sources. Each imports its heavy machinery only when it is used, so commands
that never touch a database start fast."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from schemasync import ir
from schemasync.api import Source, SourceRequest
from schemasync.hookspecs import hookimpl

if TYPE_CHECKING:
    import psycopg

__all__ = ["SUPABASE_SCHEMAS", "PostgresSource", "is_supabase_database", "schemasync_sources"]

log = logging.getLogger("schemasync")
#: Schemas every Supabase database has: both present means a Supabase database.
SUPABASE_SCHEMAS = ("auth", "storage")
#: What a Supabase database is read as when ``include_schemas`` is not set: the app's own
#: tables, not Supabase's (auth, storage, realtime, vault...).
SUPABASE_DEFAULT_SCHEMAS = ("public",)


def is_supabase_database(conn: psycopg.Connection[Any]) -> bool:
    """Whether the database has Supabase's ``auth`` and ``storage`` schemas.

    The connection is left outside any transaction, as it was.
    """
    rows = conn.execute(
        "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = ANY(%s)",
        [list(SUPABASE_SCHEMAS)],
    ).fetchall()
    if not conn.autocommit:
        conn.rollback()
    return {row[0] for row in rows} == set(SUPABASE_SCHEMAS)


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
            include = request.include_schemas
            if not include and is_supabase_database(conn):
                include = SUPABASE_DEFAULT_SCHEMAS
                log.info(
                    "a Supabase database: only the public schema is read; set include_schemas "
                    "in the config (or pass --schema NAME) to read others"
                )
            return introspect(
                conn,
                include_schemas=include,
                exclude_schemas=request.exclude_schemas,
                statement_timeout_ms=request.statement_timeout_ms,
                lock_timeout_ms=request.lock_timeout_ms,
            )


@hookimpl(trylast=True)
def schemasync_sources() -> Iterable[Source]:
    """The core's sources."""
    from schemasync.sources.migrations import MigrationsSource

    return [PostgresSource(), MigrationsSource()]
