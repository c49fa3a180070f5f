"""Whether two versions of a generated Python module mean the same: formatters are welcome.

A formatter (ruff format, black, isort) run over the generated folders changes bytes, not
meaning: layout, quotes, parentheses, trailing commas, the order of a block of imports and
the indentation of docstrings. Comparing the parsed modules, so normalised, tells such a
file from one whose meaning was edited (a changed annotation, a removed field).
"""

from __future__ import annotations

import ast
import inspect

__all__ = ["same_meaning"]

_IMPORTS = (ast.Import, ast.ImportFrom)


def same_meaning(current: bytes, expected: bytes) -> bool:
    """Whether ``current`` and ``expected`` are the same module once formatting, comments,
    import order and docstring indentation are set aside (``False`` when either does not
    parse)."""
    try:
        return _normalised(current) == _normalised(expected)
    except (SyntaxError, ValueError):
        return False


def _normalised(source: bytes) -> str:
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            _normalise_body(node.body)
    return ast.dump(tree, include_attributes=False)


def _normalise_body(body: list[ast.stmt]) -> None:
    first = body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        # Formatters re-indent docstrings and strip trailing spaces: compare their text.
        first.value.value = inspect.cleandoc(first.value.value)
    for node in body:
        if isinstance(node, ast.ImportFrom):
            node.names.sort(key=lambda alias: (alias.name, alias.asname or ""))
    # A run of consecutive imports is one block to isort: its order carries no meaning.
    start = 0
    while start < len(body):
        end = start
        while end < len(body) and isinstance(body[end], _IMPORTS):
            end += 1
        if end > start:
            body[start:end] = sorted(body[start:end], key=ast.dump)
            start = end
        else:
            start += 1
