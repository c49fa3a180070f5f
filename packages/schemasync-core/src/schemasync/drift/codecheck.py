"""Drift against code: committed models (read back with ``ast``) compared with a schema.

Each local class is placed on a database object by the naming rules: the names ``run`` would
generate for the target that recognised it, then the class name read as a table or enum name
(``Project`` or ``Projects`` for ``projects``), then ``model_names`` from the config. A class
that cannot be placed is reported as ``model.unmatched``, never guessed. Findings use the
differ's change kinds, with the database's side as ``after`` and the code's as ``before``,
so the same severity rules rank them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import msgspec

from schemasync import ir
from schemasync.api import LocalField, LocalModel
from schemasync.changes import Change
from schemasync.codegen.constraints import Validation
from schemasync.codegen.model import ClassModel, FieldModel, ModelSet
from schemasync.codegen.naming import pascal_case, singular
from schemasync.drift.readback import canonical_annotation, string_values, union_members

__all__ = ["Expected", "Finding", "Placement", "compare_code"]

#: The kind of a class that stands for nothing in the database (its default severity lives
#: with the rest in :data:`schemasync.drift.diff.KINDS`).
UNMATCHED = "model.unmatched"

#: Library spellings of the types the core maps to, for hand-written models.
_SAME: Mapping[str, str] = {
    **dict.fromkeys(
        ("AwareDatetime", "NaiveDatetime", "PastDatetime", "FutureDatetime"), "datetime"
    ),
    **dict.fromkeys(("PastDate", "FutureDate"), "date"),
    **dict.fromkeys(
        ("StrictInt", "PositiveInt", "NegativeInt", "NonNegativeInt", "NonPositiveInt"), "int"
    ),
    **dict.fromkeys(
        ("StrictFloat", "PositiveFloat", "NegativeFloat", "NonNegativeFloat", "FiniteFloat"),
        "float",
    ),
    "StrictStr": "str",
    "StrictBool": "bool",
    "StrictBytes": "bytes",
    **{f"UUID{n}": "UUID" for n in range(1, 9)},
    "Json": "JsonValue",
    "IPvAnyAddress": "IPv4Address | IPv6Address",
    "IPvAnyInterface": "IPv4Interface | IPv6Interface",
    "IPvAnyNetwork": "IPv4Network | IPv6Network",
}
#: ``embedded``: a Row variant with embedded related rows (the ``embedded_rows`` option).
_ROLE = {"row": "row", "insert": "insert", "update": "update", "embedded": "embedded"}
#: Roles of the classes generated for a function (see :func:`_placement`).
_FUNCTION_ROLES = frozenset({"args", "result"})
#: Names in a canonical annotation, outside the string literals of a ``Literal``.
_NAME = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[A-Za-z_]\w*")
_INNER_NONE = re.compile(r" \| None(?=[\],])")


#: ``expected(target, relations)``: what ``run`` would generate for a target, every class
#: named, with fields only for ``relations`` (``schema.name``), as fields cost time.
Expected = Callable[[str, frozenset[str]], ModelSet]


@dataclass(frozen=True)
class Placement:
    """The database object a local class stands for."""

    #: ``row``, ``insert``, ``update``, ``embedded``, ``composite`` or ``enum``; ``args`` or
    #: ``result`` for a function's classes, whose ``name`` is ``name(identity arguments)``.
    role: str
    schema: str
    name: str

    @property
    def path(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class Finding:
    """A change found in code, and the ``file:line`` of the class it concerns."""

    change: Change
    where: str


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _placement(cls: ClassModel) -> Placement:
    """The database object a generated class stands for. A function's classes stand for
    the function, named with its arguments so overloads stay apart (the differ's path)."""
    if cls.function is not None:
        fn = cls.function
        return Placement(cls.kind, fn.schema, f"{fn.name}({fn.identity_arguments})")
    return Placement(_ROLE.get(cls.kind, "composite"), cls.schema, cls.db_name)


class _Index:
    """Class names of one schema's models, exact and loose, mapped to database objects."""

    def __init__(self, models: ModelSet) -> None:
        self.exact: dict[str, Placement] = {}
        loose: dict[str, set[Placement]] = {}
        for cls in models.classes:
            self.exact[cls.name] = _placement(cls)
        for enum in models.enums:
            self.exact[enum.name] = Placement("enum", enum.schema, enum.db_name)
        schema = models.schema
        named: list[tuple[str, str, str]] = [("enum", e.schema, e.name) for e in schema.enums]
        named += [("composite", c.schema, c.name) for c in schema.composite_types]
        named += [("row", r.schema, r.name) for r in schema.relations if r.partition_of is None]
        for role, schema_name, name in named:
            place = Placement(role, schema_name, name)
            words = pascal_case(name)
            for spelling in {words, singular(words)}:
                loose.setdefault(_key(spelling), set()).add(place)
        # Only unambiguous loose names place anything.
        self.loose = {key: next(iter(p)) for key, p in loose.items() if len(p) == 1}

    def place(self, name: str) -> Placement | None:
        return self.exact.get(name) or self.loose.get(_key(name))


def _overrides(model_names: Mapping[str, str]) -> dict[str, Placement]:
    """``model_names`` from the config: ``Class = "schema.name"`` or ``"schema.name:insert"``."""
    placements: dict[str, Placement] = {}
    for cls, target in model_names.items():
        qualified, _, role = target.partition(":")
        schema, _, name = qualified.partition(".")
        placements[cls] = Placement(role or "row", schema, name)
    return placements


def _members(annotation: str) -> tuple[set[str], bool] | None:
    """The union members of an annotation without ``None``, and whether ``None`` is one."""
    try:
        members = union_members(canonical_annotation(annotation))
    except SyntaxError:
        return None
    expanded: set[str] = set()
    for member in members:
        expanded.update(union_members(_SAME.get(member, member)))
    # Array elements are nullable in PostgreSQL whatever the column says; hand-written
    # ``list[str]`` for ``text[]`` is the norm, so element nullability is not compared.
    loose = {_INNER_NONE.sub("", member) for member in expanded}
    return loose - {"None"}, "None" in loose


class _Checker:
    def __init__(
        self,
        schema: ir.Schema,
        expected: Expected,
        previous: ir.Schema | None,
        previous_models: Expected | None,
        model_names: Mapping[str, str],
    ) -> None:
        self.schema = schema
        self.expected = expected
        self.previous = previous
        self.previous_models = previous_models
        self.overrides = _overrides(model_names)
        self.indexes: dict[tuple[str, bool], _Index] = {}
        self.findings: list[Finding] = []
        #: What a type name in an annotation stands for: enums (placed classes, generated
        #: names, Literal aliases) become the Literal of their labels, composite and row
        #: classes the object they were placed on (see :meth:`resolve`).
        self.names: dict[str, str] = {}
        #: ``schema.name`` of every relation a local class was placed on.
        self.compared: frozenset[str] = frozenset()
        #: What validating emitters write for a column whose CHECK lists its values
        #: (``Literal[1, 2, 3]`` for ``CHECK (x IN (1, 2, 3))``), by path, canonical.
        self.narrowed: dict[str, frozenset[str]] = {}
        self.validation = Validation(schema, wrapper="Field")

    def index(self, target: str, *, old: bool = False) -> _Index:
        key = (target, old)
        if key not in self.indexes:
            source = self.previous_models if old else self.expected
            assert source is not None
            self.indexes[key] = _Index(source(target, frozenset()))
        return self.indexes[key]

    def place(self, model: LocalModel, target: str) -> Placement | None:
        if model.name in self.overrides:
            return self.overrides[model.name]
        found = self.index(target).place(model.name)
        if found is None and self.previous_models is not None:
            found = self.index(target, old=True).place(model.name)
        if found is None:
            return None
        # An enum class must land on an enum, a model class on a relation or composite.
        is_enum = model.kind in ("enum", "literal")
        return found if (found.role == "enum") == is_enum else None

    def report(  # noqa: PLR0917 - mirrors Change's fields, in its order
        self, model: LocalModel, kind: str, path: str, before: object, after: object, message: str
    ) -> None:
        change = Change(kind=kind, path=path, before=before, after=after, message=message)
        self.findings.append(Finding(change, f"{model.path}:{model.line}"))

    # --- enums ----------------------------------------------------------------------------

    def enum(self, model: LocalModel, place: Placement) -> None:
        try:
            enum = self.schema.enum(place.schema, place.name)
        except KeyError:
            self.report(
                model,
                "enum.removed",
                place.path,
                list(model.values),
                None,
                f"{model.name} stands for an enum the database no longer has",
            )
            return
        self.labels(model, place.path, model.values, enum.labels)

    def labels(
        self, model: LocalModel, path: str, code: Sequence[str], database: Sequence[str]
    ) -> None:
        for label in database:
            if label not in code:
                self.report(
                    model,
                    "enum.label_added",
                    f"{path}.{label}",
                    None,
                    label,
                    f"label {label!r} is missing from {model.name}",
                )
        for label in code:
            if label not in database:
                self.report(
                    model,
                    "enum.label_removed",
                    f"{path}.{label}",
                    label,
                    None,
                    f"{model.name} has label {label!r}, which the database has not",
                )
        kept_code = [label for label in code if label in database]
        kept_db = [label for label in database if label in code]
        if kept_code != kept_db:
            self.report(
                model,
                "enum.labels_reordered",
                path,
                list(code),
                list(database),
                f"{model.name} lists the labels in another order",
            )

    # --- classes --------------------------------------------------------------------------

    def embedded(self, model: LocalModel, place: Placement, target: str) -> None:
        """A Row variant with embedded rows stands for its table's row: its columns are
        compared as the Row's are. The keys of embedded rows are left out when ``run`` would
        write them; any other key is a column the table lacks."""
        expected = next(
            (c for c in self.expected(target, self.compared).classes if _placement(c) == place),
            None,
        )
        embeds: set[str] = set()
        if expected is not None:
            embeds = {f.db_name for f in expected.fields if f.embedding}
        columns = tuple(f for f in model.fields if (f.alias or f.name) not in embeds)
        row = Placement("row", place.schema, place.name)
        self.cls(msgspec.structs.replace(model, fields=columns), row, target)

    def cls(self, model: LocalModel, place: Placement, target: str) -> None:
        expected = next(
            (c for c in self.expected(target, self.compared).classes if _placement(c) == place),
            None,
        )
        if place.role in _FUNCTION_ROLES:
            self.function_cls(model, place, expected)
            return
        if expected is None:
            self.missing_class(model, place)
            return
        prefix = "attribute" if place.role == "composite" else "column"
        relation = expected.relation
        wanted = {f.db_name: f for f in expected.fields}
        self.note_literals(place.path, relation, wanted.values())
        seen: set[str] = set()
        for local in model.fields:
            wire = local.alias or local.name
            seen.add(wire)
            path = f"{place.path}.{wire}"
            if wire in wanted:
                self.field(model, path, prefix, local, wanted[wire], place.role)
                continue
            column = (
                next((c for c in relation.columns if c.name == wire), None) if relation else None
            )
            if column is None:
                self.report(
                    model,
                    f"{prefix}.removed",
                    path,
                    local.annotation,
                    None,
                    f"{model.name}.{local.name} has no {prefix} in the database",
                )
            else:
                # The column exists but writes may not set it: identity always or generated.
                kind = "column.generated_changed" if column.generated else "column.identity_changed"
                self.report(
                    model,
                    kind,
                    path,
                    local.annotation,
                    None,
                    f"{model.name}.{local.name}: the database fills this column in; "
                    "writes may not set it",
                )
        for wire, field in wanted.items():
            if wire in seen:
                continue
            required = place.role == "insert" and field.required
            kind = f"{prefix}.added_required" if required else f"{prefix}.added"
            if prefix == "attribute":
                kind = "attribute.added"
            self.report(
                model,
                kind,
                f"{place.path}.{wire}",
                None,
                field.full_annotation,
                f"{model.name} has no field for {wire!r}"
                + (", which inserts must set" if required else ""),
            )

    def function_cls(
        self, model: LocalModel, place: Placement, expected: ClassModel | None
    ) -> None:
        """A function's arguments or result-row class, in the differ's function kinds."""
        if expected is None:
            self.report(
                model, "function.removed", place.path, model.name, None,
                f"{model.name} stands for a function the database no longer has",
            )  # fmt: skip
            return
        args = place.role == "args"
        wanted = {f.db_name: f for f in expected.fields}
        local = {f.alias or f.name: f for f in model.fields}
        for wire, field in local.items():
            path = f"{place.path}.{wire}"
            if wire not in wanted:
                kind = "function.argument_removed" if args else "function.result_changed"
                self.report(
                    model, kind, path, field.annotation, None,
                    f"{model.name}.{field.name} is no {'argument' if args else 'column'} "
                    "of the function",
                )  # fmt: skip
                continue
            want = wanted[wire]
            members = _members(field.annotation)
            same = members is not None and self.same_types(
                model, path, members[0], (_members(want.annotation) or (set(), False))[0], want
            )
            if not same:
                kind = "function.argument_type_changed" if args else "function.result_changed"
                self.report(
                    model, kind, path, field.annotation, want.full_annotation,
                    f"{model.name}.{field.name} is {field.annotation}; the function's is "
                    f"{want.type.sql} ({want.full_annotation})",
                )  # fmt: skip
            if args and field.required != want.required:
                event = "removed" if want.required else "added"
                self.report(
                    model, f"function.argument_default_{event}", path,
                    "required" if field.required else "optional",
                    "required" if want.required else "optional",
                    f"{model.name}.{field.name} is "
                    f"{'required' if field.required else 'optional'}; the function's default "
                    f"was {event}",
                )  # fmt: skip
        for wire, want in wanted.items():
            if wire in local:
                continue
            if args:
                kind = f"function.argument_added_{'required' if want.required else 'optional'}"
            else:
                kind = "function.result_changed"
            self.report(
                model, kind, f"{place.path}.{wire}", None, want.full_annotation,
                f"{model.name} has no field for {wire!r}",
            )  # fmt: skip

    def missing_class(self, model: LocalModel, place: Placement) -> None:
        if place.role == "composite":
            self.report(
                model,
                "composite.removed",
                place.path,
                model.name,
                None,
                f"{model.name} stands for a composite type the database no longer has",
            )
            return
        try:
            relation = self.schema.relation(place.schema, place.name)
        except KeyError:
            kind = "table.removed"
            if self.previous is not None:
                old = next(
                    (r for r in self.previous.relations if r.qualified_name == place.path), None
                )
                if old is not None:
                    kind = f"{'table' if old.kind == 'partitioned_table' else old.kind}.removed"
            self.report(
                model,
                kind,
                place.path,
                model.name,
                None,
                f"{model.name} stands for a relation the database no longer has",
            )
            return
        self.report(
            model,
            "view.read_only",
            place.path,
            model.name,
            None,
            f"{model.name} writes to {relation.kind.replace('_', ' ')} "
            f"{relation.qualified_name}, which no longer accepts {place.role}s",
        )

    def field(  # noqa: PLR0917 - one field pair with its context
        self,
        model: LocalModel,
        path: str,
        prefix: str,
        local: LocalField,
        wanted: FieldModel,
        role: str,
    ) -> None:
        code = _members(local.annotation)
        if code is None:
            self.report(
                model,
                "field.unreadable",
                path,
                local.annotation,
                wanted.full_annotation,
                f"{model.name}.{local.name}: annotation is not a Python expression",
            )
            return
        code_types, code_nullable = code
        expected = _members(wanted.annotation)
        assert expected is not None
        db_types = expected[0]
        # Writes may always leave out a nullable value; Update keys are all optional. An
        # optional field of an Insert typed ``T | None`` (``= None`` in Pydantic) means
        # "leave the column out, the database fills it in": not a claim that it takes NULL.
        optional_write = role == "update" or (role == "insert" and not local.required)
        if code_nullable != wanted.nullable and not (optional_write and code_nullable):
            kind = f"{prefix}.made_nullable" if wanted.nullable else f"{prefix}.made_not_null"
            self.report(
                model,
                kind,
                path,
                local.annotation,
                wanted.full_annotation,
                f"{model.name}.{local.name} is {local.annotation}; the database "
                + ("allows NULL" if wanted.nullable else "does not allow NULL"),
            )
        if not self.same_types(model, path, code_types, db_types, wanted):
            self.report(
                model,
                f"{prefix}.type_changed",
                path,
                local.annotation,
                wanted.full_annotation,
                f"{model.name}.{local.name} is {local.annotation}; the database "
                f"column is {wanted.type.sql} ({wanted.full_annotation})",
            )
        if role == "insert" and wanted.required != local.required:
            self.insert_requirement(model, path, local, wanted, code_nullable)

    def insert_requirement(
        self,
        model: LocalModel,
        path: str,
        local: LocalField,
        wanted: FieldModel,
        code_nullable: bool,
    ) -> None:
        """An Insert field required on one side only, named by its cause.

        A field turns optional because the column lost NOT NULL or gained a default, and
        required because it gained NOT NULL or lost its default: the kind says which, so a
        dropped NOT NULL is never reported as a default added.
        """
        was_nullable = self.previous_nullable(path)
        if was_nullable is None:
            was_nullable = code_nullable
        if wanted.required:
            if was_nullable:
                kind, message = "column.made_not_null", "the database no longer allows NULL"
            else:
                kind, message = "column.default_removed_required", "the database has no default"
            before, after = "optional", "required"
            text = f"{model.name}.{local.name} is optional; inserts must set it: {message}"
        else:
            if wanted.nullable and not was_nullable:
                # The nullability check above already said so, in these words.
                return
            kind, before, after = "column.default_added", "required", "optional"
            text = f"{model.name}.{local.name} is required; the database has a default"
        self.report(model, kind, path, before, after, text)

    def previous_nullable(self, path: str) -> bool | None:
        """Whether the lock's schema had the column at ``path`` nullable (``None``: unknown)."""
        if self.previous is None:
            return None
        for relation in self.previous.relations:
            prefix = relation.qualified_name + "."
            if path.startswith(prefix):
                name = path[len(prefix) :]
                for column in relation.columns:
                    if column.name == name:
                        return column.nullable
        return None

    def note_literals(
        self, path: str, relation: ir.Relation | None, fields: Iterable[FieldModel]
    ) -> None:
        """Remember the ``Literal`` each field's CHECK constraints give, with and without
        NOT VALID ones (emitters choose), so a field read back with it is no type change."""
        checks = self.validation.single_column_checks(relation)
        for field in fields:
            spellings: set[str] = set()
            for enforced_only in (True, False):
                annotation, _ = self.validation.value(
                    field.type,
                    field.annotation,
                    checks=checks.get(field.db_name, ()),
                    column=field.db_name,
                    enforced_only=enforced_only,
                )
                if annotation != field.annotation and "Literal[" in annotation:
                    spellings.add(canonical_annotation(annotation))
            if spellings:
                self.narrowed[f"{path}.{field.db_name}"] = frozenset(spellings)

    def resolve(self, member: str) -> str:
        """``member`` with every name of an enum, Literal alias, composite or row class
        replaced by what it stands for, so spellings of one type compare equal."""
        return _NAME.sub(lambda m: self.names.get(m.group(0), m.group(0)), member)

    def same_types(
        self, model: LocalModel, path: str, code: set[str], database: set[str], wanted: FieldModel
    ) -> bool:
        if code & {"Any", "object"} or database == {"JsonValue"}:
            return True
        resolved_code = {self.resolve(m) for m in code}
        resolved_db = {self.resolve(m) for m in database}
        element = wanted.type
        if element.kind == "enum" and not element.is_array and len(code) == 1:
            (member,) = resolved_code
            if member == "str":
                return True  # labels are strings: imprecise, not wrong
            values = _literal_values(member) if member.startswith("Literal[") else None
            if values is not None:
                # Label changes name themselves; only membership is compared, as the
                # canonical form of a Literal sorts its members.
                enum = self.schema.enum(element.schema, element.name)
                self.labels(
                    model, f"{enum.schema}.{enum.name}", sorted(values), sorted(enum.labels)
                )
                return True
        narrowed = self.narrowed.get(path, frozenset())
        if narrowed:
            # The values a CHECK allows, as validating emitters write them: the column's type.
            resolved_code = {
                wanted.annotation if member in narrowed else member for member in resolved_code
            }
            resolved_db |= {wanted.annotation}
        if resolved_code <= resolved_db:
            return True
        # JSON numbers: an int is a float to type checkers.
        return resolved_db == {"float"} and resolved_code <= {"float", "int"}


def _literal(values: Iterable[str]) -> str:
    """The canonical ``Literal[...]`` of ``values``."""
    return "Literal[" + ", ".join(repr(v) for v in sorted(set(values))) + "]"


def _stands_for(schema: ir.Schema, place: Placement) -> str:
    if place.role == "enum":
        try:
            return _literal(schema.enum(place.schema, place.name).labels)
        except KeyError:
            pass  # dropped: its own report says so
    return f"{place.role}:{place.path}"


def _literal_values(member: str) -> list[str] | None:
    node = ast.parse(member, mode="eval").body
    if not isinstance(node, ast.Subscript):
        return None
    values = string_values(node)
    return list(values) if values is not None else None


def compare_code(
    models: Iterable[LocalModel],
    schema: ir.Schema,
    expected: Expected,
    *,
    target_of: Callable[[LocalModel], str],
    previous: ir.Schema | None = None,
    previous_models: Expected | None = None,
    model_names: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Changes between the committed ``models`` and ``schema``.

    :param expected: the model set ``run`` would generate from ``schema`` for a target, with
        the fields of the named relations only (see :data:`Expected`).
    :param target_of: the target whose naming rules place a local model (the emitter that
        recognised it, or the project's first).
    :param previous: the lock's schema, so classes for objects since dropped are placed too.
    :param previous_models: ``expected`` for ``previous``.
    :param model_names: ``model_names`` from the config.
    """
    checker = _Checker(schema, expected, previous, previous_models, model_names or {})
    placed: list[tuple[LocalModel, Placement, str]] = []
    for model in models:
        target = target_of(model)
        place = checker.place(model, target)
        if place is None and model.kind == "literal":
            # A type alias, not a model: it stands for its own values where a field uses it.
            checker.names[model.name] = _literal(model.values)
            continue
        if place is None:
            what = "enum" if model.kind == "enum" else "model"
            checker.report(
                model,
                UNMATCHED,
                model.name,
                model.name,
                None,
                f"{what} {model.name} matches no table, view, enum or composite type; "
                "map it with model_names in the config",
            )
            continue
        placed.append((model, place, target))
        checker.names[model.name] = _stands_for(schema, place)
    # Generated names resolve like local ones.
    for target in {target for _, _, target in placed}:
        expected_set = checker.expected(target, frozenset())
        for enum in expected_set.enums:
            place = Placement("enum", enum.schema, enum.db_name)
            checker.names.setdefault(enum.name, _stands_for(schema, place))
        for cls in expected_set.classes:
            if cls.kind in ("composite", "row", "result"):
                checker.names.setdefault(cls.name, _stands_for(schema, _placement(cls)))
    checker.compared = frozenset(
        place.path
        for _, place, _ in placed
        if place.role in ("row", "insert", "update", "embedded")
    )
    for model, place, target in placed:
        if place.role == "enum":
            checker.enum(model, place)
        elif place.role == "embedded":
            checker.embedded(model, place, target)
        else:
            checker.cls(model, place, target)
    unique: dict[tuple[str, str], Finding] = {}
    for finding in checker.findings:
        unique.setdefault((finding.change.kind, finding.change.path), finding)
    return list(unique.values())
