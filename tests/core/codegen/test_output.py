"""Writing generated files, the lock file and ``schema_version.py``.

``write_files`` is all or nothing: every target is checked before the first byte is written,
each file is replaced atomically (a temporary sibling renamed over it), files whose bytes
would not change are not touched, and a file schemasync did not generate is never
overwritten. The lock changes only when the schema does.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import hashlib
import itertools
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from schemasync import ir
from schemasync.codegen import lock as lock_module
from schemasync.codegen import output
from schemasync.codegen.lock import (
    Lock,
    LockHead,
    full_lock,
    next_lock,
    object_changes,
    read_lock,
    read_lock_head,
    render_lock,
    render_schema_version,
    rendered_digest,
)
from schemasync.codegen.output import (
    MARK,
    PlannedFile,
    Stager,
    delete_leftovers,
    discard,
    header,
    write_files,
)
from schemasync.errors import ConfigError, OutputError

NOW = dt.datetime(2024, 6, 1, 12, 30, 15, 999, tzinfo=dt.timezone(dt.timedelta(hours=2)))
LATER = NOW + dt.timedelta(days=3)
TEMP_GLOB = "*.schemasync-tmp"


def ours(text: str = "x = 1\n") -> bytes:
    """The content of a generated file."""
    return (header("0.1.0") + text).encode()


def snapshot(root: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file under ``root``: bytes, inode and modification time."""
    return {
        str(path.relative_to(root)): (
            path.read_bytes(),
            path.stat().st_ino,
            path.stat().st_mtime_ns,
        )
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def temp_files(root: Path) -> list[Path]:
    """Temporary files left under ``root`` (pathlib's ``*`` matches hidden names too)."""
    return sorted(root.rglob(TEMP_GLOB))


# --- write_files -----------------------------------------------------------------------------


def test_writes_new_files_and_their_folders(tmp_path: Path) -> None:
    files = [
        PlannedFile(tmp_path / "models" / "deep" / "a.py", ours("a = 1\n")),
        PlannedFile(tmp_path / "b.py", ours("b = 2\n")),
    ]

    result = write_files(files)

    assert result.written == [f.path for f in files]
    assert result.unchanged == []
    for planned in files:
        assert planned.path.read_bytes() == planned.content
        assert stat.S_IMODE(planned.path.stat().st_mode) == 0o644
    assert temp_files(tmp_path) == []


def test_unchanged_files_are_not_touched(tmp_path: Path) -> None:
    files = [
        PlannedFile(tmp_path / "a.py", ours("a = 1\n")),
        PlannedFile(tmp_path / "b.py", ours()),
    ]
    write_files(files)
    before = snapshot(tmp_path)

    result = write_files(files)

    assert result.written == []
    assert result.unchanged == [f.path for f in files]
    assert snapshot(tmp_path) == before


def test_only_changed_files_are_replaced_by_an_atomic_rename(tmp_path: Path) -> None:
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    write_files([PlannedFile(a, ours("a = 1\n")), PlannedFile(b, ours("b = 1\n"))])
    before = snapshot(tmp_path)

    result = write_files([PlannedFile(a, ours("a = 2\n")), PlannedFile(b, ours("b = 1\n"))])

    assert result.written == [a]
    assert result.unchanged == [b]
    after = snapshot(tmp_path)
    assert after["b.py"] == before["b.py"]
    assert after["a.py"][0] == ours("a = 2\n")
    # A new inode: the file was renamed into place, not rewritten where it stood.
    assert after["a.py"][1] != before["a.py"][1]
    assert temp_files(tmp_path) == []


def test_a_foreign_file_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    mine = tmp_path / "hand_written.py"
    mine.write_text("# my own code\nVALUE = 1\n")
    ours_before = tmp_path / "models.py"
    ours_before.write_bytes(ours("old = 1\n"))
    before = snapshot(tmp_path)
    files = [
        PlannedFile(tmp_path / "new" / "first.py", ours()),
        PlannedFile(ours_before, ours("new = 1\n")),
        PlannedFile(mine, ours()),
    ]

    with pytest.raises(OutputError) as caught:
        write_files(files)

    assert caught.value.message == f"refusing to overwrite {mine}: schemasync did not generate it"
    assert caught.value.hint == "move the file away, or point the target's output elsewhere"
    assert caught.value.exit_code == 8
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "new").exists()


