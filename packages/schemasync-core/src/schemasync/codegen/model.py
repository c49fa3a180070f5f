"""What to generate, independent of the target: classes, fields, types, modules.

Emitters render a :class:`ModelSet` through their templates. The rules that every target
shares live here once: which classes a relation gets (``Row``, ``Insert``, ``Update``), which
fields each holds and whether they are required or nullable, the Python type of every
column in the chosen wire profile, names, and which module each class lives in.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from schemasync import ir
from schemasync.api import Layout, NameKind, NameRequest, Profile, PyType, TypeRequest
from schemasync.codegen.naming import Namer, attribute_name, module_name
from schemasync.codegen.relationships import Embedding, Relationship, all_relationships, embeddings
from schemasync.codegen.types import IMPORTED_NAMES, LOCAL, range_type

__all__ = [
    "EMBEDDED_MODULE",
    "AliasModel",
    "ClassModel",
    "EnumModel",
    "FieldModel",
    "FunctionModel",
    "Layout",
    "ModelSet",
    "ModuleModel",
    "build_models",
    "callable_names",
    "element_type",
]

TableClass = Literal["row", "insert", "update"]
#: ``args``: what a call of a function passes; ``result``: a row of a function's
#: ``RETURNS TABLE`` or OUT arguments; ``embedded``: a table's row with the related rows
#: PostgREST embeds (the ``embedded_rows`` option).
ClassKind = Literal["row", "insert", "update", "composite", "args", "result", "embedded"]
#: The one module of the ``module`` layout.
MODULE = "models"
#: The module holding enums, composites and helpers in the ``package`` layout.
TYPES_MODULE = "_types"
#: The module of the Row variants with embedded rows in the package layouts: apart from
#: the tables' modules, which it imports, so that no two modules import each other.
EMBEDDED_MODULE = "_embedded"
#: The class and the mapping the types module defines when the schema has foreign keys.
RELATIONSHIP_NAMES = ("RELATIONSHIPS", "Relationship")


@dataclass(frozen=True)
class FieldModel:
    """One field of a generated class."""

    #: The exact database name: the wire key, the alias.
    db_name: str
    #: The Python attribute name (a valid identifier).
    attr: str
    #: The Python type of a non-null value.
    annotation: str
    #: Whether the value may be ``None``.
    nullable: bool
    #: Whether the key must be present (``Row`` always; ``Insert`` when there is no default).
    required: bool
    type: ir.TypeRef
    #: What the annotation needs imported, as ``(module, name)``.
    imports: tuple[tuple[str, str], ...] = ()
    comment: str | None = None
    #: The IR column, for targets that turn constraints into validation.
    column: ir.Column | None = None
    #: For a field of an ``embedded`` class that holds related rows: how PostgREST embeds
    #: them (``type`` is then the related relation's row type).
    embedding: Embedding | None = None

    @property
    def aliased(self) -> bool:
        """Whether the attribute name differs from the wire name."""
        return self.attr != self.db_name

    @property
    def full_annotation(self) -> str:
        """The annotation, ``| None`` included when nullable."""
        return f"{self.annotation} | None" if self.nullable else self.annotation


@dataclass(frozen=True)
class ClassModel:
    """A generated class: a table's Row, Insert or Update, or a composite type."""

    kind: ClassKind
    name: str
    schema: str
    #: The relation's or composite type's database name.
    db_name: str
    fields: tuple[FieldModel, ...]
    module: str
    comment: str | None = None
    relation: ir.Relation | None = None
    #: The function of an ``args`` or ``result`` class.
    function: ir.Function | None = None

    @property
    def qualified_name(self) -> str:
        """``schema.db_name``."""
        return f"{self.schema}.{self.db_name}"

    @property
    def aliased(self) -> bool:
        """Whether any field's attribute name differs from its wire name."""
        return any(f.attr != f.db_name for f in self.fields)


@dataclass(frozen=True)
class EnumModel:
    """A generated enum: members as ``(python name, exact label)`` in label order."""

    name: str
    schema: str
    db_name: str
    members: tuple[tuple[str, str], ...]
    module: str
    comment: str | None = None

    @property
    def qualified_name(self) -> str:
        """``schema.db_name``."""
        return f"{self.schema}.{self.db_name}"


