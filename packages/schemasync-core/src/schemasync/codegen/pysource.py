"""Python source every emitter writes the same way: import blocks sorted and grouped as isort
and ruff want them, the ``__init__.py`` of the package layout, and the order ``register_types``
loads domains in."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence

from schemasync import ir

__all__ = [
    "code_names",
    "import_block",
    "import_lines",
    "isort_sorted",
    "modules_sorted",
    "natural_key",
    "package_init",
    "registered_domains",
    "registered_types",
    "require_strenum_support",
]

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


#: Runs of ASCII digits (other digits are characters like any other).
_DIGITS = re.compile(r"([0-9]+)")


@functools.lru_cache(maxsize=8192)
def natural_key(name: str) -> tuple[str | tuple[int | str, ...], ...]:
    """A sort key putting names in ruff's natural order (the ``natord`` crate's): by code
    point (no case or accent folding), runs of ASCII digits as numbers (``T9`` before
    ``T10``). Names hold no whitespace, which it would skip.

    natord walks both names side by side. Where one has a digit and the other a character
    that is none, the code points decide, whichever digit it is: here every run of digits
    stands as one ``0`` at the end of the text before it, then its own key. Two runs
    compare as fractions (digit by digit, the shorter first when one starts the other) if
    either starts with ``0``, else the longer is the greater number and the first
    differing digit decides between runs of one length: ``(0, run)`` for a run starting
    with ``0`` (it is less than any other, as ``0`` is the least digit), ``(1, length,
    run)`` for the others. A name that ends where another goes on comes first."""
    parts = _DIGITS.split(name)
    key: list[str | tuple[int | str, ...]] = []
    for index in range(0, len(parts) - 1, 2):
        run = parts[index + 1]
        key += [parts[index] + "0", (0, run) if run[0] == "0" else (1, len(run), run)]
    key.append(parts[-1])
    return tuple(key)


def _member_type(name: str) -> int:
    """0 for a constant, 1 for a class, 2 for the rest, as ruff tells them apart: a constant
    is longer than one byte (``Ä`` is two in UTF-8) with an uppercase character and no
    lowercase one, a class starts with an uppercase character. Uppercase is the Unicode
    property, so a titlecase letter (``ǅ``) is neither; one character's ``isupper`` is it."""
    upper = False
    for char in name:
        if char.islower():
            upper = False
            break
        upper = upper or char.isupper()
    if upper and len(name.encode()) > 1:
        return 0
    return 1 if name[:1].isupper() else 2


@functools.lru_cache(maxsize=8192)
def _member_key(name: str) -> tuple[object, ...]:
    """ruff's isort order of imported names: by kind, then case-insensitively, then as
    written."""
    return (_member_type(name), natural_key(name.lower()), natural_key(name))


@functools.lru_cache(maxsize=8192)
def _in_all_key(name: str) -> tuple[object, ...]:
    """RUF022's "isort-style" order of names of ``__all__``: by kind, then as written (case
    counts). Names it takes for equal keep any order; the code point decides here."""
    return (_member_type(name), natural_key(name), name)


def isort_sorted(names: Iterable[str], *, in_all: bool = False) -> list[str]:
    """``names`` in the order ruff wants them in an import (I001), or with ``in_all`` in an
    ``__all__`` (RUF022): constants, then classes, then the rest, in natural order."""
    return sorted(names, key=_in_all_key if in_all else _member_key)


def _module_key(module: str) -> tuple[object, ...]:
    return (natural_key(module.lower()), natural_key(module))


def modules_sorted(modules: Iterable[str]) -> list[str]:
    """Module names in ruff's isort order of ``from`` imports of one level: case-insensitively,
    in natural order, then as written."""
    return sorted(modules, key=_module_key)


def import_lines(source: str, names: Sequence[str], *, indent: str = "") -> list[str]:
    """``from source import names``, each line starting with ``indent``: one line, which
    the layout step (:mod:`schemasync.codegen.pyformat`) wraps one name a line, as isort
    and ruff do, when it is longer than the configured ``line_length``."""
    return [f"{indent}from {source} import {', '.join(names)}"]


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
            for source in modules_sorted(group):
                lines += import_lines(source, isort_sorted(group[source]))
            lines.append("")
    return lines[:-1]


def package_init(
    header: str, doc: str, exports: Mapping[str, Iterable[str]], *, lazy: bool = False
) -> bytes:
    """The ``__init__.py`` of a package layout: re-exports ``module -> names`` (a module
    with no names adds nothing).

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
    for module_name in modules_sorted(exports):
        # One statement per name: isort does not combine "as" imports.
        for name in isort_sorted(exports[module_name]):
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
    for domain in schema.domains:
        # The chain down to the domain's innermost base, registered innermost first.
        chain = [domain]
        base = domain.base_type
        while not base.is_array and (base.schema, base.name) in by_key:
            chain.append(by_key[(base.schema, base.name)])
            base = chain[-1].base_type
        for link in reversed(chain):
            ordered.setdefault((link.schema, link.name), link)
    return [
        (d.schema, d.name, d.base_type.schema, d.base_type.name, d.base_type.is_array)
        for d in ordered.values()
    ]


def registered_types(schema: ir.Schema) -> dict[str, Sequence[tuple[object, ...]]]:
    """What ``register.py.j2`` registers besides enums and composites: ``ranges`` and
    ``multiranges`` as ``(schema, name)``, and ``domains`` (:func:`registered_domains`).
    Computed once per target, not once per module: a package has a module per table."""
    return {
        "ranges": [(r.schema, r.name) for r in schema.range_types],
        "multiranges": [(r.schema, r.multirange) for r in schema.range_types if r.multirange],
        "domains": registered_domains(schema),
    }


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
