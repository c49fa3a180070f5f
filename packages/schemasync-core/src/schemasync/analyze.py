"""Metrics of a schema: what ``schemasync analyze`` prints and the docs overview shows.

Pure functions over the IR, so every consumer (the command, the Markdown exporter, a plugin)
computes the same figures from the same schema.

What counts as a table here is what holds rows of its own: ordinary, partitioned and foreign
tables. Partitions are left out (they repeat their parent's columns, keys and indexes, and
are documented with it), as ``TABLES_COUNT`` of ``schema_version.py`` leaves them out.
Row-level security and primary keys only apply to ordinary and partitioned tables, so
foreign tables are left out of those two measures.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import msgspec

from schemasync import ir
from schemasync.redact import printable

__all__ = [
    "Coverage",
    "Metrics",
    "UnindexedForeignKey",
    "WideTable",
    "analyze",
    "counted_tables",
    "is_supported_by",
    "metrics_json",
    "render_metrics",
]

#: How many of the widest tables the metrics list.
WIDEST = 5


class Coverage(msgspec.Struct, frozen=True, kw_only=True):
    """``covered`` out of ``total``."""

    covered: int
    total: int

    @property
    def percent(self) -> float:
        """The share covered, 0 to 100; 100 when there is nothing to cover."""
        return 100.0 if self.total == 0 else 100.0 * self.covered / self.total

    def __str__(self) -> str:
        return f"{self.covered}/{self.total} ({self.percent:.0f}%)"


class WideTable(msgspec.Struct, frozen=True, kw_only=True):
    """A table and its number of columns."""

    schema: str
    name: str
    columns: int


class UnindexedForeignKey(msgspec.Struct, frozen=True, kw_only=True):
    """A foreign key no index can serve: deleting or updating a referenced row scans the
    whole referencing table, and joins along it cannot use an index."""

    schema: str
    table: str
    name: str
    columns: tuple[str, ...]


class Metrics(msgspec.Struct, frozen=True, kw_only=True):
    """Figures describing a schema; see the module docstring for what counts as a table."""

    schema_hash: str
    #: ``schema_version`` of the lock file for this schema, when the caller knows it.
    schema_version: int | None
    schemas: int
    tables: int
    #: Columns of the tables counted in ``tables``.
    columns: int
    views: int
    materialized_views: int
    foreign_keys: int
    #: Indexes of tables and materialized views, constraint indexes included.
    indexes: int
    enums: int
    domains: int
    composite_types: int
    #: Ordinary and partitioned tables with row-level security enabled.
    rls_enabled: Coverage
    #: Ordinary and partitioned tables with at least one policy.
    rls_with_policies: Coverage
    #: RLS enabled but no policy: every row is hidden from every role but the owner.
    rls_without_policies: tuple[str, ...]
    table_comments: Coverage
    column_comments: Coverage
    widest_tables: tuple[WideTable, ...]
    #: ``schema.name`` of ordinary and partitioned tables without a primary key.
    tables_without_primary_key: tuple[str, ...]
    foreign_keys_without_index: tuple[UnindexedForeignKey, ...]


def counted_tables(schema: ir.Schema) -> tuple[ir.Relation, ...]:
    """The tables the metrics count: ordinary, partitioned and foreign; no partitions."""
    return tuple(r for r in schema.tables if r.partition_of is None)


_QUOTED = re.compile(r'"((?:[^"]|"")*)"')


def _index_column(text: str) -> str:
    """The column an index key names: PostgreSQL prints a column as its name, quoted when
    the name needs it; an expression never matches a column name after this."""
    quoted = _QUOTED.fullmatch(text)
    return quoted.group(1).replace('""', '"') if quoted else text


def is_supported_by(fk: ir.ForeignKey, index: ir.Index) -> bool:
    """Whether ``index`` serves lookups by the columns of ``fk``: it is complete (not
    partial), a btree whose leading columns are the key's columns in any order, or a hash
    index on the key's single column."""
    if index.predicate is not None:
        return False
    keys = [_index_column(text) for text in index.columns]
    if index.method == "btree":
        return set(keys[: len(fk.columns)]) == set(fk.columns)
    return index.method == "hash" and tuple(keys) == fk.columns


def _unindexed(relation: ir.Relation) -> list[UnindexedForeignKey]:
    return [
        UnindexedForeignKey(
            schema=relation.schema, table=relation.name, name=fk.name, columns=fk.columns
        )
        for fk in relation.foreign_keys
        if not any(is_supported_by(fk, index) for index in relation.indexes)
    ]


