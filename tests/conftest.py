"""Fixtures for tests that talk to a real PostgreSQL server; the helpers are in pg.py.

The server is the one ``SCHEMASYNC_TEST_DSN`` names, else a temporary server started once
per test session with the engine ``SCHEMASYNC_ENGINE`` asks for (default ``auto``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from pg import (
    TEST_DSN_ENV,
    PgServer,
    fixture_sql,
    run_sql,
    scratch_database,
    server_version,
    started_server,
)
from plugin_env import PluginEnv
from schemasync.sources.engine import TemporaryServer

if TYPE_CHECKING:
    from collections.abc import Iterator


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-golden``: rewrite golden files from what the code generates now."""
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden files of the generator tests instead of comparing with them",
    )


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether golden tests rewrite their files (``--update-golden``) rather than compare."""
    return bool(request.config.getoption("--update-golden"))


def pytest_report_header() -> str:
    """Say which PostgreSQL the run uses, so a log shows what was tested."""
    if os.environ.get(TEST_DSN_ENV):
        return f"postgresql: {TEST_DSN_ENV} (the running server)"
    return f"postgresql: a temporary server, engine {os.environ.get('SCHEMASYNC_ENGINE', 'auto')}"


@pytest.fixture(scope="session")
def plugin_env(tmp_path_factory: pytest.TempPathFactory) -> PluginEnv:
    """Plugin projects installed once per session, each into a folder of its own."""
    return PluginEnv(tmp_path_factory.mktemp("plugin-env"))


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
    with scratch_database(pg_server.dsn()) as dsn:
        yield dsn


@pytest.fixture(scope="session")
def pg18_server(pg_server: PgServer) -> Iterator[PgServer]:
    """A server of PostgreSQL 18 or later: the session's when it is one, else the embedded
    engine's (which CI installs, so a missing one fails there rather than skipping)."""
    if int(pg_server.version.split(".")[0]) >= 18:
        yield pg_server
        return
    with started_server("embedded") as server:
        yield PgServer(f"embedded-{server.kind}", server.version, server.dsn())


@pytest.fixture
def pg18_dsn(pg18_server: PgServer) -> Iterator[str]:
    """A new database on a PostgreSQL 18 server holding ``tests/fixtures/sql/pg18.sql``."""
    with scratch_database(pg18_server.dsn()) as dsn:
        run_sql(dsn, fixture_sql("pg18"))
        yield dsn
