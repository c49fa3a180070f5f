"""``check`` right after ``run`` finds nothing, for the example, whatever the session settings
of either command: ``PGTZ``, ``PGDATESTYLE``, or a role with its own ``TimeZone``."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg.conninfo import make_conninfo

from cli import run_cli
from migration_project import EXAMPLE, EXAMPLE_MIGRATIONS
from pg import run_sql, started_server
from schemasync.sources import supabase

pytestmark = pytest.mark.postgres

AGAINST = ("code", "lock", "both")
#: Both at once: each applies the example on a server of its own, which takes seconds.
SETTINGS = {"PGTZ": "America/New_York", "PGDATESTYLE": "SQL, DMY"}


def example(tmp_path: Path) -> Path:
    root = tmp_path / "supabase-app"
    shutil.copytree(EXAMPLE, root)
    return root


def _forget_source_digest(root: Path) -> None:
    """Drop the migrations' digest from the lock, so the next command applies them (under
    its own settings) instead of taking the lock's schema."""
    lock = root / "schemasync.lock"
    document = json.loads(lock.read_text())
    document["source_digest"] = ""
    lock.write_text(json.dumps(document, indent=2) + "\n")


def test_the_example_checks_clean_under_client_settings(tmp_path: Path) -> None:
    root = example(tmp_path)
    done = run_cli("run", cwd=root)
    assert done.code == 0, done.stderr
    _forget_source_digest(root)
    for against in AGAINST:
        result = run_cli("check", "--against", against, cwd=root, env=SETTINGS)
        assert result.code == 0, (against, result.stdout, result.stderr)
        assert result.stdout.startswith("ok: no drift"), result.stdout
        assert "info: applying the migrations on" in result.stderr
    # And the other way round: generated under the settings, checked without them. Only the
    # lock changes (it records the digest again).
    again = run_cli("run", cwd=root, env=SETTINGS)
    assert again.code == 0, again.stderr
    assert "info: applying the migrations on" in again.stderr
    assert again.wrote() == {"schemasync.lock"}, again.stdout


@pytest.fixture
def migrated_role() -> Iterator[tuple[str, str]]:
    """The example's migrations applied to a server of its own (the Supabase layer creates
    cluster-wide roles), and a role whose own settings print timestamps in another time zone
    and style."""
    statements = [
        supabase.LAYER_SQL,
        'CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA extensions',
        "CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions",
        'SET search_path TO "$user", public, extensions',
    ]
    statements += [path.read_text() for path in sorted(EXAMPLE_MIGRATIONS.glob("*.sql"))]
    # The system's PostgreSQL, whatever engine the session uses: the example's migrations
    # create uuid-ossp and pgcrypto, which the embedded engine does not ship (the migrations
    # source gives them stand-ins; this fixture applies the SQL directly).
    with started_server("system") as server:
        owner = server.dsn()
        run_sql(owner, ";\n".join(statements))
        role = f"schemasync_tz_{uuid.uuid4().hex[:8]}"
        run_sql(
            owner,
            f"CREATE ROLE {role} LOGIN IN ROLE pg_read_all_data;"
            f"ALTER ROLE {role} SET TimeZone = 'Pacific/Chatham';"
            f"ALTER ROLE {role} SET DateStyle = 'German, DMY';"
            f"ALTER ROLE {role} SET IntervalStyle = 'sql_standard'",
        )
        yield owner, make_conninfo(owner, user=role, password=None)


def test_the_example_checks_clean_for_a_role_with_its_own_time_zone(
    tmp_path: Path, migrated_role: tuple[str, str]
) -> None:
    owner, reader = migrated_role
    root = example(tmp_path)
    layer = ", ".join(f'"{name}"' for name in supabase.LAYER_SCHEMAS)
    config = root / "pyproject.toml"
    config.write_text(
        config.read_text()
        .replace('source = "migrations"', 'source = "postgres"')
        .replace("[tool.schemasync]\n", f"[tool.schemasync]\nexclude_schemas = [{layer}]\n", 1)
    )
    done = run_cli("run", cwd=root, dsn=owner)
    assert done.code == 0, done.stderr
    for against in AGAINST:
        result = run_cli("check", "--against", against, cwd=root, dsn=reader)
        assert result.code == 0, (against, result.stdout, result.stderr)
