"""Reading committed Python models back from source: parsed with ``ast``, never imported.

Each emitter package reads the classes it writes (and hand-written ones of the same kind)
through ``schemasync_read_models``; the core reads the constructs every target shares:
``Enum`` / ``StrEnum`` classes with string values and ``Literal`` aliases. This module also
owns the canonical spelling of annotations, so that ``Optional[List[str]]``,
``typing.List[str] | None`` and ``list[str] | None`` compare equal.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from schemasync.api import LocalModel
from schemasync.errors import ConfigError
from schemasync.hookspecs import hookimpl

__all__ = [
    "annotation_text",
    "base_name",
    "canonical_annotation",
    "read_files",
    "schemasync_read_models",
    "string_values",
    "union_members",
]

#: ``typing`` spellings and their builtin equivalents.
_ALIASES = {
    "List": "list",
    "Sequence": "list",
    "MutableSequence": "list",
    "Dict": "dict",
    "Mapping": "dict",
    "MutableMapping": "dict",
    "Set": "set",
    "FrozenSet": "frozenset",
    "Tuple": "tuple",
    "Text": "str",
    "Type": "type",
}
#: Wrappers whose first argument is the value type.
_TRANSPARENT = {"Annotated", "NotRequired", "Required", "ReadOnly", "Final", "ClassVar"}


def base_name(node: ast.expr) -> str:
    """The last name of ``x``, ``a.b.x`` or ``x[...]``; empty for anything else."""
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def annotation_text(node: ast.expr, unwrap: Callable[[ast.expr], ast.expr]) -> str:
    """The source text of an annotation with a reader's own wrappers removed.

    :param node: the annotation; a string (a forward reference) is parsed first.
    :param unwrap: rewrites a private copy of the expression (drops ``Annotated``, ...).
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text: str = node.value
        try:
            node = ast.parse(text, mode="eval").body
        except SyntaxError:
            return text
    copy = ast.parse(ast.unparse(node), mode="eval").body
    return ast.unparse(unwrap(copy))


def _subscript_args(node: ast.Subscript) -> list[ast.expr]:
    index = node.slice
    return list(index.elts) if isinstance(index, ast.Tuple) else [index]


def string_values(node: ast.Subscript) -> tuple[str, ...] | None:
    """The members of ``Literal["a", "b"]``; ``None`` if any member is not a string."""
    values: list[str] = []
    for arg in _subscript_args(node):
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            return None
        values.append(arg.value)
    return tuple(values)


