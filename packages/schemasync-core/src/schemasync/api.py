"""What plugins and the core exchange: the contracts behind each hook.

A third-party plugin imports from here (and :mod:`schemasync.ir`), never from the core's
internals. Registration hooks return instances of the abstract classes below; the core
looks them up by ``name``.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import msgspec

from schemasync.ir import Schema, TypeRef

__all__ = [
    "EmitContext",
    "Emitter",
    "GeneratedFile",
    "LocalField",
    "LocalModel",
    "NameKind",
    "NameRequest",
    "Normalizer",
    "Profile",
    "PyType",
    "Source",
    "SourceRequest",
    "TypeRequest",
]

#: How rows reach the code: ``python`` rows come from a driver such as psycopg, ``json``
#: rows from JSON (supabase-py, PostgREST).
Profile = Literal["python", "json"]


@dataclass(frozen=True)
class SourceRequest:
    """What to introspect: the target (a DSN, a folder, a file) and the schema filter."""

    target: str
    #: Schemas to read; empty means every user schema.
    include_schemas: Sequence[str] = ()
    exclude_schemas: Sequence[str] = ()
    statement_timeout_ms: int = 30_000
    #: Source-specific options from the config.
    options: Mapping[str, object] = field(default_factory=dict[str, object])


class Source(abc.ABC):
    """A kind of source (``postgres``, ``migrations``, ``snapshot``...) that yields a Schema."""

    #: The name users pick the source by.
    name: ClassVar[str]
    description: ClassVar[str] = ""

    @abc.abstractmethod
    def introspect(self, request: SourceRequest) -> Schema:
        """Read the schema described by ``request``.

        :param request: the target and filters.
        :returns: the schema, canonical order not required (the core canonicalises).
        :raises schemasync.errors.SchemasyncError: for anything the user can fix.
        """


class Normalizer(abc.ABC):
    """A step that transforms the Schema after introspection (filters, renames...)."""

    name: ClassVar[str]
    #: Normalizers run in ascending ``order``, then by name.
    order: ClassVar[int] = 100

    @abc.abstractmethod
    def normalize(self, schema: Schema, options: Mapping[str, object]) -> Schema:
        """Return the transformed schema.

        :param schema: the schema so far.
        :param options: the ``[tool.schemasync]`` settings, as read from the config file.
        :returns: the new schema (may be ``schema`` itself when nothing changes).
        """


class GeneratedFile(msgspec.Struct, frozen=True):
    """One file an emitter produces: a path relative to the target's output folder."""

    path: str
    content: bytes


@dataclass(frozen=True)
class EmitContext:
    """What an emitter gets besides the schema."""

    #: The emitter's own options from the config.
    options: Mapping[str, object]
    profile: Profile
    schema_hash: str
    tool_version: str


class Emitter(abc.ABC):
    """A code generator registered by name; ``--emit NAME`` picks it."""

    name: ClassVar[str]
    #: The distribution that provides it, named when a user asks for it uninstalled.
    package: ClassVar[str]
    description: ClassVar[str] = ""

    @abc.abstractmethod
    def emit(self, schema: Schema, context: EmitContext) -> Sequence[GeneratedFile]:
        """Generate files for ``schema``.

        :param schema: the normalised schema.
        :param context: options, wire profile and header facts.
        :returns: the files, with deterministic content for the same inputs.
        """


NameKind = Literal["enum", "enum_member", "composite", "row", "insert", "update", "field", "module"]


@dataclass(frozen=True)
class NameRequest:
    """A request for the Python name of a database object."""

    kind: NameKind
    schema: str
    #: The exact database name (table, column, enum label...).
    name: str
    #: The emitter asking.
    target: str
    #: The enclosing object for ``field`` and ``enum_member`` (table or enum name).
    parent: str | None = None


@dataclass(frozen=True)
class TypeRequest:
    """A request for the Python type of a column, attribute or domain."""

    type: TypeRef
    profile: Profile
    target: str


@dataclass(frozen=True)
class PyType:
    """A Python annotation and the imports it needs, as ``(module, name)`` pairs."""

    annotation: str
    imports: tuple[tuple[str, str], ...] = ()


class LocalField(msgspec.Struct, frozen=True):
    """A field of a model read back from source code."""

    name: str
    #: The wire name when it differs (alias, rename, functional TypedDict key).
    alias: str | None
    annotation: str
    required: bool = True


class LocalModel(msgspec.Struct, frozen=True, kw_only=True):
    """A model class, enum or Literal alias found in committed Python code."""

    kind: Literal["model", "enum", "literal"]
    #: ``typeddict``, ``pydantic``, ``msgspec``, ``enum``... whoever recognised it.
    flavour: str
    name: str
    path: str
    line: int
    fields: tuple[LocalField, ...] = ()
    #: Enum values or Literal members in order.
    values: tuple[str, ...] = ()
