"""The generated Structs against a real PostgreSQL: psycopg rows convert into ``Row`` (from
dicts and from objects' attributes), PostgREST's JSON text decodes into ``Row``, Structs
encode and decode back through the generated hooks and insert back unchanged, an ``Insert``
encodes exactly the keys that were set, and invalid values are refused by the Struct before
they reach the database."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import msgspec
import psycopg
import pytest
from msgspec_support import EMITTER, model_set
from psycopg import sql
from psycopg.rows import class_row, dict_row, tuple_row

from generated import (
    Row,
    generate,
    import_path,
    insert_row,
    load_schema,
    select_rows,
    write_package,
)
from pg import fixture_sql, run_sql
from schemasync import ir
from schemasync.codegen.model import ClassModel
from schemasync.plugins import load_plugins

pytestmark = pytest.mark.postgres

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
    ratio double precision CHECK (ratio < 1.5),
    price numeric(6, 2) CHECK (price >= 0),
    "unit price" numeric,
    odd integer CHECK (odd % 2 = 1)
);
"""


def _generate(
    schema: ir.Schema, root: Path, name: str, options: Mapping[str, object]
) -> ModuleType:
    files = generate(load_plugins(), schema, EMITTER, options, root / f"{name}-p")
    return import_path(write_package(root / name, files) / "models.py")


def _classes(schema: ir.Schema, kind: str) -> list[ClassModel]:
    return [c for c in model_set(load_plugins(), schema, "python").classes if c.kind == kind]