def test_the_mark_must_be_near_the_top(tmp_path: Path) -> None:
    late = tmp_path / "late.py"
    late.write_text("#" * 600 + f"\n# {MARK}\n")

    with pytest.raises(OutputError, match="refusing to overwrite"):
        write_files([PlannedFile(late, ours())])

    early = tmp_path / "early.py"
    early.write_text("#!/usr/bin/env python\n" + f"# {MARK} 0.0.1 from schema x.\n")
    assert write_files([PlannedFile(early, ours())]).written == [early]


def test_a_markdown_header_is_one_html_comment_recognised_as_ours(tmp_path: Path) -> None:
    text = header("1.2.3", "html")
    assert text == (
        "<!--\nGenerated by schemasync 1.2.3.\n"
        "Do not edit: run `schemasync run` to regenerate.\n-->\n"
    )
    assert header("1.2.3") == (
        "# Generated by schemasync 1.2.3.\n# Do not edit: run `schemasync run` to regenerate.\n"
    )
    page = tmp_path / "README.md"
    page.write_text(text + "\n# Old page\n")

    assert write_files([PlannedFile(page, (text + "# New page\n").encode())]).written == [page]


def test_a_folder_where_a_file_goes_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    (tmp_path / "models.py").mkdir()
    files = [PlannedFile(tmp_path / "a.py", ours()), PlannedFile(tmp_path / "models.py", ours())]

    with pytest.raises(OutputError) as caught:
        write_files(files)

    assert caught.value.message == f"cannot write {tmp_path / 'models.py'}: it is a folder"
    assert not (tmp_path / "a.py").exists()


def test_a_file_where_a_folder_goes_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    (tmp_path / "models").write_text("not a folder\n")
    target = tmp_path / "models" / "pkg" / "a.py"
    files = [PlannedFile(tmp_path / "first.py", ours()), PlannedFile(target, ours())]

    with pytest.raises(OutputError) as caught:
        write_files(files)

    assert caught.value.message == (
        f"cannot write {target}: {tmp_path / 'models'} is a file, not a folder"
    )
    assert not (tmp_path / "first.py").exists()


def test_stale_temporary_files_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / ".models.py.k1ll3d.schemasync-tmp"
    stale.write_bytes(b"half a fi")
    unrelated = tmp_path / ".models.py.swp"
    unrelated.write_bytes(b"editor state")

    write_files([PlannedFile(tmp_path / "models.py", ours())])

    assert not stale.exists()
    assert unrelated.read_bytes() == b"editor state"
    assert temp_files(tmp_path) == []


def test_a_temporary_name_already_taken_by_a_live_process_is_left_alone(tmp_path: Path) -> None:
    """The temporary file's name holds this process's id twice (the run's and the writer's):
    a file of that name that is not this run's (another stager of the same process) is
    neither overwritten nor deleted; the file is written under another name."""
    pid = os.getpid()
    taken = tmp_path / f".models.py.{pid}.{pid}.schemasync-tmp"
    taken.write_bytes(b"someone else's")

    write_files([PlannedFile(tmp_path / "models.py", ours())])

    assert (tmp_path / "models.py").read_bytes() == ours()
    assert taken.read_bytes() == b"someone else's"
    assert temp_files(tmp_path) == [taken]


def test_a_temporary_file_is_named_after_the_run_and_the_writer(tmp_path: Path) -> None:
    staged = Stager(write=True).stage(PlannedFile(tmp_path / "models.py", ours()))

    assert staged.temp == tmp_path / f".models.py.{os.getpid()}.{os.getpid()}.schemasync-tmp"
    assert staged.temp.read_bytes() == ours()
    assert stat.S_IMODE(staged.temp.stat().st_mode) == 0o644
    discard([staged])
    assert temp_files(tmp_path) == []


def test_a_failed_rename_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "models.py"
    target.write_bytes(ours("old = 1\n"))

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)

    with pytest.raises(OutputError) as caught:
        write_files([PlannedFile(target, ours("new = 1\n"))])

    assert caught.value.message == f"cannot write {target}: No space left on device"
    assert target.read_bytes() == ours("old = 1\n")
    assert temp_files(tmp_path) == []


def test_an_interrupted_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)

    with pytest.raises(KeyboardInterrupt):
        write_files([PlannedFile(tmp_path / "models.py", ours())])

    assert list(tmp_path.iterdir()) == []