@dataclass(frozen=True)
class AliasModel:
    """A generated type alias: what a call of a function returns."""

    name: str
    #: The aliased annotation (``list[BookRow]``, ``int | None``, ``None``).
    annotation: str
    module: str
    imports: tuple[tuple[str, str], ...] = ()
    comment: str | None = None


@dataclass(frozen=True)
class FunctionModel:
    """What is generated for one function: its arguments class, the class of its result's
    rows when the result is ``RETURNS TABLE`` or OUT arguments, and its result alias."""

    function: ir.Function
    args: ClassModel
    returns: AliasModel
    result: ClassModel | None = None


@dataclass(frozen=True)
class ModuleModel:
    """One generated module and what it holds, in dependency order."""

    name: str
    enums: tuple[EnumModel, ...]
    classes: tuple[ClassModel, ...]
    #: ``module -> names`` to import, sorted; generated sibling modules start with ``.``.
    imports: Mapping[str, tuple[str, ...]]
    #: Helpers the module must define itself (``JsonValue``...).
    helpers: tuple[str, ...]
    #: Type aliases, after the classes.
    aliases: tuple[AliasModel, ...] = ()
    #: Every relation's foreign keys both ways (``schema.name`` -> relationships), written
    #: as the ``RELATIONSHIPS`` mapping of the types module; empty in every other module.
    relationships: tuple[tuple[str, tuple[Relationship, ...]], ...] = ()

    @property
    def relationship_names(self) -> tuple[str, ...]:
        """What the module defines for relationships, for its ``__all__``."""
        return RELATIONSHIP_NAMES if self.relationships else ()


@dataclass(frozen=True)
class ModelSet:
    """Everything an emitter renders."""

    schema: ir.Schema
    schema_hash: str
    profile: Profile
    layout: Layout
    modules: tuple[ModuleModel, ...]
    functions: tuple[FunctionModel, ...] = ()

    @property
    def types_module(self) -> str:
        """The module holding enums and composite types in this layout."""
        return MODULE if self.layout == "module" else TYPES_MODULE

    @property
    def enums(self) -> tuple[EnumModel, ...]:
        """Every enum of every module."""
        return tuple(e for m in self.modules for e in m.enums)

    @property
    def classes(self) -> tuple[ClassModel, ...]:
        """Every class of every module."""
        return tuple(c for m in self.modules for c in m.classes)


MapType = Callable[[TypeRequest], "PyType | None"]
Decide = Callable[[NameRequest], "str | None"]


def _module_for(layout: Layout, schema: str, *, is_type: bool) -> str:
    if layout == "module":
        return MODULE
    if is_type:
        return TYPES_MODULE
    name = module_name(schema) or "schema"
    return name if name != TYPES_MODULE else f"{name}_"


def _relation_modules(
    layout: Layout, relations: Iterable[ir.Relation]
) -> dict[tuple[str, str], str]:
    """The module of each relation's classes. The ``lazy-package`` layout gives every
    relation a private module of its own (``_public_projects``), so that importing one model
    creates the classes of one relation only; names that collapse to the same module (``a_b.c``
    and ``a.b_c``) are numbered in schema and name order."""
    if layout != "lazy-package":
        return {(r.schema, r.name): _module_for(layout, r.schema, is_type=False) for r in relations}
    taken = {TYPES_MODULE, EMBEDDED_MODULE}
    modules: dict[tuple[str, str], str] = {}
    for relation in sorted(relations, key=lambda r: (r.schema, r.name)):
        base = "_" + module_name(f"{relation.schema} {relation.name}")
        name, number = base, 1
        while name in taken:
            number += 1
            name = f"{base}_{number}"
        taken.add(name)
        modules[(relation.schema, relation.name)] = name
    return modules


def element_type(ref: ir.TypeRef) -> ir.TypeRef:
    """The element type of an array type (``format_type`` prints one ``[]`` whatever the
    dimensions)."""
    return ir.TypeRef(
        schema=ref.schema,
        name=ref.name,
        kind=ref.kind,
        sql=ref.sql.removesuffix("[]"),
        modifiers=ref.modifiers,
    )


