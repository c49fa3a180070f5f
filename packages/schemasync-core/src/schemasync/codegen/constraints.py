"""Validation the database enforces, as field constraints of validating targets (pydantic
``Field``, msgspec ``Meta``: both name them ``ge``, ``max_length``...).

Three sources: type modifiers (``varchar(n)``, ``char(n)``: ``max_length``; ``numeric(p,s)``:
``max_digits`` / ``decimal_places``), the CHECK constraints of domains, and the CHECK
constraints of a single column. CHECK expressions are parsed with pglast (PostgreSQL's own
parser) and translated only when every part of them has one of these shapes::

    x >= 0, x < 10, 0 <= x          ge / gt / le / lt (numbers)
    x BETWEEN 1 AND 5               (PostgreSQL stores it as two comparisons)
    length(x) <= 80                 min_length / max_length (also char_length)
    x IN ('a', 'b'), x = 'a'        a Literal of the values (text and integers)

joined with AND. Anything else (OR, NOT, <>, regular expressions, other functions, other
columns) leaves the whole CHECK out: the database still enforces it, the model never
guesses.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from schemasync import ir
from schemasync.codegen.model import element_type
from schemasync.codegen.pysource import code_names

__all__ = ["Constraints", "Validation", "translate_check", "type_constraints", "unshadowed"]

#: Casts that change nothing about a value of each Python type, so a CHECK may be read
#: through them (``(name)::text``, ``(VALUE)::integer``). Any other cast could round or
#: truncate, and leaves the CHECK out.
_IDENTITY_CASTS = {
    "str": frozenset({"text", "varchar"}),
    "int": frozenset({"int2", "int4", "int8"}),
    "Decimal": frozenset({"numeric"}),
    "float": frozenset({"float4", "float8"}),
}
_NUMBER_TYPES = frozenset({"int", "float", "Decimal"})
_NUMERIC_CASTS = frozenset({"int2", "int4", "int8", "numeric", "float4", "float8"})
_FLIP = {">=": "<=", "<=": ">=", ">": "<", "<": ">", "=": "="}
_BOUND = {">=": "ge", ">": "gt", "<=": "le", "<": "lt"}
_LENGTH_FUNCTIONS = frozenset({"length", "char_length", "character_length"})


@dataclass(frozen=True)
class Constraints:
    """Field constraints of one value; ``None`` where there is none."""

    ge: Decimal | None = None
    gt: Decimal | None = None
    le: Decimal | None = None
    lt: Decimal | None = None
    min_length: int | None = None
    max_length: int | None = None
    max_digits: int | None = None
    decimal_places: int | None = None
    #: NaN and infinities, which an unconstrained ``numeric`` holds and pydantic refuses
    #: by default.
    allow_inf_nan: bool | None = None
    #: The only values allowed (``IN (...)``), in the order the CHECK lists them.
    literals: tuple[str | int, ...] | None = None

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))

    def merge(self, other: Constraints) -> Constraints:
        """Both at once: the tighter of each bound, the values both allow."""
        changes: dict[str, Any] = {}
        for name, tighter in (("ge", max), ("gt", max), ("le", min), ("lt", min)):
            mine, theirs = getattr(self, name), getattr(other, name)
            changes[name] = (
                theirs if mine is None else mine if theirs is None else tighter(mine, theirs)
            )
        for name, tighter in (("min_length", max), ("max_length", min), ("max_digits", min)):
            mine, theirs = getattr(self, name), getattr(other, name)
            changes[name] = (
                theirs if mine is None else mine if theirs is None else tighter(mine, theirs)
            )
        changes["allow_inf_nan"] = self.allow_inf_nan or other.allow_inf_nan
        places = [p for p in (self.decimal_places, other.decimal_places) if p is not None]
        changes["decimal_places"] = min(places) if places else None
        if self.literals is None or other.literals is None:
            changes["literals"] = self.literals if other.literals is None else other.literals
        else:
            changes["literals"] = tuple(v for v in self.literals if v in other.literals)
        return replace(self, **changes)

    def arguments(self, annotation: str, *, decimal: bool = True) -> list[str]:
        """``name=value`` constraint arguments for a value annotated ``annotation``: only
        those that apply to that type (a type override may have changed it).

        :param decimal: include those of ``Decimal`` values (pydantic checks bounds, digits
            and NaN of a Decimal; msgspec refuses any constraint on one).
        """
        args: list[str] = []
        if annotation == "Decimal" and not decimal:
            return args
        if annotation in _NUMBER_TYPES:
            for name in ("ge", "gt", "le", "lt"):
                bound = getattr(self, name)
                if bound is not None:
                    args.append(f"{name}={_number(bound, annotation)}")
        if annotation == "str":
            args += [
                f"{n}={getattr(self, n)}"
                for n in ("min_length", "max_length")
                if getattr(self, n) is not None
            ]
        if annotation == "Decimal" and self.allow_inf_nan:
            args.append("allow_inf_nan=True")
        if annotation == "Decimal":
            args += [
                f"{n}={getattr(self, n)}"
                for n in ("max_digits", "decimal_places")
                if getattr(self, n) is not None
            ]
        return args

    def literal(self, annotation: str) -> tuple[str | int, ...] | None:
        """The allowed values, when they fit ``annotation`` (text or integers)."""
        if self.literals is None:
            return None
        wanted = str if annotation == "str" else int if annotation == "int" else None
        if wanted is None or not all(type(v) is wanted for v in self.literals):
            return None
        return self.literals


def _number(value: Decimal, annotation: str) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    # A float column compares with the binary float PostgreSQL reads the constant as; the
    # others compare exactly, which a Decimal does and a float literal would not.
    return repr(float(value)) if annotation == "float" else f'Decimal("{value}")'


def type_constraints(ref: ir.TypeRef) -> Constraints:
    """What the type modifiers of ``ref`` (an element type) enforce."""
    if ref.schema != "pg_catalog":
        return Constraints()
    if ref.name == "numeric" and not ref.modifiers:
        return Constraints(allow_inf_nan=True)
    if not ref.modifiers:
        return Constraints()
    if ref.name in ("varchar", "bpchar"):
        return Constraints(max_length=ref.modifiers[0])
    if ref.name == "numeric" and len(ref.modifiers) == 2:
        precision, scale = ref.modifiers
        # PostgreSQL 15 also allows a negative scale, or one above the precision, which
        # max_digits / decimal_places cannot say.
        if 0 <= scale <= precision:
            return Constraints(max_digits=precision, decimal_places=scale)
    return Constraints()


@functools.lru_cache(maxsize=4096)
def translate_check(
    expression: str, column: str, annotation: str, *, padded: bool = False
) -> Constraints | None:
    """The constraints of CHECK ``expression`` on ``column`` (``value`` for a domain), whose
    values have the Python type ``annotation``; ``None`` when it does not translate.

    Cached: the same check is asked for by every class of its table (Row, Insert, Update)
    and by every emitter of a run, and parsing it is most of the cost. ``Constraints`` is
    frozen, so sharing the answer is safe.

    :param padded: the column is ``char(n)``, whose ``length`` ignores the padding its
        values carry, so length checks cannot be compared with them.
    """
    from pglast.parser import ParseError, parse_sql_json

    try:
        # The parser's JSON, read into light nodes: five times faster than pglast's own
        # tree, whose nodes check every field they are given.
        tree = json.loads(parse_sql_json(f"SELECT {expression}"), object_hook=_node)
    except ParseError:
        return None
    (target,) = tree["stmts"][0]["stmt"].targetList
    return _Translator(column, annotation, padded).translate(target.val)


class _Node:
    """A node of the parser's JSON tree: what it is (``_tag``, the name pglast's tree gives
    its class) and its fields, read as attributes. The JSON leaves out a field at its
    default (no node, zero, false, an empty text), read here as ``None``."""

    __slots__ = ("_fields", "_tag")

    def __init__(self, tag: str, fields: dict[str, Any]) -> None:
        self._tag = tag
        self._fields = fields

    def __getattr__(self, name: str) -> Any:
        return self._fields.get(name)

    def tagged(self, name: str) -> bool:
        return self._tag == name


def _node(value: dict[str, Any]) -> Any:
    """A JSON object of the parser's tree as :func:`translate_check` reads it: one keyed by
    a node's type (``{"A_Expr": {...}}``) is that node, a list node is its items (as in
    pglast's tree); any other object (the statement list, a constant's value) stays as it
    is. Objects come innermost first, so a node's fields are converted already."""
    if len(value) == 1:
        ((tag, fields),) = value.items()
        if tag[:1].isupper() and isinstance(fields, dict):
            members = cast("dict[str, Any]", fields)
            return tuple(members.get("items", ())) if tag == "List" else _Node(tag, members)
    return value


