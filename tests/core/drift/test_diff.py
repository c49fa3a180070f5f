"""Migration pairs: a real server reads the schema before and after each migration, the differ
names every change, and the default rules rank it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import psycopg
import pytest

from pg import PgServer, run_sql, scratch_database
from schemasync import ir
from schemasync.changes import Change, Severity
from schemasync.drift.diff import KINDS, diff_schemas
from schemasync.drift.severity import classify, schemasync_severity
from schemasync.sources.introspect import introspect

pytestmark = pytest.mark.postgres

BEFORE = """
CREATE SCHEMA app;
SET search_path = app;
CREATE TYPE status AS ENUM ('todo', 'doing', 'done');
CREATE TYPE color AS ENUM ('red', 'green');
CREATE DOMAIN positive AS int CONSTRAINT positive_check CHECK (VALUE > 0);
CREATE TYPE address AS (street text, city text);
CREATE TABLE projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    budget int4,
    code text,
    status status NOT NULL DEFAULT 'todo',
    note text,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE projects IS 'Projects';
COMMENT ON COLUMN projects.note IS 'free text';
CREATE TABLE tasks (
    id int PRIMARY KEY,
    project_id bigint CONSTRAINT tasks_project_id_fkey REFERENCES projects ON DELETE CASCADE,
    title varchar(20)
);
CREATE VIEW project_names AS SELECT id, name FROM projects;
CREATE FUNCTION project_count(min_budget int DEFAULT 0) RETURNS bigint LANGUAGE sql STABLE
    AS 'SELECT count(*) FROM app.projects WHERE budget >= min_budget';
CREATE FUNCTION rename_project(id bigint, name text) RETURNS void LANGUAGE sql
    AS 'UPDATE app.projects SET name = $2 WHERE projects.id = $1';
