"""Reading a live PostgreSQL schema into the IR.

A fixed set of pg_catalog queries (never information_schema, which is slow and hides what
the role cannot use), each filtered by namespace at its root, all in one read-only
REPEATABLE READ transaction so they see one snapshot. The number of queries does not grow
with the number of tables. Objects that belong to extensions are left out.

What many rows share is read once rather than for each row: a type and collation is
spelled out once however many columns use it, and the columns of keys are named from the
columns already read. The server's time then goes to what only it can print (defaults,
checks, index and view definitions), which at 5,000 tables is most of it.
"""

from __future__ import annotations

import gc
import logging
import re
from collections import defaultdict
from collections.abc import Generator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast

import psycopg
from psycopg.rows import dict_row

from schemasync import ir
from schemasync.errors import IntrospectionError
from schemasync.sources.connect import describe_target
from schemasync.sources.sqltext import canonical_queries

__all__ = ["MIN_SERVER_VERSION", "PINNED_SETTINGS", "introspect", "pin_settings"]

log = logging.getLogger(__name__)

#: PostgreSQL 13 is the oldest release still in use that these queries are written for.
MIN_SERVER_VERSION = 130000
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")

#: Every setting that changes the text PostgreSQL prints for a default, a partition bound, a
#: view or an expression, with the value it is pinned to, so the IR (and the schema hash)
#: never depends on the client's ``PGOPTIONS``, ``PGTZ``, ``PGDATESTYLE`` or a role's own
#: settings. The values are PostgreSQL's defaults, so a client that changes nothing reads
#: what it always read. ``extra_float_digits`` is 1, the default: any positive value prints
#: the shortest text that reads back as the same float (PostgreSQL 12 and later), and zero
#: or less rounds. ``lc_monetary`` is ``C``, the one locale every server has, for ``money``
#: constants; ``lc_numeric`` changes no output of the catalog functions and is left alone.
PINNED_SETTINGS: Mapping[str, str] = {
    "TimeZone": "UTC",
    "DateStyle": "ISO, MDY",
    "IntervalStyle": "postgres",
    "extra_float_digits": "1",
    "bytea_output": "hex",
    "standard_conforming_strings": "on",
    "quote_all_identifiers": "off",
    "lc_monetary": "C",
}

Row = dict[str, Any]

# --- the queries -----------------------------------------------------------------------------
# Every query after the first takes the namespace OIDs as %(nsp)s; the type queries also take
# %(types)s, the user types of other schemas that the included objects use (Q_REFERENCED).
# Type columns are spelled the same way everywhere through _type_columns/_type_joins so
# _type_ref can read any of them.


def _type_columns(oid: str, mod: str, ndims: str) -> str:
    return f"""
        format_type({oid}, {mod}) AS type_sql,
        format_type(te.oid, {mod}) AS type_elem_sql,
        ten.nspname AS type_schema,
        te.typname AS type_name,
        te.typtype AS type_kind,
        CASE WHEN tt.oid <> te.oid THEN greatest({ndims}, 1) ELSE 0 END AS type_dims"""


def _type_joins(oid: str) -> str:
    return f"""
        JOIN pg_type tt ON tt.oid = {oid}
        JOIN pg_type te ON te.oid = CASE
            WHEN tt.typcategory = 'A' AND tt.typelem <> 0 THEN tt.typelem ELSE tt.oid END
        JOIN pg_namespace ten ON ten.oid = te.typnamespace"""


# Members of extensions. Every 'e' dependency points at an extension, so naming refclassid
# changes nothing but lets the server read pg_depend by its index on the referenced object
# instead of scanning every dependency of the database (150,000 rows at 5,000 tables).
_EXT_OWNED = """
    SELECT objid FROM pg_depend
    WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
      AND classid = '{catalog}'::regclass"""

Q_SCHEMAS = """
SELECT n.oid, n.nspname AS name, d.description AS comment,
       has_schema_privilege(n.oid, 'USAGE') AS usable
FROM pg_namespace n
LEFT JOIN pg_description d
       ON d.objoid = n.oid AND d.classoid = 'pg_namespace'::regclass AND d.objsubid = 0
WHERE n.nspname <> ALL (%(system)s)
  AND n.nspname NOT LIKE 'pg\\_temp\\_%%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%%'
  AND n.oid NOT IN ({ext})
ORDER BY n.nspname
""".format(ext=_EXT_OWNED.format(catalog="pg_namespace"))

# The user types (domains, enums, composites, ranges) defined outside the included schemas
# that their columns, attributes, domains and ranges use, directly or through arrays,
# domains, ranges, multiranges and composites: they are part of what the included tables
# mean. rngmultitypid (PostgreSQL 14+) is read through to_jsonb, as in Q_RANGES.
Q_REFERENCED = """
WITH RECURSIVE refs(oid) AS (
    SELECT a.atttypid FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    WHERE c.relnamespace = ANY(%(nsp)s) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
      AND a.attnum > 0 AND NOT a.attisdropped
    UNION SELECT t.typbasetype FROM pg_type t
    WHERE t.typnamespace = ANY(%(nsp)s) AND t.typtype = 'd'
    UNION SELECT r.rngsubtype FROM pg_range r JOIN pg_type t ON t.oid = r.rngtypid
    WHERE t.typnamespace = ANY(%(nsp)s)
    UNION
    SELECT x.oid FROM refs JOIN pg_type t ON t.oid = refs.oid
    CROSS JOIN LATERAL (
        SELECT t.typelem WHERE t.typcategory = 'A' AND t.typelem <> 0
        UNION ALL SELECT t.typbasetype WHERE t.typtype = 'd'
        UNION ALL SELECT r.rngsubtype FROM pg_range r WHERE r.rngtypid = t.oid
        UNION ALL SELECT r.rngtypid FROM pg_range r
                  WHERE t.typtype = 'm' AND (to_jsonb(r) ->> 'rngmultitypid')::oid = t.oid
        UNION ALL SELECT a.atttypid FROM pg_attribute a
                  WHERE t.typtype = 'c' AND a.attrelid = t.typrelid
                    AND a.attnum > 0 AND NOT a.attisdropped
    ) x(oid)
)
SELECT DISTINCT t.oid FROM refs
JOIN pg_type t ON t.oid = refs.oid
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_class c ON c.oid = t.typrelid
WHERE t.typnamespace <> ALL(%(nsp)s) AND n.nspname <> ALL(%(system)s)
  AND t.typtype IN ('d', 'e', 'r', 'c') AND (t.typtype <> 'c' OR c.relkind = 'c')
  AND t.oid NOT IN ({ext})
""".format(ext=_EXT_OWNED.format(catalog="pg_type"))