class _Types:
    """Python types of PostgreSQL types for one run, computed once per distinct type."""

    profile: Profile

    def __init__(
        self,
        schema: ir.Schema,
        *,
        target: str,
        profile: Profile,
        map_type: MapType,
        overrides: Mapping[str, PyType],
    ) -> None:
        self.target = target
        self.profile = profile
        self.map_type = map_type
        self.overrides = overrides
        self.user: dict[tuple[str, str], PyType] = {}
        self.domains = {(d.schema, d.name): d for d in schema.domains}
        self.range_subtypes: dict[tuple[str, str], ir.TypeRef] = {}
        for rng in schema.range_types:
            self.range_subtypes[(rng.schema, rng.name)] = rng.subtype
            if rng.multirange:
                self.range_subtypes[(rng.schema, rng.multirange)] = rng.subtype
        self._cache: dict[ir.TypeRef, PyType] = {}

    def __call__(self, ref: ir.TypeRef) -> PyType:
        """The Python type of a non-null value of ``ref``."""
        found = self._cache.get(ref)
        if found is None:
            found = self._cache[ref] = self._resolve(ref)
        return found

    def _resolve(self, ref: ir.TypeRef) -> PyType:
        override = self.overrides.get(ref.qualified_name + "[]" * ref.array_dims)
        if override is not None:
            return override
        answer = self.map_type(TypeRequest(type=ref, profile=self.profile, target=self.target))
        if answer is not None:
            return answer
        if ref.is_array:
            element = self(element_type(ref))
            annotation = element.annotation
            for _ in range(ref.array_dims):
                annotation = f"list[{annotation} | None]"
            return PyType(annotation, element.imports)
        key = (ref.schema, ref.name)
        if ref.kind == "pseudo":
            # Polymorphic types (anyelement, anyarray...) take the type of what is passed:
            # nothing narrower than any value, or any array, is true of every call.
            return PyType("list[object]" if "array" in ref.name else "object")
        if key in self.user:
            return self.user[key]
        if ref.kind == "domain" and key in self.domains:
            return self(self.domains[key].base_type)
        if ref.kind in ("range", "multirange") and self.profile == "python":
            subtype = self.range_subtypes.get(key)
            if subtype is not None:
                return range_type(self(subtype), multi=ref.kind == "multirange")
        # What a driver or PostgREST gives for a type it does not know: its text.
        return PyType("str")

    def domain_chain(self, ref: ir.TypeRef) -> list[ir.Domain]:
        """The domains ``ref`` is built on, outermost first."""
        chain: list[ir.Domain] = []
        while not ref.is_array and (ref.schema, ref.name) in self.domains:
            domain = self.domains[(ref.schema, ref.name)]
            chain.append(domain)
            ref = domain.base_type
        return chain

    def nullable(self, column: ir.Column) -> bool:
        """NULL allowed by the column and by every domain under it."""
        return column.nullable and not any(d.not_null for d in self.domain_chain(column.type))

    def has_default(self, column: ir.Column) -> bool:
        """The database fills the column when an insert leaves it out."""
        return (
            column.default is not None
            or column.identity is not None
            or any(d.default is not None for d in self.domain_chain(column.type))
        )


def _imported_names(schema: ir.Schema, types: _Types) -> set[str]:
    """The names imported for the types of ``schema`` that do not depend on class names
    (built-in types, as plugins and ``types`` overrides map them): classes must not take
    them."""
    refs = [
        *(c.type for r in schema.relations for c in r.columns),
        *(a.type for c in schema.composite_types for a in c.attributes),
        *(d.base_type for d in schema.domains),
    ]
    return {
        name
        for ref in refs
        if ref.schema == "pg_catalog"
        for module, name in types(ref).imports
        if module != LOCAL
    }


def relation_classes(relation: ir.Relation) -> tuple[TableClass, ...]:
    """Which classes a relation gets: tables all three, views what they allow."""
    if relation.kind == "materialized_view":
        return ("row",)
    kinds: list[TableClass] = ["row"]
    if relation.insertable:
        kinds.append("insert")
    if relation.updatable:
        kinds.append("update")
    return tuple(kinds)


