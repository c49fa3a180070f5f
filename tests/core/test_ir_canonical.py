"""How IR nodes are kept: the canonical order (collections out of order are sorted, those in
order kept as they are, not copied, so canonicalizing a canonical schema is cheap) and
the garbage collector left out."""

from __future__ import annotations

import gc

from schemasync import ir


def _schema(*checks: str) -> ir.Schema:
    table = ir.Relation(
        schema="public",
        name="t",
        kind="table",
        columns=(ir.Column(name="a", type=ir.TypeRef("pg_catalog", "int4", "base", "integer")),),
        check_constraints=tuple(
            ir.CheckConstraint(name=name, expression="a > 0") for name in checks
        ),
    )
    return ir.Schema(schemas=("public",), relations=(table,))


def test_constraints_out_of_order_are_sorted_by_name() -> None:
    schema = ir.canonicalize(_schema("b", "c", "a"))
    assert [c.name for c in schema.relations[0].check_constraints] == ["a", "b", "c"]
    assert ir.schema_hash(schema) == ir.schema_hash(_schema("a", "b", "c"))


def test_constraints_in_order_are_kept_as_they_are() -> None:
    schema = _schema("a", "a", "b")
    canonical = ir.canonicalize(schema)
    assert canonical == schema
    assert canonical.relations[0].check_constraints is schema.relations[0].check_constraints


def test_nodes_are_left_to_reference_counting() -> None:
    # Frozen nodes of text, numbers and older nodes make no cycles: the cyclic collector
    # has no need to go over them (a quarter of a million at 5,000 tables).
    schema = _schema("a")
    assert not gc.is_tracked(schema)
    assert not gc.is_tracked(schema.relations[0].columns[0].type)
