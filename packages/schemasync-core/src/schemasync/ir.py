"""The schema IR: plain, frozen, typed data describing a database schema.

The IR carries what users of generated models need and nothing volatile: no OIDs, no
statistics, no attribute numbers (so the gaps left by dropped columns never show). Every
collection is kept in a canonical order by the producer (see :func:`canonicalize`), so the
canonical JSON encoding, and the hash computed from it, depend only on the DDL.
"""

from __future__ import annotations

import hashlib
from itertools import pairwise
from typing import Literal, TypeVar

import msgspec

__all__ = [
    "IR_VERSION",
    "VIEW_KINDS",
    "ArgumentMode",
    "CheckConstraint",
    "Column",
    "CompositeAttribute",
    "CompositeType",
    "Domain",
    "Enum",
    "ExclusionConstraint",
    "Extension",
    "ForeignKey",
    "Function",
    "FunctionArgument",
    "Index",
    "Partition",
    "Policy",
    "PrimaryKey",
    "RangeType",
    "Relation",
    "RelationKind",
    "ResultKind",
    "Schema",
    "Trigger",
    "TypeKind",
    "TypeRef",
    "UniqueConstraint",
    "canonicalize",
    "decode_schema",
    "encode_schema",
    "schema_hash",
]

#: Bumped when the shape of the IR changes, so old lock files can be recognised.
IR_VERSION = 2

TypeKind = Literal["base", "enum", "domain", "composite", "range", "multirange", "pseudo"]
RelationKind = Literal["table", "partitioned_table", "view", "materialized_view", "foreign_table"]
#: The relation kinds that are views (see :attr:`Relation.is_view`).
VIEW_KINDS: frozenset[str] = frozenset(("view", "materialized_view"))
IdentityKind = Literal["always", "by_default"]
GeneratedKind = Literal["stored", "virtual"]
FkAction = Literal["no_action", "restrict", "cascade", "set_null", "set_default"]
FkMatch = Literal["simple", "full", "partial"]
PolicyCommand = Literal["all", "select", "insert", "update", "delete"]


class _Node(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=False, gc=False):
    """Base of every IR node: immutable, compared by value, strict when decoded.

    Not tracked by the cyclic garbage collector (``gc=False``): a frozen node holds only
    text, numbers, nodes made before it and tuples of them, so it can never be part of a
    cycle, and a schema of 5,000 tables is a quarter of a million nodes that each
    collection would otherwise go over (half the time of reading or decoding one).
    """


class TypeRef(_Node, frozen=True):
    """A column's, attribute's or domain's type.

    ``schema`` / ``name`` name the *element* type (``pg_catalog`` / ``varchar`` for
    ``character varying(40)[]``), so a mapper never has to strip array brackets.
    """

    schema: str
    #: Internal type name of the element type (``int4``, ``timestamptz``, ``my_enum``).
    name: str
    #: What the element type is; user-defined kinds point at the matching IR entry.
    kind: TypeKind
    #: The full SQL spelling, modifiers and array brackets included, as PostgreSQL prints it
    #: (``character varying(40)[]``, ``timestamp(3) with time zone``).
    sql: str
    #: Type modifiers of the element type in order: ``(40,)`` for ``varchar(40)``,
    #: ``(10, 2)`` for ``numeric(10,2)``, ``(3,)`` for ``timestamp(3)``; empty when none.
    modifiers: tuple[int, ...] = ()
    #: Declared array dimensions; 0 when the type is not an array. PostgreSQL records
    #: ``int[]`` and ``int[][]`` as 1 and 2 but does not enforce them.
    array_dims: int = 0

    @property
    def qualified_name(self) -> str:
        """``schema.name`` of the element type."""
        return f"{self.schema}.{self.name}"

    @property
    def is_array(self) -> bool:
        """Whether values of this type are arrays."""
        return self.array_dims > 0


class Enum(_Node, frozen=True):
    """An enum type with its labels in declaration order."""

    schema: str
    name: str
    labels: tuple[str, ...]
    comment: str | None = None


