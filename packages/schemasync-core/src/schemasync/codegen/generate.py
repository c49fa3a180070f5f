"""``schemasync run``: emit every chosen target, then the lock and ``schema_version.py``.

Everything is rendered before anything is written, so a failing emitter, a bad option or a
file in the way leaves the output exactly as it was. The write plan also holds the files an
earlier run wrote and this one no longer produces (a dropped table, a changed layout): the
lock lists what each run wrote, so they are deleted, and nothing else ever is.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import NamedTuple, Protocol, TypeVar

import msgspec

from schemasync import __version__, ir
from schemasync.api import EmitContext, Emitter, Part, PyType, TargetOptions
from schemasync.codegen import transaction
from schemasync.codegen.lock import (
    Lock,
    LockHead,
    full_lock,
    next_lock,
    next_version,
    read_lock,
    read_lock_head,
    render_lock,
    render_schema_version,
    rendered_digest,
)
from schemasync.codegen.output import (
    Commit,
    PlannedFile,
    Stager,
    WriteResult,
    deletable,
    digest,
    discard,
    discarded_on_failure,
    file_bytes,
    outcome,
)
from schemasync.codegen.parallel import jobs, map_shared
from schemasync.codegen.pyformat import reflow
from schemasync.codegen.render import collected_once, trim_memory
from schemasync.config import Config, TypeOverride, explain, normalise_keys
from schemasync.errors import ConfigError, OutputError, UsageError
from schemasync.plugins import PluginHost, code_digests

__all__ = [
    "RunResult",
    "choose_emitters",
    "emit_context",
    "emitter_options",
    "fingerprint",
    "inside",
    "leftovers",
    "plan",
    "recorded_files",
    "relative_key",
    "run",
]

log = logging.getLogger("schemasync")
#: Steps a terminal shows while they run (see schemasync.cli.terminal).
progress = logging.getLogger("schemasync.progress")


class _Produced(Protocol):
    """A generated file as a run holds it: a :class:`PlannedFile` or a staged one."""

    @property
    def path(self) -> Path: ...
    @property
    def digest(self) -> str: ...


P = TypeVar("P", bound=_Produced)


@dataclass(frozen=True)
class RunResult:
    """What a run did."""

    schema_hash: str
    schema_version: int
    written: WriteResult
    #: False when the lock said every file was current and nothing was rendered.
    rendered: bool = True


def choose_emitters(host: PluginHost, config: Config, requested: Sequence[str]) -> list[Emitter]:
    """The emitters to run: ``--emit`` if given, else ``emit`` from the config.

    :raises UsageError: nothing to emit.
    :raises PluginError: an emitter is not installed (the message names its package).
    :raises ConfigError: an emitter's options are wrong.
    """
    names = list(dict.fromkeys(requested or config.settings.emit))
    if not names:
        raise UsageError(
            "nothing to emit",
            hint="pass --emit NAME[,NAME...] or set emit = [...] in the config "
            f"(installed: {', '.join(sorted(host.emitters())) or 'none'})",
        )
    emitters = [host.emitter(name) for name in names]
    for emitter in emitters:
        emitter_options(emitter, config)  # bad options fail here, before any database work
    return emitters


def emitter_options(emitter: Emitter, config: Config) -> TargetOptions:
    """``emitter``'s options from ``[tool.schemasync.emitters.NAME]``, checked."""
    raw = config.settings.emitters.get(emitter.name, {})
    try:
        return msgspec.convert(normalise_keys(raw), emitter.options_type)
    except msgspec.ValidationError as exc:
        message, hint = explain(exc, config.table(f"emitters.{emitter.name}"), emitter.options_type)
        raise ConfigError(message, hint=hint) from exc


def _type_overrides(config: Config) -> dict[str, PyType]:
    result: dict[str, PyType] = {}
    for name, value in config.settings.types.items():
        if isinstance(value, TypeOverride):
            imports = tuple(tuple(item.rsplit(".", 1)) for item in value.imports)
            if any(len(pair) != 2 for pair in imports):
                raise ConfigError(f"types.{name!r} in {config.origin}: imports are module.Name")
            result[name] = PyType(value.annotation, imports)  # type: ignore[arg-type]
        else:
            result[name] = PyType(value)
    return result