def test_a_run_scans_each_folder_for_stale_temporaries_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A scan per file made writing N files into one folder cost N squared.
    scanned: list[Path] = []
    real = output.remove_stale_temporaries

    def scan(folder: Path) -> None:
        scanned.append(folder)
        real(folder)

    monkeypatch.setattr(output, "remove_stale_temporaries", scan)
    files = [PlannedFile(tmp_path / "pkg" / f"m{n}.py", ours(f"n = {n}\n")) for n in range(40)]
    files += [PlannedFile(tmp_path / "docs" / f"p{n}.md", ours()) for n in range(40)]

    write_files(files)

    assert sorted(scanned) == [tmp_path / "docs", tmp_path / "pkg"]
    assert all(planned.path.read_bytes() == planned.content for planned in files)
    assert temp_files(tmp_path) == []


@pytest.mark.parametrize("failing", [1, 17, 40])
@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (OSError(28, "No space left on device"), OutputError),
        (KeyboardInterrupt(), KeyboardInterrupt),
    ],
)
def test_one_failed_write_among_many_leaves_no_temporary_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failing: int,
    error: BaseException,
    expected: type[BaseException],
) -> None:
    calls = itertools.count(1)
    real = os.write

    def write(fd: int, data: memoryview) -> int:
        if next(calls) == failing:
            raise error
        return real(fd, data)

    monkeypatch.setattr(os, "write", write)
    files = [PlannedFile(tmp_path / f"m{n}.py", ours()) for n in range(40)]

    with pytest.raises(expected):
        write_files(files)

    assert list(tmp_path.iterdir()) == []


def _flushes(monkeypatch: pytest.MonkeyPatch, syncfs_result: int = 0) -> list[str]:
    """Record each ``fsync`` and ``syncfs`` that writing files makes (both really done,
    unless ``syncfs_result`` says the file system failed)."""
    flushed: list[str] = []
    real_fsync, real_syncfs = os.fsync, output._syncfs()
    assert real_syncfs is not None, "syncfs is in every Linux C library"

    def fsync(fd: int) -> None:
        flushed.append("fsync")
        real_fsync(fd)

    def syncfs(fd: int) -> int:
        flushed.append("syncfs")
        return real_syncfs(fd) if syncfs_result == 0 else syncfs_result

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(output, "_syncfs", lambda: syncfs)
    return flushed


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="syncfs is Linux's")
def test_many_files_are_flushed_once_per_file_system_and_few_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One fsync per file waits for one journal commit per file: hundreds of files took
    # most of a first run's writing time.
    flushed = _flushes(monkeypatch)
    many = [PlannedFile(tmp_path / d / f"m{n}.py", ours()) for d in "ab" for n in range(40)]

    write_files(many)

    assert flushed == ["syncfs"]  # two folders, one file system
    assert [planned.path.read_bytes() for planned in many] == [p.content for p in many]
    flushed.clear()
    write_files([PlannedFile(tmp_path / f"few{n}.py", ours()) for n in range(3)])
    assert flushed == ["fsync"] * 3


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="syncfs is Linux's")
def test_a_file_system_that_fails_to_flush_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _flushes(monkeypatch, syncfs_result=-1)
    monkeypatch.setattr(ctypes, "get_errno", lambda: errno.EIO)
    files = [PlannedFile(tmp_path / f"m{n}.py", ours()) for n in range(40)]

    with pytest.raises(OutputError) as caught:
        write_files(files)

    assert caught.value.message == f"cannot write into {tmp_path}: Input/output error"
    assert list(tmp_path.iterdir()) == []


def test_staged_files_wait_in_temporary_files_and_leave_the_targets_alone(
    tmp_path: Path,
) -> None:
    same, changed, new = tmp_path / "same.py", tmp_path / "changed.py", tmp_path / "new.py"
    same.write_bytes(ours("same = 1\n"))
    changed.write_bytes(ours("old = 1\n"))
    files = [
        PlannedFile(same, ours("same = 1\n")),
        PlannedFile(changed, ours("new = 1\n")),
        PlannedFile(new, ours("n = 1\n")),
    ]
    stager = Stager(write=True)

    staged = [stager.stage(planned) for planned in files]

    assert [(s.path, s.changed, s.digest) for s in staged] == [
        (p.path, p.path != same, "sha256:" + hashlib.sha256(p.content).hexdigest()) for p in files
    ]
    assert staged[0].temp is None
    assert [s.temp.read_bytes() for s in staged[1:] if s.temp] == [p.content for p in files[1:]]
    assert changed.read_bytes() == ours("old = 1\n")
    assert not new.exists()
    dry = [Stager(write=False).stage(planned) for planned in files]
    assert [(s.changed, s.temp) for s in dry] == [(False, None), (True, None), (True, None)]
    discard(staged)
    assert sorted(tmp_path.iterdir()) == [changed, same]


