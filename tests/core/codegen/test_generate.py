"""``schemasync run`` with the core alone: choosing emitters, and the run's file handling.

The command-line cases run ``python -m schemasync run`` in a subprocess, in a project folder
of its own, against a real database. The rest drive :func:`schemasync.codegen.generate.run` in
process with a small emitter defined here, so the lock file, ``schema_version.py`` and the
all-or-nothing writing are covered whichever emitters are installed. The TypedDict emitter's
runs are in tests/typeddict/test_run_typeddict.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from cli import run_cli
from pg import run_sql
from schemasync import hookimpl, ir
from schemasync.api import EmitContext, Emitter, GeneratedFile, Part, TargetOptions
from schemasync.codegen import generate, parallel
from schemasync.codegen.generate import RunResult, choose_emitters, run
from schemasync.codegen.lock import read_lock
from schemasync.codegen.output import MARK
from schemasync.codegen.transaction import JOURNAL
from schemasync.config import Config, load_config
from schemasync.errors import ConfigError, OutputError, PluginError
from schemasync.pipeline import SourceChoice, read_schema
from schemasync.plugins import (
    BLOCK_ENV,
    KNOWN_EMITTER_PACKAGES,
    PluginHost,
    install_hint,
    load_plugins,
)

SCHEMA_SQL = """
CREATE TYPE public.task_status AS ENUM ('todo', 'done');
CREATE TABLE public.projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    status public.task_status NOT NULL DEFAULT 'todo'
);
"""
NOW = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
RUFF_FORMAT_CHECK = (sys.executable, "-m", "ruff", "format", "--check", "--isolated", "--no-cache")


def project(root: Path, settings: str = "") -> Path:
    """A project folder whose pyproject.toml holds ``settings`` under [tool.schemasync]."""
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "app"\nversion = "0"\n\n[tool.schemasync]\n{settings}'
    )
    return root


def files_in(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def installed_emitters() -> list[str]:
    return sorted(load_plugins().emitters())


def missing_first_party_emitter() -> tuple[str, str, dict[str, str]]:
    """A first-party emitter the CLI will not find, its distribution, and the environment
    that hides it: none when one is not installed, else a block on the last installed one
    (an install with everything has nothing missing)."""
    missing = sorted(set(KNOWN_EMITTER_PACKAGES) - set(installed_emitters()))
    if missing:
        return missing[0], KNOWN_EMITTER_PACKAGES[missing[0]], {}
    name = sorted(KNOWN_EMITTER_PACKAGES)[-1]
    return name, KNOWN_EMITTER_PACKAGES[name], {BLOCK_ENV: name}


# --- choosing emitters on the command line ---------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("where", ["option", "config"])
def test_an_emitter_that_is_not_installed_names_the_package(
    pg_dsn: str, tmp_path: Path, where: str
) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    name, package, env = missing_first_party_emitter()
    root = project(tmp_path, f'emit = ["{name}"]\n' if where == "config" else "")
    args = ["run", "--emit", name] if where == "option" else ["run"]

    result = run_cli(*args, cwd=root, dsn=pg_dsn, env=env)

    assert result.code == 6, result.stderr
    assert result.stdout == ""
    installed = ", ".join(e for e in installed_emitters() if e != name) or "none"
    assert result.stderr.splitlines() == [
        f"error: the {name!r} emitter is not installed (installed emitters: {installed})",
        f"  hint: {install_hint(package)}",
    ]
    assert files_in(root) == ["pyproject.toml"]


@pytest.mark.postgres
def test_an_unknown_emitter_is_a_plugin_error_without_a_package_hint(
    pg_dsn: str, tmp_path: Path
) -> None:
    root = project(tmp_path)

    result = run_cli("run", "--emit", "no-such-emitter", cwd=root, dsn=pg_dsn)

    assert result.code == 6, result.stderr
    installed = ", ".join(installed_emitters()) or "none"
    assert result.stderr.splitlines() == [
        f"error: no emitter named 'no-such-emitter' is installed (installed emitters: {installed})"
    ]
    assert files_in(root) == ["pyproject.toml"]


@pytest.mark.postgres
def test_nothing_to_emit_is_a_usage_error_with_a_hint(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    root = project(tmp_path, "include_schemas = ['public']\n")

    result = run_cli("run", "--emit", " , ", cwd=root, dsn=pg_dsn)

    assert result.code == 2, result.stderr
    assert result.stdout == ""
    installed = ", ".join(installed_emitters()) or "none"
    assert result.stderr.splitlines() == [
        "error: nothing to emit",
        "  hint: pass --emit NAME[,NAME...] or set emit = [...] in the config "
        f"(installed: {installed})",
    ]
    assert files_in(root) == ["pyproject.toml"]


# --- the run itself, with an emitter of the test's own ---------------------------------------


class TableList(Emitter):
    """Writes one line per relation, under the generated-file header: ``line.txt`` of the
    ``templates`` folder when there is one (``{name}`` is the relation), else the name."""

    name = "table-list"
    package = "schemasync-tests"
    #: How many times a run rendered this emitter's files.
    renders: ClassVar[int] = 0

    def emit(self, schema: ir.Schema, context: EmitContext) -> Sequence[GeneratedFile]:
        TableList.renders += 1
        line = "{name}\n"
        if context.templates_dir is not None:
            line = (context.templates_dir / "line.txt").read_text()
        lines = "".join(line.format(name=r.qualified_name) for r in schema.relations)
        return [GeneratedFile("tables.txt", (context.header() + lines).encode())]


class LongLines(Emitter):
    """Writes one long Python statement, and the same text in a file that is not Python: any
    emitter's Python goes through the core's layout step, nothing else does."""

    name = "long-lines"
    package = "schemasync-tests"

    def emit(self, schema: ir.Schema, context: EmitContext) -> Sequence[GeneratedFile]:
        names = ", ".join(
            f'"{name}"' for name in [*(r.qualified_name for r in schema.relations), "x" * 40]
        )
        text = f"RELATIONS: tuple[str, ...] = tuple(sorted([{names}]))\n"
        content = (context.header() + text).encode()
        return [GeneratedFile("relations.py", content), GeneratedFile("relations.txt", content)]


class Failing(Emitter):
    """Fails after the emitters before it have rendered their files."""

    name = "failing"
    package = "schemasync-tests"

    def emit(self, schema: ir.Schema, context: EmitContext) -> Sequence[GeneratedFile]:
        raise ConfigError("the failing emitter failed")


class HalfWay(Emitter):
    """Yields its files one at a time, as a target of thousands of files does, and fails
    after the first."""

    name = "half-way"
    package = "schemasync-tests"

    def emit(self, schema: ir.Schema, context: EmitContext) -> Iterator[GeneratedFile]:
        yield GeneratedFile("first.txt", (context.header() + "first\n").encode())
        raise ConfigError("the half-way emitter failed")


class Pages(Emitter):
    """An index and a page per relation, independent of each other: it renders the pages at
    the positions of the part a run asks for."""

    name = "pages"
    package = "schemasync-tests"
    render_cost = 5.0

    def can_split(self, options: TargetOptions) -> bool:
        return True

    def emit(self, schema: ir.Schema, context: EmitContext) -> Iterator[GeneratedFile]:
        names = ["index", *(r.name for r in schema.relations)]
        for position, name in enumerate(names):
            if context.part.takes(position):
                yield GeneratedFile(f"{name}.txt", (context.header() + f"{name}\n").encode())


class IgnoresParts(Pages):
    """Says it renders in parts, and renders every page in each part."""

    name = "ignores-parts"

    def emit(self, schema: ir.Schema, context: EmitContext) -> Iterator[GeneratedFile]:
        yield from super().emit(schema, dataclasses.replace(context, part=Part()))


class EmittersPlugin:
    """Registers the emitters above."""

    @hookimpl
    def schemasync_emitters(self) -> list[Emitter]:
        return [TableList(), LongLines(), Failing(), HalfWay(), Pages(), IgnoresParts()]


def host() -> PluginHost:
    return load_plugins(extra=[("test-emitters", EmittersPlugin())])


def sync(config: Config, dsn: str, emit: Sequence[str] = (), now: dt.datetime = NOW) -> int:
    """Read the database and run; returns how many files were written."""
    plugins = host()
    schema = read_schema(plugins, config, SourceChoice(target=dsn))
    result = run(plugins, config, schema, choose_emitters(plugins, config, emit), now=now)
    return len(result.written.written)


def configured(root: Path, settings: str = 'emit = ["table-list"]\n') -> Config:
    return load_config(start=project(root, settings))


@pytest.mark.postgres
def test_a_schema_change_rewrites_the_lock_and_bumps_the_version(
    pg_dsn: str, tmp_path: Path
) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    config = configured(tmp_path)

    assert sync(config, pg_dsn) == 3
    first = read_lock(tmp_path / "schemasync.lock")
    assert first is not None
    assert first.schema_version == 1
    assert (
        (tmp_path / "models" / "table-list_models" / "tables.txt")
        .read_text()
        .endswith("public.projects\n")
    )

    run_sql(pg_dsn, "CREATE TABLE public.tasks (id int PRIMARY KEY);")
    assert sync(config, pg_dsn, now=NOW + dt.timedelta(hours=1)) == 3

    second = read_lock(tmp_path / "schemasync.lock")
    assert second is not None
    assert second.schema_version == 2
    assert second.differences == ("added table public.tasks",)
    assert second.last_sync == "2024-06-01T13:00:00+00:00"
    assert second.generated_by.startswith(MARK)
    assert second.schema == read_schema(host(), config, SourceChoice(target=pg_dsn))
    version = (tmp_path / "schema_version.py").read_text()
    assert "SCHEMA_VERSION: Final = 2\n" in version
    constants: dict[str, object] = {}
    exec(compile(version, "schema_version.py", "exec"), constants)
    assert constants["DB_HASH"] == second.hash

    assert sync(config, pg_dsn, now=NOW + dt.timedelta(hours=2)) == 0


@pytest.mark.postgres
def test_python_from_any_emitter_is_laid_out_for_the_line_length(
    pg_dsn: str, tmp_path: Path
) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    config = configured(tmp_path, 'emit = ["long-lines"]\nline_length = 60\n')
    folder = tmp_path / "models" / "long-lines_models"

    assert sync(config, pg_dsn) == 4
    python = (folder / "relations.py").read_text()
    first = read_lock(tmp_path / "schemasync.lock")
    assert max(len(line) for line in python.splitlines()) <= 60
    assert max(len(line) for line in (folder / "relations.txt").read_text().splitlines()) > 60
    ruff = subprocess.run(
        [*RUFF_FORMAT_CHECK, "--line-length", "60", str(folder / "relations.py")],
        check=False,
        capture_output=True,
        text=True,
    )
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr

    # Another line length is another output: the file is rewritten, the lock knows why.
    wider = configured(tmp_path, 'emit = ["long-lines"]\nline_length = 120\n')
    assert sync(wider, pg_dsn) == 2
    second = read_lock(tmp_path / "schemasync.lock")
    assert first is not None
    assert second is not None
    assert first.fingerprint != second.fingerprint
    assert (folder / "relations.py").read_text() != python
    assert len((folder / "relations.py").read_text().splitlines()) < len(python.splitlines())


@pytest.mark.postgres
def test_a_failing_emitter_leaves_everything_as_it_was(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    config = configured(tmp_path, 'emit = ["table-list", "failing"]\n')

    with pytest.raises(ConfigError, match="the failing emitter failed"):
        sync(config, pg_dsn)

    assert files_in(tmp_path) == ["pyproject.toml"]


@pytest.mark.postgres
def test_an_emitter_failing_after_yielding_files_leaves_everything_as_it_was(
    pg_dsn: str, tmp_path: Path
) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    assert sync(configured(tmp_path), pg_dsn) == 3
    config = configured(tmp_path, 'emit = ["table-list", "half-way"]\n')
    before = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}

    with pytest.raises(ConfigError, match="the half-way emitter failed"):
        sync(config, pg_dsn)

    # The file it yielded was written to a temporary file, which is gone with its folder.
    assert {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()} == before
    assert not (tmp_path / "models" / "half-way_models").exists()


@pytest.mark.postgres
def test_the_costliest_target_is_rendered_first(
    pg_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    monkeypatch.setenv("SCHEMASYNC_JOBS", "1")  # in this process, so the order is seen
    rendered: list[str] = []
    for emitter, cost in ((TableList, 1.0), (LongLines, 4.0)):
        monkeypatch.setattr(emitter, "render_cost", cost)
        emit = emitter.emit

        def recorded(
            self: Emitter,
            schema: ir.Schema,
            context: EmitContext,
            emit: Callable[[Any, ir.Schema, EmitContext], Iterable[GeneratedFile]] = emit,
        ) -> Iterable[GeneratedFile]:
            rendered.append(self.name)
            return emit(self, schema, context)

        monkeypatch.setattr(emitter, "emit", recorded)

    config = configured(tmp_path, 'emit = ["table-list", "long-lines"]\n')
    assert sync(config, pg_dsn) == 5

    assert rendered == ["long-lines", "table-list"]
    # The lock still names the targets in the order the project does.
    lock = read_lock(tmp_path / "schemasync.lock")
    assert lock is not None
    assert lock.emit == ("table-list", "long-lines")


@pytest.mark.postgres
def test_a_foreign_file_stops_the_run_before_anything_is_written(
    pg_dsn: str, tmp_path: Path
) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    config = configured(tmp_path)
    # The last file of the plan: every other one would have been written before it.
    (tmp_path / "schema_version.py").write_text("VERSION = 'mine'\n")

    with pytest.raises(OutputError) as caught:
        sync(config, pg_dsn)

    assert caught.value.message == (
        f"refusing to overwrite {tmp_path / 'schema_version.py'}: schemasync did not generate it"
    )

    assert files_in(tmp_path) == ["pyproject.toml", "schema_version.py"]
    assert (tmp_path / "schema_version.py").read_text() == "VERSION = 'mine'\n"


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            '[tool.schemasync.emitters.table-list]\noutput = "../elsewhere"\n',
            "output '../elsewhere' must be a path inside the project",
        ),
        ('lock_file = "/tmp/schemasync.lock"\n', "lock_file '/tmp/schemasync.lock' must be a path"),
        ('version_file = "../v.py"\n', "version_file '../v.py' must be a path inside the project"),
    ],
)
def test_paths_outside_the_project_are_refused(
    pg_dsn: str, tmp_path: Path, settings: str, message: str
) -> None:
    root = tmp_path / "app"
    root.mkdir()
    config = configured(root, 'emit = ["table-list"]\n' + settings)

    with pytest.raises(ConfigError, match=message):
        sync(config, pg_dsn)

    assert files_in(tmp_path) == ["app/pyproject.toml"]


def test_choose_emitters_prefers_the_command_line(tmp_path: Path) -> None:
    config = configured(tmp_path, 'emit = ["failing"]\n')

    chosen = choose_emitters(host(), config, ["table-list", "table-list"])

    assert [e.name for e in chosen] == ["table-list"]
    assert [e.name for e in choose_emitters(host(), config, [])] == ["failing"]
    with pytest.raises(PluginError, match="no emitter named 'nope'"):
        choose_emitters(host(), config, ["nope"])


# --- the unchanged run: nothing rendered while the lock says every file is current ----------

TEMPLATED = """emit = ["table-list"]
[tool.schemasync.emitters.table-list]
templates = "templates"
"""
TABLES = Path("models/table-list_models/tables.txt")


def run_once(
    config: Config, dsn: str, *, dry_run: bool = False, source_digest: str = ""
) -> RunResult:
    """Read the database and run every configured emitter."""
    plugins = host()
    schema = read_schema(plugins, config, SourceChoice(target=dsn))
    emitters = choose_emitters(plugins, config, ())
    return run(
        plugins, config, schema, emitters, now=NOW, dry_run=dry_run, source_digest=source_digest
    )


def on_disk(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``root``: its bytes and modification time."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


def templated(root: Path, line: str = "{name}\n", settings: str = "") -> Config:
    """A project whose ``table-list`` target reads ``templates/line.txt``."""
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "line.txt").write_text(line)
    return configured(root, settings + TEMPLATED)


@pytest.mark.postgres
@pytest.mark.parametrize("dry_run", [False, True])
def test_an_unchanged_run_renders_nothing_and_says_so(
    pg_dsn: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, dry_run: bool
) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    config = templated(tmp_path)
    first = run_once(config, pg_dsn)
    assert first.rendered
    before = on_disk(tmp_path)
    TableList.renders = 0

    with caplog.at_level(logging.INFO, logger="schemasync"):
        again = run_once(config, pg_dsn, dry_run=dry_run)

    assert TableList.renders == 0
    assert not again.rendered
    assert (again.schema_hash, again.schema_version) == (first.schema_hash, 1)
    assert again.written.written == again.written.deleted == []
    assert sorted(p.relative_to(tmp_path).as_posix() for p in again.written.unchanged) == [
        TABLES.as_posix(),
        "schema_version.py",
        "schemasync.lock",
    ]
    assert caplog.messages == [
        f"schema unchanged ({first.schema_hash[:19]}): 3 files current, nothing rendered"
    ]
    assert on_disk(tmp_path) == before


def _edit(root: Path) -> None:
    with (root / TABLES).open("a") as handle:
        handle.write("public.mine\n")


def _reformat_lock(root: Path) -> None:
    lock = root / "schemasync.lock"
    lock.write_text(lock.read_text().replace("\n", "\n  "))


def _edit_lock_schema(root: Path, edit: Callable[[str], str]) -> None:
    """``edit`` applied to the schema's part of the lock, the rest left as it is."""
    lock = root / "schemasync.lock"
    before, key, schema = lock.read_text().partition('\n  "schema": ')
    lock.write_text(before + key + edit(schema))


