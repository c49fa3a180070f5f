"""Generated Python laid out as ``ruff format`` would lay it out, so that running the
formatter over the output changes nothing.

Templates write each statement on one line; :func:`reflow` wraps the statements that do not
fit in ``line_length`` columns, and re-lays those that span several lines, the way ruff does
for the constructs generated code uses: calls, subscripts, collections, ``|`` unions,
comprehensions, annotated assignments, ``def`` and ``class`` headers and imports. The method
is ruff's: each statement becomes a document of groups that print flat when they fit and
break otherwise (Wadler's pretty printer, as Prettier and ruff implement it), with ruff's
choices for assignments. Lines that already fit, comments and docstrings are left alone, so
the step costs next to nothing on files whose lines are short.
"""

from __future__ import annotations

import functools
import io
import keyword
import re
import tokenize
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias, cast

__all__ = ["reflow"]

# ---------------------------------------------------------------------------------------
# Documents and their printer


@dataclass(eq=False)
class _Line:
    #: Printed as a space (not nothing) when its group is flat.
    space: bool = False
    #: Always a line break.
    hard: bool = False


@dataclass(eq=False)
class _Group:
    contents: _Doc
    expand: bool = False
    #: Whether :func:`_expands` has looked inside.
    propagated: bool = False


@dataclass(eq=False)
class _Indent:
    contents: _Doc


@dataclass(eq=False)
class _IfBreak:
    """``broken`` when ``group`` (or, without one, the enclosing group) breaks, else
    ``flat``."""

    broken: _Doc
    flat: _Doc = ""
    group: _Group | None = None


_Doc: TypeAlias = "str | _Line | _Group | _Indent | _IfBreak | list[_Doc]"