@pytest.mark.parametrize("order", ["maker first", "maker last"])
def test_discarding_removes_the_folders_made_whichever_file_made_them(
    tmp_path: Path, order: str
) -> None:
    # Two stagers (the two processes of a run) write into folders the first one makes; the
    # files are discarded together, in either order, and the folders made go with them.
    first = Stager(write=True).stage(PlannedFile(tmp_path / "models" / "pkg" / "a.py", ours()))
    second = Stager(write=True).stage(PlannedFile(tmp_path / "models" / "pkg" / "b.py", ours()))
    assert first.created == (tmp_path / "models" / "pkg", tmp_path / "models")
    assert second.created == ()

    discard([first, second] if order == "maker first" else [second, first])

    assert list(tmp_path.iterdir()) == []


def test_discarding_keeps_a_folder_that_holds_other_files(tmp_path: Path) -> None:
    staged = Stager(write=True).stage(PlannedFile(tmp_path / "models" / "a.py", ours()))
    (tmp_path / "models" / "mine.txt").write_text("mine\n")

    discard([staged])

    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["mine.txt"]


def test_deleted_modules_lose_their_bytecode_and_only_theirs(tmp_path: Path) -> None:
    package = tmp_path / "models" / "pkg"
    cache = package / "__pycache__"
    cache.mkdir(parents=True)
    gone = [package / "_a.py", package / "_b.c.py"]
    for path in [*gone, package / "_a2.py"]:
        path.write_bytes(ours())
    compiled = [
        "_a.cpython-311.pyc",
        "_a.cpython-312.opt-1.pyc",
        "_b.c.cpython-311.pyc",
        "_a2.cpython-311.pyc",
        "_b.cpython-311.pyc",
    ]
    for name in compiled:
        (cache / name).write_bytes(b"")

    assert delete_leftovers(gone, tmp_path) == gone

    assert sorted(p.name for p in cache.iterdir()) == ["_a2.cpython-311.pyc", "_b.cpython-311.pyc"]
    (cache / "_b.cpython-311.pyc").unlink()
    delete_leftovers([package / "_a2.py"], tmp_path)  # the last module: nothing is left
    assert not (tmp_path / "models").exists()


# --- the lock --------------------------------------------------------------------------------


def text_type() -> ir.TypeRef:
    return ir.TypeRef(schema="pg_catalog", name="text", kind="base", sql="text")


def table(name: str, *columns: str, schema: str = "public") -> ir.Relation:
    return ir.Relation(
        schema=schema,
        name=name,
        kind="table",
        columns=tuple(ir.Column(name=c, type=text_type()) for c in columns),
    )


SCHEMA_1 = ir.Schema(
    schemas=("public",),
    enums=(ir.Enum(schema="public", name="status", labels=("a", "b")),),
    relations=(
        table("projects", "id", "name"),
        table("tasks", "id"),
        ir.Relation(schema="public", name="v", kind="view", columns=()),
    ),
)
SCHEMA_2 = msgspec.structs.replace(
    SCHEMA_1,
    enums=(),
    relations=(table("projects", "id", "name", "note"), table("tasks", "id"), table("zeta", "id")),
)


def first_lock(schema: ir.Schema = SCHEMA_1) -> Lock:
    return next_lock(None, schema, ir.schema_hash(schema), "0.1.0", NOW)


def test_first_lock() -> None:
    lock = first_lock()

    assert lock.schema_version == 1
    assert lock.hash == ir.schema_hash(SCHEMA_1)
    assert lock.schema == ir.canonicalize(SCHEMA_1)
    assert lock.last_sync == "2024-06-01T10:30:15+00:00"  # UTC, whole seconds
    assert lock.generated_by == f"{MARK} 0.1.0"
    # One line per object, ordered by kind of object, then name.
    assert lock.differences == (
        "added enum public.status",
        "added table public.projects",
        "added table public.tasks",
        "added view public.v",
    )