Q_ENUMS = """
SELECT n.nspname AS schema, t.typname AS name, d.description AS comment,
       ARRAY(SELECT e.enumlabel FROM pg_enum e
             WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_description d ON d.objoid = t.oid AND d.classoid = 'pg_type'::regclass
WHERE (t.typnamespace = ANY(%(nsp)s) OR t.oid = ANY(%(types)s)) AND t.typtype = 'e'
  AND t.oid NOT IN ({ext})
""".format(ext=_EXT_OWNED.format(catalog="pg_type"))

Q_DOMAINS = """
SELECT n.nspname AS schema, t.typname AS name, d.description AS comment,
       t.typnotnull AS not_null, t.typdefault AS default,
       CASE WHEN t.typcollation <> 0 AND t.typcollation <> tt.typcollation
            THEN coll.collname END AS collation,
       coalesce((SELECT json_agg(json_build_object(
                    'name', c.conname,
                    'expression', pg_get_expr(c.conbin, 0),
                    'validated', c.convalidated) ORDER BY c.conname)
                 FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c'),
                '[]') AS checks,
       {type_columns}
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
{type_joins}
LEFT JOIN pg_collation coll ON coll.oid = t.typcollation
LEFT JOIN pg_description d ON d.objoid = t.oid AND d.classoid = 'pg_type'::regclass
WHERE (t.typnamespace = ANY(%(nsp)s) OR t.oid = ANY(%(types)s)) AND t.typtype = 'd'
  AND t.oid NOT IN ({ext})
""".format(
    type_columns=_type_columns("t.typbasetype", "t.typtypmod", "t.typndims"),
    type_joins=_type_joins("t.typbasetype"),
    ext=_EXT_OWNED.format(catalog="pg_type"),
)

Q_COMPOSITES = """
SELECT c.oid, n.nspname AS schema, t.typname AS name, d.description AS comment
FROM pg_type t
JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_description d ON d.objoid = t.oid AND d.classoid = 'pg_type'::regclass
WHERE (t.typnamespace = ANY(%(nsp)s) OR t.oid = ANY(%(types)s)) AND t.typtype = 'c'
  AND t.oid NOT IN ({ext})
""".format(ext=_EXT_OWNED.format(catalog="pg_type"))

# rngmultitypid exists from PostgreSQL 14 on; reading it through to_jsonb keeps one query
# text for every supported version. Every type in pg_range is a range: saying typtype = 'r'
# lets the server set aside the schemas' other types (a row type and an array type for
# each table) before it looks for their comments.
Q_RANGES = """
SELECT n.nspname AS schema, t.typname AS name, d.description AS comment,
       (SELECT m.typname FROM pg_type m
        WHERE m.oid = (to_jsonb(r) ->> 'rngmultitypid')::oid) AS multirange,
       {type_columns}
FROM pg_range r
JOIN pg_type t ON t.oid = r.rngtypid
JOIN pg_namespace n ON n.oid = t.typnamespace
{type_joins}
LEFT JOIN pg_description d ON d.objoid = t.oid AND d.classoid = 'pg_type'::regclass
WHERE (t.typnamespace = ANY(%(nsp)s) OR t.oid = ANY(%(types)s)) AND t.typtype = 'r'
  AND t.oid NOT IN ({ext})
""".format(
    type_columns=_type_columns("r.rngsubtype", "-1", "0"),
    type_joins=_type_joins("r.rngsubtype"),
    ext=_EXT_OWNED.format(catalog="pg_type"),
)

# The tables and views whose constraints, indexes, triggers and policies are read: those of
# the kinds Q_RELATIONS reads (nothing else is looked up), which spares the server a look
# for each index, sequence and composite type of the schemas (two thirds of pg_class).
_OF_RELATIONS = "t.relnamespace = ANY(%(nsp)s) AND t.relkind IN ('r', 'p', 'v', 'm', 'f')"

_RELKINDS = {
    "r": "table",
    "p": "partitioned_table",
    "v": "view",
    "m": "materialized_view",
    "f": "foreign_table",
}

