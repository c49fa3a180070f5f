"""Helpers for tests that talk to a real PostgreSQL server; the fixtures are in conftest.py."""

from __future__ import annotations

import os
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from schemasync.sources.engine import (
    ENGINE_KINDS,
    Engine,
    EngineKind,
    TemporaryServer,
    locate_engine,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

#: A DSN to run the tests against an existing server instead of a temporary one.
TEST_DSN_ENV = "SCHEMASYNC_TEST_DSN"
SQL_FIXTURES = Path(__file__).parent / "fixtures" / "sql"


def fixture_sql(name: str) -> str:
    """The text of ``tests/fixtures/sql/<name>.sql``."""
    return (SQL_FIXTURES / f"{name}.sql").read_text(encoding="utf-8")


@dataclass(frozen=True)
class PgServer:
    """A server the tests create their databases on."""

    #: ``dsn`` for the server from ``SCHEMASYNC_TEST_DSN``, else ``embedded-<engine kind>``.
    label: str
    #: ``major.minor``, e.g. ``"15.20"``.
    version: str
    #: The database that CREATE DATABASE and DROP DATABASE are run from.
    admin_dsn: str

    def dsn(self, dbname: str | None = None) -> str:
        """The DSN of ``dbname`` on this server, or of the admin database when None."""
        return self.admin_dsn if dbname is None else make_conninfo(self.admin_dsn, dbname=dbname)


def server_version(dsn: str) -> str:
    """The ``major.minor`` version of the server at ``dsn``."""
    with psycopg.connect(dsn) as conn:
        number = conn.info.server_version
    return f"{number // 10000}.{number % 10000}"


@contextmanager
def scratch_database(admin_dsn: str, name: str | None = None) -> Iterator[str]:
    """A new, empty database on the server of ``admin_dsn``; yields its DSN, then drops it.

    It is created from template0 with UTF8 and the C locale, so a shared server's template1
    additions and default locale cannot change what the tests see.
    """
    name = name or f"schemasync_test_{uuid.uuid4().hex[:8]}"
    ident = sql.Identifier(name)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        conn.execute(
            sql.SQL(
                "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
            ).format(ident)
        )
    try:
        yield make_conninfo(admin_dsn, dbname=name)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))


def run_sql(dsn: str, script: str) -> None:
    """Execute ``script``, one or more statements, on ``dsn`` in autocommit mode.

    The server runs a script of several statements as one implicit transaction, so it
    applies whole or not at all, and may not hold CREATE DATABASE or VACUUM.
    """
    with psycopg.connect(dsn, autocommit=True) as conn:
        # Bytes, as psycopg only takes literal strings as queries; with no parameters it
        # sends the script through the simple protocol, which allows several statements.
        conn.execute(script.encode())


@contextmanager
def fixture_databases(admin_dsn: str, fixtures: Iterable[str]) -> Iterator[dict[str, str]]:
    """A scratch database per SQL fixture, loaded with it; yields their DSNs by fixture."""
    with ExitStack() as stack:
        dsns: dict[str, str] = {}
        for fixture in fixtures:
            dsns[fixture] = stack.enter_context(scratch_database(admin_dsn))
            run_sql(dsns[fixture], fixture_sql(fixture))
        yield dsns


def available_engines() -> list[EngineKind]:
    """The engine kinds whose binaries are installed, out of ``system`` and ``embedded``."""
    return [kind for kind in ENGINE_KINDS if locate_engine(kind) is not None]


def require_engine(kind: EngineKind) -> Engine:
    """The binaries of ``kind``; when absent, skip the test, or fail it in CI."""
    engine = locate_engine(kind)
    if engine is not None:
        return engine
    if os.environ.get("CI"):
        pytest.fail(f"the {kind} PostgreSQL engine is not installed, and CI must provide it")
    pytest.skip(f"the {kind} PostgreSQL engine is not installed")


@contextmanager
def started_server(kind: EngineKind) -> Iterator[TemporaryServer]:
    """A running temporary server with the binaries of ``kind``, whatever the environment says.

    Missing binaries skip or fail the calling test as :func:`require_engine` does.
    """
    with TemporaryServer(require_engine(kind)) as server:
        yield server
