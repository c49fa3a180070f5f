"""The default output folder, checked as a user checks it: ``mypy --strict DIR`` and
``pyright DIR`` from the project root, with nothing configured."""

from __future__ import annotations

from pathlib import Path

import pytest

from generated import DEFAULT_OUTPUT_SQL, check_default_output
from pg import run_sql


@pytest.mark.typecheck
@pytest.mark.postgres
def test_the_default_output_folder_passes_mypy_and_pyright_as_typed(
    pg_dsn: str, tmp_path: Path
) -> None:
    run_sql(pg_dsn, DEFAULT_OUTPUT_SQL)
    # Not models/msgspec: checked as a folder, it would become the module ``msgspec``.
    assert check_default_output("msgspec", pg_dsn, tmp_path) == "models/msgspec_models"