Q_RELATIONS = """
SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind AS relkind,
       d.description AS comment,
       c.relrowsecurity AS rls_enabled, c.relforcerowsecurity AS rls_forced,
       CASE WHEN c.relispartition THEN pn.nspname END AS parent_schema,
       CASE WHEN c.relispartition THEN p.relname END AS parent_name,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS view_definition,
       CASE WHEN c.relkind = 'v' THEN pg_relation_is_updatable(c.oid, false) END AS updatable,
       fs.srvname AS foreign_server
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
LEFT JOIN pg_inherits i ON c.relispartition AND i.inhrelid = c.oid
LEFT JOIN pg_class p ON p.oid = i.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = p.relnamespace
LEFT JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
LEFT JOIN pg_foreign_server fs ON fs.oid = ft.ftserver
WHERE c.relnamespace = ANY(%(nsp)s) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND c.oid NOT IN ({ext})
""".format(ext=_EXT_OWNED.format(catalog="pg_class"))

# The relations whose columns are read: relations of the included schemas, and composite
# types (relkind 'c') there or among the referenced types. For Q_COLUMNS and Q_COLUMN_COMMENTS.
_COLUMN_OWNERS = """
    (c.relnamespace = ANY(%(nsp)s) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
     OR c.relkind = 'c' AND c.reltype = ANY(%(types)s))"""

# Columns of relations and attributes of composite types alike, with their type and
# collation as OIDs: those repeat from column to column, so Q_COLUMN_TYPES spells each
# combination once, and comments, which few columns have, come from Q_COLUMN_COMMENTS.
# atthasdef says whether pg_attrdef holds a row, so columns without one skip the lookup.
Q_COLUMNS = f"""
SELECT a.attrelid AS relid, a.attnum AS num, a.attname AS name, a.attnotnull AS not_null,
       CASE WHEN a.atthasdef
            THEN (SELECT pg_get_expr(ad.adbin, ad.adrelid) FROM pg_attrdef ad
                  WHERE ad.adrelid = a.attrelid AND ad.adnum = a.attnum) END AS expression,
       a.attgenerated AS generated_kind,
       -- A partition's identity is its root's: PostgreSQL 17 and later copy it onto each
       -- partition, older releases do not, and the same DDL must read the same on both.
       CASE WHEN c.relispartition
            THEN (SELECT ra.attidentity FROM pg_attribute ra
                  WHERE ra.attrelid = pg_partition_root(c.oid) AND ra.attname = a.attname)
            ELSE a.attidentity END AS identity,
       a.atttypid AS type, a.atttypmod AS modifier, a.attndims AS dims,
       a.attcollation AS collation
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
WHERE {_COLUMN_OWNERS} AND a.attnum > 0 AND NOT a.attisdropped
"""

# The type and collation columns of Q_COLUMNS spelled out, for each combination in the
# arrays, in their order. The collation is named only when it differs from the type's.
Q_COLUMN_TYPES = """
SELECT {type_columns},
       CASE WHEN u.coll <> 0 AND u.coll <> tt.typcollation
            THEN CASE WHEN colln.nspname = 'pg_catalog' THEN coll.collname
                      ELSE colln.nspname || '.' || coll.collname END END AS collation
FROM unnest(%(types)s::oid[], %(modifiers)s::int4[], %(dims)s::int4[], %(collations)s::oid[])
     WITH ORDINALITY u(oid, mod, ndims, coll, ord)
{type_joins}
LEFT JOIN pg_collation coll ON coll.oid = u.coll
LEFT JOIN pg_namespace colln ON colln.oid = coll.collnamespace
ORDER BY u.ord
""".format(
    type_columns=_type_columns("u.oid", "u.mod", "u.ndims"),
    type_joins=_type_joins("u.oid"),
)

Q_COLUMN_COMMENTS = f"""
SELECT d.objoid AS relid, d.objsubid AS num, d.description AS comment
FROM pg_description d
JOIN pg_class c ON c.oid = d.objoid
WHERE d.classoid = 'pg_class'::regclass AND d.objsubid > 0 AND {_COLUMN_OWNERS}
"""

# The names of attributes by number, for the keys of constraints that Q_COLUMNS did not
# read: system columns (a CHECK may name tableoid) and the columns of tables in other
# schemas that foreign keys reference.
Q_ATTRIBUTE_NAMES = """
SELECT k.relid, k.num, a.attname AS name
FROM unnest(%(relids)s::oid[], %(nums)s::int2[]) k(relid, num)
JOIN pg_attribute a ON a.attrelid = k.relid AND a.attnum = k.num
"""


# NOT NULL constraints (contype 'n', PostgreSQL 18) are left out: the columns' nullability
# says the same on every release. conenforced and conperiod exist from PostgreSQL 18 on; the
# {enforced} and {period} placeholders read them there and their fixed values before. Keys
# are attribute numbers, named from the columns read (see _key_names). Only unique and
# exclusion constraints need pg_get_constraintdef, which costs as much as the rest together.
_Q_CONSTRAINTS = """
SELECT c.conrelid AS relid, c.conkey AS keys, c.confrelid AS ref_relid, c.confkey AS ref_keys,
       c.conname AS name, c.contype AS type, {enforced} AS enforced, {period} AS period,
       CASE WHEN c.contype IN ('u', 'x') THEN pg_get_constraintdef(c.oid) END AS definition,
       CASE WHEN c.contype = 'c' THEN pg_get_expr(c.conbin, c.conrelid) END AS expression,
       rn.nspname AS ref_schema, r.relname AS ref_table,
       c.confupdtype AS on_update, c.confdeltype AS on_delete, c.confmatchtype AS match,
       c.condeferrable AS deferrable, c.condeferred AS deferred, c.convalidated AS validated,
       c.conindid AS index
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
LEFT JOIN pg_class r ON r.oid = c.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE {of_relations} AND c.contype IN ('p', 'u', 'f', 'c', 'x')
"""


