"""A run's targets shared with a forked process: results in order, made by both processes
when two may work, and all or nothing whichever process fails."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from schemasync.codegen import parallel
from schemasync.codegen.parallel import JOBS_ENV, jobs, map_shared
from schemasync.errors import ConfigError, SchemasyncError

#: The tests below fork whatever threads the test process runs (a worker of the test runner
#: may run some); Python warns, rightly for a run, needlessly for a child that only runs the
#: test's own small function.
pytestmark = pytest.mark.filterwarnings(
    "ignore:This process .* is multi-threaded, use of fork:DeprecationWarning"
)


@pytest.fixture
def two_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "jobs", lambda: 2)


def test_threads_are_counted_as_the_system_counts_them() -> None:
    started = threading.Event()
    stop = threading.Event()

    def wait() -> None:
        started.set()
        stop.wait()

    before = parallel.threads()
    thread = threading.Thread(target=wait)
    thread.start()
    started.wait()
    try:
        assert parallel.threads() == before + 1
    finally:
        stop.set()
        thread.join()


def _slow_square(index: int) -> tuple[int, int]:
    """``index`` squared, and the process that worked it out; slow enough that both
    processes take tasks."""
    threading.Event().wait(0.02)
    return index * index, os.getpid()


@pytest.mark.usefixtures("two_jobs")
def test_results_come_in_order_and_both_processes_make_some() -> None:
    results = map_shared(12, _slow_square, lambda result: None)

    assert [value for value, _ in results] == [n * n for n in range(12)]
    makers = {pid for _, pid in results}
    assert os.getpid() in makers
    assert len(makers) == 2


class _Ledger:
    """Files standing for the tasks' results, made by whichever process did the task (so
    the parent sees what both made and undid); tasks from the fifth on fail in ``where``."""

    def __init__(self, folder: Path, where: str) -> None:
        self.folder, self.where = folder, where
        self.parent = os.getpid()

    def work(self, index: int) -> Path:
        here = "parent" if os.getpid() == self.parent else "child"
        threading.Event().wait(0.02)
        if index >= 4 and here == self.where:
            raise ConfigError(f"task {index} failed in the {here}", hint="fix it")
        made = self.folder / f"{index}"
        made.write_text("result")
        return made


@pytest.mark.usefixtures("two_jobs")
@pytest.mark.parametrize("where", ["parent", "child"])
def test_a_failure_in_either_process_undoes_everything_and_is_raised(
    tmp_path: Path, where: str
) -> None:
    ledger = _Ledger(tmp_path, where)

    with pytest.raises(ConfigError) as caught:
        map_shared(12, ledger.work, lambda made: made.unlink())

    assert caught.value.message.endswith(f"failed in the {where}")
    assert caught.value.hint == "fix it"
    assert list(tmp_path.iterdir()) == []


class _Unpicklable(Exception):
    def __init__(self, a: int, b: int) -> None:
        super().__init__(a)  # unpickling calls _Unpicklable(a), which fails


_PARENT = [os.getpid()]


def _fails_in_child(index: int) -> int:
    threading.Event().wait(0.02)
    if os.getpid() != _PARENT[0]:
        raise _Unpicklable(1, 2)
    return index


@pytest.mark.usefixtures("two_jobs")
def test_a_plugin_error_that_cannot_cross_processes_still_says_what_failed() -> None:
    _PARENT[0] = os.getpid()

    with pytest.raises(SchemasyncError) as caught:
        map_shared(8, _fails_in_child, lambda result: None)

    assert str(caught.value) == "rendering failed: _Unpicklable(1)"


def _kills_child(index: int) -> int:
    if os.getpid() != _PARENT[0]:
        os.kill(os.getpid(), signal.SIGKILL)
    threading.Event().wait(0.05)
    return index


@pytest.mark.usefixtures("two_jobs")
def test_a_child_that_dies_fails_the_run_with_a_message() -> None:
    _PARENT[0] = os.getpid()
    undone: list[int] = []

    with pytest.raises(SchemasyncError) as caught:
        map_shared(6, _kills_child, undone.append)

    assert str(caught.value) == "the process rendering beside this one stopped (-9)"
    assert undone  # the parent's own results, the last first
    assert undone == sorted(undone, reverse=True)


def _cores(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    def affinity(pid: int) -> set[int]:
        return set(range(count))

    if hasattr(os, "sched_getaffinity"):
        monkeypatch.setattr(os, "sched_getaffinity", affinity)
    monkeypatch.setattr(os, "cpu_count", lambda: count)


def test_two_processes_only_when_safe_and_wanted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(JOBS_ENV, raising=False)
    monkeypatch.setattr(parallel, "threads", lambda: 1)
    _cores(monkeypatch, 2)
    assert jobs() == 2
    monkeypatch.setenv(JOBS_ENV, "1")
    assert jobs() == 1
    monkeypatch.delenv(JOBS_ENV)
    monkeypatch.setattr(parallel, "threads", lambda: 3)  # forking threads can deadlock
    assert jobs() == 1
    monkeypatch.setattr(parallel, "threads", lambda: 1)
    _cores(monkeypatch, 1)
    assert jobs() == 1
    monkeypatch.setenv(JOBS_ENV, "2")
    assert jobs() == 2
    monkeypatch.setenv(JOBS_ENV, "many")
    with pytest.raises(ConfigError) as caught:
        jobs()
    assert caught.value.message == (
        f"{JOBS_ENV}='many' is not a number of processes schemasync renders in"
    )
    assert caught.value.hint == f"set {JOBS_ENV} to 1 or 2, or unset it"


def test_one_process_does_everything_when_one_may_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(JOBS_ENV, "1")
    undone: list[int] = []

    def work(index: int) -> int:
        if index == 4:
            raise KeyboardInterrupt
        return os.getpid()

    assert map_shared(3, work, undone.append) == [os.getpid()] * 3
    with pytest.raises(KeyboardInterrupt):
        map_shared(6, work, undone.append)
    assert undone == [os.getpid()] * 4


@pytest.mark.usefixtures("two_jobs")
def test_more_tasks_than_a_pipe_holds_run_in_one_process() -> None:
    # The queue is written whole before the fork: more would block the writer for ever.
    count = parallel.MAX_TASKS + 1

    assert map_shared(count, lambda index: (index, os.getpid()), lambda result: None) == [
        (index, os.getpid()) for index in range(count)
    ]


def test_one_process_takes_the_tasks_in_the_order_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "jobs", lambda: 1)
    taken: list[int] = []

    def work(index: int) -> int:
        taken.append(index)
        return index * 10

    assert map_shared(4, work, lambda result: None, order=[2, 0, 3, 1]) == [0, 10, 20, 30]
    assert taken == [2, 0, 3, 1]


def _started(index: int) -> tuple[int, float]:
    """``index``, and when its task started; each task takes a tenth of a second."""
    started = time.monotonic()
    threading.Event().wait(0.1)
    return index, started


@pytest.mark.usefixtures("two_jobs")
def test_two_processes_take_the_tasks_in_the_order_given() -> None:
    results = map_shared(4, _started, lambda result: None, order=[3, 2, 1, 0])

    assert [index for index, _ in results] == [0, 1, 2, 3]
    starts = dict(results)
    # The first two given start together, one in each process; the last two after them.
    assert max(starts[3], starts[2]) < min(starts[1], starts[0])


def test_an_order_that_is_not_one_of_the_tasks_is_refused() -> None:
    with pytest.raises(ValueError, match="not an order of 3 tasks"):
        map_shared(3, lambda index: index, lambda result: None, order=[0, 1, 1])
