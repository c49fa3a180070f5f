"""CHECK constraints translated into field constraints (``schemasync.codegen.constraints``).

The expressions are written as PostgreSQL prints them back (``pg_get_constraintdef``):
parenthesised, with casts. The parser's tree leaves out every value at its default (a zero,
an empty text, false), which the translation must read as that value, not as nothing.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from schemasync.codegen.constraints import Constraints, translate_check


@pytest.mark.parametrize(
    ("expression", "annotation", "expected"),
    [
        ("((x >= 0))", "int", Constraints(ge=Decimal(0))),
        ("((x > '-0.5'::numeric))", "Decimal", Constraints(gt=Decimal("-0.5"))),
        ("(((x >= 1) AND (x <= 10)))", "int", Constraints(ge=Decimal(1), le=Decimal(10))),
        ("(((0)::double precision <= x))", "float", Constraints(ge=Decimal(0))),
        ("((x < 99999999999999999999))", "int", Constraints(lt=Decimal("99999999999999999999"))),
        ("((length(x) <= 0))", "str", Constraints(max_length=0)),
        ("((char_length(x) > 2))", "str", Constraints(min_length=3)),
        ("((x = ANY (ARRAY['a'::text, ''::text])))", "str", Constraints(literals=("a", ""))),
        ("((x = ANY (ARRAY[0, '-1'::integer])))", "int", Constraints(literals=(0, -1))),
        ("(('it''s'::text = x))", "str", Constraints(literals=("it's",))),
        ("((x IN ('(', '漢字')))", "str", Constraints(literals=("(", "漢字"))),
    ],
)
def test_checks_of_the_translated_shapes_become_constraints(
    expression: str, annotation: str, expected: Constraints
) -> None:
    assert translate_check(expression, "x", annotation) == expected


@pytest.mark.parametrize(
    ("expression", "annotation"),
    [
        ("(((x >= 0) OR (x <= 10)))", "int"),  # OR
        ("((x <> 1))", "int"),
        ("((NOT (x > 1)))", "int"),
        ("(((x % 2) = 1))", "int"),
        ("((y >= 0))", "int"),  # another column
        ("((x > NULL::integer))", "int"),
        ("((x < 'NaN'::numeric))", "Decimal"),
        ("((x = ANY (ARRAY[1.5, 2])))", "int"),
        ("((length(x) <= 2.5))", "str"),
        ("((lower(x) = 'a'::text))", "str"),
        ("((x ~ '^a'::text))", "str"),
        ("((x)::bigint >= 0)", "str"),  # a cast that is no identity for text
        ("this is not SQL", "int"),
    ],
)
def test_other_checks_are_left_out(expression: str, annotation: str) -> None:
    assert translate_check(expression, "x", annotation) is None


def test_length_checks_of_padded_text_are_left_out() -> None:
    """``char(n)`` values carry their padding; ``length`` does not count it."""
    assert translate_check("((length(x) <= 3))", "x", "str", padded=True) is None
    assert translate_check("((length(x) <= 3))", "x", "str") == Constraints(max_length=3)
