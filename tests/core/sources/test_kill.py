"""SIGKILL at any moment of ``run --source migrations`` (a CI timeout, the OOM killer) leaves
no server running, and the next run removes the folder it left behind."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli import run_cli
from migration_project import project, tables_emitter_path

TRIALS = 6
#: Enough migrations that applying them takes a while.
MIGRATIONS = {
    f"2024010100{n:04d}_t{n}.sql": f"create table public.t{n} (id int primary key, v text);\n"
    for n in range(40)
}


@pytest.fixture
def tmpdir_for_servers() -> Iterator[Path]:
    # Under /tmp and open to everyone, as the system's own temporary folder is: as root the
    # server runs as an account of its own, which must reach its folder.
    folder = Path(tempfile.mkdtemp(prefix="schemasync-kill-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _servers_in(folder: Path) -> list[int]:
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if str(folder).encode() in command and b"schemasync" not in command.split(b"\0")[0]:
            found.append(int(entry.name))
    return found


def _wait_for_no_servers(folder: Path, timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := _servers_in(folder)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.mark.postgres
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_sigkill_during_migrations_leaves_no_server_and_the_next_run_cleans_up(
    tmp_path: Path, tmpdir_for_servers: Path
) -> None:
    root = project(tmp_path / "app", MIGRATIONS)
    env = {**os.environ, "TMPDIR": str(tmpdir_for_servers)}
    env["PYTHONPATH"] = tables_emitter_path(tmp_path / "site")
    env.pop("DATABASE_URL", None)
    rng = random.Random(15)
    killed_with_server = 0
    for _ in range(TRIALS):
        child = subprocess.Popen(
            [sys.executable, "-m", "schemasync", "run"],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Wait for the server to exist in most trials, then kill at a random moment.
        deadline = time.monotonic() + 20
        while not _servers_in(tmpdir_for_servers) and time.monotonic() < deadline:
            if child.poll() is not None:
                break
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.8))
        if _servers_in(tmpdir_for_servers):
            killed_with_server += 1
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert _wait_for_no_servers(tmpdir_for_servers) == []
    assert killed_with_server >= TRIALS // 2

    result = run_cli(
        "run", cwd=root, env={"TMPDIR": env["TMPDIR"], "PYTHONPATH": env["PYTHONPATH"]}
    )
    assert result.code == 0, result.stderr
    assert list(tmpdir_for_servers.glob("schemasync-pg-*")) == []
    assert _servers_in(tmpdir_for_servers) == []
    check = run_cli(
        "check", cwd=root, env={"TMPDIR": env["TMPDIR"], "PYTHONPATH": env["PYTHONPATH"]}
    )
    assert check.code == 0, check.stdout + check.stderr


def test_a_folder_of_a_live_owner_is_left_alone(tmp_path: Path) -> None:
    from schemasync.sources.engine import remove_orphans

    live = tmp_path / "schemasync-pg-live"
    live.mkdir()
    (live / "owner.pid").write_text(f"{os.getpid()}\n")
    dead = tmp_path / "schemasync-pg-dead"
    dead.mkdir()
    gone = subprocess.Popen(["true"])
    gone.wait()
    (dead / "owner.pid").write_text(f"{gone.pid}\n")
    assert remove_orphans(tmp_path) == [dead]
    assert live.is_dir()
    assert not dead.exists()


def test_a_folder_whose_run_died_before_recording_itself_is_removed(tmp_path: Path) -> None:
    # Killed between making the folder and writing owner.pid: the name still says whose.
    from schemasync.sources.engine import remove_orphans

    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = tmp_path / f"schemasync-pg-{gone.pid}-x1y2"
    live = tmp_path / f"schemasync-pg-{os.getpid()}-x1y2"
    unnamed = tmp_path / "schemasync-pg-x1y2"
    for folder in (dead, live, unnamed):
        folder.mkdir()

    assert remove_orphans(tmp_path) == [dead]
    assert live.is_dir()
    assert unnamed.is_dir()
