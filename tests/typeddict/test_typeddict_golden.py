"""The TypedDict emitter's output for the SQL fixtures, byte for byte, and what checkers say
of it.

Each case of ``typeddict_support.CASES`` (a fixture and a set of options) is generated through
``schemasync.codegen.generate.plan`` from a real database and compared with ``golden/<case>/``; run
pytest with ``--update-golden`` to rewrite those files instead, then review the diff. The
IR is canonical across PostgreSQL releases, so the golden files hold for every server.

The same output must pass ``ruff check`` (default rules), ``mypy --strict``, ``pyright`` in
strict mode, and import without a warning, each for the Python it targets.
"""

from __future__ import annotations

import difflib
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typeddict_support import (
    CASES,
    GOLDEN,
    Case,
    generate,
    load_schema,
    mypy,
    run_python,
    write_package,
)

from generated import assert_laid_out_for, assert_ruff_format_keeps, assert_run_then_check_is_clean
from pg import PgServer, fixture_databases
from schemasync import ir
from schemasync.plugins import load_plugins

Generated = dict[str, dict[str, bytes]]


@pytest.fixture(scope="module")
def databases(pg_server: PgServer) -> Iterator[dict[str, str]]:
    """Each fixture in a database of its own, kept for the module."""
    with fixture_databases(pg_server.dsn(), sorted({case.fixture for case in CASES})) as dsns:
        yield dsns


@pytest.fixture(scope="module")
def schemas(databases: dict[str, str]) -> dict[str, ir.Schema]:
    """Each fixture's schema, introspected once."""
    host = load_plugins()
    return {fixture: load_schema(host, dsn) for fixture, dsn in databases.items()}


@pytest.fixture(scope="module")
def generated(schemas: dict[str, ir.Schema], tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """Every case's files by path, by case name."""
    host = load_plugins()
    result: Generated = {}
    for fixture, schema in schemas.items():
        for case in CASES:
            if case.fixture == fixture:
                root = tmp_path_factory.mktemp(case.name)
                result[case.name] = generate(host, schema, case.options, root)
    return result


@pytest.fixture(scope="module")
def written(generated: Generated, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every case written as a package named after it, side by side in one folder."""
    root = tmp_path_factory.mktemp("generated")
    for case in CASES:
        write_package(root / case.package, generated[case.name])
    return root


def _on_disk(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
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
    case: Case, generated: Generated, update_golden: bool
) -> None:
    files = generated[case.name]
    folder = GOLDEN / case.name
    assert files, "the emitter wrote nothing"
    if update_golden:
        shutil.rmtree(folder, ignore_errors=True)
        for path, content in files.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_bytes(content)
        return
    golden = _on_disk(folder)
    assert sorted(files) == sorted(golden), "files differ: rerun with --update-golden"
    for path, content in files.items():
        assert content == golden[path], (
            f"{case.name}/{path} differs from the golden file (rerun with --update-golden "
            f"and review the diff):\n{_diff(path, golden[path], content)}"
        )


@pytest.mark.postgres
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_check_right_after_run_finds_nothing(
    case: Case, databases: dict[str, str], tmp_path: Path
) -> None:
    """``run`` then ``check --against code``, ``lock`` and ``both`` on the fixture's database
    exit 0 with no change: the reader, the naming rules and the type comparison agree with
    the emitter on every construct of the fixtures, in each case's options."""
    assert_run_then_check_is_clean("typeddict", case.options, databases[case.fixture], tmp_path)


def _packages(python: str) -> list[str]:
    return [case.package for case in CASES if case.python == python]


@pytest.mark.postgres
def test_ruff_passes_with_default_rules_and_import_order(written: Path) -> None:
    for python in sorted({case.python for case in CASES}):
        target = "py" + python.replace(".", "")
        result = run_python(
            "-m", "ruff", "check", "--isolated", "--no-cache", "--target-version", target,
            "--extend-select", "I001,RUF022",
            *_packages(python), cwd=written,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.postgres
def test_ruff_format_leaves_the_output_unchanged(written: Path) -> None:
    """The formatter's defaults (line length 88) find nothing to change."""
    assert_ruff_format_keeps(written, [case.package for case in CASES])


@pytest.mark.postgres
@pytest.mark.parametrize("line_length", [60, 120])
def test_output_for_another_line_length_is_what_ruff_format_keeps(
    schemas: dict[str, ir.Schema], tmp_path: Path, line_length: int
) -> None:
    assert_laid_out_for(line_length, "typeddict", CASES, schemas, tmp_path)


@pytest.mark.typecheck
@pytest.mark.postgres
def test_mypy_strict_passes(written: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    cache = tmp_path_factory.mktemp("mypy-cache")
    for python in sorted({case.python for case in CASES}):
        result = mypy(_packages(python), cwd=written, python=python, cache=cache)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Success: no issues found" in result.stdout


@pytest.mark.typecheck
@pytest.mark.postgres
def test_pyright_strict_passes(written: Path) -> None:
    # One run per Python version: pyright applies the pythonVersion of executionEnvironments
    # to none of the files.
    for python in sorted({case.python for case in CASES}):
        config = {
            "typeCheckingMode": "strict",
            "pythonVersion": python,
            "include": _packages(python),
        }
        (written / "pyrightconfig.json").write_text(json.dumps(config), encoding="utf-8")
        result = run_python(
            "-m", "pyright", "--warnings", "--pythonpath", sys.executable, "--project", ".",
            cwd=written,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        assert "0 errors, 0 warnings" in result.stdout


@pytest.mark.postgres
def test_every_module_imports_without_a_warning(written: Path) -> None:
    # Code for a newer Python than this one is checked above but cannot be imported here.
    running = sys.version_info[:2]
    importable = [c for c in CASES if tuple(map(int, c.python.split("."))) <= running]
    assert importable
    modules = [
        ".".join(path.relative_to(written).with_suffix("").parts)
        for case in importable
        for path in sorted((written / case.package).rglob("*.py"))
    ]
    assert len(modules) > len(importable)
    # Every warning is an error: an invalid escape in a docstring would show here.
    code = "\n".join(f"import {module}" for module in modules)
    result = run_python("-W", "error", "-B", "-c", code, cwd=written)
    assert result.returncode == 0, result.stderr
