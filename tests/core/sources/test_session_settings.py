"""The schema read does not depend on the client's settings: ``PGOPTIONS``, ``PGTZ`` /
``PGDATESTYLE`` and a role's own ``ALTER ROLE ... SET`` all change how PostgreSQL prints
timestamps, intervals, floats, bytea and money, and introspection pins every one of them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from pg import run_sql, started_server
from schemasync import ir
from schemasync.api import SourceRequest
from schemasync.sources.introspect import introspect
from schemasync.sources.migrations import MigrationsSource

pytestmark = pytest.mark.postgres

SCHEMA = r"""
CREATE TABLE events (
    id int,
    at timestamptz NOT NULL DEFAULT '2024-01-01 12:00:00+00',
    plain timestamp DEFAULT '2024-03-04 05:06:07',
    day date DEFAULT '2024-03-04',
    wait interval DEFAULT '1 day 02:03:04',
    ratio float8 DEFAULT 1.2345678901234567,
    small float4 DEFAULT 0.1,
    blob bytea DEFAULT '\x0102ff',
    price money DEFAULT 12.5,
    note text DEFAULT E'back\\slash',
    CONSTRAINT recent CHECK (at > '2000-01-01 00:00:00+00' AND wait < '10 days')
) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events
    FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00');
CREATE VIEW late AS
    SELECT id, at FROM events WHERE at > '2024-06-01 00:00:00+00' AND ratio > 0.5;
"""

#: Settings that change printed text, each away from its default.
HOSTILE = {
    "TimeZone": "America/New_York",
    "DateStyle": "SQL, DMY",
    "IntervalStyle": "iso_8601",
    "extra_float_digits": "-3",
    "bytea_output": "escape",
    "quote_all_identifiers": "on",
    "lc_monetary": "C.UTF-8",
}


def read(dsn: str) -> ir.Schema:
    with psycopg.connect(dsn) as conn:
        return introspect(conn)


@pytest.fixture
def database(pg_dsn: str) -> str:
    run_sql(pg_dsn, SCHEMA)
    return pg_dsn


def test_pgoptions_change_nothing(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    baseline = read(database)
    bound = baseline.relation("public", "events_2024").partition_of
    assert bound is not None
    assert "2024-01-01 00:00:00+00" in bound.bound
    options = " ".join(f"-c {name}={value.replace(' ', '')}" for name, value in HOSTILE.items())
    monkeypatch.setenv("PGOPTIONS", options)
    with psycopg.connect(database) as conn:
        # The session really is in other settings: the test would see a difference.
        assert conn.execute("SHOW TimeZone").fetchone() == ("America/New_York",)
    assert read(database) == baseline
    assert ir.schema_hash(read(database)) == ir.schema_hash(baseline)


def test_libpq_environment_variables_change_nothing(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    baseline = read(database)
    monkeypatch.setenv("PGTZ", "Asia/Kolkata")
    monkeypatch.setenv("PGDATESTYLE", "German, DMY")
    with psycopg.connect(database) as conn:
        assert conn.execute("SHOW DateStyle").fetchone() == ("German, DMY",)
    assert read(database) == baseline


@pytest.fixture
def role_with_settings() -> Iterator[tuple[str, str]]:
    """The schema on a throwaway server (roles are cluster-wide: never the shared one), and a
    role there with every setting of :data:`HOSTILE` of its own; yields both DSNs."""
    with started_server("system") as server:
        owner = server.dsn()
        run_sql(owner, SCHEMA)
        role = f"schemasync_tz_{uuid.uuid4().hex[:8]}"
        settings = "; ".join(f"ALTER ROLE {role} SET {n} = '{v}'" for n, v in HOSTILE.items())
        run_sql(
            owner,
            f"CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA public TO {role};"
            f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}; {settings}",
        )
        yield owner, make_conninfo(owner, user=role, password=None)


def test_a_roles_own_settings_change_nothing(role_with_settings: tuple[str, str]) -> None:
    owner, reader = role_with_settings
    baseline = read(owner)
    with psycopg.connect(reader) as conn:
        assert conn.execute("SHOW IntervalStyle").fetchone() == ("iso_8601",)
    assert read(reader) == baseline


def test_migrations_are_applied_in_pinned_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    # Offsets left out on purpose: the literals are read in the session's TimeZone.
    (folder / "1_events.sql").write_text(
        SCHEMA.replace("+00'", "'").replace("'2024-03-04'", "'03/04/2024'")
    )
    request = SourceRequest(target=str(folder), options={"supabase": False})
    baseline = MigrationsSource().introspect(request)
    bound = baseline.relation("public", "events_2024").partition_of
    assert bound is not None
    assert "'2024-01-01 00:00:00+00'" in bound.bound
    monkeypatch.setenv("PGTZ", "America/New_York")
    monkeypatch.setenv("PGDATESTYLE", "SQL, DMY")
    monkeypatch.setenv("PGOPTIONS", "-c IntervalStyle=sql_standard -c extra_float_digits=-3")
    assert MigrationsSource().introspect(request) == baseline
