"""A run's files are all or nothing: SIGKILL while writing, a full disk or a folder that
cannot be written leave the old files and lock, or the new ones, never a mix; two runs at
once are serialised."""

from __future__ import annotations

import errno
import fcntl
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cli import Result, run_cli
from migration_project import project, tables_emitter_path, write_migrations

INIT = {"20240101000000_init.sql": "create table public.items (id int primary key);\n"}
MORE = {
    f"20240102000{n:03d}_t{n}.sql": f"create table public.t{n} (id int primary key);\n"
    for n in range(3)
}

#: ``schemasync`` with one os function replaced: at its Nth call, SIGKILL or an OSError.
_WRAPPER = """
import errno, os, signal, sys
from schemasync.cli.main import main
name, at, how = os.environ["FAULT_IN"], int(os.environ["FAULT_AT"]), os.environ["FAULT_HOW"]
real = getattr(os, name)
calls = [0]
def faulty(*args, **kwargs):
    calls[0] += 1
    if calls[0] == at:
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise OSError(int(how), os.strerror(int(how)))
    return real(*args, **kwargs)
setattr(os, name, faulty)
sys.exit(main(sys.argv[1:]))
"""


def _env(root: Path) -> dict[str, str]:
    return {"PYTHONPATH": tables_emitter_path(root.parent / "site")}


def _faulty_run(root: Path, name: str, at: int, how: str) -> int:
    env = {**os.environ, **_env(root), "FAULT_IN": name, "FAULT_AT": str(at), "FAULT_HOW": how}
    env["PYTHONPATH"] = os.pathsep.join([env["PYTHONPATH"], *sys.path])
    return subprocess.run(
        [sys.executable, "-c", _WRAPPER, "run"], cwd=root, env=env, capture_output=True, check=False
    ).returncode


def _state(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and "supabase" not in p.parts and p.name != ".schemasync-run"
    }


def _offline_clean(root: Path) -> Result:
    result = run_cli("check", "--offline", cwd=root, env=_env(root))
    assert result.code == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def synced(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    root = project(tmp_path / "app", INIT)
    assert run_cli("run", cwd=root, env=_env(root)).code == 0
    old = _state(root)
    write_migrations(root / "supabase" / "migrations", MORE)
    return root, old


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("name", "at"),
    [("fsync", 1), ("fsync", 2), ("replace", 1), ("replace", 2), ("replace", 3), ("replace", 4)],
)
def test_sigkill_while_writing_leaves_old_or_new_never_a_mix(
    synced: tuple[Path, dict[str, bytes]], name: str, at: int
) -> None:
    root, old = synced
    assert _faulty_run(root, name, at, "kill") == -9
    result = _offline_clean(root)
    after = _state(root)
    assert not [p for p in after if p.endswith(".schemasync-tmp")]
    if after != old:  # rolled forward: the new run's files, whole
        assert "public.t2" in (root / "models" / "tables_models" / "tables.txt").read_text()
        assert "interrupted" in result.stderr
    assert not (root / ".schemasync-journal").exists()
    rerun = run_cli("run", cwd=root, env=_env(root))
    assert rerun.code == 0, rerun.stderr
    assert run_cli("check", cwd=root, env=_env(root)).code == 0


@pytest.mark.postgres
@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EROFS, errno.EIO])
@pytest.mark.parametrize("at", [1, 2])
def test_a_write_error_leaves_the_old_files(
    synced: tuple[Path, dict[str, bytes]], error: int, at: int
) -> None:
    root, old = synced
    assert _faulty_run(root, "fsync", at, str(error)) == 8
    assert _state(root) == old
    _offline_clean(root)


@contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    """``folder`` read-only for the block: its mode, or for root (whom modes do not stop) a
    read-only bind mount of it onto itself."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.postgres
def test_a_read_only_subfolder_leaves_the_old_files(
    synced: tuple[Path, dict[str, bytes]],
) -> None:
    root, old = synced
    with _read_only(root / "models" / "tables_models"):
        result = run_cli("run", cwd=root, env=_env(root))
    assert result.code == 8, result.stderr
    assert _state(root) == old


@pytest.mark.postgres
def test_two_runs_at_once_both_succeed_one_after_the_other(
    synced: tuple[Path, dict[str, bytes]],
) -> None:
    root, _ = synced
    env = {**os.environ, **_env(root)}
    env.pop("DATABASE_URL", None)
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "schemasync", "run"],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outcomes = [(run.wait(120), run.stderr.read() if run.stderr else "") for run in runs]
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    assert not [p for p in _state(root) if p.endswith(".schemasync-tmp")]
    _offline_clean(root)


def test_a_run_waits_a_bounded_time_then_names_the_holder(tmp_path: Path) -> None:
    root = project(tmp_path / "app", INIT)
    holder = root / ".schemasync-run"
    with holder.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write("pid 4242: schemasync run --emit tables\n")
        handle.flush()
        env = {**_env(root), "SCHEMASYNC_LOCK_WAIT": "1"}
        result = run_cli("run", cwd=root, env=env)
    assert result.code == 8, result.stderr
    assert "pid 4242" in result.stderr
    assert "schemasync run --emit tables" in result.stderr