class CheckConstraint(_Node, frozen=True):
    """A named CHECK constraint on a table or domain."""

    name: str
    expression: str
    #: ``NOT VALID`` constraints are not enforced on existing rows.
    validated: bool = True
    #: Columns the expression mentions (empty for a domain's check).
    columns: tuple[str, ...] = ()
    #: False for ``NOT ENFORCED`` (PostgreSQL 18): documentation only, never checked, so
    #: models never validate it either.
    enforced: bool = True


class Domain(_Node, frozen=True):
    """A domain: a base type narrowed by NOT NULL, a default and CHECK constraints."""

    schema: str
    name: str
    base_type: TypeRef
    not_null: bool = False
    default: str | None = None
    collation: str | None = None
    checks: tuple[CheckConstraint, ...] = ()
    comment: str | None = None


class CompositeAttribute(_Node, frozen=True):
    """One attribute of a composite type, in declaration order."""

    name: str
    type: TypeRef
    collation: str | None = None
    comment: str | None = None


class CompositeType(_Node, frozen=True):
    """A stand-alone composite type (``CREATE TYPE ... AS (...)``)."""

    schema: str
    name: str
    attributes: tuple[CompositeAttribute, ...]
    comment: str | None = None


class RangeType(_Node, frozen=True):
    """A range type and the multirange PostgreSQL (14+) creates beside it."""

    schema: str
    name: str
    subtype: TypeRef
    #: Name of the matching multirange type; ``None`` before PostgreSQL 14.
    multirange: str | None = None
    comment: str | None = None


class Column(_Node, frozen=True):
    """A column of a table, view or other relation. A relation's columns are in order."""

    name: str
    type: TypeRef
    nullable: bool = True
    default: str | None = None
    identity: IdentityKind | None = None
    #: The expression of a ``GENERATED ALWAYS AS (...)`` column, stored or virtual.
    generated: str | None = None
    #: Set only when it differs from the type's default collation.
    collation: str | None = None
    comment: str | None = None
    #: How a generated column is kept: ``stored`` (written on each change) or ``virtual``
    #: (computed on read, PostgreSQL 18's default); None when the column is not generated.
    generated_kind: GeneratedKind | None = None


class PrimaryKey(_Node, frozen=True):
    """A primary key constraint."""

    name: str
    columns: tuple[str, ...]
    #: A temporal key (PostgreSQL 18): the last column is a range that may not overlap
    #: between rows with equal other columns (``WITHOUT OVERLAPS``).
    without_overlaps: bool = False


class UniqueConstraint(_Node, frozen=True):
    """A UNIQUE constraint (not a unique index without a constraint: see :class:`Index`)."""

    name: str
    columns: tuple[str, ...]
    nulls_not_distinct: bool = False
    deferrable: bool = False
    initially_deferred: bool = False
    #: A temporal key (PostgreSQL 18): see :attr:`PrimaryKey.without_overlaps`.
    without_overlaps: bool = False


class ExclusionConstraint(_Node, frozen=True):
    """An EXCLUDE constraint, kept as PostgreSQL prints its definition."""

    name: str
    definition: str


class ForeignKey(_Node, frozen=True):
    """A foreign key, possibly across schemas, with its actions."""

    name: str
    columns: tuple[str, ...]
    ref_schema: str
    ref_table: str
    ref_columns: tuple[str, ...]
    on_update: FkAction = "no_action"
    on_delete: FkAction = "no_action"
    match: FkMatch = "simple"
    deferrable: bool = False
    initially_deferred: bool = False
    validated: bool = True
    #: False for ``NOT ENFORCED`` (PostgreSQL 18): the reference is never checked.
    enforced: bool = True
    #: A temporal reference (PostgreSQL 18): the last columns are ``PERIOD`` ranges, and
    #: each referencing range must be covered by referenced rows' ranges.
    period: bool = False


