"""``schemasync lint-migrations``: syntax, application and naming checks over a folder.

Every file is parsed (one syntax error per file, every file reported), the names each
statement gives tables, columns and enums are checked against the ``[lint]`` rules, and when
everything parses the folder is applied to a throwaway server, which reports the first
migration that fails. The output formats are small and self-contained: ``text`` for people,
``json`` for tools, ``github`` for workflow annotations.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from schemasync.cli.terminal import plural
from schemasync.codegen.naming import singular
from schemasync.config import LintSettings
from schemasync.drift.workflow import command
from schemasync.sources import supabase
from schemasync.sources.migrations import (
    Migration,
    Problem,
    Statement,
    line_column,
    migrated_server,
    parse_all,
)

__all__ = ["FORMATS", "LintResult", "format_result", "lint_migrations"]

Format = Literal["text", "json", "github"]
FORMATS: tuple[Format, ...] = ("text", "json", "github")


@dataclass(frozen=True)
class LintResult:
    """What the lint found, in file order."""

    migrations: int
    problems: tuple[Problem, ...]
    #: False when a syntax error kept the folder from being applied.
    applied: bool


@dataclass(frozen=True)
class _Name:
    kind: Literal["table", "column", "enum"]
    name: str
    #: Character offset in the file.
    offset: int


def _at(node: object, statement: Statement) -> int:
    location = getattr(node, "location", None)
    return location if isinstance(location, int) and location >= 0 else statement.offset


def _is(node: object, cls: type) -> bool:
    # pglast types every attribute as optional; a narrowing isinstance() would make each of
    # them a None check, for fields the parser always fills in.
    return isinstance(node, cls)


def _names(statement: Statement) -> Iterator[_Name]:
    """The table, column and enum names ``statement`` creates or renames to."""
    from pglast import ast, enums

    node: Any = statement.node
    if _is(node, ast.CreateStmt):
        yield _Name("table", node.relation.relname, _at(node.relation, statement))
        for element in node.tableElts or ():
            if _is(element, ast.ColumnDef) and element.colname:
                yield _Name("column", element.colname, _at(element, statement))
    elif _is(node, ast.CreateTableAsStmt) and node.objtype == enums.ObjectType.OBJECT_TABLE:
        rel = node.into.rel
        yield _Name("table", rel.relname, _at(rel, statement))
    elif _is(node, ast.AlterTableStmt) and node.objtype == enums.ObjectType.OBJECT_TABLE:
        cmd: Any
        for cmd in node.cmds or ():
            if not _is(cmd, ast.AlterTableCmd):
                continue
            added: Any = cmd.def_
            if cmd.subtype == enums.AlterTableType.AT_AddColumn and _is(added, ast.ColumnDef):
                yield _Name("column", added.colname, _at(added, statement))
    elif _is(node, ast.RenameStmt) and node.relation is not None:
        if node.renameType == enums.ObjectType.OBJECT_TABLE:
            yield _Name("table", node.newname, _at(node.relation, statement))
        elif (
            node.renameType == enums.ObjectType.OBJECT_COLUMN
            and node.relationType == enums.ObjectType.OBJECT_TABLE
        ):
            yield _Name("column", node.newname, _at(node.relation, statement))
    elif _is(node, ast.CreateEnumStmt):
        last: Any = node.typeName[-1]
        yield _Name("enum", last.sval if _is(last, ast.String) else "", statement.offset)


def _naming_problems(
    migration: Migration, text: str, statements: Sequence[Statement], rules: LintSettings
) -> Iterator[Problem]:
    patterns = {
        "table": re.compile(rules.tables),
        "column": re.compile(rules.columns),
        "enum": re.compile(rules.enums),
    }
    for statement in statements:
        for found in _names(statement):
            line, column = line_column(text, found.offset)
            pattern = patterns[found.kind]
            if not pattern.search(found.name):
                yield Problem(
                    migration,
                    line,
                    column,
                    f"{found.kind}-name",
                    f"{found.kind} name {found.name!r} does not match {pattern.pattern!r}",
                )
            if found.kind == "table" and rules.plural != "any":
                last = found.name.rsplit("_", 1)[-1]
                plural = singular(last) != last
                if plural != (rules.plural == "require"):
                    wanted = "plural" if rules.plural == "require" else "singular"
                    yield Problem(
                        migration,
                        line,
                        column,
                        "table-plural",
                        f"table name {found.name!r} is not {wanted}",
                    )


def lint_migrations(
    directory: Path, rules: LintSettings, *, supabase_mode: object = "auto"
) -> LintResult:
    """Check every migration in ``directory``.

    :param directory: the migrations folder.
    :param rules: the naming rules.
    :param supabase_mode: the ``supabase`` setting (``auto``, true or false).
    :returns: the problems found, syntax and naming ones in file order, then the failure of
        application if there is one.
    :raises UsageError: no such folder, no migration in it.
    :raises EngineError: no PostgreSQL to apply them on.
    """
    parsed, problems = parse_all(directory)
    for migration, text, statements in parsed:
        problems.extend(_naming_problems(migration, text, statements, rules))
    problems.sort(key=lambda p: (p.migration.version, p.migration.name, p.line, p.column))
    count = len(parsed) + sum(1 for p in problems if p.rule == "syntax")
    if any(p.rule == "syntax" for p in problems):
        return LintResult(count, tuple(problems), applied=False)
    layer = supabase.layer_enabled(supabase_mode, directory)
    with migrated_server(parsed, supabase_layer=layer) as state:
        if isinstance(state, Problem):
            problems.append(state)
    return LintResult(count, tuple(problems), applied=True)


def format_result(result: LintResult, style: Format) -> str:
    """The result as ``text``, ``json`` or ``github`` annotations, ending in a newline."""
    if style == "json":
        payload = {
            "migrations": result.migrations,
            "applied": result.applied,
            "problems": [
                {
                    "file": p.migration.display,
                    "line": p.line,
                    "column": p.column,
                    "rule": p.rule,
                    "message": p.message,
                }
                for p in result.problems
            ],
        }
        return json.dumps(payload, indent=2) + "\n"
    if style == "github":
        return "".join(
            command(
                "error",
                p.message,
                file=p.migration.display,
                line=p.line,
                col=p.column,
                title=f"schemasync {p.rule}",
            )
            + "\n"
            for p in result.problems
        )
    lines = [f"{p}  [{p.rule}]" for p in result.problems]
    if not result.applied:
        lines.append("not applied: fix the syntax errors first")
    lines.append(
        f"{plural(len(result.problems), 'problem')} in {plural(result.migrations, 'migration')}"
    )
    return "\n".join(lines) + "\n"
