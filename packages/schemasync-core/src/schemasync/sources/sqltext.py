"""Canonical forms of SQL text that PostgreSQL prints differently from one release to the next.

The IR must hash the same for the same DDL on every supported server, but ``pg_get_viewdef``
changed in PostgreSQL 16: it no longer qualifies column references when a query reads one
relation. Definitions are parsed with pglast (PostgreSQL's own parser), qualifiers that
release drops are dropped here too, and the tree is printed back in one layout.

Parsing and printing cost about 2 ms a view (and the parser's import 0.1 s), so the forms
of a schema's views are kept in the user's cache folder: a run whose views did not change
neither imports the parser nor parses anything, even when other projects were read since.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import msgspec

from schemasync import __version__
from schemasync.config import cache_folder

__all__ = ["canonical_queries", "canonical_query"]


#: How many schemas' forms the cache keeps: several projects (or branches, or a test run)
#: read one after the other must not throw out each other's.
_KEPT_SCHEMAS = 4


def canonical_queries(texts: Iterable[str]) -> dict[str, str]:
    """:func:`canonical_query` of each of ``texts``, by text; the answers are kept between
    runs, one file per set of views (named by its digest) for the last few sets read, in
    a folder named by this release and the parser's (whose printing decides the layout)."""
    wanted = sorted(set(texts))
    if not wanted:
        return {}
    try:
        parser = version("pglast")
    except PackageNotFoundError:  # pragma: no cover - a dependency of the core
        parser = "unknown"
    folder = cache_folder(f"views-{__version__}-pglast-{parser}")
    if folder is None:
        return {text: canonical_query(text) for text in wanted}
    key = hashlib.sha256("\0".join(wanted).encode()).hexdigest()
    path = folder / f"{key}.json"
    known = _cached(path)
    result = {text: known[text] for text in wanted if text in known}
    if len(result) == len(wanted):
        with contextlib.suppress(OSError):
            os.utime(path)  # the sets pruned first are those read least recently
        return result
    # A new set of views (one view added or changed): the last set written holds the rest.
    kept = sorted(folder.glob("*.json"), key=_mtime, reverse=True)
    latest = _cached(kept[0]) if kept else {}
    result.update(
        (text, latest[text] if text in latest else canonical_query(text))
        for text in wanted
        if text not in result
    )
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        temp.write_bytes(msgspec.json.encode(result, order="sorted"))
        os.replace(temp, path)
    except OSError:
        temp.unlink(missing_ok=True)
    for old in kept[_KEPT_SCHEMAS - 1 :]:
        if old != path:
            old.unlink(missing_ok=True)
    return result


def _cached(path: Path) -> dict[str, str]:
    """The forms a cache file holds; none when it is missing or damaged."""
    try:
        return msgspec.json.decode(path.read_bytes(), type=dict[str, str])
    except (OSError, msgspec.DecodeError):
        return {}


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # removed meanwhile by another run
        return 0.0


def canonical_query(sql: str) -> str:
    """``sql`` (one query) in a layout that does not depend on the server's release.

    Text pglast cannot parse is returned stripped, unchanged otherwise.
    """
    from pglast import ast, parse_sql
    from pglast.parser import ParseError
    from pglast.stream import IndentedStream

    try:
        statements = parse_sql(sql)
    except ParseError:
        return sql.strip()

    def children(node: Any) -> Iterator[Any]:
        for name in node.__slots__:
            value: Any = getattr(node, name, None)
            items: tuple[Any, ...] = value if isinstance(value, tuple) else (value,)  # pyright: ignore[reportUnknownVariableType]
            yield from (item for item in items if isinstance(item, ast.Node))

    def strip(node: Any, qualifiers: frozenset[str]) -> None:
        if isinstance(node, ast.SelectStmt):
            # Each SELECT is a scope: it strips only when it reads exactly one relation.
            sources: tuple[Any, ...] = node.fromClause or ()
            only = sources[0] if len(sources) == 1 else None
            if isinstance(only, ast.RangeVar):
                name: Any = only.alias.aliasname if only.alias else only.relname
                qualifiers = frozenset({name})
            else:
                qualifiers = frozenset()
        elif isinstance(node, ast.ColumnRef):
            fields: tuple[Any, ...] = node.fields or ()
            first = fields[0] if len(fields) == 2 else None
            if isinstance(first, ast.String) and first.sval in qualifiers:
                node.fields = fields[1:]
            return
        for child in children(node):
            strip(child, qualifiers)

    for statement in statements:
        strip(statement, frozenset())
    return str(IndentedStream()(statements))
