"""Generated Python laid out as ``ruff format`` lays it out (``schemasync.codegen.pyformat``).

Each statement of ``tests/fixtures/python/long_statements.py.txt`` is what a template might
write on one line; laid out at a line length, it must be byte for byte what ``ruff format
--line-length N`` makes of it, which also means the formatter leaves the output unchanged.
ruff is run for real.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from schemasync.codegen import pyformat
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


def test_a_large_file_has_each_long_statement_laid_out() -> None:
    """Thousands of statements, a third of them too long: each of those is split, the
    others are left as they are (how fast: ``benchmarks/scale.py --in-process``)."""
    line = (
        "    column_{i}: Decimal | None | MISSING = "
        "Field(default=MISSING, ge=0, max_digits=10, decimal_places=2)\n"
    )
    source = "class Big(BaseModel):\n" + "".join(
        line.format(i=i) if i % 3 == 0 else f"    short_{i}: int = 0\n" for i in range(6000)
    )

    laid_out = reflow(source, 88)

    assert laid_out.count("\n") == source.count("\n") + 2 * 2000
    assert laid_out == ruff_format(source, 88)


def test_ruff_is_what_the_tests_compare_with() -> None:
    """The comparison means something: ruff does rewrite a long statement."""
    long = "x = call(" + ", ".join(f"argument_{i}" for i in range(12)) + ")\n"

    assert ruff_format(long, 88) != long
    assert reflow(long, 88) == ruff_format(long, 88)


class RandomStatements:
    """Statements of the shapes emitters write, with names and literals of random lengths
    (up to PostgreSQL's 63 bytes): they fall on every side of every threshold."""

    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)

    def name(self, longest: int = 63) -> str:
        return "n" + "".join(
            self.rnd.choice("abcdefghij_") for _ in range(self.rnd.randint(1, longest))
        )

    def cls(self) -> str:
        return "C" + self.name(40)

    def text(self) -> str:
        return (
            '"' + "".join(self.rnd.choice("abc def") for _ in range(self.rnd.randint(1, 40))) + '"'
        )

    def texts(self, most: int) -> str:
        return ", ".join(self.text() for _ in range(self.rnd.randint(2, most)))

    def numbers(self, keys: Sequence[str]) -> list[str]:
        chosen = self.rnd.sample(keys, self.rnd.randint(0, len(keys)))
        return [f"{key}={self.rnd.randint(0, 10 ** self.rnd.randint(1, 12))}" for key in chosen]

    def annotation(self, depth: int = 0) -> str:
        pick = self.rnd.random()
        inner = "" if depth > 2 else self.annotation(depth + 1)
        if not inner or pick < 0.25:
            return self.rnd.choice(["int", "str", "Decimal", "datetime", self.cls()])
        if pick < 0.45:
            return f"list[{inner}]"
        if pick < 0.6:
            return f"{inner} | None"
        if pick < 0.7:
            return f"Literal[{self.texts(5)}]"
        if pick < 0.8:
            bounds = self.numbers(["ge", "le", "max_digits", "decimal_places", "max_length"])
            return f"Annotated[{inner}, Field({', '.join(bounds or ['ge=0'])})]"
        if pick < 0.9:
            return f"NotRequired[{inner}]"
        return f"dict[str, {inner}]"

    def value(self) -> str:
        if self.rnd.random() < 0.3:
            return self.rnd.choice(["MISSING", "None", "0", self.text()])
        arguments = [f"default={self.rnd.choice(['MISSING', 'None', '0'])}"]
        arguments += self.numbers(["ge", "le", "max_digits", "decimal_places"])
        if self.rnd.random() < 0.5:
            arguments.append(f"alias={self.text()}")
        function = self.rnd.choice(["Field", "msgspec.field", "field"])
        return f"{function}({', '.join(arguments)})"

    def statement(self) -> str:
        pick = self.rnd.random()
        if pick < 0.6:
            default = f" = {self.value()}" if self.rnd.random() < 0.6 else ""
            return f"    {self.name()}: {self.annotation()}{default}"
        if pick < 0.7:
            where = f"sql.Identifier({self.text()}, {self.text()})"
            return f"    {self.name(20)} = {self.cls()}.fetch(conn, {where})"
        if pick < 0.8:
            return f"    return {self.cls()}.model_validate(dict(zip(({self.texts(6)}), values)))"
        if pick < 0.9:
            mapping = f"{{m: m.value for m in {self.cls()}}}"
            return f"    register_enum(info, conn, {self.cls()}, mapping={mapping})"
        return f"    {self.cls()}: TypeAlias = Literal[{self.texts(6)}]"