def inside(root: Path, relative: str, what: str) -> Path:
    """``root / relative``; :class:`ConfigError` when ``relative`` leaves ``root``."""
    # Told from the string (a POSIX path is absolute when it starts with a slash), not from
    # a parsed path: the unchanged run and check ask this of every file the lock lists.
    if relative.startswith("/") or ".." in relative.split("/"):
        raise ConfigError(f"{what} {relative!r} must be a path inside the project")
    return root / relative


def emit_context(
    host: PluginHost,
    config: Config,
    options: TargetOptions,
    schema_hash: str,
    *,
    schema_version: int | None = None,
    part: Part | None = None,
) -> EmitContext:
    """What an emitter with ``options`` gets for this project: profile, hooks, overrides;
    ``part``: the share of its files to render (all of them by default)."""
    return EmitContext(
        options=options,
        profile=options.profile or config.settings.profile,
        schema_hash=schema_hash,
        tool_version=__version__,
        decide_name=host.decider("schemasync_name"),
        map_type=host.decider("schemasync_map_type"),
        naming_overrides=config.settings.naming,
        type_overrides=_type_overrides(config),
        templates_dir=(
            inside(config.root, options.templates, "templates") if options.templates else None
        ),
        schema_version=schema_version,
        part=part or Part(),
    )


#: Settings that decide what ``check`` reports, not what ``run`` writes.
_DRIFT_SETTINGS = frozenset(
    ("fail-on", "against", "models", "model-names", "severity", "dsn-env", "statement-timeout")
)


#: Hooks whose answers shape generated files; plugins implementing none of them (severity
#: rules, sources, readers) can come and go without making the files stale.
_OUTPUT_HOOKS = frozenset(("schemasync_emitters", "schemasync_name", "schemasync_map_type"))


