"""Migrations are untrusted input: applied as a role that owns the database but is no
superuser, on a server running as an account of its own, so they cannot reach the machine."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from cli import run_cli
from migration_project import project, tables_emitter_path

INIT = "create table public.items (id int primary key);\n"


def _run(tmp_path: Path, attack: str) -> tuple[int, str, Path]:
    root = project(
        tmp_path / "app",
        {"20240101000000_init.sql": INIT, "20240102000000_attack.sql": "\n" + attack},
    )
    result = run_cli("run", cwd=root, env={"PYTHONPATH": tables_emitter_path(tmp_path / "site")})
    return result.code, result.stderr, root


@pytest.mark.postgres
def test_copy_to_program_is_refused(tmp_path: Path) -> None:
    witness = tmp_path / "witness"
    code, stderr, root = _run(tmp_path, f"COPY (select 1) TO PROGRAM 'id > {witness}';\n")
    assert code == 9, stderr
    assert "20240102000000_attack.sql:1:1:" in stderr
    assert "permission denied" in stderr.lower() or "must be superuser" in stderr.lower()
    assert not witness.exists()
    assert not (root / "schemasync.lock").exists()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "attack",
    [
        "COMMENT ON TABLE public.items IS 'x';\n"
        "DO $$ BEGIN EXECUTE format('COMMENT ON TABLE public.items IS %L', "
        "pg_read_file('/etc/passwd')); END $$;\n",
        "SELECT lo_import('/etc/passwd');\n",
        "CREATE TABLE public.leak AS SELECT pg_read_file('/etc/passwd') AS body;\n",
        "COPY public.items FROM '/etc/passwd';\n",
        "CREATE EXTENSION plpython3u;\n",
        "CREATE EXTENSION plperlu;\n",
        "ALTER ROLE CURRENT_USER SUPERUSER;\n",
        "SET ROLE postgres_superuser;\n",
    ],
)
def test_reaching_the_machine_is_refused(tmp_path: Path, attack: str) -> None:
    code, stderr, root = _run(tmp_path, attack)
    assert code == 9, stderr
    assert re.search(r"20240102000000_attack\.sql:\d+:\d+: ", stderr), stderr
    assert "root:" not in stderr
    assert not (root / "schemasync.lock").exists()


@pytest.mark.postgres
def test_ordinary_migrations_keep_their_rights(tmp_path: Path) -> None:
    code, stderr, root = _run(
        tmp_path,
        'CREATE EXTENSION IF NOT EXISTS pgcrypto;\nCREATE EXTENSION IF NOT EXISTS "uuid-ossp";\n'
        "CREATE EXTENSION IF NOT EXISTS citext;\n"
        "CREATE SCHEMA app;\nCREATE TABLE app.t (id uuid DEFAULT gen_random_uuid(), c citext);\n"
        "CREATE ROLE app_reader;\nGRANT USAGE ON SCHEMA app TO app_reader;\n"
        "CREATE FUNCTION app.f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"
        "ALTER TABLE public.items ENABLE ROW LEVEL SECURITY;\n",
    )
    assert code == 0, stderr
    assert "app.t" in (root / "models" / "tables_models" / "tables.txt").read_text()


@pytest.mark.postgres
def test_a_migration_in_another_encoding_names_the_file(tmp_path: Path) -> None:
    root = project(tmp_path / "app", {"20240101000000_init.sql": INIT})
    bad = root / "supabase" / "migrations" / "20240102000000_latin1.sql"
    bad.write_bytes("-- ok\ncomment on table public.items is 'caf\xe9';\n".encode("latin-1"))
    result = run_cli("run", cwd=root, env={"PYTHONPATH": tables_emitter_path(tmp_path / "s")})
    assert result.code == 9, result.stderr
    assert "20240102000000_latin1.sql:2" in result.stderr
    assert "UTF-8" in result.stderr


@pytest.mark.postgres
@pytest.mark.skipif(os.geteuid() != 0, reason="the server's own account is made only by root")
def test_as_root_the_server_runs_as_an_account_of_its_own(tmp_path: Path) -> None:
    import pwd

    code, stderr, _ = _run(tmp_path, "CREATE TABLE public.who (id int);\n")
    assert code == 0, stderr
    account = pwd.getpwnam("schemasync-pg")
    assert account.pw_shell in ("/usr/sbin/nologin", "/sbin/nologin", "/bin/false")
    assert account.pw_uid != 0
