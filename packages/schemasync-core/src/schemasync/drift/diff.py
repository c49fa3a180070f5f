"""The core's differ: every change between two schema IRs, as typed :class:`Change` records.

The differ reports facts, one record per fact: a renamed column is a removed column and an
added one, each keeping its severity, and when the pair shares a type, position or comment
both messages say it looks like a rename, so a reviewer reads them as one. A constraint and
the index PostgreSQL builds for it are one fact, reported as the constraint. Where the
severity table tells two cases of one fact apart (a column added with or without a value the
database fills in, a type change that does or does not change the Python type, a column
that writes may no longer set), the kind says which, so severity stays a lookup by kind that
users can override per kind. Every kind is listed in :data:`KINDS` and docs/drift.md, with
the reasoning behind its default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TypeVar

import msgspec

from schemasync import ir
from schemasync.changes import Change, Severity
from schemasync.hookspecs import hookimpl

__all__ = ["KINDS", "diff_schemas", "python_type", "schemasync_compare"]

_L, _M, _H, _C = Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL

#: Every kind the differ reports, with its default severity (see docs/drift.md).
KINDS: Mapping[str, Severity] = {
    "schema.added": _L,
    "schema.removed": _L,
    **{f"{what}.added": _L for what in ("table", "view", "materialized_view", "foreign_table")},
    **{f"{what}.removed": _C for what in ("table", "view", "materialized_view", "foreign_table")},
    "partition.added": _L,
    "partition.removed": _L,
    "relation.kind_changed": _M,
    "relation.columns_reordered": _L,
    "relation.comment_changed": _L,
    "relation.rls_enabled": _M,
    "relation.rls_disabled": _L,
    "relation.rls_forced": _M,
    "relation.rls_unforced": _L,
    "relation.partitioning_changed": _L,
    "relation.server_changed": _L,
    "view.definition_changed": _L,
    "view.writable": _L,
    "view.read_only": _H,
    "column.added": _L,
    "column.added_required": _H,
    "column.removed": _C,
    "column.type_changed": _C,
    "column.type_narrowed": _M,
    "column.type_widened": _L,
    "column.made_nullable": _H,
    "column.made_not_null": _M,
    "column.default_added": _L,
    "column.default_changed": _L,
    "column.default_removed": _L,
    "column.default_removed_required": _H,
    "column.identity_changed": _M,
    "column.identity_always": _H,
    "column.generated_changed": _M,
    "column.made_generated": _H,
    "column.collation_changed": _L,
    "column.comment_changed": _L,
    "enum.added": _L,
    "enum.removed": _C,
    "enum.label_added": _M,
    "enum.label_removed": _C,
    "enum.labels_reordered": _M,
    "enum.comment_changed": _L,
    "domain.added": _L,
    "domain.removed": _C,
    "domain.type_changed": _C,
    "domain.type_narrowed": _M,
    "domain.type_widened": _L,
    "domain.made_nullable": _H,
    "domain.made_not_null": _M,
    "domain.default_changed": _L,
    "domain.collation_changed": _L,
    "domain.comment_changed": _L,
    "composite.added": _L,
    "composite.removed": _C,
    "composite.comment_changed": _L,
    "attribute.added": _L,
    "attribute.removed": _C,
    "attribute.type_changed": _C,
    "attribute.type_narrowed": _M,
    "attribute.type_widened": _L,
    "attribute.collation_changed": _L,
    "attribute.comment_changed": _L,
    "attributes.reordered": _L,
    "range.added": _L,
    "range.removed": _C,
    "range.changed": _M,
    # Constraints that writes must satisfy: a new or redefined one makes writes that worked
    # fail; dropping one only lets more through, except the uniqueness an upsert's
    # ON CONFLICT names.
    **{
        f"{what}.{event}": _M
        for what in ("primary_key", "foreign_key", "unique", "check", "exclusion")
        for event in ("added", "changed")
    },
    "primary_key.removed": _M,
    "unique.removed": _M,
    "foreign_key.removed": _L,
    "check.removed": _L,
    "exclusion.removed": _L,
    "index.added": _L,
    "index.removed": _L,
    "index.changed": _L,
    "index.unique_added": _M,
    "trigger.added": _L,
    "trigger.removed": _L,
    "trigger.changed": _L,
    "policy.added": _L,
    "policy.removed": _M,
    "policy.changed": _M,
    "policy.restrictive": _M,
    "extension.added": _L,
    "extension.removed": _L,
    "extension.changed": _L,
    # Functions, from the point of view of code that calls them (see docs/drift.md).
    "function.added": _L,
    "function.removed": _C,
    "function.result_changed": _C,
    "function.argument_added_required": _H,
    "function.argument_added_optional": _L,
    "function.argument_removed": _C,
    "function.argument_type_changed": _H,
    "function.argument_default_removed": _H,
    "function.argument_default_added": _L,
    "function.arguments_reordered": _H,
    "function.volatility_changed": _M,
    "function.security_changed": _M,
    "function.changed": _L,
    "function.comment_changed": _L,
    # Found only when committed code is compared with a schema (schemasync.drift.codecheck).
    "model.unmatched": _M,
    "field.unreadable": _M,
}

_T = TypeVar("_T")


def _plain(value: object) -> object:
    """A JSON-compatible copy of an IR node for ``before`` / ``after``."""
    return msgspec.to_builtins(value)


def _pairs(
    old: Iterable[_T], new: Iterable[_T], key: Callable[[_T], str]
) -> Iterator[tuple[str, _T | None, _T | None]]:
    """``(key, old, new)`` for every key on either side, in key order."""
    before = {key(item): item for item in old}
    after = {key(item): item for item in new}
    for name in sorted(before.keys() | after.keys()):
        yield name, before.get(name), after.get(name)


class _Diff:
    """Collects changes between ``old`` and ``new``; type decisions consult both sides."""

    def __init__(self, old: ir.Schema, new: ir.Schema) -> None:
        self.old = old
        self.new = new
        self.changes: list[Change] = []

    def add(
        self, kind: str, path: str, before: object = None, after: object = None, message: str = ""
    ) -> None:
        self.changes.append(
            Change(kind=kind, path=path, before=before, after=after, message=message)
        )

    def simple(self, kind: str, path: str, old: object, new: object, what: str) -> None:
        """``kind.added`` / ``.removed`` / ``.changed`` for one named sub-object."""
        if old is None:
            self.add(f"{kind}.added", path, None, _plain(new), f"{what} added")
        elif new is None:
            self.add(f"{kind}.removed", path, _plain(old), None, f"{what} removed")
        elif old != new:
            self.add(f"{kind}.changed", path, _plain(old), _plain(new), f"{what} changed")

    def comment(self, kind: str, path: str, old: str | None, new: str | None) -> None:
        if old != new:
            self.add(f"{kind}.comment_changed", path, old, new, "comment changed")

    def run(self) -> list[Change]:
        old, new = self.old, self.new
        for name, a, b in _pairs(old.schemas, new.schemas, str):
            if a is None or b is None:
                self.add("schema.added" if a is None else "schema.removed", name)
        for path, e1, e2 in _pairs(old.enums, new.enums, _qualified):
            self.enum(path, e1, e2)
        for path, d1, d2 in _pairs(old.domains, new.domains, _qualified):
            self.domain(path, d1, d2)
        for path, c1, c2 in _pairs(old.composite_types, new.composite_types, _qualified):
            self.composite(path, c1, c2)
        for path, r1, r2 in _pairs(old.range_types, new.range_types, _qualified):
            if r1 is None or r2 is None:
                self.add(
                    "range.added" if r1 is None else "range.removed",
                    path,
                    _plain(r1),
                    _plain(r2),
                    f"range type {'added' if r1 is None else 'removed'}",
                )
            elif r1 != r2:
                self.add("range.changed", path, _plain(r1), _plain(r2), "range type changed")
        for path, t1, t2 in _pairs(old.relations, new.relations, _qualified):
            self.relation(path, t1, t2)
        for path, f1, f2 in _function_pairs(old.functions, new.functions):
            self.function(path, f1, f2)
        for name, x1, x2 in _pairs(old.extensions, new.extensions, lambda x: x.name):
            self.simple("extension", name, x1, x2, "extension")
        return sorted(self.changes, key=lambda c: (c.path, c.kind))

    # --- functions ------------------------------------------------------------------------

    def function(self, path: str, old: ir.Function | None, new: ir.Function | None) -> None:
        """What a caller of ``old`` finds changed in ``new``. The SQL spellings of types are
        compared (an IR recorded before ``type_ref`` existed has only those)."""
        if old is None or new is None:
            self.simple("function", path, old, new, "function")
            return
        self.comment("function", path, old.comment, new.comment)
        if (old.returns, old.returns_set, old.kind) != (new.returns, new.returns_set, new.kind):
            self.add(
                "function.result_changed",
                path,
                _result(old),
                _result(new),
                "result changed",
            )
        before = {a.name: a for a in old.inputs}
        after = {a.name: a for a in new.inputs}
        for name, arg in before.items():
            if name not in after:
                self.add(
                    "function.argument_removed", f"{path}.{name}", arg.type, None,
                    "argument removed",
                )  # fmt: skip
        for name, arg in after.items():
            was = before.get(name)
            if was is None:
                kind = "optional" if arg.has_default else "required"
                self.add(
                    f"function.argument_added_{kind}", f"{path}.{name}", None, arg.type,
                    f"{'optional' if arg.has_default else 'required'} argument added",
                )  # fmt: skip
                continue
            if (was.type, was.mode) != (arg.type, arg.mode):
                self.add(
                    "function.argument_type_changed", f"{path}.{name}",
                    f"{was.mode} {was.type}", f"{arg.mode} {arg.type}", "argument type changed",
                )  # fmt: skip
            if was.has_default != arg.has_default:
                self.add(
                    f"function.argument_default_{'added' if arg.has_default else 'removed'}",
                    f"{path}.{name}", was.has_default, arg.has_default,
                    f"default {'added' if arg.has_default else 'removed'}",
                )  # fmt: skip
        # Positional calls (psycopg's ``fn(%s, %s)``) break when kept arguments move.
        kept_old = [n for n in before if n in after]
        kept_new = [n for n in after if n in before]
        if kept_old != kept_new:
            self.add(
                "function.arguments_reordered", path, kept_old, kept_new, "arguments reordered"
            )
        if old.volatility != new.volatility:
            self.add(
                "function.volatility_changed", path, old.volatility, new.volatility,
                "volatility changed",
            )  # fmt: skip
        if old.security_definer != new.security_definer:
            self.add(
                "function.security_changed", path,
                _security(old.security_definer), _security(new.security_definer),
                "security changed",
            )  # fmt: skip
        if old.language != new.language:
            self.add("function.changed", path, old.language, new.language, "language changed")

    # --- types ----------------------------------------------------------------------------

    def enum(self, path: str, old: ir.Enum | None, new: ir.Enum | None) -> None:
        if old is None or new is None:
            self.add(
                "enum.added" if old is None else "enum.removed",
                path,
                _plain(old.labels) if old else None,
                _plain(new.labels) if new else None,
                f"enum {'added' if old is None else 'removed'}",
            )
            return
        self.comment("enum", path, old.comment, new.comment)
        removed = [label for label in old.labels if label not in new.labels]
        added = [label for label in new.labels if label not in old.labels]
        for label in removed:
            self.add("enum.label_removed", f"{path}.{label}", label, None, "label removed")
        for label in added:
            self.add("enum.label_added", f"{path}.{label}", None, label, "label added")
        kept_old = [label for label in old.labels if label in new.labels]
        kept_new = [label for label in new.labels if label in old.labels]
        if kept_old != kept_new:
            self.add(
                "enum.labels_reordered",
                path,
                list(old.labels),
                list(new.labels),
                "labels reordered",
            )

    def domain(self, path: str, old: ir.Domain | None, new: ir.Domain | None) -> None:
        if old is None or new is None:
            self.add(
                "domain.added" if old is None else "domain.removed",
                path,
                _plain(old),
                _plain(new),
                f"domain {'added' if old is None else 'removed'}",
            )
            return
        self.type_change("domain", path, old.base_type, new.base_type)
        if old.not_null != new.not_null:
            if new.not_null:
                self.add("domain.made_not_null", path, _NULL, _NOT_NULL, "domain is now NOT NULL")
            else:
                self.add("domain.made_nullable", path, _NOT_NULL, _NULL, "domain can now be NULL")
        if old.default != new.default:
            self.add("domain.default_changed", path, old.default, new.default, "default changed")
        if old.collation != new.collation:
            self.add(
                "domain.collation_changed", path, old.collation, new.collation, "collation changed"
            )
        self.comment("domain", path, old.comment, new.comment)
        for name, c1, c2 in _pairs(old.checks, new.checks, lambda c: c.name):
            self.simple("check", f"{path}.{name}", c1, c2, "check constraint")

    def composite(
        self, path: str, old: ir.CompositeType | None, new: ir.CompositeType | None
    ) -> None:
        if old is None or new is None:
            self.add(
                "composite.added" if old is None else "composite.removed",
                path,
                _plain(old),
                _plain(new),
                f"composite type {'added' if old is None else 'removed'}",
            )
            return
        self.comment("composite", path, old.comment, new.comment)
        for name, a1, a2 in _pairs(old.attributes, new.attributes, lambda a: a.name):
            where = f"{path}.{name}"
            if a1 is None or a2 is None:
                self.add(
                    "attribute.added" if a1 is None else "attribute.removed",
                    where,
                    _plain(a1.type.sql) if a1 else None,
                    _plain(a2.type.sql) if a2 else None,
                    f"attribute {'added' if a1 is None else 'removed'}",
                )
                continue
            self.type_change("attribute", where, a1.type, a2.type)
            if a1.collation != a2.collation:
                self.add(
                    "attribute.collation_changed", where, a1.collation, a2.collation, "collation"
                )
            self.comment("attribute", where, a1.comment, a2.comment)
        self.order("attributes.reordered", path, old.attributes, new.attributes)

    def order(
        self,
        kind: str,
        path: str,
        old: Iterable[ir.Column | ir.CompositeAttribute],
        new: Iterable[ir.Column | ir.CompositeAttribute],
    ) -> None:
        """Report when the names both sides share appear in another order."""
        names_old = [item.name for item in old]
        names_new = [item.name for item in new]
        kept_old = [name for name in names_old if name in names_new]
        kept_new = [name for name in names_new if name in names_old]
        if kept_old != kept_new:
            self.add(kind, path, names_old, names_new, "order changed")

    def type_change(self, prefix: str, path: str, old: ir.TypeRef, new: ir.TypeRef) -> None:
        if old == new:
            return
        old_py = python_type(old, self.old)
        new_py = python_type(new, self.new)
        if old_py != new_py:
            effect = "type_changed"
            message = f"type {old.sql} -> {new.sql} (Python {old_py} -> {new_py})"
        elif _widens(old, new):
            effect, message = "type_widened", f"type {old.sql} -> {new.sql} (wider)"
        else:
            effect, message = "type_narrowed", f"type {old.sql} -> {new.sql} (may reject values)"
        self.add(f"{prefix}.{effect}", path, old.sql, new.sql, message)

    # --- relations ------------------------------------------------------------------------

    def relation(self, path: str, old: ir.Relation | None, new: ir.Relation | None) -> None:
        if old is None or new is None:
            rel = new or old
            assert rel is not None
            category = "partition" if rel.partition_of else _category(rel)
            event = "added" if old is None else "removed"
            # The columns, so ``diff`` shows what appeared or went, not ``null -> null``.
            shape = {column.name: column.type.sql for column in rel.columns}
            self.add(
                f"{category}.{event}",
                path,
                shape if old is not None else None,
                shape if new is not None else None,
                f"{rel.kind.replace('_', ' ')} {event}",
            )
            return
        if _category(old) != _category(new):
            self.add("relation.kind_changed", path, old.kind, new.kind, "kind changed")
        self.comment("relation", path, old.comment, new.comment)
        for name, c1, c2 in _pairs(old.columns, new.columns, lambda c: c.name):
            self.column(f"{path}.{name}", c1, c2)
        self.rename_hints(path, old, new)
        self.order("relation.columns_reordered", path, old.columns, new.columns)
        self.rls(path, old, new)
        if (old.partition_key, old.partition_of) != (new.partition_key, new.partition_of):
            self.add(
                "relation.partitioning_changed",
                path,
                _plain((old.partition_key, old.partition_of)),
                _plain((new.partition_key, new.partition_of)),
                "partitioning changed",
            )
        if old.foreign_server != new.foreign_server:
            self.add(
                "relation.server_changed", path, old.foreign_server, new.foreign_server, "server"
            )
        if old.view_definition != new.view_definition and new.is_view and old.is_view:
            self.add(
                "view.definition_changed",
                path,
                old.view_definition,
                new.view_definition,
                "definition changed",
            )
        writable_old = (old.insertable, old.updatable, old.deletable)
        writable_new = (new.insertable, new.updatable, new.deletable)
        if writable_old != writable_new:
            lost = any(a and not b for a, b in zip(writable_old, writable_new, strict=True))
            self.add(
                "view.read_only" if lost else "view.writable",
                path,
                list(writable_old),
                list(writable_new),
                "insert / update / delete " + ("no longer possible" if lost else "now possible"),
            )
        self.constraints(path, old, new)

    def rls(self, path: str, old: ir.Relation, new: ir.Relation) -> None:
        if old.rls_enabled != new.rls_enabled:
            kind = "relation.rls_enabled" if new.rls_enabled else "relation.rls_disabled"
            self.add(kind, path, old.rls_enabled, new.rls_enabled, "row level security")
        if old.rls_forced != new.rls_forced:
            kind = "relation.rls_forced" if new.rls_forced else "relation.rls_unforced"
            self.add(kind, path, old.rls_forced, new.rls_forced, "row level security forced")
        for name, p1, p2 in _pairs(old.policies, new.policies, lambda p: p.name):
            if p2 is not None and not p2.permissive and (p1 is None or p1.permissive):
                self.add(
                    "policy.restrictive",
                    f"{path}.{name}",
                    _plain(p1),
                    _plain(p2),
                    "policy is RESTRICTIVE: rows it does not match are hidden from every role "
                    "it names",
                )
            else:
                self.simple("policy", f"{path}.{name}", p1, p2, "policy")

    def rename_hints(self, path: str, old: ir.Relation, new: ir.Relation) -> None:
        """Say "looks like a rename" on a removed and an added column that match.

        Both keep their kinds and severities (a rename breaks code reading the old name);
        the messages tie them together so a reviewer reads one rename, not two facts.
        """
        new_names = {c.name for c in new.columns}
        old_names = {c.name for c in old.columns}
        removed = [(i, c) for i, c in enumerate(old.columns) if c.name not in new_names]
        added = [(i, c) for i, c in enumerate(new.columns) if c.name not in old_names]
        only_pair = len(removed) == 1 and len(added) == 1
        hints: dict[str, str] = {}
        taken: set[str] = set()
        for i, gone in removed:
            for j, came in added:
                if came.name in taken or came.type != gone.type:
                    continue
                shared = [
                    word
                    for word, same in (
                        ("position", i == j),
                        ("comment", gone.comment is not None and gone.comment == came.comment),
                    )
                    if same
                ]
                if not shared and not only_pair:
                    continue
                taken.add(came.name)
                why = ", ".join(["type", *shared])
                hints[f"{path}.{gone.name}"] = f"looks like a rename to {came.name!r} (same {why})"
                hints[f"{path}.{came.name}"] = f"looks like a rename of {gone.name!r} (same {why})"
                break
        if not hints:
            return
        self.changes = [
            msgspec.structs.replace(c, message=f"{c.message}; {hints[c.path]}")
            if c.path in hints and c.kind.startswith("column.")
            else c
            for c in self.changes
        ]

    def constraints(self, path: str, old: ir.Relation, new: ir.Relation) -> None:
        before = len(self.changes)
        pk1, pk2 = old.primary_key, new.primary_key
        if pk1 is not None or pk2 is not None:
            name = (pk2 or pk1).name  # type: ignore[union-attr]
            self.simple("primary_key", f"{path}.{name}", pk1, pk2, "primary key")
        groups: tuple[tuple[str, str, Iterable[_Named], Iterable[_Named]], ...] = (
            ("foreign_key", "foreign key", old.foreign_keys, new.foreign_keys),
            ("unique", "unique constraint", old.unique_constraints, new.unique_constraints),
            ("check", "check constraint", old.check_constraints, new.check_constraints),
            (
                "exclusion",
                "exclusion constraint",
                old.exclusion_constraints,
                new.exclusion_constraints,
            ),
        )
        for kind, what, items_old, items_new in groups:
            for name, a, b in _pairs(items_old, items_new, lambda item: item.name):
                self.simple(kind, f"{path}.{name}", a, b, what)
        # A primary key, unique or exclusion constraint and the index PostgreSQL builds for
        # it are one fact: when the constraint is reported, its index is not.
        reported = {c.path[len(path) + 1 :] for c in self.changes[before:]}
        for name, i1, i2 in _pairs(old.indexes, new.indexes, lambda item: item.name):
            owner = (i2 or i1).constraint  # type: ignore[union-attr]
            if owner is not None and (owner in reported or name in reported):
                continue
            if i2 is not None and i2.unique and not i2.constraint and (i1 is None or not i1.unique):
                self.add(
                    "index.unique_added",
                    f"{path}.{name}",
                    _plain(i1),
                    _plain(i2),
                    "unique index added: writes of duplicate values now fail",
                )
            else:
                self.simple("index", f"{path}.{name}", i1, i2, "index")
        for name, t1, t2 in _pairs(old.triggers, new.triggers, lambda item: item.name):
            self.simple("trigger", f"{path}.{name}", t1, t2, "trigger")

    def column(self, path: str, old: ir.Column | None, new: ir.Column | None) -> None:
        if old is None:
            assert new is not None
            required = _required_on_insert(new, self.new)
            self.add(
                "column.added_required" if required else "column.added",
                path,
                None,
                new.type.sql,
                "column added"
                + (", required on insert (NOT NULL, no default)" if required else ""),
            )
            return
        if new is None:
            self.add("column.removed", path, old.type.sql, None, "column removed")
            return
        self.type_change("column", path, old.type, new.type)
        if old.nullable != new.nullable:
            if new.nullable:
                self.add("column.made_nullable", path, _NOT_NULL, _NULL, "column can now be NULL")
            else:
                self.add("column.made_not_null", path, _NULL, _NOT_NULL, "column is now NOT NULL")
        if old.default != new.default:
            if old.default is None:
                self.add("column.default_added", path, None, new.default, "default added")
            elif new.default is None:
                required = _required_on_insert(new, self.new)
                self.add(
                    "column.default_removed_required" if required else "column.default_removed",
                    path,
                    old.default,
                    None,
                    "default removed" + (", now required on insert" if required else ""),
                )
            else:
                self.add("column.default_changed", path, old.default, new.default, "default")
        if old.identity != new.identity:
            if new.identity == "always":
                self.add(
                    "column.identity_always",
                    path,
                    old.identity,
                    new.identity,
                    "column is now GENERATED ALWAYS AS IDENTITY: writes that set it fail",
                )
            else:
                self.add(
                    "column.identity_changed",
                    path,
                    old.identity,
                    new.identity,
                    f"identity {old.identity or 'none'} -> {new.identity or 'none'}",
                )
        if old.generated != new.generated:
            if old.generated is None:
                self.add(
                    "column.made_generated",
                    path,
                    None,
                    new.generated,
                    "column is now GENERATED: writes that set it fail",
                )
            else:
                self.add(
                    "column.generated_changed",
                    path,
                    old.generated,
                    new.generated,
                    "generation expression " + ("removed" if new.generated is None else "changed"),
                )
        elif old.generated_kind != new.generated_kind:
            # Same expression, stored one side and virtual (PostgreSQL 18) the other.
            self.add(
                "column.generated_changed",
                path,
                old.generated_kind,
                new.generated_kind,
                "generated column storage",
            )
        if old.collation != new.collation:
            self.add("column.collation_changed", path, old.collation, new.collation, "collation")
        self.comment("column", path, old.comment, new.comment)


#: ``before`` and ``after`` of a column or domain made NOT NULL, in the words of SQL.
_NULL, _NOT_NULL = "NULL", "NOT NULL"

_Named = (
    ir.ForeignKey
    | ir.UniqueConstraint
    | ir.CheckConstraint
    | ir.ExclusionConstraint
    | ir.Index
    | ir.Trigger
)


def _qualified(item: ir.Enum | ir.Domain | ir.CompositeType | ir.RangeType | ir.Relation) -> str:
    return f"{item.schema}.{item.name}"


def _function_key(fn: ir.Function) -> str:
    return f"{fn.schema}.{fn.name}({fn.identity_arguments})"


def _function_pairs(
    old: Iterable[ir.Function], new: Iterable[ir.Function]
) -> Iterator[tuple[str, ir.Function | None, ir.Function | None]]:
    """Functions paired by signature; a function whose arguments changed has a new
    signature, so a name with one unpaired function on each side is paired by name (with the
    old signature as path). Overloads left unpaired are removed and added. Functions that are
    not callable by name are left out on both sides (see :func:`_is_callable`)."""
    found = _pairs(
        (fn for fn in old if _is_callable(fn)),
        (fn for fn in new if _is_callable(fn)),
        _function_key,
    )
    pairs: list[tuple[str, ir.Function | None, ir.Function | None]] = list(found)
    gone: dict[tuple[str, str], list[int]] = {}
    came: dict[tuple[str, str], list[int]] = {}
    for i, (_, a, b) in enumerate(pairs):
        if b is None and a is not None:
            gone.setdefault((a.schema, a.name), []).append(i)
        elif a is None and b is not None:
            came.setdefault((b.schema, b.name), []).append(i)
    merged: set[int] = set()
    for name, olds in gone.items():
        news = came.get(name, [])
        if len(olds) == 1 and len(news) == 1:
            (i,), (j,) = olds, news
            pairs[i] = (pairs[i][0], pairs[i][1], pairs[j][2])
            merged.add(j)
    return iter([pair for k, pair in enumerate(pairs) if k not in merged])


#: Result types of functions PostgreSQL calls itself, never a client.
_NOT_CALLED_BY_NAME = frozenset({"trigger", "event_trigger"})


def _is_callable(fn: ir.Function) -> bool:
    """Whether ``fn`` is a function the IR records: not an aggregate, a window function, or a
    trigger or event-trigger function. Locks written before the IR left those out still list
    them; comparing such a lock with a new schema must not report them removed."""
    if fn.kind in ("aggregate", "window"):
        return False
    ref = fn.return_type
    if ref is not None:
        return not (ref.kind == "pseudo" and ref.name in _NOT_CALLED_BY_NAME)
    return fn.returns_set or fn.returns not in _NOT_CALLED_BY_NAME


def _result(fn: ir.Function) -> str | None:
    return f"{fn.kind} returning {fn.returns}" if fn.kind == "procedure" else fn.returns


def _security(definer: bool) -> str:
    return "SECURITY DEFINER" if definer else "SECURITY INVOKER"


def _category(rel: ir.Relation) -> str:
    return "table" if rel.kind == "partitioned_table" else rel.kind


def _required_on_insert(column: ir.Column, schema: ir.Schema) -> bool:
    """Whether an INSERT must name the column: NOT NULL, nothing fills it in."""
    if column.nullable or column.default is not None or column.identity or column.generated:
        return False
    if column.type.kind == "domain" and not column.type.is_array:
        for domain in schema.domains:
            if (domain.schema, domain.name) == (column.type.schema, column.type.name):
                return domain.default is None
    return True


#: Python types of built-in types, as psycopg returns them; what decides whether a type
#: change is one code notices. Anything else built in arrives as ``str``.
_PY: Mapping[str, str] = {
    **dict.fromkeys(("int2", "int4", "int8", "oid"), "int"),
    **dict.fromkeys(("float4", "float8"), "float"),
    "numeric": "Decimal",
    "bool": "bool",
    **dict.fromkeys(("json", "jsonb"), "JsonValue"),
    "bytea": "bytes",
    "date": "date",
    **dict.fromkeys(("time", "timetz"), "time"),
    "timestamp": "datetime (naive)",
    "timestamptz": "datetime (aware)",
    "interval": "timedelta",
    "uuid": "UUID",
    "inet": "ip address or interface",
    "cidr": "ip network",
}


def python_type(ref: ir.TypeRef, schema: ir.Schema) -> str:
    """A name for the Python type a value of ``ref`` has, resolving domains through ``schema``."""
    if ref.kind == "domain":
        inner = next(
            (d.base_type for d in schema.domains if (d.schema, d.name) == (ref.schema, ref.name)),
            None,
        )
        element = (
            python_type(inner, schema) if inner is not None else f"domain {ref.qualified_name}"
        )
    elif ref.kind in ("enum", "composite") or ref.schema != "pg_catalog":
        element = f"{ref.kind} {ref.qualified_name}"
    elif ref.kind in ("range", "multirange"):
        element = f"{ref.kind} {ref.name}"
    else:
        element = _PY.get(ref.name, "str")
    for _ in range(ref.array_dims):
        element = f"list[{element}]"
    return element


#: Built-in types that hold every value of the types before them in the same row.
_WIDER: tuple[tuple[str, ...], ...] = (
    ("int2", "int4", "int8"),
    ("float4", "float8"),
    ("bpchar", "varchar", "text"),
    ("json", "jsonb"),
)


def _widens(old: ir.TypeRef, new: ir.TypeRef) -> bool:
    """Whether every value of ``old`` fits ``new`` (only known cases; else ``False``)."""
    if old.name == new.name:
        if not new.modifiers:
            return True  # varchar(n) -> varchar, numeric(p,s) -> numeric, timestamp(3) ...
        if not old.modifiers or len(old.modifiers) != len(new.modifiers):
            return False
        if old.name == "numeric":
            (p1, s1), (p2, s2) = old.modifiers[:2], new.modifiers[:2]
            return s2 >= s1 and p2 - s2 >= p1 - s1
        return all(b >= a for a, b in zip(old.modifiers, new.modifiers, strict=True))
    for chain in _WIDER:
        if old.name in chain and new.name in chain:
            if chain[-1] == "text" and new.name != "text":
                # char(n) -> varchar(m) fits only when m >= n.
                return (
                    bool(new.modifiers) and bool(old.modifiers) and new.modifiers >= old.modifiers
                )
            return chain.index(new.name) > chain.index(old.name)
    return False


def diff_schemas(old: ir.Schema, new: ir.Schema) -> list[Change]:
    """Every change from ``old`` to ``new``, sorted by path, then kind."""
    return _Diff(old, new).run()


@hookimpl
def schemasync_compare(old: ir.Schema, new: ir.Schema) -> list[Change]:
    """The core's differ (see :func:`diff_schemas`)."""
    return diff_schemas(old, new)
