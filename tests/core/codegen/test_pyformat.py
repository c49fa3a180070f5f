"""Generated Python laid out as ``ruff format`` lays it out (``schemasync.codegen.pyformat``).

Each statement of ``tests/fixtures/python/long_statements.py.txt`` is what a template might
write on one line; laid out at a line length, it must be byte for byte what ``ruff format
--line-length N`` makes of it, which also means the formatter leaves the output unchanged.
ruff is run for real.
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
STATEMENTS = (
    Path(__file__).parents[2] / "fixtures" / "python" / "long_statements.py.txt"
).read_text(encoding="utf-8")


RUFF_FORMAT = (sys.executable, "-m", "ruff", "format", "--isolated", "--no-cache", "--line-length")


def ruff_format(source: str, line_length: int) -> str:
    result = subprocess.run(
        [*RUFF_FORMAT, str(line_length), "-"],
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


@pytest.mark.parametrize(("before", "after"), [(60, 120), (120, 60), (88, 100)])
def test_output_laid_out_for_one_length_is_laid_out_again_for_another(
    before: int, after: int
) -> None:
    """Changing ``line_length`` re-lays what an earlier run wrote: split statements join
    where the longer lines hold them, long ones split. (Brackets split one item a line keep
    their magic trailing comma, for ruff as for this.)"""
    again = reflow(reflow(STATEMENTS, before), after)

    assert again == ruff_format(again, after)


def test_lines_that_fit_are_returned_as_they_are() -> None:
    source = 'x: int = 1\n\n\ndef f(a: int) -> None:\n    return g(a, "b")\n'

    assert reflow(source, 88) is source


def test_a_file_ends_with_one_line_end() -> None:
    """As ruff ends it: a template that leaves blank lines at the end (an empty schema)
    does not make the file one ruff would change."""
    assert reflow('"""Models."""\n\n\n', 88) == '"""Models."""\n'
    assert reflow("x = 1", 88) == "x = 1\n"
    assert reflow("", 88) == ""


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
    texts = ['say "hi"', "it's", "a\"b'c", '"\'"', 'back\\slash "q"', "tab\there", "plain"]
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
    started = time.process_time()
    laid_out = reflow(source, 88)
    elapsed = time.process_time() - started

    assert laid_out.count("\n") == source.count("\n") + 2 * 2000
    assert elapsed < 1.0, elapsed


def test_ruff_is_what_the_tests_compare_with() -> None:
    """The comparison means something: ruff does rewrite a long statement."""
    long = "x = call(" + ", ".join(f"argument_{i}" for i in range(12)) + ")\n"

    assert ruff_format(long, 88) != long
    assert reflow(long, 88) == ruff_format(long, 88)
