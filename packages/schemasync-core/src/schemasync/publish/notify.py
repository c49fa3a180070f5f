"""Notifications: a check's result sent to a team's chat or to any JSON webhook.

``[tool.schemasync.notify]`` holds the defaults (``min_severity``, ``timeout``, ``retries``)
and one table per target. A target names the environment variable that holds its URL, never
the URL itself: for incoming webhooks the URL is the secret. The core's notifiers handle the
kinds ``slack`` (Slack-compatible incoming webhooks: Slack, Mattermost, Rocket.Chat...) and
``webhook`` (a JSON document); plugins add kinds through ``schemasync_notify``.

A failed notification is reported and never changes the check's exit code.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from schemasync.api import Delivery, Notification, NotifyTarget
from schemasync.changes import Severity
from schemasync.config import Config
from schemasync.errors import ConfigError
from schemasync.hookspecs import hookimpl
from schemasync.redact import printable

# A plugin module, so imported by every command: what only sending needs (the drift check,
# urllib and ssl) is imported when something is sent.
if TYPE_CHECKING:
    from schemasync.drift.check import CheckResult

__all__ = [
    "Due",
    "due_targets",
    "notification",
    "project_name",
    "schemasync_notify",
    "send",
    "slack_payload",
    "webhook_payload",
]

#: Keys of ``[tool.schemasync.notify]`` and of each target table that the core reads.
_DEFAULTS = {"min_severity": "high", "timeout": 10.0, "retries": 2}
_TARGET_KEYS = {"kind", "url_env", *_DEFAULTS}
#: At most this many changes are listed in a chat message; the rest are counted.
CHAT_CHANGES = 15
#: At most this many changes are sent to a webhook; ``truncated`` says when there were more.
WEBHOOK_CHANGES = 500
#: Bounds that keep a misconfigured target from holding a CI job for long.
MAX_TIMEOUT_S = 60.0
MAX_RETRIES = 5


def _key(name: str) -> str:
    return name.replace("-", "_")


def _number(value: object, what: str, origin: str, *, upper: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= upper:
        raise ConfigError(f"{what} in {origin} must be a number above 0 and at most {upper:g}")
    return float(value)


def _severity(value: object, what: str, origin: str) -> Severity:
    try:
        return Severity.parse(str(value))
    except ValueError as exc:
        raise ConfigError(f"{what} in {origin}: {exc}") from None


@dataclass(frozen=True)
class Due:
    """A configured target and the lowest severity it wants to hear about."""

    #: ``None`` when the environment variable holding the URL is not set.
    target: NotifyTarget | None
    name: str
    url_env: str
    min_severity: Severity


def due_targets(config: Config, environ: Mapping[str, str] | None = None) -> list[Due]:
    """The targets of ``[tool.schemasync.notify]``, URLs read from the environment.

    :raises ConfigError: a key or value the table cannot have (named with its table).
    """
    environ = os.environ if environ is None else environ
    table = config.settings.notify
    origin = config.origin
    defaults = {k: table.get(k, table.get(k.replace("_", "-"), v)) for k, v in _DEFAULTS.items()}
    found: list[Due] = []
    for name, raw in table.items():
        if _key(name) in _DEFAULTS:
            continue
        if not isinstance(raw, dict):
            raise ConfigError(
                f"'notify.{name}' in {origin} is not a target table",
                hint="targets are tables such as [tool.schemasync.notify.team-chat] with a "
                "url_env; the other keys are min_severity, timeout and retries",
            )
        entry = {_key(k): v for k, v in cast("dict[str, object]", raw).items()}
        where = f"[notify.{name}] of {origin}"
        url_env = entry.get("url_env")
        if not isinstance(url_env, str) or not url_env:
            raise ConfigError(
                f"'url_env' is missing in {where}",
                hint="name the environment variable that holds the webhook URL",
            )
        kind = entry.get("kind", name)
        settings = {k: entry.get(k, v) for k, v in defaults.items()}
        floor = _severity(settings["min_severity"], "'min_severity'", where)
        timeout = _number(settings["timeout"], "'timeout'", where, upper=MAX_TIMEOUT_S)
        retries = settings["retries"]
        if (
            isinstance(retries, bool)
            or not isinstance(retries, int)
            or not 0 <= retries <= MAX_RETRIES
        ):
            raise ConfigError(
                f"'retries' in {where} must be a whole number from 0 to {MAX_RETRIES}"
            )
        url = environ.get(url_env, "").strip()
        target = None
        if url:
            target = NotifyTarget(
                name=name,
                kind=str(kind),
                url=url,
                url_env=url_env,
                timeout=timeout,
                retries=retries,
                options={k: v for k, v in entry.items() if k not in _TARGET_KEYS},
            )
        found.append(Due(target, name, url_env, floor))
    return found


def notification(
    result: CheckResult, *, project: str, source: str, url: str | None
) -> Notification:
    """``result`` as the plain data every notifier receives."""
    counts = Counter(c.severity for c in result.changes)
    worst = max(counts) if counts else None
    return Notification(
        project=project,
        source=source,
        schema_hash=result.schema_hash,
        failed=result.failed,
        fail_on=result.fail_on.name.lower(),
        worst=worst.name.lower() if worst else None,
        counts={s.name.lower(): counts[s] for s in sorted(counts, reverse=True)},
        changes=[c.summary() for c in result.changes],
        url=url,
    )


def send(
    due: Sequence[Due],
    message: Notification,
    hook: Callable[..., list[Sequence[Delivery]]],
) -> list[Delivery]:
    """Send ``message`` to every target whose threshold its worst change reaches.

    :param hook: ``host.hook.schemasync_notify``.
    :returns: one delivery per target due a message, in the order configured.
    """
    if message.worst is None:
        return []
    worst = Severity.parse(message.worst)
    reached = [d for d in due if worst >= d.min_severity]
    results: list[Delivery] = []
    ready = [d.target for d in reached if d.target is not None]
    delivered: dict[str, Delivery] = {}
    if ready:
        for batch in hook(notification=message, targets=ready):
            for delivery in batch:
                delivered.setdefault(delivery.target, delivery)
    for d in reached:
        if d.target is None:
            results.append(Delivery(d.name, False, f"${d.url_env} is not set; nothing sent"))
        else:
            kind = d.target.kind
            results.append(
                delivered.get(d.name, Delivery(d.name, False, f"no notifier handles kind {kind!r}"))
            )
    return results


# --- the core's notifiers -------------------------------------------------------------------


def _mrkdwn(text: str) -> str:
    """Slack's three control characters as entities, so no name can make a link or mention."""
    return printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _summary(message: Notification) -> str:
    counts = ", ".join(f"{n} {s}" for s, n in message.counts.items())
    total = sum(message.counts.values())
    noun = "change" if total == 1 else "changes"
    return f"schema drift in {message.project} ({message.source}): {total} {noun} ({counts})"


