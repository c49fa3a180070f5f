"""Keeping passwords out of everything schemasync prints.

Deliberately free of psycopg so that printing an error never imports the driver.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

__all__ = ["redact"]

MASK = "***"
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")
_KV_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def _password_of(dsn: str) -> str | None:
    if "://" in dsn:
        try:
            password = urlsplit(dsn).password
        except ValueError:
            return None
        return unquote(password) if password else None
    match = _KV_PASSWORD.search(dsn)
    return match.group(2).strip("'") if match else None


def redact(text: str, dsn: str | None = None) -> str:
    """``text`` with passwords masked: those inside any URL or ``password=`` pair in it,
    and the password of ``dsn`` wherever it appears (libpq may echo it unquoted)."""
    if dsn:
        password = _password_of(dsn)
        if password:
            text = text.replace(password, MASK)
    text = _URL_PASSWORD.sub(rf"\1{MASK}@", text)
    return _KV_PASSWORD.sub(rf"\1{MASK}", text)