def test_next_lock_keeps_the_previous_lock_when_the_hash_is_unchanged() -> None:
    previous = first_lock()

    again = next_lock(previous, SCHEMA_1, ir.schema_hash(SCHEMA_1), "9.9.9", LATER)

    assert again is previous


def test_next_lock_bumps_the_version_and_records_what_changed() -> None:
    previous = first_lock()

    lock = next_lock(previous, SCHEMA_2, ir.schema_hash(SCHEMA_2), "0.2.0", LATER)

    assert lock.schema_version == 2
    assert lock.hash == ir.schema_hash(SCHEMA_2)
    assert lock.schema == ir.canonicalize(SCHEMA_2)
    assert lock.last_sync == "2024-06-04T10:30:15+00:00"
    assert lock.generated_by == f"{MARK} 0.2.0"
    assert lock.differences == (
        "removed enum public.status",
        "changed table public.projects",
        "added table public.zeta",
        "removed view public.v",
    )


def test_object_changes_names_every_kind_of_object() -> None:
    ref = text_type()
    schema = ir.Schema(
        schemas=("public",),
        domains=(ir.Domain(schema="public", name="d", base_type=ref),),
        composite_types=(
            ir.CompositeType(
                schema="public", name="c", attributes=(ir.CompositeAttribute(name="x", type=ref),)
            ),
        ),
        range_types=(ir.RangeType(schema="public", name="r", subtype=ref),),
        relations=(
            ir.Relation(schema="public", name="m", kind="materialized_view", columns=()),
            ir.Relation(schema="public", name="p", kind="partitioned_table", columns=()),
        ),
        functions=(
            ir.Function(
                schema="public", name="f", identity_arguments="integer", arguments=(), returns="int"
            ),
        ),
    )

    assert object_changes(None, schema) == (
        "added composite type public.c",
        "added domain public.d",
        "added function public.f(integer)",
        "added materialized view public.m",
        "added partitioned table public.p",
        "added range type public.r",
    )
    assert object_changes(schema, schema) == ()


def test_lock_round_trips_through_its_file(tmp_path: Path) -> None:
    lock = first_lock()
    path = tmp_path / "schemasync.lock"
    path.write_bytes(render_lock(lock))

    assert read_lock(path) == lock
    assert render_lock(lock) == render_lock(first_lock())  # same lock, same bytes
    assert path.read_bytes().startswith(b'{\n  "generated_by": ')


def test_a_lock_file_is_recognised_as_generated(tmp_path: Path) -> None:
    """After a schema change, the new lock replaces the old one."""
    path = tmp_path / "schemasync.lock"
    first = first_lock()
    write_files([PlannedFile(path, render_lock(first))])
    second = next_lock(first, SCHEMA_2, ir.schema_hash(SCHEMA_2), "0.1.0", LATER)

    result = write_files([PlannedFile(path, render_lock(second))])

    assert result.written == [path]
    assert read_lock(path) == second


#: Both ways of reading a lock refuse the same files, the same way.
READERS = pytest.mark.parametrize("reader", [read_lock, read_lock_head], ids=["lock", "head"])


@READERS
def test_read_lock_without_a_file_is_none(
    tmp_path: Path, reader: Callable[[Path], Lock | LockHead | None]
) -> None:
    assert reader(tmp_path / "schemasync.lock") is None


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"{not json", id="not-json"),
        pytest.param(b'{"schema_version": 1}', id="missing-fields"),
        pytest.param(b"[]", id="not-an-object"),
        pytest.param(b'{"hello": "world"}', id="someone-else's"),
        pytest.param(b"\xff\xfe\x00", id="binary"),
    ],
)
@READERS
def test_read_lock_on_a_corrupt_file_is_a_config_error(
    tmp_path: Path, content: bytes, reader: Callable[[Path], Lock | LockHead | None]
) -> None:
    path = tmp_path / "schemasync.lock"
    path.write_bytes(content)

    with pytest.raises(ConfigError) as caught:
        reader(path)

    assert caught.value.message.startswith(
        f"{path} is not a schemasync lock file this version can read ("
    )
    assert caught.value.hint == (
        "restore it from version control, or delete it to start a new history"
    )


