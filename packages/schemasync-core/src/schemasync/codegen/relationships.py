"""Relationships: a relation's foreign keys seen from both ends, as PostgREST embeds them.

Supabase's TypeScript types list, per table, the foreign keys it holds (``Relationships``);
PostgREST also embeds the other direction, the rows of the tables whose keys point at it.
Both are computed here once, for every emitter and the documentation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from schemasync import ir

__all__ = ["Relationship", "all_relationships", "is_unique"]

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
