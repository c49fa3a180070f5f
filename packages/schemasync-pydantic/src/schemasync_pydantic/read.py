"""Reading Pydantic models back from source code, for drift checks: ``ast`` only, the code
is never imported.

A model is a class whose base is ``BaseModel`` (``pydantic.BaseModel``, any import alias
of it) or another model of the same module, whose fields it inherits. Each annotated
attribute is a field, except ``ClassVar`` ones, private names and ``model_config``. Its
annotation is reported without the pydantic-specific wrapping (``Annotated[...]``
metadata); its alias is the ``alias`` (or a string ``validation_alias``) of its ``Field``;
it is required unless it has a default (``= value``, ``Field(default=...)``,
``Field(default_factory=...)`` or a first positional argument other than ``...``).
Private classes (a leading underscore, like the generated ``_Model``) lend their fields to
subclasses but are not reported.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from pathlib import Path

from schemasync.api import LocalField, LocalModel
from schemasync.drift.readback import annotation_text

__all__ = ["read_models"]

FLAVOUR = "pydantic"


def _pydantic_names(tree: ast.Module) -> tuple[set[str], set[str], set[str]]:
    """Local names of ``BaseModel``, of the ``pydantic`` module and of ``Field``."""
    models, modules, fields = {"BaseModel"}, {"pydantic"}, {"Field"}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "pydantic":
            for alias in node.names:
                if alias.name == "BaseModel":
                    models.add(alias.asname or alias.name)
                elif alias.name == "Field":
                    fields.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            modules.update(a.asname or a.name for a in node.names if a.name == "pydantic")
    return models, modules, fields


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        parent = _dotted(node.value)
        return None if parent is None else f"{parent}.{node.attr}"
    return None


class _StripAnnotated(ast.NodeTransformer):
    """``Annotated[T, ...]`` -> ``T`` and ``T | MISSING`` -> ``T``, wherever nested:
    ``MISSING`` says a write may leave the field out, which ``required`` already says."""

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        name = _dotted(node.value)
        if name is not None and name.rsplit(".", 1)[-1] == "Annotated":
            inner = node.slice
            first = inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
            return self.visit(first)  # type: ignore[no-any-return]
        self.generic_visit(node)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        if isinstance(node.op, ast.BitOr):
            if _is_missing(node.right):
                return self.visit(node.left)  # type: ignore[no-any-return]
            if _is_missing(node.left):
                return self.visit(node.right)  # type: ignore[no-any-return]
        self.generic_visit(node)
        return node


def _is_missing(node: ast.expr) -> bool:
    name = _dotted(node)
    return name is not None and name.rsplit(".", 1)[-1] == "MISSING"


def _annotation(node: ast.expr) -> str:
    return annotation_text(node, _StripAnnotated().visit)


def _is_classvar(node: ast.expr) -> bool:
    target = node.value if isinstance(node, ast.Subscript) else node
    name = _dotted(target)
    return name is not None and name.rsplit(".", 1)[-1] == "ClassVar"


def _field_call(node: ast.expr | None, fields: set[str], modules: set[str]) -> ast.Call | None:
    if not isinstance(node, ast.Call):
        return None
    name = _dotted(node.func)
    if name in fields or (name is not None and name in {f"{m}.Field" for m in modules}):
        return node
    return None


def _field(stmt: ast.AnnAssign, fields: set[str], modules: set[str]) -> LocalField | None:
    assert isinstance(stmt.target, ast.Name)
    name = stmt.target.id
    if name.startswith("_") or name == "model_config" or _is_classvar(stmt.annotation):
        return None
    alias: str | None = None
    required = stmt.value is None
    call = _field_call(stmt.value, fields, modules)
    if call is not None:
        keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
        first = call.args[0] if call.args else None
        has_default = "default" in keywords or "default_factory" in keywords
        required = not has_default and (
            first is None or (isinstance(first, ast.Constant) and first.value is Ellipsis)
        )
        for key in ("alias", "validation_alias"):
            value = keywords.get(key)
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                alias = value.value
                break
    return LocalField(
        name=name,
        alias=alias if alias != name else None,
        annotation=_annotation(stmt.annotation),
        required=required,
    )


def read_models(tree: ast.Module, path: Path) -> Sequence[LocalModel]:
    """Every Pydantic model class defined at the top level of ``tree``."""
    bases, modules, fields = _pydantic_names(tree)
    roots = bases | {f"{m}.BaseModel" for m in modules}
    known: dict[str, tuple[LocalField, ...]] = {}
    found: list[LocalModel] = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        names = [_dotted(b) for b in node.bases]
        if not any(n in roots or n in known for n in names if n is not None):
            continue
        inherited: dict[str, LocalField] = {}
        for base in names:
            for f in known.get(base or "", ()):
                inherited.setdefault(f.name, f)
        own = {
            f.name: f
            for stmt in node.body
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
            for f in [_field(stmt, fields, modules)]
            if f is not None
        }
        # Python's own rule: a subclass's field replaces the base's in place.
        merged = {**inherited, **own}
        known[node.name] = tuple(merged.values())
        if not node.name.startswith("_"):
            found.append(
                LocalModel(
                    kind="model",
                    flavour=FLAVOUR,
                    name=node.name,
                    path=str(path),
                    line=node.lineno,
                    fields=known[node.name],
                )
            )
    return found