@READERS
def test_read_lock_on_a_truncated_lock_is_a_config_error(
    tmp_path: Path, reader: Callable[[Path], Lock | LockHead | None]
) -> None:
    path = tmp_path / "schemasync.lock"
    data = render_lock(first_lock())
    path.write_bytes(data[: len(data) // 2])

    with pytest.raises(ConfigError, match="is not a schemasync lock file"):
        reader(path)


@pytest.mark.parametrize(
    ("content", "named"),
    [
        pytest.param(b'{"format": 999, "schema": []}', "lock format 999", id="format"),
        pytest.param(
            b'{"format": 1, "schema": {"ir_version": 999, "relations": "later"}}',
            "IR version 999",
            id="ir-version",
        ),
        pytest.param(
            b'{"generated_by": "Generated by schemasync 99.0.0", "schema": 7}',
            "schemasync 99.0.0",
            id="tool",
        ),
    ],
)
@READERS
def test_read_lock_refuses_a_newer_lock_whatever_the_shape_of_its_schema(
    tmp_path: Path,
    content: bytes,
    named: str,
    reader: Callable[[Path], Lock | LockHead | None],
) -> None:
    path = tmp_path / "schemasync.lock"
    path.write_bytes(content)

    with pytest.raises(ConfigError, match="was written by a newer schemasync") as caught:
        reader(path)

    assert named in caught.value.message


@READERS
def test_read_lock_on_a_folder_is_a_config_error(
    tmp_path: Path, reader: Callable[[Path], Lock | LockHead | None]
) -> None:
    path = tmp_path / "schemasync.lock"
    path.mkdir()

    with pytest.raises(ConfigError, match=f"cannot read the lock file {path}: "):
        reader(path)


def test_a_newer_ir_version_is_refused_from_the_head_of_a_lock_that_decodes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "schemasync.lock"
    text = render_lock(first_lock()).decode()
    path.write_text(text.replace(f'"ir_version": {ir.IR_VERSION}', '"ir_version": 999'))

    with pytest.raises(ConfigError, match="IR version 999"):
        read_lock_head(path)


# --- the lock's head: what the unchanged run and check read, the schema left undecoded -------

#: Strings a JSON layout must not be fooled by: quotes, backslashes, escaped newlines,
#: separators and non-ASCII.
AWKWARD = 'a "quoted", back\\slashed\nline: {x} [y] \u2028 é'
SCHEMA_3 = ir.Schema(
    schemas=("public",),
    enums=(
        ir.Enum(schema="public", name="status", labels=("a", AWKWARD)),
        ir.Enum(schema="public", name="empty", labels=()),
    ),
    relations=(
        table("projects", "id", AWKWARD),
        ir.Relation(
            schema="public",
            name="log",
            kind="partitioned_table",
            columns=(),
            partitions=("public.log_2024",),
        ),
        ir.Relation(
            schema="public",
            name="log_2024",
            kind="table",
            columns=(),
            partition_of=ir.Partition(parent_schema="public", parent_name="log", bound="DEFAULT"),
        ),
        ir.Relation(schema="public", name="v", kind="view", columns=(), comment=AWKWARD),
        ir.Relation(schema="public", name="m", kind="materialized_view", columns=()),
    ),
    schema_comments={"public": AWKWARD},
)


def written_lock(path: Path, schema: ir.Schema = SCHEMA_3) -> Lock:
    lock = next_lock(
        None, schema, ir.schema_hash(schema), "0.1.0", NOW, outputs={"models/a.py": "sha256:00"}
    )
    path.write_bytes(render_lock(lock))
    return lock


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_a_head_says_what_run_writes_for_its_lock_without_decoding_the_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "schemasync.lock"
    lock = written_lock(path)
    head = read_lock_head(path)
    assert head is not None

    def never(*_: object) -> Lock:
        raise AssertionError("the schema was decoded")

    monkeypatch.setattr(lock_module, "full_lock", never)

    assert rendered_digest(head, path) == sha(path.read_bytes())
    assert rendered_digest(lock, path) == sha(path.read_bytes())
    assert render_schema_version(head, "0.1.0") == render_schema_version(lock, "0.1.0")
    assert run_module(render_schema_version(head, "0.1.0"))["TABLES_COUNT"] == 2


def test_a_head_decodes_into_the_lock_read_lock_reads(tmp_path: Path) -> None:
    path = tmp_path / "schemasync.lock"
    lock = written_lock(path)
    head = read_lock_head(path)
    assert head is not None

    assert full_lock(head, path) == read_lock(path) == lock
    assert (head.hash, head.outputs, head.schema_digest) == (
        lock.hash,
        lock.outputs,
        lock.schema_digest,
    )


def _edit_schema_value(text: str) -> str:
    """A value inside the schema changed, the layout kept."""
    return text.replace('"name": "projects"', '"name": "projectz"')


def _reindent_schema_line(text: str) -> str:
    before, key, schema = text.partition('\n  "schema": ')
    return before + key + schema.replace("\n    ", "\n     ", 1)


def _drop_schema_digest(text: str) -> str:
    """A lock as versions before the schema digest wrote it."""
    lines = text.split("\n")
    return "\n".join(line for line in lines if not line.startswith('  "schema_digest": '))


@pytest.mark.parametrize(
    "edit",
    [_edit_schema_value, _reindent_schema_line, _drop_schema_digest],
    ids=["value edited", "line reindented", "older lock"],
)
def test_a_head_whose_schema_text_is_not_the_recorded_one_is_decoded_and_found_stale(
    tmp_path: Path, edit: Callable[[str], str]
) -> None:
    path = tmp_path / "schemasync.lock"
    written_lock(path)
    text = path.read_text(encoding="utf-8")
    path.write_text(edit(text), encoding="utf-8")
    assert path.read_text(encoding="utf-8") != text
    head = read_lock_head(path)
    assert head is not None

    found = rendered_digest(head, path)

    # Not the file: run rewrites it. It is what run writes: the lock, schema digest mended.
    assert found != sha(path.read_bytes())
    lock = full_lock(head, path)
    mended = next_lock(lock, lock.schema, lock.hash, "9.9.9", LATER, outputs=lock.outputs)
    assert found == sha(render_lock(mended))


# --- schema_version.py -----------------------------------------------------------------------


def run_module(source: bytes) -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile(source, "schema_version.py", "exec"), namespace)
    return namespace


def test_schema_version_module_holds_the_lock() -> None:
    previous = first_lock()
    lock = next_lock(previous, SCHEMA_2, ir.schema_hash(SCHEMA_2), "0.1.0", LATER)

    source = render_schema_version(lock, "0.1.0")
    constants = run_module(source)

    # The hash is in the constants, not in the header every generated file shares.
    assert source.decode().startswith(f"# {MARK} 0.1.0.\n")
    assert constants["SCHEMA_VERSION"] == 2
    assert constants["LAST_SYNC"] == "2024-06-04T10:30:15+00:00"
    assert constants["DB_HASH"] == ir.schema_hash(SCHEMA_2)
    assert constants["TABLES_COUNT"] == 3
    assert constants["ENUMS_COUNT"] == 0
    assert constants["LAST_SYNC_DIFFERENCES"] == lock.differences
    assert constants["__doc__"] == "The database schema the generated models were made from."


def test_schema_version_module_of_a_first_sync() -> None:
    constants = run_module(render_schema_version(first_lock(), "0.1.0"))

    assert constants["SCHEMA_VERSION"] == 1
    assert constants["TABLES_COUNT"] == 2  # views are not tables
    assert constants["ENUMS_COUNT"] == 1
    assert constants["LAST_SYNC_DIFFERENCES"] == first_lock().differences


def test_schema_version_module_without_differences() -> None:
    lock = msgspec.structs.replace(first_lock(), differences=())

    source = render_schema_version(lock, "0.1.0")

    assert b"LAST_SYNC_DIFFERENCES: Final[tuple[str, ...]] = ()\n" in source
    assert run_module(source)["LAST_SYNC_DIFFERENCES"] == ()


def test_schema_version_module_with_hostile_object_names() -> None:
    name = 'x"); import os; ("\n\u2028\x00'
    schema = ir.Schema(schemas=("public",), relations=(table(name, "id"),))
    lock = first_lock(schema)

    source = render_schema_version(lock, "0.1.0")
    constants = run_module(source)

    assert constants["LAST_SYNC_DIFFERENCES"] == (f"added table public.{name}",)
    assert b"import os" not in source.split(b"LAST_SYNC_DIFFERENCES")[0]
    for line in source.decode().split("\n"):
        assert line.isprintable(), repr(line)


def test_render_is_deterministic() -> None:
    lock = first_lock()

    assert render_schema_version(lock, "0.1.0") == render_schema_version(first_lock(), "0.1.0")
    assert b"\r" not in render_schema_version(lock, "0.1.0")
