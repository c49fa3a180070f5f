"""PostgreSQL 18's catalog features through the TypedDict emitter: generated from a real
PostgreSQL 18 database, checked for drift, and that database's rows passing mypy --strict as
the generated classes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typeddict_support import CheckFile, import_path, literal_namespace, mypy

from pg18_project import TABLES, run_and_check, table_rows

pytestmark = pytest.mark.postgres


def test_pg18_rows_are_the_classes(pg18_dsn: str, tmp_path: Path) -> None:
    output = run_and_check(tmp_path / "project", pg18_dsn, "typeddict", 'layout = "module"\n')
    (output / "__init__.py").touch()
    models = import_path(output / "models.py")
    rows = table_rows(pg18_dsn, getattr(models, "register_types", None))
    check = CheckFile(literal_namespace(models))
    for stem in TABLES:
        typeddict = getattr(models, f"{stem}Row")
        for row in rows[stem]:
            assert set(row) == typeddict.__required_keys__ | typeddict.__optional_keys__
            check.assign(f"{stem}Row", row)
    # Generated columns, virtual or stored, are read, never written.
    for name in ("RoomInsert", "RoomUpdate"):
        keys = getattr(models, name).__annotations__
        assert not {"price_with_tax", "price_doubled"} & set(keys)
    check.write(output / "check_rows.py")
    result = mypy([output.name], cwd=output.parent, python="3.10", cache=tmp_path / "cache")
    assert result.returncode == 0, result.stdout + result.stderr
