"""``schemasync check`` / ``diff`` / ``report``: find drift, rank it, decide the exit code.

Three things are compared:

- ``lock``: the committed lock snapshot against the database (every compare hook).
- ``code``: the committed models, read back with ``ast``, against the database (or, offline,
  against the lock). Online, generated models are read too, so ``--against both`` shows each
  change from the lock beside where the models hold it (file and line); offline, or with the
  lock side when the database is still what the lock holds, generated files that are exactly
  what ``run`` would write from the lock are skipped (they agree with it by construction).
- ``files``: whether the generated files are what ``run`` would write from the lock; a
  stale file fails the check whatever its severity threshold. So does a leftover: a file
  schemasync generated in an output folder that ``run`` no longer produces (``run`` deletes it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import sys
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from schemasync import ir
from schemasync.api import Emitter, LocalModel, TargetOptions
from schemasync.changes import Change, Severity
from schemasync.codegen.generate import (
    emit_context,
    emitter_options,
    inside,
    plan,
    recorded_files,
    relative_key,
)
from schemasync.codegen.lock import Lock, LockHead, full_lock, read_lock_head
from schemasync.codegen.model import ModelSet
from schemasync.codegen.output import digest, file_bytes, is_generated, marked
from schemasync.config import Config, cache_folder
from schemasync.drift.codecheck import Finding, compare_code
from schemasync.drift.meaning import same_meaning
from schemasync.drift.readback import read_files
from schemasync.drift.severity import RankedChange, classify
from schemasync.errors import ConfigError
from schemasync.plugins import PluginHost

__all__ = ["Against", "CheckResult", "StaleFile", "check"]

Against = Literal["lock", "code", "both"]


@dataclass(frozen=True)
class StaleFile:
    """A generated file that is not what ``run`` would write from the lock."""

    path: str
    #: ``changed`` (edited, or generated from something else), ``missing``, ``leftover``
    #: (generated once, no longer produced: ``run`` deletes it), or ``invalid`` (what ``run``
    #: writes, but not valid Python: a generator's fault, never silent).
    state: Literal["changed", "missing", "leftover", "invalid"]


@dataclass(frozen=True)
class CheckResult:
    """Everything a check found, ranked, with what it was measured against."""

    changes: list[RankedChange]
    stale: list[StaleFile]
    fail_on: Severity
    against: Against
    offline: bool
    #: The lock; ``None`` when only the models were checked and there is none yet.
    lock: Lock | LockHead | None
    #: The hash of the schema that was checked (the database's, or the lock's offline).
    schema_hash: str
    #: Model files read back, relative to the project root.
    model_files: list[str] = field(default_factory=list[str])

    @property
    def failing(self) -> list[RankedChange]:
        """Changes at or above the threshold."""
        return [c for c in self.changes if c.severity >= self.fail_on]

    @property
    def failed(self) -> bool:
        """Whether the check fails (exit code 1)."""
        return bool(self.failing or self.stale)


def _model_files(
    config: Config, outputs: Sequence[Sequence[Path]], skipped: Container[Path]
) -> list[Path]:
    """The Python files to read back: those the ``models`` patterns match, then those of
    the output folders (``outputs``, see :func:`_output_files`), each group in path order,
    without ``skipped`` (dropped before sorting: an output folder of thousands of files is
    mostly skipped)."""
    root = config.root
    found: dict[Path, None] = {}
    for pattern in config.settings.models:
        inside(root, pattern, "models pattern")  # refuses absolute and parent paths
        matches = [p for p in root.glob(pattern) if p.is_file() and p.suffix == ".py"]
        if not matches:
            raise ConfigError(
                f"models pattern {pattern!r} matches no Python file under {root}",
                hint="fix the pattern in the config, or remove it",
            )
        found.update(dict.fromkeys(sorted(p for p in matches if p not in skipped)))
    for files in outputs:
        found.update(
            dict.fromkeys(sorted(p for p in files if p.suffix == ".py" and p not in skipped))
        )
    return list(found)


def _output_files(config: Config, emitters: Sequence[Emitter]) -> list[list[Path]]:
    """The files under each output folder, unsorted, ``__pycache__`` left out: listed once
    for both the leftovers and the models to read back."""
    root = config.root
    listed: list[list[Path]] = []
    for emitter in emitters:
        folder = inside(
            root, emitter_options(emitter, config).output or emitter.output_folder, "output"
        )
        files: list[Path] = []
        for top, folders, names in os.walk(folder):
            folders[:] = [name for name in folders if name != "__pycache__"]
            base = Path(top)
            files.extend(base / name for name in names)
        listed.append(files)
    return listed


def _locked(lock: LockHead | None) -> LockHead:
    assert lock is not None, "checked by the caller"
    return lock


def _leftovers(outputs: Sequence[Sequence[Path]], expected: Container[Path]) -> list[Path]:
    """Files in the output folders that schemasync generated (they carry its mark) and
    that ``run`` would not write now."""
    found: dict[Path, None] = {}
    for files in outputs:
        # Sorted once the expected files are set aside: those are nearly all of them.
        for path in sorted(p for p in files if p not in expected):
            if path.is_file() and is_generated(path):
                found[path] = None
    return list(found)


def _generated_files(
    host: PluginHost,
    config: Config,
    lock: LockHead,
    emitters: Sequence[Emitter],
    outputs: Sequence[Sequence[Path]],
    *,
    lock_schema: Callable[[], ir.Schema],
) -> tuple[list[StaleFile], set[Path]]:
    """Generated files that are not what ``run`` would write from the lock (or are, but do
    not compile), and those that are.

    While the lock's fingerprint holds (same tool, plugins, settings and templates), the
    digests it records are what ``run`` would write, so nothing is rendered unless a file
    differs (see :func:`~schemasync.codegen.generate.recorded_files`, which ``run``'s own
    shortcut uses too); otherwise every file is rendered again and compared.

    :param lock_schema: the lock's schema, decoded only if rendering is needed.
    """
    root = config.root
    expected: dict[Path, str]
    rendered: dict[Path, bytes] | None = None

    def render() -> dict[Path, bytes]:
        now = dt.datetime.now(dt.timezone.utc)
        planned, _, _ = plan(host, config, lock_schema(), emitters, now=now)
        return {file.path: file.content for file in planned}

    recorded = recorded_files(host, config, lock, emitters)
    if recorded is not None:
        expected = recorded
    else:
        rendered = render()
        expected = {path: digest(content) for path, content in rendered.items()}
    stale: list[StaleFile] = [
        StaleFile(relative_key(path, root), "leftover") for path in _leftovers(outputs, expected)
    ]
    fresh: set[Path] = set()
    known = _compiled_folder()
    for path, sha in expected.items():
        try:
            current = file_bytes(path)
        except FileNotFoundError:
            stale.append(StaleFile(relative_key(path, root), "missing"))
            continue
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
        if digest(current) == sha:
            fresh.add(path)
            if path.suffix == ".py" and not _compiles(current, path, sha, known):
                stale.append(StaleFile(relative_key(path, root), "invalid"))
            continue
        # Different bytes: a formatter's work is not staleness, an edit of meaning is.
        # Rendering is needed only now, and once.
        if path.suffix == ".py" and marked(current):
            rendered = rendered if rendered is not None else render()
            if path in rendered and same_meaning(current, rendered[path]):
                fresh.add(path)
                continue
        stale.append(StaleFile(relative_key(path, root), "changed"))
    return stale, fresh


def _compiled_folder() -> Path | None:
    """Where the digests of generated files found to compile are remembered, per Python
    release (the user's cache folder); ``None`` when there is no writable one."""
    return cache_folder(f"compiles-{sys.implementation.cache_tag}")


def _compiles(source: bytes, path: Path, sha: str, known: Path | None) -> bool:
    """Whether ``source`` (whose digest is ``sha``) is valid Python, compiled, not run.

    Compiling every generated module is most of an unchanged check's time, and the answer
    for given bytes never changes: a success is remembered in ``known`` by digest, so the
    next check only looks it up. A failure is never remembered, so it is reported each time.
    """
    marker = known / sha.removeprefix("sha256:") if known is not None else None
    if marker is not None and marker.exists():
        return True
    try:
        compile(source, str(path), "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    if marker is not None:
        with contextlib.suppress(OSError):
            marker.touch()
    return True


def check(
    host: PluginHost,
    config: Config,
    read_database: Callable[[], ir.Schema] | None,
    *,
    against: Against | None = None,
    fail_on: Severity | None = None,
) -> CheckResult:
    """Compare, rank and decide.

    :param read_database: reads the live schema; ``None`` checks offline, against the lock.
    :param against: which sides to compare (default: the config's ``against``).
    :param fail_on: the threshold (default: the config's ``fail_on``).
    :raises ConfigError: no lock file where one is needed, unreadable model files.
    :raises PluginError: a target the lock names is not installed.
    """
    settings = config.settings
    against = against or settings.against
    fail_on = fail_on or Severity.parse(settings.fail_on)
    root = config.root
    lock_path = inside(root, settings.lock_file, "lock_file")
    # Its schema, most of a large lock, is decoded only when something needs it (see lock).
    head = read_lock_head(lock_path)
    offline = read_database is None
    if head is None and (offline or against != "code"):
        raise ConfigError(
            f"no lock file at {relative_key(lock_path, root)}: nothing to check against",
            hint="run `schemasync run` once and commit what it writes, "
            "or check hand-written models alone with --against code",
        )

    @functools.cache
    def lock() -> Lock:
        """The lock with its schema, decoded once."""
        return full_lock(_locked(head), lock_path)

    live = None if read_database is None else read_database()
    schema_hash = _locked(head).hash if live is None else ir.schema_hash(live)

    def schema() -> ir.Schema:
        """The schema checked: the database's, or offline the lock's."""
        return live if live is not None else lock().schema

    names = settings.emit or (head.emit if head else ())
    emitters = [host.emitter(name) for name in names]
    outputs = _output_files(config, emitters)
    stale, fresh = (
        _generated_files(host, config, head, emitters, outputs, lock_schema=lambda: lock().schema)
        if head
        else ([], set[Path]())
    )

    found: list[tuple[Change, str, str]] = []
    compare_lock = against in ("lock", "both") and not offline
    if compare_lock and head is not None:
        for batch in host.hook.schemasync_compare(old=lock().schema, new=schema()):
            found.extend((change, "lock", "") for change in batch)

    model_files: list[Path] = []
    if against in ("code", "both"):
        # A leftover is reported as such, and a generated file that does not compile is
        # reported stale: reading either back would only add noise, or fail.
        skipped = {root / s.path for s in stale if s.state in ("leftover", "invalid")}
        # Generated files that match the lock agree with its schema by construction: offline
        # they are not read, nor online when the lock side is compared and found the
        # database as the lock says (it speaks for them). Otherwise they are read even
        # beside the lock side: their findings carry the file and line a reviewer (and a
        # GitHub annotation) needs.
        if offline or (compare_lock and head is not None and schema_hash == head.hash):
            skipped |= fresh
        model_files = _model_files(config, outputs, skipped)
        local = read_files(model_files, host.hook.schemasync_read_models)
        # No model read back, nothing to place: the schema and the lock's are not needed.
        findings = (
            _compare_code(
                host,
                config,
                local,
                (schema(), schema_hash),
                lock() if head else None,
                emitter_names=names,
            )
            if local
            else []
        )
        for finding in findings:
            where = finding.where
            relative = relative_key(Path(where.rsplit(":", 1)[0]), root)
            found.append((finding.change, "code", f"{relative}:{where.rsplit(':', 1)[1]}"))

    ranked = classify(found, host.hook.schemasync_severity, settings.severity, config.raw)
    return CheckResult(
        changes=ranked,
        stale=stale,
        fail_on=fail_on,
        against=against,
        offline=offline,
        lock=head,
        schema_hash=schema_hash,
        model_files=[relative_key(p, root) for p in model_files],
    )


def _compare_code(
    host: PluginHost,
    config: Config,
    local: list[LocalModel],
    checked: tuple[ir.Schema, str],
    lock: Lock | None,
    *,
    emitter_names: Sequence[str],
) -> list[Finding]:
    def locked() -> Lock:
        assert lock is not None, "asked for by the old side only, which needs a lock"
        return lock

    schema = checked[0]
    installed = host.emitters()
    default_target = next(iter(emitter_names), "typeddict")
    cache: dict[tuple[str, bool, frozenset[str]], ModelSet] = {}

    def models_for(target: str, relations: frozenset[str], *, old: bool) -> ModelSet:
        key = (target, old, relations)
        if key not in cache:
            source, source_hash = (locked().schema, locked().hash) if old else checked
            emitter = installed.get(target)
            options = emitter_options(emitter, config) if emitter else TargetOptions()
            context = emit_context(host, config, options, source_hash)
            cache[key] = context.models(
                source,
                target=target,
                reserved_names=emitter.reserved_names if emitter else (),
                reserved_fields=emitter.reserved_fields if emitter else (),
                fields_of=lambda r: r.qualified_name in relations,
            )
        return cache[key]

    # Offline the lock is the schema: nothing can have been dropped since.
    previous = lock.schema if lock and lock.schema is not schema else None
    return list(
        compare_code(
            local,
            schema,
            lambda target, relations: models_for(target, relations, old=False),
            target_of=lambda m: m.flavour if m.flavour in installed else default_target,
            previous=previous,
            previous_models=(
                (lambda target, relations: models_for(target, relations, old=True))
                if previous
                else None
            ),
            model_names=config.settings.model_names,
        )
    )
