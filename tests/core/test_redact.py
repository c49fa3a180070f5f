"""Passwords never reach the terminal, even from malformed connection strings."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import run_cli
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


#: Malformed or unusual URLs, each holding the password ``Secret-Typo1`` in some form.
MALFORMED_URLS = [
    "postgresql:/u:Secret-Typo1@127.0.0.1:55433/db",
    "postgresql//u:Secret-Typo1@127.0.0.1:55433/db",
    "postgresql:u:Secret-Typo1@127.0.0.1:55433/db",
    "postgres:/u:Secret-Typo1@127.0.0.1:55433/db",
    "postgres//u:Secret-Typo1@127.0.0.1:55433/db",
    "postgresq://u:Secret-Typo1@127.0.0.1:55433/db",
    "u:Secret-Typo1@127.0.0.1:55433/db",
    "postgresql://u:Secret%2DTypo1@127.0.0.1:55433/db?sslmode=bogus",
    "postgresql://u:Secret-Typo1@127.0.0.1:55433/db?sslmode=bogus",
    "postgresql://u@127.0.0.1:55433/db?password=Secret-Typo1&sslmode=bogus",
    "postgresql://u:Secret-Typo1@[127.0.0.1:55433/db",
    "host=127.0.0.1 port=55433 password=Secret-Typo1 sslmode=bogus",
    "host=127.0.0.1 port=x password=Secret-Typo1",
    "host=127.0.0.1 password='Secret-Typo1 port=55433",
    "host=127.0.0.1 password = Secret-Typo1 bogus",
    "postgresql://u:Secret-Typo1@127.0.0.1:55433/db extra words",
]


@pytest.mark.parametrize("url", MALFORMED_URLS)
@pytest.mark.parametrize("debug", [False, True])
def test_cli_never_prints_the_password_of_a_malformed_url(
    url: str, debug: bool, tmp_path: Path
) -> None:
    args = ("--debug", "inspect") if debug else ("inspect",)
    result = run_cli(*args, cwd=tmp_path, dsn=url, timeout=60)
    assert result.code != 0
    for secret in ("Secret-Typo1", "Secret%2DTypo1", "Typo1"):
        assert secret not in result.stdout + result.stderr, result.stderr


@pytest.mark.parametrize("url", MALFORMED_URLS)
def test_redact_masks_a_known_dsn_echoed_whole(url: str) -> None:
    masked = redact(f'missing "=" after "{url}" in connection info string', url)
    assert "Typo1" not in masked