def slack_payload(message: Notification) -> dict[str, object]:
    """An incoming-webhook message: a summary, the worst changes, and the link to the run.

    Database names go into ``plain_text`` blocks, which Slack never interprets, and into the
    fallback ``text`` with Slack's control characters escaped.
    """
    shown = message.changes[:CHAT_CHANGES]
    lines = [
        f"{str(c['severity']).upper()}  {printable(str(c['path']))}  {c['kind']}: "
        f"{printable(str(c['message']))}"
        for c in shown
    ]
    if len(message.changes) > len(shown):
        lines.append(f"… and {len(message.changes) - len(shown)} more")
    blocks: list[dict[str, object]] = [
        {"type": "section", "text": {"type": "plain_text", "text": printable(_summary(message))}},
        {"type": "section", "text": {"type": "plain_text", "text": "\n".join(lines)[:2900]}},
    ]
    if message.url:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"<{_mrkdwn(message.url)}|the run>"}],
            }
        )
    return {"text": _mrkdwn(_summary(message)), "blocks": blocks}


def webhook_payload(message: Notification) -> dict[str, object]:
    """A JSON document with every field of the notification (changes bounded in number)."""
    return {
        "event": "schemasync.drift",
        "format": 1,
        "project": message.project,
        "source": message.source,
        "schema_hash": message.schema_hash,
        "failed": message.failed,
        "fail_on": message.fail_on,
        "worst": message.worst,
        "counts": dict(message.counts),
        "changes": [dict(c) for c in message.changes[:WEBHOOK_CHANGES]],
        "truncated": len(message.changes) > WEBHOOK_CHANGES,
        "url": message.url,
    }


_PAYLOADS = {"slack": slack_payload, "webhook": webhook_payload}


@hookimpl(trylast=True)
def schemasync_notify(
    notification: Notification, targets: Sequence[NotifyTarget]
) -> Sequence[Delivery]:
    """The core's notifiers: ``slack`` and ``webhook`` targets."""
    from schemasync.publish.http import HttpFailure, request_json

    deliveries: list[Delivery] = []
    for target in targets:
        payload = _PAYLOADS.get(target.kind)
        if payload is None:
            continue
        try:
            answer = request_json(
                "POST",
                target.url,
                payload(notification),
                timeout=target.timeout,
                retries=target.retries,
            )
        except HttpFailure as exc:
            deliveries.append(Delivery(target.name, False, f"failed: {exc}"))
        else:
            deliveries.append(Delivery(target.name, True, f"sent (HTTP {answer.status})"))
    return deliveries


def project_name(root: Path) -> str:
    """How messages name the project: its folder."""
    return root.resolve().name or str(root)
