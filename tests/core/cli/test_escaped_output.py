"""Names from a database never reach the terminal raw: control characters, line and
paragraph separators and bidi overrides are escaped in every human-readable output, while
JSON keeps them exact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import run_cli
from migration_project import project, tables_emitter_path
from pg import run_sql

#: Names built to clear the screen, rewrite a line, forge a line, or reverse the text.
HOSTILE = ["esc\x1b[2J", "cr\rforged", "nl\nerror: forged", "ls\u2028x", "bidi\u202eabc"]
RAW = ("\x1b", "\r", "\u2028", "\u202e")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@pytest.fixture
def hostile_dsn(pg_dsn: str) -> str:
    labels = ", ".join("'" + name + "'" for name in HOSTILE)
    tables = "".join(
        f"CREATE TABLE public.{_quoted(name)} (id int PRIMARY KEY);" for name in HOSTILE
    )
    enum = _quoted("enum\x1b[2J")
    run_sql(pg_dsn, f"CREATE TYPE public.{enum} AS ENUM ({labels});{tables}")
    return pg_dsn


def _assert_escaped(text: str) -> None:
    for raw in RAW:
        assert raw not in text, repr(text)
    assert not any(line.startswith("error: forged") for line in text.splitlines()), repr(text)


@pytest.mark.parametrize("shown", ["--tables", "--enums"])
def test_inspect_lists_escape_names(hostile_dsn: str, tmp_path: Path, shown: str) -> None:
    result = run_cli("inspect", shown, cwd=tmp_path, dsn=hostile_dsn)
    assert result.code == 0, result.stderr
    _assert_escaped(result.stdout)
    assert "\\x1b[2J" in result.stdout


def test_analyze_escapes_names(hostile_dsn: str, tmp_path: Path) -> None:
    result = run_cli("analyze", cwd=tmp_path, dsn=hostile_dsn)
    assert result.code == 0, result.stderr
    _assert_escaped(result.stdout)


def test_json_keeps_names_exact(hostile_dsn: str, tmp_path: Path) -> None:
    result = run_cli("inspect", "--json", cwd=tmp_path, dsn=hostile_dsn)
    assert result.code == 0, result.stderr
    names = {rel["name"] for rel in json.loads(result.stdout)["relations"]}
    assert set(HOSTILE) <= names


@pytest.mark.parametrize("name", HOSTILE)
def test_error_lines_escape_names(tmp_path: Path, name: str) -> None:
    create = f"CREATE TABLE public.{_quoted(name)} (id int);\n"
    root = project(tmp_path / "p", {"20240101000000_init.sql": create + create})
    env = {"PYTHONPATH": tables_emitter_path(tmp_path / "site")}
    result = run_cli("run", cwd=root, env=env)
    assert result.code == 9, result.stderr
    _assert_escaped(result.stderr)
