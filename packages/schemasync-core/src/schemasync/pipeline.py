"""The pipeline's first half, shared by every command: pick a source, introspect, normalize.

A source that can tell what decides its schema without reading it (the ``migrations``
source: its files, its engine, its settings) gives a digest of it. ``run`` records that
digest in the lock and, while it holds, ``run`` and ``check`` take the lock's schema instead
of reading the source again (see :func:`read_current`).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import msgspec

from schemasync import __version__, ir
from schemasync.api import Source, SourceRequest
from schemasync.config import Config
from schemasync.errors import UsageError
from schemasync.plugins import PluginHost, code_digests

__all__ = ["SourceChoice", "check_source_offline", "read_current", "read_schema"]

log = logging.getLogger("schemasync")
#: Steps a terminal shows while they run (see schemasync.cli.terminal).
progress = logging.getLogger("schemasync.progress")


@dataclass(frozen=True)
class SourceChoice:
    """What the command line says about the source; ``None`` defers to the config."""

    source: str | None = None
    #: A path or URL for sources that take one (``migrations DIR``, ``snapshot FILE``).
    target: str | None = None
    dsn_env: str | None = None
    include_schemas: Sequence[str] = ()
    exclude_schemas: Sequence[str] = ()


def _request(config: Config, choice: SourceChoice, source: str) -> SourceRequest:
    settings = config.settings
    options: dict[str, object] = {}
    if choice.target is not None:
        target = choice.target
    elif source == "postgres":
        target = config.dsn(choice.dsn_env)
        names = (choice.dsn_env,) if choice.dsn_env else settings.dsn_env
        options["dsn_source"] = " or ".join(f"${name}" for name in names)
    elif source == "migrations":
        target = str(config.root / settings.migrations_dir)
    else:
        raise UsageError(f"the {source!r} source needs a target: pass --from PATH")
    if source == "migrations":
        options["supabase"] = settings.supabase
    return SourceRequest(
        target=target,
        include_schemas=tuple(choice.include_schemas or settings.include_schemas),
        exclude_schemas=tuple(settings.exclude_schemas) + tuple(choice.exclude_schemas),
        statement_timeout_ms=int(settings.statement_timeout * 1000),
        lock_timeout_ms=int(settings.lock_timeout * 1000),
        options=options,
    )


def _default_source(config: Config, choice: SourceChoice) -> str:
    """The configured source; but with no source chosen anywhere, no database URL set and a
    migrations folder present, the migrations, said in one line."""
    settings = config.settings
    chosen = "source" in config.raw or choice.dsn_env is not None or choice.target is not None
    if chosen or settings.source != "postgres":
        return settings.source
    if any(os.environ.get(name, "").strip() for name in settings.dsn_env):
        return settings.source
    folder = config.root / settings.migrations_dir
    if not folder.is_dir():
        return settings.source
    log.info(
        "no database URL is set (%s): reading the migrations in %s/ instead; "
        'set source = "migrations" in the config to make it the default',
        ", ".join(settings.dsn_env),
        settings.migrations_dir,
    )
    return "migrations"


def check_source_offline(host: PluginHost, config: Config, choice: SourceChoice) -> None:
    """What the chosen source can check without a server (a migrations folder's syntax).

    Sources that check nothing offline are not asked, so an offline check of a ``postgres``
    project needs no database URL and imports no driver.
    """
    name = choice.source or config.settings.source
    source = host.source(name)
    if source.checks_offline:
        source.check_offline(_request(config, choice, name))


#: Settings that cannot change the schema a source and the normalizers give: what is
#: generated from it, or how it is compared. Every other setting (source, schemas, tables,
#: the migrations' folder and layer, third-party plugins' tables) is in the source digest.
_OUTSIDE_SCHEMA = frozenset(
    (
        "dsn-env",
        "statement-timeout",
        "lock-timeout",
        "profile",
        "emit",
        "lock-file",
        "version-file",
        "naming",
        "types",
        "emitters",
        "fail-on",
        "against",
        "models",
        "model-names",
        "severity",
        "lint",
        "history-file",
        "notify",
    )
)
#: Hooks whose answers decide the schema.
_SCHEMA_HOOKS = frozenset(("schemasync_sources", "schemasync_normalizers"))


def _source_digest(host: PluginHost, config: Config, source: Source, request: SourceRequest) -> str:
    """The source's digest of ``request`` with everything else that decides the schema:
    the code of schemasync, of the source and of the normalizers, the plugins' versions
    and the settings; ``""`` when the source cannot tell without reading."""
    own = source.digest(request)
    if own is None:
        return ""
    normalizers = host.normalizers()
    inputs = {
        "source": [source.name, own],
        "tool": __version__,
        "plugins": sorted(
            (p.name, p.distribution, p.version, p.status)
            for p in host.plugins
            if _SCHEMA_HOOKS.intersection(p.hooks)
        ),
        "normalizers": [(n.name, n.order) for n in normalizers],
        "code": code_digests(host, [source, *normalizers], _SCHEMA_HOOKS),
        "settings": {
            key: value
            for key, value in msgspec.to_builtins(config.settings).items()
            if key not in _OUTSIDE_SCHEMA
        },
    }
    encoded = msgspec.json.encode(inputs, order="sorted")
    return "sha256:" + hashlib.sha256(encoded).hexdigest()


def _read(host: PluginHost, config: Config, source: Source, request: SourceRequest) -> ir.Schema:
    progress.debug("reading the schema (source %s)", source.name)
    schema = source.introspect(request)
    for normalizer in host.normalizers():
        schema = normalizer.normalize(schema, config.raw)
    return ir.canonicalize(schema)


def read_schema(host: PluginHost, config: Config, choice: SourceChoice) -> ir.Schema:
    """Introspect the chosen source and run every normalizer over the result.

    :param host: the loaded plugins.
    :param config: the project's settings.
    :param choice: what the command line overrides.
    :returns: the normalised schema, in canonical order.
    """
    name = choice.source or _default_source(config, choice)
    return _read(host, config, host.source(name), _request(config, choice, name))


#: The schema a lock recorded and the source digest it recorded with it; None without a lock.
Recorded = Callable[[], "tuple[str, ir.Schema] | None"]


def read_current(
    host: PluginHost, config: Config, choice: SourceChoice, recorded: Recorded
) -> tuple[ir.Schema, str]:
    """The schema of the chosen source, as :func:`read_schema` reads it, and its source
    digest (``""`` when the source cannot tell one); the recorded schema itself, when the
    source's digest equals the recorded one: nothing is read, and one line says so.

    :param recorded: the lock's source digest and schema, asked only when the source has a
        digest.
    """
    name = choice.source or _default_source(config, choice)
    source = host.source(name)
    request = _request(config, choice, name)
    digest = _source_digest(host, config, source, request)
    known = recorded() if digest else None
    if known is not None and known[0] == digest:
        log.info(
            "%s unchanged since the lock (source digest %s): using the lock's schema, "
            "no server started",
            name,
            digest[:19],
        )
        return known[1], digest
    return _read(host, config, source, request), digest
