"""The canonical order of the IR: collections out of order are sorted, and those already in
order are kept as they are (not copied), which is what makes canonicalizing a canonical
schema cheap."""

from __future__ import annotations

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
