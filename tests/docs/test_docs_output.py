"""The docs emitter's output for every case of ``docs_support.CASES``, read back the way
GitHub reads it.

Each case (a SQL script and options) is generated through ``schemasync.codegen.generate.plan`` from
a real database and compared byte for byte with ``golden/<case>/``; run pytest with
``--update-golden`` to rewrite those files instead, then review the diff. The IR is
canonical across PostgreSQL releases, so the golden files hold for every server.

Then: each internal link resolves to a generated page and an anchor on it; every Mermaid
block parses with the real ``mermaid.parse()`` under Node.js; hostile names and comments
(``hostile.sql``) render as text inside their table cells; pages hold what the schema says.
"""

from __future__ import annotations

import difflib
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from docs_support import (
    CASES,
    GOLDEN,
    Case,
    Files,
    generate,
    load_schema,
    mermaid_errors,
    read_page,
    resolve,
    table_rows,
)

from generated import assert_run_then_check_is_clean
from pg import PgServer, run_sql, scratch_database
from schemasync.plugins import load_plugins

NAMES = [case.name for case in CASES]


@pytest.fixture(scope="module")
def databases(pg_server: PgServer) -> Iterator[dict[str, str]]:
    """A database per SQL script of the cases, kept for the module; DSNs by script."""
    with ExitStack() as stack:
        dsns: dict[str, str] = {}
        for sql in dict.fromkeys(case.sql for case in CASES):
            dsns[sql] = stack.enter_context(scratch_database(pg_server.dsn()))
            run_sql(dsns[sql], sql)
        yield dsns


@pytest.fixture(scope="module")
def documented(
    databases: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Files]:
    """Every case's files by path, by case name; each SQL script introspected once."""
    host = load_plugins()
    result: dict[str, Files] = {}
    for sql, dsn in databases.items():
        schema = load_schema(host, dsn)
        for case in CASES:
            if case.sql == sql:
                root = tmp_path_factory.mktemp(case.name)
                result[case.name] = generate(host, schema, case.options, root)
    return result


def _on_disk(case: str) -> Files:
    folder = GOLDEN / case
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _diff(path: str, expected: bytes, actual: bytes) -> str:
    lines = difflib.unified_diff(
        expected.decode().splitlines(keepends=True),
        actual.decode().splitlines(keepends=True),
        f"golden/{path}",
        f"generated/{path}",
    )
    return "".join(list(lines)[:80])


@pytest.mark.postgres
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_output_matches_the_golden_files(
    case: Case, documented: dict[str, Files], update_golden: bool
) -> None:
    files = documented[case.name]
    assert "README.md" in files
    if update_golden:
        shutil.rmtree(GOLDEN / case.name, ignore_errors=True)
        for path, content in files.items():
            target = GOLDEN / case.name / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        return
    golden = _on_disk(case.name)
    assert sorted(files) == sorted(golden), "files differ: rerun with --update-golden"
    for path, content in files.items():
        assert content == golden[path], (
            f"{case.name}/{path} differs from the golden file (rerun with --update-golden "
            f"and review the diff):\n{_diff(path, golden[path], content)}"
        )


@pytest.mark.postgres
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_check_right_after_run_finds_nothing(
    case: Case, databases: dict[str, str], tmp_path: Path
) -> None:
    """``run`` then ``check --against code``, ``lock`` and ``both`` exit 0 with no change and
    no stale page."""
    dsn = databases[case.sql]
    assert_run_then_check_is_clean("docs", case.options, dsn, tmp_path, models=False)