"""
#: project_count's signature, the path of its changes.
COUNT = "app.project_count(min_budget integer)"


#: project_count replaced by a function of the same name with ``declaration``.
def _count(declaration: str, returns: str = "bigint") -> str:
    return (
        "DROP FUNCTION project_count; "
        f"CREATE FUNCTION project_count({declaration}) RETURNS {returns} LANGUAGE sql STABLE "
        "AS 'SELECT 1::bigint'"
    )


#: (id, migration, expected changes as (kind, path, severity)).
CASES: list[tuple[str, str, set[tuple[str, str, str]]]] = [
    ("drop column", "ALTER TABLE projects DROP COLUMN note",
     {("column.removed", "app.projects.note", "CRITICAL")}),
    ("add NOT NULL column without default", "ALTER TABLE projects ADD COLUMN owner text NOT NULL",
     {("column.added_required", "app.projects.owner", "HIGH")}),
    ("add NOT NULL column with default",
     "ALTER TABLE projects ADD COLUMN priority int NOT NULL DEFAULT 0",
     {("column.added", "app.projects.priority", "LOW")}),
    ("add nullable column", "ALTER TABLE projects ADD COLUMN due date",
     {("column.added", "app.projects.due", "LOW")}),
    ("add generated column",
     "ALTER TABLE projects ADD COLUMN name_len int NOT NULL "
     "GENERATED ALWAYS AS (length(name)) STORED",
     {("column.added", "app.projects.name_len", "LOW")}),
    ("make column nullable", "ALTER TABLE projects ALTER COLUMN name DROP NOT NULL",
     {("column.made_nullable", "app.projects.name", "HIGH")}),
    ("add NOT NULL", "ALTER TABLE projects ALTER COLUMN budget SET NOT NULL",
     {("column.made_not_null", "app.projects.budget", "MEDIUM")}),
    ("int4 to int8", "ALTER TABLE projects ALTER COLUMN budget TYPE int8",
     {("column.type_widened", "app.projects.budget", "LOW")}),
    ("int4 to int2", "ALTER TABLE projects ALTER COLUMN budget TYPE int2",
     {("column.type_narrowed", "app.projects.budget", "MEDIUM")}),
    ("text to int", "ALTER TABLE projects ALTER COLUMN code TYPE int USING code::int",
     {("column.type_changed", "app.projects.code", "CRITICAL")}),
    ("varchar(20) to varchar(10)", "ALTER TABLE tasks ALTER COLUMN title TYPE varchar(10)",
     {("column.type_narrowed", "app.tasks.title", "MEDIUM")}),
    ("varchar(20) to text", "ALTER TABLE tasks ALTER COLUMN title TYPE text",
     {("column.type_widened", "app.tasks.title", "LOW")}),
    ("timestamptz to timestamp", "ALTER TABLE projects ALTER COLUMN created_at TYPE timestamp",
     {("column.type_changed", "app.projects.created_at", "CRITICAL")}),
    ("enum label added", "ALTER TYPE status ADD VALUE 'blocked'",
     {("enum.label_added", "app.status.blocked", "MEDIUM")}),
    ("enum label removed", """
        ALTER TYPE status RENAME TO status_old;
        CREATE TYPE status AS ENUM ('todo', 'done');
        ALTER TABLE projects ALTER COLUMN status DROP DEFAULT,
            ALTER COLUMN status TYPE status USING status::text::status,
            ALTER COLUMN status SET DEFAULT 'todo';
        DROP TYPE status_old;
     """, {("enum.label_removed", "app.status.doing", "CRITICAL")}),
    ("enum labels reordered", """
        ALTER TYPE status RENAME TO status_old;
        CREATE TYPE status AS ENUM ('done', 'doing', 'todo');
        ALTER TABLE projects ALTER COLUMN status DROP DEFAULT,
            ALTER COLUMN status TYPE status USING status::text::status,
            ALTER COLUMN status SET DEFAULT 'todo';
        DROP TYPE status_old;
     """, {("enum.labels_reordered", "app.status", "MEDIUM")}),
    ("enum added", "CREATE TYPE size AS ENUM ('s', 'm')", {("enum.added", "app.size", "LOW")}),
    ("enum removed", "DROP TYPE color", {("enum.removed", "app.color", "CRITICAL")}),
    ("enum comment", "COMMENT ON TYPE color IS 'paint'",
     {("enum.comment_changed", "app.color", "LOW")}),
    ("drop table", "DROP TABLE tasks", {("table.removed", "app.tasks", "CRITICAL")}),
    ("add table", "CREATE TABLE tags (id int PRIMARY KEY)", {("table.added", "app.tags", "LOW")}),
    ("add view",
     "CREATE VIEW open_projects AS SELECT id, name FROM projects WHERE status <> 'done'",
     {("view.added", "app.open_projects", "LOW")}),
    ("drop view", "DROP VIEW project_names", {("view.removed", "app.project_names", "CRITICAL")}),
    ("add materialized view", "CREATE MATERIALIZED VIEW counts AS SELECT count(*) AS n FROM tasks",
     {("materialized_view.added", "app.counts", "LOW")}),
    ("view definition", "CREATE OR REPLACE VIEW project_names AS SELECT id, name FROM projects "
     "WHERE id > 0", {("view.definition_changed", "app.project_names", "LOW")}),
    ("view becomes read-only", "DROP VIEW project_names; "
     "CREATE VIEW project_names AS SELECT DISTINCT id, name FROM projects",
     {("view.read_only", "app.project_names", "HIGH"),
      ("view.definition_changed", "app.project_names", "LOW")}),
    ("change a default", "ALTER TABLE projects ALTER COLUMN status SET DEFAULT 'doing'",
     {("column.default_changed", "app.projects.status", "LOW")}),
    ("add a default", "ALTER TABLE projects ALTER COLUMN budget SET DEFAULT 0",
     {("column.default_added", "app.projects.budget", "LOW")}),
    ("drop the default of a NOT NULL column",
     "ALTER TABLE projects ALTER COLUMN created_at DROP DEFAULT",
     {("column.default_removed_required", "app.projects.created_at", "HIGH")}),
    ("identity by default", "ALTER TABLE projects ALTER COLUMN id SET GENERATED BY DEFAULT",
     {("column.identity_changed", "app.projects.id", "MEDIUM")}),
    ("collation", 'ALTER TABLE projects ALTER COLUMN code TYPE text COLLATE "POSIX"',
     {("column.collation_changed", "app.projects.code", "LOW")}),
    ("change a column comment", "COMMENT ON COLUMN projects.note IS 'notes'",
     {("column.comment_changed", "app.projects.note", "LOW")}),
    ("change a table comment", "COMMENT ON TABLE projects IS 'All projects'",
     {("relation.comment_changed", "app.projects", "LOW")}),
    ("add an index", "CREATE INDEX projects_name_idx ON projects (name)",
     {("index.added", "app.projects.projects_name_idx", "LOW")}),
    ("add a unique constraint",
     "ALTER TABLE projects ADD CONSTRAINT projects_code_key UNIQUE (code)",
     {("unique.added", "app.projects.projects_code_key", "MEDIUM")}),
    ("add a unique index", "CREATE UNIQUE INDEX projects_code_uidx ON projects (code)",
     {("index.unique_added", "app.projects.projects_code_uidx", "MEDIUM")}),
    ("drop a primary key", "ALTER TABLE tasks DROP CONSTRAINT tasks_pkey",
     {("primary_key.removed", "app.tasks.tasks_pkey", "MEDIUM")}),
    ("a foreign key that now refuses deletes",
     "ALTER TABLE tasks DROP CONSTRAINT tasks_project_id_fkey, ADD CONSTRAINT "
     "tasks_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects ON DELETE RESTRICT",
     {("foreign_key.changed", "app.tasks.tasks_project_id_fkey", "MEDIUM")}),
    ("identity ALWAYS", "ALTER TABLE tasks ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY",
     {("column.identity_always", "app.tasks.id", "HIGH")}),
    ("column becomes generated", "DROP VIEW project_names; ALTER TABLE projects DROP COLUMN name,"
     " ADD COLUMN name text GENERATED ALWAYS AS (code) STORED",
     {("column.made_generated", "app.projects.name", "HIGH"),
      ("column.made_nullable", "app.projects.name", "HIGH"),
      ("relation.columns_reordered", "app.projects", "LOW"),
      ("view.removed", "app.project_names", "CRITICAL")}),
    ("policy turns restrictive",
     "CREATE POLICY only_open ON projects AS RESTRICTIVE FOR SELECT USING (status <> 'done')",
     {("policy.restrictive", "app.projects.only_open", "MEDIUM")}),
    ("add a check constraint",
     "ALTER TABLE projects ADD CONSTRAINT budget_positive CHECK (budget > 0)",
     {("check.added", "app.projects.budget_positive", "MEDIUM")}),
    ("add a foreign key", "ALTER TABLE tasks ADD CONSTRAINT tasks_project_fk "
     "FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE",
     {("foreign_key.added", "app.tasks.tasks_project_fk", "MEDIUM")}),
    ("add an RLS policy", "CREATE POLICY readable ON projects FOR SELECT USING (true)",
     {("policy.added", "app.projects.readable", "LOW")}),
    ("enable RLS", "ALTER TABLE projects ENABLE ROW LEVEL SECURITY",
     {("relation.rls_enabled", "app.projects", "MEDIUM")}),
    ("force RLS", "ALTER TABLE projects FORCE ROW LEVEL SECURITY",
     {("relation.rls_forced", "app.projects", "MEDIUM")}),
    ("add a trigger", """
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
        CREATE TRIGGER projects_touch BEFORE UPDATE ON projects
            FOR EACH ROW EXECUTE FUNCTION touch();
     """, {("trigger.added", "app.projects.projects_touch", "LOW")}),
    ("domain constraint replaced", "ALTER DOMAIN positive DROP CONSTRAINT positive_check; "
     "ALTER DOMAIN positive ADD CONSTRAINT non_negative CHECK (VALUE >= 0)",
     {("check.removed", "app.positive.positive_check", "LOW"),
      ("check.added", "app.positive.non_negative", "MEDIUM")}),
    ("domain NOT NULL", "ALTER DOMAIN positive SET NOT NULL",
     {("domain.made_not_null", "app.positive", "MEDIUM")}),
    ("domain removed", "DROP DOMAIN positive", {("domain.removed", "app.positive", "CRITICAL")}),
    ("composite attribute added", "ALTER TYPE address ADD ATTRIBUTE zip text",
     {("attribute.added", "app.address.zip", "LOW")}),
    ("composite attribute removed", "ALTER TYPE address DROP ATTRIBUTE city",
     {("attribute.removed", "app.address.city", "CRITICAL")}),
    ("composite attribute type", "ALTER TYPE address ALTER ATTRIBUTE city TYPE int",
     {("attribute.type_changed", "app.address.city", "CRITICAL")}),
    ("composite removed", "DROP TYPE address", {("composite.removed", "app.address", "CRITICAL")}),
    # A rename keeps both verdicts; the messages tie the pair together (see below).
    ("rename a column", "ALTER TABLE projects RENAME COLUMN note TO notes",
     {("column.removed", "app.projects.note", "CRITICAL"),
      ("column.added", "app.projects.notes", "LOW")}),
    ("recreated table reorders columns", """
        DROP VIEW project_names;
        ALTER TABLE projects DROP COLUMN name;
        ALTER TABLE projects ADD COLUMN name text NOT NULL DEFAULT '';
        ALTER TABLE projects ALTER COLUMN name DROP DEFAULT;
        CREATE VIEW project_names AS SELECT id, name FROM projects;
     """, {("relation.columns_reordered", "app.projects", "LOW")}),
    # Functions, as code calling them sees it.
    ("function added", "CREATE FUNCTION hello() RETURNS text LANGUAGE sql AS 'SELECT 1::text'",
     {("function.added", "app.hello()", "LOW")}),
    ("function removed", "DROP FUNCTION project_count", {("function.removed", COUNT, "CRITICAL")}),
    ("overload added", "CREATE FUNCTION project_count(min_budget numeric) RETURNS bigint "
     "LANGUAGE sql AS 'SELECT 1::bigint'",
     {("function.added", "app.project_count(min_budget numeric)", "LOW")}),
    ("required argument added", _count("max_budget int, min_budget int DEFAULT 0"),
     {("function.argument_added_required", f"{COUNT}.max_budget", "HIGH")}),
    ("optional argument added", _count("min_budget int DEFAULT 0, max_budget int DEFAULT NULL"),
     {("function.argument_added_optional", f"{COUNT}.max_budget", "LOW")}),
    ("argument removed", "DROP FUNCTION rename_project; CREATE FUNCTION rename_project(id bigint)"
     " RETURNS void LANGUAGE sql AS 'SELECT'",
     {("function.argument_removed", "app.rename_project(id bigint, name text).name",
       "CRITICAL")}),
    ("arguments reordered", "DROP FUNCTION rename_project; "
     "CREATE FUNCTION rename_project(name text, id bigint) RETURNS void LANGUAGE sql AS 'SELECT'",
     {("function.arguments_reordered", "app.rename_project(id bigint, name text)", "HIGH")}),
    ("argument type changed", _count("min_budget numeric DEFAULT 0"),
     {("function.argument_type_changed", f"{COUNT}.min_budget", "HIGH")}),
    ("argument default removed", _count("min_budget int"),
     {("function.argument_default_removed", f"{COUNT}.min_budget", "HIGH")}),
    ("result type changed", _count("min_budget int DEFAULT 0", "integer"),
     {("function.result_changed", COUNT, "CRITICAL")}),
    ("result made a set", _count("min_budget int DEFAULT 0", "SETOF bigint"),
     {("function.result_changed", COUNT, "CRITICAL")}),
    ("function volatility", "ALTER FUNCTION project_count VOLATILE",
     {("function.volatility_changed", COUNT, "MEDIUM")}),
    ("function security definer", "ALTER FUNCTION project_count SECURITY DEFINER",
     {("function.security_changed", COUNT, "MEDIUM")}),
    ("function comment", "COMMENT ON FUNCTION project_count IS 'How many'",
     {("function.comment_changed", COUNT, "LOW")}),
    ("no change", "SELECT 1", set()),
]  # fmt: skip


@pytest.fixture(scope="module")
def database(pg_server: PgServer) -> Iterator[str]:
    with scratch_database(pg_server.dsn()) as dsn:
        yield dsn


def read(dsn: str) -> ir.Schema:
    with psycopg.connect(dsn) as conn:
        return introspect(conn, include_schemas=["app"])


def ranked(changes: list[Change]) -> set[tuple[str, str, str]]:
    result = classify(
        ((c, "lock", "") for c in changes),
        schemasync_severity,
        {},
        {},
    )
    return {(r.change.kind, r.change.path, r.severity.name) for r in result}


@pytest.mark.parametrize(
    ("migration", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_migration_pair(database: str, migration: str, expected: set[tuple[str, str, str]]) -> None:
    run_sql(database, "DROP SCHEMA IF EXISTS app CASCADE; " + BEFORE)
    before = read(database)
    run_sql(database, "SET search_path = app; " + migration)
    after = read(database)
    changes = diff_schemas(before, after)
    assert ranked(changes) == expected
    # Every change has a known kind, a message, and JSON-ready before / after values.
    for change in changes:
        assert change.kind in KINDS
        assert change.message
        msgspec.json.encode(change)
    # The reverse migration reports the mirror image: nothing is one-sided by accident.
    assert bool(diff_schemas(after, before)) == bool(expected)


def test_every_kind_has_a_default_severity_and_the_table_matches_the_brief() -> None:
    assert KINDS["column.removed"] is Severity.CRITICAL
    assert KINDS["enum.label_removed"] is Severity.CRITICAL
    assert KINDS["column.made_nullable"] is Severity.HIGH
    assert KINDS["column.added_required"] is Severity.HIGH
    assert KINDS["enum.label_added"] is Severity.MEDIUM
    assert KINDS["table.added"] is Severity.LOW
    assert KINDS["function.removed"] is Severity.CRITICAL
    assert KINDS["function.result_changed"] is Severity.CRITICAL
    assert KINDS["function.argument_added_required"] is Severity.HIGH
    assert KINDS["function.argument_added_optional"] is Severity.LOW
    kinds_in_cases = {kind for _, _, expected in CASES for kind, _, _ in expected}
    # The pairs above exercise most kinds; the rest are listed here so none goes untested.
    rare = {
        "schema.added", "schema.removed", "partition.added", "partition.removed",
        "relation.kind_changed", "relation.rls_disabled", "relation.rls_unforced",
        "relation.partitioning_changed", "relation.server_changed", "view.writable",
        "column.default_removed", "column.generated_changed", "column.type_widened",
        "domain.added", "domain.type_changed", "domain.type_narrowed", "domain.type_widened",
        "domain.made_nullable", "domain.default_changed", "domain.collation_changed",
        "domain.comment_changed", "composite.added", "composite.comment_changed",
        "attribute.type_narrowed", "attribute.type_widened", "attribute.collation_changed",
        "attribute.comment_changed", "attributes.reordered", "range.added", "range.removed",
        "range.changed", "function.changed", "function.argument_default_added",
        "foreign_table.added", "foreign_table.removed", "materialized_view.removed",
        "model.unmatched", "field.unreadable",
    }  # fmt: skip
    generic = {
        k for k in KINDS if k.split(".")[0] in {
            "primary_key", "foreign_key", "unique", "check", "exclusion", "index", "trigger",
            "policy", "extension",
        }
    }  # fmt: skip
    assert set(KINDS) <= kinds_in_cases | rare | generic


def test_a_renamed_column_keeps_its_verdicts_and_reads_as_a_rename(database: str) -> None:
    run_sql(database, "DROP SCHEMA IF EXISTS app CASCADE; " + BEFORE)
    before = read(database)
    run_sql(database, "ALTER TABLE app.projects RENAME COLUMN note TO notes")
    changes = {c.kind: c for c in diff_schemas(before, read(database))}
    assert set(changes) == {"column.removed", "column.added"}
    assert changes["column.removed"].message == (
        "column removed; looks like a rename to 'notes' (same type, position, comment)"
    )
    assert changes["column.added"].message == (
        "column added; looks like a rename of 'note' (same type, position, comment)"
    )


def test_a_dropped_and_an_unrelated_added_column_are_not_a_rename(database: str) -> None:
    run_sql(database, "DROP SCHEMA IF EXISTS app CASCADE; " + BEFORE)
    before = read(database)
    run_sql(
        database,
        "ALTER TABLE app.projects DROP COLUMN note, DROP COLUMN code, ADD COLUMN size int",
    )
    messages = {c.message for c in diff_schemas(before, read(database))}
    assert not [m for m in messages if "rename" in m]


def test_changes_say_what_happened_in_sql_words(database: str) -> None:
    run_sql(database, "DROP SCHEMA IF EXISTS app CASCADE; " + BEFORE)
    before = read(database)
    run_sql(
        database,
        "ALTER TABLE app.projects ALTER COLUMN budget SET NOT NULL,"
        " ALTER COLUMN name DROP NOT NULL; CREATE TABLE app.tags (id int, label text)",
    )
    changes = {c.kind: c for c in diff_schemas(before, read(database))}
    made = changes["column.made_not_null"]
    assert (made.before, made.after) == ("NULL", "NOT NULL")
    dropped = changes["column.made_nullable"]
    assert (dropped.before, dropped.after) == ("NOT NULL", "NULL")
    added = changes["table.added"]
    assert (added.before, added.after) == (None, {"id": "integer", "label": "text"})


def test_docs_give_every_kind_its_default_and_a_reason() -> None:
    docs = Path(__file__).parents[3] / "docs" / "drift.md"
    documented: dict[str, str] = {}
    for line in docs.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue
        kinds = [name.strip("` ") for name in cells[0].split(" / ")]
        prefix = kinds[0].partition(".")[0]
        for kind in kinds:
            documented[prefix + kind if kind.startswith(".") else kind] = cells[1]
        assert cells[3], f"{cells[0]} has no reason"
    assert documented == {kind: level.name for kind, level in KINDS.items()}
