"""The pages: the overview, one page per table and view, and the type pages.

Each function returns a page's Markdown without its header. Every user-supplied string
goes through :mod:`schemasync_docs.markdown`; every link comes from
:class:`~schemasync_docs.site.Site`, so it points at a page and anchor this run writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from schemasync import ir
from schemasync.analyze import Metrics, counted_tables
from schemasync_docs.markdown import code, fence, link, text
from schemasync_docs.mermaid import er_diagram
from schemasync_docs.site import (
    COMPOSITES,
    DOMAINS,
    ENUMS,
    FUNCTIONS,
    OVERVIEW,
    Site,
    column_anchor,
    fk_anchor,
    function_anchor,
    type_anchor,
)

__all__ = [
    "composites_page",
    "domains_page",
    "enums_page",
    "functions_page",
    "overview_page",
    "relation_page",
]

KIND_LABELS: dict[ir.RelationKind, str] = {
    "table": "Table",
    "partitioned_table": "Partitioned table",
    "view": "View",
    "materialized_view": "Materialized view",
    "foreign_table": "Foreign table",
}
_ACTIONS: dict[ir.FkAction, str] = {
    "no_action": "no action",
    "restrict": "restrict",
    "cascade": "cascade",
    "set_null": "set null",
    "set_default": "set default",
}


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A GitHub table; cells must already be escaped (one line, no bare pipe)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _anchor(anchor: str) -> str:
    return f'<a id="{anchor}"></a>'


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _names(columns: Iterable[str]) -> str:
    return ", ".join(code(c) for c in columns)


def _comment(comment: str | None) -> str:
    return text(comment) if comment else "*No comment.*"


def _type_cell(site: Site, page: str, ref: ir.TypeRef) -> str:
    return link(code(ref.sql), site.type_url(page, ref))


def _back(page: str) -> str:
    return f"[Overview]({Site.url(page, OVERVIEW)})"


# --- a table or view ---------------------------------------------------------------------


def relation_page(site: Site, rel: ir.Relation) -> str:
    """The page of a table or view."""
    page = site.pages[(rel.schema, rel.name)]
    kind = KIND_LABELS[rel.kind]
    parts = [
        f"# {kind} {text(rel.qualified_name)}",
        f"{_back(page)} · {kind.lower()} in schema {code(rel.schema)}",
        _comment(rel.comment),
    ]
    parts += _placement(site, page, rel)
    parts += ["## Columns", _columns(site, page, rel)]
    if not rel.is_view:
        parts += _constraints(site, page, rel)
    if rel.indexes:
        parts += ["## Indexes", _indexes(rel)]
    if rel.triggers:
        parts += ["## Triggers", _triggers(rel)]
    if rel.kind in ("table", "partitioned_table"):
        parts += _security(rel)
    if rel.is_view:
        parts += _view(rel)
    parts += _relationships(site, page, rel)
    referencing = site.referenced_by.get((rel.schema, rel.name), [])
    if referencing:
        rows = [
            (
                site.relation_link(page, child.schema, child.name),
                link(
                    code(fk.name),
                    site.url(page, site.pages[(child.schema, child.name)], fk_anchor(fk.name)),
                ),
                _names(fk.columns),
                _names(fk.ref_columns),
            )
            for child, fk in referencing
        ]
        parts += [
            "## Referenced by",
            table(("Table", "Foreign key", "Columns", "Referenced columns"), rows),
        ]
    if not rel.is_view and rel.partition_of is None:
        parts += ["## Relationships", _neighbourhood(site, rel)]
    return "\n\n".join(parts) + "\n"


def _placement(site: Site, page: str, rel: ir.Relation) -> list[str]:
    lines: list[str] = []
    if rel.partition_of is not None:
        parent = rel.partition_of
        lines.append(
            f"Partition of {site.relation_link(page, parent.parent_schema, parent.parent_name)}"
            f" for {code(parent.bound)}."
        )
    if rel.partition_key is not None:
        lines.append(f"Partitioned by {code(rel.partition_key)}.")
    if rel.partitions:
        links = [site.qualified_link(page, name) for name in rel.partitions]
        lines.append("Partitions: " + ", ".join(links) + ".")
    if rel.foreign_server is not None:
        lines.append(f"Foreign table on server {code(rel.foreign_server)}.")
    if rel.kind == "view":
        allowed = [
            verb
            for verb, flag in (
                ("INSERT", rel.insertable),
                ("UPDATE", rel.updatable),
                ("DELETE", rel.deletable),
            )
            if flag
        ]
        lines.append(
            f"Accepts {', '.join(allowed)}."
            if allowed
            else "Read-only: no INSERT, UPDATE or DELETE."
        )
    return lines


def _columns(site: Site, page: str, rel: ir.Relation) -> str:
    rows: list[tuple[str, ...]] = []
    for column in rel.columns:
        if column.identity is not None:
            special = "identity, " + ("always" if column.identity == "always" else "by default")
        elif column.generated is not None:
            special = f"generated ({column.generated_kind or 'stored'}): {code(column.generated)}"
        else:
            special = ""
        keys: list[str] = []
        for fk in rel.foreign_keys:
            if column.name in fk.columns:
                ref_column = fk.ref_columns[fk.columns.index(column.name)]
                target = site.relation_link(page, fk.ref_schema, fk.ref_table, ref_column)
                keys.append(f"[{text(fk.name)}](#{fk_anchor(fk.name)}) → {target}")
        rows.append(
            (
                _anchor(column_anchor(column.name)) + text(column.name),
                _type_cell(site, page, column.type),
                _yes(column.nullable),
                code(column.default) if column.default is not None else "",
                special,
                "<br>".join(keys),
                text(column.comment or ""),
            )
        )
    headers = ("Column", "Type", "Nullable", "Default", "Identity / generated",
               "Foreign key", "Comment")  # fmt: skip
    return table(headers, rows)


def _constraints(site: Site, page: str, rel: ir.Relation) -> list[str]:
    parts = ["## Primary key"]
    if rel.primary_key is None:
        parts.append("*None.*")
    else:
        key = rel.primary_key
        overlaps = " (without overlaps)" if key.without_overlaps else ""
        parts.append(f"{code(key.name)}: {_names(key.columns)}{overlaps}")
    if rel.foreign_keys:
        headers = ("Name", "Columns", "References", "On update", "On delete", "Options")
        parts += ["## Foreign keys", table(headers, _foreign_keys(site, page, rel))]
    if rel.unique_constraints:
        uniques = [
            (
                code(unique.name),
                _names(unique.columns),
                ", ".join(
                    (["nulls not distinct"] if unique.nulls_not_distinct else [])
                    + (["without overlaps"] if unique.without_overlaps else [])
                    + _deferral(unique.deferrable, unique.initially_deferred)
                ),
            )
            for unique in rel.unique_constraints
        ]
        parts += ["## Unique constraints", table(("Name", "Columns", "Options"), uniques)]
    if rel.check_constraints:
        checks = [
            (
                code(check.name),
                code(check.expression),
                _yes(check.validated) if check.enforced else "not enforced",
            )
            for check in rel.check_constraints
        ]
        parts += ["## Check constraints", table(("Name", "Expression", "Validated"), checks)]
    if rel.exclusion_constraints:
        exclusions = [(code(x.name), code(x.definition)) for x in rel.exclusion_constraints]
        parts += ["## Exclusion constraints", table(("Name", "Definition"), exclusions)]
    return parts


def _deferral(deferrable: bool, initially_deferred: bool) -> list[str]:
    if not deferrable:
        return []
    return ["deferrable, initially deferred" if initially_deferred else "deferrable"]


def _foreign_keys(site: Site, page: str, rel: ir.Relation) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for fk in rel.foreign_keys:
        notes = [f"match {fk.match}"] if fk.match != "simple" else []
        notes += _deferral(fk.deferrable, fk.initially_deferred)
        if fk.period:
            notes.append("period")
        if not fk.enforced:
            notes.append("not enforced")
        elif not fk.validated:
            notes.append("not valid")
        target = site.relation_link(page, fk.ref_schema, fk.ref_table)
        rows.append(
            (
                _anchor(fk_anchor(fk.name)) + code(fk.name),
                _names(fk.columns),
                f"{target} ({_names(fk.ref_columns)})",
                _ACTIONS[fk.on_update],
                _ACTIONS[fk.on_delete],
                ", ".join(notes),
            )
        )
    return rows


def _indexes(rel: ir.Relation) -> str:
    rows = [
        (
            code(index.name),
            _names(index.columns),
            text(index.method),
            _yes(index.unique),
            code(index.predicate) if index.predicate is not None else "",
            code(index.constraint) if index.constraint is not None else "",
        )
        for index in rel.indexes
    ]
    return table(("Name", "Columns", "Method", "Unique", "Where", "Constraint"), rows)


def _triggers(rel: ir.Relation) -> str:
    rows = [
        (
            code(trigger.name),
            text(trigger.timing.replace("_", " ")),
            text(", ".join(trigger.events)),
            text(trigger.level),
            code(trigger.function),
            _yes(trigger.enabled),
        )
        for trigger in rel.triggers
    ]
    return table(("Name", "When", "Events", "For each", "Function", "Enabled"), rows)


def _security(rel: ir.Relation) -> list[str]:
    if rel.rls_enabled:
        status = "**Enabled**" + (", forced for the table owner too." if rel.rls_forced else ".")
    else:
        status = "**Disabled**: every role with table privileges sees every row."
    parts = ["## Row-level security", status]
    if rel.rls_enabled and not rel.policies:
        parts.append("No policy: no role but the owner sees or changes any row.")
    for policy in rel.policies:
        parts.append(f"### Policy {text(policy.name)}")
        kind = "permissive" if policy.permissive else "restrictive"
        roles = ", ".join(code(role) for role in policy.roles)
        parts.append(table(("Command", "Type", "Roles"), [(policy.command.upper(), kind, roles)]))
        if policy.using is not None:
            parts += ["USING:", fence(policy.using)]
        if policy.with_check is not None:
            parts += ["WITH CHECK:", fence(policy.with_check)]
    return parts


def _relationships(site: Site, page: str, rel: ir.Relation) -> list[str]:
    """Every foreign key touching the relation, both ways, as PostgREST embeds them."""
    found = site.relationships.get((rel.schema, rel.name), ())
    if not found:
        return []
    rows: list[tuple[str, ...]] = []
    for r in found:
        holder = (rel.schema, rel.name) if r.direction == "outgoing" else r.key_holder
        holder_page = site.pages.get(holder)
        via = code(r.constraint)
        if holder_page is not None:
            via = link(via, site.url(page, holder_page, fk_anchor(r.constraint)))
        if r.direction == "outgoing":
            rows_label = "one-to-one" if r.one_to_one else "many-to-one"
        else:
            rows_label = "one-to-one" if r.one_to_one else "one-to-many"
        rows.append(
            (
                site.relation_link(page, r.related_schema, r.related_relation),
                via,
                _names(r.columns),
                _names(r.related_columns),
                rows_label,
            )
        )
    headers = ("Related", "Foreign key", "Columns", "Related columns", "Rows")
    return ["## Related tables", table(headers, rows)]


def _view(rel: ir.Relation) -> list[str]:
    if rel.view_definition is None:
        return []
    return ["## Definition", fence(rel.view_definition)]


def _neighbourhood(site: Site, rel: ir.Relation) -> str:
    """The table, the tables it references and the tables referencing it."""
    key = (rel.schema, rel.name)
    neighbours: dict[tuple[str, str], ir.Relation] = {key: rel}
    for fk in rel.foreign_keys:
        parent = site.relations.get((fk.ref_schema, fk.ref_table))
        if parent is not None:
            neighbours.setdefault((parent.schema, parent.name), parent)
    referencing = site.referenced_by.get(key, [])
    for child, _ in referencing:
        neighbours.setdefault((child.schema, child.name), child)
    # Only the keys that touch this table: its own, and those of others pointing at it.
    children = {(child.schema, child.name): child for child, _ in referencing}
    children.pop(key, None)
    diagram = er_diagram(
        sorted(neighbours.values(), key=lambda r: (r.schema, r.name)),
        site.relations,
        full=[rel],
        edges_of=[rel, *children.values()],
        keep=lambda child, fk: child is rel or (fk.ref_schema, fk.ref_table) == key,
    )
    return fence(diagram, "mermaid")


# --- the overview --------------------------------------------------------------------------


def overview_page(site: Site, metrics: Metrics, *, tool_version: str, max_tables: int) -> str:
    """The folder's front page: every schema's objects, the metrics, the ER diagrams."""
    schema = site.schema
    version = "—" if metrics.schema_version is None else str(metrics.schema_version)
    parts = [
        "# Database schema",
        table(
            ("Schema version", "Schema hash", "Generated by"),
            [(version, code(metrics.schema_hash), f"schemasync {tool_version}")],
        ),
        "Pages: " + ", ".join(_type_pages(schema)),
        "## Schemas",
    ]
    for name in schema.schemas:
        parts += _schema_section(site, name)
    for name in _referenced_schemas(schema):
        parts += _schema_section(site, name, referenced=True)
    parts += ["## Metrics", *_metrics(site, metrics)]
    parts += ["## Entity-relationship diagrams", *_diagrams(site, max_tables)]
    return "\n\n".join(parts) + "\n"


def _type_pages(schema: ir.Schema) -> list[str]:
    pages = [
        ("Enums", ENUMS, bool(schema.enums)),
        ("Domains", DOMAINS, bool(schema.domains)),
        ("Composite types", COMPOSITES, bool(schema.composite_types)),
        ("Functions", FUNCTIONS, bool(schema.functions)),
    ]
    found = [f"[{label}]({page})" for label, page, present in pages if present]
    return found or ["*no enums, domains, composite types or functions*"]


def _referenced_schemas(schema: ir.Schema) -> list[str]:
    """Schemas not read whose types the schemas read use (see :func:`_origin`)."""
    names = {e.schema for e in schema.enums} | {d.schema for d in schema.domains}
    names |= {c.schema for c in schema.composite_types} | {r.schema for r in schema.range_types}
    return sorted(names - set(schema.schemas))


def _origin(site: Site, schema: str) -> list[str]:
    """Where a type from a schema that is not read comes from, said once per type."""
    if schema in site.schema.schemas:
        return []
    return [
        f"Defined in schema {code(schema)}, which is not among the schemas read: "
        "it is documented here because the schemas read use it."
    ]


def _schema_section(site: Site, name: str, *, referenced: bool = False) -> list[str]:
    schema = site.schema
    parts = [f"### Schema {text(name)}"]
    if referenced:
        parts[0] += " (types used from it only)"
        parts.append(
            "Not among the schemas read; the types below are read because the schemas "
            "read use them."
        )
    if name in schema.schema_comments:
        parts.append(text(schema.schema_comments[name]))
    relations = [r for r in schema.relations if r.schema == name]
    if relations:
        rows: list[tuple[str, ...]] = []
        for rel in relations:
            kind = KIND_LABELS[rel.kind].lower()
            if rel.partition_of is not None:
                kind = "partition"
            rows.append(
                (
                    site.relation_link(OVERVIEW, rel.schema, rel.name),
                    kind,
                    str(len(rel.columns)),
                    text(rel.comment or ""),
                )
            )
        parts.append(table(("Name", "Kind", "Columns", "Comment"), rows))
    for label, items in (
        ("Enums", [e for e in schema.enums if e.schema == name]),
        ("Domains", [d for d in schema.domains if d.schema == name]),
        ("Composite types", [c for c in schema.composite_types if c.schema == name]),
    ):
        if items:
            links: list[str] = []
            for item in items:
                page, anchor = site.types[(item.schema, item.name)]
                links.append(f"[{text(item.name)}]({page}#{anchor})")
            parts.append(f"{label}: " + ", ".join(links))
    ranges = [r for r in schema.range_types if r.schema == name]
    if ranges:
        parts.append("Range types: " + ", ".join(code(r.name) for r in ranges))
    if len(parts) == 1:
        parts.append("*Empty.*")
    return parts


def _metrics(site: Site, metrics: Metrics) -> list[str]:
    rows = [
        ("Tables", str(metrics.tables)),
        ("Columns", str(metrics.columns)),
        ("Views", str(metrics.views)),
        ("Materialized views", str(metrics.materialized_views)),
        ("Foreign keys", str(metrics.foreign_keys)),
        ("Indexes", str(metrics.indexes)),
        ("Enums", str(metrics.enums)),
        ("Domains", str(metrics.domains)),
        ("Composite types", str(metrics.composite_types)),
        ("Tables with row-level security enabled", str(metrics.rls_enabled)),
        ("Tables with policies", str(metrics.rls_with_policies)),
        ("Tables with a comment", str(metrics.table_comments)),
        ("Columns with a comment", str(metrics.column_comments)),
    ]
    parts = [
        table(("Metric", "Value"), rows),
        "Partitions count with their parent; row-level security and primary keys are counted "
        "over ordinary and partitioned tables (foreign tables have neither).",
    ]
    if metrics.widest_tables:
        wide = [
            (site.relation_link(OVERVIEW, t.schema, t.name), str(t.columns))
            for t in metrics.widest_tables
        ]
        parts += ["### Widest tables", table(("Table", "Columns"), wide)]
    parts += ["### Tables without a primary key"]
    parts.append(_listing(site, metrics.tables_without_primary_key))
    parts += ["### Foreign keys without a supporting index"]
    if metrics.foreign_keys_without_index:
        unindexed = [
            (
                site.relation_link(OVERVIEW, fk.schema, fk.table),
                link(
                    code(fk.name),
                    site.url(OVERVIEW, site.pages[(fk.schema, fk.table)], fk_anchor(fk.name)),
                ),
                _names(fk.columns),
            )
            for fk in metrics.foreign_keys_without_index
        ]
        parts.append(table(("Table", "Foreign key", "Columns"), unindexed))
    else:
        parts.append("*None.*")
    if metrics.rls_without_policies:
        parts += ["### Row-level security enabled without policies"]
        parts.append(_listing(site, metrics.rls_without_policies))
    return parts


def _listing(site: Site, qualified: Sequence[str]) -> str:
    if not qualified:
        return "*None.*"
    return "\n".join(f"- {site.qualified_link(OVERVIEW, name)}" for name in qualified)


def _diagrams(site: Site, max_tables: int) -> list[str]:
    """One diagram of every table, or, past ``max_tables``, one per schema, a large schema
    in parts of ``max_tables`` (GitHub stops drawing diagrams past a size)."""
    tables = list(counted_tables(site.schema))
    if not tables:
        return ["*No tables.*"]
    if len(tables) <= max_tables:
        return [fence(er_diagram(tables, site.relations), "mermaid")]
    parts = [
        f"{len(tables)} tables: one diagram per schema, in parts of at most {max_tables} tables."
        " A part also shows the tables its foreign keys reference, without columns."
    ]
    for name in site.schema.schemas:
        members = [t for t in tables if t.schema == name]
        chunks = [members[i : i + max_tables] for i in range(0, len(members), max_tables)]
        for number, chunk in enumerate(chunks, 1):
            title = f"### Schema {text(name)}"
            if len(chunks) > 1:
                title += f", part {number} of {len(chunks)}"
            inside = {(t.schema, t.name) for t in chunk}
            stubs: dict[tuple[str, str], ir.Relation] = {}
            for child in chunk:
                for fk in child.foreign_keys:
                    key = (fk.ref_schema, fk.ref_table)
                    if key not in inside and key in site.relations:
                        stubs[key] = site.relations[key]
            diagram = er_diagram(
                [*chunk, *(stubs[k] for k in sorted(stubs))],
                site.relations,
                edges_of=chunk,
                bare=stubs.values(),
            )
            parts += [title, fence(diagram, "mermaid")]
    return parts


# --- types ---------------------------------------------------------------------------------


def _used_by(site: Site, page: str, schema: str, name: str) -> str:
    uses = site.uses_of(page, schema, name)
    return "Used by: " + (", ".join(uses) if uses else "*nothing*") + "."


def enums_page(site: Site) -> str:
    """Every enum: its labels in order and where it is used."""
    parts = ["# Enums", _back(ENUMS)]
    for enum in site.schema.enums:
        parts.append(
            f"## {_anchor(type_anchor(enum.schema, enum.name))}{text(f'{enum.schema}.{enum.name}')}"
        )
        parts.append(_comment(enum.comment))
        parts += _origin(site, enum.schema)
        rows = [(str(n), code(label) if label else "*empty string*") for n, label in
                enumerate(enum.labels, 1)]  # fmt: skip
        parts += [table(("#", "Label"), rows), _used_by(site, ENUMS, enum.schema, enum.name)]
    return "\n\n".join(parts) + "\n"


def domains_page(site: Site) -> str:
    """Every domain: its base type, constraints and where it is used."""
    parts = ["# Domains", _back(DOMAINS)]
    for domain in site.schema.domains:
        heading = text(f"{domain.schema}.{domain.name}")
        parts.append(f"## {_anchor(type_anchor(domain.schema, domain.name))}{heading}")
        parts.append(_comment(domain.comment))
        parts += _origin(site, domain.schema)
        rows = [
            ("Base type", _type_cell(site, DOMAINS, domain.base_type)),
            ("Not null", _yes(domain.not_null)),
            ("Default", code(domain.default) if domain.default is not None else ""),
            ("Collation", code(domain.collation) if domain.collation is not None else ""),
        ]
        parts.append(table(("Property", "Value"), rows))
        if domain.checks:
            checks = [(code(c.name), code(c.expression), _yes(c.validated)) for c in domain.checks]
            parts.append(table(("Check", "Expression", "Validated"), checks))
        parts.append(_used_by(site, DOMAINS, domain.schema, domain.name))
    return "\n\n".join(parts) + "\n"


def composites_page(site: Site) -> str:
    """Every composite type: its attributes in order and where it is used."""
    parts = ["# Composite types", _back(COMPOSITES)]
    for composite in site.schema.composite_types:
        heading = text(f"{composite.schema}.{composite.name}")
        parts.append(f"## {_anchor(type_anchor(composite.schema, composite.name))}{heading}")
        parts.append(_comment(composite.comment))
        parts += _origin(site, composite.schema)
        rows = [
            (
                text(attr.name),
                _type_cell(site, COMPOSITES, attr.type),
                code(attr.collation) if attr.collation is not None else "",
                text(attr.comment or ""),
            )
            for attr in composite.attributes
        ]
        parts.append(table(("Attribute", "Type", "Collation", "Comment"), rows))
        parts.append(_used_by(site, COMPOSITES, composite.schema, composite.name))
    return "\n\n".join(parts) + "\n"


_RESULT_SHAPES: dict[ir.ResultKind, str] = {
    "void": "nothing (`void`)",
    "scalar": "one value",
    "row": "a row of a table or view",
    "composite": "a value of a composite type",
    "columns": "rows of the columns below",
    "record": "an undeclared `record`",
}


def functions_page(site: Site) -> str:
    """Every function and procedure: signature, arguments, result, volatility, security."""
    parts = ["# Functions", _back(FUNCTIONS)]
    for fn in site.schema.functions:
        heading = text(f"{fn.schema}.{fn.name}({fn.identity_arguments})")
        parts.append(f"## {_anchor(function_anchor(fn))}{heading}")
        parts.append(_comment(fn.comment))
        kind = site.schema.result_kind(fn)
        shape = _RESULT_SHAPES[kind] if fn.kind == "function" else "nothing (a procedure)"
        if fn.returns_set:
            shape = f"a set: {shape}"
        result = code(fn.returns) if fn.returns else ""
        if fn.return_type is not None and kind in ("scalar", "row", "composite"):
            result = link(result, site.type_url(FUNCTIONS, fn.return_type))
        rows = [
            ("Kind", fn.kind),
            ("Returns", result),
            ("Result", shape),
            ("Volatility", fn.volatility),
            ("Security definer", _yes(fn.security_definer)),
            ("Language", code(fn.language)),
        ]
        parts.append(table(("Property", "Value"), rows))
        if fn.arguments:
            arguments = [
                (
                    str(n),
                    text(a.name) if a.name else "*unnamed*",
                    a.mode.upper() if a.mode != "table" else "TABLE column",
                    link(code(a.type), site.type_url(FUNCTIONS, a.type_ref))
                    if a.type_ref is not None
                    else code(a.type),
                    _yes(a.has_default),
                )
                for n, a in enumerate(fn.arguments, 1)
            ]
            parts.append(table(("#", "Argument", "Mode", "Type", "Has default"), arguments))
    return "\n\n".join(parts) + "\n"
