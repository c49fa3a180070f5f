"""PostgreSQL 18's catalog features through the msgspec emitter: generated from a real
PostgreSQL 18 database, checked for drift, and converting that database's rows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest
from psycopg.types.range import Range

from generated import import_path
from pg18_project import TABLES, run_and_check, table_rows

pytestmark = pytest.mark.postgres


def test_pg18_rows_convert_and_not_enforced_checks_stay_out(pg18_dsn: str, tmp_path: Path) -> None:
    output = run_and_check(tmp_path / "project", pg18_dsn, "msgspec", 'layout = "module"\n')
    models = import_path(output / "models.py")
    rows = table_rows(pg18_dsn, getattr(models, "register_types", None))
    for stem in TABLES:
        struct = getattr(models, f"{stem}Row")
        for row in rows[stem]:
            converted = msgspec.convert(row, struct)
            assert {name: getattr(converted, name) for name in struct.__struct_fields__} == row
    # Generated columns, virtual or stored, are read, never written.
    for name in ("RoomInsert", "RoomUpdate"):
        fields = set(getattr(models, name).__struct_fields__)
        assert not {"price_with_tax", "price_doubled"} & fields
    # The NOT ENFORCED check (price > 0) is not the model's to enforce.
    during: Range[datetime] = Range(None, None)
    insert = msgspec.convert(
        {"id": 9, "valid_during": during, "name": "Green", "price": Decimal("-1")},
        models.RoomInsert,
    )
    assert insert.price == Decimal("-1")
