"""The TypedDict emitter: ``schemasync run --emit typeddict``.

Every table gets ``Row``, ``Insert`` and ``Update`` TypedDicts (views and materialized views
what they allow), enums become ``Literal`` aliases or Enum classes, composite types become
TypedDicts. Keys are always the exact column names: a table with a key that is not a Python
identifier uses the functional syntax.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import ClassVar, Literal

from schemasync import hookimpl, ir
from schemasync.api import (
    EmbeddedRowsOptions,
    EmitContext,
    Emitter,
    GeneratedFile,
    LocalModel,
    TargetOptions,
)
from schemasync.codegen.model import TYPES_MODULE, ClassModel, ModelSet, ModuleModel
from schemasync.codegen.pysource import (
    code_names,
    import_block,
    isort_sorted,
    package_init,
    registered_types,
    require_strenum_support,
)
from schemasync.codegen.types import PSYCOPG_RANGES
from schemasync_typeddict.reader import read_typeddicts

__all__ = ["TypedDictEmitter", "TypedDictOptions", "schemasync_emitters", "schemasync_read_models"]

__version__ = "0.1.0"

EnumStyle = Literal["literal", "strenum", "str-enum"]
PythonVersion = Literal["3.10", "3.11", "3.12", "3.13", "3.14"]
#: Names every generated module may import or define itself.
RESERVED = (
    "Annotated", "Any", "AsyncConnection", "Connection", "Enum", "JsonValue", "Literal",
    "Multirange", "NotRequired", "Range", "StrEnum", "TYPE_CHECKING", "TypeAlias",
    "TypeAliasType", "TypeVar", "TypedDict", "cast", "register_types", "register_types_async",
)  # fmt: skip
#: psycopg's range classes, which the types module defines again as aliases pydantic takes.
_DOCS = {
    "row": "A row of {name}, as it is read.",
    "insert": "What an INSERT into {name} may set; keys the database fills in are optional.",
    "update": "What an UPDATE of {name} may set; every key is optional.",
    "composite": "A value of the composite type {name}.",
    "args": "The arguments of the function {name}; those with a default may be left out.",
    "result": "A row of what the function {name} returns.",
    "embedded": "A row of {name} with the related rows a select embeds; each may be left out.",
}


class TypedDictOptions(EmbeddedRowsOptions, frozen=True, kw_only=True):
    """``[tool.schemasync.emitters.typeddict]``."""

    #: ``literal``: ``Literal[...]`` aliases (what rows hold without any set-up);
    #: ``strenum`` (Python 3.11+) or ``str-enum``: Enum classes, which psycopg rows hold once
    #: ``register_types(conn)`` has run.
    enum_style: EnumStyle = "literal"
    #: The oldest Python the generated code must run on; before 3.11, ``NotRequired`` and
    #: ``TypedDict`` come from typing_extensions.
    target_python: PythonVersion = "3.10"


def _doc_of(cls: ClassModel) -> str:
    return _DOCS[cls.kind].format(name=cls.qualified_name)


def _functional(cls: ClassModel) -> bool:
    """Whether ``cls`` needs the functional syntax: a key is not its attribute name, or a
    key is a name the annotations use (``date: date``, ``str: str``), which the class syntax
    would shadow for the fields after it (type checkers say so)."""
    if cls.aliased:
        return True
    keys = {f.db_name for f in cls.fields}
    if "NotRequired" in keys and cls.kind != "update":
        return True
    return any(not keys.isdisjoint(code_names(f.full_annotation)) for f in cls.fields)


class TypedDictEmitter(Emitter):
    """Generates TypedDicts; see the module docstring."""

    name = "typeddict"
    package = "schemasync-typeddict"
    description = "TypedDicts for rows, inserts and updates"
    options_type: ClassVar[type[TargetOptions]] = TypedDictOptions
    reserved_names = RESERVED

    def emit(self, schema: ir.Schema, context: EmitContext) -> Sequence[GeneratedFile]:
        """Render the models of ``schema`` (see :class:`TypedDictOptions`)."""
        options = context.options
        assert isinstance(options, TypedDictOptions)
        require_strenum_support(options.enum_style, options.target_python)
        class_style = options.enum_style != "literal"
        models = context.models(
            schema,
            target=self.name,
            reserved_names=self.reserved_names,
            # JSON rows hold enum labels as plain strings, whatever the enum style.
            enum_annotation=(
                (lambda enum: f"{enum.name}Value")
                if class_style and context.profile == "json"
                else (lambda enum: enum.name)
            ),
        )
        env = context.templates("schemasync_typeddict")
        template = env.get_template("module.py.j2")
        files: list[GeneratedFile] = []
        types_module = models.types_module
        # psycopg must be taught the schema's own types for rows to hold what is declared.
        needs_register = context.profile == "python" and bool(
            schema.enums or schema.composite_types or schema.range_types or schema.domains
        )
        modules = list(models.modules)
        if needs_register and types_module not in {m.name for m in modules}:
            # Domains or ranges alone still need register_types, which lives in _types.
            modules.append(ModuleModel(types_module, (), (), {}, ()))
        if models.layout != "module":
            modules = _json_value_in_types_module(modules, types_module)
        modules = _ranges_in_types_module(modules, types_module)
        registration = registered_types(schema)
        for module in sorted(modules, key=lambda m: m.name):
            register = needs_register and module.name == types_module
            text = template.render(
                header=context.header(),
                doc=_module_doc(models, module),
                imports=_imports(module, options, register, models),
                module=module,
                exports=_exports(module, options, models) if models.layout != "module" else [],
                enum_style=options.enum_style,
                register=register,
                enums=module.enums,
                enum_classes=class_style,
                composites=[c for c in module.classes if c.kind == "composite"],
                **registration,
                # JSON rows hold labels: class-style enums get a Literal alias of them too.
                value_aliases=class_style and context.profile == "json",
                doc_of=_doc_of,
                functional=_functional,
                composite_factory="cast({cls}, dict(zip(({keys}), values)))",
            )
            files.append(GeneratedFile(f"{module.name}.py", text.encode()))
        if models.layout != "module":
            init = _package_init(models, options, context, register=needs_register)
            files.append(GeneratedFile("__init__.py", init))
        return files


def _json_value_in_types_module(modules: list[ModuleModel], types_module: str) -> list[ModuleModel]:
    """The package layouts define ``JsonValue`` once, in the types module, and import it
    elsewhere: pyright loses the recursion of a ``TypeAliasType`` defined in several modules
    of one package (its members become ``Unknown``)."""
    if not any("JsonValue" in m.helpers for m in modules if m.name != types_module):
        return modules
    if types_module not in {m.name for m in modules}:
        modules.append(ModuleModel(types_module, (), (), {}, ()))
    result: list[ModuleModel] = []
    for module in modules:
        helpers = set(module.helpers)
        imports = dict(module.imports)
        if module.name == types_module:
            helpers.add("JsonValue")
        elif "JsonValue" in helpers:
            helpers.discard("JsonValue")
            imports[f".{types_module}"] = (*imports.get(f".{types_module}", ()), "JsonValue")
        result.append(replace(module, helpers=tuple(sorted(helpers)), imports=imports))
    return result


def _ranges_in_types_module(modules: list[ModuleModel], types_module: str) -> list[ModuleModel]:
    """psycopg's ``Range`` and ``Multirange`` come from the types module, which defines them
    as aliases pydantic validates (``TypeAdapter(Row)``, FastAPI) without importing pydantic;
    the other modules import them from there."""
    used = {
        name
        for module in modules
        for source, names in module.imports.items()
        for name in names
        if (source, name) in PSYCOPG_RANGES
    }
    if not used:
        return modules
    if types_module not in {m.name for m in modules}:
        modules.append(ModuleModel(types_module, (), (), {}, ()))
    result: list[ModuleModel] = []
    for module in modules:
        imports = {
            source: kept
            for source, names in module.imports.items()
            if (kept := tuple(n for n in names if (source, n) not in PSYCOPG_RANGES))
        }
        helpers = set(module.helpers)
        if module.name == types_module:
            helpers |= used
        else:
            wanted = {
                n for s, names in module.imports.items() for n in names if (s, n) in PSYCOPG_RANGES
            }
            if wanted:
                imports[f".{types_module}"] = (
                    *imports.get(f".{types_module}", ()),
                    *sorted(wanted),
                )
        result.append(replace(module, helpers=tuple(sorted(helpers)), imports=imports))
    return result


def _module_doc(models: ModelSet, module: ModuleModel) -> str:
    what = "Enums and composite types" if module.name == TYPES_MODULE else "TypedDicts"
    return f"{what} of the database schema (wire profile: {models.profile})."


def _exports(module: ModuleModel, options: TypedDictOptions, models: ModelSet) -> list[str]:
    names = [e.name for e in module.enums]
    if options.enum_style != "literal" and models.profile == "json":
        names += [f"{e.name}Value" for e in module.enums]
    names += [c.name for c in module.classes]
    names += [a.name for a in module.aliases]
    names += module.relationship_names
    if module.name == TYPES_MODULE:
        names += [h for h in ("JsonValue", "Multirange", "Range") if h in module.helpers]
    return isort_sorted(names, in_all=True)


def _imports(
    module: ModuleModel, options: TypedDictOptions, register: bool, models: ModelSet
) -> list[str]:
    """The module's import lines, grouped and sorted as isort would."""
    typing_names: set[str] = {"TypedDict"} if module.classes else set()
    if any(c.kind != "update" and not f.required for c in module.classes for f in c.fields):
        typing_names.add("NotRequired")
    literal_aliases = options.enum_style == "literal" or models.profile == "json"
    if (module.enums and literal_aliases) or module.aliases:
        typing_names.add("TypeAlias")
    if module.enums and literal_aliases:
        typing_names.add("Literal")
    if register:
        typing_names |= {"TYPE_CHECKING", "Any"}
        if any(c.kind == "composite" for c in module.classes):
            typing_names.add("cast")
    if "JsonValue" in module.helpers:
        typing_names.add("TypeAliasType")
    if "Range" in module.helpers or "Multirange" in module.helpers:
        typing_names |= {"Annotated", "Any", "TypeAlias", "TypeVar"}
    # Before 3.11, NotRequired and a TypedDict that understands it come from
    # typing_extensions; before 3.12, TypeAliasType.
    backported: set[str] = set()
    if options.target_python == "3.10":
        backported |= {"NotRequired", "TypedDict"} & typing_names
    if options.target_python in ("3.10", "3.11"):
        backported |= {"TypeAliasType"} & typing_names

    imports: dict[str, set[str]] = {}
    if typing_names - backported:
        imports["typing"] = typing_names - backported
    if backported:
        imports["typing_extensions"] = backported
    if module.enums and options.enum_style != "literal":
        imports["enum"] = {"StrEnum" if options.enum_style == "strenum" else "Enum"}
    for source, names in module.imports.items():
        imports.setdefault(source, set()).update(names)
    if "Range" in module.helpers or "Multirange" in module.helpers:
        # A Multirange's ranges are serialised as Range values.
        imports.setdefault("psycopg.types.range", set()).add("Range as _PsycopgRange")
    if "Multirange" in module.helpers:
        imports.setdefault("psycopg.types.multirange", set()).add(
            "Multirange as _PsycopgMultirange"
        )
    lines = import_block(imports)
    if register:
        lines += ["", "if TYPE_CHECKING:", "    from psycopg import AsyncConnection, Connection"]
    return lines


def _package_init(
    models: ModelSet, options: TypedDictOptions, context: EmitContext, *, register: bool
) -> bytes:
    exports = {module.name: _exports(module, options, models) for module in models.modules}
    if register:
        helpers = ["register_types", "register_types_async"]
        exports[TYPES_MODULE] = isort_sorted([*exports.get(TYPES_MODULE, []), *helpers])
    doc = "Generated TypedDicts of the database schema."
    return package_init(context.header(), doc, exports, lazy=models.layout == "lazy-package")


@hookimpl
def schemasync_emitters() -> Iterable[Emitter]:
    """Register the ``typeddict`` emitter."""
    return [TypedDictEmitter()]


@hookimpl
def schemasync_read_models(tree: ast.Module, path: Path) -> list[LocalModel]:
    """Read TypedDicts back from committed source, generated or hand-written."""
    return read_typeddicts(tree, path)
