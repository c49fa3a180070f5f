"""A small JSON-over-HTTP client with bounded time: what the comment and notifiers share.

Standard library only: publishing runs in CI jobs and pre-commit hooks where every import
counts, and the requests it makes are few and small.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["HttpFailure", "Response", "request_json"]

#: Statuses worth another try: the server is busy or briefly broken.
_RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
#: Seconds before the first retry; doubled for each further one, and capped.
_FIRST_BACKOFF_S = 0.5
_MAX_BACKOFF_S = 4.0


@dataclass(frozen=True)
class Response:
    """A successful answer (2xx)."""

    status: int
    body: object
    headers: Mapping[str, str]


class HttpFailure(Exception):
    """Every attempt failed. The message never holds the URL: it may be a secret."""


def _attempt(
    method: str, url: str, data: bytes | None, headers: Mapping[str, str], timeout: float
) -> Response:
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers))
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        raw = answer.read().decode("utf-8", errors="replace")
        try:
            body: object = json.loads(raw) if raw.strip() else None
        except ValueError:
            # Chat webhooks answer "ok" in plain text.
            body = raw
        return Response(answer.status, body, dict(answer.headers.items()))


def request_json(
    method: str,
    url: str,
    payload: object = None,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
    retries: int = 2,
) -> Response:
    """Send ``payload`` as JSON; the answer's body is decoded JSON, else its text.

    A timeout, a refused connection, or a status in ``_RETRY_STATUSES`` is tried again up to
    ``retries`` times, with a growing pause; any other 4xx fails at once.

    :raises HttpFailure: no attempt succeeded; says how the last one failed.
    """
    data = None if payload is None else json.dumps(payload).encode()
    sent = {"Accept": "application/json", "User-Agent": "schemasync", **(headers or {})}
    if data is not None:
        sent["Content-Type"] = "application/json"
    pause = _FIRST_BACKOFF_S
    tries = 0
    while True:
        tries += 1
        try:
            return _attempt(method, url, data, sent, timeout)
        except urllib.error.HTTPError as exc:
            reason, again = f"HTTP {exc.code}", exc.code in _RETRY_STATUSES
        except (urllib.error.URLError, OSError) as exc:
            cause = getattr(exc, "reason", exc)
            reason = "timed out" if isinstance(cause, TimeoutError) else "no connection"
            again = True
        if not again or tries > retries:
            raise HttpFailure(f"{reason} after {tries} {'try' if tries == 1 else 'tries'}")
        time.sleep(pause)
        pause = min(pause * 2, _MAX_BACKOFF_S)