class _Translator:
    def __init__(self, column: str, annotation: str, padded: bool) -> None:
        self.column = column
        self.annotation = annotation
        self.padded = padded

    def translate(self, node: Any) -> Constraints | None:
        if _is(node, "BoolExpr"):
            if node.boolop != "AND_EXPR":
                return None
            result = Constraints()
            for arg in node.args:
                part = self.translate(arg)
                if part is None:
                    return None
                result = result.merge(part)
            return result
        if not _is(node, "A_Expr") or len(node.name) != 1:
            return None
        operator = node.name[0].sval
        if node.kind in ("AEXPR_OP_ANY", "AEXPR_IN") and operator == "=":
            return self._in(node.lexpr, node.rexpr)
        if node.kind != "AEXPR_OP" or operator not in _FLIP or node.lexpr is None:
            return None
        left, right = node.lexpr, node.rexpr
        if not self._is_subject(left) and not self._is_length(left):
            left, right, operator = right, left, _FLIP[operator]
        if operator == "=":
            return self._in(left, right)
        if self._is_subject(left) and self.annotation in _NUMBER_TYPES:
            bound = _constant_number(right)
            bounds: dict[str, Any] = {_BOUND[operator]: bound}
            return None if bound is None else Constraints(**bounds)
        if self._is_length(left) and self.annotation == "str" and not self.padded:
            length = _constant_number(right)
            if length is None or length != length.to_integral_value():
                return None
            n = int(length)
            return {
                ">=": Constraints(min_length=n),
                ">": Constraints(min_length=n + 1),
                "<=": Constraints(max_length=n),
                "<": Constraints(max_length=n - 1),
            }[operator]
        return None

    def _is_subject(self, node: Any) -> bool:
        if _is(node, "TypeCast"):
            if _type_name(node.typeName) not in _IDENTITY_CASTS.get(self.annotation, ()):
                return False
            node = node.arg
        return (
            _is(node, "ColumnRef")
            and len(node.fields) == 1
            and _is(node.fields[0], "String")
            and node.fields[0].sval == self.column
        )

    def _is_length(self, node: Any) -> bool:
        return (
            _is(node, "FuncCall")
            and [n.sval for n in node.funcname][-1:] in ([f] for f in _LENGTH_FUNCTIONS)
            and len(node.funcname) <= 2
            and node.args is not None
            and len(node.args) == 1
            and self._is_subject(node.args[0])
        )

    def _in(self, subject: Any, values: Any) -> Constraints | None:
        if not self._is_subject(subject) or self.annotation not in ("str", "int") or self.padded:
            return None
        if _is(values, "TypeCast"):
            values = values.arg
        items = values.elements if _is(values, "A_ArrayExpr") else values
        if not isinstance(items, (tuple, list)):
            items = (items,)
        found: list[str | int] = []
        for item in items:  # pyright: ignore[reportUnknownVariableType]
            if self.annotation == "str":
                text = _constant_text(item)
                if text is None:
                    return None
                found.append(text)
                continue
            number = _constant_number(item)
            if number is None or number != number.to_integral_value():
                return None
            found.append(int(number))
        return Constraints(literals=tuple(dict.fromkeys(found)))


