"""Python source every emitter writes the same way: import blocks laid out as isort and ruff
want them, the ``__init__.py`` of the package layout, and the order ``register_types``
loads domains in."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from schemasync import ir

__all__ = [
    "LINE_LENGTH",
    "code_names",
    "import_block",
    "import_lines",
    "isort_sorted",
    "package_init",
    "registered_domains",
    "require_strenum_support",
]

#: The line length isort and ruff wrap imports at by default.
LINE_LENGTH = 88
#: Standard-library modules generated code imports from; everything else not relative is
#: third party.
_STDLIB = frozenset({"datetime", "decimal", "enum", "ipaddress", "typing", "uuid"})


_NAME = re.compile(r"[^\W\d]\w*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"' + r"|'(?:[^'\\]|\\.)*'")


@functools.lru_cache(maxsize=4096)
def code_names(code: str) -> frozenset[str]:
    """The names a fragment of generated code (an annotation, a default) uses, string
    literals left out: ``Field(alias="Literal")`` uses ``Field``, not ``Literal``, so a
    column named ``Literal`` imports nothing."""
    return frozenset(_NAME.findall(_STRING.sub(" ", code)))


_DIGIT_RUNS = re.compile(r"\d+|\D+")


@functools.lru_cache(maxsize=1 << 16)  # the same names sort in every module
def _natural(name: str) -> tuple[tuple[int, int | str], ...]:
    # As ruff compares names: accents folded (``É`` sorts as ``E``), runs of digits as
    # numbers (``T9`` before ``T10``).
    folded = (
        name
        if name.isascii()
        else "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    )
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in _DIGIT_RUNS.findall(folded)
    )


def _isort_key(name: str, *, in_all: bool = False) -> tuple[object, ...]:
    # CONSTANTS (two characters or more), then Classes, then the rest. In imports ruff
    # takes a name for a class only when it starts with an ASCII capital (``Ê...`` sorts
    # with the functions) and compares names case-insensitively (``AccountsInArgs`` before
    # ``AccountTotalRow``); in ``__all__`` any capital will do, and case counts.
    constant = len(name) > 1 and name.isupper()
    first = name[:1] if in_all or name[:1].isascii() else ""
    compared = name if in_all else name.lower()
    return (0 if constant else 1 if first.isupper() else 2, _natural(compared), name)


def isort_sorted(names: Iterable[str], *, in_all: bool = False) -> list[str]:
    """``names`` in the order ruff wants them in an import (or, with ``in_all``, an
    ``__all__``): constants, then classes, then the rest, in natural order."""
    return sorted(names, key=lambda name: _isort_key(name, in_all=in_all))


def import_lines(source: str, names: Sequence[str], *, indent: str = "") -> list[str]:
    """``from source import names`` on one line, or wrapped one name a line as isort does,
    each line starting with ``indent``."""
    line = f"{indent}from {source} import {', '.join(names)}"
    if len(line) <= LINE_LENGTH:
        return [line]
    return [
        f"{indent}from {source} import (",
        *(f"{indent}    {name}," for name in names),
        f"{indent})",
    ]


def import_block(imports: Mapping[str, Iterable[str]]) -> list[str]:
    """The import lines of ``module -> names``: standard library, third party, then the
    generated package's own modules (``.name``), each group sorted and followed by an empty
    line, the last one excepted."""
    groups: tuple[dict[str, set[str]], ...] = ({}, {}, {})
    for source, names in imports.items():
        if source.startswith("."):
            group = groups[2]
        else:
            group = groups[0] if source.split(".")[0] in _STDLIB else groups[1]
        group.setdefault(source, set()).update(names)
    lines: list[str] = []
    for group in groups:
        if group:
            for source, members in sorted(group.items()):
                lines += import_lines(source, isort_sorted(members))
            lines.append("")
    return lines[:-1]


def package_init(
    header: str, doc: str, exports: Mapping[str, Iterable[str]], *, lazy: bool = False
) -> bytes:
    """The ``__init__.py`` of a package layout: re-exports ``module -> names``.

    :param lazy: the ``lazy-package`` layout: type checkers see the same re-exports (under
        ``TYPE_CHECKING``), but at run time a module-level ``__getattr__`` (PEP 562) imports
        a name's module when the name is first used, so importing the package creates no
        class and each model costs only once it is needed.
    """
    # With nothing to export (an empty schema) there is nothing to load lazily either.
    if lazy and any(exports.values()):
        return _lazy_package_init(header, doc, exports)
    lines = [f'{header}"""{doc}"""', "", *_reexports(exports, indent="")]
    return ("\n".join(lines) + "\n").encode()


def _reexports(exports: Mapping[str, Iterable[str]], *, indent: str) -> list[str]:
    """``from .module import name as name`` for every name: the explicit form type checkers
    take for a re-export."""
    lines: list[str] = []
    for module_name, names in sorted(exports.items()):
        # One statement per name: isort does not combine "as" imports.
        for name in isort_sorted(names):
            lines += import_lines(f".{module_name}", [f"{name} as {name}"], indent=indent)
    return lines


#: What a lazy ``__init__.py`` runs after its tables of names: ``__getattr__`` is hidden
#: from type checkers, so that a misspelt name stays an error for them instead of ``Any``.
_LAZY_LOOKUP = """\