def _constraints_query(server_version: int) -> str:
    """The constraints query for a server of ``server_version`` (``server_version_num``)."""
    if server_version >= 180000:
        return _Q_CONSTRAINTS.format(
            enforced="c.conenforced", period="c.conperiod", of_relations=_OF_RELATIONS
        )
    return _Q_CONSTRAINTS.format(enforced="true", period="false", of_relations=_OF_RELATIONS)


# The constraint an index backs is named from the constraints read (their conindid).
Q_INDEXES = f"""
SELECT i.indrelid AS relid, i.indexrelid AS oid, ic.relname AS name,
       pg_get_indexdef(i.indexrelid) AS definition,
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
             FROM generate_series(1, i.indnkeyatts) k ORDER BY k) AS columns,
       am.amname AS method, i.indisunique AS unique, i.indisprimary AS primary,
       pg_get_expr(i.indpred, i.indrelid) AS predicate
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_am am ON am.oid = ic.relam
WHERE {_OF_RELATIONS}
"""

# User triggers are few beside the internal ones of foreign keys (four for each): picking
# them out of pg_trigger first (MATERIALIZED keeps the server from looking up each table's
# triggers instead) reads it once rather than once for each table.
Q_TRIGGERS = f"""
WITH tg AS MATERIALIZED (
    SELECT oid, tgrelid, tgname, tgfoid, tgtype, tgenabled FROM pg_trigger WHERE NOT tgisinternal
)
SELECT tg.tgrelid AS relid, tg.tgname AS name, pg_get_triggerdef(tg.oid) AS definition,
       pn.nspname || '.' || p.proname AS function, tg.tgtype::int AS type,
       tg.tgenabled <> 'D' AS enabled
FROM tg
JOIN pg_class t ON t.oid = tg.tgrelid
JOIN pg_proc p ON p.oid = tg.tgfoid
JOIN pg_namespace pn ON pn.oid = p.pronamespace
WHERE {_OF_RELATIONS}
"""

Q_POLICIES = f"""
SELECT pol.polrelid AS relid, pol.polname AS name, pol.polcmd AS command,
       pol.polpermissive AS permissive,
       ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'public' ELSE pg_get_userbyid(r.oid) END
             FROM unnest(pol.polroles) AS r(oid) ORDER BY 1) AS roles,
       pg_get_expr(pol.polqual, pol.polrelid) AS using,
       pg_get_expr(pol.polwithcheck, pol.polrelid) AS with_check
FROM pg_policy pol
JOIN pg_class t ON t.oid = pol.polrelid
WHERE {_OF_RELATIONS}
"""


def _type_object(oid: str) -> str:
    """A JSON object with the columns of :func:`_type_columns` for one type, no modifiers."""
    return f"""json_build_object(
            'type_sql', format_type({oid}, NULL),
            'type_elem_sql', format_type(te.oid, NULL),
            'type_schema', ten.nspname, 'type_name', te.typname, 'type_kind', te.typtype,
            'type_dims', CASE WHEN tt.oid <> te.oid THEN 1 ELSE 0 END)"""


# Callable functions and procedures only: aggregates, window functions and trigger and
# event-trigger functions are not called by name. Argument types are read with
# proallargtypes (which includes OUT and TABLE arguments) when there is one.
Q_FUNCTIONS = """
SELECT n.nspname AS schema, p.proname AS name, d.description AS comment,
       pg_get_function_identity_arguments(p.oid) AS identity_arguments,
       CASE WHEN p.prokind <> 'p' THEN pg_get_function_result(p.oid) END AS returns,
       p.prokind AS kind, p.proretset AS returns_set, l.lanname AS language,
       p.provolatile AS volatility, p.prosecdef AS security_definer,
       p.pronargdefaults AS n_defaults, p.pronargs AS n_inputs,
       coalesce(p.proargnames, '{{}}') AS arg_names,
       coalesce(p.proargmodes::text[], '{{}}') AS arg_modes,
       ARRAY(SELECT {arg_type}
             FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]))
                  WITH ORDINALITY u(t, ord)
             {arg_joins}
             ORDER BY u.ord) AS arg_types,
       CASE WHEN p.prokind <> 'p' THEN {return_type} END AS return_type
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
{return_joins}
LEFT JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass
WHERE p.pronamespace = ANY(%(nsp)s)
  AND p.prokind IN ('f', 'p')
  AND p.prorettype NOT IN ('pg_catalog.trigger'::regtype, 'pg_catalog.event_trigger'::regtype)
  AND p.oid NOT IN ({ext})
  -- Constructors PostgreSQL creates for range and multirange types depend on them
  -- internally; they are part of the type, not functions anyone wrote.
  AND NOT EXISTS (SELECT FROM pg_depend dep
                  WHERE dep.classid = 'pg_proc'::regclass AND dep.objid = p.oid
                    AND dep.deptype = 'i')
""".format(
    arg_type=_type_object("u.t"),
    arg_joins=_type_joins("u.t"),
    return_type=_type_object("p.prorettype"),
    return_joins=_type_joins("p.prorettype"),
    ext=_EXT_OWNED.format(catalog="pg_proc"),
)

Q_EXTENSIONS = """
SELECT e.extname AS name, n.nspname AS schema, e.extversion AS version
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
"""

# --- turning rows into IR --------------------------------------------------------------------

