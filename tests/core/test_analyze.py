"""``schemasync analyze`` and the metrics behind it (``schemasync.analyze``), on real databases.

The metrics are computed from schemas introspected from SQL written here, so each figure is
checked against DDL a reader can count by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import run_cli
from pg import fixture_sql, run_sql
from schemasync import ir
from schemasync.analyze import Coverage, UnindexedForeignKey, WideTable, analyze
from schemasync.codegen.generate import run
from schemasync.config import Config
from schemasync.pipeline import SourceChoice, read_schema
from schemasync.plugins import load_plugins

# Foreign keys with and without a usable index: the index must lead with the key's columns
# (in any order), be complete (not partial) and be a btree, or a hash on one column.
KEYS_SQL = """
CREATE TABLE public.parents (a int, b int, PRIMARY KEY (a, b));
CREATE TABLE public.children (
    id int PRIMARY KEY,
    a int, b int, c int, d int, e int, f int, "Odd Col" int,
    FOREIGN KEY (a, b) REFERENCES public.parents (a, b),
    FOREIGN KEY (b, a) REFERENCES public.parents (b, a) ON DELETE CASCADE
);
CREATE INDEX children_b_a ON public.children (b, a, id);
CREATE TABLE public.others (
    id int,
    c int REFERENCES public.children (id),
    d int REFERENCES public.children (id),
    e int REFERENCES public.children (id),
    f int REFERENCES public.children (id),
    "Odd Col" int REFERENCES public.children (id),
    g int REFERENCES public.children (id)
);
CREATE INDEX others_partial ON public.others (c) WHERE c > 0;
CREATE INDEX others_second ON public.others (id, d);
CREATE INDEX others_hash ON public.others USING hash (e);
CREATE INDEX others_expr ON public.others ((f + 1));
CREATE INDEX others_odd ON public.others ("Odd Col");
CREATE INDEX others_g ON public.others (g DESC);
COMMENT ON TABLE public.others IS 'Other things';
COMMENT ON COLUMN public.others.id IS 'Not a key';
ALTER TABLE public.others ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.children ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_all ON public.children FOR SELECT USING (true);
CREATE VIEW public.child_ids AS SELECT id FROM public.children;
"""


def _schema(dsn: str) -> ir.Schema:
    return read_schema(load_plugins(), Config(), SourceChoice(target=dsn))


@pytest.mark.postgres
def test_metrics_of_the_shared_fixture(pg_dsn: str) -> None:
    run_sql(pg_dsn, fixture_sql("everything"))
    schema = _schema(pg_dsn)

    metrics = analyze(schema, schema_version=7)

    assert metrics.schema_hash == ir.schema_hash(schema)
    assert metrics.schema_version == 7
    # billing.accounts, Projects, bookings, events (partitioned), members, remote things;
    # the two partitions count with their parent.
    assert (metrics.schemas, metrics.tables, metrics.views, metrics.materialized_views) == (
        3,
        6,
        2,
        1,
    )
    assert metrics.columns == 3 + 18 + 3 + 4 + 4 + 2
    assert (metrics.enums, metrics.domains, metrics.composite_types) == (2, 3, 1)
    assert metrics.foreign_keys == 3
    # accounts: pkey, code_key; Projects: pkey, lower_name; members: pkey, role_hash;
    # bookings: pkey, no_overlap. Partitions' copies of indexes are not counted.
    assert metrics.indexes == 8
    # Foreign tables have no RLS: 5 tables, members has RLS and two policies.
    assert metrics.rls_enabled == Coverage(covered=1, total=5)
    assert metrics.rls_with_policies == Coverage(covered=1, total=5)
    assert metrics.rls_without_policies == ()
    assert metrics.table_comments == Coverage(covered=2, total=6)
    assert metrics.column_comments == Coverage(covered=1, total=34)
    assert metrics.widest_tables[:2] == (
        WideTable(schema="public", name="Projects", columns=18),
        WideTable(schema="public", name="events", columns=4),
    )
    assert len(metrics.widest_tables) == 5
    assert metrics.tables_without_primary_key == ("public.events",)
    # members.project_id is the first column of the members primary key: supported.
    assert metrics.foreign_keys_without_index == (
        UnindexedForeignKey(
            schema="public", table="Projects", name="projects_account_fkey", columns=("account_id",)
        ),
        UnindexedForeignKey(
            schema="public",
            table="members",
            name="members_account_id_fkey",
            columns=("account_id",),
        ),
    )


@pytest.mark.postgres
def test_a_supporting_index_leads_with_the_key_columns_and_is_complete(pg_dsn: str) -> None:
    run_sql(pg_dsn, KEYS_SQL)

    metrics = analyze(_schema(pg_dsn))

    unindexed = {(fk.table, fk.columns) for fk in metrics.foreign_keys_without_index}
    assert unindexed == {
        ("others", ("c",)),  # only a partial index
        ("others", ("d",)),  # second column of its index
        ("others", ("f",)),  # an expression over it
    }
    assert metrics.tables_without_primary_key == ("public.others",)
    assert metrics.rls_enabled == Coverage(covered=2, total=3)
    assert metrics.rls_with_policies == Coverage(covered=1, total=3)
    assert metrics.rls_without_policies == ("public.others",)
    assert metrics.table_comments == Coverage(covered=1, total=3)
    assert metrics.column_comments == Coverage(covered=1, total=2 + 8 + 7)
    assert metrics.schema_version is None
    assert metrics.views == 1


def test_an_empty_schema_has_full_coverage_and_no_lists() -> None:
    metrics = analyze(ir.Schema(schemas=("public",)))

    assert metrics.tables == 0
    assert metrics.rls_enabled.percent == 100.0
    assert str(metrics.column_comments) == "0/0 (100%)"
    assert metrics.widest_tables == ()
    assert metrics.foreign_keys_without_index == ()


@pytest.mark.postgres
def test_the_command_prints_the_metrics_and_json(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, KEYS_SQL)
    (tmp_path / "schemasync.toml").write_text("")

    text = run_cli("analyze", cwd=tmp_path, dsn=pg_dsn)
    as_json = run_cli("analyze", "--json", cwd=tmp_path, dsn=pg_dsn)

    assert text.code == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("schema hash         sha256:")
    assert "tables              3" in lines
    assert "RLS enabled         2/3 (67%)" in lines
    assert "columns commented   1/17 (6%)" in lines
    assert lines[1].startswith("schema version      none: the lock file does not hold")
    assert "foreign keys without an index (3):" in lines
    assert "  public.others.others_d_fkey (d)" in lines
    assert "tables without a primary key (1):" in lines
    assert as_json.code == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["tables"] == 3
    assert data["schema_version"] is None
    assert data["rls_with_policies"] == {"covered": 1, "total": 3}
    assert data["foreign_keys_without_index"][0] == {
        "schema": "public",
        "table": "others",
        "name": "others_c_fkey",
        "columns": ["c"],
    }
    assert data["schema_hash"] == lines[0].split()[-1]


@pytest.mark.postgres
def test_the_version_is_the_lock_files_while_it_holds_this_schema(
    pg_dsn: str, tmp_path: Path
) -> None:
    run_sql(pg_dsn, KEYS_SQL)
    (tmp_path / "schemasync.toml").write_text("")
    host = load_plugins()
    config = Config(path=tmp_path / "schemasync.toml")
    run(host, config, read_schema(host, config, SourceChoice(target=pg_dsn)), [])

    synced = run_cli("analyze", "--json", cwd=tmp_path, dsn=pg_dsn)
    run_sql(pg_dsn, "CREATE TABLE public.later (id int)")
    changed = run_cli("analyze", "--json", cwd=tmp_path, dsn=pg_dsn)

    assert json.loads(synced.stdout)["schema_version"] == 1
    assert json.loads(changed.stdout)["schema_version"] is None


@pytest.mark.postgres
def test_the_command_reads_the_schema_like_inspect(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, KEYS_SQL + "CREATE SCHEMA extra; CREATE TABLE extra.t (id int);")
    (tmp_path / "schemasync.toml").write_text("")

    result = run_cli("analyze", "--json", "--schema", "extra", cwd=tmp_path, dsn=pg_dsn)
    missing = run_cli("analyze", cwd=tmp_path)

    assert json.loads(result.stdout)["tables"] == 1
    assert missing.code == 3
    assert "DATABASE_URL" in missing.stderr
