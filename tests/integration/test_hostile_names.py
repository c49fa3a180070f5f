"""``tests/fixtures/sql/hostile_names.sql`` through every Python emitter and layout, end to end:
types named like what a module imports (``Decimal``, ``UUID``, ``range``...), Unicode "other
numbers" in schema, table, column and label names, keywords, builtins, leading digits and
names that collide once made Python names.

``run`` writes each project from the real database, and ``check`` right after it (against
the code, the lock and both) finds nothing; the files compile and import, pass ``ruff check``,
``mypy --strict`` and pyright in strict mode, and the rows PostgreSQL gives validate through
every ``Row``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec
import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

import pydantic
from generated import (
    OUTPUT,
    assert_run_then_check_is_clean,
    import_path,
    load_schema,
    mypy,
    run_python,
)
from pg import PgServer, fixture_databases
from schemasync import __version__, ir
from schemasync.api import EmitContext
from schemasync.codegen.model import ClassModel
from schemasync.plugins import PluginHost, load_plugins

pytestmark = pytest.mark.postgres

EMITTERS = ("typeddict", "pydantic", "msgspec")
LAYOUTS = ("module", "package", "lazy-package")
#: (emitter, layout, profile): every layout with psycopg's rows, one with PostgREST's JSON.
CASES = [(e, layout, "python") for e in EMITTERS for layout in LAYOUTS]
CASES += [(e, "module", "json") for e in EMITTERS]
Case = tuple[str, str, str]


def _name(case: Case) -> str:
    return "_".join(case).replace("-", "_")


@pytest.fixture(scope="module")
def hostile(pg_server: PgServer) -> Iterator[str]:
    """The fixture's database, kept for the module."""
    with fixture_databases(pg_server.dsn(), ["hostile_names"]) as dsns:
        yield dsns["hostile_names"]


@pytest.fixture(scope="module")
def projects(hostile: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every case run as a project of its own, side by side (``<case>/out``), each checked
    clean right after ``run``."""
    root = tmp_path_factory.mktemp("hostile")
    for case in CASES:
        project = root / _name(case)
        project.mkdir()
        emitter, layout, profile = case
        options = {"layout": layout, "profile": profile}
        assert_run_then_check_is_clean(emitter, options, hostile, project)
        # A package, for the checkers to tell the projects' modules apart.
        (project / "__init__.py").touch()
    return root


def _entry(projects: Path, case: Case) -> Path:
    folder = projects / _name(case) / OUTPUT
    init = folder / "__init__.py"
    return init if init.exists() else folder / "models.py"


def _imported(projects: Path, case: Case) -> ModuleType:
    """The generated package or module, every name it exports looked up (a lazy package
    imports each module then)."""
    module = import_path(_entry(projects, case))
    for name in getattr(module, "__all__", ()):
        getattr(module, name)
    return module


def test_every_file_compiles_and_imports(projects: Path) -> None:
    for case in CASES:
        files = sorted((projects / _name(case) / OUTPUT).rglob("*.py"))
        assert files, case
        for path in files:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        _imported(projects, case)


@pytest.mark.typecheck
def test_ruff_mypy_and_pyright_pass(projects: Path) -> None:
    folders = [f"{_name(case)}/{OUTPUT}" for case in CASES]
    ruff = run_python(
        "-m", "ruff", "check", "--isolated", "--no-cache", "--target-version", "py310",
        "--extend-select", "I001,RUF022", *folders, cwd=projects,
    )  # fmt: skip
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    checked = mypy(
        folders, cwd=projects, python="3.10", cache=projects / ".mypy", plugins=["pydantic.mypy"]
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    config = {"typeCheckingMode": "strict", "pythonVersion": "3.10", "include": folders}
    (projects / "pyrightconfig.json").write_text(json.dumps(config), encoding="utf-8")
    pyright = run_python(
        "-m", "pyright", "--warnings", "--pythonpath", sys.executable, "--project", ".",
        cwd=projects,
    )  # fmt: skip
    assert pyright.returncode == 0, pyright.stdout + pyright.stderr


def _row_classes(host: PluginHost, schema: ir.Schema, emitter: str) -> list[ClassModel]:
    """The ``Row`` classes ``emitter`` generates for ``schema``, with their names."""
    plugin = host.emitters()[emitter]
    context = EmitContext(
        options=plugin.options_type(),
        profile="python",
        schema_hash=ir.schema_hash(schema),
        tool_version=__version__,
        decide_name=lambda request: host.hook.schemasync_name(request=request),
        map_type=lambda request: host.hook.schemasync_map_type(request=request),
    )
    models = context.models(
        schema,
        target=emitter,
        reserved_names=plugin.reserved_names,
        reserved_fields=plugin.reserved_fields,
    )
    return [c for m in models.modules for c in m.classes if c.kind == "row"]


def _validate(emitter: str, cls: Any, row: dict[str, Any], *, exact: bool) -> None:
    """``row`` validates through ``cls``; ``exact``: into the very values it holds (the
    python profile; JSON text becomes richer types)."""
    if emitter == "typeddict":
        # What FastAPI does with a TypedDict: no config, ranges included.
        values = pydantic.TypeAdapter(cls).validate_python(row)
    elif emitter == "pydantic":
        model = cls.model_validate(row)
        fields = cls.model_fields.items()
        values = {f.alias or name: getattr(model, name) for name, f in fields}
    else:
        struct = msgspec.convert(row, cls)
        names = zip(cls.__struct_fields__, cls.__struct_encode_fields__, strict=True)
        values = {key: getattr(struct, name) for name, key in names}
    assert values == row if exact else values.keys() == row.keys()


def _rows(conn: psycopg.Connection[dict[str, Any]], cls: ClassModel, profile: str) -> list[Any]:
    """The rows of ``cls``'s table as psycopg reads them, or as PostgREST sends them (the
    JSON PostgreSQL writes of each row)."""
    table = sql.Identifier(cls.schema, cls.db_name)
    if profile == "python":
        return conn.execute(sql.SQL("SELECT * FROM {}").format(table)).fetchall()
    query = sql.SQL("SELECT row_to_json(t)::text AS row FROM {} AS t").format(table)
    return [json.loads(found["row"]) for found in conn.execute(query)]


def test_rows_from_postgresql_validate_through_every_row_class(
    hostile: str, projects: Path
) -> None:
    host = load_plugins()
    schema = load_schema(host, hostile)
    tables = {(r.schema, r.name) for r in schema.relations}
    assert len(tables) == 4
    classes = {emitter: _row_classes(host, schema, emitter) for emitter in EMITTERS}
    for case in CASES:
        emitter, _, profile = case
        module = _imported(projects, case)
        assert {(c.schema, c.db_name) for c in classes[emitter]} == tables
        with psycopg.connect(hostile, row_factory=dict_row) as conn:
            if profile == "python" and hasattr(module, "register_types"):
                module.register_types(conn)
            for cls in classes[emitter]:
                rows = _rows(conn, cls, profile)
                assert len(rows) >= 2, cls.qualified_name
                for row in rows:
                    _validate(emitter, getattr(module, cls.name), row, exact=profile == "python")
