"""The template filters that put database text into generated code.

Comments, labels and names come from whoever can run DDL. ``py_string`` must give a one-line
literal holding exactly the text; ``docstring`` a docstring holding exactly the text
(stripped, without trailing spaces on its lines) that nothing in the text can close early.
"""

from __future__ import annotations

import ast
import gc
import random
import weakref
from pathlib import Path

import jinja2
import pytest

from schemasync.codegen.render import (
    collected_once,
    docstring,
    environment,
    py_string,
    py_tuple,
)

HOSTILE = (
    "",
    "plain text",
    'say "hi"',
    "it's",
    '"""',
    "'''",
    '""""""',
    '"""; import os #',
    '\\"""; import os #',
    "back\\slash",
    "ends with a backslash\\",
    'ends with a quote"',
    "\\n is not a newline",
    "line one\nline two",
    "crlf\r\nline",
    "tab\there",
    "nul\x00byte",
    "escape \x1b[31mred\x1b[0m",
    "delete\x7f",
    "next line\x85",
    "line\u2028separator",
    "paragraph\u2029separator",
    "bidi \u202eevil\u202c override",
    "zero\u200bwidth",
    "bom\ufeff",
    "emoji 😀 and 🇫🇷",
    "naïve café",
    "日本語",
    "lone \ud800 surrogate",
    "{{ jinja }} {% raw %}",
    "f'{x}'",
    "\n\n  padded  \n\n",
    "x\n\n\ny",
    "indented\n    code\n\tblock",
    'a\n"""\nimport os\n"""',
    "trailing spaces   \nnext",
)

#: Pieces random texts are built from: every kind of character that needs care.
PIECES = (
    '"', "'", "\\", "\n", "\r", "\t", "\x00", "\x0b", "\x0c", "\x1b", "\x1c", "\x7f", "\x85",
    "\xa0", "\u2028", "\u2029", "\u202e", "\u200b", "\ufeff", "\ud83d", "😀", "é", "日",
    '"""', "'''", " ", "  ", "a", "Z", "0", "#", "{", "}", "%", "\u2013", "\\N", "x",
)  # fmt: skip


def random_texts(count: int, seed: int = 20240601) -> list[str]:
    """``count`` texts of 0 to 20 pieces, the same every run."""
    rng = random.Random(seed)
    return ["".join(rng.choices(PIECES, k=rng.randint(0, 20))) for _ in range(count)]


def expected_docstring(text: str) -> str:
    """What a docstring keeps of ``text``: stripped, lines without trailing spaces."""
    return "\n".join(line.rstrip(" ") for line in text.strip().split("\n"))


def assert_printable_lines(source: str) -> None:
    """Only ``\\n`` breaks lines, and nothing invisible or control is written raw."""
    for line in source.split("\n"):
        assert line.isprintable(), repr(line)


# --- py_string -------------------------------------------------------------------------------


def check_py_string(text: str) -> None:
    literal = py_string(text)
    assert literal.isprintable(), repr(literal)  # one line, nothing hidden
    assert len(literal.splitlines()) == 1
    node = ast.parse(literal, mode="eval").body
    assert isinstance(node, ast.Constant)
    assert node.value == text
    assert eval(literal) == text


@pytest.mark.parametrize("text", HOSTILE)
def test_py_string_round_trips(text: str) -> None:
    check_py_string(text)


def test_py_string_round_trips_random_texts() -> None:
    for text in random_texts(3000):
        check_py_string(text)


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("plain", '"plain"'),
        ("", '""'),
        ('a"b', "'a\"b'"),
        ("a\"b'c", '"a\\"b\'c"'),
        ('a\'b"c"', "'a\\'b\"c\"'"),
        ("a\\b", '"a\\\\b"'),
        ("a\nb", '"a\\nb"'),
        ("\x00", '"\\x00"'),
        ("\x1b", '"\\x1b"'),
        ("\x7f", '"\\x7f"'),
        ("\u2028", '"\\u2028"'),
        ("\u202e", '"\\u202e"'),
        ("\U000e0041", '"\\U000e0041"'),
        ("it's", '"it\'s"'),
        ("😀 é", '"😀 é"'),
    ],
)
def test_py_string_spelling(text: str, literal: str) -> None:
    """Printable text is written as it is; the rest as the shortest escape. The quotes are
    ruff's: double, unless the text holds more double quotes than single ones."""
    assert py_string(text) == literal


# --- docstring -------------------------------------------------------------------------------


def check_docstring(text: str) -> None:
    expected = expected_docstring(text)
    # A docstring of several lines closes on a line of its own.
    closed = expected + "\n" if "\n" in expected else expected

    module = docstring(text, 0) + "\n"
    tree = ast.parse(module)
    assert len(tree.body) == 1, module  # nothing broke out of the literal
    assert ast.get_docstring(tree, clean=False) == closed
    assert_printable_lines(module)

    pad = " " * 4
    cls = f"class C:\n    {docstring(text)}\n    x = 1\n"
    tree = ast.parse(cls)
    body = tree.body[0]
    assert isinstance(body, ast.ClassDef)
    assert len(body.body) == 2, cls
    doc = ast.get_docstring(body, clean=False)
    assert doc is not None
    lines = doc.split("\n")
    restored = "\n".join([lines[0], *(line.removeprefix(pad) for line in lines[1:])])
    assert restored == closed
    assert_printable_lines(cls)
    for line in cls.split("\n"):
        assert line == line.rstrip(), repr(line)  # no trailing whitespace anywhere


