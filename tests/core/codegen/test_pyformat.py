"""Generated Python laid out as ``ruff format`` lays it out (``schemasync.codegen.pyformat``).

Each statement below is what a template might write on one line; laid out at a line length,
it must be byte for byte what ``ruff format --line-length N`` makes of it, which also means
the formatter leaves the output unchanged. ruff is run for real (one call per case list).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from schemasync.codegen.pyformat import reflow
from schemasync.codegen.render import py_string

#: One-line statements of the shapes templates write, at the top level and in a class.
STATEMENTS = '''\
from aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb import ccccccccccc, ddddddd
from aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb import cccccccccccccccccccc
from ._public_accounts_with_a_long_name import AccountsWithALongNameRow as AccountsWithALongNameRow

__all__ = ["AccountsWithALongNameRow", "AccountsWithALongNameInsert", "AccountsWithALongNameUpdate"]

Status: TypeAlias = Literal["draft", "in review", "published", "archived", "deleted"]
Mood: TypeAlias = Literal["happy", "sad", "a label long enough to need a line of its own here"]
JsonValue: TypeAlias = dict[str, "JsonValue"] | list["JsonValue"] | str | int | float | bool | None
Short = Literal["x"]
ALongAliasNameForAnIntervalOfTimestampsWithTimeZones = Annotated[Range[datetime], RangeBounds()]


class ProjectsWithAVeryLongNameIndeed(BaseModel, frozen=True, extra="forbid", populate_by_name=True):
    """A class."""

    budget: Decimal | None | MISSING = Field(default=MISSING, ge=0, max_digits=10, decimal_places=2)
    progress: Decimal | MISSING = Field(default=MISSING, ge=0, le=100, max_digits=5, decimal_places=2)
    scores: list[Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)] | None] | None
    nums: list[Annotated[Decimal, Field(max_digits=10, decimal_places=2)] | None] | None | MISSING = MISSING
    varchars: list[Annotated[str, Field(max_length=5)] | None] | None | MISSING = MISSING
    inets: NotRequired[list[IPv4Interface | IPv6Interface | IPv4Address | IPv6Address | None] | None]
    a_column_name_that_is_really_quite_long: Annotated[str, Field(max_length=5)] | None = Field(default=None, alias="A column name that is really quite long")
    another_column_with_a_long_name_here: Annotated[str, Field(max_length=555555555555555)] | None = MISSING
    column_of_a_status: Literal["draft", "in review", "published", "archived", "deleted"] | None = None
    column_with_a_default: int = field(default_factory=lambda: 1234567890123456789012345678901234567890)
    the_longest_column_name_postgresql_accepts_is_sixty_three_bytes: list[int] | None = MISSING
    short: int = 0


def _make_Address(*values: Any) -> Address:
    return convert(dict(zip(("street", "zip code", "class", "geo"), values)), Address)


def _multirange_schema(source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
    return core_schema.no_info_plain_validator_function(_validate_multirange, serialization=None)


async def register_types_async(conn: "AsyncConnection[Any]") -> None:
    composite_info = await CompositeInfo.fetch(conn, sql.Identifier("public", "address"))
    register_enum(enum_info, conn, TaskStatus, mapping={m: m.value for m in TaskStatus})
    value = core_schema.decimal_schema(allow_inf_nan=True) if subtype is Decimal else handler.generate_schema(subtype)
    return Address.model_validate(dict(zip(("street", "Zip Code", "geo"), valuesssssssssssssssss)))
'''


def ruff_format(source: str, line_length: int) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--isolated", "--no-cache"]
        + ["--line-length", str(line_length), "-"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize("line_length", [60, 72, 88, 100, 120])
def test_statements_are_laid_out_as_ruff_lays_them_out(line_length: int) -> None:
    laid_out = reflow(STATEMENTS, line_length)

    assert laid_out == ruff_format(STATEMENTS, line_length)


@pytest.mark.parametrize("line_length", [60, 88, 120])
def test_laying_out_twice_changes_nothing(line_length: int) -> None:
    once = reflow(STATEMENTS, line_length)

    assert reflow(once, line_length) == once


@pytest.mark.parametrize(("narrow", "wide"), [(60, 120), (120, 60), (88, 100)])
def test_output_laid_out_for_one_length_is_laid_out_again_for_another(
    narrow: int, wide: int
) -> None:
    """Split statements join again where a wider line holds them, and the other way round."""
    assert reflow(reflow(STATEMENTS, narrow), wide) == ruff_format(STATEMENTS, wide)


def test_lines_that_fit_are_returned_as_they_are() -> None:
    source = 'x: int = 1\n\n\ndef f(a: int) -> None:\n    return g(a, "b")\n'

    assert reflow(source, 88) is source


def test_docstrings_and_comments_are_left_alone() -> None:
    long_text = "word " * 30
    source = (
        f'"""{long_text}\n{long_text}"""\n\n'
        f"x = call(argument_number_one, argument_number_two, argument_three)  # {long_text}\n"
    )

    assert reflow(source, 60) == source


def test_quotes_are_the_ones_ruff_prefers() -> None:
    """The literal of any text is left as it is by ruff format: double quotes unless the
    text holds more of them than single ones."""
    texts = ['say "hi"', "it's", "a\"b'c", "\"'\"", "back\\slash \"q\"", "tab\there", "plain"]
    source = "".join(f"X{i} = {py_string(text)}\n" for i, text in enumerate(texts))

    assert ruff_format(source, 88) == source


def test_a_large_file_is_laid_out_quickly() -> None:
    """Thousands of statements, a third of them too long: linear, well under a second."""
    line = (
        "    column_{i}: Decimal | None | MISSING = "
        "Field(default=MISSING, ge=0, max_digits=10, decimal_places=2)\n"
    )
    source = "class Big(BaseModel):\n" + "".join(
        line.format(i=i) if i % 3 == 0 else f"    short_{i}: int = 0\n" for i in range(6000)
    )
    started = time.perf_counter()
    laid_out = reflow(source, 88)
    elapsed = time.perf_counter() - started

    assert laid_out.count("\n") == source.count("\n") + 2 * 2000
    assert elapsed < 2.0, elapsed


def test_ruff_is_what_the_tests_compare_with(tmp_path: Path) -> None:
    """The comparison means something: ruff does rewrite a long statement."""
    long = "x = call(" + ", ".join(f"argument_{i}" for i in range(12)) + ")\n"

    assert ruff_format(long, 88) != long
    assert reflow(long, 88) == ruff_format(long, 88)
