"""Reading TypedDicts back from source for drift checks: class and functional syntax,
``total=False``, ``Required`` / ``NotRequired``, and inheritance within a module."""

from __future__ import annotations

import ast
from pathlib import Path

from schemasync.api import LocalField, LocalModel
from schemasync.drift.readback import base_name

__all__ = ["read_typeddicts"]


def _total(keywords: list[ast.keyword]) -> bool:
    for keyword in keywords:
        if keyword.arg == "total" and isinstance(keyword.value, ast.Constant):
            return bool(keyword.value.value)
    return True


def _field(key: str, annotation: ast.expr, total: bool) -> LocalField:
    wrapper = base_name(annotation) if isinstance(annotation, ast.Subscript) else ""
    required = {"Required": True, "NotRequired": False}.get(wrapper, total)
    # ``Required`` / ``NotRequired`` / ``ReadOnly`` wrap the value type; unwrap them all.
    while isinstance(annotation, ast.Subscript) and base_name(annotation) in (
        "Required",
        "NotRequired",
        "ReadOnly",
    ):
        annotation = annotation.slice
    return LocalField(name=key, alias=None, annotation=ast.unparse(annotation), required=required)


def _class_fields(node: ast.ClassDef, total: bool) -> list[LocalField]:
    fields: list[LocalField] = []
    for statement in node.body:
        if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
            continue
        fields.append(_field(statement.target.id, statement.annotation, total))
    return fields


def _functional(call: ast.Call) -> list[LocalField] | None:
    """The fields of ``TypedDict("Name", {"key": type, ...}, total=...)``."""
    if len(call.args) < 2 or not isinstance(call.args[1], ast.Dict):
        return None
    total = _total(call.keywords)
    fields: list[LocalField] = []
    for key, value in zip(call.args[1].keys, call.args[1].values, strict=True):
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None
        fields.append(_field(key.value, value, total))
    return fields


def read_typeddicts(tree: ast.Module, path: Path) -> list[LocalModel]:
    """Every TypedDict defined at the top level of ``tree``."""
    found: dict[str, LocalModel] = {}

    def add(name: str, line: int, fields: list[LocalField]) -> None:
        found[name] = LocalModel(
            kind="model",
            flavour="typeddict",
            name=name,
            path=str(path),
            line=line,
            fields=tuple(fields),
        )

    for statement in tree.body:
        if isinstance(statement, ast.ClassDef):
            bases = [base_name(b) for b in statement.bases]
            if "TypedDict" not in bases and not any(b in found for b in bases):
                continue
            inherited = [f for b in bases if b in found for f in found[b].fields]
            own = _class_fields(statement, _total(statement.keywords))
            names = {f.name for f in own}
            add(
                statement.name,
                statement.lineno,
                [f for f in inherited if f.name not in names] + own,
            )
        elif isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call):
            call = statement.value
            target = statement.targets[0]
            if base_name(call.func) != "TypedDict" or not isinstance(target, ast.Name):
                continue
            fields = _functional(call)
            if fields is not None:
                add(target.id, statement.lineno, fields)
    return list(found.values())