def _forget_schema_digest(root: Path) -> None:
    """The lock as versions before the schema digest wrote it."""
    lock = root / "schemasync.lock"
    lines = lock.read_text().split("\n")
    lock.write_text("\n".join(line for line in lines if '"schema_digest": ' not in line))


#: A change after a run, and the files the next run must write because of it.
CHANGES = {
    # A generated file edited by hand, or deleted: written again.
    "edited": (_edit, {TABLES.as_posix()}),
    "deleted": (lambda root: (root / TABLES).unlink(), {TABLES.as_posix()}),
    "lock reformatted": (_reformat_lock, {"schemasync.lock"}),
    # The lock's schema is not decoded while its digest holds: an edit there is seen all the
    # same, in a value or in the layout alone, and so is a lock older than the digest.
    "lock schema edited": (
        lambda root: _edit_lock_schema(root, lambda text: text.replace("projects", "project5")),
        {"schemasync.lock"},
    ),
    "lock schema reindented": (
        lambda root: _edit_lock_schema(root, lambda text: text.replace("\n    ", "\n     ", 1)),
        {"schemasync.lock"},
    ),
    "lock from before the schema digest": (_forget_schema_digest, {"schemasync.lock"}),
    "version file edited": (
        lambda root: (root / "schema_version.py").write_text("# Generated by schemasync\n"),
        {"schema_version.py"},
    ),
    # A template override changed: the output changes, and the lock's fingerprint.
    "template": (
        lambda root: (root / "templates" / "line.txt").write_text("- {name}\n"),
        {TABLES.as_posix(), "schemasync.lock"},
    ),
    # A template added to the override folder, used or not, makes the fingerprint another.
    "template added": (
        lambda root: (root / "templates" / "other.txt").write_text("x"),
        {"schemasync.lock"},
    ),
    # A setting that shapes output (here the profile, which this emitter ignores): the files
    # are rendered again, and only the lock's fingerprint changes.
    "setting": (
        lambda root: (root / "pyproject.toml").write_text(
            (root / "pyproject.toml")
            .read_text()
            .replace("[tool.schemasync]\n", '[tool.schemasync]\nprofile = "json"\n')
        ),
        {"schemasync.lock"},
    ),
}