def relative_key(path: Path, root: Path) -> str:
    """How the lock names a generated file: its POSIX path relative to the project root."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()


def fingerprint(host: PluginHost, config: Config, emitters: Sequence[Emitter]) -> str:
    """SHA-256 of what besides the schema decides the generated files: the tool and plugin
    versions, the code and templates of the core and of each emitter, the settings that
    shape output (options, type overrides, naming), the targets, and template overrides.
    """
    settings = {
        key: value
        for key, value in msgspec.to_builtins(config.settings).items()
        if key not in _DRIFT_SETTINGS
    }
    templates: dict[str, str] = {}
    for emitter in emitters:
        folder = emitter_options(emitter, config).templates
        if folder:
            for path in sorted(inside(config.root, folder, "templates").rglob("*")):
                if path.is_file():
                    templates[relative_key(path, config.root)] = digest(path.read_bytes())
    inputs = {
        "tool": __version__,
        "plugins": sorted(
            (p.name, p.distribution, p.version, p.status)
            for p in host.plugins
            if _OUTPUT_HOOKS.intersection(p.hooks)
        ),
        "code": code_digests(host, emitters, _OUTPUT_HOOKS),
        "emit": [emitter.name for emitter in emitters],
        "settings": settings,
        "templates": templates,
    }
    return digest(msgspec.json.encode(inputs, order="sorted"))


def recorded_files(
    host: PluginHost, config: Config, lock: Lock | LockHead, emitters: Sequence[Emitter]
) -> dict[Path, str] | None:
    """The digest of every file ``run`` writes from ``lock``'s schema with ``emitters``, the
    lock and ``schema_version.py`` included, by path, taken from the lock without rendering
    anything; ``None`` when the lock's fingerprint does not hold (another tool or plugin
    version, other settings, templates or targets), and only rendering can tell."""
    if not lock.fingerprint or lock.fingerprint != fingerprint(host, config, emitters):
        return None
    root = config.root
    expected = {inside(root, path, "file"): sha for path, sha in lock.outputs.items()}
    version_path, version = _version_file(config, lock)
    expected[version_path] = digest(version)
    lock_path = inside(root, config.settings.lock_file, "lock_file")
    expected[lock_path] = rendered_digest(lock, lock_path)
    return expected


def _file_digest(path: Path) -> str | None:
    """The digest of the file at ``path``; ``None`` when it cannot be read."""
    try:
        return digest(file_bytes(path))
    except OSError:
        return None


def _current_files(
    host: PluginHost,
    config: Config,
    previous: LockHead | None,
    emitters: Sequence[Emitter],
    *,
    schema_hash: str,
    source_digest: str,
) -> list[Path] | None:
    """Every file of the run when each is already what it would write (same schema, same
    fingerprint, same source digest, every recorded file on disk with its recorded digest);
    else ``None``."""
    if previous is None or (previous.hash, previous.source_digest) != (schema_hash, source_digest):
        return None
    expected = recorded_files(host, config, previous, emitters)
    if expected is None:
        return None
    if any(_file_digest(path) != sha for path, sha in expected.items()):
        return None
    return list(expected)


def _laid_out(path: Path, content: bytes, line_length: int) -> bytes:
    """A Python file as ``ruff format --line-length line_length`` would leave it, whichever
    emitter or template wrote it; other files as they are."""
    if path.suffix != ".py":
        return content
    return reflow(content.decode(), line_length).encode()


def _version_file(config: Config, lock: Lock | LockHead) -> tuple[Path, bytes]:
    """Where ``schema_version.py`` goes and its bytes for ``lock``, laid out as every
    generated Python file is (``run`` writes them, the fast paths compare their digest)."""
    path = inside(config.root, config.settings.version_file, "version_file")
    content = render_schema_version(lock, __version__)
    return path, _laid_out(path, content, config.settings.line_length)


def _render(
    host: PluginHost,
    config: Config,
    schema: ir.Schema,
    emitters: Sequence[Emitter],
    *,
    schema_hash: str,
    version: int,
    accept: Callable[[PlannedFile], P],
    undo: Callable[[Sequence[P]], None],
) -> list[P]:
    """``accept`` of every file the emitters write, laid out: the emitters in their order,
    each one's files in the order of their paths. The emitters (or parts of one) are
    shared with a forked process when there are two cores (see
    :mod:`schemasync.codegen.parallel`). All or nothing: when anything fails, ``undo`` is
    called once with every result already made (in either process)."""
    root = config.root
    line_length = config.settings.line_length

    tasks = _tasks(emitters, [emitter_options(emitter, config) for emitter in emitters])

    def target(index: int) -> list[P]:
        _, emitter, options, part = tasks[index]
        output = inside(root, options.output or emitter.output_folder, "output")
        context = emit_context(
            host, config, options, schema_hash, schema_version=version, part=part
        )
        progress.debug("emitting %s", emitter.name)
        made: list[P] = []
        try:
            with collected_once():
                for generated in emitter.emit(schema, context):
                    path = inside(output, generated.path, "file")
                    made.append(
                        accept(PlannedFile(path, _laid_out(path, generated.content, line_length)))
                    )
        except BaseException:
            undo(made)
            raise
        return made

    # The costliest first: the process that takes the last task is not left with a long one.
    order = sorted(range(len(tasks)), key=lambda index: -tasks[index].cost)
    made_by_tasks: list[list[P]] = []  # when a task fails: what the others made, undone at once
    try:
        shared = map_shared(
            len(tasks), target, made_by_tasks.append, before_fork=_import_shared, order=order
        )
    except BaseException:
        undo([item for made in made_by_tasks for item in made])
        raise
    # Each target's files in the order of their paths, however its parts were shared out.
    files: dict[int, list[P]] = {}
    writers: dict[Path, str] = {}
    for task, made in zip(tasks, shared, strict=True):
        files.setdefault(task.target, []).extend(made)
        for produced in made:
            other = writers.get(produced.path)
            if other is not None:  # one file would silently replace the other
                undo([item for results in shared for item in results])
                raise _written_twice(produced.path, root, other, task.emitter.name)
            writers[produced.path] = task.emitter.name
    return [item for made in files.values() for item in sorted(made, key=lambda f: f.path)]


def _written_twice(path: Path, root: Path, first: str, second: str) -> OutputError:
    """The error of a run whose targets (or one target) would write ``path`` twice."""
    where = relative_key(path, root)
    if first != second:
        return OutputError(
            f"targets {first} and {second} would both write {where}",
            hint=f"give one of them another folder: [tool.schemasync.emitters.{second}] output",
        )
    return OutputError(
        f"target {first} would write {where} twice",
        hint="a fault of the emitter: report it to the plugin that provides it",
    )


class _Task(NamedTuple):
    """What one process takes at a time: a target (its place in the run), or a part of one."""

    target: int
    emitter: Emitter
    options: TargetOptions
    part: Part

    @property
    def cost(self) -> float:
        return self.emitter.render_cost / self.part.count


def _tasks(emitters: Sequence[Emitter], options: Sequence[TargetOptions]) -> list[_Task]:
    """What each process may take: a target, or a part of one. With two processes, a
    target that costs more than twice all the others together is rendered in two parts, if
    it can be (:meth:`Emitter.can_split`), so that the other process does not wait for it
    (the Pydantic package alone: a module per table, half in each process). Below that,
    halves end no sooner: one process takes a half, the other a half and the rest."""
    total = sum(emitter.render_cost for emitter in emitters)
    two = jobs() > 1
    tasks: list[_Task] = []
    for target, (emitter, chosen) in enumerate(zip(emitters, options, strict=True)):
        alone = emitter.render_cost > 2 * (total - emitter.render_cost)
        count = 2 if two and alone and emitter.can_split(chosen) else 1
        if count > 1:
            log.debug("%s renders in %d parts", emitter.name, count)
        tasks += [_Task(target, emitter, chosen, Part(index, count)) for index in range(count)]
    return tasks


def _import_shared() -> None:
    """Import what rendering most targets needs (the template engine, and the SQL parser
    that translates CHECK constraints) before the targets are shared with a fork, so it is
    imported once instead of once in each process (about 0.15 s on the catalogue)."""
    for module in ("jinja2", "pglast.parser"):
        importlib.import_module(module)


def _produce(
    host: PluginHost,
    config: Config,
    schema: ir.Schema,
    emitters: Sequence[Emitter],
    *,
    schema_hash: str,
    previous: Lock | None,
    now: dt.datetime,
    source_digest: str,
    accept: Callable[[PlannedFile], P],
    undo: Callable[[Sequence[P]], None],
) -> tuple[Lock, list[P], list[PlannedFile]]:
    """``accept`` of every file the emitters write (see :func:`_render`), the lock that
    records their digests, and the files written after them: ``schema_version.py``, then
    the lock, which is renamed into place after every file it describes.

    :param schema_hash: ``schema``'s, which the caller has already worked out (it encodes
        the whole schema).
    """
    # Settings that cannot be written fail before anything is rendered.
    lock_path = inside(config.root, config.settings.lock_file, "lock_file")
    inside(config.root, config.settings.version_file, "version_file")
    # Known before emitting, so emitters can print the version this run records.
    version = next_version(previous, schema_hash)
    files = _render(
        host,
        config,
        schema,
        emitters,
        schema_hash=schema_hash,
        version=version,
        accept=accept,
        undo=undo,
    )
    try:
        lock = next_lock(
            previous,
            schema,
            schema_hash,
            __version__,
            now,
            emit=tuple(emitter.name for emitter in emitters),
            fingerprint=fingerprint(host, config, emitters),
            outputs={relative_key(f.path, config.root): f.digest for f in files},
            source_digest=source_digest,
        )
        version_file = PlannedFile(*_version_file(config, lock))
        # The schema's digest formatted it whole, and so will the lock's bytes: the memory
        # the first took is handed back before the second is laid on top of it.
        trim_memory()
        return lock, files, [version_file, PlannedFile(lock_path, render_lock(lock))]
    except BaseException:
        undo(files)
        raise


def plan(
    host: PluginHost,
    config: Config,
    schema: ir.Schema,
    emitters: Sequence[Emitter],
    *,
    now: dt.datetime,
    source_digest: str = "",
) -> tuple[list[PlannedFile], int, str]:
    """Render every file of the run in memory.

    :param source_digest: what the source says decided ``schema`` (see ``Lock.source_digest``).
    :returns: the files, the schema version and the schema hash.
    """
    previous = read_lock(inside(config.root, config.settings.lock_file, "lock_file"))
    lock, files, last = _produce(
        host,
        config,
        schema,
        emitters,
        schema_hash=ir.schema_hash(schema),
        previous=previous,
        now=now,
        source_digest=source_digest,
        accept=lambda planned: planned,
        undo=lambda planned: None,
    )
    return [*files, *last], lock.schema_version, lock.hash


def leftovers(previous: Lock | LockHead | None, paths: Iterable[Path], root: Path) -> list[Path]:
    """The files the previous run wrote (as its lock records them) that ``paths`` no longer
    include: a dropped table's module, the modules of a layout no longer chosen."""
    if previous is None:
        return []
    produced = {relative_key(path, root) for path in paths}
    return [inside(root, key, "file") for key in previous.outputs if key not in produced]


