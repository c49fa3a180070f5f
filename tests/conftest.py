"""Fixtures for tests that talk to a real PostgreSQL server; the helpers are in pg.py.

The server is the one ``SCHEMASYNC_TEST_DSN`` names, else a temporary server started once
per test session with the engine ``SCHEMASYNC_ENGINE`` asks for (default ``auto``).
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

import psycopg
import pytest
from pg import TEST_DSN_ENV, PgServer, server_version
from psycopg import sql
from schemasync.engine import TemporaryServer

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The PostgreSQL server of this test session."""
    dsn = os.environ.get(TEST_DSN_ENV)
    if dsn:
        yield PgServer("dsn", server_version(dsn), dsn)
        return
    with TemporaryServer() as server:
        yield PgServer(f"embedded-{server.kind}", server.version, server.dsn())


@pytest.fixture
def pg_dsn(pg_server: PgServer) -> Iterator[str]:
    """The DSN of a new, empty database, dropped after the test."""
    name = f"schemasync_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        # template0 and a C locale, so a shared server's template1 additions and default
        # locale cannot change what the tests see.
        conn.execute(
            sql.SQL(
                "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
            ).format(sql.Identifier(name))
        )
    try:
        yield pg_server.dsn(name)
    finally:
        with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
