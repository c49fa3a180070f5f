"""Types defined in a schema that is not read, used by a table of one that is: read wherever
they live, typed exactly by every emitter, and validated against real rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import psycopg
import pytest
from psycopg.rows import dict_row

import pydantic
from generated import generate, import_path, write_package
from pg import run_sql
from schemasync import ir
from schemasync.config import Config, Settings
from schemasync.pipeline import SourceChoice, read_schema
from schemasync.plugins import load_plugins

pytestmark = pytest.mark.postgres

SQL = """
CREATE DOMAIN public.yes_no AS boolean NOT NULL;
COMMENT ON DOMAIN public.yes_no IS 'A flag';
CREATE DOMAIN public.short_name AS varchar(12);
CREATE TYPE public.level AS ENUM ('junior', 'senior');
CREATE TYPE public.pay AS (amount numeric(10, 2), label public.short_name);
CREATE TYPE public.float_span AS RANGE (subtype = float8);
CREATE SCHEMA other;
CREATE DOMAIN other.code AS text CHECK (length(VALUE) = 3);
CREATE DOMAIN public.team_code AS other.code;
CREATE SCHEMA hr;
CREATE TABLE hr.employees (
    id int PRIMARY KEY,
    active public.yes_no,
    name public.short_name NOT NULL,
    level public.level,
    levels public.level[],
    pay public.pay,
    hours public.float_span,
    team public.team_code
);
INSERT INTO hr.employees VALUES
    (1, true, 'Ada', 'senior', '{junior,senior}', ROW(12.5, 'base'), '[1,2)', 'abc'),
    (2, false, 'Grace', NULL, NULL, NULL, NULL, NULL);
"""


def read(dsn: str, *schemas: str) -> ir.Schema:
    config = Config(settings=Settings(include_schemas=schemas))
    return read_schema(load_plugins(), config, SourceChoice(target=dsn))


@pytest.fixture
def database(pg_dsn: str) -> str:
    run_sql(pg_dsn, SQL)
    return pg_dsn


def test_types_from_schemas_not_read_are_read_with_their_schema(database: str) -> None:
    schema = read(database, "hr")
    assert schema.schemas == ("hr",)
    domains = {(d.schema, d.name): d for d in schema.domains}
    # Directly, through a composite's attribute, and through a domain over a domain.
    assert set(domains) == {
        ("public", "yes_no"),
        ("public", "short_name"),
        ("public", "team_code"),
        ("other", "code"),
    }
    assert domains[("public", "yes_no")].comment == "A flag"
    assert domains[("public", "short_name")].base_type.modifiers == (12,)
    assert [(e.schema, e.name, e.labels) for e in schema.enums] == [
        ("public", "level", ("junior", "senior"))
    ]
    assert [(c.schema, c.name) for c in schema.composite_types] == [("public", "pay")]
    assert [a.name for a in schema.composite_types[0].attributes] == ["amount", "label"]
    assert [(r.schema, r.name) for r in schema.range_types] == [("public", "float_span")]


def test_a_schema_that_references_nothing_outside_reads_as_before(database: str) -> None:
    # public uses other.code only through public.team_code, so other.code is read; other
    # uses nothing outside, so reading it adds nothing.
    alone = read(database, "other")
    assert [(d.schema, d.name) for d in alone.domains] == [("other", "code")]
    assert (alone.enums, alone.composite_types, alone.range_types) == ((), (), ())


VALIDATORS: dict[str, Any] = {
    # What FastAPI does with a TypedDict: no config, the range column included.
    "typeddict": lambda cls, row: pydantic.TypeAdapter(cls).validate_python(row),
    "pydantic": lambda cls, row: cls.model_validate(row),
    "msgspec": lambda cls, row: msgspec.convert(row, cls),
}


@pytest.mark.parametrize("emitter", list(VALIDATORS))
def test_every_emitter_types_them_exactly_and_real_rows_validate(
    database: str, tmp_path: Path, emitter: str
) -> None:
    schema = read(database, "hr")
    files = generate(load_plugins(), schema, emitter, {"layout": "module"}, tmp_path / "out")
    models = import_path(write_package(tmp_path / f"hr_{emitter}", files) / "models.py")
    row_class = models.EmployeeRow
    source = files["models.py"].decode()
    assert "active: bool" in source
    with psycopg.connect(database, row_factory=dict_row) as conn:
        if hasattr(models, "register_types"):
            models.register_types(conn)
        rows = conn.execute("SELECT * FROM hr.employees ORDER BY id").fetchall()
    validate = VALIDATORS[emitter]
    for row in rows:
        validate(row_class, row)
    if emitter == "typeddict":
        return
    # A varchar(12) domain keeps its length, a boolean domain takes no string.
    too_long = {**rows[1], "name": "x" * 13}
    not_a_flag = {**rows[1], "active": "maybe"}
    for bad in (too_long, not_a_flag):
        with pytest.raises((pydantic.ValidationError, msgspec.ValidationError)):
            validate(row_class, bad)


def test_the_docs_say_where_they_come_from(database: str, tmp_path: Path) -> None:
    files = generate(load_plugins(), read(database, "hr"), "docs", {}, tmp_path)
    overview = files["README.md"].decode()
    assert "### Schema public (types used from it only)" in overview
    assert "### Schema other (types used from it only)" in overview
    domains = files["domains.md"].decode()
    origin = (
        "Defined in schema <code>public</code>, which is not among the schemas read: "
        "it is documented here because the schemas read use it."
    )
    assert domains.count(origin) == 3  # yes_no, short_name, team_code
