"""The Pydantic v2 emitter: ``schemasync run --emit pydantic``.

Every table gets ``Row``, ``Insert`` and ``Update`` models (views and materialized views what
they allow), enums become Enum classes (or ``Literal`` aliases), composite types nested
models. Attributes are valid Python names; every one that differs from its column carries
the exact column name as its alias. What the database enforces and pydantic can say
(lengths, precision, simple CHECK constraints) becomes field constraints.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from schemasync import ir
from schemasync.api import (
    EmbeddedRowsOptions,
    EmitContext,
    Emitter,
    GeneratedFile,
    Layout,
    TargetOptions,
)
from schemasync.codegen.constraints import Validation, unshadowed
from schemasync.codegen.model import (
    TYPES_MODULE,
    ClassModel,
    FieldModel,
    ModelSet,
    ModuleModel,
)
from schemasync.codegen.pysource import (
    code_names,
    import_block,
    isort_sorted,
    package_init,
    registered_types,
    require_strenum_support,
)
from schemasync.codegen.render import py_string
from schemasync.codegen.types import PSYCOPG_RANGES
from schemasync_pydantic.types import TARGET

__all__ = ["RESERVED", "RESERVED_FIELDS", "PydanticEmitter", "PydanticField", "PydanticOptions"]

EnumStyle = Literal["literal", "strenum", "str-enum"]
PythonVersion = Literal["3.10", "3.11", "3.12", "3.13", "3.14"]
Extra = Literal["ignore", "forbid", "allow"]

#: Names every generated module may import or define itself.
RESERVED = (
    "Annotated", "Any", "AsyncConnection", "AwareDatetime", "BaseModel", "ConfigDict",
    "Connection", "Enum", "Field", "GetCoreSchemaHandler", "GetPydanticSchema", "JsonValue",
    "Literal", "MISSING", "Multirange", "NaiveDatetime", "Range", "StrEnum", "TYPE_CHECKING",
    "TypeAlias", "TypeGuard", "TypeVar", "core_schema", "get_args", "register_types",
    "register_types_async",
)  # fmt: skip
#: Attribute names a model may not use: BaseModel's own attributes, and the names a class
#: body evaluates (``Field``, ``None``...), which a field with a default would shadow.
RESERVED_FIELDS = (
    "construct", "copy", "dict", "from_orm", "json", "model_computed_fields", "model_config",
    "model_construct", "model_copy", "model_dump", "model_dump_json", "model_extra",
    "model_fields", "model_fields_set", "model_json_schema", "model_parametrized_name",
    "model_post_init", "model_rebuild", "model_validate", "model_validate_json",
    "model_validate_strings", "parse_file", "parse_obj", "parse_raw", "schema", "schema_json",
    "update_forward_refs", "validate", *RESERVED,
)  # fmt: skip
_DOCS = {
    "row": "A row of {name}, as it is read.",
    "insert": "What an INSERT into {name} may set; fields the database fills in are optional.",
    "update": "What an UPDATE of {name} may set; every field is optional.",
    "composite": "A value of the composite type {name}.",
    "args": "The arguments of the function {name}; those with a default may be left out.",
    "result": "A row of what the function {name} returns.",
    "embedded": "A row of {name} with the related rows a select embeds; each may be left out.",
}
#: Where the names generated annotations and defaults use come from.
_NAME_SOURCES = {
    "Annotated": "typing",
    "Literal": "typing",
    "Field": "pydantic",
    "MISSING": "pydantic",
    "Decimal": "decimal",
}


class PydanticOptions(EmbeddedRowsOptions, frozen=True, kw_only=True):
    """``[tool.schemasync.emitters.pydantic]``."""

    #: Pydantic creates each class's fields at import (tens of microseconds a field, even
    #: with ``defer_build``), so by default every relation gets a module of its own that is
    #: imported on first use: a large schema's models import in milliseconds.
    layout: Layout = "lazy-package"
    #: ``str-enum`` or ``strenum`` (Python 3.11+): Enum classes; ``literal``: ``Literal``
    #: aliases of the labels.
    enum_style: EnumStyle = "str-enum"
    #: The oldest Python the generated code must run on.
    target_python: PythonVersion = "3.10"
    #: ``model_config`` of every model: instances immutable (and hashable).
    frozen: bool = False
    #: ``model_config`` of every model: what validation does with keys no field has.
    extra: Extra = "ignore"
    #: ``model_config`` of every model: validate from objects' attributes (ORM rows).
    from_attributes: bool = False


@dataclass(frozen=True)
class PydanticField:
    """One attribute of a generated model, as written."""

    attr: str
    #: The exact column name.
    db_name: str
    #: The full annotation (``| None`` and ``| MISSING`` included).
    annotation: str
    #: What follows ``=``: ``MISSING``, ``Field(...)``, or ``None`` for a plain required field.
    default: str | None
    comment: str | None


def _fields(cls: ClassModel, validation: Validation) -> list[PydanticField]:
    enforced_only = cls.kind in ("row", "composite", "embedded")
    checks = validation.single_column_checks(cls.relation)
    typed: list[tuple[FieldModel, str, list[str]]] = []
    for f in cls.fields:
        annotation, args = validation.value(
            f.type,
            f.annotation,
            checks=checks.get(f.db_name, ()),
            column=f.db_name,
            enforced_only=enforced_only,
        )
        if f.nullable:
            annotation += " | None"
        # MISSING, not None, stands for "not given": it is left out of every dump, and None
        # is a NULL the caller sends (refused for a NOT NULL column).
        if not f.required:
            annotation += " | MISSING"
        typed.append((f, annotation, args))
    attrs = unshadowed([f.attr for f in cls.fields], [f"{a} {args}" for _, a, args in typed])
    result: list[PydanticField] = []
    for attr, (f, annotation, constraints) in zip(attrs, typed, strict=True):
        args = [f"alias={py_string(f.db_name)}"] * (attr != f.db_name) + constraints
        if f.required:
            default = f"Field({', '.join(args)})" if args else None
        else:
            default = f"Field(default=MISSING, {', '.join(args)})" if args else "MISSING"
        result.append(PydanticField(attr, f.db_name, annotation, default, f.comment))
    return result


class PydanticEmitter(Emitter):
    """Generates Pydantic v2 models; see the module docstring."""

    name = TARGET
    package = "schemasync-pydantic"
    description = "Pydantic v2 models for rows, inserts and updates"
    options_type: ClassVar[type[TargetOptions]] = PydanticOptions
    #: A module per table, each with its own imports and model configuration.
    render_cost = 3.0
    reserved_names = RESERVED
    reserved_fields = RESERVED_FIELDS

    def can_split(self, options: TargetOptions) -> bool:
        """A package (a module per table) renders in parts; one module does not."""
        assert isinstance(options, PydanticOptions)
        return options.layout != "module"

    def emit(self, schema: ir.Schema, context: EmitContext) -> Iterator[GeneratedFile]:
        """Render the models of ``schema`` (see :class:`PydanticOptions`), a module at a
        time: a package has a module per table."""
        options = context.options
        assert isinstance(options, PydanticOptions)
        require_strenum_support(options.enum_style, options.target_python)
        models = context.models(
            schema,
            target=self.name,
            reserved_names=self.reserved_names,
            reserved_fields=self.reserved_fields,
        )
        validation = Validation(schema, wrapper="Field")
        types_module = models.types_module
        modules = list(models.modules)
        ranges = sorted(
            {name for m in modules for source, names in m.imports.items() for name in names
             if (source, name) in PSYCOPG_RANGES}
        )  # fmt: skip
        needs_register = context.profile == "python" and bool(
            schema.enums or schema.composite_types or schema.range_types or schema.domains
        )
        if (needs_register or ranges) and types_module not in {m.name for m in modules}:
            # Helpers live in the types module, even when it holds no enum or composite.
            modules.append(ModuleModel(types_module, (), (), {}, ()))
        config = _config(options)
        env = context.templates("schemasync_pydantic")
        template = env.get_template("module.py.j2")
        registration = registered_types(schema)
        modules.sort(key=lambda m: m.name)

        def helpers_of(module: ModuleModel) -> list[str]:
            return ranges if module.name == types_module else []

        def registers(module: ModuleModel) -> bool:
            return needs_register and module.name == types_module

        exports = {
            module.name: isort_sorted(
                [*helpers_of(module), *(e.name for e in module.enums)]
                + [c.name for c in module.classes]
                + [a.name for a in module.aliases]
                + list(module.relationship_names)
                + (["register_types", "register_types_async"] if registers(module) else []),
                in_all=True,
            )
            for module in modules
        }
        # The __init__.py is at position 0, the modules after it: a part renders the files
        # at its positions (see can_split).
        part = context.part
        if models.layout != "module" and part.takes(0):
            doc = "Generated Pydantic models of the database schema."
            init = package_init(
                context.header(),
                doc,
                exports,
                lazy=models.layout == "lazy-package",
            )
            yield GeneratedFile("__init__.py", init)
        for position, module in enumerate(modules, start=1):
            if not part.takes(position):
                continue
            register = registers(module)
            helpers = helpers_of(module)
            classes = [(cls, _fields(cls, validation)) for cls in module.classes]
            text = template.render(
                header=context.header(),
                doc=_module_doc(models, module),
                imports=_imports(
                    module,
                    classes=classes,
                    options=options,
                    types_module=types_module,
                    ranges=helpers,
                    register=register,
                ),
                module=module,
                exports=exports[module.name] if models.layout != "module" else [],
                range_helpers=helpers,
                config=config,
                models=classes,
                enum_style=options.enum_style,
                value_aliases=False,
                register=register,
                enums=module.enums,
                enum_classes=options.enum_style != "literal",
                composites=[c for c in module.classes if c.kind == "composite"],
                **registration,
                doc_of=_doc_of,
                composite_factory="{cls}.model_validate(dict(zip(({keys}), values)))",
            )
            yield GeneratedFile(f"{module.name}.py", text.encode())


def _doc_of(cls: ClassModel) -> str:
    return _DOCS[cls.kind].format(name=cls.qualified_name)


def _config(options: PydanticOptions) -> list[str]:
    return [
        # Models build their validators when first used, not when imported: a module of
        # hundreds of tables imports quickly, and each model costs only once it is used.
        "defer_build=True",
        f"extra={py_string(options.extra)}",
        f"frozen={options.frozen}",
        f"from_attributes={options.from_attributes}",
        # Attribute names never shadow BaseModel's members (RESERVED_FIELDS); a column may
        # still be called model_dump_total, which pydantic's default namespaces warn about.
        "protected_namespaces=()",
        # bytea is any bytes, which JSON carries only encoded.
        'ser_json_bytes="base64"',
        # Column names are the aliases; attribute names are accepted too.
        "serialize_by_alias=True",
        'val_json_bytes="base64"',
        "validate_by_alias=True",
        "validate_by_name=True",
    ]


def _module_doc(models: ModelSet, module: ModuleModel) -> str:
    what = "Enums and composite types" if module.name == TYPES_MODULE else "Pydantic models"
    return f"{what} of the database schema (wire profile: {models.profile})."


def _imports(
    module: ModuleModel,
    *,
    classes: Sequence[tuple[ClassModel, Sequence[PydanticField]]],
    options: PydanticOptions,
    types_module: str,
    ranges: Sequence[str],
    register: bool,
) -> list[str]:
    """The module's import lines, grouped and sorted as isort would."""
    imports: dict[str, set[str]] = {}

    def add(source: str, *names: str) -> None:
        imports.setdefault(source, set()).update(names)

    for source, names in module.imports.items():
        for name in names:
            if (source, name) in PSYCOPG_RANGES:
                # psycopg's Range, made a pydantic type by the types module.
                if module.name != types_module:
                    add(f".{types_module}", name)
            else:
                add(source, name)
    if "JsonValue" in module.helpers:
        add("pydantic", "JsonValue")
    used = {
        name
        for _, fields in classes
        for f in fields
        for name in code_names(f"{f.annotation} {f.default or ''}")
    }
    for name, source in _NAME_SOURCES.items():
        if name in used:
            add(source, name)
    if classes:
        add("pydantic", "BaseModel", "ConfigDict")
    if module.aliases:
        add("typing", "TypeAlias")
    if module.enums:
        if options.enum_style == "literal":
            add("typing", "Literal", "TypeAlias")
        else:
            add("enum", "StrEnum" if options.enum_style == "strenum" else "Enum")
    if ranges:
        add("typing", "Annotated", "Any", "TypeAlias", "TypeGuard", "TypeVar", "get_args")
        add("pydantic", "GetCoreSchemaHandler", "GetPydanticSchema")
        add("pydantic_core", "core_schema")
        add("decimal", "Decimal")
        add("psycopg.types.range", "Range as _PsycopgRange")
        if "Multirange" in ranges:
            add("psycopg.types.multirange", "Multirange as _PsycopgMultirange")
    if register:
        add("typing", "TYPE_CHECKING", "Any")
    lines = import_block(imports)
    if register:
        lines += ["", "if TYPE_CHECKING:", "    from psycopg import AsyncConnection, Connection"]
    return lines
