"""PostgreSQL 18's catalog features through the Pydantic emitter: generated from a real
PostgreSQL 18 database, checked for drift, and validating that database's rows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from psycopg.types.range import Range

import pydantic
from generated import import_path
from pg18_project import TABLES, run_and_check, table_rows

pytestmark = pytest.mark.postgres


def test_pg18_rows_validate_and_not_enforced_checks_stay_out(pg18_dsn: str, tmp_path: Path) -> None:
    output = run_and_check(tmp_path / "project", pg18_dsn, "pydantic", 'layout = "module"\n')
    models = import_path(output / "models.py")
    rows = table_rows(pg18_dsn, getattr(models, "register_types", None))
    for stem in TABLES:
        row_model = getattr(models, f"{stem}Row")
        for row in rows[stem]:
            assert row_model.model_validate(row).model_dump() == row
    # Generated columns, virtual or stored, are read, never written.
    for name in ("RoomInsert", "RoomUpdate"):
        assert not {"price_with_tax", "price_doubled"} & set(getattr(models, name).model_fields)
    # The NOT ENFORCED check (price > 0) is not the model's to enforce: the database took -5.
    during: Range[datetime] = Range(None, None)
    insert = models.RoomInsert.model_validate(
        {"id": 9, "valid_during": during, "name": "Green", "price": Decimal("-1")}
    )
    assert insert.price == Decimal("-1")
    with pytest.raises(pydantic.ValidationError):
        models.RoomInsert.model_validate({"id": 9, "valid_during": during, "price": 1})