def _is(node: object, name: str) -> bool:
    """Whether ``node`` is the parser's node ``name``. Nodes stay ``Any``: the parser may
    leave out any field, which the shapes matched here rule out."""
    return isinstance(node, _Node) and node.tagged(name)


def _type_name(type_name: dict[str, Any]) -> str:
    """The last part of a cast's type name (the JSON writes a field that can hold only a
    type name as a plain object)."""
    return str(type_name["names"][-1].sval)


def _constant_number(node: Any) -> Decimal | None:
    negate = False
    if _is(node, "A_Expr") and node.lexpr is None and [n.sval for n in node.name] == ["-"]:
        negate, node = True, node.rexpr
    if _is(node, "TypeCast"):
        if _type_name(node.typeName) not in _NUMERIC_CASTS:
            return None
        node = node.arg
    if not _is(node, "A_Const") or node.isnull:
        return None
    # A constant holds one value, keyed by its kind; the JSON leaves out a zero or an
    # empty text, so the key's object may be empty.
    text = (
        str(node.ival.get("ival", 0)) if node.ival is not None
        else node.fval.get("fval") if node.fval is not None
        else node.sval.get("sval", "") if node.sval is not None
        else None
    )  # fmt: skip
    if text is None:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    return -number if negate else number


def _constant_text(node: Any) -> str | None:
    if _is(node, "TypeCast"):
        if _type_name(node.typeName) not in ("text", "varchar", "bpchar"):
            return None
        node = node.arg
    if _is(node, "A_Const") and not node.isnull and node.sval is not None:
        return str(node.sval.get("sval", ""))
    return None