def build_models(
    schema: ir.Schema,
    *,
    schema_hash: str,
    target: str,
    profile: Profile,
    decide_name: Decide,
    map_type: MapType,
    layout: Layout = "module",
    naming_overrides: Mapping[str, str] | None = None,
    type_overrides: Mapping[str, PyType] | None = None,
    reserved_names: Iterable[str] = (),
    reserved_fields: Iterable[str] = (),
    enum_annotation: Callable[[EnumModel], str] | None = None,
    fields_of: Callable[[ir.Relation], bool] | None = None,
    embedded_rows: bool = False,
) -> ModelSet:
    """Describe what ``target`` generates for ``schema``.

    :param decide_name: the ``schemasync_name`` hook (config overrides are applied first).
    :param map_type: the ``schemasync_map_type`` hook, asked first for every type.
    :param layout: ``module`` (one module), ``package`` (enums and composites in
        ``_types``, tables in one module per schema) or ``lazy-package`` (as ``package``,
        with one module per relation, which the emitter's ``__init__`` imports lazily).
    :param naming_overrides: ``[tool.schemasync.naming]``, see :class:`Namer`.
    :param type_overrides: ``schema.type`` (``[]`` per array dimension) to a Python type.
    :param reserved_names: names the target's modules define or import themselves.
    :param reserved_fields: attribute names the target's classes may not use.
    :param enum_annotation: how a column of an enum type is annotated: the enum's class or
        alias (the default, its name), or another alias of its labels.
    :param fields_of: when given, only relations it accepts get their fields; the others'
        classes are named (names do not depend on fields) but empty. Drift checks name every
        class but compare few.
    :param embedded_rows: also describe, for each table with relationships PostgREST can
        embed, an ``embedded`` class: its Row's fields, then one optional field per
        relationship holding the related Row (or a list of them).

    Partitions are left out: rows are read and written through their partitioned parent.
    """
    relations = [r for r in schema.relations if r.partition_of is None]
    relation_module = _relation_modules(layout, relations)
    relationships = all_relationships(schema)
    embedded: dict[tuple[str, str], tuple[Embedding, ...]] = {}
    if embedded_rows:
        for relation in relations:
            key = (relation.schema, relation.name)
            found = embeddings(relation, relationships.get(key, ()), relation_module)
            if found:
                embedded[key] = found
    types = _Types(
        schema, target=target, profile=profile, map_type=map_type, overrides=type_overrides or {}
    )
    namer = Namer(
        decide_name,
        target,
        naming_overrides,
        [
            *reserved_names,
            *RELATIONSHIP_NAMES,
            *IMPORTED_NAMES,
            *_imported_names(schema, types),
        ],
    )
    wanted: list[tuple[NameKind, str, str]] = [("enum", e.schema, e.name) for e in schema.enums]
    wanted.extend(("composite", c.schema, c.name) for c in schema.composite_types)
    wanted.extend((kind, r.schema, r.name) for r in relations for kind in relation_classes(r))
    wanted.extend(("embedded", schema_name, name) for schema_name, name in embedded)
    functions = [f for f in schema.functions if f.kind == "function"]
    function_names = callable_names(functions)
    for fn in functions:
        name = function_names[fn.signature]
        wanted.extend([("function_args", fn.schema, name), ("function_returns", fn.schema, name)])
        if schema.result_kind(fn) == "columns":
            wanted.append(("function_result", fn.schema, name))
    namer.classes(wanted)

    def local(name: str, module: str) -> PyType:
        return PyType(name, ((f".{module}", name),))

    enums: list[EnumModel] = []
    for enum in schema.enums:
        members = namer.members(enum.schema, enum.name, enum.labels)
        model = EnumModel(
            name=namer.cls("enum", enum.schema, enum.name),
            schema=enum.schema,
            db_name=enum.name,
            members=tuple((members[label], label) for label in enum.labels),
            module=_module_for(layout, enum.schema, is_type=True),
            comment=enum.comment,
        )
        enums.append(model)
        annotation = enum_annotation(model) if enum_annotation else model.name
        types.user[(enum.schema, enum.name)] = local(annotation, model.module)
    for composite in schema.composite_types:
        name = namer.cls("composite", composite.schema, composite.name)
        module = _module_for(layout, composite.schema, is_type=True)
        types.user[(composite.schema, composite.name)] = local(name, module)
    for relation in relations:
        # A column may have a table's row type: it reads as that table's Row.
        row = namer.cls("row", relation.schema, relation.name)
        types.user.setdefault(
            (relation.schema, relation.name),
            local(row, relation_module[(relation.schema, relation.name)]),
        )

    def make_field(
        attrs: Mapping[str, str], column: ir.Column, *, required: bool, nullable: bool
    ) -> FieldModel:
        pytype = types(column.type)
        return FieldModel(
            db_name=column.name,
            attr=attrs[column.name],
            annotation=pytype.annotation,
            nullable=nullable,
            required=required,
            type=column.type,
            imports=pytype.imports,
            comment=column.comment,
            column=column,
        )

    classes: list[ClassModel] = []
    row_fields: dict[tuple[str, str], tuple[FieldModel, ...]] = {}
    for composite in schema.composite_types:
        attrs = namer.fields(
            composite.schema,
            composite.name,
            [a.name for a in composite.attributes],
            reserved_fields,
        )
        classes.append(
            ClassModel(
                kind="composite",
                name=namer.cls("composite", composite.schema, composite.name),
                schema=composite.schema,
                db_name=composite.name,
                # Composite attributes cannot be declared NOT NULL: any may be null.
                fields=tuple(
                    make_field(
                        attrs,
                        ir.Column(
                            name=a.name, type=a.type, collation=a.collation, comment=a.comment
                        ),
                        required=True,
                        nullable=True,
                    )
                    for a in composite.attributes
                ),
                module=_module_for(layout, composite.schema, is_type=True),
                comment=composite.comment,
            )
        )
    for relation in relations:
        wanted_fields = fields_of is None or fields_of(relation)
        columns = relation.columns if wanted_fields else ()
        attrs = namer.fields(
            relation.schema, relation.name, [c.name for c in columns], reserved_fields
        )
        kinds = relation_classes(relation)
        fields: dict[TableClass, list[FieldModel]] = {kind: [] for kind in kinds}
        for column in columns:
            nullable = types.nullable(column)
            required = make_field(attrs, column, required=True, nullable=nullable)
            fields["row"].append(required)
            # The database computes identity-always and generated columns; writes may not set them.
            if kinds == ("row",) or column.identity == "always" or column.generated is not None:
                continue
            # Fields are frozen, so the classes that agree on one share it.
            optional = make_field(attrs, column, required=False, nullable=nullable)
            if "insert" in fields:
                insert_optional = nullable or types.has_default(column)
                fields["insert"].append(optional if insert_optional else required)
            if "update" in fields:
                fields["update"].append(optional)
        row_fields[(relation.schema, relation.name)] = tuple(fields["row"])
        for kind in kinds:
            classes.append(
                ClassModel(
                    kind=kind,
                    name=namer.cls(kind, relation.schema, relation.name),
                    schema=relation.schema,
                    db_name=relation.name,
                    fields=tuple(fields[kind]),
                    module=relation_module[(relation.schema, relation.name)],
                    comment=relation.comment,
                    relation=relation,
                )
            )
    function_models: list[FunctionModel] = []
    modules_taken = set(relation_module.values())

    def fields_of_arguments(
        schema_name: str, arguments: Iterable[ir.FunctionArgument], owner: str, *, result: bool
    ) -> tuple[FieldModel, ...]:
        named = [(a.name or f"${i}", a) for i, a in enumerate(arguments, 1)]
        attrs = namer.fields(schema_name, owner, [n for n, _ in named], reserved_fields)
        built: list[FieldModel] = []
        for db_name, argument in named:
            ref = argument.type_ref or _text_ref(argument.type)
            pytype = types(ref)
            built.append(
                FieldModel(
                    db_name=db_name,
                    attr=attrs[db_name],
                    annotation=pytype.annotation,
                    # Result columns may be NULL; arguments are typed as what is meant.
                    nullable=result,
                    required=result or not argument.has_default,
                    type=ref,
                    imports=pytype.imports,
                    comment=_polymorphic_note(ref),
                )
            )
        return tuple(built)

    for fn in functions:
        name = function_names[fn.signature]
        module = _function_module(layout, fn.schema, modules_taken)

        args = ClassModel(
            kind="args",
            name=namer.cls("function_args", fn.schema, name),
            schema=fn.schema,
            db_name=fn.name,
            fields=fields_of_arguments(fn.schema, fn.inputs, f"{name}:args", result=False),
            module=module,
            comment=fn.comment,
            function=fn,
        )
        classes.append(args)
        result_class = None
        result_kind = schema.result_kind(fn)
        if result_kind == "columns":
            result_class = ClassModel(
                kind="result",
                name=namer.cls("function_result", fn.schema, name),
                schema=fn.schema,
                db_name=fn.name,
                fields=fields_of_arguments(fn.schema, fn.outputs, f"{name}:result", result=True),
                module=module,
                function=fn,
            )
            classes.append(result_class)
            element = local(result_class.name, module)
        elif result_kind == "void":
            element = PyType("None")
        else:
            assert fn.return_type is not None
            element = types(fn.return_type)
        if fn.returns_set:
            # Rows of a table or of columns are never NULL themselves; values may be.
            nullable_element = result_kind not in ("row", "columns")
            annotation = f"list[{element.annotation}{' | None' * nullable_element}]"
        elif result_kind in ("void", "columns"):
            annotation = element.annotation
        else:
            # One row or value, which is NULL when the function returns nothing.
            annotation = f"{element.annotation} | None"
        returns = AliasModel(
            name=namer.cls("function_returns", fn.schema, name),
            annotation=annotation,
            module=module,
            imports=element.imports,
            comment="\n".join(
                filter(None, [f"What {fn.signature} returns.", _polymorphic_note(fn.return_type)])
            ),
        )
        function_models.append(FunctionModel(fn, args, returns, result_class))
    embedded_module = MODULE if layout == "module" else EMBEDDED_MODULE
    for relation in relations:
        key = (relation.schema, relation.name)
        if key not in embedded:
            continue
        row_part = row_fields[key]
        attrs = namer.fields(
            relation.schema,
            f"{relation.name}:embedded",
            [e.key for e in embedded[key]],
            {*reserved_fields, *(f.attr for f in row_part)},
        )
        embeds = [
            _embedded_field(
                e,
                attrs[e.key],
                namer.cls("row", e.relationship.related_schema, e.relationship.related_relation),
                relation_module,
            )
            for e in embedded[key]
        ]
        classes.append(
            ClassModel(
                kind="embedded",
                name=namer.cls("embedded", *key),
                schema=relation.schema,
                db_name=relation.name,
                fields=(*row_part, *embeds),
                module=embedded_module,
                relation=relation,
            )
        )
    return ModelSet(
        schema=schema,
        schema_hash=schema_hash,
        profile=profile,
        layout=layout,
        # An empty schema (a wrong database, everything excluded) still gives the module
        # code imports from, empty but valid.
        modules=_modules(
            enums,
            classes,
            [f.returns for f in function_models],
            relationships=(
                MODULE if layout == "module" else TYPES_MODULE,
                tuple(
                    (f"{schema_name}.{name}", found)
                    for (schema_name, name), found in relationships.items()
                ),
            ),
        )
        or ((ModuleModel(MODULE, (), (), {}, ()),) if layout == "module" else ()),
        functions=tuple(function_models),
    )


