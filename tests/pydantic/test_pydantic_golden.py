"""The Pydantic emitter's output for the SQL fixtures, byte for byte, what checkers say of
it, and what the drift checker reads back from it.

Each case of ``pydantic_support.CASES`` (the TypedDict emitter's fixtures, with options of
this emitter) is generated through ``schemasync.codegen.generate.plan`` from a real database and
compared
with ``golden/<case>/``; run pytest with ``--update-golden`` to rewrite those files instead,
then review the diff. The same output must pass ``ruff check`` (default rules), ``mypy
--strict`` with the pydantic plugin, ``pyright`` in strict mode, and import without a
warning.
"""

from __future__ import annotations

import ast
import difflib
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic_support import CASES, EMITTER, GOLDEN, Case, model_set

from generated import (
    assert_laid_out_for,
    assert_ruff_format_keeps,
    assert_run_then_check_is_clean,
    generate,
    load_schema,
    mypy,
    run_python,
    write_package,
)
from pg import PgServer, fixture_databases
from schemasync import ir
from schemasync.plugins import load_plugins
from schemasync_pydantic import schemasync_read_models

pytestmark = pytest.mark.postgres

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
    return {
        case.name: generate(
            host, schemas[case.fixture], EMITTER, case.options, tmp_path_factory.mktemp(case.name)
        )
        for case in CASES
    }


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


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_check_right_after_run_finds_nothing(
    case: Case, databases: dict[str, str], tmp_path: Path
) -> None:
    """``run`` then ``check --against code``, ``lock`` and ``both`` on the fixture's database
    exit 0 with no change: the reader, the naming rules and the type comparison agree with
    the emitter on every construct of the fixtures, in each case's options."""
    assert_run_then_check_is_clean(EMITTER, case.options, databases[case.fixture], tmp_path)


def _packages(python: str) -> list[str]:
    return [case.package for case in CASES if case.python == python]