class Validation:
    """Constraints and annotations of the fields of one schema, for a target that wraps
    constrained array elements as ``Annotated[T, wrapper(arguments)]``.

    :param wrapper: the call holding constraints in ``Annotated`` (``Field``, ``Meta``).
    :param decimal: whether the target constrains ``Decimal`` values (see
        :meth:`Constraints.arguments`).
    """

    def __init__(self, schema: ir.Schema, *, wrapper: str, decimal: bool = True) -> None:
        self.domains = {(d.schema, d.name): d for d in schema.domains}
        self.wrapper = wrapper
        self.decimal = decimal
        # A table's row, insert and update classes ask for the same columns: see value().
        self._values: dict[tuple[object, ...], tuple[str, tuple[str, ...]]] = {}

    def _chain(self, ref: ir.TypeRef) -> tuple[list[ir.Domain], ir.TypeRef]:
        chain: list[ir.Domain] = []
        while not ref.is_array and (ref.schema, ref.name) in self.domains:
            domain = self.domains[(ref.schema, ref.name)]
            chain.append(domain)
            ref = domain.base_type
        return chain, ref

    def value(
        self,
        ref: ir.TypeRef,
        annotation: str,
        *,
        checks: Iterable[ir.CheckConstraint] = (),
        column: str = "value",
        enforced_only: bool,
    ) -> tuple[str, list[str]]:
        """The annotation of a non-null value of ``ref`` (core annotation ``annotation``)
        with element constraints and ``Literal`` values applied, and the constraint
        arguments of the value itself.

        :param checks: CHECK constraints on ``column`` alone.
        :param enforced_only: leave out constraints marked NOT VALID, which rows already
            in the table may break.
        """
        on_column = tuple(checks)
        key = (ref, annotation, on_column, column, enforced_only)
        if key not in self._values:
            found, args = self._value(ref, annotation, on_column, column, enforced_only)
            self._values[key] = found, tuple(args)
        found, arguments = self._values[key]
        return found, list(arguments)

    def _value(
        self,
        ref: ir.TypeRef,
        annotation: str,
        checks: Iterable[ir.CheckConstraint],
        column: str,
        enforced_only: bool,
    ) -> tuple[str, list[str]]:
        chain, base = self._chain(ref)
        if base.is_array:
            # Constraints of the elements go inside the list, where the core's annotation
            # has the usual shape; an override that changed it gets none.
            prefix, suffix = "list[" * base.array_dims, " | None]" * base.array_dims
            if not (annotation.startswith(prefix) and annotation.endswith(suffix)):
                return annotation, []
            inner = annotation[len(prefix) : len(annotation) - len(suffix)]
            inner, args = self.value(element_type(base), inner, enforced_only=enforced_only)
            if args:
                inner = f"Annotated[{inner}, {self.wrapper}({', '.join(args)})]"
            return prefix + inner + suffix, []
        result = type_constraints(base)
        padded = base.schema == "pg_catalog" and base.name == "bpchar"
        found: list[Constraints | None] = []
        for domain in chain:
            found += [
                translate_check(c.expression, "value", annotation, padded=padded)
                for c in domain.checks
                # NOT ENFORCED checks hold for no row, so models never check them.
                if c.enforced and (c.validated or not enforced_only)
            ]
        found += [
            translate_check(c.expression, column, annotation, padded=padded)
            for c in checks
            if c.enforced and (c.validated or not enforced_only)
        ]
        for constraints in found:
            if constraints is not None:
                result = result.merge(constraints)
        literal = result.literal(annotation)
        if literal is not None:
            from schemasync.codegen.render import py_string

            values = ", ".join(py_string(v) if isinstance(v, str) else str(v) for v in literal)
            return f"Literal[{values}]", []
        return annotation, result.arguments(annotation, decimal=self.decimal)

    def single_column_checks(
        self, relation: ir.Relation | None
    ) -> dict[str, list[ir.CheckConstraint]]:
        """The CHECK constraints of ``relation`` on one column each, by column."""
        checks: dict[str, list[ir.CheckConstraint]] = {}
        if relation is not None:
            for check in relation.check_constraints:
                if len(check.columns) == 1:
                    checks.setdefault(check.columns[0], []).append(check)
        return checks


def unshadowed(attrs: Sequence[str], code: Iterable[str]) -> list[str]:
    """``attrs`` with a trailing ``_`` added to each attribute named like a name ``code``
    (the annotations and defaults of a class body) uses.

    A class body evaluates its annotations and defaults in order: an attribute named like a
    type they use (``date: date``) would shadow it for the fields after it. The wire name
    stays exact in the alias.
    """
    used = {name for text in code for name in code_names(text)}
    taken = used | set(attrs)
    result: list[str] = []
    for name in attrs:
        attr = name
        if attr in used:
            while attr in taken:
                attr += "_"
            taken.add(attr)
        result.append(attr)
    return result
