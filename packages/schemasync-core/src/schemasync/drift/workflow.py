"""GitHub Actions workflow commands (``::error file=...::message``), escaped as GitHub
defines, so no text from a schema or a migration can end a command early or forge one."""

from __future__ import annotations

__all__ = ["command"]


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: object) -> str:
    """One workflow command line (no newline): ``level`` is ``error``, ``warning`` or
    ``notice``; ``properties`` (``file``, ``line``, ``col``, ``title``) are left out when None."""
    given = ",".join(
        f"{name}={_property(str(value))}" for name, value in properties.items() if value is not None
    )
    return f"::{level}{' ' + given if given else ''}::{_data(message)}"