class Index(_Node, frozen=True):
    """An index, including those that back constraints (``constraint`` names them)."""

    name: str
    #: The full ``CREATE INDEX`` statement PostgreSQL prints.
    definition: str
    #: Indexed columns; an expression is kept as its text.
    columns: tuple[str, ...]
    method: str = "btree"
    unique: bool = False
    primary: bool = False
    predicate: str | None = None
    constraint: str | None = None


class Trigger(_Node, frozen=True):
    """A user trigger (internal constraint triggers are left out)."""

    name: str
    definition: str
    function: str
    timing: Literal["before", "after", "instead_of"] = "after"
    events: tuple[Literal["insert", "update", "delete", "truncate"], ...] = ()
    level: Literal["row", "statement"] = "statement"
    enabled: bool = True


class Policy(_Node, frozen=True):
    """A row-level security policy."""

    name: str
    command: PolicyCommand = "all"
    permissive: bool = True
    roles: tuple[str, ...] = ("public",)
    using: str | None = None
    with_check: str | None = None


class Partition(_Node, frozen=True):
    """How a relation is attached to its partitioned parent."""

    parent_schema: str
    parent_name: str
    #: ``FOR VALUES ...`` or ``DEFAULT``.
    bound: str


class Relation(_Node, frozen=True):
    """A table, partitioned table, view, materialized view or foreign table."""

    schema: str
    name: str
    kind: RelationKind
    columns: tuple[Column, ...]
    comment: str | None = None
    primary_key: PrimaryKey | None = None
    foreign_keys: tuple[ForeignKey, ...] = ()
    unique_constraints: tuple[UniqueConstraint, ...] = ()
    check_constraints: tuple[CheckConstraint, ...] = ()
    exclusion_constraints: tuple[ExclusionConstraint, ...] = ()
    indexes: tuple[Index, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    rls_enabled: bool = False
    rls_forced: bool = False
    policies: tuple[Policy, ...] = ()
    #: Set on partitions; their parent lists them in ``partitions``.
    partition_of: Partition | None = None
    #: ``PARTITION BY ...`` key of a partitioned table.
    partition_key: str | None = None
    #: Names (``schema.name``) of the partitions of a partitioned table.
    partitions: tuple[str, ...] = ()
    #: The query of a view or materialized view, in the canonical layout of
    #: :func:`schemasync.sources.sqltext.canonical_query`.
    view_definition: str | None = None
    #: Whether INSERT / UPDATE / DELETE work on this view (auto-updatable or with rules or
    #: INSTEAD OF triggers). Always true for tables.
    insertable: bool = True
    updatable: bool = True
    deletable: bool = True
    #: Server and options of a foreign table.
    foreign_server: str | None = None

    @property
    def qualified_name(self) -> str:
        """``schema.name``."""
        return f"{self.schema}.{self.name}"

    @property
    def is_view(self) -> bool:
        """Views and materialized views."""
        return self.kind in VIEW_KINDS

    def column(self, name: str) -> Column:
        """The column named ``name``; :class:`KeyError` when there is none."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.qualified_name} has no column {name!r}")


ArgumentMode = Literal["in", "out", "inout", "variadic", "table"]
#: What a function's result is, from the point of view of calling code (see
#: :attr:`Function.result_kind`).
ResultKind = Literal["void", "scalar", "row", "composite", "columns", "record"]


class FunctionArgument(_Node, frozen=True):
    """One argument of a function, as declared, in declaration order.

    ``out`` and ``table`` arguments are result columns, not inputs; ``inout`` ones are both.
    """

    name: str | None
    #: The SQL spelling of the type (``integer``, ``text[]``, ``public.mood``).
    type: str
    mode: ArgumentMode = "in"
    has_default: bool = False
    #: The type as a :class:`TypeRef`; ``None`` only in IRs written before it was recorded.
    type_ref: TypeRef | None = None

    @property
    def is_input(self) -> bool:
        """Whether callers pass this argument."""
        return self.mode in ("in", "inout", "variadic")

    @property
    def is_output(self) -> bool:
        """Whether this argument is a column of the result."""
        return self.mode in ("out", "inout", "table")


class Function(_Node, frozen=True):
    """A callable function's or procedure's signature (never its body).

    Trigger and event-trigger functions, aggregates, window functions and functions that
    belong to extensions are not part of the IR: no client calls them by name.
    """

    schema: str
    name: str
    #: ``pg_get_function_identity_arguments``: tells overloads apart.
    identity_arguments: str
    arguments: tuple[FunctionArgument, ...]
    #: ``pg_get_function_result``: ``integer``, ``SETOF public.users``,
    #: ``TABLE(id integer, name text)``; ``None`` for procedures.
    returns: str | None
    kind: Literal["function", "procedure", "aggregate", "window"] = "function"
    returns_set: bool = False
    language: str = "sql"
    volatility: Literal["immutable", "stable", "volatile"] = "volatile"
    security_definer: bool = False
    comment: str | None = None
    #: The declared result type (``prorettype``): ``pg_catalog.void``, ``pg_catalog.record``
    #: for ``RETURNS TABLE`` and several OUT arguments, a table's or composite's row type...
    #: ``None`` for procedures and in IRs written before it was recorded.
    return_type: TypeRef | None = None

    @property
    def signature(self) -> str:
        """``schema.name(identity arguments)``: unique among the schema's functions."""
        return f"{self.schema}.{self.name}({self.identity_arguments})"

    @property
    def inputs(self) -> tuple[FunctionArgument, ...]:
        """The arguments callers pass, in order."""
        return tuple(a for a in self.arguments if a.is_input)

    @property
    def outputs(self) -> tuple[FunctionArgument, ...]:
        """OUT, INOUT and ``RETURNS TABLE`` arguments: the result's columns, in order."""
        return tuple(a for a in self.arguments if a.is_output)

    @property
    def result_kind(self) -> ResultKind:
        """The result's shape: ``void``; ``scalar`` (one value of a base, enum, domain,
        range or array type); ``row`` (a table's or view's row type: needs the schema to
        tell from ``composite``, see :meth:`Schema.result_kind`); ``columns``
        (``RETURNS TABLE`` or OUT arguments); ``record`` (an undeclared ``record``)."""
        ref = self.return_type
        if ref is None or (ref.kind == "pseudo" and ref.name == "void" and not ref.is_array):
            return "void"
        if ref.kind == "pseudo" and ref.name == "record" and not ref.is_array:
            return "columns" if self.outputs else "record"
        if ref.kind == "composite" and not ref.is_array:
            return "composite"
        return "scalar"


class Extension(_Node, frozen=True):
    """An installed extension. Its objects are not part of the IR."""

    name: str
    schema: str
    version: str


class Schema(_Node, frozen=True):
    """The whole introspected database schema."""

    #: Names of the PostgreSQL schemas (namespaces) that were read, sorted.
    schemas: tuple[str, ...]
    enums: tuple[Enum, ...] = ()
    domains: tuple[Domain, ...] = ()
    composite_types: tuple[CompositeType, ...] = ()
    range_types: tuple[RangeType, ...] = ()
    relations: tuple[Relation, ...] = ()
    functions: tuple[Function, ...] = ()
    extensions: tuple[Extension, ...] = ()
    #: Comments on the schemas themselves, by schema name.
    schema_comments: dict[str, str] = msgspec.field(default_factory=dict[str, str])
    ir_version: int = IR_VERSION

    @property
    def tables(self) -> tuple[Relation, ...]:
        """Relations that hold rows of their own (tables, partitioned and foreign tables)."""
        return tuple(r for r in self.relations if not r.is_view)

    @property
    def views(self) -> tuple[Relation, ...]:
        """Views and materialized views."""
        return tuple(r for r in self.relations if r.is_view)

    def relation(self, schema: str, name: str) -> Relation:
        """The relation ``schema.name``; :class:`KeyError` when there is none."""
        for relation in self.relations:
            if relation.schema == schema and relation.name == name:
                return relation
        raise KeyError(f"no relation {schema}.{name}")

    def result_kind(self, function: Function) -> ResultKind:
        """``function``'s result shape, telling a table's or view's row type (``row``) from a
        stand-alone composite type (``composite``)."""
        kind = function.result_kind
        ref = function.return_type
        if (
            kind == "composite"
            and ref is not None
            and any(r.schema == ref.schema and r.name == ref.name for r in self.relations)
        ):
            return "row"
        return kind

    def enum(self, schema: str, name: str) -> Enum:
        """The enum ``schema.name``; :class:`KeyError` when there is none."""
        for enum in self.enums:
            if enum.schema == schema and enum.name == name:
                return enum
        raise KeyError(f"no enum {schema}.{name}")


def canonicalize(schema: Schema) -> Schema:
    """Return ``schema`` with every unordered collection in its canonical order.

    Ordered facts keep their order: columns, enum labels, composite attributes, key columns
    and function arguments. Everything else is sorted by schema and name, so two reads of
    the same DDL compare equal whatever order the catalog returned rows in.
    """

    def qualified(item: Enum | Domain | CompositeType | RangeType | Relation) -> tuple[str, str]:
        return (item.schema, item.name)

    relations = tuple(
        msgspec.structs.replace(
            rel,
            foreign_keys=_by_name(rel.foreign_keys),
            unique_constraints=_by_name(rel.unique_constraints),
            check_constraints=_by_name(rel.check_constraints),
            exclusion_constraints=_by_name(rel.exclusion_constraints),
            indexes=_by_name(rel.indexes),
            triggers=_by_name(rel.triggers),
            policies=_by_name(rel.policies),
            partitions=tuple(sorted(rel.partitions)),
        )
        for rel in sorted(schema.relations, key=qualified)
    )
    domains = tuple(
        msgspec.structs.replace(d, checks=_by_name(d.checks))
        for d in sorted(schema.domains, key=qualified)
    )
    return msgspec.structs.replace(
        schema,
        schemas=tuple(sorted(schema.schemas)),
        enums=tuple(sorted(schema.enums, key=qualified)),
        domains=domains,
        composite_types=tuple(sorted(schema.composite_types, key=qualified)),
        range_types=tuple(sorted(schema.range_types, key=qualified)),
        relations=relations,
        functions=tuple(
            sorted(schema.functions, key=lambda f: (f.schema, f.name, f.identity_arguments))
        ),
        extensions=tuple(sorted(schema.extensions, key=lambda e: e.name)),
        schema_comments=dict(sorted(schema.schema_comments.items())),
    )


_Named = TypeVar(
    "_Named",
    ForeignKey,
    UniqueConstraint,
    CheckConstraint,
    ExclusionConstraint,
    Index,
    Trigger,
    Policy,
)


def _by_name(items: tuple[_Named, ...]) -> tuple[_Named, ...]:
    """``items`` in the order of their names: the same tuple when they already are, as
    nearly every collection is (most hold one item or none), and sorting each of them
    cost more than the rest of canonicalizing (the sort is stable, so nothing changes)."""
    if len(items) < 2 or all(a.name <= b.name for a, b in pairwise(items)):
        return items
    return tuple(sorted(items, key=lambda item: item.name))


_encoder = msgspec.json.Encoder(order="sorted")
_decoder = msgspec.json.Decoder(Schema)


def encode_schema(schema: Schema, *, indent: int = 2) -> bytes:
    """Canonical JSON of ``schema``: sorted keys, every field present, stable bytes.

    ``indent=0`` gives the compact form the hash is computed from.
    """
    raw = _encoder.encode(canonicalize(schema))
    if indent:
        return msgspec.json.format(raw, indent=indent) + b"\n"
    return raw


def decode_schema(data: bytes | str) -> Schema:
    """Read a Schema back from its JSON encoding; unknown or mistyped fields are errors."""
    return _decoder.decode(data)


def schema_hash(schema: Schema) -> str:
    """SHA-256 of the compact canonical JSON, as ``sha256:<hex>``."""
    return "sha256:" + hashlib.sha256(encode_schema(schema, indent=0)).hexdigest()
