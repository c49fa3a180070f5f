"""The docs emitter's output for the SQL fixtures, byte for byte.

Each case of ``docs_support.CASES`` is generated through ``schemasync.run.plan`` from a real
database and compared with ``golden/<case>/``; run pytest with ``--update-golden`` to
rewrite those files instead, then review the diff. The IR is canonical across PostgreSQL
releases, so the golden files hold for every server.
"""

from __future__ import annotations

import difflib
import shutil

import pytest
from docs_support import CASES, GOLDEN, Case, Files


def _on_disk(case: str) -> Files:
    folder = GOLDEN / case
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _diff(path: str, expected: bytes, actual: bytes) -> str:
    lines = difflib.unified_diff(
        expected.decode().splitlines(keepends=True),
        actual.decode().splitlines(keepends=True),
        f"golden/{path}",
        f"generated/{path}",
    )
    return "".join(list(lines)[:80])


@pytest.mark.postgres
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_output_matches_the_golden_files(
    case: Case, documented: dict[str, Files], update_golden: bool
) -> None:
    files = documented[case.name]
    assert "README.md" in files
    if update_golden:
        shutil.rmtree(GOLDEN / case.name, ignore_errors=True)
        for path, content in files.items():
            target = GOLDEN / case.name / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        return
    golden = _on_disk(case.name)
    assert sorted(files) == sorted(golden), "files differ: rerun with --update-golden"
    for path, content in files.items():
        assert content == golden[path], (
            f"{case.name}/{path} differs from the golden file (rerun with --update-golden "
            f"and review the diff):\n{_diff(path, golden[path], content)}"
        )