def _width(text: str) -> int:
    """How many columns ``text`` takes, as ruff counts them: East Asian wide characters
    two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(
        0
        if unicodedata.category(char) in ("Mn", "Me", "Cf", "Cc")
        else 2
        if unicodedata.east_asian_width(char) in ("W", "F")
        else 1
        for char in text
    )


_SOFT = _Line()
_SOFT_SPACE = _Line(space=True)
_HARD = _Line(hard=True)
_FLAT, _BREAK = False, True


def _expands(doc: _Doc) -> bool:
    """Whether ``doc`` holds a hard line or an expanded group; every group holding one is
    marked expanded on the way (a magic trailing comma breaks every bracket around it).
    Each group is visited once, however often this is asked."""
    if isinstance(doc, list):
        found = False
        for part in doc:
            found = _expands(part) or found
        return found
    if isinstance(doc, _Group):
        if not doc.propagated:
            doc.propagated = True
            doc.expand = _expands(doc.contents) or doc.expand
        return doc.expand
    if isinstance(doc, _Indent):
        return _expands(doc.contents)
    if isinstance(doc, _IfBreak):
        return _expands(doc.broken)
    return isinstance(doc, _Line) and doc.hard


_Command = tuple[int, bool, _Doc]


def _fits(command: _Command, rest: Sequence[_Command], width: int, modes: dict[int, bool]) -> bool:
    """Whether ``command`` fits in ``width`` columns, followed by what comes after it up to
    the next line break (Prettier's and ruff's measure)."""
    stack = [command]
    rest_index = len(rest)
    while width >= 0:
        if not stack:
            if rest_index == 0:
                return True
            rest_index -= 1
            stack.append(rest[rest_index])
            continue
        indent, mode, doc = stack.pop()
        if isinstance(doc, str):
            width -= _width(doc)
        elif isinstance(doc, list):
            stack.extend((indent, mode, d) for d in reversed(doc))
        elif isinstance(doc, _Indent):
            stack.append((indent, mode, doc.contents))
        elif isinstance(doc, _Group):
            stack.append((indent, _BREAK if doc.expand else mode, doc.contents))
        elif isinstance(doc, _IfBreak):
            broken = modes.get(id(doc.group), _FLAT) if doc.group else mode
            stack.append((indent, mode, doc.broken if broken else doc.flat))
        else:
            if mode is _BREAK or doc.hard:
                return True
            width -= doc.space
    return False


def _print(doc: _Doc, indent: int, width: int) -> str:
    """``doc`` laid out in ``width`` columns, starting at column ``indent``."""
    _expands(doc)
    out: list[str] = []
    position = indent
    modes: dict[int, bool] = {}
    commands: list[_Command] = [(indent, _BREAK, doc)]
    while commands:
        level, mode, current = commands.pop()
        if isinstance(current, str):
            out.append(current)
            position += _width(current)
        elif isinstance(current, list):
            commands.extend((level, mode, d) for d in reversed(current))
        elif isinstance(current, _Indent):
            commands.append((level + 4, mode, current.contents))
        elif isinstance(current, _Group):
            if mode is _FLAT and not current.expand:
                chosen = _FLAT
            elif current.expand:
                chosen = _BREAK
            else:
                flat = (level, _FLAT, current.contents)
                chosen = _FLAT if _fits(flat, commands, width - position, modes) else _BREAK
            modes[id(current)] = chosen
            commands.append((level, chosen, current.contents))
        elif isinstance(current, _IfBreak):
            broken = modes.get(id(current.group), _FLAT) if current.group else mode
            commands.append((level, mode, current.broken if broken else current.flat))
        elif mode is _FLAT and not current.hard:
            if current.space:
                out.append(" ")
                position += 1
        else:
            out.append("\n" + " " * level)
            position = level
    return "".join(out)


def _flat(doc: _Doc) -> str:
    """``doc`` on one line (what it is when nothing breaks)."""
    if isinstance(doc, str):
        return doc
    if isinstance(doc, list):
        return "".join(_flat(d) for d in doc)
    if isinstance(doc, (_Group, _Indent)):
        return _flat(doc.contents)
    if isinstance(doc, _IfBreak):
        return _flat(doc.flat)
    return " " if doc.space else ""


def _head(doc: _Doc) -> str:
    """``doc`` up to its first possible line break, every group broken: the first line of a
    value whose outer brackets are split."""
    out: list[str] = []

    def walk(d: _Doc) -> bool:
        if isinstance(d, str):
            out.append(d)
            return False
        if isinstance(d, list):
            return any(walk(x) for x in d)
        if isinstance(d, (_Group, _Indent)):
            return walk(d.contents)
        if isinstance(d, _IfBreak):
            return walk(d.broken)
        return True

    walk(doc)
    return "".join(out)


# ---------------------------------------------------------------------------------------
# Statements as trees of brackets


@dataclass(eq=False)
class _Atom:
    text: str
    #: Whether a space separates it from what comes before it.
    space: bool
    kind: int = tokenize.OP


@dataclass(eq=False)
class _Bracket:
    open: str
    close: str
    #: The comma-separated parts, each a sequence of atoms and brackets.
    items: list[list[_Node]] = field(default_factory=list["list[_Node]"])
    #: A comma before the closing bracket (magic, unless it makes a one-element tuple).
    trailing_comma: bool = False
    space: bool = False
    #: ``call`` (also a ``def`` or ``class`` header), ``subscript`` or ``literal``.
    kind: str = "literal"


_Node: TypeAlias = "_Atom | _Bracket"

_CLOSING = {"(": ")", "[": "]", "{": "}"}
#: Words after which an opening bracket starts a literal, not a call or a subscript.
_KEYWORDS = frozenset(keyword.kwlist)
#: Statements :func:`reflow` leaves as written (compound headers, decorators).
_LEFT_ALONE = frozenset(("if", "for", "while", "with", "try", "import", "@"))
_SKIPPED = frozenset(
    (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
)


class _Unsupported(Exception):
    """A statement outside what :func:`reflow` lays out: it is left as written."""


#: Python's tokens, enough of them for generated code; what this does not know (a
#: character outside a string that is not Python) sends the statement to ``tokenize``.
_TOKEN = re.compile(
    r"""(?P<space>[ \t\n]+)"""
    r"""|(?P<string>[rRbBuUfF]{0,2}(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'))"""
    # Any run of letters, digits and marks: names are checked with str.isidentifier.
    r"""|(?P<name>[^\W\d][^\s!-/:-@\[-^`{-~]*)"""
    r"""|(?P<number>\.?\d[\w.]*)"""
    r"""|(?P<op>\*\*=?|//=?|->|:=|<<=?|>>=?|\.\.\.|[-+*/%&|^@<>=!]=|[-+*/%&|^~@<>=.,:;()\[\]{}])"""
)
_KINDS = {"name": tokenize.NAME, "number": tokenize.NUMBER, "string": tokenize.STRING}


def _tokens(text: str) -> list[tuple[str, int, bool]]:
    """``(text, kind, space before)`` of each token of a statement, read with a regular
    expression (``tokenize`` is several times slower)."""
    found: list[tuple[str, int, bool]] = []
    space = False
    position = 0
    match = _TOKEN.match
    while position < len(text):
        token = match(text, position)
        if token is None:
            return _tokenized(text)
        position = token.end()
        group = token.lastgroup
        if group == "name" and not token.group().isidentifier():
            return _tokenized(text)
        if group == "space":
            space = True
            continue
        found.append((token.group(), _KINDS.get(group or "", tokenize.OP), space))
        space = False
    return found


def _tokenized(text: str) -> list[tuple[str, int, bool]]:
    """:func:`_tokens` by ``tokenize``, for text the regular expression does not know."""
    found: list[tuple[str, int, bool]] = []
    previous: tokenize.TokenInfo | None = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                raise _Unsupported
            if token.type in _SKIPPED:
                continue
            space = previous is not None and (
                previous.end[0] != token.start[0] or previous.end[1] < token.start[1]
            )
            found.append((token.string, token.type, space))
            previous = token
    except (tokenize.TokenError, SyntaxError) as exc:
        raise _Unsupported from exc
    return found


def _parse(text: str) -> list[_Node]:
    """The top-level atoms and brackets of one statement."""
    root: list[_Node] = []
    stack: list[tuple[_Bracket, list[_Node]]] = []
    current = root
    for string, kind, space in _tokens(text):
        if string in _CLOSING:
            shape = "literal"
            before = current[-1] if current else None
            if isinstance(before, _Bracket) or (
                isinstance(before, _Atom)
                and before.kind in (tokenize.NAME, tokenize.STRING)
                and before.text not in _KEYWORDS
            ):
                shape = {"(": "call", "[": "subscript"}.get(string, "literal")
            bracket = _Bracket(string, _CLOSING[string], space=space, kind=shape)
            current.append(bracket)
            stack.append((bracket, current))
            current = cast("list[_Node]", [])
            bracket.items.append(current)
        elif string in (")", "]", "}"):
            if not stack:
                raise _Unsupported
            bracket, current = stack.pop()
            if bracket.close != string:
                raise _Unsupported
            if len(bracket.items) > 1 and not bracket.items[-1]:
                bracket.items.pop()
                bracket.trailing_comma = True
            if bracket.items == [[]]:
                bracket.items = []
        elif string == "," and stack:
            current = cast("list[_Node]", [])
            stack[-1][0].items.append(current)
        else:
            current.append(_Atom(string, space, kind))
    if stack:
        raise _Unsupported
    return root


def _is(node: _Node, text: str) -> bool:
    return isinstance(node, _Atom) and node.text == text


def _split(nodes: Sequence[_Node], word: str) -> list[list[_Node]]:
    parts: list[list[_Node]] = [[]]
    for node in nodes:
        if _is(node, word):
            parts.append([])
        else:
            parts[-1].append(node)
    return parts


# ---------------------------------------------------------------------------------------
# Expressions


def _sequence(nodes: Sequence[_Node]) -> _Doc:
    """Atoms and brackets side by side, spaced as written (the first without a space)."""
    docs: list[_Doc] = []
    for index, node in enumerate(nodes):
        if index and node.space:
            docs.append(" ")
        docs.append(_bracket(node) if isinstance(node, _Bracket) else node.text)
    return docs


def _expression(nodes: Sequence[_Node]) -> _Doc:
    """An expression inside brackets (or already parenthesized): a ``|`` chain breaks
    before each operator, a comprehension before each ``for`` and ``if``."""
    if any(_is(n, "else") for n in nodes) and not any(_is(n, "lambda") for n in nodes):
        at = next(i for i, n in enumerate(nodes) if _is(n, "if"))
        otherwise = max(i for i, n in enumerate(nodes) if _is(n, "else"))
        return _Group(
            [
                _expression(nodes[:at]),
                _SOFT_SPACE,
                _sequence(nodes[at:otherwise]),
                _SOFT_SPACE,
                _sequence(nodes[otherwise:]),
            ]
        )
    operands = _split(nodes, "|")
    if len(operands) > 1:
        chain: list[_Doc] = [_sequence(operands[0])]
        for operand in operands[1:]:
            chain += [_SOFT_SPACE, "| ", _sequence(operand)]
        return _Group(chain)
    return _sequence(nodes)


def _comprehension(nodes: Sequence[_Node]) -> list[_Doc] | None:
    if not any(_is(n, "for") for n in nodes):
        return None
    parts: list[_Doc] = []
    clause: list[_Node] = []
    for node in nodes:
        if (_is(node, "for") or _is(node, "if")) and clause and not _is(clause[-1], "async"):
            parts += [_expression(clause), _SOFT_SPACE]
            clause = []
        clause.append(node)
    parts.append(_expression(clause))
    return parts


def _bracket(bracket: _Bracket) -> _Doc:
    if not bracket.items:
        return bracket.open + bracket.close
    comprehension = _comprehension(bracket.items[0]) if len(bracket.items) == 1 else None
    if comprehension is not None:
        # Like arguments: first on a line of its own, then one clause a line.
        inner = _Group(comprehension)
        return _Group([bracket.open, _Indent([_SOFT, inner]), _SOFT, bracket.close])
    # (a,) and x[a,] are one-element tuples: their comma is no magic trailing comma.
    single_tuple = (
        bracket.trailing_comma
        and len(bracket.items) == 1
        and ((bracket.open == "(" and bracket.kind == "literal") or bracket.kind == "subscript")
    )
    magic = bracket.trailing_comma and not single_tuple
    items: list[_Doc] = []
    for index, item in enumerate(bracket.items):
        if index:
            items += [",", _SOFT_SPACE]
        items.append(_expression(item))
    if single_tuple:
        items.append(",")
    elif len(bracket.items) > 1 or magic:
        items.append(_IfBreak(","))
    if bracket.kind == "literal":
        # A collection breaks one item a line.
        return _Group([bracket.open, _Indent([_SOFT, items]), _SOFT, bracket.close], expand=magic)
    # Arguments and subscripts first try their items on one line of their own.
    inner = _Group(items, expand=magic)
    if isinstance(items[-1], _IfBreak):
        items[-1].group = inner
    return _Group([bracket.open, _Indent([_SOFT, inner]), _SOFT, bracket.close])


def _unwrapped(nodes: Sequence[_Node]) -> Sequence[_Node]:
    """An expression without the parentheses around all of it (ruff drops them where they
    are not needed, and adds them back when it breaks the expression)."""
    while len(nodes) == 1 and isinstance(nodes[0], _Bracket) and nodes[0].open == "(":
        bracket = nodes[0]
        if bracket.kind != "literal" or len(bracket.items) != 1 or bracket.trailing_comma:
            break
        nodes = bracket.items[0]
    return nodes


def _kind(nodes: Sequence[_Node]) -> str:
    """``chain`` (``|`` or a conditional at the top), ``call`` (a dotted name and brackets,
    maybe after ``await``), ``simple`` (names, literals, attributes) or ``other``."""
    if any(_is(n, "|") or _is(n, "else") for n in nodes):
        return "chain"
    start = 1 if nodes and _is(nodes[0], "await") else 0
    if any(isinstance(n, _Bracket) for n in nodes[start:]):
        last = nodes[-1]
        called = isinstance(last, _Bracket) and last.kind != "literal"
        return "call" if called and all(isinstance(n, _Atom) for n in nodes[start:-1]) else "other"
    simple = all(
        isinstance(n, _Atom)
        and (n.kind in (tokenize.NAME, tokenize.NUMBER, tokenize.STRING) or n.text == ".")
        for n in nodes[start:]
    )
    return "simple" if simple and not start else "other"


def _parenthesized(doc: _Doc) -> _Doc:
    """``doc`` in parentheses added only when it does not fit on its line."""
    opening, closing = _IfBreak("("), _IfBreak(")")
    outer = _Group([opening, _Indent([_SOFT, _Group(doc)]), _SOFT, closing])
    opening.group = closing.group = outer
    return outer


def _value(nodes: Sequence[_Node]) -> _Doc:
    """A value after ``=``, ``return`` or an annotation's ``:`` (ruff's "left to right"):
    a chain in optional parentheses, anything with brackets split at its own brackets."""
    nodes = _unwrapped(nodes)
    if _kind(nodes) == "chain":
        return _parenthesized(_expression(nodes))
    return _sequence(nodes)


def _splittable(nodes: Sequence[_Node]) -> bool:
    """ruff's splittable annotations: a chain, a subscript, a call with arguments."""
    kind = _kind(nodes)
    last = nodes[-1] if nodes else None
    return kind == "chain" or (kind == "call" and isinstance(last, _Bracket) and bool(last.items))


# ---------------------------------------------------------------------------------------
# Statements


def _fit(text: str, indent: int, width: int) -> bool:
    return indent + _width(text) <= width


def _assignment(
    target: str, annotation: list[_Node] | None, value: list[_Node], indent: int, width: int
) -> str:
    """``target[: annotation] = value``, choosing as ruff does between splitting the value,
    parenthesizing it, and splitting the annotation."""
    value = list(_unwrapped(value))
    annotation = list(_unwrapped(annotation)) if annotation is not None else None
    if annotation is not None and _splittable(annotation):
        before_doc: _Doc = [target, ": ", _value(annotation), " = "]
        return _last(_flat(before_doc), before_doc, value, indent, width, split_left=True)
    before = target + (": " + _flat(_sequence(annotation)) if annotation else "") + " = "
    return _last(before, before, value, indent, width)


def _last(
    before: str,
    before_doc: _Doc,
    value: list[_Node],
    indent: int,
    width: int,
    *,
    split_left: bool = False,
) -> str:
    """``before`` (``x = ``, ``x: T = ``, ``return ``, ``x: ``) and then ``value``, as ruff
    chooses: the value on the line if it fits; split at its own brackets if the opening one
    fits; else in parentheses of its own; else ``before_doc`` split as it can be
    (``split_left``: an annotation that can split) and the value after it.

    A value without brackets is parenthesized only when that makes it fit."""
    kind = _kind(value)
    value_doc = _sequence(value)
    if kind == "simple" and not split_left:
        flat = before + _flat(value_doc)
        if (
            not _fit(flat, indent, width)
            and _fit(before + "(", indent, width)
            and _fit(_flat(value_doc), indent + 4, width)
        ):
            return _print([before, "(", _Indent([_HARD, value_doc]), _HARD, ")"], indent, width)
        return flat
    if kind not in ("simple", "call"):
        return _print([before_doc, _value(value)], indent, width)
    if not _expands(value_doc) and _fit(before + _flat(value_doc), indent, width):
        return before + _flat(value_doc)
    if kind == "call" and _fit(before + _head(value_doc), indent, width):
        return _print([before, value_doc], indent, width)
    if _fit(before + "(", indent, width):
        # After an annotation that can split, parentheses whenever they open on the line;
        # else only when every line then fits.
        text = _print([before, "(", _Indent([_HARD, value_doc]), _HARD, ")"], indent, width)
        if split_left or all(_width(line) <= width for line in text.split("\n")[1:]):
            return text
    return _print([before_doc, value_doc], indent, width)


def _header(nodes: list[_Node], indent: int, width: int) -> str:
    """A ``def`` or ``class`` header: its parentheses split before what follows them (a
    return annotation stays on the closing line), and a lone parameter of a split ``def``
    gains a trailing comma, as black and ruff write it."""
    at = next((i for i, n in enumerate(nodes) if isinstance(n, _Bracket)), None)
    if at is None:
        raise _Unsupported
    flat = _flat(_sequence(nodes))
    if _fit(flat, indent, width) and not _expands(_sequence(nodes)):
        return flat
    params = nodes[at]
    assert isinstance(params, _Bracket)
    if any(_is(n, "def") for n in nodes[:at]) and len(params.items) == 1:
        params.trailing_comma = True
    head = _flat(_sequence(nodes[:at]))
    tail = _flat(_sequence(nodes[at + 1 :]))
    space = " " if nodes[at + 1 :] and nodes[at + 1].space else ""
    brackets = _bracket(params)
    if not params.trailing_comma and isinstance(brackets, _Group):
        # The parentheses break even when only what follows them is too long.
        brackets.expand = True
    return _print([head, brackets, space + tail], indent, width)


def _import(nodes: list[_Node], indent: int, width: int) -> str:
    # from MODULE import NAMES, or with the names already in parentheses.
    at = next(i for i, n in enumerate(nodes) if _is(n, "import"))
    head = _flat(_sequence(nodes[: at + 1]))
    rest = nodes[at + 1 :]
    if len(rest) == 1 and isinstance(rest[0], _Bracket):
        names = [_flat(_sequence(item)) for item in rest[0].items]
        magic = rest[0].trailing_comma
    else:
        names = [_flat(_sequence(item)) for item in _split(rest, ",")]
        magic = False
    line = f"{head} {', '.join(names)}"
    if not magic and _fit(line, indent, width):
        return line
    inner = " " * (indent + 4)
    return "\n".join([f"{head} (", *(f"{inner}{name}," for name in names), " " * indent + ")"])


@functools.lru_cache(maxsize=4096)
def _statement(text: str, indent: int, width: int) -> str:
    """One statement laid out; :class:`_Unsupported` for a kind :func:`reflow` leaves as
    written."""
    nodes = _parse(text)
    if not nodes or not isinstance(nodes[0], _Atom):
        raise _Unsupported
    first = nodes[0].text
    if first == "from" and any(_is(n, "import") for n in nodes):
        return _import(nodes, indent, width)
    if first in ("def", "class", "async"):
        return _header(nodes, indent, width)
    if first in ("return", "raise"):
        if len(nodes) == 1:
            return first
        value = list(nodes[1:])
        return _last(first + " ", first + " ", value, indent, width)
    if (first in _KEYWORDS and first != "await") or first in _LEFT_ALONE:
        raise _Unsupported
    equals = [i for i, n in enumerate(nodes) if _is(n, "=")]
    colon = next((i for i, n in enumerate(nodes) if _is(n, ":")), None)
    if len(equals) > 1:
        raise _Unsupported
    if equals:
        at = equals[0]
        if colon is not None and colon < at:
            target = _flat(_sequence(nodes[:colon]))
            return _assignment(target, nodes[colon + 1 : at], nodes[at + 1 :], indent, width)
        if any(isinstance(n, _Bracket) for n in nodes[:at]):
            raise _Unsupported
        return _assignment(_flat(_sequence(nodes[:at])), None, nodes[at + 1 :], indent, width)
    if colon is not None:
        before = _flat(_sequence(nodes[:colon])) + ": "
        return _last(before, before, list(_unwrapped(nodes[colon + 1 :])), indent, width)
    if first == "await":
        nodes = nodes[1:]
    if _kind(nodes) != "call":
        raise _Unsupported
    return _print([first + " " if first == "await" else "", _sequence(nodes)], indent, width)


# ---------------------------------------------------------------------------------------
# Files

#: Plain code: anything but brackets, quotes, comments and line ends.
_PLAIN = r"""[^\n()\[\]{}"'#]*"""
#: A string on one line (not the start of a triple-quoted one), its escapes unrolled.
_ONE_LINE_STRING = r"""\"(?!"")[^"\\\n]*(?:\\.[^"\\\n]*)*"|'(?!'')[^'\\\n]*(?:\\.[^'\\\n]*)*'"""


def _balanced(depth: int) -> str:
    """Brackets closed on the line they open on, nested ``depth`` deep, holding plain code
    and strings on one line. Of any kind: like the rest of this module, brackets are
    counted, not matched."""
    inner = _ONE_LINE_STRING
    for _ in range(depth):
        inner = rf"{_ONE_LINE_STRING}|[(\[{{]{_PLAIN}(?:(?:{inner}){_PLAIN})*[)\]}}]"
    return inner


#: Code on one line that closes every bracket it opens.
_CLOSED = rf"{_PLAIN}(?:(?:{_balanced(3)}){_PLAIN})*"


#: What matters to where statements end. First, lines complete in themselves (no comment,
#: no string spanning lines, brackets closed on the line, three deep), taken a run at a time:
#: to the statements they behave as line ends each, and most lines of generated code are
#: such lines. Then, token by token: strings (read whole, so that the brackets and quotes
#: inside them do not count), comments, brackets and line ends. Compiled when first
#: used: the patterns of this module take milliseconds to compile, which commands that
#: lay out no file would spend for nothing.
@functools.cache
def _scanned() -> re.Pattern[str]:
    return re.compile(
        rf"^(?:{_CLOSED}\n)+"
        r'|"""(?:[^"\\]|\\[\s\S]|"(?!""))*"""'
        r"|'''(?:[^'\\]|\\[\s\S]|'(?!''))*'''"
        r'|"(?:[^"\\\n]|\\.)*"'
        r"|'(?:[^'\\\n]|\\.)*'"
        r"|#[^\n]*|[()\[\]{}\n]",
        re.MULTILINE,
    )


def _statements(source: str) -> Iterator[tuple[int, int, bool]]:
    """``(start, end, plain)`` of each statement that spans lines or holds a comment, as
    offsets in ``source`` (``source[start:end]`` is its lines, without the last line end);
    ``plain`` when it holds no comment and no string spanning lines. The other lines are
    statements of one line each. One pass of a regular expression, token by token: a
    module of hundreds of thousands of lines is never held as a list of its tokens, and
    a token is read by its offsets, not copied (a run of lines can be megabytes long)."""
    depth = start = 0
    plain = single = True
    for match in _scanned().finditer(source):
        begin, end = match.span()
        first = source[begin]
        if source[end - 1] == "\n":  # a line end, or a run of complete lines
            if depth <= 0:
                if not (single and plain):
                    yield start, begin, plain
                depth = 0
                start = end
                plain = single = True
            else:
                single = False
        elif first in "([{":
            depth += 1
        elif first in ")]}":
            depth -= 1
        elif first == "#":
            plain = False
        elif source.find("\n", begin, end) >= 0:  # a string spanning lines
            plain = single = False
    if start < len(source) and not (single and plain):
        yield start, len(source), plain


_STRINGS = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
_OPENING = ("(", "[", "{")


def _exploded(statement: str, indent: int, width: int) -> bool:
    """Whether a statement spanning lines is written as ruff keeps it: every line fits,
    and every bracket split over lines holds one item a line, indented one level, with a
    magic trailing comma (imports, ``__all__``, tables of names and nested ones). Checked
    line by line, without parsing, as it is the common case; the items of a table (runs of
    lines at one indentation, each closing what it opens and ending with a comma) a run at
    a time, as tables of hundreds of thousands of lines pass here.

    A one-element tuple's comma is not magic, so ``(a,)`` split over lines is ruff's only
    when its item holds a bracket split over lines: that bracket breaks every one around it
    (a table of tuples of one split call each)."""
    if not statement.isascii() or _longer_than(width).search(statement) is not None:
        return _exploded_lines(statement.split("\n"), indent, width)
    first_end = statement.find("\n")
    stack: list[list[int]] = []
    previous = statement[:first_end]
    if not _opened(_code(previous), stack, first=True):
        return False
    # Every line but the last, which is read on its own: the statement is not copied to
    # give it a line end (a table's statement runs to megabytes).
    last_end = statement.rfind("\n")
    for match in _table_parts().finditer(statement, first_end + 1, last_end + 1):
        depth = indent + 4 * len(stack)
        if match["items"] is not None and stack:
            if len(match["items"]) != depth:
                return False
            stack[-1][1] += match[0].count("\n")
        elif match["block"] is not None:
            if len(match["block"]) != depth or not _opened(_code(match["opener"]), stack):
                return False
            stack[-1][1] += match[0].count("\n") - 2
            if not _line_fits_in(match["closer"], ",", indent, stack):
                return False
        else:
            for line in match[0][:-1].split("\n"):
                if not _line_fits_in(line, previous, indent, stack):
                    return False
                previous = line
            continue
        previous = ","
    return _line_fits_in(statement[last_end + 1 :], previous, indent, stack) and not stack


#: An item of a table: a line ending with a comma that closes every bracket it opens.
_ITEM = rf"(?! ){_CLOSED},\n"


#: The parts of an exploded statement that are checked whole: a bracket split over lines
#: holding items only (its opening line, the items one level deeper, its closing line),
#: or a run of items at one indentation; else one line.
@functools.cache
def _table_parts() -> re.Pattern[str]:
    return re.compile(
        rf"^(?P<block> *)(?P<opener>(?! ){_CLOSED}[(\[{{])\n"
        rf"(?:(?P=block)    {_ITEM})+(?P<closer>(?P=block)[)\]}}],)\n"
        rf"|^(?P<items> *){_ITEM}(?:(?P=items){_ITEM})*"
        r"|[^\n]*\n",
        re.MULTILINE,
    )


def _exploded_lines(lines: Sequence[str], indent: int, width: int) -> bool:
    """:func:`_exploded`, a line at a time, with the width of each line measured."""
    stack: list[list[int]] = []
    for number, line in enumerate(lines):
        if (len(line) > width or not line.isascii()) and _width(line) > width:
            return False
        if number == 0:
            if not _opened(_code(line), stack, first=True):
                return False
        elif not _line_fits_in(line, lines[number - 1], indent, stack):
            return False
    return not stack


def _code(line: str) -> str:
    """``line`` without its indentation, its strings emptied."""
    body = line.strip()
    if '"' in body or "'" in body:
        body = _STRINGS.sub('""', body)
    return body


def _line_fits_in(line: str, previous: str, indent: int, stack: list[list[int]]) -> bool:
    """Whether ``line``, after ``previous``, is laid out as ruff lays out an exploded
    statement's lines at the depth ``stack`` holds (updated)."""
    body = _code(line)
    closing = body[:1] in ")]}"
    if len(line) - len(line.lstrip(" ")) != indent + 4 * (len(stack) - closing):
        return False
    if closing:
        if not stack or not previous.endswith(","):
            return False
        tuple_, items, split = stack.pop()
        if tuple_ and items < 2 and not split:
            return False  # (a,) and x[a,] are tuples: no magic trailing comma
        body = body[1:]
    return _opened(body, stack)


def _opened(body: str, stack: list[list[int]], *, first: bool = False) -> bool:
    """Whether a line's code ``body`` (its closing bracket taken off) opens one bracket at
    its end or closes all it opens; ``stack`` gets the bracket opened, or the item."""
    # Per open bracket: whether one item and a comma would make a tuple, its items, and
    # whether it holds a split bracket (one that passed these checks).
    opened = body.count("(") + body.count("[") + body.count("{")
    closed = body.count(")") + body.count("]") + body.count("}")
    if body.endswith(_OPENING) and opened == closed + 1:
        before = body[-2:-1]
        # Nothing before it: a bracket of its own (an item), not a call or a subscript.
        called = before != "" and (before.isalnum() or before in '_)]"')
        tuple_ = (body[-1] == "(" and not called) or (body[-1] == "[" and called)
        if stack:
            stack[-1][2] = 1
        stack.append([int(tuple_), 0, 0])
        return True
    if opened != closed:
        return False
    if not first and stack and body.endswith(","):
        stack[-1][1] += 1
    return True


def reflow(source: str, line_length: int) -> str:
    """``source`` with its statements laid out as ``ruff format --line-length
    line_length`` lays them out; statements that fit on their line are kept as written,
    and the file ends with one line end.

    Worked on as one text, by offsets, not as a list of its lines: the largest generated
    modules run to hundreds of thousands of lines, and a list of them took three times
    the module's size again."""
    if source.strip() and (source.endswith("\n\n") or not source.endswith("\n")):
        source = source.rstrip("\n") + "\n"
    wide = next(_wide(source, 0, len(source), line_length), None)
    if wide is None and _OPENING_LINE.search(source) is None:
        return source
    out: list[str] = []
    done = 0
    for start, end, plain in _statements(source):
        out += _one_line_statements(source, done, start, line_length)
        written = source[start:end]
        out.append(_laid_out_text(written, line_length) if plain else written)
        done = end
    out += _one_line_statements(source, done, len(source), line_length)
    return "".join(out)


#: A line ending with an opening bracket: the first of a statement written over lines.
_OPENING_LINE = re.compile(r"[(\[{]$", re.MULTILINE)


def _one_line_statements(source: str, start: int, end: int, line_length: int) -> list[str]:
    """``source[start:end]`` (lines of one statement each; ``start`` is where a line
    starts) in pieces, each line wider than ``line_length`` columns laid out."""
    pieces: list[str] = []
    for match in _wide(source, start, end, line_length):
        pieces += [source[start : match.start()], _laid_out_text(match[0], line_length)]
        start = match.end()
    pieces.append(source[start:end])
    return pieces


def _wide(source: str, start: int, end: int, line_length: int) -> Iterator[re.Match[str]]:
    """The lines of ``source[start:end]`` wider than ``line_length`` columns (``start`` is
    where a line starts). Found by length: a line is at least as wide as it is long, and
    only wide characters (two columns each) make it wider, so in a text that is not all
    ASCII every line from half the length on is measured."""
    ascii_only = source.isascii()
    longer = _longer_than(line_length if ascii_only else line_length // 2)
    for match in longer.finditer(source, start, end):
        if ascii_only or _width(match[0]) > line_length:
            yield match


@functools.lru_cache(maxsize=8)
def _longer_than(length: int) -> re.Pattern[str]:
    """Lines of more than ``length`` characters."""
    return re.compile(rf"^[^\n]{{{length + 1},}}$", re.MULTILINE)


@functools.lru_cache(maxsize=4096)
def _laid_out_text(statement: str, line_length: int) -> str:
    """The lines of one statement, laid out unless they already are; remembered: several
    emitters write the same tables (the relationships of every relation), checked once."""
    first_end = statement.find("\n")
    line = statement if first_end < 0 else statement[:first_end]
    indent = len(line) - len(line.lstrip(" "))
    if first_end >= 0 and _exploded(statement, indent, line_length):
        return statement
    try:
        return " " * indent + _statement(statement[indent:], indent, line_length)
    except _Unsupported:
        return statement
