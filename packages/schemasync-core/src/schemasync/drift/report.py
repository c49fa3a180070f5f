"""Output of ``check``, ``diff`` and ``report``: terminal text, JSON, Markdown and GitHub
workflow annotations, all from one :class:`~schemasync.drift.check.CheckResult`.

Every text that comes from the database or the code (paths, comments, expressions, labels)
is escaped for the format it lands in, so no name can break a table or forge an annotation.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Literal

from schemasync.changes import Severity
from schemasync.drift.check import CheckResult, StaleFile
from schemasync.drift.severity import RankedChange
from schemasync.drift.workflow import command
from schemasync.redact import printable

__all__ = ["Format", "render"]

Format = Literal["text", "json", "markdown", "github"]

_COLOURS = {
    Severity.CRITICAL: "\033[1;31m",
    Severity.HIGH: "\033[31m",
    Severity.MEDIUM: "\033[33m",
    Severity.LOW: "\033[2m",
}
_RESET = "\033[0m"
_ICONS = {
    Severity.CRITICAL: "🔴",
    Severity.HIGH: "🟠",
    Severity.MEDIUM: "🟡",
    Severity.LOW: "⚪",
}


def render(result: CheckResult, fmt: Format, *, detail: bool = False, colour: bool = False) -> str:
    """``result`` in ``fmt``.

    :param detail: include before and after values (``diff``).
    :param colour: ANSI colours in text output (a terminal).
    """
    if fmt == "json":
        return _json(result)
    if fmt == "markdown":
        return _markdown(result, detail=detail)
    if fmt == "github":
        return _github(result)
    return _text(result, detail=detail, colour=colour)


def _sides(result: CheckResult) -> str:
    sides = {"lock": "the lock", "code": "the models", "both": "the lock and the models"}
    subject = "the lock" if result.offline else "the database"
    checked = "the models" if result.offline else sides[result.against]
    return f"{subject} vs {checked}"


def _found_in(change: RankedChange) -> str:
    return f"code: {change.where}" if change.where else change.side


def _summary(result: CheckResult) -> str:
    counts = Counter(c.severity for c in result.changes)
    parts = [f"{counts[s]} {s.name.lower()}" for s in sorted(counts, reverse=True)]
    noun = "change" if len(result.changes) == 1 else "changes"
    text = f"{len(result.changes)} {noun}" + (f" ({', '.join(parts)})" if parts else "")
    states = Counter("leftover" if s.state == "leftover" else "stale" for s in result.stale)
    for state in ("stale", "leftover"):
        if states[state]:
            text += f", {states[state]} {state} generated file{'s' * (states[state] > 1)}"
    verdict = "failing" if result.failed else "passing"
    return f"{text}; {verdict} at {result.fail_on.name.lower()} or above"


def _stale_text(stale: StaleFile) -> str:
    """What is wrong with a generated file, and the command that fixes it."""
    if stale.state == "leftover":
        return "generated earlier, no longer produced; run `schemasync run` to delete it"
    return f"{stale.state}; run `schemasync run` to regenerate it"


def _version(result: CheckResult) -> str:
    lock = result.lock
    return f"schema version {lock.schema_version}" if lock else "no lock"


def _one_line_ok(result: CheckResult) -> str:
    return f"ok: no drift ({_sides(result)}; {_version(result)}, {result.schema_hash[:19]})\n"


def _line(text: str) -> str:
    """``text`` on one line: control characters escaped, so a name holding a newline cannot
    start a line of its own (which CI would read as a workflow command)."""
    return printable(text)


def _value(value: object) -> str:
    return _line(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def _text(result: CheckResult, *, detail: bool, colour: bool) -> str:
    if not result.changes and not result.stale:
        return _one_line_ok(result)
    width = max((len(c.change.path) for c in result.changes), default=0)
    lines: list[str] = []
    for ranked in result.changes:
        change = ranked.change
        level = f"{ranked.severity.name:<8}"
        if colour:
            level = f"{_COLOURS[ranked.severity]}{level}{_RESET}"
        lines.append(
            f"{level}  {_line(change.path):<{width}}  {change.kind}: {_line(change.message)}  "
            f"[{_line(_found_in(ranked))}]"
        )
        # What was added has no before, what was removed no after: only what there is.
        if detail and change.before is not None:
            lines.append(f"{'':10}  before: {_value(change.before)}")
        if detail and change.after is not None:
            lines.append(f"{'':10}  after:  {_value(change.after)}")
    for stale in result.stale:
        label = "LEFTOVER" if stale.state == "leftover" else "STALE"
        level = f"{label:<8}"
        if colour:
            level = f"{_COLOURS[Severity.HIGH]}{level}{_RESET}"
        lines.append(f"{level}  {_line(stale.path)}: {_stale_text(stale)}")
    lines.append(_summary(result) + f" ({_sides(result)})")
    return "\n".join(lines) + "\n"


def _json(result: CheckResult) -> str:
    document = {
        "failed": result.failed,
        "fail_on": result.fail_on.name.lower(),
        "against": result.against,
        "offline": result.offline,
        "schema_version": result.lock.schema_version if result.lock else None,
        "lock_hash": result.lock.hash if result.lock else None,
        "schema_hash": result.schema_hash,
        "changes": [
            {**c.summary(), "before": c.change.before, "after": c.change.after}
            for c in result.changes
        ],
        "stale": [{"path": s.path, "state": s.state} for s in result.stale],
        "model_files": result.model_files,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    """``text`` inside a Markdown table cell: no HTML, no column breaks, one line."""
    # Markdown's own characters first: the entities added below contain # and &.
    for char in "\\*_[]#~":
        text = text.replace(char, "\\" + char)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "&#124;")
        .replace("`", "&#96;")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "<br>")
    )


def _code(text: str) -> str:
    """``text`` as inline code inside a table cell."""
    return f"<code>{_cell(text)}</code>"


def _markdown(result: CheckResult, *, detail: bool) -> str:
    lock = result.lock
    lines = ["## schemasync: schema drift", ""]
    locked = (
        f"Lock: schema version {lock.schema_version}, {_code(lock.hash)}" if lock else "No lock"
    )
    if not result.changes and not result.stale:
        lines.append(f"✅ No drift: {_cell(_sides(result))}.")
    else:
        icon = "❌" if result.failed else "⚠️"
        lines.append(f"{icon} {_cell(_summary(result))}.")
    lines += [
        "",
        f"Compared {_cell(_sides(result))}. {locked}; checked schema {_code(result.schema_hash)}.",
    ]
    if result.changes:
        lines += ["", "| Severity | Object | Change | Found in |", "|---|---|---|---|"]
        for ranked in result.changes:
            change = ranked.change
            lines.append(
                f"| {_ICONS[ranked.severity]} {ranked.severity.name} | {_code(change.path)} | "
                f"{_code(change.kind)}: {_cell(change.message)} | {_cell(_found_in(ranked))} |"
            )
    if result.stale:
        lines += ["", "**Stale generated files** (run `schemasync run` and commit):", ""]
        lines += [f"- {_code(s.path)}: {_cell(_stale_text(s))}" for s in result.stale]
    if detail and result.changes:
        lines += ["", "<details><summary>Before and after</summary>", ""]
        lines += ["| Object | Change | Before | After |", "|---|---|---|---|"]
        for ranked in result.changes:
            change = ranked.change
            lines.append(
                f"| {_code(change.path)} | {_code(change.kind)} | "
                f"{_code(_value(change.before))} | {_code(_value(change.after))} |"
            )
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _github(result: CheckResult) -> str:
    """Workflow commands: one annotation per change, ``error`` at or above the threshold."""
    lines: list[str] = []
    for ranked in result.changes:
        change = ranked.change
        file, _, line = ranked.where.rpartition(":") if ranked.where else ("", "", "")
        lines.append(
            command(
                "error" if ranked.severity >= result.fail_on else "warning",
                f"{change.path}: {change.message} [{_found_in(ranked)}]",
                title=f"{ranked.severity.name} {change.kind}",
                file=file or None,
                line=line or None,
            )
        )
    for stale in result.stale:
        message = f"{stale.path}: {_stale_text(stale)}, and commit"
        title = "leftover generated file" if stale.state == "leftover" else "stale generated file"
        lines.append(command("error", message, file=stale.path, title=title))
    lines.append(command("notice", _summary(result), title="schemasync"))
    return "\n".join(lines) + "\n"
