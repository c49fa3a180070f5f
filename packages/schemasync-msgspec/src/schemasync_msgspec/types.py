"""The Python types of the msgspec target, where they differ from the core's defaults.

msgspec decodes JSON into rich types, so JSON rows (``json`` profile) get dates, times,
datetimes, UUIDs and decimals as psycopg rows (``python`` profile) already hold them.

msgspec refuses a union of two types it does not know (``IPv4Address | IPv6Address``), and
an ``inet`` value is one of four: ``inet`` and ``cidr`` are ``str`` in both profiles, which is
what PostgREST sends and what psycopg gives once ``register_types`` has taught the
connection to load them as text. Ranges stay psycopg's ``Range`` / ``Multirange`` (one type
each, carried by the generated ``enc_hook`` / ``dec_hook``); everything else is left to the
core (``None``).
"""

from __future__ import annotations

from collections.abc import Mapping

from schemasync.api import PyType, TypeRequest

__all__ = ["TARGET", "TEXT_TYPES", "msgspec_type"]

#: The emitter's name, which type requests carry as their target.
TARGET = "msgspec"
#: Built-in types carried as their text, psycopg told so by ``register_types``.
TEXT_TYPES = ("cidr", "inet")


def _imp(module: str, *names: str) -> tuple[tuple[str, str], ...]:
    return tuple((module, name) for name in names)


_TEXT = PyType("str")
_SHARED: Mapping[str, PyType] = dict.fromkeys(TEXT_TYPES, _TEXT)
# PostgreSQL's JSON writes these as RFC 3339 strings (numeric as a number), which msgspec
# parses. Intervals stay text: PostgreSQL writes them as "1 day 02:03:04", which no parser
# reads; so does timetz, whose offset it writes as "+01", which RFC 3339 does not allow.
_JSON: Mapping[str, PyType] = {
    **_SHARED,
    "date": PyType("date", _imp("datetime", "date")),
    "time": PyType("time", _imp("datetime", "time")),
    **dict.fromkeys(("timestamp", "timestamptz"), PyType("datetime", _imp("datetime", "datetime"))),
    "uuid": PyType("UUID", _imp("uuid", "UUID")),
    "numeric": PyType("Decimal", _imp("decimal", "Decimal")),
}


def msgspec_type(request: TypeRequest) -> PyType | None:
    """The msgspec target's type for a built-in scalar type, or ``None``."""
    ref = request.type
    if request.target != TARGET or ref.schema != "pg_catalog" or ref.is_array:
        return None
    return (_SHARED if request.profile == "python" else _JSON).get(ref.name)
