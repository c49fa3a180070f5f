"""Mermaid ER diagrams (``erDiagram``) of tables and their foreign keys.

Entities are named by identifiers derived from slugs and labelled with the exact
``schema.name``; attribute names and types that Mermaid's grammar cannot carry are spelled
in its safe alphabet, with the exact name kept in the attribute's comment. Labels and
comments use Mermaid's ``#NN;`` entity codes for the characters its grammar or its HTML
would read, so no name can break a diagram.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from schemasync import ir

__all__ = ["entity_id", "er_diagram"]

_UNSAFE_WORD = re.compile(r"[^A-Za-z0-9_]")
# Backticks would make a Markdown label, the rest end the string or read as markup.
_QUOTED_UNSAFE = re.compile(r'["#<>&%`\\{}\r\n\u2028\u2029]|[\x00-\x1f\x7f]')


def _quoted(value: str) -> str:
    """``value`` as a double-quoted Mermaid string, one line, nothing special inside."""
    return '"' + _QUOTED_UNSAFE.sub(lambda m: f"#{ord(m.group())};", value) + '"'


def _word(value: str) -> str:
    """``value`` in the alphabet of Mermaid's attribute words, starting with a letter."""
    word = _UNSAFE_WORD.sub("_", value)
    return word if word[:1].isalpha() else f"_{word}"


def entity_id(relation: ir.Relation) -> str:
    """The identifier of ``relation`` in diagrams, the same on every page: its names in the
    safe alphabet, made unique by a digest of the exact pair."""
    return _entity_id(relation.schema, relation.name)


@functools.lru_cache(maxsize=16384)
def _entity_id(schema: str, name: str) -> str:
    digest = hashlib.sha256(f"{schema}\0{name}".encode()).hexdigest()[:8]
    return _word(f"{schema}__{name}_{digest}")


def _key_columns(relation: ir.Relation) -> set[str]:
    keys = set(relation.primary_key.columns if relation.primary_key else ())
    keys.update(c for fk in relation.foreign_keys for c in fk.columns)
    return keys


def _attribute(relation: ir.Relation, column: ir.Column) -> str:
    ref = column.type
    type_word = _word(ref.name) + ("[]" if ref.is_array else "")
    name_word = _word(column.name)
    marks: list[str] = []
    if relation.primary_key and column.name in relation.primary_key.columns:
        marks.append("PK")
    if any(column.name in fk.columns for fk in relation.foreign_keys):
        marks.append("FK")
    if any(column.name in u.columns for u in relation.unique_constraints):
        marks.append("UK")
    line = f"        {type_word} {name_word}"
    if marks:
        line += " " + ",".join(marks)
    if name_word != column.name:
        line += " " + _quoted(column.name)
    return line


def _entity(relation: ir.Relation, *, columns: str) -> list[str]:
    """``columns``: ``all``, ``keys`` (primary and foreign key columns) or ``none``."""
    head = f"    {entity_id(relation)}[{_quoted(relation.qualified_name)}]"
    if columns == "none":
        return [head]
    keys = _key_columns(relation)
    shown = [c for c in relation.columns if columns == "all" or c.name in keys]
    if not shown:
        return [head]
    return [f"{head} {{", *(_attribute(relation, c) for c in shown), "    }"]


def _is_unique(relation: ir.Relation, columns: Sequence[str]) -> bool:
    wanted = set(columns)
    keys = [relation.primary_key.columns] if relation.primary_key else []
    keys += [u.columns for u in relation.unique_constraints]
    return any(set(key) == wanted for key in keys)


def _edge(child: ir.Relation, fk: ir.ForeignKey, parent_id: str) -> str:
    # The parent (left) side: exactly one when every key column is NOT NULL, else zero or
    # one. The child (right) side: zero or one when the key columns are unique, else many.
    required = all(not child.column(name).nullable for name in fk.columns)
    parent_end = "||" if required else "|o"
    child_end = "o|" if _is_unique(child, fk.columns) else "o{"
    return f"    {parent_id} {parent_end}--{child_end} {entity_id(child)} : {_quoted(fk.name)}"


def er_diagram(
    tables: Iterable[ir.Relation],
    by_name: Mapping[tuple[str, str], ir.Relation],
    *,
    full: Iterable[ir.Relation] = (),
    bare: Iterable[ir.Relation] = (),
    edges_of: Iterable[ir.Relation] | None = None,
    keep: Callable[[ir.Relation, ir.ForeignKey], bool] | None = None,
) -> str:
    """An ``erDiagram`` of ``tables`` and the foreign keys among them.

    :param tables: the entities, in order; shown with their key columns.
    :param by_name: every relation of the schema by ``(schema, name)``.
    :param full: entities shown with all their columns instead (a page's own table).
    :param bare: entities shown without columns (context for a part of a large schema).
    :param edges_of: relations whose foreign keys are drawn (default: ``tables``); a key
        whose referenced table is not an entity is left out.
    :param keep: which of those keys to draw (default: all).
    :returns: the diagram's text, without the code fence.
    """
    shown = list(tables)
    modes = {(r.schema, r.name): "all" for r in full}
    modes.update({(r.schema, r.name): "none" for r in bare})
    present = {(r.schema, r.name) for r in shown}
    lines = ["erDiagram"]
    for relation in shown:
        lines += _entity(relation, columns=modes.get((relation.schema, relation.name), "keys"))
    for child in shown if edges_of is None else edges_of:
        for fk in child.foreign_keys:
            parent = by_name.get((fk.ref_schema, fk.ref_table))
            if parent is None or (parent.schema, parent.name) not in present:
                continue
            if keep is None or keep(child, fk):
                lines.append(_edge(child, fk, entity_id(parent)))
    return "\n".join(lines)
