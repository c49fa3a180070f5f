"""Changes between two schemas, and how much each one matters to code using the models."""

from __future__ import annotations

import enum

import msgspec

__all__ = ["Change", "Severity"]


class Severity(enum.IntEnum):
    """How badly a change affects code that uses the generated models; higher is worse."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Read a severity name in any case (``high``, ``HIGH``); :class:`ValueError` if unknown."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown severity {text!r}; expected one of {names}") from None


class Change(msgspec.Struct, frozen=True, kw_only=True):
    """One difference between an old and a new schema.

    ``kind`` is a stable identifier such as ``column.removed`` or ``enum.label_added``;
    ``path`` names the object (``public.projects.status``); ``before`` and ``after`` hold the
    old and new values in JSON-compatible form (``None`` when the object did not exist).
    """

    kind: str
    path: str
    before: object = None
    after: object = None
    #: A one-line human description.
    message: str = ""
