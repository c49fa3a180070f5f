"""The pipeline's first half, shared by every command: pick a source, introspect, normalize."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass

from schemasync import ir
from schemasync.api import SourceRequest
from schemasync.config import Config
from schemasync.errors import UsageError
from schemasync.plugins import PluginHost

__all__ = ["SourceChoice", "check_source_offline", "read_schema"]

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


def read_schema(host: PluginHost, config: Config, choice: SourceChoice) -> ir.Schema:
    """Introspect the chosen source and run every normalizer over the result.

    :param host: the loaded plugins.
    :param config: the project's settings.
    :param choice: what the command line overrides.
    :returns: the normalised schema, in canonical order.
    """
    name = choice.source or _default_source(config, choice)
    source = host.source(name)
    request = _request(config, choice, name)
    progress.debug("reading the schema (source %s)", name)
    schema = source.introspect(request)
    for normalizer in host.normalizers():
        schema = normalizer.normalize(schema, config.raw)
    return ir.canonicalize(schema)
