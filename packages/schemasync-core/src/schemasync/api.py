"""What plugins and the core exchange: the contracts behind each hook.

A third-party plugin imports from here (and :mod:`schemasync.ir`), never from the core's
internals. Registration hooks return instances of the abstract classes below; the core
looks them up by ``name``.
"""

from __future__ import annotations

import abc
import argparse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal, TextIO

import msgspec

from schemasync.ir import Relation, Schema, TypeRef

if TYPE_CHECKING:
    import jinja2

    from schemasync.codegen.model import EnumModel, ModelSet
    from schemasync.codegen.output import HeaderStyle
    from schemasync.plugins import PluginHost

__all__ = [
    "Command",
    "Delivery",
    "EmbeddedRowsOptions",
    "EmitContext",
    "Emitter",
    "GeneratedFile",
    "Layout",
    "LocalField",
    "LocalModel",
    "NameKind",
    "NameRequest",
    "Normalizer",
    "Notification",
    "NotifyTarget",
    "Part",
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
    #: How long to wait for a lock another session holds.
    lock_timeout_ms: int = 5_000
    #: Source-specific options from the config.
    options: Mapping[str, object] = field(default_factory=dict[str, object])


class Source(abc.ABC):
    """A kind of source (``postgres``, ``migrations``, ``snapshot``...) that yields a Schema."""

    #: The name users pick the source by.
    name: ClassVar[str]
    description: ClassVar[str] = ""
    #: Whether :meth:`check_offline` checks anything; when ``False`` an offline ``check``
    #: never builds a request for the source (which may need a database URL).
    checks_offline: ClassVar[bool] = False

    def check_offline(self, request: SourceRequest) -> None:
        """Check what can be checked without a server or network (``check --offline``).

        :param request: the target and filters.
        :raises schemasync.errors.SchemasyncError: for anything the user can fix.
        """
        return  # nothing to check by default: most sources need their server

    def digest(self, request: SourceRequest) -> str | None:
        """A digest of everything that decides what :meth:`introspect` returns, when the
        source can compute it without reading the schema (a folder of files, the engine
        that would apply them); ``None`` when it cannot (a live database can change at any
        time). Equal digests promise equal schemas: ``run`` and ``check`` then take the
        schema the lock recorded under the same digest instead of reading it again.

        :param request: the target and filters.
        :raises schemasync.errors.SchemasyncError: for anything the user can fix.
        """
        return None

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


class EmbeddedRowsOptions(TargetOptions, frozen=True, kw_only=True):
    """Options of a target that can also write Row variants with embedded related rows."""

    #: Also write, for every table with foreign keys either way, a Row variant with the
    #: related rows PostgREST embeds one level deep (``MessageWithRelations``), each key
    #: optional; see the relationships page of the documentation.
    embedded_rows: bool = False


@dataclass(frozen=True)
class Part:
    """The share of a target's files one call of :meth:`Emitter.emit` renders: part
    ``index`` of ``count``. A run splits a target that can be split (see
    :meth:`Emitter.can_split`) when it would otherwise keep one of two processes waiting."""

    index: int = 0
    count: int = 1

    def takes(self, position: int) -> bool:
        """Whether the file at ``position`` (in the emitter's own order) is this part's."""
        return position % self.count == self.index


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
    #: Which of its files to render: all of them unless the emitter can split them.
    part: Part = field(default_factory=Part)

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
            embedded_rows=isinstance(self.options, EmbeddedRowsOptions)
            and self.options.embedded_rows,
        )

    def templates(self, package: str) -> jinja2.Environment:
        """The jinja2 environment for ``package``'s templates, user overrides first."""
        from schemasync.codegen.render import environment

        return environment(package, self.templates_dir)

    def header(self, style: HeaderStyle = "python") -> str:
        """The comment block every generated file starts with: Python comments, or an HTML
        comment for Markdown."""
        from schemasync.codegen.output import header

        return header(self.tool_version, style)


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
    #: Where its files go when the target sets no ``output`` (relative to the project root);
    #: empty means ``models/NAME_models``.
    default_output: ClassVar[str] = ""
    #: How long it takes to render a schema, relative to other targets (TypedDict's is 1).
    #: Two processes sharing a run's targets take the costliest first, so that neither is
    #: left with a long one when the other is done; only the order depends on it.
    render_cost: ClassVar[float] = 1.0

    def can_split(self, options: TargetOptions) -> bool:
        """Whether, with ``options``, it renders its files in parts when ``context.part``
        asks it to: :meth:`emit` then yields only the files of that part, each call on its
        own (in its own process), and the parts together yield exactly the files of one
        whole call. Files are written as their parts come, so no file may depend on
        another part's. No by default: an emitter that writes one large file gains
        nothing."""
        return False

    @property
    def output_folder(self) -> str:
        """The default output folder, relative to the project root.

        Python packages default to ``models/NAME_models``, never ``models/NAME``: run on a
        folder whose parent is no package, mypy and pyright name the folder's module after
        the folder, and ``models/pydantic`` would hide the real ``pydantic`` from them (and
        from anything that puts ``models/`` on the import path).
        """
        return self.default_output or f"models/{self.name}_models"

    @abc.abstractmethod
    def emit(self, schema: Schema, context: EmitContext) -> Iterable[GeneratedFile]:
        """Generate files for ``schema``.

        :param schema: the normalised schema.
        :param context: options (an instance of ``options_type``), wire profile, naming,
            type mapping and templates.
        :returns: the files, with deterministic content for the same inputs: a list, or a
            generator, which lets a target of thousands of files hold one at a time (each is
            checked and written to a temporary file as it comes; an exception midway still
            leaves the project untouched).
        """