def test_ruff_passes_with_default_rules_and_import_order(written: Path) -> None:
    for python in sorted({case.python for case in CASES}):
        target = "py" + python.replace(".", "")
        result = run_python(
            "-m", "ruff", "check", "--isolated", "--no-cache", "--target-version", target,
            "--extend-select", "I001,RUF022",
            *_packages(python), cwd=written,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_leaves_the_output_unchanged(written: Path) -> None:
    """The formatter's defaults (line length 88) find nothing to change."""
    assert_ruff_format_keeps(written, [case.package for case in CASES])


@pytest.mark.parametrize("line_length", [60, 120])
def test_output_for_another_line_length_is_what_ruff_format_keeps(
    schemas: dict[str, ir.Schema], tmp_path: Path, line_length: int
) -> None:
    assert_laid_out_for(line_length, EMITTER, CASES, schemas, tmp_path)


@pytest.mark.typecheck
def test_mypy_strict_with_the_pydantic_plugin_passes(
    written: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    cache = tmp_path_factory.mktemp("mypy-cache")
    for python in sorted({case.python for case in CASES}):
        result = mypy(
            _packages(python), cwd=written, python=python, cache=cache, plugins=["pydantic.mypy"]
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Success: no issues found" in result.stdout


@pytest.mark.typecheck
def test_pyright_strict_passes(written: Path) -> None:
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


def test_every_module_imports_and_every_model_builds_without_a_warning(written: Path) -> None:
    running = sys.version_info[:2]
    importable = [c for c in CASES if tuple(map(int, c.python.split("."))) <= running]
    modules = [
        ".".join(path.relative_to(written).with_suffix("").parts)
        for case in importable
        for path in sorted((written / case.package).rglob("*.py"))
    ]
    # Every warning is an error; defer_build postpones the validators, so build them all.
    code = "\n".join(
        [f"import {module}" for module in modules]
        + [
            "import pydantic, sys",
            "for name, module in list(sys.modules.items()):",
            "    if name.startswith(tuple(" + repr([c.package for c in importable]) + ")):",
            "        for value in list(vars(module).values()):",
            "            if isinstance(value, type) and issubclass(value, pydantic.BaseModel)"
            " and value is not pydantic.BaseModel:",
            "                assert value.model_rebuild(force=True) is not False",
            "                value.model_json_schema(mode='validation')",
        ]
    )
    result = run_python("-W", "error", "-B", "-c", code, cwd=written)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_every_generated_class_is_read_back(
    case: Case, generated: Generated, schemas: dict[str, ir.Schema]
) -> None:
    embedded = bool(case.options.get("embedded_rows"))
    classes = model_set(
        load_plugins(), schemas[case.fixture], "python", embedded_rows=embedded
    ).classes
    read = {
        model.name: model
        for path, content in generated[case.name].items()
        for model in schemasync_read_models(tree=ast.parse(content), path=Path(path))
    }
    assert sorted(read) == sorted(c.name for c in classes)
    for cls in classes:
        model = read[cls.name]
        assert model.kind == "model"
        assert model.flavour == "pydantic"
        # Wire names: the alias where the attribute differs, the attribute otherwise.
        assert [f.alias or f.name for f in model.fields] == [f.db_name for f in cls.fields]
        assert [f.required for f in model.fields] == [f.required for f in cls.fields]
        for local, f in zip(model.fields, cls.fields, strict=True):
            assert "Annotated" not in local.annotation
            assert "Field(" not in local.annotation
            # MISSING says the field may be left out, which ``required`` already says.
            assert "MISSING" not in local.annotation
            nullable = local.annotation.endswith("| None") or local.annotation == "None"
            assert nullable == f.nullable, (cls.name, local)


LAZY = next(case for case in CASES if case.options.get("layout") == "lazy-package")


def test_the_lazy_package_imports_a_module_when_one_of_its_names_is_first_used(
    written: Path,
) -> None:
    package = f"everything_{LAZY.variant.replace('-', '_')}"
    code = f"""
import sys
import {package} as models

loaded = lambda: sorted(m for m in sys.modules if m.startswith("{package}."))
assert loaded() == [], loaded()

from {package} import ProjectRow
assert ProjectRow.__module__ == "{package}._public_projects"
assert loaded() == ["{package}._public_projects", "{package}._types"], loaded()
assert models.ProjectRow is ProjectRow and "ProjectRow" in vars(models)
# Names are bound in the package when first used, and listed by dir() before.
assert "ProjectInsert" in dir(models) and "ProjectInsert" not in vars(models)
insert = models.ProjectInsert.model_validate({{"account_id": 1, "Name": "n", "from": None}})
assert insert.model_dump(exclude_unset=True) == {{"account_id": 1, "Name": "n", "from": None}}

assert set(models.__all__) <= set(dir(models)), "dir() lacks exported names"
try:
    models.Nope
except AttributeError as error:
    assert "Nope" in str(error)
else:
    raise AssertionError("an unknown name resolved")

namespace = {{}}
exec("from {package} import *", namespace)
assert set(models.__all__) <= set(namespace)
"""
    result = run_python("-W", "error", "-B", "-c", code, cwd=written)
    assert result.returncode == 0, result.stderr


@pytest.mark.typecheck
def test_type_checkers_see_every_name_of_the_lazy_package_and_only_those(
    written: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    package = f"everything_{LAZY.variant.replace('-', '_')}"
    (written / "lazy_user.py").write_text(
        f"from {package} import ProjectInsert, ProjectRow, TaskStatus\n"
        f"from {package} import ProjectRoww\n\n"
        "row: ProjectRow = ProjectRow.model_validate({})\n"
        "insert = ProjectInsert(account_id=1, Name=row.Name, status=TaskStatus.TODO)\n",
        encoding="utf-8",
    )
    cache = tmp_path_factory.mktemp("mypy-cache-lazy")
    result = mypy(
        ["lazy_user.py"], cwd=written, python=LAZY.python, cache=cache, plugins=["pydantic.mypy"]
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, result.stdout
    assert errors[0].startswith("lazy_user.py:2:")
    assert "ProjectRoww" in errors[0]
