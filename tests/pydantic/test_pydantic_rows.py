"""The generated models against a real PostgreSQL: real rows validate, dump and insert back
unchanged, Inserts of the required fields alone are accepted, and invalid values are refused
by the model before they reach the database."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row
from pydantic_support import EMITTER, model_set

import pydantic
from generated import (
    generate,
    import_path,
    insert_row,
    load_schema,
    select_rows,
    write_package,
)
from pg import fixture_sql, run_sql
from schemasync import ir
from schemasync.api import Layout, Profile
from schemasync.codegen.model import ClassModel
from schemasync.plugins import load_plugins

pytestmark = pytest.mark.postgres

Row = dict[str, Any]
CHECKS_SQL = """
CREATE TYPE public.colour AS ENUM ('red', 'green');
CREATE DOMAIN public.percent AS integer CHECK (VALUE BETWEEN 0 AND 100);
CREATE TABLE public.items (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code varchar(4) NOT NULL,
    qty integer NOT NULL CHECK (qty >= 1 AND qty <= 10),
    size text CHECK (size IN ('S', 'M', 'L')),
    label text CHECK (length(label) <= 3),
    colour public.colour NOT NULL DEFAULT 'red',
    pct public.percent,
    odd integer CHECK (odd % 2 = 1)
);
"""


def _generate(
    schema: ir.Schema, root: Path, name: str, profile: Profile, layout: Layout = "module"
) -> ModuleType:
    """The generated models, imported: the module, or the package of a package layout."""
    options = {"profile": profile, "layout": layout}
    files = generate(load_plugins(), schema, EMITTER, options, root / f"{name}-p")
    folder = write_package(root / name, files)
    return import_path(folder / ("models.py" if layout == "module" else "__init__.py"))


def _classes(schema: ir.Schema, kind: str) -> list[ClassModel]:
    return [c for c in model_set(load_plugins(), schema, "python").classes if c.kind == kind]


#: Every layout holds the same classes; the lazy package reaches them through its __getattr__.
LAYOUTS = pytest.mark.parametrize("layout", ["module", "lazy-package"])


@LAYOUTS
def test_psycopg_rows_validate_and_insert_back_unchanged(
    pg_dsn: str, tmp_path: Path, layout: Layout
) -> None:
    run_sql(pg_dsn, fixture_sql("types"))
    run_sql(pg_dsn, fixture_sql("types_data"))
    schema = load_schema(load_plugins(), pg_dsn)
    models = _generate(schema, tmp_path, "python_rows", "python", layout)
    rows_checked = 0
    with psycopg.connect(pg_dsn, row_factory=dict_row) as conn:
        models.register_types(conn)
        for cls in _classes(schema, "row"):
            model = getattr(models, cls.name)
            rows = conn.execute(select_rows(cls)).fetchall()
            assert rows, cls.qualified_name
            for row in rows:
                validated = model.model_validate(row)
                dumped = validated.model_dump(by_alias=True)
                # Composites come back as models, which dump as dicts.
                assert dumped == model.model_validate(dumped).model_dump(by_alias=True)
                assert model.model_validate_json(validated.model_dump_json()) == validated
                rows_checked += 1
                if cls.relation is None or cls.relation.kind != "table":
                    continue
                generated_columns = {c.name for c in cls.relation.columns if c.generated}
                writable = {k: v for k, v in dumped.items() if k not in generated_columns}
                with conn.transaction(force_rollback=True):
                    conn.execute(sql.SQL("TRUNCATE {} CASCADE").format(
                        sql.Identifier(cls.schema, cls.db_name)))  # fmt: skip
                    inserted = insert_row(conn, cls, writable, schema)
                # psycopg reads a month as 30 days, which an interval limited to years and
                # months truncates on the way back: those columns cannot round-trip.
                lossy = {
                    c.name
                    for c in cls.relation.columns
                    if c.type.sql.startswith("interval") and "month" in c.type.sql
                }
                again = model.model_validate(inserted).model_dump(by_alias=True)
                assert {k: v for k, v in again.items() if k not in lossy} == {
                    k: v for k, v in dumped.items() if k not in lossy
                }, cls.qualified_name
    assert rows_checked >= 40


@LAYOUTS
def test_postgrest_json_rows_validate(pg_dsn: str, tmp_path: Path, layout: Layout) -> None:
    run_sql(pg_dsn, fixture_sql("types"))
    run_sql(pg_dsn, fixture_sql("types_data"))
    schema = load_schema(load_plugins(), pg_dsn)
    models = _generate(schema, tmp_path, "json_rows", "json", layout)
    with psycopg.connect(pg_dsn) as conn:
        for cls in _classes(schema, "row"):
            model = getattr(models, cls.name)
            for (text,) in conn.execute(select_rows(cls, "row_to_json(t)::text")):
                # Both ways users decode PostgREST rows: JSON text, and supabase-py's dicts.
                from_text = model.model_validate_json(text)
                assert model.model_validate(json.loads(text)) == from_text


def test_inserts_of_the_required_fields_alone_are_accepted(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, fixture_sql("types"))
    run_sql(pg_dsn, fixture_sql("types_data"))
    schema = load_schema(load_plugins(), pg_dsn)
    models = _generate(schema, tmp_path, "python_inserts", "python")
    inserts = [c for c in _classes(schema, "insert") if c.relation and c.relation.kind == "table"]
    assert len(inserts) >= 15
    with psycopg.connect(pg_dsn, row_factory=dict_row) as conn:
        models.register_types(conn)
        for cls in inserts:
            model = getattr(models, cls.name)
            required = {f.db_name for f in cls.fields if f.required}
            existing = conn.execute(select_rows(cls)).fetchone()
            assert existing is not None
            insert = model.model_validate({k: v for k, v in existing.items() if k in required})
            payload = insert.model_dump(by_alias=True, exclude_unset=True)
            assert set(payload) == required
            with conn.transaction(force_rollback=True):
                conn.execute(sql.SQL("TRUNCATE {} CASCADE").format(
                    sql.Identifier(cls.schema, cls.db_name)))  # fmt: skip
                insert_row(conn, cls, payload, schema)
            if required:
                with pytest.raises(pydantic.ValidationError):
                    model.model_validate({})


def test_invalid_values_are_refused_before_the_database(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, CHECKS_SQL)
    schema = load_schema(load_plugins(), pg_dsn)
    models = _generate(schema, tmp_path, "python_checks", "python")
    (cls,) = [c for c in _classes(schema, "insert") if c.db_name == "items"]
    insert = models.ItemInsert
    good: dict[str, object] = {
        "code": "abcd",
        "qty": 10,
        "size": "M",
        "label": "abc",
        "colour": "green",
        "pct": 100,
    }
    bad: list[dict[str, object]] = [
        {"code": "abcde"},  # varchar(4)
        {"qty": 0},  # CHECK (qty >= 1 AND qty <= 10)
        {"qty": 11},
        {"size": "XL"},  # CHECK (size IN (...))
        {"label": "abcd"},  # CHECK (length(label) <= 3)
        {"colour": "blue"},  # not a label of the enum
        {"pct": 101},  # the domain's CHECK (VALUE BETWEEN 0 AND 100)
    ]
    with psycopg.connect(pg_dsn, row_factory=dict_row) as conn:
        payload = insert.model_validate(good).model_dump(by_alias=True, exclude_unset=True)
        with conn.transaction(force_rollback=True):
            insert_row(conn, cls, payload, schema)
        for change in bad:
            values = {**good, **change}
            with pytest.raises(pydantic.ValidationError):
                insert.model_validate(values)
            # The database refuses it too: the model says nothing the database does not.
            with pytest.raises(psycopg.errors.Error), conn.transaction(force_rollback=True):
                insert_row(conn, cls, values, schema)
        # A CHECK that does not translate is left out: the model accepts, the database refuses.
        values = {**good, "odd": 2}
        assert insert.model_validate(values).odd == 2
        with pytest.raises(psycopg.errors.CheckViolation), conn.transaction(force_rollback=True):
            insert_row(conn, cls, values, schema)


DEFAULTS_SQL = """
CREATE TABLE public.accounts (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    balance numeric(12, 2) NOT NULL DEFAULT 0,
    code varchar(3) NOT NULL DEFAULT 'abc',
    opened timestamptz NOT NULL DEFAULT now(),
    note text DEFAULT 'none',
    avatar bytea
);
"""


@LAYOUTS
def test_not_null_columns_with_a_default_may_be_left_out_but_never_none(
    pg_dsn: str, tmp_path: Path, layout: Layout
) -> None:
    """An Insert or Update field of a NOT NULL column with a default: leaving it out is
    allowed, None is refused; the obvious dump of a partial Insert is what the database
    accepts, as msgspec's UNSET does."""
    run_sql(pg_dsn, DEFAULTS_SQL)
    schema = load_schema(load_plugins(), pg_dsn)
    models = _generate(schema, tmp_path, f"defaults_{layout}", "python", layout)
    insert, update = models.AccountInsert, models.AccountUpdate
    partial = insert(name="Ada")
    payload = partial.model_dump(by_alias=True)
    assert payload == {"name": "Ada"}
    assert partial.model_dump_json(by_alias=True) == '{"name":"Ada"}'
    for column in ("balance", "code", "opened", "id"):
        with pytest.raises(pydantic.ValidationError):
            insert.model_validate({"name": "Ada", column: None})
        with pytest.raises(pydantic.ValidationError):
            update.model_validate({column: None})
    # A nullable column takes None, sent as NULL, and may be left out too.
    assert insert(name="Bo", note=None).model_dump(by_alias=True) == {"name": "Bo", "note": None}
    assert update(note=None).model_dump(by_alias=True) == {"note": None}
    assert update().model_dump(by_alias=True) == {}
    with pytest.raises(pydantic.ValidationError):
        insert.model_validate({"name": "Ada", "code": "abcd"})  # varchar(3), still checked
    (cls,) = [c for c in _classes(schema, "insert") if c.db_name == "accounts"]
    with psycopg.connect(pg_dsn, row_factory=dict_row) as conn:
        for model in (partial, insert(name="Bo", note=None, balance="1.50")):
            row = insert_row(conn, cls, model.model_dump(by_alias=True), schema)
            assert row["code"] == "abc"
            assert row["balance"] == (model.balance if "balance" in model.model_fields_set else 0)
