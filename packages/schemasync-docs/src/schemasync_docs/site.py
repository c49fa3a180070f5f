"""Where everything is documented: the path of every page, the anchor of every object, and
the cross references (who references a table, where a type is used).

Built once per run, so each page looks its links up instead of recomputing them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from schemasync import ir
from schemasync.codegen.relationships import Relationship, all_relationships
from schemasync_docs.markdown import slug, text

__all__ = [
    "COMPOSITES",
    "DOMAINS",
    "ENUMS",
    "FUNCTIONS",
    "OVERVIEW",
    "Site",
    "Use",
    "column_anchor",
    "fk_anchor",
    "function_anchor",
    "type_anchor",
]

OVERVIEW = "README.md"
ENUMS = "enums.md"
DOMAINS = "domains.md"
COMPOSITES = "composite-types.md"
FUNCTIONS = "functions.md"

Key = tuple[str, str]


def type_anchor(schema: str, name: str) -> str:
    """The anchor of an enum, domain or composite type on its page."""
    return f"{slug(schema)}--{slug(name)}"


def function_anchor(fn: ir.Function) -> str:
    """The anchor of a function on the functions page: overloads get distinct anchors."""
    return f"{slug(fn.schema)}--{slug(fn.name)}--{slug(fn.identity_arguments or 'none')}"


def column_anchor(name: str) -> str:
    """The anchor of a column's row on its relation's page."""
    return f"column-{slug(name)}"


def fk_anchor(name: str) -> str:
    """The anchor of a foreign key's row on its table's page."""
    return f"fk-{slug(name)}"


@dataclass(frozen=True)
class Use:
    """A column or attribute whose type is a given enum, domain or composite type."""

    #: The page that documents the user, and the anchor of its row there.
    page: str
    anchor: str
    #: ``schema.relation.column``, exact.
    label: str


@dataclass
class Site:
    """The documentation folder's map; every path is relative to the folder."""

    schema: ir.Schema
    relations: dict[Key, ir.Relation] = field(default_factory=dict[Key, ir.Relation])
    #: ``(schema, name)`` by ``schema.name``, for the IR's lists of qualified names.
    qualified: dict[str, Key] = field(default_factory=dict[str, Key])
    pages: dict[Key, str] = field(default_factory=dict[Key, str])
    #: Foreign keys pointing at each relation: (referencing relation, key).
    referenced_by: dict[Key, list[tuple[ir.Relation, ir.ForeignKey]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    #: Pages and anchors of user-defined types by ``(schema, name)``.
    types: dict[Key, tuple[str, str]] = field(default_factory=dict[Key, tuple[str, str]])
    uses: dict[Key, list[Use]] = field(default_factory=lambda: defaultdict(list))
    #: Every relation's foreign keys, both ways.
    relationships: Mapping[Key, tuple[Relationship, ...]] = field(
        default_factory=dict[Key, tuple[Relationship, ...]]
    )

    @classmethod
    def build(cls, schema: ir.Schema) -> Site:
        """Lay out the pages of ``schema`` and index its cross references."""
        site = cls(schema, relationships=all_relationships(schema))
        for rel in schema.relations:
            key = (rel.schema, rel.name)
            site.relations[key] = rel
            site.qualified[rel.qualified_name] = key
            site.pages[key] = f"{slug(rel.schema)}/{slug(rel.name)}.md"
        for page, items in (
            (ENUMS, schema.enums),
            (DOMAINS, schema.domains),
            (COMPOSITES, schema.composite_types),
        ):
            for item in items:
                site.types[(item.schema, item.name)] = (page, type_anchor(item.schema, item.name))
        for rel in schema.relations:
            if rel.partition_of is not None:
                continue  # a partition repeats its parent's keys and columns
            for fk in rel.foreign_keys:
                site.referenced_by[(fk.ref_schema, fk.ref_table)].append((rel, fk))
            page = site.pages[(rel.schema, rel.name)]
            for column in rel.columns:
                use = Use(page, column_anchor(column.name), f"{rel.qualified_name}.{column.name}")
                site.uses[(column.type.schema, column.type.name)].append(use)
        for composite in schema.composite_types:
            anchor = type_anchor(composite.schema, composite.name)
            for attr in composite.attributes:
                label = f"{composite.schema}.{composite.name}.{attr.name}"
                site.uses[(attr.type.schema, attr.type.name)].append(Use(COMPOSITES, anchor, label))
        for domain in schema.domains:
            base = domain.base_type
            label = f"{domain.schema}.{domain.name}"
            anchor = type_anchor(domain.schema, domain.name)
            site.uses[(base.schema, base.name)].append(Use(DOMAINS, anchor, label))
        return site

    @staticmethod
    def url(source: str, target: str, anchor: str = "") -> str:
        """The relative link from the page ``source`` to ``target`` (and ``#anchor``)."""
        if target == source:
            path = ""
        else:
            # posixpath.relpath, without its abspath calls: both paths are relative to
            # the folder and normalised, and the pages need tens of thousands of links.
            here = source.split("/")[:-1]
            there = target.split("/")
            common = 0
            while common < min(len(here), len(there) - 1) and here[common] == there[common]:
                common += 1
            path = "/".join([".."] * (len(here) - common) + there[common:])
        return f"{path}#{anchor}" if anchor else path

    def relation_link(self, source: str, schema: str, name: str, column: str | None = None) -> str:
        """``schema.name`` (and ``.column``) as a link to its page, or as text when the
        relation is not documented (a schema that was not read)."""
        label = text(f"{schema}.{name}" + (f".{column}" if column is not None else ""))
        page = self.pages.get((schema, name))
        if page is None:
            return label
        anchor = column_anchor(column) if column is not None else ""
        return f"[{label}]({self.url(source, page, anchor)})"

    def qualified_link(self, source: str, qualified: str) -> str:
        """:meth:`relation_link` for a relation named ``schema.name``."""
        key = self.qualified.get(qualified)
        return self.relation_link(source, *key) if key else text(qualified)

    def type_url(self, source: str, ref: ir.TypeRef) -> str:
        """The link to the documentation of ``ref``'s element type; empty for built-in
        types and types without a page (ranges)."""
        key = (ref.schema, ref.name)
        if key in self.types:
            page, anchor = self.types[key]
            return self.url(source, page, anchor)
        if ref.kind == "composite" and key in self.pages:
            return self.url(source, self.pages[key])  # a table's row type
        return ""

    def uses_of(self, source: str, schema: str, name: str) -> list[str]:
        """Links to every column, attribute and domain using the type ``schema.name``."""
        return [
            f"[{text(use.label)}]({self.url(source, use.page, use.anchor)})"
            for use in self.uses.get((schema, name), [])
        ]