def _embedded_field(
    embedding: Embedding, attr: str, row: str, relation_module: Mapping[tuple[str, str], str]
) -> FieldModel:
    """The field of an ``embedded`` class holding what PostgREST embeds for one relationship:
    the related Row, or ``None`` when there is none; a list of Rows, empty when there is
    none, for the rows of a one-to-many key that point at this one. Never required: a
    select that does not embed it leaves the key out."""
    rel = embedding.relationship
    target = (rel.related_schema, rel.related_relation)
    many = embedding.many
    what = "rows" if many else "row"
    return FieldModel(
        db_name=embedding.key,
        attr=attr,
        annotation=f"list[{row}]" if many else row,
        nullable=not many,
        required=False,
        # The related relation's row type: what the key holds.
        type=ir.TypeRef(
            schema=target[0],
            name=target[1],
            kind="composite",
            sql=f"{target[0]}.{target[1]}" + "[]" * many,
            array_dims=int(many),
        ),
        imports=((f".{relation_module[target]}", row),),
        comment=(
            f"The {rel.related} {what} embedded by select={embedding.select} "
            f"(foreign key {rel.constraint})."
        ),
        embedding=embedding,
    )


def callable_names(functions: Iterable[ir.Function]) -> dict[str, str]:
    """The name each function's generated types are named after, by signature: the
    function's own, or ``name(type, ...)`` with its argument types when it is overloaded,
    so that every overload gets distinct names that do not depend on the others' order."""
    functions = list(functions)
    counts = Counter((f.schema, f.name) for f in functions)
    return {
        f.signature: f.name
        if counts[(f.schema, f.name)] == 1
        else f"{f.name}({', '.join(a.type for a in f.inputs)})"
        for f in functions
    }