@pytest.mark.postgres
@pytest.mark.parametrize("case", NAMES)
def test_every_internal_link_resolves_to_a_page_and_an_anchor(
    case: str, documented: dict[str, Files]
) -> None:
    files = documented[case]
    pages = {path: read_page(content) for path, content in files.items()}
    checked = 0
    for source, page in pages.items():
        duplicated = [a for a, n in Counter(page.anchors).items() if n > 1]
        assert not duplicated, f"{source}: anchors defined twice: {duplicated}"
        for href in page.links:
            assert not re.match(r"[a-z][a-z0-9+.-]*:|/", href), f"{source}: not relative: {href}"
            target, anchor = resolve(source, href)
            assert target in pages, f"{source}: {href} points at no generated page"
            if anchor:
                assert anchor in pages[target].anchors, f"{source}: {href}: no such anchor"
            checked += 1
    # Every page is reachable from the overview, and every relation has a page.
    linked = {resolve(s, h)[0] for s, p in pages.items() for h in p.links}
    assert linked == set(pages)
    assert checked > 3 * len(pages)


@pytest.mark.postgres
def test_every_mermaid_block_parses_with_the_real_parser(documented: dict[str, Files]) -> None:
    diagrams = [
        content
        for case in NAMES
        for page in documented[case].values()
        for info, content in read_page(page).fences
        if info == "mermaid"
    ]
    tables = sum(1 for path in documented["everything"] if path.count("/") == 1)
    assert len(diagrams) > tables
    errors = mermaid_errors(diagrams)
    failures = [(d, e) for d, e in zip(diagrams, errors, strict=True) if e is not None]
    assert not failures, failures[0]


