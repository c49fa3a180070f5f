"""Canonical forms of SQL text that PostgreSQL prints differently from one release to the next.

The IR must hash the same for the same DDL on every supported server, but ``pg_get_viewdef``
changed in PostgreSQL 16: it no longer qualifies column references when a query reads one
relation. Definitions are parsed with pglast (PostgreSQL's own parser), qualifiers that
release drops are dropped here too, and the tree is printed back in one layout.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["canonical_query"]


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
