"""Progress on a terminal (a real pseudo-terminal), silence elsewhere, and counted nouns."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from cli import run_cli
from migration_project import project, tables_emitter_path
from schemasync.cli.terminal import plural

MIGRATIONS = {
    "0001_teams.sql": "CREATE TABLE public.teams (id bigint PRIMARY KEY, name text NOT NULL);",
    "0002_members.sql": """
        CREATE TABLE public.members (
            team_id bigint NOT NULL REFERENCES public.teams (id),
            name text NOT NULL
        );
    """,
}


def _with_terminal_stderr(root: Path, *args: str) -> tuple[int, str, str]:
    """``schemasync ARGS`` with standard error on a pseudo-terminal and standard output on a
    pipe: the exit code, what the terminal showed, and standard output."""
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SUPABASE_DB_URL")}
    env["PYTHONPATH"] = tables_emitter_path(root.parent / "site")
    process = subprocess.Popen(
        [sys.executable, "-m", "schemasync", *args],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
    )
    os.close(follower)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    assert process.stdout is not None
    stdout = process.stdout.read().decode()
    code = process.wait(timeout=300)
    os.close(leader)
    return code, shown.decode(), stdout


def test_plural() -> None:
    assert [plural(n, "problem") for n in (0, 1, 2)] == ["0 problems", "1 problem", "2 problems"]
    assert plural(1, "index", "indexes") == "1 index"
    assert plural(3, "index", "indexes") == "3 indexes"


def test_progress_on_a_terminal(tmp_path: Path) -> None:
    root = project(tmp_path / "app", MIGRATIONS)

    code, shown, stdout = _with_terminal_stderr(root, "run")

    assert code == 0, shown
    steps = [
        "reading the schema (source migrations)",
        "starting a throwaway PostgreSQL server",
        "applying migration 1 of 2 (supabase/migrations/0001_teams.sql)",
        "applying migration 2 of 2 (supabase/migrations/0002_members.sql)",
        "introspecting the migrated database",
        "emitting tables",
    ]
    positions = [shown.find(f"\r\x1b[K{step}…") for step in steps]
    assert -1 not in positions, repr(shown)
    assert positions == sorted(positions)
    # The line is erased at the end: the terminal is left clean.
    assert shown.endswith("\r\x1b[K"), repr(shown)
    assert "wrote schemasync.lock" in stdout.splitlines()


def test_no_progress_with_quiet_on_a_terminal(tmp_path: Path) -> None:
    root = project(tmp_path / "app", MIGRATIONS)

    code, shown, stdout = _with_terminal_stderr(root, "run", "--quiet")

    assert code == 0, shown
    assert shown == ""
    assert "wrote schemasync.lock" in stdout.splitlines()


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    root = project(tmp_path / "app", MIGRATIONS)

    result = run_cli("run", cwd=root, env={"PYTHONPATH": tables_emitter_path(tmp_path / "site")})

    assert result.code == 0, result.stderr
    # Only the one line saying which PostgreSQL ran; no progress.
    [engine] = result.stderr.splitlines()
    assert engine.startswith("info: applying the migrations on PostgreSQL ")


@pytest.mark.parametrize("where", ["before", "after"])
def test_global_flags_before_or_after_the_command(tmp_path: Path, where: str) -> None:
    flags = ["--debug", "--quiet"]
    args = [*flags, "plugins"] if where == "before" else ["plugins", *flags]

    result = run_cli(*args, cwd=tmp_path)

    assert result.code == 0, result.stderr
    assert "postgres" in result.stdout


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_before_or_after_the_command_shows_the_traceback(tmp_path: Path, where: str) -> None:
    (tmp_path / "schemasync.toml").write_text("include_schema = ['public']\n")
    args = ["--debug", "inspect"] if where == "before" else ["inspect", "--debug"]

    result = run_cli(*args, cwd=tmp_path)

    assert result.code == 3
    assert "Traceback" in result.stderr
    assert "did you mean `include_schemas`?" in result.stderr


def test_one_problem_is_one_problem(tmp_path: Path) -> None:
    folder = tmp_path / "supabase" / "migrations"
    folder.mkdir(parents=True)
    (folder / "0001_bad.sql").write_text("CREATE TABLE bad_1 (id int);\n")
    (tmp_path / "schemasync.toml").write_text("[lint]\ntables = '^[a-z]+$'\n")

    result = run_cli("lint-migrations", cwd=tmp_path)

    assert result.code == 1, result.stderr
    assert result.stdout.splitlines()[-1] == "1 problem in 1 migration"
