"""What each tool answers, as JSON-like data: pure functions over a :class:`Project`.

The MCP layer (:mod:`schemasync_mcp.server`) only declares the tools and turns these
answers into JSON text; they can be called and tested without it.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, cast

import msgspec

from schemasync import ir
from schemasync.analyze import analyze, metrics_json
from schemasync.changes import Severity
from schemasync_mcp.present import bounded, clip, first_line, quoted
from schemasync_mcp.project import Index, Origin, Project

__all__ = [
    "MAX_PAGE",
    "ToolFailure",
    "analyze_schema",
    "check_drift",
    "describe_function",
    "describe_relation",
    "find_relation",
    "list_enums",
    "list_functions",
    "list_relations",
    "page",
    "search_schema",
]

#: The most items one page holds.
MAX_PAGE = 500
#: The most items of one section of ``describe_relation`` (columns, indexes...).
MAX_SECTION = 300
#: The most changes ``check_drift`` lists.
MAX_CHANGES = 500

RelationKindFilter = Literal[
    "table", "partitioned_table", "view", "materialized_view", "foreign_table"
]


class ToolFailure(Exception):
    """A question the server cannot answer, with a message that says what to do."""


def page(items: Sequence[object], offset: int, limit: int) -> dict[str, object]:
    """One page of ``items`` and where the next starts (``None`` at the end)."""
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    chunk = list(items[offset : offset + limit])
    end = offset + len(chunk)
    return {
        "total": len(items),
        "offset": offset,
        "next_offset": end if end < len(items) else None,
        "items": chunk,
    }


def _meta(index: Index, origin: Origin) -> dict[str, object]:
    return {
        "source": origin,
        "schema_hash": index.schema_hash,
        "schema_version": index.schema_version,
    }


def list_relations(
    project: Project,
    *,
    schema: str | None = None,
    kinds: Sequence[RelationKindFilter] = (),
    offset: int = 0,
    limit: int = 100,
    source: Origin = "lock",
) -> dict[str, object]:
    """Tables, views and materialized views, in canonical order, one page at a time."""
    index = project.index(source)
    rows = [
        {
            "schema": rel.schema,
            "name": rel.name,
            "kind": rel.kind,
            "columns": len(rel.columns),
            "comment": first_line(rel.comment),
        }
        for rel in index.schema.relations
        if (schema is None or rel.schema == schema) and (not kinds or rel.kind in kinds)
    ]
    return {**_meta(index, source), **page(rows, offset, limit)}


def find_relation(index: Index, name: str, schema: str | None) -> ir.Relation:
    if schema is not None:
        found = index.relations.get((schema, name))
        candidates = [found] if found else []
    else:
        candidates = [
            rel for rel in index.schema.relations if name in (rel.name, rel.qualified_name)
        ]
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        listed = ", ".join(quoted(rel.qualified_name) for rel in candidates)
        raise ToolFailure(f"relation {quoted(name)} is ambiguous: pass schema (one of {listed})")
    # Plain names as well as qualified ones, so "taks" finds "public.tasks".
    known: dict[str, str] = {}
    for rel in index.schema.relations:
        known.setdefault(rel.name, rel.qualified_name)
        known[rel.qualified_name] = rel.qualified_name
    asked = name if schema is None else f"{schema}.{name}"
    close = list(dict.fromkeys(known[c] for c in difflib.get_close_matches(asked, known, 3)))
    hint = f"; did you mean {', '.join(quoted(c) for c in close)}?" if close else ""
    where = f" in schema {quoted(schema)}" if schema is not None else ""
    raise ToolFailure(f"no relation {quoted(name)}{where}{hint} (list_relations lists them)")


def _section(items: Sequence[object], omitted: dict[str, int], key: str) -> list[object]:
    if len(items) > MAX_SECTION:
        omitted[key] = len(items) - MAX_SECTION
    return list(items[:MAX_SECTION])


def _column(column: ir.Column, primary: Iterable[str]) -> dict[str, object]:
    return {
        "name": column.name,
        "type": column.type.sql,
        "type_name": f"{column.type.schema}.{column.type.name}",
        "type_kind": column.type.kind,
        "nullable": column.nullable,
        "default": column.default,
        "identity": column.identity,
        "generated": column.generated,
        "primary_key": column.name in primary,
        "collation": column.collation,
        "comment": column.comment,
    }


def _builtins(value: object) -> object:
    return msgspec.to_builtins(value)


def _rest(key: str, value: object, omitted: dict[str, int]) -> object:
    if key == "partitions" or not isinstance(value, tuple):
        return _builtins(value)
    items = cast("tuple[object, ...]", value)
    return _section([_builtins(item) for item in items], omitted, key)


def describe_relation(
    project: Project,
    *,
    name: str,
    schema: str | None = None,
    column_offset: int = 0,
    source: Origin = "lock",
) -> dict[str, object]:
    """Everything the IR holds about one relation, with the foreign keys pointing at it."""
    index = project.index(source)
    rel = find_relation(index, name, schema)
    primary = rel.primary_key.columns if rel.primary_key else ()
    omitted: dict[str, int] = {}
    columns = [_column(c, primary) for c in rel.columns[max(0, column_offset) :]]
    referenced_by = [
        {
            "schema": other.schema,
            "relation": other.name,
            "name": fk.name,
            "columns": list(fk.columns),
            "ref_columns": list(fk.ref_columns),
            "on_delete": fk.on_delete,
            "on_update": fk.on_update,
        }
        for other, fk in index.incoming.get((rel.schema, rel.name), [])
    ]
    # Fields the IR adds later show up here without a change to this function.
    rest: dict[str, object] = {
        key: value
        for key, value in msgspec.structs.asdict(rel).items()
        if key not in ("schema", "name", "kind", "comment", "columns")
    }
    sections = {key: _rest(key, value, omitted) for key, value in rest.items()}
    answer: dict[str, object] = {
        **_meta(index, source),
        "schema": rel.schema,
        "name": rel.name,
        "kind": rel.kind,
        "comment": rel.comment,
        "column_count": len(rel.columns),
        "column_offset": max(0, column_offset),
        "columns": _section(columns, omitted, "columns"),
        **sections,
        "referenced_by": _section(referenced_by, omitted, "referenced_by"),
    }
    if omitted:
        answer["omitted"] = omitted
    return answer


def list_enums(
    project: Project,
    *,
    schema: str | None = None,
    offset: int = 0,
    limit: int = 100,
    source: Origin = "lock",
) -> dict[str, object]:
    """Enum types with their labels in declaration order, one page at a time."""
    index = project.index(source)
    rows = [
        {
            "schema": enum.schema,
            "name": enum.name,
            "labels": list(enum.labels[:MAX_SECTION]),
            "label_count": len(enum.labels),
            "comment": first_line(enum.comment),
        }
        for enum in index.schema.enums
        if schema is None or enum.schema == schema
    ]
    return {**_meta(index, source), **page(rows, offset, limit)}


def list_functions(
    project: Project,
    *,
    schema: str | None = None,
    offset: int = 0,
    limit: int = 100,
    source: Origin = "lock",
) -> dict[str, object]:
    """Functions and procedures (signatures only), one page at a time."""
    index = project.index(source)
    rows = [
        {
            "schema": fn.schema,
            "name": fn.name,
            "kind": fn.kind,
            "arguments": fn.identity_arguments,
            "returns": fn.returns,
            "comment": first_line(fn.comment),
        }
        for fn in index.schema.functions
        if schema is None or fn.schema == schema
    ]
    return {**_meta(index, source), **page(rows, offset, limit)}


def describe_function(
    project: Project, *, name: str, schema: str | None = None, source: Origin = "lock"
) -> dict[str, object]:
    """Every overload of one function, as the IR holds it."""
    index = project.index(source)
    found = [
        fn
        for fn in index.schema.functions
        if (fn.name == name and (schema is None or fn.schema == schema))
        or (schema is None and f"{fn.schema}.{fn.name}" == name)
    ]
    if not found:
        known = sorted({f"{fn.schema}.{fn.name}" for fn in index.schema.functions})
        close = difflib.get_close_matches(name, known, 3)
        hint = f"; did you mean {', '.join(quoted(c) for c in close)}?" if close else ""
        raise ToolFailure(f"no function {quoted(name)}{hint} (list_functions lists them)")
    omitted: dict[str, int] = {}
    answer: dict[str, object] = {
        **_meta(index, source),
        "overloads": _section([_builtins(fn) for fn in found], omitted, "overloads"),
    }
    if omitted:
        answer["omitted"] = omitted
    return answer


@dataclass(frozen=True)
class _Searchable:
    kind: str
    qualified: str
    name: str
    comment: str | None
    where: dict[str, str]
    #: Lower-cased once per schema: a search compares every object.
    name_key: str
    comment_key: str


def _searchables(index: Index) -> list[_Searchable]:
    cached = index.cache.get("search")
    if isinstance(cached, list):
        return cast("list[_Searchable]", cached)
    found: list[_Searchable] = []

    def add(kind: str, qualified: str, name: str, comment: str | None, **where: str) -> None:
        key = (comment or "").lower()
        found.append(_Searchable(kind, qualified, name, comment, where, name.lower(), key))

    for rel in index.schema.relations:
        add(rel.kind, rel.qualified_name, rel.name, rel.comment, schema=rel.schema)
        for column in rel.columns:
            qualified = f"{rel.qualified_name}.{column.name}"
            add(
                "column",
                qualified,
                column.name,
                column.comment,
                schema=rel.schema,
                relation=rel.name,
            )
    for enum in index.schema.enums:
        add("enum", f"{enum.schema}.{enum.name}", enum.name, enum.comment, schema=enum.schema)
    for fn in index.schema.functions:
        add("function", f"{fn.schema}.{fn.name}", fn.name, fn.comment, schema=fn.schema)
    index.cache["search"] = found
    return found


def _score(query: str, words: Sequence[str], lowered: str, *, exact: int) -> int:
    if not lowered:
        return 0
    if lowered == query:
        return exact
    if lowered.startswith(query):
        return exact * 7 // 10
    if query in lowered:
        return exact // 2
    if words and all(word in lowered for word in words):
        return exact * 4 // 10
    return 0


def search_schema(
    project: Project, *, query: str, limit: int = 20, source: Origin = "lock"
) -> dict[str, object]:
    """Relations, columns, enums and functions whose names or comments match, best first.

    A name matching the whole query exactly ranks first, then names starting with it, then
    names containing it (or all its words), then comments containing it.
    """
    index = project.index(source)
    needle = " ".join(query.lower().split())
    if not needle:
        raise ToolFailure("query is empty: pass a word to look for in names and comments")
    words = needle.replace("_", " ").split()
    hits: list[tuple[int, str, _Searchable, bool]] = []
    for item in _searchables(index):
        by_name = _score(needle, words, item.name_key, exact=100)
        by_comment = _score(needle, words, item.comment_key, exact=30)
        best = max(by_name, min(by_comment, 25))
        if best:
            hits.append((-best, item.qualified, item, by_name >= by_comment))
    hits.sort(key=lambda hit: (hit[0], hit[1]))
    limit = max(1, min(limit, MAX_PAGE))
    return {
        **_meta(index, source),
        "query": clip(query, 200),
        "total": len(hits),
        "items": [
            {
                "kind": item.kind,
                **item.where,
                "name": item.name,
                "matched": "name" if by_name else "comment",
                "score": -score,
                "comment": first_line(item.comment),
            }
            for score, _, item, by_name in hits[:limit]
        ],
    }


def check_drift(
    project: Project,
    *,
    source: Origin = "lock",
    against: Literal["lock", "code", "both"] | None = None,
    fail_on: Literal["low", "medium", "high", "critical"] | None = None,
) -> dict[str, object]:
    """What ``schemasync check --format json`` says (offline with ``source="lock"``)."""
    from schemasync.drift.check import check
    from schemasync.drift.report import render

    reader = project.live_reader() if source == "live" else None
    result = check(
        project.host,
        project.config,
        reader,
        against=against,
        fail_on=Severity.parse(fail_on) if fail_on else None,
    )
    answer: dict[str, object] = json.loads(render(result, "json"))
    changes = answer.get("changes")
    if isinstance(changes, list) and len(changes) > MAX_CHANGES:  # pyright: ignore[reportUnknownArgumentType]
        answer["changes"] = changes[:MAX_CHANGES]
        answer["omitted"] = {"changes": len(changes) - MAX_CHANGES}  # pyright: ignore[reportUnknownArgumentType]
    return answer


def analyze_schema(project: Project, *, source: Origin = "lock") -> dict[str, object]:
    """What ``schemasync analyze --json`` says about the schema."""
    index = project.index(source)
    metrics = analyze(index.schema, schema_version=index.schema_version)
    answer: dict[str, object] = json.loads(metrics_json(metrics))
    return bounded(answer)  # type: ignore[return-value]