@pytest.mark.postgres
@pytest.mark.parametrize("change", list(CHANGES))
def test_any_difference_renders_and_writes_again(
    pg_dsn: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, change: str
) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    templated(tmp_path)
    run_once(load_config(start=tmp_path), pg_dsn)
    make, expected = CHANGES[change]
    make(tmp_path)
    TableList.renders = 0

    with caplog.at_level(logging.INFO, logger="schemasync"):
        result = run_once(load_config(start=tmp_path), pg_dsn)

    assert result.rendered
    assert TableList.renders == 1
    assert "nothing rendered" not in caplog.text
    assert {p.relative_to(tmp_path).as_posix() for p in result.written.written} == expected
    line = "- {name}\n" if change == "template" else "{name}\n"
    assert (tmp_path / TABLES).read_text().endswith(line.format(name="public.projects"))
    # And the run after that one has nothing left to do.
    assert not run_once(load_config(start=tmp_path), pg_dsn).rendered


@pytest.mark.postgres
def test_a_new_source_digest_is_recorded_and_then_holds(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    config = configured(tmp_path)
    run_once(config, pg_dsn)

    recorded = run_once(config, pg_dsn, source_digest="sha256:0123")

    assert recorded.rendered
    assert [p.name for p in recorded.written.written] == ["schemasync.lock"]
    lock = read_lock(tmp_path / "schemasync.lock")
    assert lock is not None
    assert (lock.source_digest, lock.schema_version) == ("sha256:0123", 1)
    assert not run_once(config, pg_dsn, source_digest="sha256:0123").rendered
    # A source that cannot tell (a live database) clears it.
    assert run_once(config, pg_dsn).rendered
    cleared = read_lock(tmp_path / "schemasync.lock")
    assert cleared is not None
    assert cleared.source_digest == ""


@pytest.mark.postgres
def test_a_schema_change_is_never_taken_for_an_unchanged_run(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    config = configured(tmp_path)
    run_once(config, pg_dsn)
    run_sql(pg_dsn, "CREATE TABLE public.tasks (id int PRIMARY KEY);")

    result = run_once(config, pg_dsn)

    assert result.rendered
    assert result.schema_version == 2
    assert (tmp_path / TABLES).read_text().endswith("public.projects\npublic.tasks\n")


@pytest.mark.postgres
def test_an_interrupted_run_is_completed_before_the_files_are_compared(
    pg_dsn: str, tmp_path: Path
) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    config = configured(tmp_path)
    run_once(config, pg_dsn)
    # A run stopped after renaming its files and its lock into place, before deleting the
    # leftover its journal lists: the files and the lock agree, but the run is not over.
    leftover = tmp_path / TABLES.with_name("old.txt")
    leftover.write_text("# Generated by schemasync\npublic.old\n")
    stopped = subprocess.Popen(["true"])
    stopped.wait()
    journal = tmp_path / JOURNAL
    journal.write_text(
        json.dumps(
            {"pid": stopped.pid, "files": [], "delete": [str(leftover)], "boundary": str(tmp_path)}
        )
    )
    before = on_disk(tmp_path)

    # A dry run completes nothing, so it takes the long way, and touches nothing.
    assert run_once(config, pg_dsn, dry_run=True).rendered
    assert on_disk(tmp_path) == before
    # A run completes the journal first; then every file is current.
    result = run_once(config, pg_dsn)

    assert not result.rendered
    assert not journal.exists()
    assert not leftover.exists()


def _parts_in_one_process(monkeypatch: pytest.MonkeyPatch, split: bool) -> None:
    """A run that splits what it can, as with two processes, and renders every part in
    this one, one after the other (a fork of the test's process proves nothing more)."""
    monkeypatch.setattr(generate, "jobs", lambda: 2 if split else 1)
    monkeypatch.setattr(parallel, "jobs", lambda: 1)


@pytest.mark.postgres
def test_a_target_in_two_parts_writes_what_it_writes_whole(
    pg_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    results: dict[bool, tuple[list[str], dict[str, bytes]]] = {}
    for split in (False, True):
        root = tmp_path / f"split-{split}"
        root.mkdir()
        _parts_in_one_process(monkeypatch, split)
        with caplog.at_level(logging.DEBUG, logger="schemasync"):
            result = run_once(configured(root, 'emit = ["pages", "table-list"]\n'), pg_dsn)
        assert ("pages renders in 2 parts" in caplog.text) == split
        caplog.clear()
        written = [p.relative_to(root).as_posix() for p in result.written.written]
        results[split] = (written, {name: (root / name).read_bytes() for name in written})

    assert results[True] == results[False]
    # One page from each part (the index at position 0, the relation's page at 1).
    assert [name for name in results[True][0] if name.startswith("models/pages_models/")] == [
        "models/pages_models/index.txt",
        "models/pages_models/projects.txt",
    ]


@pytest.mark.postgres
def test_an_emitter_that_renders_every_file_in_each_part_is_refused(
    pg_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    _parts_in_one_process(monkeypatch, split=True)
    config = configured(tmp_path, 'emit = ["ignores-parts"]\n')

    with pytest.raises(OutputError) as raised:
        run_once(config, pg_dsn)

    assert raised.value.message == (
        "target ignores-parts would write models/ignores-parts_models/index.txt twice"
    )
    assert raised.value.hint == "a fault of the emitter: report it to the plugin that provides it"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["pyproject.toml"]
