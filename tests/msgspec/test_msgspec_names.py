"""Column names msgspec cannot carry: ``schemasync run`` refuses them, naming the column,
instead of writing Structs that fail when imported."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import run_cli
from pg import run_sql

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize(
    ("column", "shown"),
    [('say "hi"', "'say \"hi\"'"), ("back\\slash", '"back\\\\slash"'), ("a\tb", '"a\\tb"')],
)
def test_a_column_name_msgspec_refuses_is_an_error_naming_it(
    pg_dsn: str, tmp_path: Path, column: str, shown: str
) -> None:
    quoted = '"' + column.replace('"', '""') + '"'
    run_sql(pg_dsn, f"CREATE TABLE public.notes (id int PRIMARY KEY, {quoted} text)")
    (tmp_path / "pyproject.toml").write_text('[tool.schemasync]\nemit = ["msgspec"]\n')
    result = run_cli("run", cwd=tmp_path, dsn=pg_dsn)
    assert result.code == 3, result.stderr
    assert f"public.notes.{shown}" in result.stderr
    assert "Traceback" not in result.stderr
    assert "hint:" in result.stderr
    # Nothing written: not the Structs, not the lock.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pyproject.toml"]
