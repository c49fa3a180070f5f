"""Python names for database objects: the defaults, and the resolver every emitter uses.

Order of authority for any name: a ``[tool.schemasync.naming]`` override, then the
``schemasync_name`` hook (plugins first, the defaults here last), then clash resolution,
which keeps names valid, unique and clear of keywords, builtins and reserved names.
"""

from __future__ import annotations

import builtins
import functools
import keyword
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping

from schemasync.api import NameKind, NameRequest
from schemasync.errors import ConfigError, PluginError
from schemasync.hookspecs import hookimpl

__all__ = [
    "CLASS_SUFFIXES",
    "FUNCTION_SUFFIXES",
    "Namer",
    "attribute_name",
    "member_name",
    "module_name",
    "pascal_case",
    "schemasync_name",
    "singular",
]

#: A table's classes; ``embedded`` is its Row with embedded related rows (an option).
CLASS_SUFFIXES: Mapping[NameKind, str] = {
    "row": "Row",
    "insert": "Insert",
    "update": "Update",
    "embedded": "WithRelations",
}
#: A function's arguments class, its result row class (``RETURNS TABLE``, OUT arguments) and
#: the alias of what a call returns. The name asked for is the function's name, or for an
#: overload ``name(type, ...)`` with its argument types, so overloads get distinct names.
FUNCTION_SUFFIXES: Mapping[NameKind, str] = {
    "function_args": "Args",
    "function_result": "ResultRow",
    "function_returns": "Returns",
}
#: The pure functions below are asked the same names over and over (every table has an
#: ``id``, every emitter names every class): each answer is worked out once per process.
_remembered = functools.lru_cache(maxsize=1 << 16)

#: Class names to avoid: keywords, and builtins a generated module would shadow.
_RESERVED = frozenset(keyword.kwlist) | frozenset(dir(builtins))


def _identifier_words(text: str) -> list[str]:
    """The runs of ``text`` (NFKC-normalised, as Python reads identifiers) made of characters
    an identifier may continue with; everything else separates words.

    ``str.isalnum`` is not the test: numbers that are not digits (``௰``, ``½``, category
    ``No``) are alphanumeric but no part of an identifier.
    """
    normal = unicodedata.normalize("NFKC", text)
    if normal.isascii():
        return re.findall(r"[A-Za-z0-9]+", normal)
    kept = "".join(c if c != "_" and f"a{c}".isidentifier() else " " for c in normal)
    return kept.split()


def _identifier(text: str, prefix: str) -> str:
    """``text`` as Python reads it (NFKC), ``prefix`` added when it cannot start a name
    (a digit, a combining mark); ``""`` when nothing of it is left."""
    normal = unicodedata.normalize("NFKC", "_".join(_identifier_words(text)))
    # A leading mark would combine with the prefix into another character; a word of marks
    # alone would leave a leading underscore (private to pydantic, sunder to Enum).
    while normal and (normal[0] == "_" or unicodedata.category(normal[0])[0] == "M"):
        normal = normal[1:]
    if not normal:
        return ""
    return normal if normal[:1].isidentifier() else f"{prefix}{normal}"


def _words(text: str) -> list[str]:
    # camelCase and PascalCase split too, so "HTTPServerLog" -> HTTP, Server, Log.
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    return _identifier_words(spaced)


@_remembered
def pascal_case(text: str) -> str:
    """``organization_type`` -> ``OrganizationType``; ``"Odd Name"`` -> ``OddName``;
    ``1st_place`` -> ``T1stPlace`` (an identifier cannot start with a digit)."""
    # Upper-casing may change a character's normal form or category (``ŉ`` becomes two
    # characters): the result goes through the same filter.
    name = _identifier("".join(w[:1].upper() + w[1:] for w in _words(text)), "T").replace("_", "")
    # A word may start with a mark the filter then drops (U+0301 before ``x``): the letter
    # after it still starts a class name with a capital; a lowercase letter with no capital
    # (``ɹ``) gets the prefix a digit gets, as type checkers and linters want class names
    # that do not start in lowercase.
    if name[:1].islower():
        name = _identifier(name[:1].upper() + name[1:], "T").replace("_", "")
    return "T" + name if name[:1].islower() else name