@pytest.mark.parametrize("seed", range(4))
def test_random_statements_are_laid_out_as_ruff_lays_them_out(seed: int) -> None:
    statements = RandomStatements(seed)
    source = "class A:\n" + "".join(statements.statement() + "\n" for _ in range(300))

    for line_length in (60, 88, 120):
        assert reflow(source, line_length) == ruff_format(source, line_length)


@pytest.mark.parametrize("line_length", [60, 88])
def test_wide_characters_take_two_columns_as_ruff_counts_them(line_length: int) -> None:
    """A name in CJK fits by its length but not by its width; combining marks take none."""
    cjk = "日本語の名前" * 3 + "日"
    marks = "e\u0301" * 13 + "ab"
    source = (
        "def f() -> None:\n"
        f'    info = CompositeInfo.fetch(conn, sql.Identifier("fz", "{cjk}"))\n'
        f'    label = Field(default=None, alias="{marks}")\n'
    )

    assert reflow(source, line_length) == ruff_format(source, line_length)


#: A table of one-element tuples, each holding a call split one argument a line (the
#: relationships table), and ones whose item does not need to split.
TUPLES_OF_ONE = """\
TABLE: Final[dict[str, tuple[Rel, ...]]] = {
    "public.a": (
        Rel(
            name="a_fkey",
            columns=("id",),
        ),
    ),
    "public.b": (
        Rel(
            name="b_fkey",
        ),
        Rel(
            name="b_other_fkey",
        ),
    ),
}
PLAIN = (
    "one",
)
"""


def test_split_tuples_of_one_item_are_laid_out_as_ruff_lays_them_out() -> None:
    """``(a,)`` split over lines stays split when ``a`` holds a split bracket, and joins
    when it does not (its comma makes a tuple; it is no magic trailing comma)."""
    for line_length in (60, 88):
        assert reflow(TUPLES_OF_ONE, line_length) == ruff_format(TUPLES_OF_ONE, line_length)


