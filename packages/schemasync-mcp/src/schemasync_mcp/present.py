"""How answers leave the server: JSON data, every string escaped and bounded.

Names, comments and expressions come from the database (or a lock file anyone can edit), so
they may hold text written to look like instructions, terminal escapes or invisible
characters. They only ever travel as JSON string values: characters that do not print
(controls, format characters such as bidirectional overrides and the invisible "tag"
characters, separators, private-use and unassigned code points) are written as ``\\uXXXX``
escapes, and every string is cut at a limit, the cut marked, so one hostile comment cannot
fill an assistant's context.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import cast

__all__ = [
    "CODE_LIMIT",
    "COMMENT_LIMIT",
    "NAME_LIMIT",
    "TEXT_LIMIT",
    "bounded",
    "clip",
    "escape_hidden",
    "first_line",
    "quoted",
    "to_json",
]

#: Longest name returned (PostgreSQL's own limit is 63 bytes; a lock file has none).
NAME_LIMIT = 256
#: Longest comment returned whole.
COMMENT_LIMIT = 2_000
#: Longest expression, definition or other text returned.
TEXT_LIMIT = 8_000
#: Longest first line of a comment in listings.
SUMMARY_LIMIT = 200
#: Longest generated source returned.
CODE_LIMIT = 200_000

#: Keys whose values are names, and those whose values are comments.
_NAME_KEYS = frozenset(
    ("name", "schema", "ref_schema", "ref_table", "parent_schema", "parent_name", "relation")
)
_LIMITS = {"comment": COMMENT_LIMIT, "code": CODE_LIMIT}
_HIDDEN = frozenset(("Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"))
_NON_ASCII = re.compile("[\x7f-\U0010ffff]")


def clip(text: str, limit: int) -> str:
    """``text``, or its first ``limit`` characters and a mark saying how many were cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…[truncated: {len(text) - limit} more characters]"


def first_line(comment: str | None) -> str | None:
    """The first line of a comment, bounded, as listings show it."""
    if comment is None:
        return None
    return clip(comment.strip().split("\n", 1)[0].strip(), SUMMARY_LIMIT)


def bounded(value: object, key: str = "") -> object:
    """``value`` (JSON-like builtins) with every string clipped by what its key holds."""
    if isinstance(value, str):
        if key in _NAME_KEYS:
            return clip(value, NAME_LIMIT)
        return clip(value, _LIMITS.get(key, TEXT_LIMIT))
    if isinstance(value, Mapping):
        table = cast("Mapping[object, object]", value)
        return {clip(str(k), NAME_LIMIT): bounded(v, str(k)) for k, v in table.items()}
    if isinstance(value, list | tuple):
        # Items of a list of names (key columns, roles, labels) are bounded as names too.
        return [bounded(item, key) for item in cast("Sequence[object]", value)]
    return value


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if unicodedata.category(char) not in _HIDDEN:
        return char
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def to_json(value: object) -> str:
    """``value`` as compact JSON text, non-printing characters escaped."""
    return escape_hidden(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def escape_hidden(json_text: str) -> str:
    """JSON text with every non-printing character written as a ``\\uXXXX`` escape.

    Outside strings JSON is ASCII, so each such character sits inside a string, where the
    escape is its valid spelling and decodes back to it.
    """
    return _NON_ASCII.sub(_escape, json_text)


def quoted(name: str) -> str:
    """A name as an error message shows it: a JSON string, escaped and bounded."""
    return to_json(clip(name, NAME_LIMIT))