_TYPE_KINDS: dict[str, ir.TypeKind] = {
    "b": "base",
    "c": "composite",
    "d": "domain",
    "e": "enum",
    "r": "range",
    "m": "multirange",
    "p": "pseudo",
}
_MODIFIERS = re.compile(r"\((-?\d+(?:\s*,\s*-?\d+)*)\)")
_FK_ACTIONS: dict[str, ir.FkAction] = {
    "a": "no_action",
    "r": "restrict",
    "c": "cascade",
    "n": "set_null",
    "d": "set_default",
}
_FK_MATCH: dict[str, ir.FkMatch] = {"s": "simple", "f": "full", "p": "partial"}
_POLICY_COMMANDS: dict[str, ir.PolicyCommand] = {
    "*": "all",
    "r": "select",
    "a": "insert",
    "w": "update",
    "d": "delete",
}
_ARG_MODES = {"i": "in", "o": "out", "b": "inout", "v": "variadic", "t": "table"}
_FUNCTION_KINDS = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window"}
_VOLATILITY = {"i": "immutable", "s": "stable", "v": "volatile"}


class _TypeRefs:
    """Builds TypeRefs, sharing one frozen object between columns of the same type."""

    def __init__(self) -> None:
        self._cache: dict[tuple[Any, ...], ir.TypeRef] = {}

    def __call__(self, row: Row) -> ir.TypeRef:
        key = (row["type_sql"], row["type_schema"], row["type_name"], row["type_dims"])
        ref = self._cache.get(key)
        if ref is None:
            match = _MODIFIERS.search(row["type_elem_sql"])
            modifiers = tuple(int(m) for m in match.group(1).split(",")) if match else ()
            ref = ir.TypeRef(
                schema=row["type_schema"],
                name=row["type_name"],
                kind=_TYPE_KINDS.get(row["type_kind"], "base"),
                sql=row["type_sql"],
                modifiers=modifiers,
                array_dims=row["type_dims"],
            )
            self._cache[key] = ref
        return ref


_GENERATED_KINDS: dict[str, ir.GeneratedKind] = {"s": "stored", "v": "virtual"}


_IDENTITY_KINDS: dict[str, ir.IdentityKind] = {"a": "always", "d": "by_default"}


def _trigger(row: Row) -> ir.Trigger:
    # tgtype bits, from PostgreSQL's pg_trigger.h.
    bits = row["type"]
    timing = "instead_of" if bits & 64 else ("before" if bits & 2 else "after")
    events = tuple(
        name
        for bit, name in ((4, "insert"), (16, "update"), (8, "delete"), (32, "truncate"))
        if bits & bit
    )
    return ir.Trigger(
        name=row["name"],
        definition=row["definition"],
        function=row["function"],
        timing=timing,  # type: ignore[arg-type]
        events=events,  # type: ignore[arg-type]
        level="row" if bits & 1 else "statement",
        enabled=row["enabled"],
    )


def _function(row: Row, type_ref: _TypeRefs) -> ir.Function:
    refs = [type_ref(arg) for arg in row["arg_types"]]
    types = [ref.sql for ref in refs]
    names: list[str] = row["arg_names"]
    modes: list[str] = row["arg_modes"] or ["i"] * len(types)
    inputs = [i for i, mode in enumerate(modes) if mode in ("i", "b", "v")]
    # Defaults belong to the last n_defaults input arguments.
    defaulted: set[int] = (
        set(inputs[len(inputs) - row["n_defaults"] :]) if row["n_defaults"] else set()
    )
    arguments = tuple(
        ir.FunctionArgument(
            name=(names[i] if i < len(names) and names[i] else None),
            type=type_sql,
            mode=_ARG_MODES[modes[i]],  # type: ignore[arg-type]
            has_default=i in defaulted,
            type_ref=refs[i],
        )
        for i, type_sql in enumerate(types)
    )
    return ir.Function(
        schema=row["schema"],
        name=row["name"],
        identity_arguments=row["identity_arguments"],
        arguments=arguments,
        returns=row["returns"],
        kind=_FUNCTION_KINDS[row["kind"]],  # type: ignore[arg-type]
        returns_set=row["returns_set"],
        language=row["language"],
        volatility=_VOLATILITY[row["volatility"]],  # type: ignore[arg-type]
        security_definer=row["security_definer"],
        comment=row["comment"],
        return_type=type_ref(row["return_type"]) if row["return_type"] else None,
    )


