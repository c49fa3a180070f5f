"""How much each change matters: config overrides, then plugins, then the default table.

The default rules (:data:`schemasync.drift.diff.KINDS`, the brief's table) are a ``trylast`` hook
implementation, so a third-party plugin answering ``schemasync_severity`` takes precedence;
the project's own ``severity`` settings take precedence over both.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping

import msgspec

from schemasync.changes import Change, Severity
from schemasync.drift.diff import KINDS
from schemasync.hookspecs import hookimpl

__all__ = ["RankedChange", "classify", "schemasync_severity"]

#: What a change of a kind no rule knows (a third party's, with no rule of its own) gets.
UNKNOWN_KIND = Severity.MEDIUM


class RankedChange(msgspec.Struct, frozen=True, kw_only=True):
    """A change with its severity, and where its evidence was found."""

    change: Change
    severity: Severity
    #: ``lock``, ``code`` or ``files``: which side of the check reported it.
    side: str
    #: ``file:line`` of the model concerned, for changes found in code.
    where: str = ""

    def summary(self) -> dict[str, object]:
        """The change as plain data, without its values: what reports, notifications and
        the history keep (``where`` is ``None`` outside code)."""
        return {
            "severity": self.severity.name.lower(),
            "kind": self.change.kind,
            "path": self.change.path,
            "message": self.change.message,
            "side": self.side,
            "where": self.where or None,
        }


@hookimpl(trylast=True)
def schemasync_severity(change: Change, options: Mapping[str, object]) -> Severity:
    """The default rules: the severity table of docs/drift.md, by change kind."""
    return KINDS.get(change.kind, UNKNOWN_KIND)


def _override(overrides: Mapping[str, str]) -> Callable[[str], Severity | None]:
    """A lookup of the ``severity`` settings: an exact kind first, then the first pattern."""
    exact = {kind: Severity.parse(level) for kind, level in overrides.items() if "*" not in kind}
    patterns = [
        (pattern, Severity.parse(level)) for pattern, level in overrides.items() if "*" in pattern
    ]

    def lookup(kind: str) -> Severity | None:
        if kind in exact:
            return exact[kind]
        return next(
            (level for pattern, level in patterns if fnmatch.fnmatchcase(kind, pattern)), None
        )

    return lookup


def classify(
    changes: Iterable[tuple[Change, str, str]],
    ask: Callable[..., Severity | None],
    overrides: Mapping[str, str],
    options: Mapping[str, object],
) -> list[RankedChange]:
    """Rank ``(change, side, where)`` triples, worst first, then by path.

    :param ask: the ``schemasync_severity`` hook caller.
    :param overrides: the project's ``severity`` settings (kind or pattern to level).
    :param options: the raw settings table, handed to plugins.
    """
    override = _override(overrides)
    ranked: list[RankedChange] = []
    for change, side, where in changes:
        level = override(change.kind)
        if level is None:
            level = ask(change=change, options=options) or UNKNOWN_KIND
        ranked.append(RankedChange(change=change, severity=level, side=side, where=where))
    ranked.sort(key=lambda r: (-r.severity, r.change.path, r.change.kind))
    return ranked
