"""The msgspec emitter: ``schemasync run --emit msgspec``.

Every table gets ``Row``, ``Insert`` and ``Update`` Structs (views and materialized views what
they allow), enums become Enum classes (or ``Literal`` aliases), composite types nested
Structs. ``Row`` fields are all required; ``Insert`` and ``Update`` fields the caller may
leave out default to ``UNSET``, so an encoded payload holds exactly the keys that were set.
Attributes are valid Python names; every one that differs from its column carries the exact
column name (``field(name=...)``). What the database enforces and msgspec can say (lengths,
bounds of integers and floats from simple CHECK constraints) becomes ``Meta`` constraints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from schemasync import ir
from schemasync.api import EmbeddedRowsOptions, EmitContext, Emitter, GeneratedFile, TargetOptions
from schemasync.codegen.constraints import Validation, unshadowed
from schemasync.codegen.model import TYPES_MODULE, ClassModel, ModelSet, ModuleModel
from schemasync.codegen.pysource import (
    code_names,
    import_block,
    isort_sorted,
    package_init,
    registered_types,
    require_strenum_support,
)
from schemasync.codegen.render import py_string
from schemasync.errors import ConfigError
from schemasync_msgspec.types import TARGET, TEXT_TYPES

__all__ = ["RESERVED", "MsgspecEmitter", "MsgspecOptions", "StructField"]

EnumStyle = Literal["literal", "strenum", "str-enum"]
PythonVersion = Literal["3.10", "3.11", "3.12", "3.13", "3.14"]

#: Names every generated module may import or define itself.
RESERVED = (
    "Annotated", "Any", "AsyncConnection", "Connection", "Enum", "JsonValue", "Literal",
    "Meta", "Multirange", "Range", "StrEnum", "Struct", "TYPE_CHECKING", "TypeAlias",
    "TypeGuard", "UNSET", "UnsetType", "convert", "dec_hook", "enc_hook", "field",
    "get_args", "get_origin", "register_types", "register_types_async",
)  # fmt: skip
_DOCS = {
    "row": "A row of {name}, as it is read.",
    "insert": "What an INSERT into {name} may set; fields left UNSET are not sent.",
    "update": "What an UPDATE of {name} may set; fields left UNSET are not sent.",
    "composite": "A value of the composite type {name}.",
    "args": "The arguments of the function {name}; those left UNSET are not sent.",
    "result": "A row of what the function {name} returns.",
    "embedded": "A row of {name} with the related rows a select embeds; each may be left out.",
}
#: Where the names generated annotations and defaults use come from.
_NAME_SOURCES = {
    "Annotated": "typing",
    "Literal": "typing",
    "Meta": "msgspec",
    "UNSET": "msgspec",
    "UnsetType": "msgspec",
    "field": "msgspec",
}
_RANGES = {("psycopg.types.range", "Range"), ("psycopg.types.multirange", "Multirange")}


class MsgspecOptions(EmbeddedRowsOptions, frozen=True, kw_only=True):
    """``[tool.schemasync.emitters.msgspec]``."""

    #: ``str-enum`` or ``strenum`` (Python 3.11+): Enum classes; ``literal``: ``Literal``
    #: aliases of the labels.
    enum_style: EnumStyle = "str-enum"
    #: The oldest Python the generated code must run on.
    target_python: PythonVersion = "3.10"
    #: Every Struct immutable (and hashable).
    frozen: bool = False
    #: Every Struct refuses keys no field has (msgspec ignores them by default).
    forbid_unknown_fields: bool = False
    #: ``Row`` and composite Structs encode and decode as arrays, in column order.
    #: ``Insert`` and ``Update`` stay objects: a field left ``UNSET`` has no position.
    array_like: bool = False


@dataclass(frozen=True)
class StructField:
    """One attribute of a generated Struct, as written."""

    attr: str
    #: The exact column name.
    db_name: str
    #: The full annotation (``| None`` and ``| UnsetType`` included).
    annotation: str
    #: What follows ``=``, or ``None`` for a required field under its own name.
    default: str | None
    comment: str | None


def _fields(cls: ClassModel, validation: Validation) -> list[StructField]:
    enforced_only = cls.kind in ("row", "composite", "embedded")
    checks = validation.single_column_checks(cls.relation)
    typed: list[tuple[str, str | None]] = []
    for f in cls.fields:
        annotation, args = validation.value(
            f.type,
            f.annotation,
            checks=checks.get(f.db_name, ()),
            column=f.db_name,
            enforced_only=enforced_only,
        )
        if args:
            annotation = f"Annotated[{annotation}, Meta({', '.join(args)})]"
        if f.nullable:
            annotation += " | None"
        # UNSET, not None, stands for "not given": None is a NULL the caller sends.
        default = None if f.required else "UNSET"
        if not f.required:
            annotation += " | UnsetType"
        typed.append((annotation, default))
    attrs = unshadowed([f.attr for f in cls.fields], [f"{a} {d or ''} field" for a, d in typed])
    result: list[StructField] = []
    for attr, f, (annotation, default) in zip(attrs, cls.fields, typed, strict=True):
        written = default
        if attr != f.db_name:
            _check_wire_name(cls, f.db_name)
            # msgspec.field(name=...) keeps a field required unless it has a default.
            given = "" if default is None else f"default={default}, "
            written = f"field({given}name={py_string(f.db_name)})"
        result.append(StructField(attr, f.db_name, annotation, written, f.comment))
    return result


#: What msgspec refuses in a renamed field's name, when the Struct class is created.
_UNNAMEABLE = re.compile(r'[\\"\x00-\x1f]')


def _check_wire_name(cls: ClassModel, db_name: str) -> None:
    """Refuse a column msgspec cannot carry, before anything is written.

    :raises ConfigError: ``db_name`` holds a backslash, a double quote or a control
        character: msgspec refuses it as a field name (``field(name=...)`` and ``rename=``
        alike), so the Struct would fail when its module is imported.
    """
    if _UNNAMEABLE.search(db_name):
        raise ConfigError(
            f"msgspec cannot carry the column {cls.qualified_name}.{py_string(db_name)}: "
            "msgspec refuses field names holding a backslash, a double quote or a control "
            "character",
            hint="rename the column, leave its table out with exclude_tables, "
            "or leave msgspec out of emit",
        )


def _struct_options(cls: ClassModel, options: MsgspecOptions) -> list[str]:
    flags = ["kw_only=True"]
    if options.frozen:
        flags.append("frozen=True")
    if options.forbid_unknown_fields:
        flags.append("forbid_unknown_fields=True")
    if options.array_like and cls.kind in ("row", "composite"):
        flags.append("array_like=True")
    return flags


def _uses_text_types(schema: ir.Schema) -> bool:
    """Whether any column, attribute or domain holds a type psycopg must load as text."""
    refs: Iterable[ir.TypeRef] = [
        *(c.type for r in schema.relations for c in r.columns),
        *(a.type for c in schema.composite_types for a in c.attributes),
        *(d.base_type for d in schema.domains),
    ]
    return any(r.schema == "pg_catalog" and r.name in TEXT_TYPES for r in refs)


class MsgspecEmitter(Emitter):
    """Generates msgspec Structs; see the module docstring."""

    name = TARGET
    package = "schemasync-msgspec"
    description = "msgspec Structs for rows, inserts and updates"
    options_type: ClassVar[type[TargetOptions]] = MsgspecOptions
    #: Constraints translated into ``Meta`` for every field.
    render_cost = 1.8
    reserved_names = RESERVED

    def emit(self, schema: ir.Schema, context: EmitContext) -> Sequence[GeneratedFile]:
        """Render the Structs of ``schema`` (see :class:`MsgspecOptions`)."""
        options = context.options
        assert isinstance(options, MsgspecOptions)
        require_strenum_support(options.enum_style, options.target_python)
        if options.array_like and options.embedded_rows:
            # PostgREST embeds objects; array_like Rows decode only arrays.
            raise ConfigError(
                "msgspec: embedded_rows and array_like do not go together",
                hint="embedded rows are JSON objects, which array_like Row Structs refuse; "
                "turn one of them off",
            )
        models = context.models(schema, target=self.name, reserved_names=self.reserved_names)
        # msgspec refuses constraints on a Decimal when it compiles the type.
        validation = Validation(schema, wrapper="Meta", decimal=False)
        types_module = models.types_module
        modules = list(models.modules)
        hooks = any(
            (source, name) in _RANGES
            for m in modules
            for source, names in m.imports.items()
            for name in names
        )
        text_types = context.profile == "python" and _uses_text_types(schema)
        needs_register = context.profile == "python" and (
            bool(schema.enums or schema.composite_types or schema.range_types or schema.domains)
            or text_types
        )
        if (needs_register or hooks) and types_module not in {m.name for m in modules}:
            # Helpers live in the types module, even when it holds no enum or composite.
            modules.append(ModuleModel(types_module, (), (), {}, ()))
        env = context.templates("schemasync_msgspec")
        template = env.get_template("module.py.j2")
        files: list[GeneratedFile] = []
        exports: dict[str, list[str]] = {}
        registration = registered_types(schema)
        for module in sorted(modules, key=lambda m: m.name):
            is_types = module.name == types_module
            register = needs_register and is_types
            module_hooks = hooks and is_types
            structs = [
                (cls, _struct_options(cls, options), _fields(cls, validation))
                for cls in module.classes
            ]
            exports[module.name] = isort_sorted(
                [*(e.name for e in module.enums), *(c.name for c in module.classes)]
                + [a.name for a in module.aliases]
                + list(module.relationship_names)
                + (["dec_hook", "enc_hook"] if module_hooks else [])
                + (["register_types", "register_types_async"] if register else []),
                in_all=True,
            )
            text = template.render(
                header=context.header(),
                doc=_module_doc(models, module),
                imports=_imports(
                    module,
                    structs=structs,
                    options=options,
                    hooks=module_hooks,
                    register=register,
                ),
                module=module,
                exports=exports[module.name] if models.layout != "module" else [],
                hooks=module_hooks,
                structs=structs,
                enum_style=options.enum_style,
                value_aliases=False,
                register=register,
                enums=module.enums,
                enum_classes=options.enum_style != "literal",
                composites=[c for c in module.classes if c.kind == "composite"],
                **registration,
                text_types=TEXT_TYPES if text_types else (),
                doc_of=_doc_of,
                composite_factory="convert(dict(zip(({keys}), values)), {cls})",
            )
            files.append(GeneratedFile(f"{module.name}.py", text.encode()))
        if models.layout != "module":
            doc = "Generated msgspec Structs of the database schema."
            init = package_init(
                context.header(),
                doc,
                exports,
                lazy=models.layout == "lazy-package",
            )
            files.append(GeneratedFile("__init__.py", init))
        return files


def _doc_of(cls: ClassModel) -> str:
    return _DOCS[cls.kind].format(name=cls.qualified_name)


def _module_doc(models: ModelSet, module: ModuleModel) -> str:
    what = "Enums and composite types" if module.name == TYPES_MODULE else "msgspec Structs"
    return f"{what} of the database schema (wire profile: {models.profile})."


def _imports(
    module: ModuleModel,
    *,
    structs: Sequence[tuple[ClassModel, Sequence[str], Sequence[StructField]]],
    options: MsgspecOptions,
    hooks: bool,
    register: bool,
) -> list[str]:
    """The module's import lines, grouped and sorted as isort would."""
    imports: dict[str, set[str]] = {}

    def add(source: str, *names: str) -> None:
        imports.setdefault(source, set()).update(names)

    for source, names in module.imports.items():
        add(source, *names)
    if "JsonValue" in module.helpers:
        add("typing", "Any", "TypeAlias")
    used = {
        name
        for _, _, fields in structs
        for f in fields
        for name in code_names(f"{f.annotation} {f.default or ''}")
    }
    for name, source in _NAME_SOURCES.items():
        if name in used:
            add(source, name)
    if structs:
        add("msgspec", "Struct")
    if module.aliases:
        add("typing", "TypeAlias")
    if module.enums:
        if options.enum_style == "literal":
            add("typing", "Literal", "TypeAlias")
        else:
            add("enum", "StrEnum" if options.enum_style == "strenum" else "Enum")
    if hooks:
        add("typing", "Any", "TypeGuard", "get_args", "get_origin")
        add("msgspec", "convert")
        add("psycopg.types.range", "Range")
        add("psycopg.types.multirange", "Multirange")
    if register:
        add("typing", "TYPE_CHECKING", "Any")
        if any(cls.kind == "composite" for cls, _, _ in structs):
            add("msgspec", "convert")
    lines = import_block(imports)
    if register:
        lines += ["", "if TYPE_CHECKING:", "    from psycopg import AsyncConnection, Connection"]
    return lines