_IRREGULAR = {
    "people": "person",
    "children": "child",
    "men": "man",
    "women": "woman",
    "data": "data",
    "quizzes": "quiz",
    # -ies and -ches words that keep their e.
    "movies": "movie",
    "cookies": "cookie",
    "caches": "cache",
    "niches": "niche",
}
_UNCHANGED = ("ss", "us", "is", "news", "series", "species", "status")


def singular(word: str) -> str:
    """A conservative English singular for a table name's last word."""
    lowered = word.lower()
    if lowered in _IRREGULAR:
        found = _IRREGULAR[lowered]
        return found[:1].upper() + found[1:] if word[:1].isupper() else found
    if lowered.endswith(_UNCHANGED) or len(word) <= 3:
        return word
    if lowered.endswith("ies"):
        return word[:-3] + ("Y" if word[-3].isupper() else "y")
    if lowered.endswith(
        ("sses", "xes", "ches", "shes", "zzes", "tuses", "buses", "ruses", "puses")
    ):
        return word[:-2]
    if lowered.endswith("s"):
        return word[:-1]
    return word


@_remembered
def _singular_name(name: str) -> str:
    words = _words(name)
    if not words:
        return name
    words[-1] = singular(words[-1])
    return "_".join(words)


@_remembered
def attribute_name(name: str) -> str:
    """A valid, non-reserved Python identifier for a column or attribute name.

    ``class`` -> ``class_``, ``1st place`` -> ``field_1st_place``, ``naïve café`` -> ``naïve_café``.
    """
    ident = _identifier(name, "field_") or "field"
    # Builtins are fine as attribute names (``id``, ``type``); keywords are not.
    return f"{ident}_" if keyword.iskeyword(ident) else ident


def module_name(name: str) -> str:
    """A module (file) name for a schema or relation: lower-case ASCII letters, digits and
    underscores (``Café Ω`` -> ``cafe``, ``2024`` -> ``m2024``, ``class`` -> ``class_``),
    ``""`` when nothing is left.

    File systems store non-ASCII names in different normal forms (macOS decomposes them),
    and linters refuse them as module names; accents are dropped, other letters too.
    """
    decomposed = unicodedata.normalize("NFKD", name.lower())
    ident = "_".join(re.findall(r"[a-z0-9]+", decomposed.encode("ascii", "ignore").decode()))
    if ident[:1].isdigit():
        return f"m{ident}"
    return f"{ident}_" if keyword.iskeyword(ident) else ident


@_remembered
def member_name(label: str) -> str:
    """An enum member name for a label: ``in progress`` -> ``IN_PROGRESS``, ``2fa`` ->
    ``V_2FA``, ``''`` -> ``EMPTY``."""
    # _missing_, _value_... are Enum's own; a member may not start with an underscore.
    return _identifier(_identifier(label, "").upper(), "V_") or "EMPTY"


@hookimpl(trylast=True)
def schemasync_name(request: NameRequest) -> str | None:
    """The core's naming rules; see :mod:`schemasync.codegen.naming`."""
    if request.kind in CLASS_SUFFIXES:
        return (pascal_case(_singular_name(request.name)) or "Table") + CLASS_SUFFIXES[request.kind]
    if request.kind in FUNCTION_SUFFIXES:
        return (pascal_case(request.name) or "Function") + FUNCTION_SUFFIXES[request.kind]
    if request.kind in ("enum", "composite"):
        name = pascal_case(request.name) or "Type"
        return f"{name}_" if keyword.iskeyword(name) else name
    if request.kind == "enum_member":
        return member_name(request.name)
    if request.kind == "module":
        return attribute_name(request.name.lower())
    return attribute_name(request.name)


Decide = Callable[[NameRequest], "str | None"]


