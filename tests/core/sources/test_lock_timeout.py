"""A lock held by someone else on a user table stops introspection after ``lock_timeout``,
with an error naming the table and the process holding it, not after the statement timeout."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg

from cli import run_cli
from pg import run_sql


def test_an_exclusive_lock_is_named_with_its_holder(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(
        pg_dsn,
        "CREATE TABLE public.busy (id int PRIMARY KEY);"
        "CREATE VIEW public.v AS SELECT * FROM public.busy;",
    )
    (tmp_path / "schemasync.toml").write_text("lock_timeout = 1\n", encoding="utf-8")
    with psycopg.connect(pg_dsn, application_name="the-blocker") as holder:
        holder.execute("LOCK TABLE public.busy IN ACCESS EXCLUSIVE MODE")
        blocker_pid = holder.info.backend_pid
        started = time.monotonic()
        result = run_cli("inspect", cwd=tmp_path, dsn=pg_dsn)
        elapsed = time.monotonic() - started
        holder.rollback()
    assert result.code == 5, result.stderr
    assert "public.busy" in result.stderr
    assert str(blocker_pid) in result.stderr
    assert "the-blocker" in result.stderr
    assert "lock_timeout" in result.stderr
    assert elapsed < 20
