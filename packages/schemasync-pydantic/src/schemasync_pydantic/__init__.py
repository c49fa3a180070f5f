"""The Pydantic v2 emitter of schemasync: ``schemasync run --emit pydantic``.

This module is the plugin the ``schemasync`` entry point names: it registers the emitter,
answers type-mapping requests for the ``pydantic`` target, and reads Pydantic models back
from source code for drift checks.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from schemasync import hookimpl
from schemasync.api import Emitter, LocalModel, PyType, TypeRequest
from schemasync_pydantic.emit import PydanticEmitter, PydanticOptions
from schemasync_pydantic.read import read_models
from schemasync_pydantic.types import pydantic_type

__all__ = [
    "PydanticEmitter",
    "PydanticOptions",
    "schemasync_emitters",
    "schemasync_map_type",
    "schemasync_read_models",
]

__version__ = "0.1.0"


@hookimpl
def schemasync_emitters() -> Iterable[Emitter]:
    """Register the ``pydantic`` emitter."""
    return [PydanticEmitter()]


@hookimpl
def schemasync_map_type(request: TypeRequest) -> PyType | None:
    """Types of the ``pydantic`` target that differ from the core's (see
    :mod:`schemasync_pydantic.types`); ``None`` for every other target."""
    return pydantic_type(request)


@hookimpl
def schemasync_read_models(tree: ast.Module, path: Path) -> Iterable[LocalModel]:
    """Pydantic models defined in ``tree`` (see :mod:`schemasync_pydantic.read`)."""
    return read_models(tree, path)