class Namer:
    """Names for one emitter run, unique where Python needs them to be.

    :param decide: asks the ``schemasync_name`` hook (plugins, then the defaults).
    :param target: the emitter the names are for.
    :param overrides: ``[tool.schemasync.naming]``: ``"schema.object"``,
        ``"schema.table:row"`` or ``"schema.table.column"`` to a Python name; always wins.
    :param reserved: names the generated module already uses (imports, helpers).
    """

    def __init__(
        self,
        decide: Decide,
        target: str,
        overrides: Mapping[str, str] | None = None,
        reserved: Iterable[str] = (),
    ) -> None:
        self._decide = decide
        self._target = target
        self._overrides = overrides or {}
        self._taken: set[str] = set(reserved)
        self._classes: dict[tuple[NameKind, str, str], str] = {}

    def _ask(self, kind: NameKind, schema: str, name: str, key: str, parent: str | None) -> str:
        request = NameRequest(
            kind=kind, schema=schema, name=name, target=self._target, parent=parent
        )
        override = self._overrides.get(key)
        chosen = override or self._decide(request)
        if chosen and chosen.isidentifier() and not keyword.iskeyword(chosen):
            return chosen
        if override:
            raise ConfigError(
                f"naming override {key!r} = {chosen!r} is not a Python identifier",
                hint="use letters, digits and underscores, not a leading digit or a keyword",
            )
        raise PluginError(
            f"{chosen!r}, the name a schemasync_name hook chose for {key}, "
            "is not a Python identifier",
            hint="fix the plugin, or block it with SCHEMASYNC_DISABLE_PLUGINS",
        )

    def classes(self, wanted: Iterable[tuple[NameKind, str, str]]) -> None:
        """Name every class of the run at once, so clashes resolve the same way every time.

        :param wanted: ``(kind, schema, db_name)`` for each enum, composite and table class.

        Classes are named ``public`` first, then by schema and name. A name already taken
        gets the schema's name as a prefix (outside ``public``); one still taken (a keyword,
        a builtin, an import, an earlier class) gets a numeric suffix.
        """
        for kind, schema, name in sorted(set(wanted), key=lambda w: (w[1] != "public", w[1], w)):
            suffixed = kind in CLASS_SUFFIXES or kind in FUNCTION_SUFFIXES
            key = f"{schema}.{name}" + (f":{kind}" if suffixed else "")
            proposal = self._ask(kind, schema, name, key, None)
            if self._is_taken(proposal) and schema != "public":
                proposal = pascal_case(schema) + proposal
            candidate, n = proposal, 2
            while self._is_taken(candidate):
                candidate, n = f"{proposal}{n}", n + 1
            self._taken.add(candidate)
            self._classes[(kind, schema, name)] = candidate

    def _is_taken(self, name: str) -> bool:
        return name in self._taken or name in _RESERVED

    def cls(self, kind: NameKind, schema: str, name: str) -> str:
        """The class name :meth:`classes` gave ``schema.name``."""
        return self._classes[(kind, schema, name)]

    def fields(
        self, schema: str, parent: str, columns: Iterable[str], reserved: Iterable[str] = ()
    ) -> dict[str, str]:
        """Attribute names for ``columns`` of ``schema.parent``, unique within the class.

        :param reserved: names the target forbids on a class (a base class's methods).
        """
        return self._unique(
            (
                (column, self._ask("field", schema, column, f"{schema}.{parent}.{column}", parent))
                for column in columns
            ),
            set(reserved),
        )

    def members(self, schema: str, enum: str, labels: Iterable[str]) -> dict[str, str]:
        """Enum member names for ``labels``, valid and unique within the enum."""
        return self._unique(
            (
                (label, self._ask("enum_member", schema, label, f"{schema}.{enum}.{label}", enum))
                for label in labels
            ),
            # Enum's own attributes; sunder and dunder names are reserved by Enum too.
            {"name", "value", "mro"},
            forbid_underscore=True,
        )

    @staticmethod
    def _unique(
        proposals: Iterable[tuple[str, str]], taken: set[str], *, forbid_underscore: bool = False
    ) -> dict[str, str]:
        result: dict[str, str] = {}
        for db_name, proposal in proposals:
            base = proposal.lstrip("_") or "V" if forbid_underscore else proposal
            candidate, n = base, 2
            while candidate in taken:
                candidate, n = f"{base}_{n}", n + 1
            taken.add(candidate)
            result[db_name] = candidate
        return result
