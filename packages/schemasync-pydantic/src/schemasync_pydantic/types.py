"""The Python types of the pydantic target, where they differ from the core's defaults.

Pydantic validates, so a model can say more than what a row holds as it arrives: JSON rows
(``json`` profile) are parsed into dates, times, UUIDs, decimals and addresses, as psycopg
rows (``python`` profile) already are. Datetimes are ``AwareDatetime`` for ``timestamptz``
and ``NaiveDatetime`` for ``timestamp``, so a value of the wrong kind is refused.
``inet`` lists the address types before the interface types: a host address (no prefix
length) validates as an address, as psycopg gives it, and anything with a prefix as an
interface. Everything else is left to the core (``None``).
"""

from __future__ import annotations

from collections.abc import Mapping

from schemasync.api import PyType, TypeRequest
from schemasync.codegen.types import range_type

__all__ = ["TARGET", "pydantic_type"]

#: The emitter's name, which type requests carry as their target.
TARGET = "pydantic"


def _imp(module: str, *names: str) -> tuple[tuple[str, str], ...]:
    return tuple((module, name) for name in names)


_AWARE = PyType("AwareDatetime", _imp("pydantic", "AwareDatetime"))
_NAIVE = PyType("NaiveDatetime", _imp("pydantic", "NaiveDatetime"))
_INET = PyType(
    "IPv4Address | IPv6Address | IPv4Interface | IPv6Interface",
    _imp("ipaddress", "IPv4Address", "IPv4Interface", "IPv6Address", "IPv6Interface"),
)
_CIDR = PyType("IPv4Network | IPv6Network", _imp("ipaddress", "IPv4Network", "IPv6Network"))

_SHARED: Mapping[str, PyType] = {
    "timestamptz": _AWARE,
    "timestamp": _NAIVE,
    "inet": _INET,
    "cidr": _CIDR,
}
_PYTHON: Mapping[str, PyType] = {
    **_SHARED,
    "tstzrange": range_type(_AWARE),
    "tstzmultirange": range_type(_AWARE, multi=True),
    "tsrange": range_type(_NAIVE),
    "tsmultirange": range_type(_NAIVE, multi=True),
}
# PostgreSQL's JSON writes these as strings (numeric as a number) that pydantic parses.
# Intervals stay text: PostgreSQL writes them as "1 day 02:03:04", which no parser reads;
# so does timetz, whose offset it writes as "+01", which pydantic's time parser refuses.
_JSON: Mapping[str, PyType] = {
    **_SHARED,
    "date": PyType("date", _imp("datetime", "date")),
    "time": PyType("time", _imp("datetime", "time")),
    "uuid": PyType("UUID", _imp("uuid", "UUID")),
    "numeric": PyType("Decimal", _imp("decimal", "Decimal")),
}


def pydantic_type(request: TypeRequest) -> PyType | None:
    """The pydantic target's type for a built-in scalar or range type, or ``None``."""
    ref = request.type
    if request.target != TARGET or ref.schema != "pg_catalog" or ref.is_array:
        return None
    return (_PYTHON if request.profile == "python" else _JSON).get(ref.name)