def _canonical(node: ast.expr) -> list[str]:
    """The canonical union members of an annotation."""
    if isinstance(node, ast.Constant):
        if node.value is None:
            return ["None"]
        if isinstance(node.value, str):  # a forward reference
            try:
                return _canonical(ast.parse(node.value, mode="eval").body)
            except SyntaxError:
                return [repr(node.value)]
        return [repr(node.value)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _canonical(node.left) + _canonical(node.right)
    name = base_name(node)
    if isinstance(node, ast.Subscript):
        args = _subscript_args(node)
        if name in _TRANSPARENT:
            return _canonical(args[0])
        if name == "Optional":
            return [*_canonical(args[0]), "None"]
        if name == "Union":
            return [member for arg in args for member in _canonical(arg)]
        if name == "Literal":
            values = string_values(node)
            if values is not None:
                return ["Literal[" + ", ".join(repr(v) for v in sorted(values)) + "]"]
        inner = ", ".join(_join(_canonical(arg)) for arg in args)
        return [f"{_ALIASES.get(name, name)}[{inner}]"]
    if isinstance(node, (ast.List, ast.Tuple)):  # Callable[[...], ...] argument lists
        return ["[" + ", ".join(_join(_canonical(e)) for e in node.elts) + "]"]
    if name:
        return [_ALIASES.get(name, name)]
    return [ast.unparse(node)]


def _join(members: Iterable[str]) -> str:
    unique = sorted(set(members), key=lambda m: (m == "None", m))
    return " | ".join(unique)


def canonical_annotation(text: str) -> str:
    """``text`` in one spelling: builtin generics, ``X | Y`` unions with ``None`` last,
    module prefixes and ``Annotated`` / ``NotRequired`` wrappers dropped.

    :raises SyntaxError: ``text`` is not an expression.
    """
    return _join(_canonical(ast.parse(text.strip(), mode="eval").body))


def union_members(canonical: str) -> list[str]:
    """The top-level members of a canonical annotation (brackets respected)."""
    members: list[str] = []
    depth = 0
    start = 0
    for i, char in enumerate(canonical):
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == "|" and depth == 0:
            members.append(canonical[start:i].strip())
            start = i + 1
    members.append(canonical[start:].strip())
    return [m for m in members if m]


# --- the core's own reader: enums and Literal aliases -------------------------------------

_ENUM_BASES = {"Enum", "StrEnum"}


def _enum(node: ast.ClassDef, path: Path) -> LocalModel | None:
    if not any(base_name(b) in _ENUM_BASES for b in node.bases):
        return None
    values: list[str] = []
    for statement in node.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign):
            target, value = statement.target, statement.value
        if not isinstance(target, ast.Name) or target.id.startswith("_") or value is None:
            continue
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            values.append(value.value)
    flavour = "strenum" if any(base_name(b) == "StrEnum" for b in node.bases) else "enum"
    return LocalModel(
        kind="enum",
        flavour=flavour,
        name=node.name,
        path=str(path),
        line=node.lineno,
        values=tuple(values),
    )


def _literal_alias(statement: ast.stmt, path: Path) -> LocalModel | None:
    name: str | None = None
    value: ast.expr | None = None
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        name = target.id if isinstance(target, ast.Name) else None
        value = statement.value
    elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        if base_name(statement.annotation) == "TypeAlias":
            name, value = statement.target.id, statement.value
    elif type(statement).__name__ == "TypeAlias":  # ``type X = ...`` (Python 3.12)
        alias_name = getattr(statement, "name", None)
        name = alias_name.id if isinstance(alias_name, ast.Name) else None
        value = getattr(statement, "value", None)
    if name is None or not isinstance(value, ast.Subscript) or base_name(value) != "Literal":
        return None
    values = string_values(value)
    if values is None:
        return None
    return LocalModel(
        kind="literal",
        flavour="literal",
        name=name,
        path=str(path),
        line=statement.lineno,
        values=values,
    )


@hookimpl(trylast=True)
def schemasync_read_models(tree: ast.Module, path: Path) -> list[LocalModel]:
    """``Enum`` / ``StrEnum`` classes (string values) and ``Literal`` aliases."""
    found: list[LocalModel] = []
    for statement in tree.body:
        model = (
            _enum(statement, path)
            if isinstance(statement, ast.ClassDef)
            else _literal_alias(statement, path)
        )
        if model is not None:
            found.append(model)
    return found


def read_files(
    paths: Sequence[Path], read: Callable[..., list[Sequence[LocalModel]]]
) -> list[LocalModel]:
    """Every model the readers recognise in ``paths``, in file order.

    :param read: the ``schemasync_read_models`` hook caller.
    :raises ConfigError: a file cannot be read or is not valid Python.
    """
    models: list[LocalModel] = []
    for path in paths:
        try:
            source = path.read_bytes()
            tree = ast.parse(source, filename=str(path))
        except OSError as exc:
            raise ConfigError(f"cannot read the model file {path}: {exc.strerror}") from exc
        except (SyntaxError, ValueError) as exc:
            line = f":{exc.lineno}" if isinstance(exc, SyntaxError) and exc.lineno else ""
            raise ConfigError(
                f"{path}{line} is not valid Python, so its models cannot be checked: {exc}",
                hint="fix the file, or leave it out of the models patterns",
            ) from exc
        for batch in read(tree=tree, path=path):
            models.extend(batch)
    return models