def _wire(value: Any) -> Any:
    """A Struct as the mapping of its wire names psycopg is given (composites nested as
    mappings, lists element by element); anything else as it is."""
    if isinstance(value, msgspec.Struct):
        return {f.encode_name: _wire(getattr(value, f.name)) for f in msgspec.structs.fields(value)}
    if isinstance(value, list):
        return [_wire(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value


def _types_database(dsn: str) -> ir.Schema:
    run_sql(dsn, fixture_sql("types"))
    run_sql(dsn, fixture_sql("types_data"))
    return load_schema(load_plugins(), dsn)


def test_psycopg_rows_convert_round_trip_and_insert_back(pg_dsn: str, tmp_path: Path) -> None:
    schema = _types_database(pg_dsn)
    models = _generate(schema, tmp_path, "python_rows", {"profile": "python"})
    rows_checked = 0
    with psycopg.connect(pg_dsn, row_factory=dict_row) as conn:
        models.register_types(conn)
        for cls in _classes(schema, "row"):
            struct = getattr(models, cls.name)
            rows = conn.execute(select_rows(cls)).fetchall()
            assert rows, cls.qualified_name
            objects = conn.cursor(row_factory=class_row(SimpleNamespace))
            for row, obj in zip(rows, objects.execute(select_rows(cls)), strict=True):
                converted = msgspec.convert(row, struct)
                # Rows as objects (an ORM's, psycopg's class_row) read by attribute.
                assert msgspec.convert(obj, struct, from_attributes=True) == converted
                # JSON and back, ranges through the generated hooks.
                text = msgspec.json.encode(converted, enc_hook=models.enc_hook)
                assert msgspec.json.decode(text, type=struct, dec_hook=models.dec_hook) == (
                    converted
                ), cls.qualified_name
                rows_checked += 1
                if cls.relation is None or cls.relation.kind != "table":
                    continue
                generated_columns = {c.name for c in cls.relation.columns if c.generated}
                dumped = _wire(converted)
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
                again = _wire(msgspec.convert(inserted, struct))
                assert {k: v for k, v in again.items() if k not in lossy} == {
                    k: v for k, v in dumped.items() if k not in lossy
                }, cls.qualified_name
    assert rows_checked >= 40


def test_postgrest_json_rows_decode(pg_dsn: str, tmp_path: Path) -> None:
    schema = _types_database(pg_dsn)
    models = _generate(schema, tmp_path, "json_rows", {"profile": "json"})
    decoded = 0
    with psycopg.connect(pg_dsn) as conn:
        for cls in _classes(schema, "row"):
            struct = getattr(models, cls.name)
            (text,) = conn.execute(select_rows(cls, "json_agg(t)::text")).fetchone() or (None,)
            assert text is not None, cls.qualified_name
            # Both ways users decode PostgREST rows: JSON text, and supabase-py's dicts
            # (whose numbers json.loads has already made floats, so only text keeps every
            # digit of a numeric).
            rows_type: Any = list.__class_getitem__(struct)  # a class found at run time
            from_text = msgspec.json.decode(text, type=rows_type)
            from_dicts = msgspec.convert(json.loads(text), rows_type)
            assert len(from_dicts) == len(from_text)
            if not any(f.annotation == "Decimal" for f in cls.fields):
                assert from_dicts == from_text
            decoded += len(from_text)
    assert decoded >= 40


def test_an_insert_encodes_exactly_the_keys_set(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, CHECKS_SQL)
    schema = load_schema(load_plugins(), pg_dsn)
    models = _generate(schema, tmp_path, "inserts", {"profile": "python"})
    (cls,) = [c for c in _classes(schema, "insert") if c.db_name == "items"]
    insert = models.ItemInsert(code="ab", qty=2)
    assert msgspec.json.decode(msgspec.json.encode(insert)) == {"code": "ab", "qty": 2}
    # None is a NULL the caller sends; UNSET fields are not sent at all.
    with_null = models.ItemInsert(code="ab", qty=2, size=None, unit_price=None)
    assert msgspec.json.decode(msgspec.json.encode(with_null)) == {
        "code": "ab",
        "qty": 2,
        "size": None,
        "unit price": None,
    }
    update = models.ItemUpdate(label="abc")
    assert msgspec.json.decode(msgspec.json.encode(update)) == {"label": "abc"}
    with psycopg.connect(pg_dsn, row_factory=dict_row) as conn:
        inserted = insert_row(conn, cls, msgspec.to_builtins(with_null), schema)
        row = msgspec.convert(inserted, models.ItemRow)
        assert (row.code, row.qty, row.colour, row.size) == ("ab", 2, models.Colour.RED, None)
    with pytest.raises(TypeError, match="qty"):
        models.ItemInsert(code="ab")


def test_inserts_of_the_required_fields_alone_are_accepted(pg_dsn: str, tmp_path: Path) -> None:
    schema = _types_database(pg_dsn)
    models = _generate(schema, tmp_path, "python_inserts", {"profile": "python"})
    inserts = [c for c in _classes(schema, "insert") if c.relation and c.relation.kind == "table"]
    assert len(inserts) >= 15
    with psycopg.connect(pg_dsn, row_factory=dict_row) as conn:
        models.register_types(conn)
        for cls in inserts:
            struct = getattr(models, cls.name)
            required = {f.db_name for f in cls.fields if f.required}
            existing = conn.execute(select_rows(cls)).fetchone()
            assert existing is not None
            insert = msgspec.convert({k: v for k, v in existing.items() if k in required}, struct)
            payload: Row = {k: v for k, v in _wire(insert).items() if v is not msgspec.UNSET}
            assert set(payload) == required
            with conn.transaction(force_rollback=True):
                conn.execute(sql.SQL("TRUNCATE {} CASCADE").format(
                    sql.Identifier(cls.schema, cls.db_name)))  # fmt: skip
                insert_row(conn, cls, payload, schema)
            if required:
                with pytest.raises(msgspec.ValidationError):
                    msgspec.convert({}, struct)


def test_invalid_values_are_refused_before_the_database(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, CHECKS_SQL)
    schema = load_schema(load_plugins(), pg_dsn)
    models = _generate(schema, tmp_path, "python_checks", {"profile": "python"})
    (cls,) = [c for c in _classes(schema, "insert") if c.db_name == "items"]
    good: dict[str, object] = {
        "code": "abcd",
        "qty": 10,
        "size": "M",
        "label": "abc",
        "colour": "green",
        "pct": 100,
        "ratio": 1.25,
    }
    bad: list[dict[str, object]] = [
        {"code": "abcde"},  # varchar(4)
        {"qty": 0},  # CHECK (qty >= 1 AND qty <= 10)
        {"qty": 11},
        {"size": "XL"},  # CHECK (size IN (...))
        {"label": "abcd"},  # CHECK (length(label) <= 3)
        {"colour": "blue"},  # not a label of the enum
        {"pct": 101},  # the domain's CHECK (VALUE BETWEEN 0 AND 100)
        {"ratio": 1.5},  # CHECK (ratio < 1.5)
    ]
    with psycopg.connect(pg_dsn, row_factory=dict_row) as conn:
        insert = msgspec.convert(good, models.ItemInsert)
        with conn.transaction(force_rollback=True):
            insert_row(conn, cls, msgspec.to_builtins(insert), schema)
        for change in bad:
            values = {**good, **change}
            with pytest.raises(msgspec.ValidationError):
                msgspec.convert(values, models.ItemInsert)
            with pytest.raises(msgspec.ValidationError):
                msgspec.json.decode(json.dumps(values), type=models.ItemInsert)
            # The database refuses it too: the Struct says nothing the database does not.
            with pytest.raises(psycopg.errors.Error), conn.transaction(force_rollback=True):
                insert_row(conn, cls, values, schema)
        # What msgspec cannot say is left out: bounds of a Decimal, a CHECK that does not
        # translate. The Struct accepts, the database refuses.
        unchecked: list[dict[str, object]] = [{"price": -1}, {"odd": 2}]
        for change in unchecked:
            values = {**good, **change}
            msgspec.convert(values, models.ItemInsert)
            with (
                pytest.raises(psycopg.errors.CheckViolation),
                conn.transaction(force_rollback=True),
            ):
                insert_row(conn, cls, values, schema)


def test_struct_options_from_the_config(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, CHECKS_SQL)
    schema = load_schema(load_plugins(), pg_dsn)
    options = {"frozen": True, "forbid_unknown_fields": True, "array_like": True}
    models = _generate(schema, tmp_path, "options", options)
    (cls,) = [c for c in _classes(schema, "row") if c.db_name == "items"]
    with psycopg.connect(pg_dsn, row_factory=tuple_row) as conn:
        models.register_types(conn)
        conn.execute("INSERT INTO items (code, qty) VALUES ('a', 1)")
        (row,) = conn.execute(select_rows(cls)).fetchall()
    # array_like: a Row is its columns in order, as tuple_row gives them and JSON carries them.
    converted = msgspec.convert(row, models.ItemRow)
    encoded = msgspec.json.encode(converted)
    assert encoded.startswith(b"[")
    assert msgspec.json.decode(encoded, type=models.ItemRow) == converted
    # Inserts stay objects: an UNSET field has no position.
    assert msgspec.json.encode(models.ItemInsert(code="a", qty=1)) == b'{"code":"a","qty":1}'
    with pytest.raises(AttributeError):
        converted.code = "b"
    with pytest.raises(msgspec.ValidationError, match="unknown"):
        msgspec.json.decode(b'{"code":"a","qty":1,"nope":1}', type=models.ItemInsert)


WIRE_SQL = """
CREATE TABLE public.files (
    id uuid PRIMARY KEY,
    body bytea NOT NULL,
    size numeric(30, 10) NOT NULL,
    taken timestamptz NOT NULL,
    day date,
    at time,
    took interval,
    note text
);
"""
#: What ``msgspec.to_builtins`` must leave as it is for psycopg to send exact values: the
#: documented call (docs/emitters/msgspec.md, "Sending Structs to psycopg").
PSYCOPG_BUILTINS = (
    bytes, bytearray, memoryview, Decimal, dt.datetime, dt.date, dt.time, dt.timedelta, uuid.UUID
)  # fmt: skip


def test_structs_sent_to_psycopg_keep_bytes_decimals_times_and_uuids(
    pg_dsn: str, tmp_path: Path
) -> None:
    run_sql(pg_dsn, WIRE_SQL)
    schema = load_schema(load_plugins(), pg_dsn)
    models = _generate(schema, tmp_path, "wire", {"profile": "python"})
    (cls,) = [c for c in _classes(schema, "insert") if c.db_name == "files"]
    values = {
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "body": b"\x00\xff binary \x80",
        "size": Decimal("12345678901234567890.0123456789"),
        "taken": dt.datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=dt.timezone.utc),
        "day": dt.date(2024, 2, 29),
        "at": dt.time(12, 30, 15, 5),
        "took": dt.timedelta(days=3, seconds=7, microseconds=11),
    }
    insert = models.FileInsert(**values)
    # The plain call writes bytes as base64 text and decimals as strings: not what to send.
    assert msgspec.to_builtins(insert)["body"] != values["body"]
    payload = msgspec.to_builtins(insert, builtin_types=PSYCOPG_BUILTINS)
    assert payload == values  # UNSET fields left out, every value as it was
    with psycopg.connect(pg_dsn, row_factory=dict_row) as conn:
        inserted = insert_row(conn, cls, payload, schema)
    row = msgspec.convert(inserted, models.FileRow)
    assert {k: getattr(row, k) for k in values} == values
    assert row.note is None