class _Catalog:
    """Runs the queries on one connection, inside the caller's transaction."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def fetch(self, query: str, params: dict[str, Any] | None = None) -> list[Row]:
        with self.conn.cursor(row_factory=dict_row) as cur:
            cur.execute(query.encode(), params)
            return cur.fetchall()

    def fetch_tuples(
        self, query: str, params: dict[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """Rows as tuples, for the queries with a row per column or per constraint: making
        a dict of each row costs more than the rest of their reading (0.2 s at 5,000 tables)."""
        with self.conn.cursor() as cur:
            cur.execute(query.encode(), params)
            return cur.fetchall()


def _select_schemas(
    rows: list[Row], include: Sequence[str], exclude: Sequence[str], role: str, target: str
) -> list[Row]:
    by_name = {row["name"]: row for row in rows}
    if include:
        missing = [name for name in include if name not in by_name]
        if missing:
            known = ", ".join(sorted(by_name)) or "none"
            raise IntrospectionError(
                f"schema {missing[0]!r} does not exist in {target} (schemas there: {known})",
                hint="fix include_schemas in the config or --schema",
            )
        chosen: list[Row] = [by_name[name] for name in include if name not in exclude]
        for row in chosen:
            if not row["usable"]:
                name = row["name"]
                raise IntrospectionError(
                    f"role {role!r} has no USAGE privilege on schema {name!r}",
                    hint=f"run GRANT USAGE ON SCHEMA {name} TO {role}, "
                    "or leave the schema out of include_schemas",
                )
        return chosen
    chosen = []
    for row in rows:
        if row["name"] in exclude:
            continue
        if not row["usable"]:
            log.warning(
                "skipped schema %r: role %r has no USAGE privilege on it (grant it, or "
                "add the schema to exclude_schemas to silence this)",
                row["name"],
                role,
            )
            continue
        chosen.append(row)
    return chosen


def introspect(
    conn: psycopg.Connection[Any],
    *,
    include_schemas: Sequence[str] = (),
    exclude_schemas: Sequence[str] = (),
    statement_timeout_ms: int = 30_000,
    lock_timeout_ms: int = 5_000,
) -> ir.Schema:
    """Read the schema behind ``conn`` into the IR.

    :param conn: an open connection; it must not be inside a transaction.
    :param include_schemas: schemas to read; empty means every user schema.
    :param exclude_schemas: schemas to leave out.
    :param statement_timeout_ms: limit for each query.
    :param lock_timeout_ms: how long to wait for a lock another session holds.
    :returns: the schema, in canonical order.
    :raises IntrospectionError: unsupported server, missing schema or privilege, timeout.
    """
    target = describe_target(conn.info.dsn)
    if conn.info.server_version < MIN_SERVER_VERSION:
        raise IntrospectionError(
            f"{target} runs PostgreSQL {conn.info.server_version // 10000}; "
            "schemasync needs PostgreSQL 13 or newer"
        )
    try:
        conn.read_only = True
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with _collector_paused(), conn.transaction():
            catalog = _Catalog(conn)
            # With only pg_catalog on the search path, format_type, pg_get_expr and
            # pg_get_viewdef qualify every user object, so the text they print does not
            # depend on the role's own search_path. No JIT: the recursive query of the
            # types referenced is estimated at millions of rows once the catalog has
            # statistics, and compiling it took 0.4 s of a 0.45 s query at 1,000 tables.
            pin_settings(
                conn,
                {
                    **PINNED_SETTINGS,
                    "statement_timeout": str(statement_timeout_ms),
                    "lock_timeout": str(lock_timeout_ms),
                    "search_path": "pg_catalog",
                    "jit": "off",
                },
                local=True,
            )
            return _read(catalog, include_schemas, exclude_schemas, target)
    except psycopg.errors.LockNotAvailable as exc:
        raise IntrospectionError(
            f"reading the schema of {target} waited longer than lock_timeout "
            f"({lock_timeout_ms / 1000:g} s) for a lock {_blockers(conn)}",
            hint="wait for that session to finish (or end it), or raise lock_timeout in the config",
        ) from exc
    except psycopg.errors.QueryCanceled as exc:
        raise IntrospectionError(
            f"reading the schema of {target} took longer than the statement timeout "
            f"({statement_timeout_ms / 1000:g} s)",
            hint="raise statement_timeout in the config",
        ) from exc
    except psycopg.errors.InsufficientPrivilege as exc:
        raise IntrospectionError(
            f"the role may not read the catalog of {target}: {exc.diag.message_primary}",
            hint="connect as a role that owns the schema, or grant it the privilege named",
        ) from exc
    except psycopg.OperationalError as exc:
        raise IntrospectionError(f"lost the connection to {target}: {exc}") from exc


@contextmanager
def _collector_paused() -> Generator[None, None, None]:
    """Pause the cyclic garbage collector while the schema is read: the rows fetched make
    hundreds of thousands of objects, none in a cycle, and the collections their making
    sets off, each going over every object alive, took a fifth of the time spent in
    Python at 5,000 tables. A caller that had paused it finds it paused still."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _blockers(conn: psycopg.Connection[Any]) -> str:
    """Who holds the locks that stopped us: the relations and the sessions, or a generic
    phrase when that cannot be read (the session may have gone meanwhile)."""
    try:
        rows = conn.execute(
            "SELECT (SELECT n.nspname || '.' || c.relname FROM pg_catalog.pg_class c"
            " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = l.relation),"
            " a.pid, a.usename, a.application_name,"
            " a.state FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a USING (pid)"
            " WHERE l.granted AND l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'"
            " AND l.database = (SELECT oid FROM pg_catalog.pg_database"
            " WHERE datname = current_database()) AND l.pid <> pg_backend_pid()"
            " ORDER BY 1, 2"
        ).fetchall()
    except psycopg.Error:
        return "another session holds"
    if not rows:
        return "another session held"
    held = "; ".join(
        f"{relation} by process {pid} (user {user}, application {app or '-'}, {state})"
        for relation, pid, user, app, state in rows
    )
    return f"held on {held}"


def pin_settings(
    conn: psycopg.Connection[Any],
    settings: Mapping[str, str] = PINNED_SETTINGS,
    *,
    local: bool = False,
) -> None:
    """Set ``settings`` on ``conn``: for the current transaction when ``local``, else for
    the session (what applying migrations needs, as their text is read in these settings)."""
    names = list(settings)
    calls = ", ".join(
        f"set_config(%(n{i})s, %(v{i})s, {str(local).lower()})" for i in range(len(names))
    )
    params = {f"n{i}": name for i, name in enumerate(names)}
    params.update({f"v{i}": settings[name] for i, name in enumerate(names)})
    with conn.cursor() as cur:
        cur.execute(f"SELECT {calls}".encode(), params)


