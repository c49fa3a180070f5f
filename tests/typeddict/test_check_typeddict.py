"""Drift end to end: ``run``, a migration, then ``check`` / ``diff`` / ``report`` as a user
runs them, against a real server; hand-written models checked against a database."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli import Result, run_cli
from pg import run_sql
from schemasync.codegen.lock import read_lock

pytestmark = pytest.mark.postgres

SCHEMA_SQL = """
CREATE TYPE public.task_status AS ENUM ('todo', 'doing', 'done');
CREATE TABLE public.projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    status public.task_status NOT NULL DEFAULT 'todo',
    note text
);
CREATE TABLE public.legacy_orders (id int PRIMARY KEY, total numeric(10, 2));
"""
MODELS = "models/typeddict_models/models.py"
HANDWRITTEN = Path(__file__).parents[1] / "fixtures" / "handwritten"
#: A DSN nothing listens on: an offline check must never need it.
UNREACHABLE = "postgresql://nobody:secret@127.0.0.1:1/nowhere"


@pytest.fixture
def project(pg_dsn: str, tmp_path: Path) -> tuple[Path, str]:
    """A project synced with SCHEMA_SQL: ``run`` has written models, lock and version."""
    run_sql(pg_dsn, SCHEMA_SQL)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0"\n\n[tool.schemasync]\nemit = ["typeddict"]\n'
    )
    done = run_cli("run", cwd=tmp_path, dsn=pg_dsn)
    assert done.code == 0, done.stderr
    return tmp_path, pg_dsn


def lines(result: Result) -> list[str]:
    return result.stdout.splitlines()


def changes(result: Result) -> set[tuple[str, str, str, str]]:
    document = json.loads(result.stdout)
    return {(c["severity"], c["kind"], c["path"], c["side"]) for c in document["changes"]}


def test_no_change_since_run_exits_0_with_one_line(project: tuple[Path, str]) -> None:
    root, dsn = project
    result = run_cli("check", cwd=root, dsn=dsn)
    assert result.code == 0, result.stderr
    assert len(lines(result)) == 1
    assert lines(result)[0].startswith("ok: no drift (the database vs the lock and the models;")


def test_a_dropped_column_exits_1_and_names_it_critical(project: tuple[Path, str]) -> None:
    root, dsn = project
    run_sql(dsn, "ALTER TABLE projects DROP COLUMN note")

    result = run_cli("check", cwd=root, dsn=dsn)

    assert result.code == 1, result.stderr
    code = run_cli("check", "--against", "code", "--format", "json", cwd=root, dsn=dsn)
    where = json.loads(code.stdout)["changes"][0]["where"]
    assert where.startswith(f"{MODELS}:")
    # Both sides by default: the lock's finding beside the models', which says where.
    assert [line.split()[:3] + line.split()[-2:] for line in lines(result)[:2]] == [
        ["CRITICAL", "public.projects.note", "column.removed:", "removed", "[lock]"],
        ["CRITICAL", "public.projects.note", "column.removed:", "[code:", f"{where}]"],
    ]
    assert lines(result)[-1].startswith("2 changes (2 critical); failing at high or above")
    both = run_cli("check", "--format", "json", cwd=root, dsn=dsn)
    assert changes(both) == {
        ("critical", "column.removed", "public.projects.note", "lock"),
        ("critical", "column.removed", "public.projects.note", "code"),
    }
    assert changes(code) == {("critical", "column.removed", "public.projects.note", "code")}


def test_fail_on_and_config_overrides_decide_the_exit_code(project: tuple[Path, str]) -> None:
    root, dsn = project
    run_sql(dsn, "ALTER TYPE task_status ADD VALUE 'blocked'")  # MEDIUM

    assert run_cli("check", cwd=root, dsn=dsn).code == 0
    assert run_cli("check", "--fail-on", "medium", cwd=root, dsn=dsn).code == 1
    with (root / "pyproject.toml").open("a") as handle:
        handle.write('fail_on = "low"\n[tool.schemasync.severity]\n"enum.*" = "critical"\n')
    result = run_cli("check", "--format", "json", cwd=root, dsn=dsn)
    assert result.code == 1
    assert changes(result) == {
        ("critical", "enum.label_added", "public.task_status.blocked", "lock"),
        ("critical", "enum.label_added", "public.task_status.blocked", "code"),
    }


def test_every_format_carries_the_changes(project: tuple[Path, str]) -> None:
    root, dsn = project
    run_sql(
        dsn, "ALTER TABLE projects DROP COLUMN note; ALTER TABLE projects ADD COLUMN owner text"
    )
    markdown = run_cli("check", "--format", "markdown", cwd=root, dsn=dsn)
    assert markdown.code == 1
    assert "| 🔴 CRITICAL | <code>public.projects.note</code> |" in markdown.stdout
    assert "| ⚪ LOW | <code>public.projects.owner</code> |" in markdown.stdout
    github = run_cli("check", "--format", "github", cwd=root, dsn=dsn)
    assert github.code == 1
    assert "::error title=CRITICAL column.removed::public.projects.note: column removed" in (
        github.stdout
    )
    assert "::warning title=LOW column.added::public.projects.owner" in github.stdout
    # The models' side of the same change points at the file and line that hold it.
    document = json.loads(run_cli("check", "--format", "json", cwd=root, dsn=dsn).stdout)
    where = next(c["where"] for c in document["changes"] if c["side"] == "code")
    line = where.rpartition(":")[2]
    assert line.isdigit()
    assert (
        f"::error title=CRITICAL column.removed,file={MODELS},line={line}::"
        "public.projects.note: ProjectRow.note has no column in the database"
    ) in github.stdout
    diff = run_cli("diff", cwd=root, dsn=dsn)
    assert diff.code == 0  # diff shows; check decides
    assert "before: text" in diff.stdout
    assert "after:  text" in diff.stdout


def test_report_writes_markdown_and_the_step_summary(
    project: tuple[Path, str], tmp_path: Path
) -> None:
    root, dsn = project
    run_sql(dsn, "ALTER TABLE projects ALTER COLUMN name DROP NOT NULL")
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    result = run_cli(
        "report", "--output", "drift.md", "--step-summary",
        cwd=root, dsn=dsn, env={"GITHUB_STEP_SUMMARY": str(summary)},
    )  # fmt: skip
    assert result.code == 0, result.stderr
    report = (root / "drift.md").read_text()
    assert report.startswith("## schemasync: schema drift")
    assert r"column.made\_nullable" in report  # escaped: Markdown reads _ as emphasis
    assert "<details><summary>Before and after</summary>" in report
    assert summary.read_text() == "earlier step\n" + report
    missing = run_cli("report", "--step-summary", cwd=root, dsn=dsn)
    assert missing.code == 2
    assert "GITHUB_STEP_SUMMARY" in missing.stderr


def test_stale_generated_files_fail_online_and_offline(project: tuple[Path, str]) -> None:
    root, dsn = project
    models = root / MODELS
    models.write_text(models.read_text() + "\nEXTRA = 1\n")
    (root / "schema_version.py").unlink()

    for args in (("check",), ("check", "--offline")):
        result = run_cli(*args, cwd=root, dsn=dsn)
        assert result.code == 1, result.stdout
        assert f"STALE     {MODELS}: changed; run `schemasync run` to regenerate it" in lines(
            result
        )
        assert "STALE     schema_version.py: missing; run `schemasync run` to regenerate it" in (
            lines(result)
        )
    assert run_cli("run", cwd=root, dsn=dsn).code == 0
    assert run_cli("check", "--offline", cwd=root).code == 0


def test_formatters_over_the_output_do_not_make_it_stale(project: tuple[Path, str]) -> None:
    root, dsn = project
    folder = str(root / MODELS).rsplit("/", 1)[0]
    # Package layout too: several modules, imports between them.
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text()
        + '[tool.schemasync.emitters.typeddict]\nlayout = "package"\n'
    )
    assert run_cli("run", cwd=root, dsn=dsn).code == 0
    before = {p: p.read_bytes() for p in Path(folder).rglob("*.py")}
    # ruff format (a short line length: every module changes) and its isort rules.
    for command in (
        ["ruff", "format", "--isolated", "--line-length", "60", folder],
        ["ruff", "check", "--isolated", "--select", "I", "--fix", folder],
    ):
        subprocess.run([sys.executable, "-m", *command], check=True, capture_output=True)
    assert any(p.read_bytes() != content for p, content in before.items())

    for args in (("check", "--offline"), ("check",)):
        result = run_cli(*args, cwd=root, dsn=dsn)
        assert result.code == 0, result.stdout
        assert result.stdout.startswith("ok: no drift")
    public = Path(folder) / "public.py"
    public.write_text(public.read_text().replace("name: str", "name: bytes", 1))
    result = run_cli("check", "--offline", cwd=root)
    assert result.code == 1, result.stdout
    relative = public.relative_to(root).as_posix()
    assert f"STALE     {relative}: changed; run `schemasync run` to regenerate it" in lines(result)


def test_a_generated_file_that_does_not_compile_is_a_finding(project: tuple[Path, str]) -> None:
    """What ``run`` wrote (the lock records its digest) but not valid Python: ``check``
    reports it, online and offline, instead of saying ok or crashing."""
    root, dsn = project
    models = root / MODELS
    broken = models.read_bytes() + b"\nif True:\n"
    models.write_bytes(broken)
    lock_path = root / "schemasync.lock"
    lock = json.loads(lock_path.read_text())
    lock["outputs"][MODELS] = "sha256:" + hashlib.sha256(broken).hexdigest()
    lock_path.write_text(json.dumps(lock, indent=2) + "\n")
    for args in (("check", "--against", "lock"), ("check", "--offline")):
        result = run_cli(*args, cwd=root, dsn=dsn)
        assert result.code == 1, result.stdout + result.stderr
        assert f"STALE     {MODELS}: invalid; run `schemasync run` to regenerate it" in lines(
            result
        )


def test_offline_check_needs_no_database_and_never_imports_psycopg(
    project: tuple[Path, str],
) -> None:
    root, _ = project
    result = run_cli("check", "--offline", cwd=root, dsn=UNREACHABLE)
    assert result.code == 0, result.stderr
    assert lines(result)[0].startswith("ok: no drift (the lock vs the models;")
    probe = (
        "import sys\nfrom schemasync.cli.main import main\ncode = main(['check', '--offline'])\n"
        "assert code == 0, code\nloaded = [m for m in ('psycopg', 'pglast') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_offline_check_reads_hand_written_models_against_the_lock(
    project: tuple[Path, str],
) -> None:
    root, _ = project
    (root / "app").mkdir()
    (root / "app" / "types.py").write_text(
        "from typing import Literal, TypedDict\n"
        "Status = Literal['todo', 'doing']\n"
        "class Project(TypedDict):\n    id: int\n    name: str\n    status: Status\n"
        "class Widget(TypedDict):\n    id: int\n"
    )
    with (root / "pyproject.toml").open("a") as handle:
        handle.write('models = ["app/*.py"]\n')
    result = run_cli("check", "--offline", "--format", "json", cwd=root, dsn=UNREACHABLE)
    # Settings changed, so the lock's fingerprint no longer holds: the files are compared by
    # rendering them again, and they are still current.
    assert json.loads(result.stdout)["stale"] == []
    # Status is a type alias: it is compared where Project uses it. Widget stands for
    # nothing; Project lacks a column.
    assert changes(result) == {
        ("medium", "model.unmatched", "Widget", "code"),
        ("medium", "enum.label_added", "public.task_status.done", "code"),
        ("low", "column.added", "public.projects.note", "code"),
    }
    assert result.code == 0


def test_hand_written_models_are_checked_against_the_database(pg_dsn: str, tmp_path: Path) -> None:
    root = tmp_path / "handwritten"
    shutil.copytree(HANDWRITTEN, root)
    run_sql(pg_dsn, (root / "schema.sql").read_text())

    result = run_cli("check", "--format", "json", cwd=root, dsn=pg_dsn)

    document = json.loads(result.stdout)
    assert document["model_files"] == ["app/__init__.py", "app/models.py"]
    found = {(c["severity"], c["kind"], c["path"]) for c in document["changes"]}
    assert found == {
        ("medium", "enum.label_added", "public.task_status.archived"),
        ("critical", "enum.label_removed", "public.task_status.blocked"),
        ("medium", "column.made_not_null", "public.projects.name"),
        ("critical", "column.type_changed", "public.projects.owner_id"),
        ("critical", "column.removed", "public.projects.archived"),
        ("high", "column.default_removed_required", "public.tasks.project_id"),
        ("high", "column.default_removed_required", "public.tasks.title"),
        ("low", "column.added", "public.tasks.estimate"),
        ("low", "column.added", "public.tasks.id"),
        ("high", "column.made_nullable", "public.tasks.estimate"),
        ("medium", "model.unmatched", "Helper"),
    }
    by_path = {c["path"]: c for c in document["changes"]}
    assert by_path["public.projects.owner_id"]["before"] == "str"
    assert by_path["public.projects.owner_id"]["after"] == "UUID"
    assert by_path["Helper"]["where"] == "app/models.py:53"
    assert result.code == 1
    # Without a lock, only the models can be checked: the lock side says so.
    lock_side = run_cli("check", "--against", "lock", cwd=root, dsn=pg_dsn)
    assert lock_side.code == 3
    assert "no lock file at schemasync.lock" in lock_side.stderr
    assert read_lock(root / "schemasync.lock") is None


def test_install_hook_refuses_a_foreign_hook(tmp_path: Path) -> None:
    git = shutil.which("git")
    assert git is not None, "git is needed to test the hook installer"
    subprocess.run([git, "init", "-q", str(tmp_path)], check=True)
    hook = tmp_path / ".git" / "hooks" / "pre-commit"

    installed = run_cli("install-hook", cwd=tmp_path)
    assert installed.code == 0, installed.stderr
    assert "schemasync check --offline" in hook.read_text()
    assert os.access(hook, os.X_OK)
    assert run_cli("install-hook", cwd=tmp_path).code == 0  # refreshing our own is fine
    assert run_cli("install-hook", "--uninstall", cwd=tmp_path).code == 0
    assert not hook.exists()

    hook.write_text("#!/bin/sh\nmake lint\n")
    refused = run_cli("install-hook", cwd=tmp_path)
    assert refused.code == 3
    assert "was not written by schemasync; it was left alone" in refused.stderr
    assert hook.read_text() == "#!/bin/sh\nmake lint\n"
    assert run_cli("install-hook", "--uninstall", cwd=tmp_path).code == 3
    assert hook.read_text() == "#!/bin/sh\nmake lint\n"


def test_install_hook_outside_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    # Stops git from finding a repository in a folder above the test's.
    env = {"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)}
    result = run_cli("install-hook", cwd=tmp_path, env=env)
    assert result.code == 2
    assert "is not inside a git repository" in result.stderr


def test_the_pre_commit_framework_runs_the_hook(project: tuple[Path, str]) -> None:
    root, _ = project
    git = shutil.which("git")
    assert git is not None, "git is needed to run the pre-commit framework"
    repository = Path(__file__).parents[2]
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "-A"], [*identity, "commit", "-qm", "models"]):
        subprocess.run([git, *args], cwd=root, check=True, capture_output=True)
    # The hook runs the schemasync of the project's environment: this interpreter's.
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(root.parent / "pre-commit-home"),
        "DATABASE_URL": UNREACHABLE,
    }
    command = [
        sys.executable, "-m", "pre_commit", "try-repo", str(repository), "schemasync-check",
        "--all-files",
    ]  # fmt: skip

    def hook() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, cwd=root, env=env, capture_output=True, text=True, check=False
        )

    passed = hook()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "schemasync check" in passed.stdout
    models = root / MODELS
    models.write_text(models.read_text() + "\nEXTRA = 1\n")
    failed = hook()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert f"{MODELS}: changed" in failed.stdout


def test_classes_renamed_around_reserved_names_are_placed(pg_dsn: str, tmp_path: Path) -> None:
    # The module defines JsonValue itself, so the enum's class becomes JsonValue2.
    # Quoted: JSON_VALUE is a keyword from PostgreSQL 17 on.
    run_sql(pg_dsn, "CREATE TYPE \"json_value\" AS ENUM ('a', 'b'); "
            "CREATE TABLE items (id int PRIMARY KEY, kind \"json_value\")")  # fmt: skip
    (tmp_path / "pyproject.toml").write_text(
        '[tool.schemasync]\nemit = ["typeddict"]\n'
        '[tool.schemasync.emitters.typeddict]\nenum_style = "str-enum"\n'
    )
    assert run_cli("run", cwd=tmp_path, dsn=pg_dsn).code == 0
    assert "class JsonValue2(str, Enum):" in (tmp_path / MODELS).read_text()

    result = run_cli("check", "--against", "code", "--format", "json", cwd=tmp_path, dsn=pg_dsn)

    assert (result.code, changes(result)) == (0, set()), result.stdout + result.stderr


def _commit_env(path: str) -> dict[str, str]:
    """The environment of a commit made with the virtual environment off ``PATH``."""
    return {"PATH": path, "HOME": os.environ.get("HOME", "/"), "DATABASE_URL": UNREACHABLE}


def test_the_hook_runs_with_the_virtual_environment_off_path(project: tuple[Path, str]) -> None:
    root, _ = project
    git = shutil.which("git")
    assert git is not None, "git is needed to test the hook"
    subprocess.run([git, "init", "-q", str(root)], check=True)
    assert run_cli("install-hook", cwd=root).code == 0
    hook = root / ".git" / "hooks" / "pre-commit"
    assert f"python={sys.executable}\n" in hook.read_text()
    # No schemasync, and no Python of the project, on this PATH.
    bare = os.pathsep.join(p for p in ("/usr/bin", "/bin") if Path(p).is_dir())
    assert shutil.which("schemasync", path=bare) is None

    done = subprocess.run(
        [str(hook)], cwd=root, env=_commit_env(bare), capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: no drift (the lock vs the models;")
    (root / MODELS).write_text((root / MODELS).read_text().replace("str", "int"))
    failing = subprocess.run(
        [str(hook)], cwd=root, env=_commit_env(bare), capture_output=True, text=True, check=False
    )
    assert failing.returncode == 1, failing.stderr


def test_the_hook_falls_back_to_the_project_venv_and_says_when_there_is_none(
    project: tuple[Path, str],
) -> None:
    from schemasync.cli.githook import hook_script

    root, _ = project
    git = shutil.which("git")
    assert git is not None, "git is needed to test the hook"
    subprocess.run([git, "init", "-q", str(root)], check=True)
    hook = root / "hook.sh"
    gone = str(root / "removed-venv" / "bin" / "python")
    hook.write_text(hook_script(gone))
    hook.chmod(0o755)
    bare = os.pathsep.join(p for p in ("/usr/bin", "/bin") if Path(p).is_dir())

    def commit() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(hook)],
            cwd=root,
            env=_commit_env(bare),
            capture_output=True,
            text=True,
            check=False,
        )

    missing = commit()
    assert missing.returncode == 1
    assert missing.stderr.startswith(f"schemasync pre-commit hook: neither {gone} ")
    assert "python -m schemasync install-hook" in missing.stderr
    (root / ".venv" / "bin").mkdir(parents=True)
    # Stands in for the project's environment: this interpreter, under .venv/bin/python.
    venv_python = root / ".venv" / "bin" / "python"
    venv_python.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
    venv_python.chmod(0o755)
    found = commit()
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith("ok: no drift")


def test_nullability_changes_are_named_as_such_from_code(project: tuple[Path, str]) -> None:
    root, dsn = project
    run_sql(
        dsn,
        "ALTER TABLE projects ALTER COLUMN name DROP NOT NULL, ALTER COLUMN note SET NOT NULL",
    )
    result = run_cli("check", "--against", "code", "--format", "json", cwd=root, dsn=dsn)
    # Row and Insert both disagree with the database; each fact is reported once, by name:
    # never as a default added or dropped.
    assert changes(result) == {
        ("high", "column.made_nullable", "public.projects.name", "code"),
        ("medium", "column.made_not_null", "public.projects.note", "code"),
    }
    offline = run_cli("check", "--against", "lock", "--format", "json", cwd=root, dsn=dsn)
    assert changes(offline) == {
        ("high", "column.made_nullable", "public.projects.name", "lock"),
        ("medium", "column.made_not_null", "public.projects.note", "lock"),
    }
    # diff shows each the right way round, and an added table with what it holds, no "null".
    run_sql(dsn, "CREATE TABLE later (id int)")
    shown = lines(run_cli("diff", "--against", "lock", cwd=root, dsn=dsn))
    made_not_null = shown.index(next(x for x in shown if "column.made_not_null" in x))
    assert [x.strip() for x in shown[made_not_null + 1 : made_not_null + 3]] == [
        "before: NULL",
        "after:  NOT NULL",
    ]
    made_nullable = shown.index(next(x for x in shown if "column.made_nullable" in x))
    assert [x.strip() for x in shown[made_nullable + 1 : made_nullable + 3]] == [
        "before: NOT NULL",
        "after:  NULL",
    ]
    added = shown.index(next(x for x in shown if "table.added" in x))
    assert shown[added + 1].strip() == 'after:  {"id": "integer"}'


def test_a_lock_written_before_functions_were_filtered_reports_none_removed(
    project: tuple[Path, str],
) -> None:
    """Locks written before the IR left out functions no client calls still list them (with
    none of the fields added since); the first check against such a lock says nothing of them,
    and still reports a callable function that really went."""
    root, dsn = project
    run_sql(
        dsn,
        "CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql"
        " AS 'BEGIN RETURN NEW; END';"
        "CREATE FUNCTION public.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS 'BEGIN END';"
        "CREATE AGGREGATE public.total(numeric) (sfunc = numeric_add, stype = numeric);",
    )
    lock_path = root / "schemasync.lock"
    lock = json.loads(lock_path.read_text())

    def old(name: str, returns: str, kind: str = "function", args: str = "") -> dict[str, object]:
        # What the introspection of the time wrote: no type_ref, no return_type.
        arguments = [{"name": None, "type": args, "mode": "in", "has_default": False}]
        return {
            "schema": "public", "name": name, "identity_arguments": args,
            "arguments": arguments if args else [], "returns": returns, "kind": kind,
            "returns_set": False, "language": "plpgsql" if kind == "function" else "internal",
            "volatility": "volatile", "security_definer": False, "comment": None,
        }  # fmt: skip

    lock["schema"]["functions"] = [
        old("on_ddl", "event_trigger"),
        old("rank_all", "bigint", kind="window"),
        old("total", "numeric", kind="aggregate", args="numeric"),
        old("touch", "trigger"),
        old("vanished", "integer"),
    ]
    lock["hash"] = "0" * 64  # the old schema's hash: it listed those functions
    lock_path.write_text(json.dumps(lock, indent=2) + "\n")
    assert read_lock(lock_path) is not None  # still a lock this version reads

    result = run_cli("check", "--against", "lock", "--format", "json", cwd=root, dsn=dsn)

    assert changes(result) == {
        ("critical", "function.removed", "public.vanished()", "lock"),
    }, result.stderr