def _function_module(layout: Layout, schema: str, taken: set[str]) -> str:
    """Functions live beside the schema's tables, or in the ``lazy-package`` layout in a
    module of their own per schema (a double underscore no relation's module has)."""
    if layout != "lazy-package":
        return _module_for(layout, schema, is_type=False)
    name = f"_{attribute_name(schema.lower())}__functions"
    return name if name not in taken else f"{name}_"


def _text_ref(sql: str) -> ir.TypeRef:
    """A stand-in TypeRef for an argument read from an IR that recorded only type names."""
    return ir.TypeRef(schema="pg_catalog", name="text", kind="base", sql=sql)


def _polymorphic_note(ref: ir.TypeRef | None) -> str | None:
    if ref is None or ref.kind != "pseudo" or ref.name in ("void", "record"):
        return None
    return f"Polymorphic ({ref.name}): the type of the value passed decides the type."


def _modules(
    enums: list[EnumModel],
    classes: list[ClassModel],
    aliases: Iterable[AliasModel] = (),
    *,
    relationships: tuple[str, tuple[tuple[str, tuple[Relationship, ...]], ...]] = ("", ()),
) -> tuple[ModuleModel, ...]:
    """The modules holding ``enums``, ``classes`` and ``aliases``; ``relationships`` is the
    module that lists them and what it lists."""
    enums_in: dict[str, list[EnumModel]] = defaultdict(list)
    classes_in: dict[str, list[ClassModel]] = defaultdict(list)
    aliases_in: dict[str, list[AliasModel]] = defaultdict(list)
    for enum in enums:
        enums_in[enum.module].append(enum)
    for cls in classes:
        classes_in[cls.module].append(cls)
    for alias in aliases:
        aliases_in[alias.module].append(alias)
    modules: list[ModuleModel] = []
    related_module, related = relationships
    names: set[str] = {*enums_in, *classes_in, *aliases_in}
    if related:
        names.add(related_module)
    for name in sorted(names):
        imports: dict[str, set[str]] = defaultdict(set)
        helpers: set[str] = set()
        used = [f.imports for cls in classes_in[name] for f in cls.fields]
        used += [alias.imports for alias in aliases_in[name]]
        listed = related if name == related_module else ()
        if listed:
            used.append(tuple(("typing", n) for n in ("Final", "Literal", "NamedTuple")))
        for pairs in used:
            for module, imported in pairs:
                if module == LOCAL:
                    helpers.add(imported)
                elif module != f".{name}":
                    imports[module].add(imported)
        modules.append(
            ModuleModel(
                name=name,
                enums=tuple(enums_in[name]),
                classes=_dependency_order(classes_in[name], name),
                imports={m: tuple(sorted(n)) for m, n in sorted(imports.items())},
                helpers=tuple(sorted(helpers)),
                aliases=tuple(aliases_in[name]),
                relationships=listed,
            )
        )
    return tuple(modules)


def _dependency_order(classes: list[ClassModel], module: str) -> tuple[ClassModel, ...]:
    """Classes ordered so that each comes after the classes its fields use: generated code
    evaluates annotations when it is imported, so nothing may be used before it exists."""
    by_name = {c.name: c for c in classes}
    ordered: dict[str, ClassModel] = {}
    # Composites first, then tables; each group keeps its order otherwise.
    for cls in sorted(classes, key=lambda c: c.kind != "composite"):
        _visit(cls, (), f".{module}", by_name, ordered)
    return tuple(ordered.values())


def _visit(
    cls: ClassModel,
    path: tuple[str, ...],
    module: str,
    by_name: Mapping[str, ClassModel],
    ordered: dict[str, ClassModel],
) -> None:
    """Put ``cls`` in ``ordered`` after the classes of ``module`` its fields use. A function
    of its own, not a closure: a closure calling itself is a reference cycle, which would
    keep every class it saw alive until the next full garbage collection."""
    if cls.name in ordered or cls.name in path:
        return
    for f in cls.fields:
        for source, name in f.imports:
            if source == module and name in by_name:
                _visit(by_name[name], (*path, cls.name), module, by_name, ordered)
    ordered[cls.name] = cls
