"""Relationships: a relation's foreign keys seen from both ends, as PostgREST embeds them.

Supabase's TypeScript types list, per table, the foreign keys it holds (``Relationships``);
PostgREST also embeds the other direction, the rows of the tables whose keys point at it.
Both are computed here once, for every emitter and the documentation, and so is the key
under which PostgREST embeds each related row (:func:`embeddings`), with the select string
that asks for it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from schemasync import ir

__all__ = ["Embedding", "Relationship", "all_relationships", "embeddings", "is_unique"]

Direction = Literal["outgoing", "incoming"]


@dataclass(frozen=True)
class Relationship:
    """A foreign key seen from one of its two relations.

    ``outgoing``: the relation holds the key (``books.author_id -> authors.id``), each row has
    at most one related row. ``incoming``: another relation's key points at this one; each
    row has at most one related row when the key's columns are unique (``one_to_one``), else
    any number.
    """

    constraint: str
    direction: Direction
    #: This relation's columns: the key's columns (outgoing) or the referenced ones (incoming).
    columns: tuple[str, ...]
    #: The other relation, and its columns in the same order.
    related_schema: str
    related_relation: str
    related_columns: tuple[str, ...]
    #: Whether the key's columns are unique in the relation holding them: then the key
    #: relates one row to at most one row both ways.
    one_to_one: bool

    @property
    def related(self) -> str:
        """``schema.name`` of the other relation."""
        return f"{self.related_schema}.{self.related_relation}"

    @property
    def key_holder(self) -> tuple[str, str]:
        """``(schema, name)`` of the relation holding the key, for an incoming one."""
        return (self.related_schema, self.related_relation)

    @property
    def is_many(self) -> bool:
        """Whether a row may have several related rows (an incoming one-to-many key)."""
        return self.direction == "incoming" and not self.one_to_one


def is_unique(relation: ir.Relation, columns: tuple[str, ...]) -> bool:
    """Whether ``columns`` (in any order) are unique in ``relation``: its primary key, a
    UNIQUE constraint or a unique index without a predicate or expressions on exactly them."""
    wanted = frozenset(columns)
    keys: list[tuple[str, ...]] = []
    if relation.primary_key is not None:
        keys.append(relation.primary_key.columns)
    keys += [u.columns for u in relation.unique_constraints]
    keys += [i.columns for i in relation.indexes if i.unique and i.predicate is None]
    return any(frozenset(key) == wanted for key in keys)


def all_relationships(schema: ir.Schema) -> Mapping[tuple[str, str], tuple[Relationship, ...]]:
    """Every relation's relationships by ``(schema, name)``: outgoing keys first, each group
    in constraint-name order. Partitions are left out, as their parent holds their keys."""
    found: dict[tuple[str, str], list[Relationship]] = defaultdict(list)
    incoming: dict[tuple[str, str], list[Relationship]] = defaultdict(list)
    for relation in schema.relations:
        if relation.partition_of is not None:
            continue
        for fk in sorted(relation.foreign_keys, key=lambda k: k.name):
            one_to_one = is_unique(relation, fk.columns)
            found[(relation.schema, relation.name)].append(
                Relationship(
                    fk.name,
                    "outgoing",
                    fk.columns,
                    fk.ref_schema,
                    fk.ref_table,
                    fk.ref_columns,
                    one_to_one,
                )
            )
            incoming[(fk.ref_schema, fk.ref_table)].append(
                Relationship(
                    fk.name,
                    "incoming",
                    fk.ref_columns,
                    relation.schema,
                    relation.name,
                    fk.columns,
                    one_to_one,
                )
            )
    result: dict[tuple[str, str], tuple[Relationship, ...]] = {}
    for relation in schema.relations:
        key = (relation.schema, relation.name)
        others = sorted(incoming.get(key, []), key=lambda r: (r.constraint, r.related))
        if found.get(key) or others:
            result[key] = (*found.get(key, []), *others)
    return result


@dataclass(frozen=True)
class Embedding:
    """A related row (or list of rows) as PostgREST embeds it in a row of a relation."""

    relationship: Relationship
    #: The JSON key the embedded value has: PostgREST's default (the related relation's
    #: name) or, when that would be ambiguous, the alias the select string gives.
    key: str
    #: What to write in ``select`` for this key, e.g. ``channels(*)`` or
    #: ``author:users!messages_author_id_fkey(*)``.
    select: str

    @property
    def many(self) -> bool:
        """Whether PostgREST embeds a list (one-to-many) rather than one row or ``null``."""
        return self.relationship.is_many


def _stem(column: str) -> str:
    """``author_id`` -> ``author``: the name of what a key column points at."""
    for suffix in ("_id", "id", "_fk", "_key"):
        if column.lower().endswith(suffix) and len(column) > len(suffix):
            return column[: -len(suffix)].rstrip("_")
    return column


def _alias(rel: Relationship) -> str:
    """The key of an embedding PostgREST cannot name by the related relation alone: the
    key column's stem for a row the relation points at (``author``), the holder's name
    and the stem for rows that point at it (``messages_author``), else the constraint."""
    if len(rel.columns) != 1:
        return rel.constraint
    if rel.direction == "outgoing":
        column = rel.columns[0]
        stem = _stem(column)
        # A column not named after what it points at (``reply_to``) keeps its name.
        return stem if stem != column else f"{column}_{rel.related_relation}"
    return f"{rel.related_relation}_{_stem(rel.related_columns[0])}"


def _name(name: str) -> str:
    """``name`` as a select string holds it: double-quoted unless it is letters, digits and
    underscores (PostgREST reads ``"odd name"(*)``)."""
    return name if re.fullmatch(r"\w+", name) else f'"{name}"'


def _select(owner: tuple[str, str], rel: Relationship, alias: str | None) -> str:
    """The select string that embeds ``rel`` under ``alias`` (PostgREST's own key when
    ``None``), following PostgREST's disambiguation rules: a hint names the foreign key;
    in a self-reference, the key column names the referenced row (``parent:parent_id``) and
    ``table!column`` the rows that point at this one."""
    prefix = f"{_name(alias)}:" if alias else ""
    target = _name(rel.related_relation)
    if (rel.related_schema, rel.related_relation) == owner:
        if rel.direction == "outgoing":
            return f"{prefix}{_name(rel.columns[0])}(*)"
        hint = f"!{_name(rel.related_columns[0])}" if alias else ""
        return f"{prefix}{target}{hint}(*)"
    hint = f"!{_name(rel.constraint)}" if alias else ""
    return f"{prefix}{target}{hint}(*)"


def embeddings(
    relation: ir.Relation,
    relationships: tuple[Relationship, ...],
    related: Mapping[tuple[str, str], object],
) -> tuple[Embedding, ...]:
    """The rows PostgREST can embed in a row of ``relation``, one level deep, with
    distinct keys that no column of ``relation`` has.

    :param relationships: ``relation``'s, from :func:`all_relationships`.
    :param related: the relations that have a generated row (``(schema, name)`` keys);
        keys pointing elsewhere are left out.

    PostgREST's default key is the related relation's name; when two relationships share
    it (two keys to one table, a key each way between two tables, two self-references) or
    a column has that name, each gets an alias (:func:`_alias`) and a hint. A key that
    references its own relation always gets an alias (its default key would be the key
    column's name); one on several columns, or unique (one-to-one), is left out: PostgREST
    embeds neither.
    """
    owner = (relation.schema, relation.name)
    usable: list[Relationship] = []
    for rel in relationships:
        if (rel.related_schema, rel.related_relation) not in related:
            continue
        if (rel.related_schema, rel.related_relation) == owner and (
            rel.one_to_one or len(rel.columns) != 1
        ):
            continue
        usable.append(rel)

    def default(rel: Relationship) -> str | None:
        is_self = (rel.related_schema, rel.related_relation) == owner
        return None if is_self and rel.direction == "outgoing" else rel.related_relation

    taken = {c.name for c in relation.columns}
    counts = Counter(default(rel) for rel in usable)
    plain = {
        rel
        for rel in usable
        if (key := default(rel)) is not None and counts[key] == 1 and key not in taken
    }
    taken |= {rel.related_relation for rel in usable if rel in plain}
    found: list[Embedding] = []
    for rel in usable:
        if rel in plain:
            found.append(Embedding(rel, rel.related_relation, _select(owner, rel, None)))
            continue
        key = _alias(rel)
        if key in taken:
            key = rel.constraint
        base, number = key, 2
        while key in taken:
            key, number = f"{base}_{number}", number + 1
        taken.add(key)
        found.append(Embedding(rel, key, _select(owner, rel, key)))
    return tuple(found)
