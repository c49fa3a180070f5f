"""Rendering on two cores: the targets of a run shared between this process and a fork.

A run's targets render independently of each other, and rendering is most of a first
run's time. With two cores, a forked child takes targets from the same queue as the
parent (a pipe holding their numbers, so whichever process is free takes the next one)
and sends back what it made. The fork inherits everything the run holds (the schema, the
plugins, their settings), so nothing but the results crosses between the processes.

One process does all the work when there is one core, when ``fork`` does not exist, when
this process runs other threads (forking one can deadlock), and when
``SCHEMASYNC_JOBS=1``; ``SCHEMASYNC_JOBS=2`` forks even on one core.
"""

from __future__ import annotations

import logging
import os
import pickle
import select
import struct
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from schemasync.errors import ConfigError, SchemasyncError

__all__ = ["JOBS_ENV", "MAX_TASKS", "jobs", "map_shared", "threads"]

#: ``1`` renders in one process, ``2`` in two; unset, two when there are two cores.
JOBS_ENV = "SCHEMASYNC_JOBS"

T = TypeVar("T")
log = logging.getLogger("schemasync")
_TASK = struct.Struct(">I")
#: The queue is written whole before either process reads it, so it must fit in a pipe's
#: buffer: POSIX promises ``PIPE_BUF`` bytes (a run has a task per target, a handful).
MAX_TASKS = select.PIPE_BUF // _TASK.size


def jobs() -> int:
    """How many processes may render: 1 or 2 (see the module's description).

    :raises ConfigError: ``SCHEMASYNC_JOBS`` is neither 1 nor 2.
    """
    setting = os.environ.get(JOBS_ENV, "").strip()
    if setting not in ("", "1", "2"):
        raise ConfigError(
            f"{JOBS_ENV}={setting!r} is not a number of processes schemasync renders in",
            hint=f"set {JOBS_ENV} to 1 or 2, or unset it",
        )
    if setting == "1" or not hasattr(os, "fork") or threads() > 1:
        return 1
    if setting == "2":
        return 2
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 2 if (cores or 1) >= 2 else 1


def threads() -> int:
    """The threads of this process as the system counts them: libraries written in C start
    threads that :mod:`threading` never sees, and a fork copies the locks they hold."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"Threads:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return threading.active_count()


def map_shared(
    count: int,
    work: Callable[[int], T],
    undo: Callable[[T], None],
    *,
    before_fork: Callable[[], object] = lambda: None,
    order: Sequence[int] | None = None,
) -> list[T]:
    """``[work(0), ..., work(count - 1)]``, computed by this process and, when :func:`jobs`
    allows, a forked child (the results are pickled back to this process).

    :param before_fork: called only when a child is forked, just before: what both
        processes would otherwise each do for themselves (imports), done once.
    :param order: the order the tasks are taken in (the costliest first, so that neither
        process is left with a long one at the end); by default their own.

    All or nothing: when any ``work`` call fails, ``undo`` is called on every result
    already made, in either process (the last first), and a failure is raised here. Each ``work``
    call must itself leave nothing behind when it fails.
    """
    taken = list(range(count)) if order is None else list(order)
    if sorted(taken) != list(range(count)):
        raise ValueError(f"order {taken} is not an order of {count} tasks")
    if not 2 <= count <= MAX_TASKS or jobs() < 2:
        done: dict[int, T] = {}
        try:
            for index in taken:
                done[index] = work(index)
        except BaseException:
            for result in reversed(done.values()):
                undo(result)
            raise
        return [done[index] for index in range(count)]
    log.debug("rendering in two processes")
    before_fork()
    queue_out, queue_in = os.pipe()
    os.write(queue_in, b"".join(_TASK.pack(index) for index in taken))
    os.close(queue_in)
    results_out, results_in = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's coverage is not collected
        os.close(results_out)
        _serve(queue_out, results_in, work)
    os.close(results_in)
    mine: dict[int, T] = {}
    failure: BaseException | None = None
    try:
        _take(queue_out, work, mine)
    except BaseException as exc:
        failure = exc
        while os.read(queue_out, _TASK.size * count):  # leave the child nothing more to take
            pass
    finally:
        os.close(queue_out)
    theirs: dict[int, T] = {}
    try:
        theirs, their_failure = _collect(results_out, child)
    except BaseException as exc:  # interrupted while waiting: the child's files stay
        # behind, named after this process, for the next run to delete once it is gone
        their_failure = exc
    failure = failure or their_failure
    merged = {**mine, **theirs}
    if failure is not None:
        for index in sorted(merged, reverse=True):
            undo(merged[index])
        raise failure
    return [merged[index] for index in range(count)]


def _take(queue: int, work: Callable[[int], T], into: dict[int, T]) -> None:
    """Do the tasks this process takes from ``queue`` until it is empty."""
    while task := os.read(queue, _TASK.size):
        (index,) = _TASK.unpack(task)
        into[index] = work(index)


def _serve(queue: int, results: int, work: Callable[[int], T]) -> None:  # pragma: no cover
    """The child: take tasks, then send ``(results, failure)`` and exit without running
    the parent's exit handlers (they are the parent's to run)."""
    done: dict[int, T] = {}
    failure: BaseException | None = None
    try:
        _take(queue, work, done)
    except BaseException as exc:
        failure = exc
    try:
        pickle.loads(pickle.dumps(failure))
    except Exception:  # a plugin's exception that does not survive pickling
        failure = SchemasyncError(f"rendering failed: {failure!r}")
    payload = pickle.dumps((done, failure))
    try:
        with os.fdopen(results, "wb") as out:
            out.write(payload)
    finally:
        os._exit(0)


def _collect(results: int, child: int) -> tuple[dict[int, Any], BaseException | None]:
    """Read what the child sent, and wait for it to exit."""
    with os.fdopen(results, "rb") as stream:
        data = stream.read()
    _, status = os.waitpid(child, 0)
    if not data:
        code = os.waitstatus_to_exitcode(status)
        return {}, SchemasyncError(f"the process rendering beside this one stopped ({code})")
    done, failure = pickle.loads(data)  # our own child wrote it
    return done, failure