if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        module = _MODULES.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(import_module(f".{module}", __name__), name)
        # Bound in the package: later lookups no longer come here.
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
"""


def _lazy_package_init(header: str, doc: str, exports: Mapping[str, Iterable[str]]) -> bytes:
    where = {name: module for module, names in exports.items() for name in names}
    names = isort_sorted(where, in_all=True)
    lines = [
        f'{header}"""{doc}',
        "",
        "Each name is imported from its module when it is first used (PEP 562): importing the",
        "package creates no class, and each model is created when code first needs it.",
        '"""',
        "",
        "from importlib import import_module",
        "from typing import TYPE_CHECKING",
        "",
        "if TYPE_CHECKING:",
        *_reexports(exports, indent="    "),
    ]
    lines += ["", "__all__ = [", *(f'    "{name}",' for name in names), "]"]
    lines += ["", "#: The module of every name.", "_MODULES = {"]
    lines += [f'    "{name}": "{where[name]}",' for name in names]
    lines.append("}")
    return ("\n".join(lines) + "\n" + _LAZY_LOOKUP).encode()


def registered_domains(schema: ir.Schema) -> list[tuple[str, str, str, str, bool]]:
    """``(schema, name, base schema, base name, base is an array)`` of every domain, each
    after the domain it is based on: ``register_types`` loads a domain as its base type."""
    by_key = {(d.schema, d.name): d for d in schema.domains}
    ordered: dict[tuple[str, str], ir.Domain] = {}

    def visit(domain: ir.Domain) -> None:
        base = domain.base_type
        if (base.schema, base.name) in by_key and not base.is_array:
            visit(by_key[(base.schema, base.name)])
        ordered.setdefault((domain.schema, domain.name), domain)

    for domain in schema.domains:
        visit(domain)
    return [
        (d.schema, d.name, d.base_type.schema, d.base_type.name, d.base_type.is_array)
        for d in ordered.values()
    ]


def require_strenum_support(enum_style: str, target_python: str) -> None:
    """Refuse ``enum_style = "strenum"`` for a target without ``enum.StrEnum``.

    :raises ConfigError: the generated code would not import on the target Python.
    """
    if enum_style == "strenum" and target_python == "3.10":
        from schemasync.errors import ConfigError

        raise ConfigError(
            "enum_style 'strenum' needs Python 3.11 (StrEnum)",
            hint="set target_python = \"3.11\" or higher, or use enum_style 'str-enum'",
        )