def analyze(schema: ir.Schema, *, schema_version: int | None = None) -> Metrics:
    """Compute the metrics of ``schema``.

    :param schema: a canonical schema (the lists in the result follow its order).
    :param schema_version: the lock file's version of this schema, if known.
    :returns: the metrics.
    """
    tables = counted_tables(schema)
    secured = [t for t in tables if t.kind != "foreign_table"]
    columns = [c for t in tables for c in t.columns]
    by_width = sorted(tables, key=lambda t: (-len(t.columns), t.schema, t.name))
    return Metrics(
        schema_hash=ir.schema_hash(schema),
        schema_version=schema_version,
        schemas=len(schema.schemas),
        tables=len(tables),
        columns=len(columns),
        views=sum(1 for r in schema.relations if r.kind == "view"),
        materialized_views=sum(1 for r in schema.relations if r.kind == "materialized_view"),
        foreign_keys=sum(len(t.foreign_keys) for t in tables),
        indexes=sum(
            len(r.indexes) for r in schema.relations if r.partition_of is None and r.kind != "view"
        ),
        enums=len(schema.enums),
        domains=len(schema.domains),
        composite_types=len(schema.composite_types),
        rls_enabled=Coverage(covered=sum(t.rls_enabled for t in secured), total=len(secured)),
        rls_with_policies=Coverage(
            covered=sum(bool(t.policies) for t in secured), total=len(secured)
        ),
        rls_without_policies=tuple(
            t.qualified_name for t in secured if t.rls_enabled and not t.policies
        ),
        table_comments=Coverage(covered=sum(bool(t.comment) for t in tables), total=len(tables)),
        column_comments=Coverage(covered=sum(bool(c.comment) for c in columns), total=len(columns)),
        widest_tables=tuple(
            WideTable(schema=t.schema, name=t.name, columns=len(t.columns))
            for t in by_width[:WIDEST]
        ),
        tables_without_primary_key=tuple(
            t.qualified_name for t in secured if t.primary_key is None
        ),
        foreign_keys_without_index=tuple(fk for t in tables for fk in _unindexed(t)),
    )


def _listing(title: str, items: Sequence[str]) -> list[str]:
    if not items:
        return [f"{title}: none"]
    return [f"{title} ({len(items)}):", *(f"  {item}" for item in items)]


def render_metrics(metrics: Metrics) -> str:
    """The metrics as the terminal shows them: aligned ``label  value`` lines, then lists."""
    version: object = metrics.schema_version
    if version is None:
        version = "none: the lock file does not hold this schema (`schemasync run` records it)"
    rows = [
        ("schema hash", metrics.schema_hash),
        ("schema version", version),
        ("schemas", metrics.schemas),
        ("tables", metrics.tables),
        ("columns", metrics.columns),
        ("views", metrics.views),
        ("materialized views", metrics.materialized_views),
        ("foreign keys", metrics.foreign_keys),
        ("indexes", metrics.indexes),
        ("enums", metrics.enums),
        ("domains", metrics.domains),
        ("composite types", metrics.composite_types),
        ("RLS enabled", metrics.rls_enabled),
        ("RLS with policies", metrics.rls_with_policies),
        ("tables commented", metrics.table_comments),
        ("columns commented", metrics.column_comments),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [f"{label:<{width}}  {value}" for label, value in rows]
    lines += _listing(
        "widest tables",
        [
            f"{t.schema}.{t.name}: {t.columns} column{'s' * (t.columns != 1)}"
            for t in metrics.widest_tables
        ],
    )
    lines += _listing("tables without a primary key", metrics.tables_without_primary_key)
    lines += _listing(
        "foreign keys without an index",
        [
            f"{fk.schema}.{fk.table}.{fk.name} ({', '.join(fk.columns)})"
            for fk in metrics.foreign_keys_without_index
        ],
    )
    lines += _listing("RLS enabled without policies", metrics.rls_without_policies)
    return "".join(f"{printable(line)}\n" for line in lines)


def metrics_json(metrics: Metrics) -> str:
    """The metrics as formatted JSON (``schemasync analyze --json``), keys in field order."""
    return (msgspec.json.format(msgspec.json.encode(metrics), indent=2) + b"\n").decode()
