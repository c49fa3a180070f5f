"""Opening a PostgreSQL connection, with failures turned into errors a user can act on.

Nothing here ever prints a password: every message built from a DSN or from libpq's own
words passes through :func:`redact`.
"""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict

from schemasync.errors import DatabaseError
from schemasync.redact import redact, remember

__all__ = ["connect", "describe_target"]

CONNECT_TIMEOUT_S = 10


def describe_target(dsn: str) -> str:
    """``user@host:port/dbname`` for messages: never the password."""
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "the configured database"
    host = str(params.get("host") or "localhost")
    if host.startswith("/"):
        host = f"socket {host}"
    port = params.get("port") or "5432"
    user = params.get("user")
    where = f"{host}:{port}/{params.get('dbname') or user or ''}"
    return f"{user}@{where}" if user else where


def _explain(message: str, dsn: str, source: str) -> DatabaseError:
    """Map libpq's words to one line that says what to do."""
    target = describe_target(dsn)
    lowered = message.lower()
    rules: tuple[tuple[str, str, str], ...] = (
        (
            "resolve host",
            f"cannot resolve the host of {target}",
            f"check the host name in {source}",
        ),
        (
            "could not translate host name",
            f"cannot resolve the host of {target}",
            f"check the host name in {source}",
        ),
        (
            "connection refused",
            f"nothing accepts connections at {target}",
            "check that PostgreSQL is running and the host and port are right",
        ),
        (
            "timeout expired",
            f"timed out connecting to {target}",
            "check the host, the port and any firewall in between",
        ),
        (
            "password authentication failed",
            f"the password was rejected for {target}",
            f"check the user and password in {source}",
        ),
        (
            "no password supplied",
            f"the server at {target} asks for a password and none was given",
            f"add the password to {source}",
        ),
        (
            "does not exist",
            f"the server at {target} says: {_first_line(message)}",
            f"check the user and database names in {source}",
        ),
        (
            "no such file or directory",
            f"no PostgreSQL socket at {target}",
            "check that PostgreSQL is running, or give a host and port",
        ),
        (
            "permission denied for database",
            f"the role may not connect to {target}",
            "GRANT CONNECT ON DATABASE to the role, or use another role",
        ),
    )
    for needle, what, todo in rules:
        if needle in lowered:
            return DatabaseError(redact(what, dsn), hint=redact(todo, dsn))
    return DatabaseError(
        redact(f"cannot connect to {target}: {_first_line(message)}", dsn),
        hint=f"check {source}",
    )


def _first_line(message: str) -> str:
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    # libpq prefixes the useful part with "connection to server ... failed:"; keep the tail.
    last = lines[-1] if lines else message
    tail = " ".join(last.rsplit("failed: ", 1)[-1].split())
    return tail.removeprefix("FATAL: ")


def connect(dsn: str, *, source: str = "the database URL", **kwargs: object) -> psycopg.Connection:
    """Open a connection or raise :class:`DatabaseError` saying what to fix.

    :param dsn: a libpq connection string or ``postgresql://`` URL.
    :param source: where the DSN came from (``$DATABASE_URL``), for messages.
    :param kwargs: passed to :func:`psycopg.connect` (``cursor_factory``, ``row_factory``...).
    """
    # Whatever fails from here on, in whichever shape libpq echoes the string back, every
    # message printed masks its password.
    remember(dsn)
    try:
        conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        raise DatabaseError(
            redact(f"the database URL in {source} is malformed: {_first_line(str(exc))}", dsn),
            hint="expected postgresql://USER@HOST:5432/DBNAME, password included or in ~/.pgpass",
        ) from None
    try:
        return psycopg.connect(
            dsn,
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name="schemasync",
            **kwargs,  # type: ignore[arg-type]
        )
    except psycopg.OperationalError as exc:
        raise _explain(str(exc), dsn, source) from exc
