"""A run's files written all or nothing, and one run at a time per project.

Writing happens in three steps. Every new file is first written in full to a temporary
sibling (``.NAME.PID.schemasync-tmp``), as it is rendered, and all of them are flushed to
disk once every file is rendered. Only then is a journal written beside the lock,
listing each temporary file and its target, the lock last; then each is renamed into place,
and the journal removed. So whatever stops a run (SIGKILL, a full disk, a read-only folder):

- before the journal exists, no target was touched: the temporary files are deleted by the
  next run (or by this one, on an error), and the old files and the old lock stand;
- once it exists, every new file is complete on disk, and the next command renames what is
  left into place (rolls the run forward) before doing anything else.

Runs into one project take an exclusive ``flock`` on a file beside the lock, and record
their process id and command line in it; a second run waits a bounded time, then says
who holds the lock. The holder removes the file before it lets go.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import posixpath
import sys
import time
from collections.abc import Generator, Sequence
from pathlib import Path

import msgspec

from schemasync.codegen.output import (
    Staged,
    delete_leftovers,
    discarded_on_failure,
    flush,
    process_alive,
    remove_stale_temporaries,
)
from schemasync.errors import OutputError

__all__ = ["JOURNAL", "RUN_LOCK", "WAIT_ENV", "commit", "project_lock", "recover"]

log = logging.getLogger("schemasync")

#: The journal of a run that is renaming its files into place, beside the lock file.
JOURNAL = ".schemasync-journal"
#: The file runs lock, beside the lock file.
RUN_LOCK = ".schemasync-run"
#: Seconds a run waits for another run of the same project (default 60).
WAIT_ENV = "SCHEMASYNC_LOCK_WAIT"


def commit(
    staged: Sequence[Staged],
    deletions: Sequence[Path] = (),
    *,
    folder: Path,
    boundary: Path | None = None,
) -> None:
    """Put the changed files of a run in place all or nothing, with the journal in
    ``folder``: ``staged`` are written to their temporary files already (see
    :class:`~schemasync.codegen.output.Stager`), the last one (the lock) is renamed last.
    The generated files in ``deletions`` (leftovers of an earlier run) are deleted once
    every file is in place, with the folders that empties up to ``boundary``; the journal
    lists them too, so a run stopped in between is completed.

    :raises OutputError: a file could not be flushed or the journal written; no target was
        changed, and the temporary files are deleted.
    """
    written = [(item.temp, item.path) for item in staged if item.temp is not None]
    journal = folder / JOURNAL
    entries = [{"temp": str(temp), "target": str(target)} for temp, target in written]
    document = {
        "pid": os.getpid(),
        "files": entries,
        "delete": [str(path) for path in deletions],
        "boundary": str(boundary) if boundary else None,
    }
    # Until the journal is in place, a failure leaves no trace; after, the temporary files
    # are what the next command completes the run with.
    with discarded_on_failure(staged):
        flush(staged)
        try:
            _write_synced(journal, json.dumps(document).encode())
        except OSError as exc:
            raise OutputError(f"cannot write {journal}: {exc.strerror}") from exc
    _roll_forward(journal, written, deletions, boundary)


def _write_synced(path: Path, content: bytes) -> None:
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with temp.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _roll_forward(
    journal: Path,
    pairs: Sequence[tuple[Path, Path]],
    deletions: Sequence[Path],
    boundary: Path | None,
) -> None:
    for temp, target in pairs:
        if temp.exists():
            try:
                os.replace(temp, target)
            except OSError as exc:
                raise OutputError(
                    f"an earlier run was interrupted and {target} cannot be completed: "
                    f"{exc.strerror}",
                    hint="make the folder writable and run again",
                ) from exc
    delete_leftovers(deletions, boundary)
    for folder in {target.parent for _, target in pairs}:
        _sync_folder(folder)
    journal.unlink(missing_ok=True)


def recover(lock_path: Path) -> bool:
    """Complete a run that was stopped while renaming its files into place, whose journal
    is beside ``lock_path``, and delete the temporary files of runs stopped before that;
    True when there was a run to complete.

    :raises OutputError: the journal is unreadable, or a file cannot be renamed.
    """
    folder = lock_path.parent
    completed = _complete(folder / JOURNAL)
    for half in folder.glob(f"{JOURNAL}.*.tmp"):  # a journal not yet in place
        pid = half.name.removeprefix(f"{JOURNAL}.").removesuffix(".tmp")
        if not (pid.isdigit() and process_alive(int(pid))):
            half.unlink(missing_ok=True)
    # Folders named as strings first: a lock lists thousands of files in a few folders.
    named = {posixpath.dirname(key) for key in _outputs(lock_path)}
    for written in {folder, *(folder / name for name in named)}:
        remove_stale_temporaries(written)
    return completed


class _Outputs(msgspec.Struct):
    outputs: dict[str, object] = msgspec.field(default_factory=dict[str, object])


def _outputs(lock_path: Path) -> list[str]:
    """The generated files the lock lists (paths relative to the project); [] if none.

    Only ``outputs`` is decoded: the schema, most of a lock, is skipped without being built.
    """
    try:
        return list(msgspec.json.decode(lock_path.read_bytes(), type=_Outputs).outputs)
    except (OSError, msgspec.DecodeError, UnicodeDecodeError):
        return []


def _complete(journal: Path) -> bool:
    try:
        data = json.loads(journal.read_bytes())
        pairs = [(Path(e["temp"]), Path(e["target"])) for e in data["files"]]
        deletions = [Path(path) for path in data.get("delete", [])]
        boundary = Path(data["boundary"]) if data.get("boundary") else None
        owner = int(data["pid"])
    except FileNotFoundError:
        return False
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OutputError(
            f"an earlier run was interrupted: its journal {journal} is unreadable ({exc})",
            hint="delete the journal and run again",
        ) from exc
    if owner != os.getpid() and process_alive(owner):
        raise OutputError(
            f"a run (pid {owner}) is writing this project's files right now",
            hint="run again when it has finished",
        )
    log.warning("an earlier run was interrupted while writing; completing what it wrote")
    _roll_forward(journal, pairs, deletions, boundary)
    return True


@contextlib.contextmanager
def project_lock(folder: Path, wait: float | None = None) -> Generator[None, None, None]:
    """Hold the project's run lock (a ``flock`` on a file in ``folder``) for the block.

    :param wait: seconds to wait for another holder; default ``$SCHEMASYNC_LOCK_WAIT``, else 60.
    :raises OutputError: another process held it for longer, naming its pid and command.
    """
    if wait is None:
        wait = float(os.environ.get(WAIT_ENV) or 60)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / RUN_LOCK
    deadline = time.monotonic() + wait
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _acquire(fd, deadline, wait)
            # The holder before us removes the file as it leaves; a lock on the inode it
            # removed guards nothing, so start again on the new file.
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                break
        except FileNotFoundError:
            pass
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}: {' '.join(sys.argv)}\n".encode(), 0)
        yield
    finally:
        # Removed while still held, so no run ever sees it half-released; the project is
        # left with no file of ours.
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)  # closing releases the flock


def _acquire(fd: int, deadline: float, wait: float) -> None:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = os.pread(fd, 4096, 0).decode(errors="replace").strip()
                raise OutputError(
                    f"another schemasync run is writing this project ({holder or 'unknown'}),"
                    f" and it did not finish within {wait:g} s",
                    hint=f"wait for it to finish, or stop it; {WAIT_ENV} sets the wait",
                ) from None
            time.sleep(0.1)