def _read(
    catalog: _Catalog, include: Sequence[str], exclude: Sequence[str], target: str
) -> ir.Schema:
    role = catalog.conn.info.user
    schema_rows = _select_schemas(
        catalog.fetch(Q_SCHEMAS, {"system": list(SYSTEM_SCHEMAS)}), include, exclude, role, target
    )
    nsp = [row["oid"] for row in schema_rows]
    referenced = catalog.fetch(Q_REFERENCED, {"nsp": nsp, "system": list(SYSTEM_SCHEMAS)})
    params = {"nsp": nsp, "types": [row["oid"] for row in referenced]}
    type_ref = _TypeRefs()

    columns, names = _columns(catalog, params, type_ref)

    constraint_rows = catalog.fetch_tuples(
        _constraints_query(catalog.conn.info.server_version), params
    )
    # Each row starts with its relation and key, then the referenced relation and key.
    keys = [(row[0], row[1]) for row in constraint_rows]
    keys += [(row[2], row[3]) for row in constraint_rows]
    _name_other_keys(catalog, names, keys)
    by_rel: dict[str, dict[int, list[Any]]] = defaultdict(lambda: defaultdict(list))
    primary: dict[int, ir.PrimaryKey] = {}
    index_constraints: dict[tuple[int, int], str] = {}
    for (
        relid,
        nums,
        ref_relid,
        ref_nums,
        name,
        kind,
        enforced,
        period,
        definition,
        expression,
        ref_schema,
        ref_table,
        on_update,
        on_delete,
        match,
        deferrable,
        deferred,
        validated,
        index,
    ) in constraint_rows:
        key_names = _key_names(names, relid, nums)
        if kind in ("p", "u", "x"):
            index_constraints[relid, index] = name
        if kind == "p":
            primary[relid] = ir.PrimaryKey(name=name, columns=key_names, without_overlaps=period)
        elif kind == "u":
            by_rel["unique"][relid].append(
                ir.UniqueConstraint(
                    name=name,
                    columns=key_names,
                    nulls_not_distinct="NULLS NOT DISTINCT" in definition,
                    deferrable=deferrable,
                    initially_deferred=deferred,
                    without_overlaps=period,
                )
            )
        elif kind == "f":
            by_rel["fk"][relid].append(
                ir.ForeignKey(
                    name=name,
                    columns=key_names,
                    ref_schema=ref_schema,
                    ref_table=ref_table,
                    ref_columns=_key_names(names, ref_relid, ref_nums),
                    on_update=_FK_ACTIONS[on_update],
                    on_delete=_FK_ACTIONS[on_delete],
                    match=_FK_MATCH[match],
                    deferrable=deferrable,
                    initially_deferred=deferred,
                    validated=validated,
                    enforced=enforced,
                    period=period,
                )
            )
        elif kind == "c":
            by_rel["check"][relid].append(
                ir.CheckConstraint(
                    name=name,
                    expression=expression,
                    validated=validated,
                    columns=tuple(sorted(key_names)),
                    enforced=enforced,
                )
            )
        else:
            by_rel["exclude"][relid].append(
                ir.ExclusionConstraint(name=name, definition=definition)
            )
    for row in catalog.fetch(Q_INDEXES, params):
        by_rel["index"][row["relid"]].append(
            ir.Index(
                name=row["name"],
                definition=row["definition"],
                columns=tuple(row["columns"]),
                method=row["method"],
                unique=row["unique"],
                primary=row["primary"],
                predicate=row["predicate"],
                constraint=index_constraints.get((row["relid"], row["oid"])),
            )
        )
    for row in catalog.fetch(Q_TRIGGERS, params):
        by_rel["trigger"][row["relid"]].append(_trigger(row))
    for row in catalog.fetch(Q_POLICIES, params):
        by_rel["policy"][row["relid"]].append(
            ir.Policy(
                name=row["name"],
                command=_POLICY_COMMANDS[row["command"]],
                permissive=row["permissive"],
                roles=tuple(row["roles"]),
                using=row["using"],
                with_check=row["with_check"],
            )
        )

    relation_rows = catalog.fetch(Q_RELATIONS, params)
    partitions: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in relation_rows:
        if row["parent_name"] is not None:
            parent = (row["parent_schema"], row["parent_name"])
            partitions[parent].append(f"{row['schema']}.{row['name']}")
    views = canonical_queries(r["view_definition"] for r in relation_rows if r["view_definition"])
    relations = [
        _relation(row, columns, primary, by_rel, partitions, views=views) for row in relation_rows
    ]

    composites = [
        ir.CompositeType(
            schema=row["schema"],
            name=row["name"],
            comment=row["comment"],
            attributes=tuple(
                ir.CompositeAttribute(
                    name=col.name, type=col.type, collation=col.collation, comment=col.comment
                )
                for col in columns.get(row["oid"], ())
            ),
        )
        for row in catalog.fetch(Q_COMPOSITES, params)
    ]
    domains = [
        ir.Domain(
            schema=row["schema"],
            name=row["name"],
            base_type=type_ref(row),
            not_null=row["not_null"],
            default=row["default"],
            collation=row["collation"],
            checks=tuple(ir.CheckConstraint(**check) for check in row["checks"]),
            comment=row["comment"],
        )
        for row in catalog.fetch(Q_DOMAINS, params)
    ]
    enums = [
        ir.Enum(
            schema=row["schema"],
            name=row["name"],
            labels=tuple(row["labels"]),
            comment=row["comment"],
        )
        for row in catalog.fetch(Q_ENUMS, params)
    ]
    ranges = [
        ir.RangeType(
            schema=row["schema"],
            name=row["name"],
            subtype=type_ref(row),
            multirange=row["multirange"],
            comment=row["comment"],
        )
        for row in catalog.fetch(Q_RANGES, params)
    ]
    functions = [_function(row, type_ref) for row in catalog.fetch(Q_FUNCTIONS, params)]
    extensions = [ir.Extension(**row) for row in catalog.fetch(Q_EXTENSIONS)]

    return ir.canonicalize(
        ir.Schema(
            schemas=tuple(row["name"] for row in schema_rows),
            enums=tuple(enums),
            domains=tuple(domains),
            composite_types=tuple(composites),
            range_types=tuple(ranges),
            relations=tuple(relations),
            functions=tuple(functions),
            extensions=tuple(extensions),
            schema_comments={row["name"]: row["comment"] for row in schema_rows if row["comment"]},
        )
    )


