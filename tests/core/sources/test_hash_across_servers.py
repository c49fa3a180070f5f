"""The same DDL yields the same IR, byte for byte, on every server and PostgreSQL release."""

from __future__ import annotations

import os
from contextlib import ExitStack

import psycopg

from pg import (
    TEST_DSN_ENV,
    available_engines,
    fixture_sql,
    run_sql,
    scratch_database,
    started_server,
)
from schemasync import ir
from schemasync.sources.introspect import introspect

#: Set by CI where two PostgreSQL releases are installed, so the test cannot pass on one.
REQUIRED_RELEASES_ENV = "SCHEMASYNC_REQUIRE_PG_RELEASES"


def _fixture_ir(admin_dsn: str) -> tuple[str, bytes]:
    with scratch_database(admin_dsn) as dsn:
        run_sql(dsn, fixture_sql("everything"))
        run_sql(dsn, fixture_sql("functions"))
        with psycopg.connect(dsn) as conn:
            version = conn.info.server_version
            encoded = ir.encode_schema(introspect(conn))
    return f"{version // 10000}.{version % 10000}", encoded


def test_same_ddl_same_hash_on_every_available_server() -> None:
    results: dict[str, tuple[str, bytes]] = {}
    with ExitStack() as stack:
        if os.environ.get(TEST_DSN_ENV):
            results["dsn"] = _fixture_ir(os.environ[TEST_DSN_ENV])
        for kind in available_engines():
            server = stack.enter_context(started_server(kind))
            results[f"embedded-{kind}"] = _fixture_ir(server.dsn())
    assert len(results) >= 2, f"needs two servers to compare, found {sorted(results)}"
    releases = {version for version, _ in results.values()}
    required = int(os.environ.get(REQUIRED_RELEASES_ENV, "1"))
    assert len(releases) >= required, f"found releases {sorted(releases)} on {sorted(results)}"
    reference_label, (_, reference) = next(iter(results.items()))
    for label, (version, encoded) in results.items():
        assert encoded == reference, (
            f"{label} (PostgreSQL {version}) differs from {reference_label}"
        )
    hashes = {ir.schema_hash(ir.decode_schema(encoded)) for _, encoded in results.values()}
    assert len(hashes) == 1
