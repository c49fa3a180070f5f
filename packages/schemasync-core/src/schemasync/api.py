"""What plugins and the core exchange: the contracts behind each hook.

A third-party plugin imports from here (and :mod:`schemasync.ir`), never from the core's
internals. Registration hooks return instances of the abstract classes below; the core
looks them up by ``name``.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

import msgspec

from schemasync.ir import Relation, Schema, TypeRef

if TYPE_CHECKING:
    import jinja2

    from schemasync.codegen.model import EnumModel, ModelSet
    from schemasync.codegen.output import HeaderStyle

__all__ = [
    "EmitContext",
    "Emitter",
    "GeneratedFile",
    "Layout",
    "LocalField",
    "LocalModel",
    "NameKind",
    "NameRequest",
    "Normalizer",
    "Profile",
    "PyType",
    "Source",
    "SourceRequest",
    "TargetOptions",
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


Layout = Literal["module", "package", "lazy-package"]


class TargetOptions(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, rename="kebab"
):
    """Options every target takes, from ``[tool.schemasync.emitters.NAME]``.

    An emitter with options of its own subclasses this and names it in ``options_type``.
    """

    #: Folder the target writes into, relative to the project root (default ``models/NAME``).
    output: str | None = None
    #: ``module``: one ``models.py``; ``package``: ``_types.py`` for enums and composites,
    #: one module per schema for tables, and an ``__init__.py`` re-exporting them;
    #: ``lazy-package``: ``_types.py``, one private module per table, and an ``__init__.py``
    #: that imports each name when it is first used.
    layout: Layout = "module"
    #: The wire profile; defaults to the project's ``profile``.
    profile: Profile | None = None
    #: A folder whose templates replace the emitter's own, name by name.
    templates: str | None = None


@dataclass(frozen=True)
class EmitContext:
    """What an emitter gets besides the schema: its options and the shared machinery."""

    options: TargetOptions
    profile: Profile
    schema_hash: str
    tool_version: str
    #: The ``schemasync_name`` hook.
    decide_name: Callable[[NameRequest], str | None]
    #: The ``schemasync_map_type`` hook.
    map_type: Callable[[TypeRequest], PyType | None]
    naming_overrides: Mapping[str, str] = field(default_factory=dict[str, str])
    type_overrides: Mapping[str, PyType] = field(default_factory=dict[str, "PyType"])
    templates_dir: Path | None = None
    #: The version the lock file gives this schema (the one this run records); ``None``
    #: when the context was made outside a run.
    schema_version: int | None = None

    def models(
        self,
        schema: Schema,
        *,
        target: str,
        reserved_names: Iterable[str] = (),
        reserved_fields: Iterable[str] = (),
        enum_annotation: Callable[[EnumModel], str] | None = None,
        fields_of: Callable[[Relation], bool] | None = None,
    ) -> ModelSet:
        """What to generate, with this run's naming, types and layout (see
        :func:`schemasync.codegen.model.build_models`)."""
        from schemasync.codegen.model import build_models

        return build_models(
            schema,
            schema_hash=self.schema_hash,
            target=target,
            profile=self.profile,
            decide_name=self.decide_name,
            map_type=self.map_type,
            layout=self.options.layout,
            naming_overrides=self.naming_overrides,
            type_overrides=self.type_overrides,
            reserved_names=reserved_names,
            reserved_fields=reserved_fields,
            enum_annotation=enum_annotation,
            fields_of=fields_of,
        )

    def templates(self, package: str) -> jinja2.Environment:
        """The jinja2 environment for ``package``'s templates, user overrides first."""
        from schemasync.codegen.render import environment

        return environment(package, self.templates_dir)

    def header(self, style: HeaderStyle = "python") -> str:
        """The comment block every generated file starts with: Python comments, or an HTML
        comment for Markdown."""
        from schemasync.codegen.output import header

        return header(self.tool_version, self.schema_hash, style)


class Emitter(abc.ABC):
    """A code generator registered by name; ``--emit NAME`` picks it."""

    name: ClassVar[str]
    #: The distribution that provides it, named when a user asks for it uninstalled.
    package: ClassVar[str]
    description: ClassVar[str] = ""
    #: The options it reads from ``[tool.schemasync.emitters.NAME]``.
    options_type: ClassVar[type[TargetOptions]] = TargetOptions
    #: Names its modules define or import (class names avoid them), and attribute names its
    #: classes may not use: drift checks name classes as the emitter does.
    reserved_names: ClassVar[tuple[str, ...]] = ()
    reserved_fields: ClassVar[tuple[str, ...]] = ()

    @abc.abstractmethod
    def emit(self, schema: Schema, context: EmitContext) -> Sequence[GeneratedFile]:
        """Generate files for ``schema``.

        :param schema: the normalised schema.
        :param context: options (an instance of ``options_type``), wire profile, naming,
            type mapping and templates.
        :returns: the files, with deterministic content for the same inputs.
        """


NameKind = Literal[
    "enum",
    "enum_member",
    "composite",
    "row",
    "insert",
    "update",
    "field",
    "module",
    "function_args",
    "function_result",
    "function_returns",
]


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
