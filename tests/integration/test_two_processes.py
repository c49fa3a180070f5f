"""A first ``run`` rendered in two processes writes, byte for byte, what one process writes,
whether the targets are shared out or one target is split in two parts, and leaves nothing
behind when a target, or a part of one, fails in either process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cli import run_cli
from pg import PgServer, fixture_databases

pytestmark = pytest.mark.postgres

TARGETS = '["typeddict", "pydantic", "msgspec", "docs"]'


@pytest.fixture(scope="module")
def everything(pg_server: PgServer) -> Iterator[str]:
    with fixture_databases(pg_server.dsn(), ["everything"]) as dsns:
        yield dsns["everything"]


def _project(root: Path, settings: str = "", targets: str = TARGETS) -> Path:
    root.mkdir()
    (root / "pyproject.toml").write_text(f"[tool.schemasync]\nemit = {targets}\n{settings}")
    return root


def _files(root: Path) -> dict[str, str]:
    """Every file of the project, but the time of the run the lock and
    ``schema_version.py`` record."""
    return {
        p.relative_to(root).as_posix(): "\n".join(
            line
            for line in p.read_text().splitlines()
            if not line.startswith(('  "last_sync": ', "LAST_SYNC: "))
        )
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


#: Target lists, and whether two processes split the first (one that costs more than twice
#: the others together, and renders a module per table) or share the targets out.
SHARES = {
    "every target, shared out": (TARGETS, False),
    "the Pydantic package alone, split": ('["pydantic"]', True),
    "the Pydantic package and TypedDicts, split and shared": ('["pydantic", "typeddict"]', True),
    "the Pydantic package and the docs, shared out": ('["pydantic", "docs"]', False),
    "the docs alone, split": ('["docs"]', True),
    "one Pydantic module, not split": (
        '["pydantic"]\n[tool.schemasync.emitters.pydantic]\nlayout = "module"',
        False,
    ),
}


@pytest.mark.parametrize("share", list(SHARES))
def test_two_processes_write_what_one_writes(everything: str, tmp_path: Path, share: str) -> None:
    targets, split = SHARES[share]
    one = _project(tmp_path / "one", targets=targets)
    two = _project(tmp_path / "two", targets=targets)

    alone = run_cli("run", "--debug", cwd=one, dsn=everything, env={"SCHEMASYNC_JOBS": "1"})
    shared = run_cli("run", "--debug", cwd=two, dsn=everything, env={"SCHEMASYNC_JOBS": "2"})

    assert alone.code == shared.code == 0, alone.stderr + shared.stderr
    assert "rendering in two processes" not in alone.stderr
    assert "in 2 parts" not in alone.stderr
    assert ("rendering in two processes" in shared.stderr) == (split or "," in targets)
    first = targets.split('"')[1]
    assert (f"{first} renders in 2 parts" in shared.stderr) == split
    assert _files(two) == _files(one)
    assert len(_files(one)) > 2
    # The same files reported in the same order: each target's in the order of their paths.
    assert shared.stdout == alone.stdout
    assert run_cli("check", cwd=two, dsn=everything).code == 0


@pytest.mark.parametrize("blocked", ["models/typeddict_models", "models/docs"])
def test_a_target_failing_in_either_process_leaves_the_project_as_it_was(
    everything: str, tmp_path: Path, blocked: str
) -> None:
    # A file where a target's folder goes: that target fails, whichever process renders it,
    # after the other targets have written their temporary files.
    root = _project(tmp_path / "app")
    (root / blocked).parent.mkdir(parents=True)
    (root / blocked).write_text("mine\n")
    before = _tree(root)

    result = run_cli("run", cwd=root, dsn=everything, env={"SCHEMASYNC_JOBS": "2"})

    assert result.code == 8, result.stderr
    assert f"{blocked} is a file, not a folder" in result.stderr
    assert _tree(root) == before


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every file and folder under ``root`` (folders as ``None``), temporary files included."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes() if p.is_file() else None
        for p in sorted(root.rglob("*"))
    }


def test_a_failure_after_both_parts_are_staged_leaves_the_project_as_it_was(
    everything: str, tmp_path: Path
) -> None:
    # Both processes write the Pydantic package into folders this run makes, then the run
    # fails on the version file (a folder is in its way): every file and folder made goes,
    # whichever process made the folders.
    root = _project(tmp_path / "app", targets='["pydantic"]')
    (root / "schema_version.py").mkdir()
    before = _tree(root)

    result = run_cli("run", "--debug", cwd=root, dsn=everything, env={"SCHEMASYNC_JOBS": "2"})

    assert result.code == 8, result.stderr
    assert "pydantic renders in 2 parts" in result.stderr
    assert "schema_version.py: it is a folder" in result.stderr
    assert _tree(root) == before


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_two_targets_writing_one_file_are_refused_and_nothing_is_written(
    everything: str, tmp_path: Path, jobs: str
) -> None:
    # Both write models.py into one folder: one would silently replace the other.
    root = _project(
        tmp_path / "app",
        '[tool.schemasync.emitters.typeddict]\noutput = "models/shared"\n'
        '[tool.schemasync.emitters.msgspec]\noutput = "models/shared"\n',
        targets='["typeddict", "msgspec"]',
    )
    before = _tree(root)

    result = run_cli("run", cwd=root, dsn=everything, env={"SCHEMASYNC_JOBS": jobs})

    assert result.code == 8, result.stderr
    assert result.stderr.splitlines() == [
        "error: targets typeddict and msgspec would both write models/shared/models.py",
        "  hint: give one of them another folder: [tool.schemasync.emitters.msgspec] output",
    ]
    assert _tree(root) == before