def test_a_split_table_of_tuples_of_one_call_is_not_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A table already as ruff keeps it is recognised line by line: parsing one of
    hundreds of kilobytes (as a schema's relationships make) costs a large part of a run."""
    table = TUPLES_OF_ONE.partition("PLAIN")[0]

    def parsed(text: str, indent: int, width: int) -> str:
        raise AssertionError(f"parsed: {text[:40]}")

    monkeypatch.setattr(pyformat, "_statement", parsed)

    assert reflow(table, 88) == table


#: Lines that look complete but are not, and lines that look open but are not: quotes and
#: brackets inside strings, a triple quote made of an empty string and a quote, a comment
#: holding a bracket, brackets nested deeper than lines are read a run at a time.
TRICKY = (
    "a = '''' + (\"\n"
    "''' + \"tail\"\n"
    'b = ""  # (\n'
    'c = "\\"(" + call(x)\n'
    'd = {"k": [1, (2, 3)], \'v\': "]"}\n'
    "e = '\\'[' + call(x)\n"
    'f = """""" + call(x)\n'
    'g = """("""\n'
    "h = f(g(h(i(j(k)))))\n"
    "i = f(g(h(i(j(\n"
    "    k,\n"
    ")))))\n"
    "j = [(\n"
    '    "]",\n'
    ")]\n"
    "k = 1\n"
)


def test_statements_are_found_whatever_their_strings_and_comments_hold() -> None:
    found = [(TRICKY[start:end], plain) for start, end, plain in pyformat._statements(TRICKY)]

    assert found == [
        ("a = '''' + (\"\n''' + \"tail\"", False),
        ('b = ""  # (', False),
        ("i = f(g(h(i(j(\n    k,\n)))))", True),
        ('j = [(\n    "]",\n)]', True),
    ]


class RandomTables:
    """Statements split over lines as ruff writes them: calls, tuples, lists and dicts
    nested in each other, items of every shape, strings holding brackets, quotes, escapes
    and wide characters."""

    #: Quoted as ruff prefers, so that a table ruff keeps is left as it is.
    STRINGS = ('"a(b"', '"[x"', "')\"'", "'\"'", '"漢字"', '"é"', '"#{"', '"\'"', '"\\\\("', '""')

    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)

    def value(self) -> str:
        text = self.rnd.choice(self.STRINGS)
        return self.rnd.choice(
            [text, f"({text}, {text})", f"call({text})[0]", f"[1, (2, {{{text}}})]", "value"]
        )

    def prefix(self, container: str, number: int) -> str:
        """What item ``number`` of ``container`` starts with: a key, a keyword or nothing."""
        if container == "{":
            return f"{self.rnd.choice(self.STRINGS)}: "
        if container == "Rel(":
            return f"name_{number}="
        return ""

    def block(self, indent: int, depth: int, prefix: str) -> list[str]:
        pad = " " * indent
        opener = self.rnd.choice(["Rel(", "(", "[", "{"])
        closer = {"(": ")", "[": "]", "{": "}"}[opener[-1]]
        lines = [pad + prefix + opener]
        for number in range(self.rnd.randint(1, 4)):
            if depth < 3 and self.rnd.random() < 0.4:
                lines += self.block(indent + 4, depth + 1, self.prefix(opener, number))
            else:
                lines.append(f"{pad}    {self.prefix(opener, number)}{self.value()},")
        return [*lines, f"{pad}{closer},"]

    def table(self) -> str:
        body = [line for _ in range(self.rnd.randint(1, 6)) for line in self.block(4, 1, "")]
        return "\n".join(["TABLE = [", *body, "]"])

    def spoiled(self, table: str) -> str:
        lines = table.split("\n")
        at = self.rnd.randrange(1, len(lines))
        line = lines[at]
        lines[at] = self.rnd.choice(
            [
                " " + line,
                line[1:],
                line.rstrip(","),
                line + ",",
                line + " ",
                line.replace('"', "'", 1),
                line + '"""',
                line + " # (",
            ]
        )
        return "\n".join(lines)


@pytest.mark.parametrize("seed", range(3))
def test_tables_checked_a_part_at_a_time_are_judged_as_line_by_line(seed: int) -> None:
    """Runs of items and brackets holding only items are checked whole; the verdict is
    the one the line-by-line check gives, on tables as ruff keeps them and on tables
    with one line spoiled (indentation, commas, quotes, a comment, a wide line)."""
    tables = RandomTables(seed)
    verdicts = set()
    for _ in range(300):
        table = tables.table()
        for text in (table, tables.spoiled(table), tables.spoiled(table)):
            for width in (30, 88):
                verdict = pyformat._exploded(text, 0, width)
                assert verdict == pyformat._exploded_lines(text.split("\n"), 0, width), text
                verdicts.add(verdict)

    assert verdicts == {True, False}


def test_random_tables_are_laid_out_as_ruff_lays_them_out() -> None:
    tables = RandomTables(7)
    source = "".join(tables.table() + "\n" for _ in range(60))

    for line_length in (30, 88):
        assert reflow(source, line_length) == ruff_format(source, line_length)
