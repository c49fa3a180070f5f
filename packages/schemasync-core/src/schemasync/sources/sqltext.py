"""Canonical forms of SQL text that PostgreSQL prints differently from one release to the next.

The IR must hash the same for the same DDL on every supported server, but ``pg_get_viewdef``
changed in PostgreSQL 16: it no longer qualifies column references when a query reads one
relation. Definitions are parsed with pglast (PostgreSQL's own parser), qualifiers that
release drops are dropped here too, and the tree is printed back in one layout.

Parsing and printing cost about 2 ms a view (and the parser's import 0.1 s), so the forms
of a schema's views are kept in the user's cache folder: a run whose views did not change
neither imports the parser nor parses anything.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import msgspec

from schemasync import __version__
from schemasync.config import cache_folder

__all__ = ["canonical_queries", "canonical_query"]


def canonical_queries(texts: Iterable[str]) -> dict[str, str]:
    """:func:`canonical_query` of each of ``texts``, by text; the answers of the last
    schema read are kept between runs (the cache is named by this release and the
    parser's, whose printing decides the layout)."""
    wanted = set(texts)
    if not wanted:
        return {}
    try:
        parser = version("pglast")
    except PackageNotFoundError:  # pragma: no cover - a dependency of the core
        parser = "unknown"
    folder = cache_folder("views")
    path = None if folder is None else folder / f"{__version__}-pglast-{parser}.json"
    known: dict[str, str] = {}
    if path is not None:
        try:
            known = msgspec.json.decode(path.read_bytes(), type=dict[str, str])
        except (OSError, msgspec.DecodeError, msgspec.ValidationError):
            known = {}
    result = {text: known[text] for text in wanted if text in known}
    if len(result) == len(wanted):
        return result
    result.update((text, canonical_query(text)) for text in wanted if text not in result)
    if path is not None:
        # Only this schema's views: the file stays the size of one schema.
        temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            temp.write_bytes(msgspec.json.encode(result, order="sorted"))
            os.replace(temp, path)
        except OSError:
            temp.unlink(missing_ok=True)
    return result


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
