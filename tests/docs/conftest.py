"""The documentation folders of every golden case, generated once per test session."""

from __future__ import annotations

import pytest
from docs_support import CASES, Files, generate, load_schema

from pg import PgServer, run_sql, scratch_database
from schemasync.plugins import load_plugins


@pytest.fixture(scope="session")
def documented(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Files]:
    """Every case's files by path, by case name; each SQL script introspected once."""
    host = load_plugins()
    result: dict[str, Files] = {}
    for sql in dict.fromkeys(case.sql for case in CASES):
        with scratch_database(pg_server.dsn()) as dsn:
            run_sql(dsn, sql)
            schema = load_schema(host, dsn)
        for case in CASES:
            if case.sql == sql:
                root = tmp_path_factory.mktemp(case.name)
                result[case.name] = generate(host, schema, case.options, root)
    return result
