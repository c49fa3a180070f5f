"""Drift history: one JSON line per recorded check, and the timeline read back from them.

The file is meant to be committed or kept as a CI artifact, so it is append-only text: a
line per check (time, source, schema hash, counts by severity, the changes), never
rewritten. The timeline says, for each change, when it was first and last seen and when it
was resolved: the first later check of the same kind (same source, online or offline) that
no longer found it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import cast

import msgspec

from schemasync.changes import Severity
from schemasync.drift.check import CheckResult
from schemasync.errors import ConfigError
from schemasync.redact import printable

__all__ = ["Entry", "Episode", "append", "entry", "read", "render", "timeline"]

#: The version of an entry's layout; a reader refuses entries from a newer one.
FORMAT = 1


class Recorded(msgspec.Struct, frozen=True):
    """One change as the history keeps it."""

    severity: str
    kind: str
    path: str
    message: str = ""
    side: str = ""
    where: str | None = None


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """One recorded check."""

    format: int = FORMAT
    time: str
    source: str
    offline: bool
    schema_hash: str
    schema_version: int | None
    failed: bool
    counts: dict[str, int]
    stale: int = 0
    changes: tuple[Recorded, ...] = ()


def entry(result: CheckResult, *, source: str, now: dt.datetime | None = None) -> Entry:
    """The history entry of ``result``."""
    when = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    counts = Counter(c.severity for c in result.changes)
    return Entry(
        time=when.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        source=source,
        offline=result.offline,
        schema_hash=result.schema_hash,
        schema_version=result.lock.schema_version if result.lock else None,
        failed=result.failed,
        counts={s.name.lower(): counts[s] for s in sorted(counts, reverse=True)},
        stale=len(result.stale),
        changes=tuple(msgspec.convert(c.summary(), Recorded) for c in result.changes),
    )


def append(path: Path, item: Entry) -> None:
    """Add ``item`` as one line at the end of ``path`` (created with its folder if needed).

    The line goes out in one ``write`` on a file opened for appending, so two checks
    recording at once cannot interleave their lines.
    """
    line = msgspec.json.encode(item) + b"\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def read(path: Path) -> list[Entry]:
    """Every entry of ``path``, oldest first.

    :raises ConfigError: the file cannot be read, or a line is not an entry (named by line).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"no drift history at {path}",
            hint="record one with `schemasync check --record`",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the drift history {path}: {exc}") from exc
    entries: list[Entry] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = cast("object", json.loads(line))
            version = (
                cast("dict[str, object]", raw).get("format") if isinstance(raw, dict) else None
            )
            if isinstance(version, int) and version > FORMAT:
                raise ConfigError(
                    f"{path}:{number} was written by a newer schemasync (history format "
                    f"{version}; this one reads {FORMAT})",
                    hint="upgrade schemasync",
                )
            entries.append(msgspec.convert(raw, Entry))
        except (ValueError, msgspec.ValidationError) as exc:
            raise ConfigError(f"{path}:{number} is not a drift history entry: {exc}") from None
    return entries


@dataclass(frozen=True)
class Episode:
    """One change's life in the history: first and last seen, and when it went away."""

    severity: str
    kind: str
    path: str
    message: str
    #: ``source``, with ``(offline)`` for checks against the lock.
    checked: str
    first_seen: str
    last_seen: str
    #: How many recorded checks found it.
    seen: int
    #: The first later check of the same kind that did not find it; ``None`` while open.
    resolved: str | None


def _checked(item: Entry) -> str:
    return f"{item.source} (offline)" if item.offline else item.source


def timeline(entries: Sequence[Entry]) -> list[Episode]:
    """Each change's episodes, open ones first, worst first, then by when first seen.

    A change that goes away and comes back is two episodes.
    """
    current: dict[tuple[str, str, str], Episode] = {}
    done: list[Episode] = []
    for item in entries:
        checked = _checked(item)
        present = {(checked, c.kind, c.path): c for c in item.changes}
        for key in [k for k in current if k[0] == checked and k not in present]:
            done.append(replace(current.pop(key), resolved=item.time))
        for key, change in present.items():
            before = current.get(key)
            current[key] = Episode(
                severity=change.severity,
                kind=change.kind,
                path=change.path,
                message=change.message,
                checked=checked,
                first_seen=before.first_seen if before else item.time,
                last_seen=item.time,
                seen=before.seen + 1 if before else 1,
                resolved=None,
            )
    done += current.values()

    def order(episode: Episode) -> tuple[bool, int, str, str]:
        rank = Severity.parse(episode.severity)
        return (episode.resolved is not None, -rank, episode.first_seen, episode.path)

    return sorted(done, key=order)


def render(entries: Sequence[Entry], fmt: str, *, path: str) -> str:
    """The timeline as ``text`` (a line per episode) or ``json``."""
    episodes = timeline(entries)
    if fmt == "json":
        document = {
            "file": path,
            "checks": len(entries),
            "first": entries[0].time if entries else None,
            "last": entries[-1].time if entries else None,
            "episodes": [asdict(episode) for episode in episodes],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    checks = f"{len(entries)} check{'s' * (len(entries) != 1)}"
    span = f" from {entries[0].time} to {entries[-1].time}" if entries else ""
    lines = [f"drift history of {path}: {checks}{span}"]
    if not episodes:
        lines.append("no drift recorded")
    width = max((len(printable(e.path)) for e in episodes), default=0)
    for e in episodes:
        state = f"resolved {e.resolved}" if e.resolved else "open"
        seen = f"{e.seen} check{'s' * (e.seen != 1)}"
        lines.append(
            f"{e.severity.upper():<8}  {printable(e.path):<{width}}  {e.kind}  "
            f"[{printable(e.checked)}]  first seen {e.first_seen}, "
            f"last seen {e.last_seen} ({seen}), {state}"
        )
    return "\n".join(lines) + "\n"
