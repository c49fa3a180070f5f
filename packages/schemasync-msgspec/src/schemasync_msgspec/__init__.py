"""The msgspec emitter of schemasync: ``schemasync run --emit msgspec``.

This module is the plugin the ``schemasync`` entry point names: it registers the emitter,
answers type-mapping requests for the ``msgspec`` target, and reads msgspec Structs back
from source code for drift checks.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from schemasync import hookimpl
from schemasync.api import Emitter, LocalModel, PyType, TypeRequest
from schemasync_msgspec.emit import MsgspecEmitter, MsgspecOptions
from schemasync_msgspec.read import read_structs
from schemasync_msgspec.types import msgspec_type

__all__ = [
    "MsgspecEmitter",
    "MsgspecOptions",
    "schemasync_emitters",
    "schemasync_map_type",
    "schemasync_read_models",
]

__version__ = "0.1.0"


@hookimpl
def schemasync_emitters() -> Iterable[Emitter]:
    """Register the ``msgspec`` emitter."""
    return [MsgspecEmitter()]


@hookimpl
def schemasync_map_type(request: TypeRequest) -> PyType | None:
    """Types of the ``msgspec`` target that differ from the core's (see
    :mod:`schemasync_msgspec.types`); ``None`` for every other target."""
    return msgspec_type(request)


@hookimpl
def schemasync_read_models(tree: ast.Module, path: Path) -> Iterable[LocalModel]:
    """msgspec Structs defined in ``tree`` (see :mod:`schemasync_msgspec.read`)."""
    return read_structs(tree, path)
