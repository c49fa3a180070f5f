"""Introspection of a real PostgreSQL into the IR: every field, read from a SQL fixture."""

from __future__ import annotations

import gc
import io
import logging
import uuid
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from pg import fixture_sql, run_sql
from schemasync import ir
from schemasync.cli.main import main
from schemasync.errors import IntrospectionError
from schemasync.sources.introspect import Q_ATTRIBUTE_NAMES, introspect

EVERYTHING = fixture_sql("everything")


def read(dsn: str, **kwargs: Any) -> ir.Schema:
    with psycopg.connect(dsn) as conn:
        return introspect(conn, **kwargs)


@pytest.fixture
def everything(pg_dsn: str) -> ir.Schema:
    run_sql(pg_dsn, EVERYTHING)
    return read(pg_dsn)


def test_schemas_and_their_comments(everything: ir.Schema) -> None:
    assert everything.schemas == ("Odd Schema", "billing", "public")
    assert everything.schema_comments == {
        "billing": "Money matters",
        "public": "standard public schema",
    }


def test_enums_keep_label_order_and_exact_labels(everything: ir.Schema) -> None:
    status = everything.enum("public", "task_status")
    assert status.labels == ("todo", "in progress", "done", "2fa", "class", "")
    assert status.comment == "Where a task stands"
    assert everything.enum("billing", "currency").labels == ("EUR", "USD")


def test_domains(everything: ir.Schema) -> None:
    domains = {d.name: d for d in everything.domains}
    pct = domains["percentage"]
    assert pct.base_type.sql == "numeric(5,2)"
    assert pct.base_type.modifiers == (5, 2)
    assert pct.not_null
    assert pct.default == "0"
    assert pct.comment == "Between 0 and 100"
    assert [(c.name, c.expression) for c in pct.checks] == [
        ("percentage_range", "((VALUE >= (0)::numeric) AND (VALUE <= (100)::numeric))")
    ]
    code = domains["short_code"]
    assert (code.base_type.name, code.base_type.modifiers, code.collation) == ("varchar", (8,), "C")
    assert not code.not_null
    assert domains["tags"].base_type.array_dims == 1
    assert domains["tags"].base_type.name == "text"


def test_composite_and_range_types(everything: ir.Schema) -> None:
    (address,) = everything.composite_types
    assert address.comment == "A postal address"
    assert [(a.name, a.type.sql) for a in address.attributes] == [
        ("street", "text"),
        ("Zip Code", "character varying(10)"),
        ("geo", "point"),
    ]
    assert address.attributes[0].comment == "Street and number"
    (prices,) = everything.range_types
    assert (prices.name, prices.subtype.name, prices.comment) == (
        "price_range",
        "numeric",
        "Prices",
    )
    # Multiranges exist from PostgreSQL 14 on.
    assert prices.multirange in (None, "price_multirange")


def test_relation_kinds(everything: ir.Schema) -> None:
    kinds = {r.qualified_name: r.kind for r in everything.relations}
    assert kinds == {
        "Odd Schema.remote things": "foreign_table",
        "billing.account_totals": "materialized_view",
        "billing.accounts": "table",
        "public.Projects": "table",
        "public.bookings": "table",
        "public.events": "partitioned_table",
        "public.events_2024": "table",
        "public.events_default": "table",
        "public.members": "table",
        "public.open_projects": "view",
        "public.project_counts": "view",
    }


