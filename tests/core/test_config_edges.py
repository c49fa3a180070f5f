"""Configuration edge cases: ``--config /dev/null``, and ``types`` overrides checked when read."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import run_cli
from schemasync.config import load_config
from schemasync.errors import ConfigError


def test_dev_null_is_an_empty_config(tmp_path: Path) -> None:
    config = load_config(Path("/dev/null"))
    assert config.root == Path.cwd()
    result = run_cli("--config", "/dev/null", "plugins", cwd=tmp_path)
    assert result.code == 0, result.stderr
    result = run_cli("--config", "/dev/null", "inspect", cwd=tmp_path)
    assert "does not exist" not in result.stderr
    assert result.code == 3, result.stderr  # no database URL: the empty config's default


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ('"int |"', "int |"),
        ('"list[int"', "list[int"),
        ('"import os"', "import os"),
        ('"x; import os"', "x; import os"),
        ('{annotation = "Decimal", imports = ["decimal.Decimal; import os"]}', "import os"),
        ('{annotation = "Decimal", imports = ["Decimal"]}', "Decimal"),
    ],
)
def test_an_invalid_types_override_is_refused_when_read(
    tmp_path: Path, override: str, named: str
) -> None:
    path = tmp_path / "schemasync.toml"
    path.write_text(f'[types]\n"pg_catalog.numeric" = {override}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"pg_catalog\.numeric") as caught:
        load_config(path)
    assert named in str(caught.value)


def test_valid_types_overrides_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "schemasync.toml"
    path.write_text(
        '[types]\n"pg_catalog.numeric" = {annotation = "Decimal", imports = ["decimal.Decimal"]}\n'
        '"pg_catalog.json" = "dict[str, object] | None"\n',
        encoding="utf-8",
    )
    assert set(load_config(path).settings.types) == {"pg_catalog.numeric", "pg_catalog.json"}
