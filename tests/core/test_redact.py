"""Passwords never reach the terminal, even from malformed connection strings."""

from __future__ import annotations

import pytest

from schemasync.redact import MASK, redact


@pytest.mark.parametrize(
    ("text", "dsn", "secret_parts"),
    [
        ("connecting to postgresql://app:Sup3r-Secret@db:5432/x", None, ["Sup3r-Secret"]),
        ("host=db password=Sup3r-Secret user=app", None, ["Sup3r-Secret"]),
        ("host=db password='Sup3r Secret' user=app", None, ["Sup3r Secret"]),
        # libpq quotes the part after an unquoted space as an unknown option.
        ('invalid connection option "Secret-Pw"', "host=h password=Sup3r Secret-Pw", ["Secret-Pw"]),
        # A raw "@" in a URL password makes libpq read part of it as the host.
        ("cannot connect to u@Secret@[x:5432/db", "postgresql://u:Sup3r@Secret@[x/db", ["Secret"]),
        ("the password p@ss!word was rejected", "postgresql://u:p%40ss%21word@h/db", ["p@ss!word"]),
    ],
)
def test_passwords_are_masked(text: str, dsn: str | None, secret_parts: list[str]) -> None:
    masked = redact(text, dsn)
    assert MASK in masked
    for part in secret_parts:
        assert part not in masked


def test_text_without_passwords_is_left_alone() -> None:
    text = "nothing accepts connections at app@db:5432/x"
    assert redact(text, "postgresql://app@db:5432/x") == text
