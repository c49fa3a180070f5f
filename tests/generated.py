"""Helpers of the emitter tests that do not depend on one emitter: generating code from a
schema through ``schemasync.codegen.generate.plan``, writing it as a package, importing it, running
the checkers on it, and reading and inserting the rows it describes."""

from __future__ import annotations

import datetime
import importlib.util
import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import msgspec
import psycopg
import tomlkit
from psycopg import sql
from psycopg.types.json import Jsonb

from schemasync import ir
from schemasync.cli.main import main
from schemasync.codegen.generate import choose_emitters, plan
from schemasync.codegen.model import ClassModel
from schemasync.config import Config, Settings
from schemasync.pipeline import SourceChoice, read_schema
from schemasync.plugins import PluginHost, load_plugins

Row = dict[str, Any]

#: When the lock and schema_version.py say the schema changed, so a run is reproducible.
NOW = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
#: The emitter's output folder, relative to the project root of a generation.
OUTPUT = "out"


def load_schema(host: PluginHost, dsn: str) -> ir.Schema:
    """The normalised schema of the database at ``dsn``, read as ``schemasync run`` reads it."""
    return read_schema(host, Config(), SourceChoice(target=dsn))


def generate(
    host: PluginHost,
    schema: ir.Schema,
    emitter: str,
    options: Mapping[str, object],
    root: Path,
    *,
    line_length: int = Settings().line_length,
) -> dict[str, bytes]:
    """What ``schemasync run`` would write for ``schema`` with these options of ``emitter``,
    by path inside the output folder (the lock and schema_version.py left out)."""
    config = Config(
        settings=Settings(
            emit=(emitter,),
            emitters={emitter: {"output": OUTPUT, **options}},
            line_length=line_length,
        ),
        path=root / "pyproject.toml",
    )
    files, _, _ = plan(host, config, schema, choose_emitters(host, config, []), now=NOW)
    output = root / OUTPUT
    return {
        f.path.relative_to(output).as_posix(): f.content
        for f in files
        if f.path.is_relative_to(output)
    }


def assert_run_then_check_is_clean(
    emitter: str, options: Mapping[str, object], dsn: str, root: Path, *, models: bool = True
) -> None:
    """``schemasync run`` with these options of ``emitter`` on the database at ``dsn``, in a
    project at ``root``, then ``check --against code``, ``lock`` and ``both``: each exits 0
    with no change and no stale file, and ``--against code`` reads models back if the emitter
    writes ``models`` (``both`` skips models the lock's digests show current)."""
    project = tomlkit.document()
    project["tool"] = {
        "schemasync": {"emit": [emitter], "emitters": {emitter: {"output": OUTPUT, **options}}}
    }
    config = root / "pyproject.toml"
    config.write_text(tomlkit.dumps(project), encoding="utf-8")
    common = ["--quiet", "--config", str(config)]
    out = io.StringIO()
    assert main([*common, "run", "--from", dsn], out=out) == 0, out.getvalue()
    for against in ("code", "lock", "both"):
        out = io.StringIO()
        check = ["check", "--from", dsn, "--against", against, "--format", "json"]
        code = main([*common, *check], out=out)
        report = json.loads(out.getvalue())
        found = (against, code, report["changes"], report["stale"])
        assert found == (against, 0, [], []), out.getvalue()
        if models and against == "code":
            assert report["model_files"], f"--against {against}: nothing was read back"


class GoldenCase(Protocol):
    """What the golden tests of every emitter know of a case."""

    @property
    def name(self) -> str: ...
    @property
    def fixture(self) -> str: ...
    @property
    def package(self) -> str: ...
    @property
    def options(self) -> Mapping[str, object]: ...


