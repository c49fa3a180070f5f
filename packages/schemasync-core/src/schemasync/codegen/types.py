"""The core's default Python types for PostgreSQL's built-in types, per wire profile.

``python``: what psycopg 3 returns with its default loaders (checked against a real server
in the tests). ``json``: what ``json.loads`` gives for PostgREST / supabase-py output.
User-defined types (enums, domains, composites, their ranges) and arrays are resolved by the
model builder, which asks the ``schemasync_map_type`` hook first for every type.
"""

from __future__ import annotations

from collections.abc import Mapping

from schemasync.api import PyType, TypeRequest
from schemasync.hookspecs import hookimpl

__all__ = [
    "IMPORTED_NAMES",
    "JSON_VALUE",
    "LOCAL",
    "PSYCOPG_RANGES",
    "range_type",
    "schemasync_map_type",
]

#: The module name a :class:`PyType` import uses for helpers the generated module defines
#: itself (emitters define them from their templates).
LOCAL = "."
#: A JSON value: the recursive alias every emitter defines.
JSON_VALUE = PyType("JsonValue", ((LOCAL, "JsonValue"),))

_STR = PyType("str")
_INT = PyType("int")
_FLOAT = PyType("float")
_BOOL = PyType("bool")


def _imp(module: str, *names: str) -> tuple[tuple[str, str], ...]:
    return tuple((module, name) for name in names)


_DECIMAL = PyType("Decimal", _imp("decimal", "Decimal"))
_DATE = PyType("date", _imp("datetime", "date"))
_DATETIME = PyType("datetime", _imp("datetime", "datetime"))
_TIME = PyType("time", _imp("datetime", "time"))

_SHARED: Mapping[str, PyType] = {
    **dict.fromkeys(("int2", "int4", "int8"), _INT),
    **dict.fromkeys(("float4", "float8"), _FLOAT),
    "bool": _BOOL,
    **dict.fromkeys(("json", "jsonb"), JSON_VALUE),
}

# PostgreSQL's JSON (row_to_json, json_agg: what PostgREST sends) writes numeric as a number,
# which json.loads reads as a float (an int when it has no fraction; int is a float to type
# checkers), and oid as a string.
_JSON: Mapping[str, PyType] = {**_SHARED, "numeric": _FLOAT}

_PYTHON: Mapping[str, PyType] = {
    **_SHARED,
    "oid": _INT,
    "numeric": _DECIMAL,
    "bytea": PyType("bytes"),
    "date": _DATE,
    **dict.fromkeys(("time", "timetz"), _TIME),
    **dict.fromkeys(("timestamp", "timestamptz"), _DATETIME),
    "interval": PyType("timedelta", _imp("datetime", "timedelta")),
    "uuid": PyType("UUID", _imp("uuid", "UUID")),
    # psycopg returns an address without a prefix length as an address, else an interface.
    "inet": PyType(
        "IPv4Interface | IPv6Interface | IPv4Address | IPv6Address",
        _imp("ipaddress", "IPv4Address", "IPv4Interface", "IPv6Address", "IPv6Interface"),
    ),
    "cidr": PyType("IPv4Network | IPv6Network", _imp("ipaddress", "IPv4Network", "IPv6Network")),
}

_RANGE_SUBTYPES: Mapping[str, tuple[str, PyType]] = {
    "int4range": ("int4multirange", _INT),
    "int8range": ("int8multirange", _INT),
    "numrange": ("nummultirange", _DECIMAL),
    "daterange": ("datemultirange", _DATE),
    "tsrange": ("tsmultirange", _DATETIME),
    "tstzrange": ("tstzmultirange", _DATETIME),
}


#: psycopg's range classes as (module, name): the imports ``range_type`` gives, which
#: emitters that annotate ranges their own way replace.
_RANGE = ("psycopg.types.range", "Range")
_MULTIRANGE = ("psycopg.types.multirange", "Multirange")
PSYCOPG_RANGES = frozenset({_RANGE, _MULTIRANGE})


def range_type(subtype: PyType, *, multi: bool = False) -> PyType:
    """psycopg's ``Range[T]`` or ``Multirange[T]`` of ``subtype``."""
    module, name = _MULTIRANGE if multi else _RANGE
    wrapper = PyType(name, _imp(module, name))
    return PyType(f"{wrapper.annotation}[{subtype.annotation}]", wrapper.imports + subtype.imports)


#: Every name the default mapping may import: no generated class takes one of them, whether
#: or not a column of the schema uses that type yet, so that adding a ``uuid`` column does
#: not rename an enum called ``UUID``.
IMPORTED_NAMES = frozenset(
    name
    for pytype in (*_PYTHON.values(), *_JSON.values(), *(s for _, s in _RANGE_SUBTYPES.values()))
    for _, name in pytype.imports
) | {"Range", "Multirange"}


def _python(name: str) -> PyType | None:
    if name in _PYTHON:
        return _PYTHON[name]
    for range_name, (multirange_name, subtype) in _RANGE_SUBTYPES.items():
        if name in (range_name, multirange_name):
            return range_type(subtype, multi=name == multirange_name)
    return None


@hookimpl(trylast=True)
def schemasync_map_type(request: TypeRequest) -> PyType | None:
    """Built-in scalar types; every other built-in type arrives as text: ``str``.

    Arrays and user-defined types are left to the model builder (``None``).
    """
    ref = request.type
    if (
        ref.schema != "pg_catalog"
        or ref.is_array
        or ref.kind not in ("base", "range", "multirange")
    ):
        return None
    if request.profile == "json":
        return _JSON.get(ref.name, _STR)
    return _python(ref.name) or _STR
