"""The hook specifications: every arrow of the pipeline is one of these.

Hooks are grouped by pipeline phase. Registration hooks (``schemasync_sources``,
``schemasync_normalizers``, ``schemasync_emitters``) return named objects that the core looks
up by name; two plugins claiming one name is an error that names both. Decision hooks
(naming, type mapping, severity) stop at the first non-None answer; the core's defaults are
``trylast`` so any plugin overrides them.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from pathlib import Path

import pluggy

from schemasync.api import (
    Command,
    Delivery,
    Emitter,
    LocalModel,
    NameRequest,
    Normalizer,
    Notification,
    NotifyTarget,
    PyType,
    Source,
    TypeRequest,
)
from schemasync.changes import Change, Severity
from schemasync.ir import Schema

__all__ = [
    "PROJECT_NAME",
    "hookimpl",
    "hookspec",
    "schemasync_commands",
    "schemasync_compare",
    "schemasync_emitters",
    "schemasync_map_type",
    "schemasync_name",
    "schemasync_normalizers",
    "schemasync_notify",
    "schemasync_read_models",
    "schemasync_severity",
    "schemasync_sources",
]

PROJECT_NAME = "schemasync"
hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# --- introspect ---------------------------------------------------------------------------


@hookspec
def schemasync_sources() -> Sequence[Source]:
    """Register source kinds: where a Schema can be read from.

    :returns: the sources this plugin provides; each has a unique ``name``
        (``postgres``, ``migrations``, ``snapshot``...).
    """
    raise NotImplementedError


# --- normalize ----------------------------------------------------------------------------


@hookspec
def schemasync_normalizers() -> Sequence[Normalizer]:
    """Register normalizers, run in turn over every introspected Schema.

    :returns: the normalizers this plugin provides; they run by ascending ``order``, then
        name, each receiving the previous one's result.
    """
    raise NotImplementedError


# --- compare ------------------------------------------------------------------------------


@hookspec
def schemasync_compare(old: Schema, new: Schema) -> Sequence[Change]:
    """Report changes between two schemas. Every implementation adds its own.

    :param old: the reference side (lock snapshot, committed models).
    :param new: the side being checked (usually the live database).
    :returns: the changes this implementation finds; an empty sequence when none.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def schemasync_severity(change: Change, options: Mapping[str, object]) -> Severity | None:
    """Classify a change. Stops at the first non-None result.

    :param change: the change to classify.
    :param options: the ``[tool.schemasync]`` settings, for rules that read their own keys.
    :returns: its severity, or ``None`` to leave it to the next implementation.
    """
    raise NotImplementedError


# --- emit ---------------------------------------------------------------------------------


@hookspec
def schemasync_emitters() -> Sequence[Emitter]:
    """Register emitters (code or documentation generators) by name.

    :returns: the emitters this plugin provides; ``--emit NAME`` picks one by ``name``.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def schemasync_name(request: NameRequest) -> str | None:
    """Choose the Python name of a database object. Stops at the first non-None result.

    :param request: what is being named, its exact database name and the target.
    :returns: a valid Python identifier, or ``None`` to leave it to the next implementation.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def schemasync_map_type(request: TypeRequest) -> PyType | None:
    """Choose the Python type of a PostgreSQL type. Stops at the first non-None result.

    :param request: the type, the wire profile and the target.
    :returns: the annotation and its imports, or ``None`` to leave it to the next
        implementation.
    """
    raise NotImplementedError


# --- read models back ---------------------------------------------------------------------


@hookspec
def schemasync_read_models(tree: ast.Module, path: Path) -> Sequence[LocalModel]:
    """Recognise models in committed Python source (parsed, never imported).

    Every implementation reports the constructs it understands: an emitter reads back what
    it writes, and hand-written models of the same kinds.

    :param tree: the parsed module.
    :param path: the file it was read from, for reporting.
    :returns: the models found; an empty sequence when none.
    """
    raise NotImplementedError


# --- publish ------------------------------------------------------------------------------


@hookspec
def schemasync_notify(
    notification: Notification, targets: Sequence[NotifyTarget]
) -> Sequence[Delivery]:
    """Send a check's result to the targets this plugin handles. Every implementation is called.

    The core calls it after an online ``check`` whose worst change reaches a target's
    ``min_severity``, with only those targets; an implementation sends to the targets whose
    ``kind`` it knows and ignores the rest. It must not raise for a failed send: it reports
    it as a :class:`~schemasync.api.Delivery` with ``ok=False``, and the check's exit code
    stays what the drift says.

    :param notification: the result, as plain data.
    :param targets: the configured targets due a message, URLs resolved.
    :returns: one delivery per target handled; an empty sequence when none.
    """
    raise NotImplementedError


# --- command line -------------------------------------------------------------------------


@hookspec
def schemasync_commands() -> Sequence[Command]:
    """Register subcommands of the ``schemasync`` command line by name.

    :returns: the commands this plugin provides; ``schemasync NAME`` runs the one called
        ``NAME``, which may not be a command of the core's own.
    """
    raise NotImplementedError
