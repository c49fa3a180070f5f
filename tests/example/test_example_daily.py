"""The daily loop on the example (examples/supabase-app, every first-party target): a schema
change rewrites only the files describing what changed, and a dropped table leaves nothing;
``ruff format`` finds nothing to change in what it writes.

It needs every first-party emitter, so it runs where they are all installed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli import Result, run_cli
from migration_project import EXAMPLE, write_migrations

pytestmark = pytest.mark.postgres

MIGRATIONS = "supabase/migrations"


def ok(result: Result) -> Result:
    assert result.code == 0, result.stderr
    return result


def files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and "supabase" not in p.parts and "__pycache__" not in p.parts
    }


def test_a_column_rewrites_only_its_table_s_files_and_a_dropped_table_leaves_nothing(
    tmp_path: Path,
) -> None:
    root = tmp_path / "supabase-app"
    shutil.copytree(EXAMPLE, root)
    first = ok(run_cli("run", cwd=root))
    generated = {path for path in first.wrote() if path != "schemasync.lock"}
    assert len(generated) > 30
    # Formatted as ruff formats it: the formatter's defaults find nothing to change.
    python = sorted(path for path in generated if path.endswith(".py"))
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--isolated", "--no-cache", *python],
        cwd=root,
        check=False,
        capture_output=True,
        text=True,
    )
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    before = files(root)

    write_migrations(
        root / MIGRATIONS,
        {"20240106090000_checksum.sql": "alter table public.attachments add column checksum text;"},
    )
    second = ok(run_cli("run", cwd=root))

    # One file per target describes public.attachments (the docs also have their
    # overview's metrics); nothing schema-wide is in any other file.
    assert second.wrote() == {
        "models/typeddict_models/public.py",
        "models/pydantic_models/_public_attachments.py",
        "models/msgspec_models/models.py",
        "schema-docs/README.md",
        "schema-docs/public/attachments.md",
        "schemasync.lock",
        "schema_version.py",
    }
    after = files(root)
    assert {path for path in after if after[path] != before.get(path)} == second.wrote()

    write_migrations(
        root / MIGRATIONS,
        {
            "20240107090000_drop.sql": (
                "drop view public.task_overview;\ndrop table public.attachments;\n"
            )
        },
    )
    third = ok(run_cli("run", cwd=root))

    deleted = {
        line.removeprefix("deleted ")
        for line in third.stdout.splitlines()
        if line.startswith("deleted ")
    }
    assert deleted == {
        "models/pydantic_models/_public_attachments.py",
        "models/pydantic_models/_public_task_overview.py",
        "schema-docs/public/attachments.md",
        "schema-docs/public/task_overview.md",
    }
    assert not any(path in files(root) for path in deleted)
    assert not any("attachments" in path for path in files(root))
    for args in (("check",), ("check", "--offline")):
        checked = ok(run_cli(*args, cwd=root))
        assert checked.stdout.startswith("ok: no drift")
