"""What PostgreSQL 17 and 18 added to the catalogs, read into the IR and compared by the differ.

The fixture (``tests/fixtures/sql/pg18.sql``) runs on a PostgreSQL 18 server: the session's,
else the embedded engine's.
"""

from __future__ import annotations

import msgspec
import psycopg
import pytest

from pg import run_sql
from schemasync import ir
from schemasync.codegen.model import build_models
from schemasync.drift.diff import diff_schemas
from schemasync.plugins import load_plugins
from schemasync.sources.introspect import introspect

pytestmark = pytest.mark.postgres


def _read(dsn: str) -> ir.Schema:
    with psycopg.connect(dsn) as conn:
        return introspect(conn)


def test_pg18_features_are_carried_in_the_ir(pg18_dsn: str) -> None:
    schema = _read(pg18_dsn)
    rooms = schema.relation("public", "rooms")
    virtual, stored = rooms.column("price_with_tax"), rooms.column("price_doubled")
    assert (virtual.generated, virtual.generated_kind) == ("(price * 1.2)", "virtual")
    assert (stored.generated, stored.generated_kind) == ("(price * (2)::numeric)", "stored")
    assert rooms.column("price").generated_kind is None
    assert rooms.primary_key == ir.PrimaryKey(
        name="rooms_pkey", columns=("id", "valid_during"), without_overlaps=True
    )
    # PostgreSQL 18's NOT NULL rows in pg_constraint are no check constraints: the columns'
    # nullability says it.
    assert [(c.name, c.enforced, c.validated) for c in rooms.check_constraints] == [
        ("rooms_price_positive", False, False)
    ]
    assert not rooms.column("name").nullable

    bookings = schema.relation("public", "bookings")
    fks = {fk.name: fk for fk in bookings.foreign_keys}
    assert fks["bookings_room_fkey"].period
    assert fks["bookings_room_fkey"].enforced
    assert fks["bookings_room_fkey"].columns == ("room_id", "during")
    assert fks["bookings_room_fkey"].ref_columns == ("id", "valid_during")
    assert not fks["bookings_guest_fkey"].enforced
    assert not fks["bookings_guest_fkey"].period
    (unique,) = bookings.unique_constraints
    assert (unique.name, unique.without_overlaps) == ("bookings_no_double", True)
    assert bookings.check_constraints == ()

    # Identity on a partition reads as its parent's, whichever release copies it there.
    parent = schema.relation("public", "readings")
    partition = schema.relation("public", "readings_2025")
    assert parent.column("id").identity == partition.column("id").identity == "always"


def test_generated_columns_of_both_kinds_are_left_out_of_writes(pg18_dsn: str) -> None:
    schema = _read(pg18_dsn)
    host = load_plugins()
    models = build_models(
        schema,
        schema_hash="",
        target="typeddict",
        profile="python",
        decide_name=lambda request: host.hook.schemasync_name(request=request),
        map_type=lambda request: host.hook.schemasync_map_type(request=request),
    )
    classes = {c.name: c for c in models.classes}
    row = {f.db_name for f in classes["RoomRow"].fields}
    assert {"price_with_tax", "price_doubled"} <= row
    for name in ("RoomInsert", "RoomUpdate"):
        fields = {f.db_name for f in classes[name].fields}
        assert not fields & {"price_with_tax", "price_doubled"}, name
        assert "price" in fields


def test_stored_and_virtual_differ_and_nothing_else_does(pg18_dsn: str) -> None:
    before = _read(pg18_dsn)
    assert diff_schemas(before, _read(pg18_dsn)) == []
    run_sql(
        pg18_dsn,
        "ALTER TABLE public.rooms DROP COLUMN price_with_tax, DROP COLUMN price_doubled;"
        " ALTER TABLE public.rooms"
        " ADD COLUMN price_with_tax numeric GENERATED ALWAYS AS (price * 1.2) STORED,"
        " ADD COLUMN price_doubled numeric GENERATED ALWAYS AS (price * 2) STORED;",
    )
    changes = diff_schemas(before, _read(pg18_dsn))
    assert [(c.kind, c.path, c.before, c.after) for c in changes] == [
        ("column.generated_changed", "public.rooms.price_with_tax", "virtual", "stored")
    ]


def test_enforcement_and_temporal_keys_are_compared() -> None:
    rooms = ir.Relation(
        schema="public",
        name="rooms",
        kind="table",
        columns=(),
        primary_key=ir.PrimaryKey(name="rooms_pkey", columns=("id", "during")),
        check_constraints=(ir.CheckConstraint(name="positive", expression="(price > 0)"),),
    )
    old = ir.Schema(schemas=("public",), relations=(rooms,))
    new_rooms = msgspec.structs.replace(
        rooms,
        primary_key=ir.PrimaryKey(
            name="rooms_pkey", columns=("id", "during"), without_overlaps=True
        ),
        check_constraints=(
            ir.CheckConstraint(name="positive", expression="(price > 0)", enforced=False),
        ),
    )
    changes = diff_schemas(old, ir.Schema(schemas=("public",), relations=(new_rooms,)))
    assert sorted(c.kind for c in changes) == ["check.changed", "primary_key.changed"]
