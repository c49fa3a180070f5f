"""Making database text safe in Markdown, and names safe as file names and anchors.

Everything a user wrote (comments, names, labels, SQL) goes through :func:`text`,
:func:`code` or :func:`fence` before it reaches a page, so nothing it holds can end a table
cell, open a link, start a list or inject HTML. The output is plain CommonMark with GitHub's
table extension, and renders the same in any renderer that follows them.
"""

from __future__ import annotations

import functools
import hashlib
import re

__all__ = ["code", "fence", "link", "slug", "text"]

# HTML-significant characters become entities; the pipe and the backtick too, so neither a
# table row nor a code span can be broken (an entity is never a delimiter). Characters
# that start emphasis, links, strike-through, headings or GitHub math get a backslash.
_INLINE = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "|": "&#124;",
    "`": "&#96;",
    "\\": "\\\\",
    "*": "\\*",
    "_": "\\_",
    "[": "\\[",
    "]": "\\]",
    "~": "\\~",
    "#": "\\#",
    "$": "\\$",
}
_SPECIAL = re.compile(r"[&<>|`\\*_\[\]~#$]")
_NEWLINES = re.compile(r"\r\n?|\n|\u2028|\u2029")
# At the start of a line of text, these would make a list item, a thematic break or a
# setext heading underline; escaping their first character keeps them text.
_BLOCK_START = re.compile(r"[-+=]|\d+[.)]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Names and types repeat across tables: a page set of a thousand tables escapes the same
# few hundred strings tens of thousands of times.
@functools.lru_cache(maxsize=16384)
def text(value: str) -> str:
    """``value`` as inline Markdown text that shows exactly what it holds, on one line.

    Line breaks become ``<br>``, so a multi-line comment stays inside its table cell.
    """
    value = _CONTROL.sub("\ufffd", value.strip())
    lines: list[str] = []
    for raw in _NEWLINES.split(value):
        line = _SPECIAL.sub(lambda m: _INLINE[m.group()], raw.strip())
        start = _BLOCK_START.match(line)
        if start:
            end = start.end()
            line = f"{line[: end - 1]}\\{line[end - 1 :]}"
        lines.append(line)
    return "<br>".join(lines)


@functools.lru_cache(maxsize=16384)
def code(value: str) -> str:
    """``value`` in a ``<code>`` element, on one line: a code span cannot hold a pipe in a
    table cell in every renderer, and an element with escaped text can."""
    return f"<code>{text(' '.join(_NEWLINES.split(value)))}</code>"


def fence(value: str, language: str = "sql") -> str:
    """A fenced code block holding ``value`` exactly, whatever backticks it contains."""
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    marks = "`" * max(3, longest + 1)
    body = _CONTROL.sub("\ufffd", value.strip("\n"))
    return f"{marks}{language}\n{body}\n{marks}"


def link(label: str, target: str) -> str:
    """A link to ``target`` (a path this package built from slugs) with escaped text
    ``label``, or ``label`` alone when there is no target."""
    return f"[{label}]({target})" if target else label


# Names a file cannot have on Windows, whatever its extension.
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{n}" for n in range(10)} | {f"lpt{n}" for n in range(10)}
)
_CLEAN = re.compile(r"[a-z0-9_]{1,60}")
_UNSAFE = re.compile(r"[^a-z0-9_]+")


def slug(name: str) -> str:
    """A file name or anchor part for ``name``: the name itself when it is lower-case
    ASCII letters, digits and underscores, else a readable form followed by a digest of the
    exact name.

    Distinct names give distinct slugs, also on case-insensitive file systems (``Users``
    and ``users`` differ), and no slug contains ``--``, so ``a--b`` joins two slugs
    unambiguously.
    """
    if _CLEAN.fullmatch(name) and name not in _RESERVED:
        return name
    base = _UNSAFE.sub("-", name.lower()).strip("-")[:40].rstrip("-")
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    return f"{base or 'x'}-{digest}"
