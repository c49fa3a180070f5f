"""Relationships computed from the IR equal what pg_constraint and pg_index say, for every
table of the fixtures, in both directions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from generated import generate, import_path, load_schema, write_package
from pg import fixture_sql, run_sql
from schemasync.codegen.relationships import all_relationships
from schemasync.plugins import load_plugins
from schemasync.sources.introspect import introspect

pytestmark = pytest.mark.postgres

#: Every foreign key (not the copies PostgreSQL makes on partitions), with whether its
#: columns are unique: a unique index without predicate or expressions on exactly them.
CATALOG_KEYS = """
SELECT c.conname, n.nspname, t.relname, rn.nspname, r.relname,
       ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num
             ORDER BY k.ord),
       ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num
             ORDER BY k.ord),
       EXISTS (SELECT FROM pg_index i
               WHERE i.indrelid = c.conrelid AND i.indisunique AND i.indpred IS NULL
                 AND i.indexprs IS NULL
                 AND (SELECT array_agg(k ORDER BY k) FROM unnest(i.indkey::int2[]) k)
                   = (SELECT array_agg(k ORDER BY k) FROM unnest(c.conkey) k))
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_class r ON r.oid = c.confrelid
JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE c.contype = 'f' AND c.conparentid = 0 AND NOT t.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
"""


def catalog_relationships(conn: psycopg.Connection[Any]) -> set[tuple[object, ...]]:
    """Every relationship the catalog holds, both ways: ``(schema, relation, constraint,
    direction, columns, related schema, related relation, related columns, one-to-one)``."""
    keys = conn.execute(CATALOG_KEYS).fetchall()
    expected: set[tuple[object, ...]] = set()
    for name, nsp, table, ref_nsp, ref_table, columns, ref_columns, unique in keys:
        expected.add((nsp, table, name, "outgoing", tuple(columns), ref_nsp, ref_table,
                      tuple(ref_columns), unique))  # fmt: skip
        expected.add((ref_nsp, ref_table, name, "incoming", tuple(ref_columns), nsp, table,
                      tuple(columns), unique))  # fmt: skip
    return expected


@pytest.mark.parametrize("fixture", ["functions", "everything", "types"])
def test_relationships_equal_the_catalog(pg_dsn: str, fixture: str) -> None:
    run_sql(pg_dsn, fixture_sql(fixture))
    with psycopg.connect(pg_dsn) as conn:
        schema = introspect(conn)
        expected = catalog_relationships(conn)
    found = {
        (key[0], key[1], r.constraint, r.direction, r.columns, r.related_schema,
         r.related_relation, r.related_columns, r.one_to_one)
        for key, relationships in all_relationships(schema).items()
        for r in relationships
    }  # fmt: skip
    assert found == expected
    assert expected, "the fixture has foreign keys"


def test_one_to_one_and_one_to_many(pg_dsn: str) -> None:
    run_sql(pg_dsn, fixture_sql("functions"))
    with psycopg.connect(pg_dsn) as conn:
        relationships = all_relationships(introspect(conn))
    authors = {(r.constraint, r.direction): r for r in relationships[("library", "authors")]}
    # A profile's key is its primary key: at most one profile per author.
    assert authors[("profiles_author_id_fkey", "incoming")].one_to_one
    assert not authors[("profiles_author_id_fkey", "incoming")].is_many
    # Two keys from books, each one-to-many.
    assert authors[("books_author_id_fkey", "incoming")].is_many
    assert authors[("books_editor_fkey", "incoming")].related_columns == ("editor_id",)
    printings = {r.constraint: r for r in relationships[("library", "printings")]}
    edition = printings["printings_edition_fkey"]
    assert (edition.direction, edition.columns, edition.related_columns) == (
        "outgoing",
        ("book_id", "edition"),
        ("book_id", "number"),
    )
    assert not edition.one_to_one
    assert ("library", "visits") not in relationships


@pytest.mark.parametrize("layout", ["module", "lazy-package"])
@pytest.mark.parametrize("emitter", ["typeddict", "pydantic", "msgspec"])
@pytest.mark.parametrize("fixture", ["functions", "everything"])
def test_generated_relationships_equal_the_catalog(
    pg_dsn: str, tmp_path: Path, fixture: str, emitter: str, layout: str
) -> None:
    """Every emitter's ``RELATIONSHIPS``, imported from the generated package, lists what
    pg_constraint says of every table, both ways."""
    if emitter == "msgspec" and layout == "lazy-package":
        layout = "package"  # msgspec writes no lazy package
    run_sql(pg_dsn, fixture_sql(fixture))
    host = load_plugins()
    schema = load_schema(host, pg_dsn)
    files = generate(host, schema, emitter, {"layout": layout}, tmp_path / "project")
    package = write_package(tmp_path / "generated", files)
    module = import_path(package / ("models.py" if layout == "module" else "__init__.py"))
    with psycopg.connect(pg_dsn) as conn:
        expected = catalog_relationships(conn)
    found = {
        (*key.split("."), r.constraint, r.direction, r.columns, r.related_schema,
         r.related_relation, r.related_columns, r.cardinality == "one-to-one")
        for key, relationships in module.RELATIONSHIPS.items()
        for r in relationships
    }  # fmt: skip
    assert expected
    assert found == expected
    assert all(type(r) is module.Relationship for rs in module.RELATIONSHIPS.values() for r in rs)
