"""Function drift read back from committed models: ``run`` writes a function's types with
every emitter, a migration changes the function, and ``check --against code`` names each
change with the differ's function kinds, as calling code would meet it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import run_cli
from pg import run_sql

pytestmark = pytest.mark.postgres

BEFORE = """
CREATE SCHEMA app;
CREATE FUNCTION app.add(a integer, b integer DEFAULT 1) RETURNS integer
    LANGUAGE sql AS 'SELECT a + b';
CREATE FUNCTION app.stats() RETURNS TABLE (n bigint, label text)
    LANGUAGE sql AS $$SELECT 1::bigint, 'x'$$;
CREATE FUNCTION app.gone(x text) RETURNS text LANGUAGE sql AS 'SELECT x';
"""
MIGRATION = """
DROP FUNCTION app.add(integer, integer);
CREATE FUNCTION app.add(a integer, b integer, c text DEFAULT '') RETURNS integer
    LANGUAGE sql AS 'SELECT a + b';
DROP FUNCTION app.stats();
CREATE FUNCTION app.stats() RETURNS TABLE (n numeric, label text)
    LANGUAGE sql AS $$SELECT 1::numeric, 'x'$$;
DROP FUNCTION app.gone(text);
"""
ADD = "app.add(a integer, b integer, c text)"


@pytest.mark.parametrize("emitter", ["typeddict", "pydantic", "msgspec"])
def test_function_changes_are_found_in_committed_models(
    pg_dsn: str, tmp_path: Path, emitter: str
) -> None:
    run_sql(pg_dsn, BEFORE)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0"\n\n'
        f'[tool.schemasync]\nemit = ["{emitter}"]\ninclude_schemas = ["app"]\n'
    )
    done = run_cli("run", cwd=tmp_path, dsn=pg_dsn)
    assert done.code == 0, done.stderr
    clean = run_cli("check", "--against", "code", cwd=tmp_path, dsn=pg_dsn)
    assert clean.code == 0, clean.stdout + clean.stderr

    run_sql(pg_dsn, MIGRATION)
    result = run_cli("check", "--against", "code", "--format", "json", cwd=tmp_path, dsn=pg_dsn)

    found = {(c["severity"], c["kind"], c["path"]) for c in json.loads(result.stdout)["changes"]}
    assert found == {
        ("high", "function.argument_default_removed", f"{ADD}.b"),
        ("low", "function.argument_added_optional", f"{ADD}.c"),
        ("critical", "function.result_changed", "app.stats().n"),
        ("critical", "function.removed", "app.gone(x text)"),
    }
    assert result.code == 1