@pytest.mark.parametrize("text", HOSTILE)
def test_docstring_holds_exactly_the_text(text: str) -> None:
    check_docstring(text)


def test_docstring_holds_exactly_random_texts() -> None:
    for text in random_texts(3000):
        check_docstring(text)


def test_docstring_cannot_be_broken_out_of() -> None:
    comment = 'Nice table."""; import os; os.system("rm -rf /") #'

    module = docstring(comment, 0) + "\nx = 1\n"
    tree = ast.parse(module)

    assert [type(node) for node in tree.body] == [ast.Expr, ast.Assign]
    assert ast.get_docstring(tree) == comment
    assert not any(isinstance(node, ast.Import) for node in ast.walk(tree))


@pytest.mark.parametrize(
    ("text", "indent", "literal"),
    [
        ("One line.", 4, '"""One line."""'),
        ("  padded  ", 4, '"""padded"""'),
        ('say "hi"', 0, '"""say \\"hi\\""""'),
        ("first\nsecond", 4, '"""first\n    second\n    """'),
        ("first\nsecond", 0, '"""first\nsecond\n"""'),
        ("first  \n\nthird", 2, '"""first\n\n  third\n  """'),
        ("tab\tand nul\x00", 4, '"""tab\\tand nul\\x00"""'),
    ],
)
def test_docstring_layout(text: str, indent: int, literal: str) -> None:
    assert docstring(text, indent) == literal


# --- the environment -------------------------------------------------------------------------


def test_environment_has_the_filters() -> None:
    env = environment("schemasync.codegen")
    template = env.from_string(
        "{{ text | py_string }}\n{{ names | py_repr }}\n{{ text | docstring(0) }}\n"
    )

    out = template.render(text='a "b"\nc', names=("x", "y"))

    assert out == '\'a "b"\\nc\'\n(\'x\', \'y\')\n"""a \\"b\\"\nc\n"""\n'


@pytest.mark.parametrize(
    "items", [(), ("id",), ("a", 'say "hi"'), ("x\ny", "it's", "z"), ["in", "a", "list"]]
)
def test_py_tuple_is_a_tuple_literal_of_exactly_the_strings(items: tuple[str, ...]) -> None:
    literal = py_tuple(items)

    assert ast.literal_eval(literal) == tuple(items)
    assert (
        literal == "(" + ", ".join(map(py_string, items)) + ("," if len(items) == 1 else "") + ")"
    )
    assert environment("schemasync.codegen").from_string("{{ t | py_tuple }}").render(t=items) == (
        literal
    )


def test_environment_override_folder_wins_name_by_name(tmp_path: Path) -> None:
    (tmp_path / "json_value.py.j2").write_text("JsonValue = object  # mine\n")

    env = environment("schemasync.codegen", tmp_path)

    assert env.get_template("json_value.py.j2").render() == "JsonValue = object  # mine\n"
    shipped = env.get_template("register.py.j2")
    assert shipped.filename is not None
    assert Path(shipped.filename).parent != tmp_path


def test_environment_refuses_undefined_variables() -> None:
    env = environment("schemasync.codegen")

    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()


class _Node:
    """An object that can be put in a reference cycle and watched through a weak reference."""

    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    """A cycle of two nodes no one else refers to; a weak reference to one of them."""
    first, second = _Node(), _Node()
    first.other, second.other = second, first
    return weakref.ref(first)


def test_the_collector_waits_for_the_target_then_collects_its_cycles_once() -> None:
    assert gc.isenabled()
    with collected_once():
        watched = _cycle()
        # Enough new objects to set off many collections, were the collector running.
        kept = [[index] for index in range(50 * gc.get_threshold()[0])]
        assert watched() is not None
    assert watched() is None
    assert len(kept) > 1
    assert gc.isenabled()
    # What was alive before the target can be collected again: nothing stays frozen.
    assert gc.get_freeze_count() == 0


def test_a_failing_target_restores_the_collector_and_collects() -> None:
    watched: weakref.ref[_Node] | None = None

    def failing() -> None:
        nonlocal watched
        with collected_once():
            watched = _cycle()
            raise RuntimeError("failed")

    with pytest.raises(RuntimeError):
        failing()
    assert watched is not None
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    assert watched() is None


def test_a_caller_that_paused_the_collector_finds_it_paused_still() -> None:
    gc.disable()
    try:
        with collected_once():
            watched = _cycle()
        assert not gc.isenabled()
        assert watched() is not None  # not collected: the caller decides when
    finally:
        gc.enable()
        gc.collect()


def test_objects_a_caller_froze_stay_frozen() -> None:
    kept = [_Node() for _ in range(10)]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collected_once():
            watched = _cycle()
        assert gc.get_freeze_count() == frozen
        assert watched() is None
    finally:
        gc.unfreeze()
    assert len(kept) == 10
