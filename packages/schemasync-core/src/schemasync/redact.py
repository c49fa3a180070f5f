"""Keeping passwords out of everything schemasync prints.

Deliberately free of psycopg so that printing an error never imports the driver.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

__all__ = ["redact"]

MASK = "***"
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")
_KV_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
# In a malformed key=value string the password may run on, unquoted, up to the next key.
_KV_PASSWORD_RUN = re.compile(r"password\s*=\s*(.*?)(?=\s+\w+\s*=|$)", re.IGNORECASE)
#: Fragments shorter than this are not masked on their own: they would mask ordinary words.
_MIN_FRAGMENT = 3


def _password_of(dsn: str) -> str | None:
    if "://" in dsn:
        # The user-info ends at the *last* "@" before the path: a password holding a raw "@"
        # is malformed, but libpq may still echo its pieces.
        netloc = dsn.split("://", 1)[1].split("/", 1)[0]
        userinfo = netloc.rpartition("@")[0]
        if ":" not in userinfo:
            return None
        return unquote(userinfo.split(":", 1)[1]) or None
    match = _KV_PASSWORD_RUN.search(dsn)
    return match.group(1).strip().strip("'") or None if match else None


def _fragments(password: str) -> list[str]:
    pieces = {password, *re.split(r"[@\s]+", password)}
    return sorted((p for p in pieces if len(p) >= _MIN_FRAGMENT), key=len, reverse=True)


def redact(text: str, dsn: str | None = None) -> str:
    """``text`` with passwords masked: those inside any URL or ``password=`` pair in it,
    and the password of ``dsn`` wherever it appears, whole or in the pieces libpq may echo
    back from a malformed string."""
    if dsn:
        password = _password_of(dsn)
        for fragment in _fragments(password) if password else ():
            text = text.replace(fragment, MASK)
    text = _URL_PASSWORD.sub(rf"\1{MASK}@", text)
    return _KV_PASSWORD.sub(rf"\1{MASK}", text)