def test_the_mermaid_check_rejects_a_broken_diagram() -> None:
    valid = 'erDiagram\n    a["public.a"] {\n        int4 id PK\n    }\n    a ||--o{ b : "fk"\n'
    errors = mermaid_errors([valid, valid.replace(' : "fk"', ""), "erDiagram\n    a {\n"])
    assert errors[0] is None
    assert errors[1] is not None
    assert errors[2] is not None


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_without_node_the_mermaid_check_fails_in_ci_and_skips_elsewhere(
    ci: str, outcome: type[BaseException], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    if ci:
        monkeypatch.setenv("CI", ci)
    else:
        monkeypatch.delenv("CI", raising=False)

    with pytest.raises(outcome, match="node is not installed"):
        mermaid_errors(["erDiagram"])


def _page(files: Files, prefix: str) -> bytes:
    (path,) = [p for p in files if p.startswith(prefix)]
    return files[path]


@pytest.mark.postgres
def test_a_hostile_comment_renders_inside_its_table_cell(documented: dict[str, Files]) -> None:
    page = read_page(_page(documented["hostile"], "weird-b-schema"))
    rows = table_rows(page.html)
    columns = next(r for r in rows if r[0] == "Column")
    note = next(r for r in rows if r[0] == "note")
    assert len(note) == len(columns) == 7
    assert note[-1] == "a | b `c` <script>alert(1)</script>\nsecond line & more"
    owner = next(r for r in rows if r[0] == "owner|id")
    assert owner[-1] == "$x$ is not math"
    # Nothing a user wrote became markup: the only tags are the renderer's and ours.
    assert "<script" not in page.html
    assert "<img" not in page.html
    assert "<b>" not in page.html
    tags = set(re.findall(r"<([a-z0-9]+)", page.html))
    assert tags <= {"h1", "h2", "h3", "p", "a", "br", "code", "pre", "table", "thead", "tbody",
                    "tr", "th", "td", "em", "strong"}  # fmt: skip


@pytest.mark.postgres
def test_hostile_texts_stay_text_outside_tables(documented: dict[str, Files]) -> None:
    page = read_page(_page(documented["hostile"], "weird-b-schema"))
    assert (
        "<p># Not a heading<br>1. not a list<br>[not](a link) ![nor](an image) "
        "&lt;img src=x onerror=alert(1)&gt;</p>" in page.html
    )
    assert "<h1>Table Weird &lt;b&gt;Schema&lt;/b&gt;.tab|le `one` &quot;quoted&quot;</h1>" in (
        page.html
    )
    # Policy expressions are code blocks holding the SQL exactly, backtick runs included.
    sql = [content for info, content in page.fences if info == "sql"]
    assert "((note <> '```'::text) AND (note <> '````'::text))\n" in sql
    assert "(note IS DISTINCT FROM '<script>'::text)\n" in sql
    view = read_page(_page(documented["hostile"], "public/view-with"))
    assert "<script" not in view.html
    assert [c for i, c in view.fences if i == "sql"] == [
        "SELECT id\n     , CAST('```sql' AS text) AS \"fence|col\"\nFROM public.users\n"
    ]


@pytest.mark.postgres
def test_names_differing_only_by_case_get_distinct_files(documented: dict[str, Files]) -> None:
    paths = list(documented["hostile"])
    assert len({p.lower() for p in paths}) == len(paths)
    assert "public/users.md" in paths
    upper = _page(documented["hostile"], "public/users-").decode()
    assert "# Table public.Users" in upper
    assert r"\*\*not bold\*\* \_nor this\_" in upper
    for path in paths:
        assert re.fullmatch(r"[a-z0-9_-]+(/[a-z0-9_-]+)?\.md|README\.md", path), path


@pytest.mark.postgres
def test_a_table_page_documents_columns_keys_security_and_references(
    documented: dict[str, Files],
) -> None:
    files = documented["everything"]
    members = read_page(files["public/members.md"])
    rows = table_rows(members.html)
    project = next(r for r in rows if r[0] == "project_id")
    assert project[1:6] == ["integer", "no", "", "", "members_project_id_fkey → public.Projects.id"]
    role = next(r for r in rows if r[0] == "role")
    assert role[3] == "'viewer'::text"
    fks = {r[0]: r for r in rows if r[0].startswith("members_") and r[0].endswith("fkey")}
    assert fks["members_account_id_fkey"][3:] == [
        "no action",
        "set null",
        "match full, deferrable",
    ]
    assert fks["members_project_id_fkey"][3:] == ["no action", "cascade", ""]
    assert ["members_touch", "before", "insert, update", "row", "public.touch", "yes"] in rows
    policy = ["UPDATE", "restrictive", "postgres"]
    assert policy in rows
    assert ["SELECT", "permissive", "public"] in rows
    source = files["public/members.md"].decode()
    assert "**Enabled**, forced for the table owner too." in source
    assert "USING:\n\n```sql\n(role <> 'owner'::text)\n```" in source
    assert "WITH CHECK:\n\n```sql\n(role <> 'owner'::text)\n```" in source

    projects = read_page(_page(files, "public/projects-"))
    rows = table_rows(projects.html)
    assert next(r for r in rows if r[0] == "budget_twice")[4] == (
        "generated (stored): (budget * (2)::numeric)"
    )
    assert next(r for r in rows if r[0] == "id")[4] == "identity, by default"
    assert ["public.members", "members_project_id_fkey", "project_id", "id"] in rows
    assert ["projects_name_not_blank", '(length(("Name")::text) > 0)', "no"] in rows

    view = files["public/open_projects.md"].decode()
    assert "## Definition\n\n```sql\nSELECT" in view
    assert "Accepts INSERT, UPDATE, DELETE." in view
    assert "## Relationships" not in view


@pytest.mark.postgres
def test_the_enums_page_lists_labels_in_order_and_where_each_is_used(
    documented: dict[str, Files],
) -> None:
    page = read_page(documented["everything"]["enums.md"])
    rows = table_rows(page.html)
    labels = [r[1] for r in rows if r[0].isdigit()]
    assert labels == ["EUR", "USD", "todo", "in progress", "done", "2fa", "class", "empty string"]
    assert "public.Projects.status" in page.html
    assert "public.Projects.statuses" in page.html
    assert "billing.accounts.currency" in page.html


@pytest.mark.postgres
def test_the_overview_shows_metrics_version_and_hash(documented: dict[str, Files]) -> None:
    source = documented["everything"]["README.md"].decode()
    rows = table_rows(read_page(source.encode()).html)
    assert rows[1][0] == "1"
    assert rows[1][1].startswith("sha256:")
    metrics = {r[0]: r[1] for r in rows if len(r) == 2}
    assert metrics["Tables"] == "6"
    assert metrics["Foreign keys"] == "3"
    assert metrics["Tables with row-level security enabled"] == "1/5 (20%)"
    assert metrics["Tables with a comment"] == "2/6 (33%)"
    assert "### Tables without a primary key\n\n- [public.events](public/events.md)" in source
    assert "projects_account_fkey" in source.split("### Foreign keys without")[1]
    assert source.count("```mermaid") == 1


@pytest.mark.postgres
def test_a_large_schema_gets_a_diagram_per_schema_in_parts(documented: dict[str, Files]) -> None:
    source = documented["everything-split"]["README.md"].decode()
    titles = re.findall(r"^### Schema .*$", source.split("## Entity-relationship")[1], re.M)
    assert titles == [
        "### Schema Odd Schema",
        "### Schema billing",
        "### Schema public, part 1 of 2",
        "### Schema public, part 2 of 2",
    ]
    # A part shows the tables its keys reference, without columns, so the edge is drawn.
    part = source.split("### Schema public, part 1 of 2")[1].split("###")[0]
    assert '["billing.accounts"]\n' in part
    assert "||--o{" in part


@pytest.mark.postgres
def test_the_diagram_option_changes_the_overview_only(documented: dict[str, Files]) -> None:
    same = documented["everything"]
    split = documented["everything-split"]
    assert sorted(same) == sorted(split)
    assert [p for p in same if same[p] != split[p]] == ["README.md"]


@pytest.mark.postgres
def test_the_functions_page_documents_every_function(documented: dict[str, Files]) -> None:
    files = documented["functions"]
    assert "[Functions](functions.md)" in files["README.md"].decode()
    page = read_page(files["functions.md"])
    headings = re.findall(r"<h2>(.*?)</h2>", page.html)
    # Every function of the fixture, overloads apart, each with an anchor of its own.
    assert len(headings) == 27
    assert len(set(page.anchors)) == len(page.anchors)
    assert any("library.add(a text, b text)" in h for h in headings)
    rows = table_rows(page.html)
    assert ["Security definer", "yes"] in rows
    assert ["Volatility", "immutable"] in rows
    assert ["Result", "a set: a row of a table or view"] in rows
    assert ["Result", "nothing (void)"] in rows
    assert ["Kind", "procedure"] in rows
    assert ["1", "numbers", "VARIADIC", "integer[]", "no"] in rows
    assert ["2", "b", "IN", "integer", "yes"] in rows
    assert ["3", "books", "TABLE column", "bigint", "no"] in rows
    assert "<p>Books per author</p>" in page.html
    # Results and arguments of the schema's own types link to their pages.
    assert "library/books.md" in page.links
    assert any(target.startswith("enums.md#library--mood") for target in page.links)
    assert any(target.startswith("composite-types.md#library--price") for target in page.links)


@pytest.mark.postgres
def test_table_pages_list_their_relationships_both_ways(documented: dict[str, Files]) -> None:
    files = documented["functions"]
    authors = table_rows(read_page(files["library/authors.md"]).html)
    assert ["Related", "Foreign key", "Columns", "Related columns", "Rows"] in authors
    assert ["library.profiles", "profiles_author_id_fkey", "id", "author_id", "one-to-one"] in (
        authors
    )
    assert ["library.books", "books_author_id_fkey", "id", "author_id", "one-to-many"] in authors
    assert ["library.books", "books_editor_fkey", "id", "editor_id", "one-to-many"] in authors
    books = table_rows(read_page(files["library/books.md"]).html)
    assert ["library.authors", "books_author_id_fkey", "author_id", "id", "many-to-one"] in books
    # The key links to its row on the page of the table holding it.
    assert "profiles.md#fk-profiles_author_id_fkey" in read_page(files["library/authors.md"]).links
