"""Real rows against the generated TypedDicts, judged by a type checker.

``types.sql`` holds every built-in and user-defined kind of type, ``types_data.sql`` real
values of each. Rows are fetched the way users get them, written into a module as literals
annotated with the generated classes (``value_3: models.NumberRow = {...}``), and that
module must pass ``mypy --strict``: so every value psycopg (``python`` profile) or
``json.loads`` of PostgreSQL's JSON (``json`` profile, what PostgREST sends) gives must
have the type the class declares. Inserts built from the ``Insert`` classes' required keys
must be accepted by the database, and leaving out any required key must be refused by it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg.types.multirange import Multirange
from psycopg.types.range import Range
from typeddict_support import (
    CheckFile,
    generate,
    import_path,
    literal_namespace,
    load_schema,
    model_set,
    mypy,
    mypy_errors,
    write_package,
)

import pydantic
from pg import fixture_sql, run_sql
from schemasync import ir
from schemasync.api import Profile
from schemasync.codegen.model import ClassModel
from schemasync.plugins import load_plugins

pytestmark = pytest.mark.postgres

Row = dict[str, Any]


@dataclass(frozen=True)
class Generated:
    """A generated module, imported, and the classes it holds."""

    package: Path
    models: ModuleType
    classes: tuple[ClassModel, ...]

    def row_classes(self) -> list[ClassModel]:
        """The ``Row`` class of every table and view."""
        return [c for c in self.classes if c.kind == "row"]

    def typeddict(self, cls: ClassModel) -> Any:
        """The generated TypedDict of ``cls``."""
        return getattr(self.models, cls.name)


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy-cache")


def _load(dsn: str, *fixtures: str) -> ir.Schema:
    for fixture in fixtures:
        run_sql(dsn, fixture_sql(fixture))
    return load_schema(load_plugins(), dsn)


def _generate(
    schema: ir.Schema, root: Path, name: str, profile: Profile, **options: str
) -> Generated:
    host = load_plugins()
    files = generate(host, schema, {"profile": profile, **options}, root / f"{name}-project")
    package = write_package(root / name, files)
    return Generated(
        package=package,
        models=import_path(package / "models.py"),
        classes=model_set(host, schema, profile).classes,
    )


def _select(cls: ClassModel, what: str = "*") -> sql.Composed:
    return sql.SQL("SELECT {} FROM {} AS t").format(
        sql.SQL(what), sql.Identifier(cls.schema, cls.db_name)
    )


def _has_xml(conn: psycopg.Connection[Row]) -> bool:
    """Whether the server was built with libxml, which XML values need."""
    try:
        with conn.transaction():
            conn.execute("SELECT '<a/>'::xml")
    except psycopg.errors.FeatureNotSupported:
        return False
    return True


def _check(generated: Generated, values: Mapping[str, list[Row]]) -> CheckFile:
    """Every row as a literal of its class, its keys checked against the class at run time,
    and validated by pydantic (``TypeAdapter(Row)``, what FastAPI does with a TypedDict)."""
    check = CheckFile(literal_namespace(generated.models))
    for cls in generated.row_classes():
        typeddict = generated.typeddict(cls)
        keys = typeddict.__required_keys__ | typeddict.__optional_keys__
        # With no config: the generated Range and Multirange say how pydantic takes them.
        adapter = pydantic.TypeAdapter(typeddict)
        for row in values[cls.name]:
            assert adapter.validate_python(row) == row, cls.qualified_name
        # And FastAPI's way back out, JSON: ranges as mappings of their bounds (bytea, any
        # bytes, needs base64, which a TypedDict cannot ask for itself).
        out = pydantic.TypeAdapter(
            list[typeddict],  # type: ignore[valid-type]
            config=pydantic.ConfigDict(ser_json_bytes="base64"),
        )
        dumped = out.dump_json(values[cls.name])
        assert len(json.loads(dumped)) == len(values[cls.name])
        # psycopg's ranges (the python profile; PostgREST's JSON has their text) as mappings.
        ranges = [
            dumped_row["i4"]
            for row, dumped_row in zip(values[cls.name], json.loads(dumped), strict=True)
            if cls.db_name == "ranges" and isinstance(row["i4"], Range)
        ]
        assert all(r == {"empty": True} or set(r) == {"lower", "upper", "bounds"} for r in ranges)
        for row in values[cls.name]:
            assert set(row) == keys, cls.qualified_name
            check.assign(cls.name, row)
    return check


def _passes_mypy(cache: Path, *packages: Path) -> None:
    root = packages[0].parent
    result = mypy([p.name for p in packages], cwd=root, python="3.10", cache=cache)
    assert result.returncode == 0, result.stdout + result.stderr


def test_psycopg_rows_are_the_python_classes(pg_dsn: str, tmp_path: Path, mypy_cache: Path) -> None:
    schema = _load(pg_dsn, "types", "types_data")
    # Literal enums (plain labels) and Enum classes (members, once register_types has run).
    literal = _generate(schema, tmp_path, "python_literal", "python")
    classes = _generate(schema, tmp_path, "python_enums", "python", enum_style="str-enum")
    for generated in (literal, classes):
        with psycopg.connect(pg_dsn, row_factory=dict_row) as conn:
            generated.models.register_types(conn)
            rows = {
                cls.name: conn.execute(_select(cls)).fetchall() for cls in generated.row_classes()
            }
            # types_data.sql sets XML values only where the server can parse them.
            absent = set() if _has_xml(conn) else {"pg_catalog.xml"}
        # Every relation has rows, and every column a value in one of them at least.
        for cls in generated.row_classes():
            assert len(rows[cls.name]) >= 2, cls.qualified_name
            for f in cls.fields:
                if f.type.qualified_name not in absent:
                    assert any(row[f.db_name] is not None for row in rows[cls.name]), f.db_name
        _check(generated, rows).write(generated.package / "check_rows.py")
        if generated is classes:
            (user_types,) = [row for row in rows["UserTypeRow"] if row["id"] == 1]
            assert user_types["mood"] is generated.models.Mood.IN_PROGRESS
            assert user_types["place"]["mood"] is generated.models.Mood.V_2FA
    _passes_mypy(mypy_cache, literal.package, classes.package)


def test_async_registration_reads_the_same_rows(pg_dsn: str, tmp_path: Path) -> None:
    schema = _load(pg_dsn, "types", "types_data")
    generated = _generate(schema, tmp_path, "python_async", "python")
    (user_types,) = [c for c in generated.row_classes() if c.db_name == "user_types"]
    (arrays,) = [c for c in generated.row_classes() if c.db_name == "arrays"]

    async def fetch() -> list[list[Row]]:
        async with await psycopg.AsyncConnection.connect(pg_dsn, row_factory=dict_row) as conn:
            await generated.models.register_types_async(conn)
            return [await (await conn.execute(_select(c))).fetchall() for c in (user_types, arrays)]

    with psycopg.connect(pg_dsn, row_factory=dict_row) as conn:
        generated.models.register_types(conn)
        expected = [conn.execute(_select(c)).fetchall() for c in (user_types, arrays)]
    assert asyncio.run(fetch()) == expected
    # Not the text PostgreSQL sends for types psycopg was not taught.
    (first,) = [row for row in expected[0] if row["id"] == 1]
    assert isinstance(first["place"], dict)
    assert isinstance(first["place"]["at"], dict)
    assert isinstance(first["spans"], Multirange)
    assert all(isinstance(row["scores"], list) for row in expected[1])


def test_postgrest_json_rows_are_the_json_classes(
    pg_dsn: str, tmp_path: Path, mypy_cache: Path
) -> None:
    schema = _load(pg_dsn, "types", "types_data")
    literal = _generate(schema, tmp_path, "json_literal", "json")
    classes = _generate(schema, tmp_path, "json_enums", "json", enum_style="str-enum")
    with psycopg.connect(pg_dsn) as conn:
        # What PostgREST returns: PostgreSQL's own JSON of each row.
        rows = {
            cls.name: [
                json.loads(text) for (text,) in conn.execute(_select(cls, "row_to_json(t)::text"))
            ]
            for cls in literal.row_classes()
        }
    for generated in (literal, classes):
        assert [c.name for c in generated.row_classes()] == list(rows)
        _check(generated, rows).write(generated.package / "check_rows.py")
    _passes_mypy(mypy_cache, literal.package, classes.package)


def _param(value: object, type_: ir.TypeRef, schema: ir.Schema) -> object:
    """What psycopg needs to send ``value``: JSON wrapped, a composite as a tuple."""
    if type_.name in ("json", "jsonb") and type_.schema == "pg_catalog":
        return Jsonb(value)
    if type_.kind == "composite" and isinstance(value, dict):
        (composite,) = [
            c for c in schema.composite_types if (c.schema, c.name) == (type_.schema, type_.name)
        ]
        return tuple(_param(value[a.name], a.type, schema) for a in composite.attributes)
    return value


def _insert(conn: psycopg.Connection[Row], cls: ClassModel, row: Row, schema: ir.Schema) -> Row:
    """Insert ``row`` into the table of ``cls``, emptied first (for its unique keys)."""
    table = sql.Identifier(cls.schema, cls.db_name)
    conn.execute(sql.SQL("TRUNCATE {} CASCADE").format(table))
    if not row:
        query = sql.SQL("INSERT INTO {} DEFAULT VALUES RETURNING *").format(table)
    else:
        query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING *").format(
            table,
            sql.SQL(", ").join(map(sql.Identifier, row)),
            sql.SQL(", ").join(sql.Placeholder() * len(row)),
        )
    types = {f.db_name: f.type for f in cls.fields}
    inserted = conn.execute(query, [_param(v, types[k], schema) for k, v in row.items()]).fetchone()
    assert inserted is not None
    return inserted


def test_inserts_need_the_required_keys_and_no_others(
    pg_dsn: str, tmp_path: Path, mypy_cache: Path
) -> None:
    schema = _load(pg_dsn, "types", "types_data")
    generated = _generate(schema, tmp_path, "python_inserts", "python")
    check = CheckFile(literal_namespace(generated.models))
    tables = [
        c
        for c in generated.classes
        if c.kind == "insert" and c.relation is not None and c.relation.kind == "table"
    ]
    assert len(tables) >= 15
    row_classes = {(c.schema, c.db_name): c.name for c in generated.row_classes()}
    refused = 0
    with psycopg.connect(pg_dsn, row_factory=dict_row) as conn:
        generated.models.register_types(conn)
        for cls in tables:
            required = generated.typeddict(cls).__required_keys__
            assert required == {f.db_name for f in cls.fields if f.required}
            # The required keys of an existing row: what the database must accept alone.
            existing = conn.execute(_select(cls)).fetchone()
            assert existing is not None
            insert = {k: v for k, v in existing.items() if k in required}
            with conn.transaction(force_rollback=True):
                inserted = _insert(conn, cls, insert, schema)
            check.assign(cls.name, insert)
            check.assign(row_classes[(cls.schema, cls.db_name)], inserted)
            # Without any one of them, the database refuses the row.
            for key in insert:
                fewer = {k: v for k, v in insert.items() if k != key}
                with (
                    pytest.raises(psycopg.errors.NotNullViolation),
                    conn.transaction(force_rollback=True),
                ):
                    _insert(conn, cls, fewer, schema)
                refused += 1
    assert refused >= 15
    check.write(generated.package / "check_inserts.py")
    _passes_mypy(mypy_cache, generated.package)


@pytest.mark.typecheck
def test_the_checker_rejects_what_the_classes_do_not_allow(
    pg_dsn: str, tmp_path: Path, mypy_cache: Path
) -> None:
    schema = _load(pg_dsn, "types")
    generated = _generate(schema, tmp_path, "python_wrong", "python")
    check = CheckFile(literal_namespace(generated.models))
    check.assign("StatusRow", {"code": "open", "position": 1})
    wrong = {
        # A str where an int is declared.
        check.assign("StatusRow", None, source="{'code': 'open', 'position': 'first'}"),
        # None where NULL is not allowed.
        check.assign("StatusRow", None, source="{'code': None, 'position': 1}"),
        # A required key left out, and a key the table does not have.
        check.assign("StatusInsert", None, source="{'code': 'open'}"),
        check.assign("StatusUpdate", None, source="{'code': 'open', 'rank': 1}"),
        # A label the enum does not have.
        check.assign("Mood", None, source="'sad'"),
    }
    check.write(generated.package / "check_wrong.py")
    result = mypy([generated.package.name], cwd=tmp_path, python="3.10", cache=mypy_cache)
    assert result.returncode == 1, result.stdout
    errors = mypy_errors(result)
    assert all(e.startswith("python_wrong/check_wrong.py:") for e in errors), result.stdout
    assert {int(e.split(":")[1]) for e in errors} == wrong, result.stdout
