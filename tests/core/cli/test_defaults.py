"""Defaults chosen from what is there, each said in one line: a Supabase database is read as
its ``public`` schema; with no database URL, a migrations folder is the source."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import run_cli
from migration_project import write_migrations
from pg import run_sql

SUPABASE_NOTICE = (
    "info: a Supabase database: only the public schema is read; set include_schemas "
    "in the config (or pass --schema NAME) to read others"
)
SCHEMA = """
    CREATE SCHEMA auth;
    CREATE SCHEMA storage;
    CREATE TABLE auth.users (id uuid PRIMARY KEY);
    CREATE TABLE storage.objects (id uuid PRIMARY KEY);
    CREATE TABLE public.notes (id bigint PRIMARY KEY, body text);
"""


def _tables(stdout: str) -> list[str]:
    return [line.split("\t")[0] for line in stdout.splitlines()]


@pytest.mark.postgres
def test_a_supabase_database_is_read_as_public_said_once(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, SCHEMA)

    result = run_cli("inspect", "--tables", cwd=tmp_path, dsn=pg_dsn)

    assert result.code == 0, result.stderr
    assert _tables(result.stdout) == ["public.notes"]
    assert result.stderr.splitlines() == [SUPABASE_NOTICE]


@pytest.mark.postgres
def test_quiet_hides_the_notice(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, SCHEMA)

    result = run_cli("inspect", "--tables", "--quiet", cwd=tmp_path, dsn=pg_dsn)

    assert result.code == 0, result.stderr
    assert _tables(result.stdout) == ["public.notes"]
    assert result.stderr == ""


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("config", "args", "expected"),
    [
        ('include_schemas = ["public", "storage"]\n', (), ["public.notes", "storage.objects"]),
        ("", ("--schema", "auth"), ["auth.users"]),
    ],
)
def test_schemas_asked_for_are_read_without_a_notice(
    pg_dsn: str, tmp_path: Path, config: str, args: tuple[str, ...], expected: list[str]
) -> None:
    run_sql(pg_dsn, SCHEMA)
    (tmp_path / "schemasync.toml").write_text(config)

    result = run_cli("inspect", "--tables", *args, cwd=tmp_path, dsn=pg_dsn)

    assert result.code == 0, result.stderr
    assert _tables(result.stdout) == expected
    assert result.stderr == ""


@pytest.mark.postgres
def test_a_database_without_both_supabase_schemas_is_read_whole(
    pg_dsn: str, tmp_path: Path
) -> None:
    run_sql(pg_dsn, "CREATE SCHEMA auth; CREATE TABLE auth.users (id int); CREATE TABLE t (id int)")

    result = run_cli("inspect", "--tables", cwd=tmp_path, dsn=pg_dsn)

    assert result.code == 0, result.stderr
    assert _tables(result.stdout) == ["auth.users", "public.t"]
    assert result.stderr == ""


MIGRATIONS = {"0001_notes.sql": "CREATE TABLE public.notes (id bigint PRIMARY KEY);"}
MIGRATIONS_NOTICE = (
    "info: no database URL is set (SUPABASE_DB_URL, DATABASE_URL): reading the migrations "
    'in supabase/migrations/ instead; set source = "migrations" in the config to make it '
    "the default"
)


def test_no_database_url_and_a_migrations_folder_reads_the_migrations(tmp_path: Path) -> None:
    write_migrations(tmp_path / "supabase" / "migrations", MIGRATIONS)

    result = run_cli("inspect", "--tables", cwd=tmp_path)

    assert result.code == 0, result.stderr
    assert _tables(result.stdout) == ["public.notes"]
    notice, engine = result.stderr.splitlines()
    assert notice == MIGRATIONS_NOTICE
    assert engine.startswith("info: applying the migrations on PostgreSQL ")


def test_a_source_chosen_in_the_config_is_kept(tmp_path: Path) -> None:
    write_migrations(tmp_path / "supabase" / "migrations", MIGRATIONS)
    (tmp_path / "schemasync.toml").write_text('source = "postgres"\n')

    result = run_cli("inspect", "--tables", cwd=tmp_path)

    assert result.code == 3
    assert result.stderr.startswith("error: no database URL: ")


def test_no_database_url_and_no_migrations_is_the_usual_error(tmp_path: Path) -> None:
    result = run_cli("inspect", "--tables", cwd=tmp_path)

    assert result.code == 3
    assert result.stderr.startswith("error: no database URL: ")
