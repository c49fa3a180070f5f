"""``schemasync lint-migrations``, run as a user runs it: syntax, application, naming."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import run_cli
from migration_project import EXAMPLE, write_migrations

GOOD = "create table public.projects (id bigint primary key, name text not null);\n"


def folder(root: Path, files: dict[str, str], settings: str = "") -> Path:
    write_migrations(root / "supabase" / "migrations", files)
    (root / "pyproject.toml").write_text(f"[tool.schemasync]\n{settings}", encoding="utf-8")
    return root


@pytest.mark.postgres
def test_the_example_is_clean(tmp_path: Path) -> None:
    result = run_cli("lint-migrations", cwd=EXAMPLE)
    assert result.code == 0, result.stderr
    assert result.stdout == "0 problems in 6 migrations\n"


def test_every_file_with_a_syntax_error_is_reported(tmp_path: Path) -> None:
    root = folder(
        tmp_path,
        {
            "1_ok.sql": GOOD,
            "2_bad.sql": "-- a comment\ncreate table public.a (id int);\nalter tabel public.a;\n",
            "3_ok.sql": "create table public.b (id int);\n",
            "4_bad.sql": "create table public.c (\n    id int,\n    name text,\n);\n",
        },
    )
    result = run_cli("lint-migrations", cwd=root)

    assert result.code == 1, result.stderr
    assert result.stdout.splitlines() == [
        'supabase/migrations/2_bad.sql:3:7: syntax error at or near "tabel"  [syntax]',
        'supabase/migrations/4_bad.sql:4:1: syntax error at or near ")"  [syntax]',
        "not applied: fix the syntax errors first",
        "2 problems in 4 migrations",
    ]


NAMING = {
    "1_names.sql": """
        create table public."UserAccount" (id int, "displayName" text);
        create type public."Mood" as enum ('ok');
        alter table public."UserAccount" add column "LastSeen" timestamptz;
        alter table public."UserAccount" rename to user_account;
        create table public.tags (label text);
    """,
}


@pytest.mark.postgres
def test_naming_rules_snake_case_by_default_and_plural_when_asked(tmp_path: Path) -> None:
    root = folder(tmp_path, NAMING, '[tool.schemasync.lint]\nplural = "require"\n')

    result = run_cli("lint-migrations", "--format", "json", cwd=root)

    assert result.code == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["applied"] is True
    assert report["migrations"] == 1
    found = [(p["line"], p["column"], p["rule"], p["message"]) for p in report["problems"]]
    assert found == [
        (
            1,
            14,
            "table-name",
            "table name 'UserAccount' does not match '^[a-z][a-z0-9]*(_[a-z0-9]+)*$'",
        ),
        (1, 14, "table-plural", "table name 'UserAccount' is not plural"),
        (
            1,
            44,
            "column-name",
            "column name 'displayName' does not match '^[a-z][a-z0-9]*(_[a-z0-9]+)*$'",
        ),
        (2, 1, "enum-name", "enum name 'Mood' does not match '^[a-z][a-z0-9]*(_[a-z0-9]+)*$'"),
        (
            3,
            45,
            "column-name",
            "column name 'LastSeen' does not match '^[a-z][a-z0-9]*(_[a-z0-9]+)*$'",
        ),
        (4, 13, "table-plural", "table name 'user_account' is not plural"),
    ]
    assert {p["file"] for p in report["problems"]} == {"supabase/migrations/1_names.sql"}


@pytest.mark.postgres
def test_patterns_and_forbidden_plurals_come_from_the_config(tmp_path: Path) -> None:
    root = folder(
        tmp_path,
        {"1_t.sql": "create table public.tbl_users (id int, col_name text);\n"},
        '[tool.schemasync.lint]\ntables = "^tbl_"\ncolumns = "^col_|^id$"\nplural = "forbid"\n',
    )
    result = run_cli("lint-migrations", "--format", "github", cwd=root)
    assert result.code == 1, result.stderr
    assert result.stdout == (
        "::error file=supabase/migrations/1_t.sql,line=1,col=14,title=schemasync table-plural"
        "::table name 'tbl_users' is not singular\n"
    )


@pytest.mark.postgres
def test_a_migration_that_fails_to_apply_is_a_problem_with_its_position(tmp_path: Path) -> None:
    root = folder(
        tmp_path,
        {
            "1_ok.sql": GOOD,
            "2_fails.sql": "select 1;\ncreate view public.v as select nmae from public.projects;\n",
        },
    )
    result = run_cli("lint-migrations", "--format", "github", cwd=root)
    assert result.code == 1, result.stderr
    assert result.stdout == (
        "::error file=supabase/migrations/2_fails.sql,line=2,col=32,title=schemasync apply"
        '::column "nmae" does not exist\n'
    )


def test_a_bad_pattern_is_a_config_error(tmp_path: Path) -> None:
    root = folder(tmp_path, {"1_ok.sql": GOOD}, '[tool.schemasync.lint]\ntables = "(unclosed"\n')
    result = run_cli("lint-migrations", cwd=root)
    assert result.code == 3, result.stderr
    assert result.stderr.startswith("error: 'lint.tables' in [tool.schemasync] in ")
    assert "is not a regular expression" in result.stderr


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        ('supabase = "yes"\n', "supabase"),
        ('[tool.schemasync.lint]\nplural = "maybe"\n', "lint.plural"),
    ],
)
def test_bad_migration_settings_name_the_key(tmp_path: Path, settings: str, key: str) -> None:
    root = folder(tmp_path, {"1_ok.sql": GOOD}, settings)
    result = run_cli("lint-migrations", cwd=root)
    assert result.code == 3, result.stderr
    assert f"'{key}' in [tool.schemasync]" in result.stderr


def test_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("lint-migrations", "nowhere", cwd=tmp_path)
    assert result.code == 2, result.stderr
    assert result.stderr.splitlines() == [
        "error: migrations folder nowhere does not exist",
        "  hint: name the migrations folder (--from DIR, or lint-migrations DIR), "
        "or set migrations_dir in the config",
    ]