#: Attribute names by relation OID, then attribute number.
_Names = dict[int, dict[int, str]]


def _columns(
    catalog: _Catalog, params: dict[str, Any], type_ref: _TypeRefs
) -> tuple[dict[int, list[ir.Column]], _Names]:
    """The columns of each relation (and attributes of each composite type) by its OID, in
    order, and their names."""
    rows = catalog.fetch_tuples(Q_COLUMNS, params)
    rows.sort()  # by relation, then attribute number: the columns' order
    # The last four columns of a row: type, modifier, dimensions and collation.
    combinations = sorted({row[7:] for row in rows})
    spelled = catalog.fetch(
        Q_COLUMN_TYPES,
        {
            "types": [combination[0] for combination in combinations],
            "modifiers": [combination[1] for combination in combinations],
            "dims": [combination[2] for combination in combinations],
            "collations": [combination[3] for combination in combinations],
        },
    )
    types = {
        combination: (type_ref(row), row["collation"])
        for combination, row in zip(combinations, spelled, strict=True)
    }
    comments = {
        (relid, num): comment
        for relid, num, comment in catalog.fetch_tuples(Q_COLUMN_COMMENTS, params)
    }
    columns: dict[int, list[ir.Column]] = defaultdict(list)
    names: _Names = defaultdict(dict)
    for relid, num, name, not_null, expression, generated_kind, identity, *combination in rows:
        type_, collation = types[tuple(combination)]
        generated = generated_kind != ""
        columns[relid].append(
            ir.Column(
                name=name,
                type=type_,
                nullable=not not_null,
                default=None if generated else expression,
                identity=_IDENTITY_KINDS.get(identity),
                generated=expression if generated else None,
                collation=collation,
                comment=comments.get((relid, num)),
                generated_kind=_GENERATED_KINDS.get(generated_kind),
            )
        )
        names[relid][num] = name
    return columns, names


def _name_other_keys(
    catalog: _Catalog, names: _Names, keys: list[tuple[int, list[int] | None]]
) -> None:
    """Add to ``names`` the attributes that ``keys`` (relation OID, attribute numbers) use
    beyond the columns read: one query, made only when there are some."""
    # Number 0 stands for an expression (in an exclusion constraint) and names no attribute.
    missing = sorted(
        {
            (relid, num)
            for relid, nums in keys
            if nums
            for num in nums
            if num != 0 and num not in names.get(relid, ())
        }
    )
    if missing:
        params = {"relids": [relid for relid, _ in missing], "nums": [num for _, num in missing]}
        for relid, num, name in catalog.fetch_tuples(Q_ATTRIBUTE_NAMES, params):
            names.setdefault(relid, {})[num] = name


def _key_names(names: _Names, relid: int, nums: list[int] | None) -> tuple[str, ...]:
    """The names of a key's attributes, in the key's order; numbers without an attribute
    (expressions) are left out."""
    if not nums:
        return ()
    known = names.get(relid, {})
    return tuple(known[num] for num in nums if num in known)


def _relation(
    row: Row,
    columns: dict[int, list[ir.Column]],
    primary: dict[int, ir.PrimaryKey],
    by_rel: dict[str, dict[int, list[Any]]],
    partitions: dict[tuple[str, str], list[str]],
    *,
    views: dict[str, str],
) -> ir.Relation:
    relid = row["oid"]
    kind = cast(ir.RelationKind, _RELKINDS[row["relkind"]])
    # pg_relation_is_updatable bits: 1 << CMD_UPDATE (2), CMD_INSERT (3), CMD_DELETE (4).
    events = row["updatable"] if kind == "view" else (0 if kind == "materialized_view" else 28)
    partition_of = None
    if row["parent_name"] is not None:
        partition_of = ir.Partition(
            parent_schema=row["parent_schema"], parent_name=row["parent_name"], bound=row["bound"]
        )
    return ir.Relation(
        schema=row["schema"],
        name=row["name"],
        kind=kind,
        columns=tuple(columns.get(relid, ())),
        comment=row["comment"],
        primary_key=primary.get(relid),
        foreign_keys=tuple(by_rel["fk"].get(relid, ())),
        unique_constraints=tuple(by_rel["unique"].get(relid, ())),
        check_constraints=tuple(by_rel["check"].get(relid, ())),
        exclusion_constraints=tuple(by_rel["exclude"].get(relid, ())),
        indexes=tuple(by_rel["index"].get(relid, ())),
        triggers=tuple(by_rel["trigger"].get(relid, ())),
        rls_enabled=row["rls_enabled"],
        rls_forced=row["rls_forced"],
        policies=tuple(by_rel["policy"].get(relid, ())),
        partition_of=partition_of,
        partition_key=row["partition_key"],
        partitions=tuple(partitions.get((row["schema"], row["name"]), ())),
        view_definition=views[row["view_definition"]] if row["view_definition"] else None,
        insertable=bool(events & 8),
        updatable=bool(events & 4),
        deletable=bool(events & 16),
        foreign_server=row["foreign_server"],
    )
