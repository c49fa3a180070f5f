"""``schemasync run``: emit every chosen target, then the lock and ``schema_version.py``.

Everything is rendered before anything is written, so a failing emitter, a bad option or a
file in the way leaves the output exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import msgspec

from schemasync import __version__, ir
from schemasync.api import EmitContext, Emitter, PyType, TargetOptions
from schemasync.codegen.lock import next_lock, read_lock, render_lock, render_schema_version
from schemasync.codegen.output import PlannedFile, WriteResult, write_files
from schemasync.config import Config, TypeOverride, explain, normalise_keys
from schemasync.errors import ConfigError, UsageError
from schemasync.plugins import PluginHost

__all__ = ["RunResult", "choose_emitters", "emit_context", "plan", "run"]


@dataclass(frozen=True)
class RunResult:
    """What a run did."""

    schema_hash: str
    schema_version: int
    written: WriteResult


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
        _options(emitter, config)  # bad options fail here, before any database work
    return emitters


def _options(emitter: Emitter, config: Config) -> TargetOptions:
    raw = config.settings.emitters.get(emitter.name, {})
    try:
        return msgspec.convert(normalise_keys(raw), emitter.options_type)
    except msgspec.ValidationError as exc:
        where = f"[emitters.{emitter.name}] of {config.origin}"
        raise ConfigError(explain(exc, where)) from exc


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


def _inside(root: Path, relative: str, what: str) -> Path:
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts:
        raise ConfigError(f"{what} {relative!r} must be a path inside the project")
    return root / path


def emit_context(
    host: PluginHost,
    config: Config,
    emitter: Emitter,
    options: TargetOptions,
    schema_hash: str,
    *,
    schema_version: int | None = None,
) -> EmitContext:
    """What ``emitter`` gets for this project: its options, profile, hooks and overrides."""
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
            _inside(config.root, options.templates, "templates") if options.templates else None
        ),
        schema_version=schema_version,
    )


def plan(
    host: PluginHost,
    config: Config,
    schema: ir.Schema,
    emitters: Sequence[Emitter],
    *,
    now: dt.datetime,
) -> tuple[list[PlannedFile], int, str]:
    """Render every file of the run in memory.

    :returns: the files, the schema version and the schema hash.
    """
    schema_hash = ir.schema_hash(schema)
    root = config.root
    # The lock comes first so emitters can print the version this run records.
    lock_path = _inside(root, config.settings.lock_file, "lock_file")
    lock = next_lock(read_lock(lock_path), schema, schema_hash, __version__, now)
    files: list[PlannedFile] = []
    for emitter in emitters:
        options = _options(emitter, config)
        output = _inside(root, options.output or f"models/{emitter.name}", "output")
        context = emit_context(
            host, config, emitter, options, schema_hash, schema_version=lock.schema_version
        )
        for generated in emitter.emit(schema, context):
            files.append(PlannedFile(_inside(output, generated.path, "file"), generated.content))
    files.append(PlannedFile(lock_path, render_lock(lock)))
    version_path = _inside(root, config.settings.version_file, "version_file")
    files.append(PlannedFile(version_path, render_schema_version(lock, __version__)))
    return files, lock.schema_version, schema_hash


def run(
    host: PluginHost,
    config: Config,
    schema: ir.Schema,
    emitters: Sequence[Emitter],
    *,
    now: dt.datetime | None = None,
) -> RunResult:
    """Emit, then write everything that changed."""
    files, version, schema_hash = plan(
        host, config, schema, emitters, now=now or dt.datetime.now(dt.timezone.utc)
    )
    return RunResult(schema_hash=schema_hash, schema_version=version, written=write_files(files))