def _write(
    host: PluginHost,
    config: Config,
    schema: ir.Schema,
    emitters: Sequence[Emitter],
    *,
    schema_hash: str,
    previous: Lock | None,
    now: dt.datetime,
    source_digest: str,
    commit: Commit | None,
) -> RunResult:
    """Render every file and check it against its target as it comes, writing each changed
    one to a temporary file (no run holds all its files in memory); then ``commit`` puts
    them in place with the leftovers deleted. Without ``commit`` (a dry run) nothing is
    written, only said."""
    stager = Stager(write=commit is not None)
    lock, staged, last = _produce(
        host,
        config,
        schema,
        emitters,
        schema_hash=schema_hash,
        previous=previous,
        now=now,
        source_digest=source_digest,
        accept=stager.stage,
        undo=discard,
    )
    with discarded_on_failure(staged):
        staged += [stager.stage(planned) for planned in last]
        deleted = deletable(leftovers(previous, (item.path for item in staged), config.root))
    if commit is not None:
        commit([item for item in staged if item.changed], deleted)
    return RunResult(lock.hash, lock.schema_version, outcome(staged, deleted))


def run(
    host: PluginHost,
    config: Config,
    schema: ir.Schema,
    emitters: Sequence[Emitter],
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    source_digest: str = "",
) -> RunResult:
    """Emit, then write everything that changed and delete the leftovers of earlier runs:
    all or nothing, one run at a time (see :mod:`schemasync.codegen.transaction`).

    When the lock says every file is already what this run would write (same schema hash,
    fingerprint and source digest, every recorded file on disk with its recorded digest),
    nothing is rendered and nothing written, and one line says so.

    :param dry_run: only say what would be written and deleted; touch nothing.
    :param source_digest: what the source says decided ``schema``, recorded in the lock.
    """
    root = config.root
    lock_path = inside(root, config.settings.lock_file, "lock_file")
    when = now or dt.datetime.now(dt.timezone.utc)
    schema_hash = ir.schema_hash(schema)

    def attempt(commit: Commit | None) -> RunResult:
        # Its schema is not built: the fast path does not need it.
        previous = read_lock_head(lock_path)
        # A journal left by an interrupted run means files may be waiting to be renamed or
        # deleted; a real run has completed it already (recover), a dry run takes the long way.
        pending = (lock_path.parent / transaction.JOURNAL).exists()
        current = None
        if not pending:
            current = _current_files(
                host,
                config,
                previous,
                emitters,
                schema_hash=schema_hash,
                source_digest=source_digest,
            )
        if previous is not None and current is not None:
            log.info(
                "schema unchanged (%s): %d files current, nothing rendered",
                schema_hash[:19],
                len(current),
            )
            return RunResult(
                schema_hash, previous.schema_version, WriteResult(unchanged=current), rendered=False
            )
        return _write(
            host,
            config,
            schema,
            emitters,
            schema_hash=schema_hash,
            previous=None if previous is None else full_lock(previous, lock_path),
            now=when,
            source_digest=source_digest,
            commit=commit,
        )

    if dry_run:
        # Not even the run lock: a dry run leaves the project exactly as it found it.
        return attempt(None)
    folder = lock_path.parent
    with transaction.project_lock(folder):
        transaction.recover(lock_path)
        return attempt(partial(transaction.commit, folder=folder, boundary=root))