def test_columns_in_order_with_every_attribute(everything: ir.Schema) -> None:
    projects = everything.relation("public", "Projects")
    assert projects.comment == 'Projects, with "quotes" and a backslash \\ in the comment'
    assert [c.name for c in projects.columns] == [
        "id", "account_id", "Name", "class", "from", "1st place", "naïve café", "status",
        "statuses", "budget", "progress", "labels", "created_at", "local_at", "grid", "home",
        "prices", "budget_twice",
    ]  # fmt: skip
    col = projects.column
    assert col("id").identity == "by_default"
    assert not col("id").nullable
    assert everything.relation("billing", "accounts").column("id").identity == "always"
    name = col("Name")
    assert (name.type.name, name.type.sql, name.type.modifiers) == (
        "varchar",
        "character varying(40)",
        (40,),
    )
    assert (name.nullable, name.comment) == (False, "Shown in the UI")
    assert col("1st place").collation == "C"
    assert col("naïve café").collation is None
    status = col("status")
    assert (status.type.schema, status.type.kind, status.default) == (
        "public",
        "enum",
        "'todo'::public.task_status",
    )
    statuses = col("statuses").type
    assert (statuses.name, statuses.kind, statuses.array_dims) == ("task_status", "enum", 1)
    assert col("budget").type.modifiers == (10, 2)
    assert col("progress").type.kind == "domain"
    assert col("labels").type.kind == "domain"
    created = col("created_at")
    assert (created.type.name, created.type.sql, created.type.modifiers) == (
        "timestamptz",
        "timestamp(3) with time zone",
        (3,),
    )
    assert created.default == "now()"
    assert col("local_at").type.name == "timestamp"
    assert (col("grid").type.name, col("grid").type.array_dims) == ("int4", 2)
    assert (col("home").type.kind, col("home").type.name) == ("composite", "address")
    assert col("prices").type.kind == "range"
    twice = col("budget_twice")
    assert twice.generated == "(budget * (2)::numeric)"
    assert twice.default is None


def test_keys_and_constraints(everything: ir.Schema) -> None:
    projects = everything.relation("public", "Projects")
    assert projects.primary_key == ir.PrimaryKey(name="Projects_pkey", columns=("id",))
    (fk,) = projects.foreign_keys
    assert fk == ir.ForeignKey(
        name="projects_account_fkey",
        columns=("account_id",),
        ref_schema="billing",
        ref_table="accounts",
        ref_columns=("id",),
        on_update="cascade",
        on_delete="restrict",
    )
    checks = {c.name: c for c in projects.check_constraints}
    assert checks["projects_name_not_blank"].validated is False
    assert checks["projects_name_not_blank"].columns == ("Name",)
    assert checks["Projects_budget_check"].expression == "(budget >= (0)::numeric)"

    members = everything.relation("public", "members")
    assert members.primary_key is not None
    assert members.primary_key.columns == ("project_id", "account_id")
    fks = {fk.name: fk for fk in members.foreign_keys}
    to_accounts = fks["members_account_id_fkey"]
    assert (to_accounts.match, to_accounts.on_delete, to_accounts.deferrable) == (
        "full",
        "set_null",
        True,
    )
    assert fks["members_project_id_fkey"].ref_table == "Projects"

    (unique,) = everything.relation("billing", "accounts").unique_constraints
    assert (unique.columns, unique.deferrable, unique.initially_deferred) == (("code",), True, True)
    (exclusion,) = everything.relation("public", "bookings").exclusion_constraints
    assert exclusion == ir.ExclusionConstraint(
        name="bookings_no_overlap", definition="EXCLUDE USING gist (during WITH &&)"
    )


def test_indexes(everything: ir.Schema) -> None:
    indexes = {i.name: i for i in everything.relation("public", "Projects").indexes}
    lower = indexes["projects_lower_name_idx"]
    assert lower.unique
    assert lower.columns == ('lower("Name"::text)', "account_id")
    assert lower.predicate == "(status <> 'done'::public.task_status)"
    assert lower.constraint is None
    assert indexes["Projects_pkey"].primary
    assert indexes["Projects_pkey"].constraint == "Projects_pkey"
    members = {i.name: i for i in everything.relation("public", "members").indexes}
    assert members["members_role_hash"].method == "hash"


def test_triggers(everything: ir.Schema) -> None:
    (touch,) = everything.relation("public", "members").triggers
    assert (touch.function, touch.timing, touch.events, touch.level, touch.enabled) == (
        "public.touch",
        "before",
        ("insert", "update"),
        "row",
        True,
    )
    (audit,) = everything.relation("public", "Projects").triggers
    assert (audit.timing, audit.events, audit.level, audit.enabled) == (
        "after",
        ("delete",),
        "statement",
        False,
    )


def test_row_level_security(everything: ir.Schema) -> None:
    members = everything.relation("public", "members")
    assert (members.rls_enabled, members.rls_forced) == (True, True)
    policies = {p.name: p for p in members.policies}
    assert policies["members_read"] == ir.Policy(
        name="members_read", command="select", roles=("public",), using="true"
    )
    write = policies["members_write"]
    assert (write.command, write.permissive, write.roles) == ("update", False, ("postgres",))
    assert write.using == "(role <> 'owner'::text)"
    assert write.with_check == "(role <> 'owner'::text)"
    assert not everything.relation("public", "Projects").rls_enabled