def assert_ruff_format_keeps(cwd: Path, paths: Sequence[str], line_length: int = 0) -> None:
    """``ruff format --check`` with its defaults (or ``--line-length``) finds nothing to change
    in ``paths``."""
    length = ["--line-length", str(line_length)] if line_length else []
    result = run_python(
        "-m", "ruff", "format", "--check", "--isolated", "--no-cache", *length, *paths, cwd=cwd
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def assert_laid_out_for(
    line_length: int,
    emitter: str,
    cases: Sequence[GoldenCase],
    schemas: Mapping[str, ir.Schema],
    tmp_path: Path,
) -> None:
    """``line_length`` lays out every case for that length: ``ruff format --line-length``
    finds nothing to change, and the files differ from those for the default length."""
    host = load_plugins()
    differ = False
    for case in cases:
        root = tmp_path / case.name
        schema = schemas[case.fixture]
        files = generate(host, schema, emitter, case.options, root, line_length=line_length)
        differ = differ or files != generate(host, schema, emitter, case.options, root)
        write_package(tmp_path / "out" / case.package, files)
    assert_ruff_format_keeps(tmp_path, ["out"], line_length)
    assert differ


def write_package(folder: Path, files: Mapping[str, bytes]) -> Path:
    """Write ``files`` into ``folder``, made a package (an empty ``__init__.py`` if none)."""
    for relative, content in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    (folder / "__init__.py").touch()
    return folder


def import_path(path: Path) -> ModuleType:
    """Import the generated module at ``path`` under a name of its own; an ``__init__.py``
    is imported as its package, whose relative imports find the modules beside it."""
    name = f"schemasync_generated_{uuid.uuid4().hex}"
    package = [str(path.parent)] if path.name == "__init__.py" else None
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=package)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered, as pydantic resolves a model's annotations through its module.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def run_python(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The test environment's interpreter with ``args`` (``-m tool ...``), output captured."""
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=600
    )


def mypy(
    paths: Sequence[str], *, cwd: Path, python: str, cache: Path, plugins: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    """``mypy --strict`` for ``python`` with ``plugins``, with a config of its own."""
    config = cwd / f"mypy-{python}.ini"
    lines = ["[mypy]", "strict = True", f"python_version = {python}"]
    if plugins:
        lines.append(f"plugins = {', '.join(plugins)}")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return run_python(
        "-m", "mypy", "--config-file", str(config), "--cache-dir", str(cache), *paths, cwd=cwd
    )


def select_rows(cls: ClassModel, what: str = "*") -> sql.Composed:
    """``SELECT what`` from the relation of ``cls``, ordered by the first column."""
    return sql.SQL("SELECT {} FROM {} AS t ORDER BY 1").format(
        sql.SQL(what), sql.Identifier(cls.schema, cls.db_name)
    )


def param(value: object, type_: ir.TypeRef, schema: ir.Schema, *, nullable: bool = True) -> object:
    """What psycopg needs to send ``value``: JSON wrapped, a composite as a tuple. psycopg
    reads JSON null and SQL NULL alike: in a NOT NULL column, None is JSON null."""
    if type_.is_array and isinstance(value, list):
        element = msgspec.structs.replace(type_, array_dims=type_.array_dims - 1)
        return [param(v, element, schema) for v in value]
    is_json = type_.name in ("json", "jsonb") and type_.schema == "pg_catalog"
    if is_json and (value is not None or not nullable):
        return Jsonb(value)
    if type_.kind == "composite" and isinstance(value, dict):
        (composite,) = [
            c for c in schema.composite_types if (c.schema, c.name) == (type_.schema, type_.name)
        ]
        return tuple(param(value[a.name], a.type, schema) for a in composite.attributes)
    return value


def placeholder(type_: ir.TypeRef) -> sql.Composable:
    """The placeholder of a value of ``type_``."""
    # psycopg writes lists of str as arrays delimited by commas; box arrays use semicolons,
    # so they go as text[] for the server to cast.
    if type_.is_array and type_.qualified_name == "pg_catalog.box":
        return sql.SQL("{}::text[]::box[]").format(sql.Placeholder())
    return sql.Placeholder()


def insert_row(conn: psycopg.Connection[Row], cls: ClassModel, row: Row, schema: ir.Schema) -> Row:
    """Insert ``row`` (column name -> value) into the table of ``cls``; the row it returns."""
    table = sql.Identifier(cls.schema, cls.db_name)
    types = {f.db_name: f.type for f in cls.fields}
    nullable = {f.db_name: f.nullable for f in cls.fields}
    if not row:
        query = sql.SQL("INSERT INTO {} DEFAULT VALUES RETURNING *").format(table)
    else:
        template = "INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE VALUES ({}) RETURNING *"
        query = sql.SQL(template).format(
            table,
            sql.SQL(", ").join(map(sql.Identifier, row)),
            sql.SQL(", ").join(placeholder(types[k]) for k in row),
        )
    params = [param(v, types[k], schema, nullable=nullable[k]) for k, v in row.items()]
    inserted = conn.execute(query, params).fetchone()
    assert inserted is not None
    return inserted


#: A schema for the checks of a default output folder: an enum, JSON, numbers, arrays.
DEFAULT_OUTPUT_SQL = """
CREATE TYPE public.task_status AS ENUM ('todo', 'done');
CREATE TABLE public.tasks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title text NOT NULL,
    status public.task_status NOT NULL DEFAULT 'todo',
    estimate numeric(6, 2),
    tags text[] NOT NULL DEFAULT '{}',
    meta jsonb,
    owner uuid,
    due timestamptz
);
"""


def user_shell_env() -> dict[str, str]:
    """The environment of a user in the project's activated virtual environment."""
    venv = Path(sys.executable).parent
    return {
        **os.environ,
        "PATH": f"{venv}{os.pathsep}{os.environ.get('PATH', '')}",
        "VIRTUAL_ENV": str(venv.parent),
    }


def check_default_output(emitter: str, dsn: str, root: Path) -> str:
    """``schemasync run`` with ``emitter`` at its default output, then ``mypy --strict DIR``
    and ``pyright DIR`` from the project root, typed as a user types them; returns DIR."""
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "app"\nversion = "0"\n\n[tool.schemasync]\nemit = ["{emitter}"]\n'
    )
    env = {**user_shell_env(), "DATABASE_URL": dsn}
    done = subprocess.run(
        ["schemasync", "run"], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    written = [line.removeprefix("wrote ") for line in done.stdout.splitlines()]
    folder = next(p for p in written if p.endswith(".py") and "/" in p).rsplit("/", 1)[0]
    for command in (["mypy", "--strict", folder], ["pyright", folder]):
        checked = subprocess.run(
            command, cwd=root, env=env, capture_output=True, text=True, check=False, timeout=600
        )
        assert checked.returncode == 0, f"{' '.join(command)}:\n{checked.stdout}{checked.stderr}"
    return folder
