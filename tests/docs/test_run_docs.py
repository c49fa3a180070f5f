"""``schemasync run --emit docs`` as a user runs it: a subprocess in a project folder of its
own, against a real database."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import Result, run_cli
from pg import run_sql
from schemasync.codegen.output import MARK

SCHEMA_SQL = """
CREATE TYPE public.plan AS ENUM ('free', 'team');
CREATE TABLE public.organizations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    plan public.plan NOT NULL DEFAULT 'free'
);
COMMENT ON TABLE public.organizations IS 'Customers';
"""
DOCS = "docs/schema"
SETTINGS = f'emit = ["docs"]\n\n[tool.schemasync.emitters.docs]\noutput = "{DOCS}"\n'


def project(root: Path, settings: str = SETTINGS) -> Path:
    """A project folder whose pyproject.toml holds ``settings`` under [tool.schemasync]."""
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "app"\nversion = "0"\n\n[tool.schemasync]\n{settings}'
    )
    return root


@pytest.fixture
def dsn(pg_dsn: str) -> str:
    """A database holding :data:`SCHEMA_SQL`."""
    run_sql(pg_dsn, SCHEMA_SQL)
    return pg_dsn


def ok(result: Result) -> Result:
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    return result


def mtimes(folder: Path) -> dict[str, int]:
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.mark.postgres
def test_a_run_writes_the_folder_and_a_rerun_writes_nothing(dsn: str, tmp_path: Path) -> None:
    root = project(tmp_path)

    first = ok(run_cli("run", cwd=root, dsn=dsn))

    assert first.wrote() == {
        f"{DOCS}/README.md",
        f"{DOCS}/enums.md",
        f"{DOCS}/public/organizations.md",
        "schemasync.lock",
        "schema_version.py",
    }
    overview = (root / DOCS / "README.md").read_text()
    assert overview.startswith(f"<!--\n{MARK} ")
    assert "| 1 | <code>sha256:" in overview  # the version the lock records
    before = mtimes(root / DOCS)

    second = run_cli("run", cwd=root, dsn=dsn)

    assert second.code == 0, second.stderr
    # The lock says every file is current: nothing rendered, and one line says so.
    assert second.stderr.startswith("info: schema unchanged (sha256:")
    assert second.stderr.endswith("): 5 files current, nothing rendered\n")
    assert second.wrote() == set()
    assert second.summary().startswith("0 written, 0 deleted, 5 unchanged; schema version 1")
    assert mtimes(root / DOCS) == before


@pytest.mark.postgres
def test_a_schema_change_rewrites_the_pages_it_touches(dsn: str, tmp_path: Path) -> None:
    root = project(tmp_path)
    ok(run_cli("run", cwd=root, dsn=dsn))
    run_sql(dsn, "COMMENT ON TABLE public.organizations IS 'Paying customers'")

    result = ok(run_cli("run", cwd=root, dsn=dsn))

    # Every page names the schema hash in its header, so every page is rewritten; the
    # Markdown header is recognised as schemasync's own.
    assert f"{DOCS}/public/organizations.md" in result.wrote()
    assert "schema version 2" in result.summary()
    assert "Paying customers" in (root / DOCS / "public" / "organizations.md").read_text()
    assert "| 2 | <code>sha256:" in (root / DOCS / "README.md").read_text()


@pytest.mark.postgres
def test_a_markdown_file_schemasync_did_not_write_is_never_overwritten(
    dsn: str, tmp_path: Path
) -> None:
    root = project(tmp_path)
    (root / DOCS).mkdir(parents=True)
    (root / DOCS / "README.md").write_text("# Our own notes\n")

    result = run_cli("run", cwd=root, dsn=dsn)

    assert result.code == 8
    assert "schemasync did not generate it" in result.stderr
    assert (root / DOCS / "README.md").read_text() == "# Our own notes\n"
    assert not (root / "schemasync.lock").exists()


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("diagram_max_tables = 0", "'diagram_max_tables' in [tool.schemasync.emitters.docs]"),
        ('templates = "templates"', "the docs emitter has no templates to override"),
        ("pages = 3", "unknown key 'pages' in [tool.schemasync.emitters.docs]"),
    ],
)
def test_bad_options_are_config_errors(dsn: str, tmp_path: Path, option: str, message: str) -> None:
    root = project(tmp_path, f"{SETTINGS}{option}\n")

    result = run_cli("run", cwd=root, dsn=dsn)

    assert result.code == 3, result.stderr
    assert message in result.stderr
    assert not (root / DOCS).exists()