def test_partitions(everything: ir.Schema) -> None:
    events = everything.relation("public", "events")
    assert events.partition_key == "RANGE (happened_on)"
    assert events.partitions == ("public.events_2024", "public.events_default")
    part = everything.relation("public", "events_2024").partition_of
    assert part == ir.Partition(
        parent_schema="public",
        parent_name="events",
        bound="FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    )
    default = everything.relation("public", "events_default").partition_of
    assert default is not None
    assert default.bound == "DEFAULT"


def test_views(everything: ir.Schema) -> None:
    open_projects = everything.relation("public", "open_projects")
    assert open_projects.comment == "Not done yet"
    assert [c.name for c in open_projects.columns] == ["id", "Name", "status"]
    assert open_projects.view_definition is not None
    assert 'FROM public."Projects"' in open_projects.view_definition
    assert (open_projects.insertable, open_projects.updatable) == (True, True)
    counts = everything.relation("public", "project_counts")
    assert (counts.insertable, counts.updatable, counts.deletable) == (False, False, False)
    totals = everything.relation("billing", "account_totals")
    assert totals.kind == "materialized_view"
    assert not totals.updatable
    remote = everything.relation("Odd Schema", "remote things")
    assert remote.foreign_server == "schemasync_dummy_server"
    assert not remote.columns[0].nullable


def test_functions(everything: ir.Schema) -> None:
    functions = {(f.schema, f.name): f for f in everything.functions}
    # Range constructors belong to the range type, trigger functions to their triggers.
    assert set(functions) == {("billing", "accounts_in"), ("billing", "add"), ("billing", "reset")}
    add = functions["billing", "add"]
    assert add.identity_arguments == "a integer, b integer"
    assert [(a.name, a.type, a.has_default) for a in add.arguments] == [
        ("a", "integer", False),
        ("b", "integer", True),
    ]
    assert (add.returns, add.volatility, add.language) == ("integer", "immutable", "sql")
    accounts_in = functions["billing", "accounts_in"]
    assert (accounts_in.returns_set, accounts_in.security_definer) == (True, True)
    assert accounts_in.returns == "SETOF billing.accounts"
    assert everything.result_kind(accounts_in) == "row"
    reset = functions["billing", "reset"]
    assert (reset.kind, reset.returns, reset.return_type) == ("procedure", None, None)


FUNCTIONS = fixture_sql("functions")


@pytest.fixture
def library(pg_dsn: str) -> ir.Schema:
    run_sql(pg_dsn, FUNCTIONS)
    return read(pg_dsn)


def _shape(schema: ir.Schema, fn: ir.Function) -> tuple[object, ...]:
    return (
        [
            (a.name, a.mode, a.has_default, a.type_ref.sql if a.type_ref else None)
            for a in fn.arguments
        ],
        schema.result_kind(fn),
        fn.returns_set,
        fn.return_type.qualified_name if fn.return_type else None,
    )


def test_every_callable_function_and_nothing_else(library: ir.Schema) -> None:
    names = [f.name for f in library.functions]
    # Overloads are told apart by their identity arguments and kept in a stable order.
    assert [f.identity_arguments for f in library.functions if f.name == "add"] == [
        "a integer, b integer",
        "a numeric, b numeric",
        "a text, b text",
    ]
    assert len(names) == 27
    # Trigger functions and aggregates are not called by name.
    assert "touch" not in names
    assert "longest" not in names


def test_function_arguments_and_results(library: ir.Schema) -> None:
    fns = {f.signature: f for f in library.functions}

    def shape(signature: str) -> tuple[object, ...]:
        return _shape(library, fns[f"library.{signature}"])

    assert shape("add(a integer, b integer)") == (
        [("a", "in", False, "integer"), ("b", "in", True, "integer")],
        "scalar",
        False,
        "pg_catalog.int4",
    )
    assert shape("total(VARIADIC numbers integer[])") == (
        [("numbers", "variadic", False, "integer[]")],
        "scalar",
        False,
        "pg_catalog.int8",
    )
    assert shape("greet(greeting text, VARIADIC names text[])")[0] == [
        ("greeting", "in", True, "text"),
        ("names", "variadic", True, "text[]"),
    ]
    assert shape("split_name(full_name text, OUT first text, OUT last text)") == (
        [
            ("full_name", "in", False, "text"),
            ("first", "out", False, "text"),
            ("last", "out", False, "text"),
        ],
        "columns",
        False,
        "pg_catalog.record",
    )
    # A single INOUT argument makes the result that argument's type.
    assert shape("increment(INOUT counter integer, step integer)")[1:] == (
        "scalar",
        False,
        "pg_catalog.int4",
    )
    assert shape("author_names(OUT id bigint, OUT name text)")[1:] == (
        "columns",
        True,
        "pg_catalog.record",
    )
    stats = fns["library.author_stats(min_books integer)"]
    assert [(a.name, a.mode) for a in stats.outputs] == [
        ("author_id", "table"),
        ("books", "table"),
        ("titles", "table"),
        ("mood", "table"),
    ]
    assert [a.name for a in stats.inputs] == ["min_books"]
    assert stats.comment == "Books per author"
    assert shape("books_by(author bigint)")[1:] == ("row", True, "library.books")
    assert shape("first_author()")[1:] == ("row", False, "library.authors")
    assert shape("titles()")[1:] == ("scalar", True, "pg_catalog.text")
    assert shape("make_price(amount numeric, currency text)")[1:] == (
        "composite",
        False,
        "library.price",
    )
    assert shape("prices()")[1:] == ("composite", True, "library.price")
    assert shape("mood_of(author bigint)")[1:] == ("scalar", False, "library.mood")
    assert shape("moods()")[1:] == ("scalar", True, "library.mood")
    log_visit = fns["library.log_visit(page text)"]
    assert library.result_kind(log_visit) == "void"
    assert (log_visit.security_definer, log_visit.volatility) == (True, "volatile")
    same = fns["library.same(value anyelement)"]
    assert same.return_type is not None
    assert (same.return_type.kind, same.return_type.name) == ("pseudo", "anyelement")
    assert fns["library.tags_of(book bigint)"].return_type == ir.TypeRef(
        schema="pg_catalog", name="text", kind="base", sql="text[]", array_dims=1
    )
    checked = fns["library.checked(n library.positive)"]
    assert checked.return_type is not None
    assert checked.return_type.kind == "domain"
    count_books = fns["library.count_books(INOUT total bigint)"]
    assert (count_books.kind, library.result_kind(count_books)) == ("procedure", "void")
    assert fns["library.moods()"].volatility == "immutable"
    assert fns["library.titles()"].volatility == "stable"


def test_extensions_are_listed(everything: ir.Schema) -> None:
    assert ir.Extension(name="plpgsql", schema="pg_catalog", version="1.0") in everything.extensions


def test_ir_round_trips_through_canonical_json(everything: ir.Schema) -> None:
    encoded = ir.encode_schema(everything)
    assert ir.decode_schema(encoded) == everything
    assert ir.encode_schema(ir.decode_schema(encoded)) == encoded


def test_inspect_json_is_byte_identical_across_runs(
    pg_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_sql(pg_dsn, EVERYTHING)
    monkeypatch.setenv("DATABASE_URL", pg_dsn)
    monkeypatch.delenv("SUPABASE_DB_URL", raising=False)
    outputs = []
    for _ in range(2):
        out = io.StringIO()
        assert main(["inspect", "--json"], out=out) == 0
        outputs.append(out.getvalue().encode())
    assert outputs[0] == outputs[1]
    assert ir.decode_schema(outputs[0]) == read(pg_dsn)


def test_filters_by_schema(pg_dsn: str) -> None:
    run_sql(pg_dsn, EVERYTHING)
    only_billing = read(pg_dsn, include_schemas=["billing"])
    assert only_billing.schemas == ("billing",)
    assert {r.name for r in only_billing.relations} == {"accounts", "account_totals"}
    assert [e.name for e in only_billing.enums] == ["currency"]
    assert {f.schema for f in only_billing.functions} == {"billing"}
    without = read(pg_dsn, exclude_schemas=["public", "Odd Schema"])
    assert without.schemas == ("billing",)
    with pytest.raises(IntrospectionError, match="schema 'nope' does not exist"):
        read(pg_dsn, include_schemas=["nope"])


def test_dropped_columns_leave_no_trace(pg_dsn: str) -> None:
    run_sql(pg_dsn, "CREATE TABLE t (a int, b int, c text); ALTER TABLE t DROP COLUMN b;")
    with_gap = read(pg_dsn)
    run_sql(pg_dsn, "DROP TABLE t; CREATE TABLE t (a int, c text);")
    assert ir.schema_hash(read(pg_dsn)) == ir.schema_hash(with_gap)


def test_objects_owned_by_extensions_are_left_out(pg_dsn: str) -> None:
    run_sql(
        pg_dsn,
        "CREATE TABLE mine (id int); CREATE TABLE theirs (id int);"
        "CREATE TYPE their_enum AS ENUM ('x'); CREATE FUNCTION their_fn() RETURNS int"
        " LANGUAGE sql AS 'SELECT 1';"
        # Making objects members of an extension is what CREATE EXTENSION does for its own.
        "ALTER EXTENSION plpgsql ADD TABLE theirs; ALTER EXTENSION plpgsql ADD TYPE their_enum;"
        "ALTER EXTENSION plpgsql ADD FUNCTION their_fn();",
    )
    schema = read(pg_dsn)
    assert [r.name for r in schema.relations] == ["mine"]
    assert schema.enums == ()
    assert schema.functions == ()


def test_query_count_does_not_grow_with_tables(pg_dsn: str) -> None:
    def ddl(first: int, count: int) -> str:
        columns = ", ".join(f"c{i} text" for i in range(19))
        return "".join(
            f"CREATE TABLE t{n} (id bigint PRIMARY KEY, {columns});"
            for n in range(first, first + count)
        )

    class CountingCursor(psycopg.Cursor[Any]):
        executed = 0

        def execute(self, *args: Any, **kwargs: Any) -> Any:
            CountingCursor.executed += 1
            return super().execute(*args, **kwargs)

    def count_queries() -> tuple[int, int]:
        CountingCursor.executed = 0
        with psycopg.connect(pg_dsn, cursor_factory=CountingCursor) as conn:
            schema = introspect(conn)
        return CountingCursor.executed, len(schema.relations)

    run_sql(pg_dsn, ddl(0, 10))
    small, tables = count_queries()
    assert tables == 10
    run_sql(pg_dsn, ddl(10, 990))
    large, tables = count_queries()
    assert tables == 1000
    assert large == small
    assert small <= 17


def test_the_catalog_is_read_without_jit_whatever_the_client_asks(
    pg_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With statistics, the recursive query of referenced types is estimated at millions of
    # rows; JIT compiled it on every read (0.4 s of 0.45 s at 1,000 tables).
    seen: list[tuple[str, str]] = []

    class ShowingCursor(psycopg.Cursor[Any]):
        def execute(self, *args: Any, **kwargs: Any) -> Any:
            result = super().execute(*args, **kwargs)
            query = args[0] if isinstance(args[0], str) else bytes(args[0]).decode()
            if not seen and "pg_namespace" in query:  # the first catalog query
                with self.connection.cursor() as show:
                    jit = show.execute("SHOW jit").fetchone()
                    cost = show.execute("SHOW jit_above_cost").fetchone()
                    assert jit is not None
                    assert cost is not None
                    seen.append((jit[0], cost[0]))
            return result

    run_sql(pg_dsn, "CREATE TABLE t (id int);")
    monkeypatch.setenv("PGOPTIONS", "-c jit=on -c jit_above_cost=0")
    with psycopg.connect(pg_dsn, cursor_factory=ShowingCursor) as conn:
        introspect(conn)

    assert seen == [("off", "0")]  # the client's cost stands, JIT is off all the same


def _read_counting_name_lookups(dsn: str, **kwargs: Any) -> tuple[ir.Schema, int]:
    """The schema, and how many times the names of attributes outside the columns read
    were asked for."""

    class RecordingCursor(psycopg.Cursor[Any]):
        lookups = 0

        def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
            if bytes(query) == Q_ATTRIBUTE_NAMES.encode():
                RecordingCursor.lookups += 1
            return super().execute(query, *args, **kwargs)

    with psycopg.connect(dsn, cursor_factory=RecordingCursor) as conn:
        return introspect(conn, **kwargs), RecordingCursor.lookups


def test_keys_are_named_from_the_columns_read_and_the_rest_asked_for(pg_dsn: str) -> None:
    run_sql(
        pg_dsn,
        "CREATE SCHEMA other; CREATE TABLE other.parent (id int PRIMARY KEY, code text UNIQUE);"
        "CREATE TABLE child (id int PRIMARY KEY, code text REFERENCES other.parent (code),"
        " r int4range, EXCLUDE USING gist (r WITH &&), EXCLUDE ((id + 1) WITH =, code WITH =));"
        "CREATE TABLE plain (id int PRIMARY KEY, child_id int REFERENCES child,"
        " CHECK (child_id <> id));",
    )
    # Every key names columns of the tables read (an expression names none): no more queries.
    everything, lookups = _read_counting_name_lookups(pg_dsn)
    assert lookups == 0
    child = everything.relation("public", "child")
    assert child.foreign_keys[0].ref_columns == ("code",)
    # A table in a schema left out: its columns are asked for, once.
    public, lookups = _read_counting_name_lookups(pg_dsn, include_schemas=["public"])
    assert lookups == 1
    assert public.relation("public", "child") == child
    assert public.relation("public", "plain") == everything.relation("public", "plain")
    # A system column, which is no column read: asked for too.
    run_sql(pg_dsn, "ALTER TABLE plain ADD CONSTRAINT by_table CHECK (tableoid <> 0 AND id > 0)")
    everything, lookups = _read_counting_name_lookups(pg_dsn)
    assert lookups == 1
    by_table = everything.relation("public", "plain").check_constraints[0]
    assert (by_table.name, by_table.columns) == ("by_table", ("id", "tableoid"))


def test_the_garbage_collector_is_paused_while_reading_and_only_then(pg_dsn: str) -> None:
    run_sql(pg_dsn, "CREATE TABLE t (id int PRIMARY KEY)")
    states: list[bool] = []

    class Cursor(psycopg.Cursor[Any]):
        def execute(self, *args: Any, **kwargs: Any) -> Any:
            states.append(gc.isenabled())
            return super().execute(*args, **kwargs)

    with psycopg.connect(pg_dsn, cursor_factory=Cursor) as conn:
        introspect(conn)
        assert gc.isenabled()
        assert states
        assert not any(states)
        # A caller that paused it finds it paused still, and an error resumes it.
        gc.disable()
        try:
            introspect(conn)
            assert not gc.isenabled()
        finally:
            gc.enable()
        with pytest.raises(IntrospectionError):
            introspect(conn, include_schemas=["nope"])
        assert gc.isenabled()


def test_role_without_usage_on_a_schema(pg_dsn: str) -> None:
    role = f"schemasync_reader_{uuid.uuid4().hex[:8]}"
    run_sql(
        pg_dsn,
        f"CREATE SCHEMA private; CREATE TABLE private.secrets (id int);"
        f"CREATE TABLE public.open (id int); CREATE ROLE {role} LOGIN;",
    )
    try:
        as_role = make_conninfo(pg_dsn, user=role, password=None)
        with pytest.raises(IntrospectionError, match="no USAGE privilege on schema 'private'"):
            read(as_role, include_schemas=["private"])
        schema = read(as_role)
        assert schema.schemas == ("public",)
        assert [r.name for r in schema.relations] == ["open"]
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}; DROP ROLE {role}".encode())


def test_role_without_usage_is_warned_about(pg_dsn: str, caplog: pytest.LogCaptureFixture) -> None:
    role = f"schemasync_reader_{uuid.uuid4().hex[:8]}"
    run_sql(pg_dsn, f"CREATE SCHEMA private; CREATE ROLE {role} LOGIN;")
    try:
        with caplog.at_level(logging.WARNING, logger="schemasync"):
            read(make_conninfo(pg_dsn, user=role))
        assert "skipped schema 'private'" in caplog.text
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}; DROP ROLE {role}".encode())


def test_statement_timeout_is_reported(pg_dsn: str) -> None:
    run_sql(pg_dsn, "CREATE TABLE t (id int); CREATE VIEW v AS SELECT id FROM t;")
    # pg_relation_is_updatable opens the view, so a lock held elsewhere makes it wait.
    with psycopg.connect(pg_dsn) as locker:
        locker.execute("LOCK TABLE v IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(IntrospectionError, match="statement timeout"):
            read(pg_dsn, statement_timeout_ms=200)


def test_empty_database(pg_dsn: str) -> None:
    schema = read(pg_dsn)
    assert schema.schemas == ("public",)
    assert schema.relations == ()
