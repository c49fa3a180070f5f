"""Reading msgspec Structs back from source for drift checks, with ``ast`` only.

A Struct is a top-level class based on ``Struct`` / ``msgspec.Struct`` (however imported)
or on another Struct of the module, whose fields it inherits. Each annotated attribute is a
field, except ``ClassVar`` ones and private names. Its wire name is ``field(name=...)``, else
the class's ``rename=`` (a mapping, or one of msgspec's conventions: ``lower``, ``upper``,
``camel``, ``pascal``, ``kebab``), inherited like msgspec inherits it. Its annotation is
reported without msgspec's wrapping: ``Annotated[...]`` metadata dropped, ``UnsetType``
dropped from unions. It is required unless it has a default (``= value``,
``field(default=...)`` or ``field(default_factory=...)``).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from schemasync.api import LocalField, LocalModel
from schemasync.drift.readback import annotation_text, base_name

__all__ = ["read_structs"]

FLAVOUR = "msgspec"
_UNSET = "UnsetType"


def _camel(name: str) -> str:
    first, *rest = name.strip("_").split("_")
    return first + "".join(word.title() for word in rest)


#: msgspec's ``rename=`` conventions (leading and trailing underscores are stripped first
#: by the ones that join words).
_CONVENTIONS: Mapping[str, Callable[[str], str]] = {
    "lower": str.lower,
    "upper": str.upper,
    "camel": _camel,
    "pascal": lambda n: "".join(w.title() for w in n.strip("_").split("_")),
    "kebab": lambda n: n.strip("_").replace("_", "-"),
}

Rename = Callable[[str], "str | None"]


def _rename(keywords: list[ast.keyword]) -> Rename | None:
    """The class's ``rename=`` as a function of the attribute name; ``None`` if it has none
    (then a base's applies)."""
    for keyword in keywords:
        if keyword.arg != "rename":
            continue
        value = keyword.value
        if isinstance(value, ast.Constant) and value.value is None:
            return lambda _: None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            convention = _CONVENTIONS.get(value.value)
            if convention is not None:
                return convention
        if isinstance(value, ast.Dict):
            mapping = {
                k.value: v.value
                for k, v in zip(value.keys, value.values, strict=True)
                if isinstance(k, ast.Constant)
                and isinstance(k.value, str)
                and isinstance(v, ast.Constant)
                and isinstance(v.value, str)
            }
            return mapping.get
    return None


class _Unwrap(ast.NodeTransformer):
    """``Annotated[T, ...]`` -> ``T`` and ``T | UnsetType`` -> ``T``, wherever nested."""

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        if base_name(node) == "Annotated":
            inner = node.slice
            first = inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
            return self.visit(first)  # type: ignore[no-any-return]
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if base_name(node) in ("Union", "Optional") and any(base_name(a) == _UNSET for a in args):
            kept = [self.visit(a) for a in args if base_name(a) != _UNSET]
            if base_name(node) == "Optional":
                kept.append(ast.Constant(None))
            return _union(kept)
        self.generic_visit(node)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        if not isinstance(node.op, ast.BitOr):
            self.generic_visit(node)
            return node
        kept = [self.visit(m) for m in _members(node) if base_name(m) != _UNSET]
        return _union(kept)


def _members(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _members(node.left) + _members(node.right)
    return [node]


def _union(members: list[ast.expr]) -> ast.expr:
    if not members:
        return ast.Name(_UNSET)
    result = members[0]
    for member in members[1:]:
        result = ast.BinOp(result, ast.BitOr(), member)
    return result


def _annotation(node: ast.expr) -> str:
    return annotation_text(node, _Unwrap().visit)


def _local_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Local names of ``msgspec.Struct`` and of ``msgspec.field`` (``import ... as``)."""
    structs, fields = {"Struct"}, {"field"}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "msgspec":
            for alias in node.names:
                if alias.name == "Struct":
                    structs.add(alias.asname or alias.name)
                elif alias.name == "field":
                    fields.add(alias.asname or alias.name)
    return structs, fields


def _field(stmt: ast.AnnAssign, rename: Rename | None, fields: set[str]) -> LocalField | None:
    assert isinstance(stmt.target, ast.Name)
    name = stmt.target.id
    if name.startswith("_") or base_name(stmt.annotation) == "ClassVar":
        return None
    wire = rename(name) if rename is not None else None
    required = stmt.value is None
    call = stmt.value if isinstance(stmt.value, ast.Call) else None
    if call is not None and base_name(call.func) in fields:
        keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
        required = "default" not in keywords and "default_factory" not in keywords
        given = keywords.get("name")
        if isinstance(given, ast.Constant) and isinstance(given.value, str):
            wire = given.value
    return LocalField(
        name=name,
        alias=wire if wire is not None and wire != name else None,
        annotation=_annotation(stmt.annotation),
        required=required,
    )


def read_structs(tree: ast.Module, path: Path) -> Sequence[LocalModel]:
    """Every msgspec Struct class defined at the top level of ``tree``."""
    # Fields and the rename= each Struct passes on, by class name.
    known: dict[str, tuple[dict[str, ast.AnnAssign], Rename | None]] = {}
    structs, field_names = _local_names(tree)
    found: list[LocalModel] = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        bases = [base_name(b) for b in node.bases]
        if not any(b in structs or b in known for b in bases):
            continue
        statements: dict[str, ast.AnnAssign] = {}
        rename: Rename | None = None
        for base in bases:
            if base in known:
                inherited, base_rename = known[base]
                for key, inherited_stmt in inherited.items():
                    statements.setdefault(key, inherited_stmt)
                rename = rename or base_rename
        rename = _rename(node.keywords) or rename
        for stmt in node.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                # Python's own rule: a subclass's field replaces the base's in place.
                statements[stmt.target.id] = stmt
        known[node.name] = (statements, rename)
        # Fields are read with the class's own rename=, which applies to inherited fields.
        fields = tuple(
            f
            for stmt in statements.values()
            for f in [_field(stmt, rename, field_names)]
            if f is not None
        )
        found.append(
            LocalModel(
                kind="model",
                flavour=FLAVOUR,
                name=node.name,
                path=str(path),
                line=node.lineno,
                fields=fields,
            )
        )
    return found