class Command(abc.ABC):
    """A ``schemasync`` subcommand a plugin adds: ``schemasync NAME ...``."""

    #: The subcommand's name; it may not be one of the core's own commands.
    name: ClassVar[str]
    #: One line for ``schemasync --help``.
    help: ClassVar[str] = ""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:  # noqa: B027 - optional
        """Declare the subcommand's options on its own ``parser`` (none by default)."""

    @abc.abstractmethod
    def run(self, args: argparse.Namespace, host: PluginHost, out: TextIO) -> int:
        """Do the work and return the exit code.

        :param args: the parsed command line; the global options are there too
            (``args.config``, the ``--config`` file or ``None``; ``args.debug``).
        :param host: the loaded plugins.
        :param out: where output meant for the user goes.
        :returns: the exit code; raise :class:`schemasync.errors.SchemasyncError` for
            anything the user can fix, and the CLI prints it like its own errors.
        """


NameKind = Literal[
    "enum",
    "enum_member",
    "composite",
    "row",
    "insert",
    "update",
    "embedded",
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


@dataclass(frozen=True)
class Notification:
    """A check's result, as notifiers send it: plain data, every text still raw.

    Each notifier escapes the texts for its own medium (Slack's mrkdwn, an email, ...).
    """

    #: The project's folder name, to tell several projects apart in one channel.
    project: str
    #: Where the schema was read from: ``postgres``, ``migrations``...
    source: str
    schema_hash: str
    #: Whether the check failed (exit code 1).
    failed: bool
    #: The failure threshold, lower case (``high``).
    fail_on: str
    #: The worst severity found, lower case; ``None`` when nothing changed.
    worst: str | None
    #: Changes per severity, lower case, worst first; only severities that occur.
    counts: Mapping[str, int]
    #: One mapping per change: ``severity``, ``kind``, ``path``, ``message``, ``side``,
    #: ``where`` (``file:line`` or ``None``).
    changes: Sequence[Mapping[str, object]]
    #: A link to the run that found it (a CI job), when known.
    url: str | None = None


@dataclass(frozen=True)
class NotifyTarget:
    """One ``[tool.schemasync.notify.NAME]`` table, resolved: where to send, and how."""

    #: The table's name (``team-chat``).
    name: str
    #: Which notifier handles it (``slack``, ``webhook``, or a plugin's); defaults to ``name``.
    kind: str
    #: The URL, read from the environment variable the table names. Never print it: for
    #: incoming webhooks the URL is the secret.
    url: str
    #: The environment variable the URL came from, for messages.
    url_env: str
    #: Seconds one attempt may take, and attempts after the first.
    timeout: float = 10.0
    retries: int = 2
    #: The table's other keys, for the notifier's own options.
    options: Mapping[str, object] = field(default_factory=dict[str, object])


@dataclass(frozen=True)
class Delivery:
    """What one notifier did with one target."""

    target: str
    ok: bool
    #: A short, secret-free account: ``sent (HTTP 200)``, ``failed: timed out after 3 tries``.
    detail: str
