"""Keeping passwords and terminal control characters out of everything schemasync prints.

Deliberately free of psycopg so that printing an error never imports the driver.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

__all__ = ["printable", "redact", "remember"]

MASK = "***"
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")
# The same user-info shape after a mistyped scheme (``postgresql:/u:pw@``, ``postgres//u:pw@``,
# ``u:pw@host``): a word, a colon, then anything up to an "@", with no space in between.
_LOOSE_PASSWORD = re.compile(r"((?:^|[\s\"'(/])[^\s\"'/:@]+:)[^\s\"'/@]+@")
_KV_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s&]+)", re.IGNORECASE)
# In a malformed key=value string the password may run on, unquoted, up to the next key.
_KV_PASSWORD_RUN = re.compile(r"password\s*=\s*(.*?)(?=\s+\w+\s*=|&|$)", re.IGNORECASE)
#: Fragments shorter than this are not masked on their own: they would mask ordinary words.
_MIN_FRAGMENT = 3
#: Passwords of every connection string seen in this process, masked in every message.
_KNOWN: set[str] = set()


def _passwords_of(dsn: str) -> set[str]:
    """Every string that may be the password of ``dsn``, whatever its shape: libpq echoes a
    malformed string back whole, so each reading of it is masked."""
    found: set[str] = set()
    for match in re.finditer(r"password\s*=\s*('(?:[^'\\]|\\.)*'?|[^\s&]+)", dsn, re.I):
        found.add(match.group(1).strip("'"))
    run = _KV_PASSWORD_RUN.search(dsn)
    if run:
        found.add(run.group(1).strip().strip("'"))
    # URL-like: the user-info ends at the *last* "@" before the host; a password holding a
    # raw "@" is malformed, but libpq may still echo its pieces. The scheme may be mistyped
    # (``postgresql:/u:pw@``, ``postgresql//u:pw@``, ``postgresql:u:pw@``) or missing.
    for word in dsn.split():
        head = word.rpartition("@")[0]
        if not head:
            continue
        userinfo = head.split("://", 1)[-1].rsplit("/", 1)[-1]
        pieces = userinfo.split(":")
        for index in range(1, len(pieces)):
            # Everything after the first, second... colon: one of them is the password.
            found.add(":".join(pieces[index:]))
    return {p for candidate in found if candidate for p in (candidate, unquote(candidate))}


def remember(dsn: str) -> None:
    """Mask the password of ``dsn`` in everything :func:`redact` is given from now on."""
    _KNOWN.update(_passwords_of(dsn))


def _fragments(passwords: set[str]) -> list[str]:
    pieces = {f for p in passwords for f in (p, *re.split(r"[@\s]+", p))}
    return sorted((p for p in pieces if len(p) >= _MIN_FRAGMENT), key=len, reverse=True)


def redact(text: str, dsn: str | None = None) -> str:
    """``text`` with passwords masked: those inside any URL or ``password=`` pair in it,
    the password of ``dsn`` and of every connection string given to :func:`remember`,
    wherever they appear, whole or in the pieces libpq may echo back from a malformed string."""
    passwords = _KNOWN | (_passwords_of(dsn) if dsn else set[str]())
    for fragment in _fragments(passwords):
        text = text.replace(fragment, MASK)
    text = _URL_PASSWORD.sub(rf"\1{MASK}@", text)
    text = _LOOSE_PASSWORD.sub(rf"\1{MASK}@", text)
    return _KV_PASSWORD.sub(rf"\1{MASK}", text)


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` safe for a terminal: every character that is not printable (ESC and other
    control characters, ``\\r``, line and paragraph separators, bidi overrides) written as its
    Python escape, so no name can clear the screen, rewrite or forge a line, or reverse the
    text around it. With ``keep_newlines``, newlines stay (for messages of several lines)."""
    return "".join(
        c
        if c.isprintable() or (keep_newlines and c == "\n")
        else c.encode("unicode_escape").decode()
        for c in text
    )
