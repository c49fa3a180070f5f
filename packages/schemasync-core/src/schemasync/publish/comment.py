"""One pull-request comment that says what drifted, kept up to date.

The comment is found again by a hidden marker, so each push edits it instead of adding
another; it is created on the first drift, and marked resolved when a later push is clean.
Only ``GITHUB_TOKEN`` and the REST API are used: the variables a GitHub Actions runner sets
say where the API is, which repository and which event.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from schemasync.errors import UsageError
from schemasync.publish.http import request_json

__all__ = ["MAX_BODY", "CommentOutcome", "PullRequest", "marker", "publish", "pull_request"]

#: GitHub refuses comments over 65,536 characters; leave room for the marker and the note.
MAX_BODY = 60_000
_PAGE = 100
_API_VERSION = "2022-11-28"
CommentOutcome = Literal["created", "edited", "resolved", "unchanged", "none"]


@dataclass(frozen=True)
class PullRequest:
    """Where the comment goes, and the token that may write it."""

    api: str
    repository: str
    number: int
    token: str

    def url(self, path: str) -> str:
        """The API URL of ``path`` (``issues/7/comments``) in this repository."""
        return f"{self.api}/repos/{self.repository}/{path}"


def pull_request(env: Mapping[str, str]) -> PullRequest | None:
    """The pull request of this workflow run, or ``None`` when the event is not one.

    :raises UsageError: inside a pull request, but without the token or the repository.
    """
    event_path = env.get("GITHUB_EVENT_PATH")
    if not event_path:
        raise UsageError(
            "--comment needs GITHUB_EVENT_PATH, which GitHub Actions sets",
            hint="run it inside a workflow step of a pull_request event",
        )
    try:
        event: object = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the event in GITHUB_EVENT_PATH: {exc}") from exc
    pr = cast("dict[str, object]", event).get("pull_request") if isinstance(event, dict) else None
    number = cast("dict[str, object]", pr).get("number") if isinstance(pr, dict) else None
    if not isinstance(number, int):
        return None
    token, repository = env.get("GITHUB_TOKEN", ""), env.get("GITHUB_REPOSITORY", "")
    if not token or not repository:
        raise UsageError(
            "--comment needs GITHUB_TOKEN and GITHUB_REPOSITORY",
            hint="add `env: GITHUB_TOKEN: ${{ github.token }}` to the step, "
            "and `permissions: pull-requests: write` to the job",
        )
    api = env.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    return PullRequest(api=api, repository=repository, number=number, token=token)


def marker(key: str) -> str:
    """The hidden line that identifies the comment of one project (``key``) in a PR."""
    safe = re.sub(r"[^A-Za-z0-9._/-]", "_", key) or "."
    return f"<!-- schemasync-drift: {safe} -->"


def _bounded(report: str) -> str:
    """``report`` cut at a line boundary under GitHub's size limit, saying so."""
    if len(report) <= MAX_BODY:
        return report
    lines: list[str] = []
    size = 0
    for line in report.splitlines():
        if size + len(line) + 1 > MAX_BODY:
            break
        lines.append(line)
        size += len(line) + 1
    rest = len(report.splitlines()) - len(lines)
    return "\n".join(lines) + f"\n\n… {rest} more lines: the whole report is in the job summary.\n"


def _resolved(key_marker: str, schema_hash: str) -> str:
    return (
        f"{key_marker}\n## schemasync: schema drift\n\n"
        f"✅ Resolved: the latest push has no drift (checked schema `{schema_hash}`).\n"
    )


def _ours(pr: PullRequest, key_marker: str) -> tuple[int, str] | None:
    headers = _headers(pr)
    page = 1
    while True:
        answer = request_json(
            "GET",
            pr.url(f"issues/{pr.number}/comments?per_page={_PAGE}&page={page}"),
            headers=headers,
        )
        page_body: object = answer.body
        comments = cast("list[object]", page_body) if isinstance(page_body, list) else []
        for item in comments:
            if not isinstance(item, dict):
                continue
            comment = cast("dict[str, object]", item)
            body, ident = comment.get("body"), comment.get("id")
            if isinstance(body, str) and isinstance(ident, int) and key_marker in body:
                return ident, body
        if len(comments) < _PAGE:
            return None
        page += 1


def _headers(pr: PullRequest) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {pr.token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": _API_VERSION,
    }


def publish(pr: PullRequest, *, key: str, report: str | None, schema_hash: str) -> CommentOutcome:
    """Create, edit or resolve the project's comment on ``pr``.

    :param key: tells this project's comment from others' in the same pull request.
    :param report: the Markdown report when something drifted; ``None`` when clean.
    :param schema_hash: the checked schema, named in the resolved note.
    :returns: what was done.
    :raises HttpFailure: the API could not be reached or refused (the message holds no token).
    """
    key_marker = marker(key)
    found = _ours(pr, key_marker)
    if report is None:
        if found is None:
            return "none"
        body = _resolved(key_marker, schema_hash)
        outcome: CommentOutcome = "resolved"
    else:
        body = f"{key_marker}\n{_bounded(report)}"
        outcome = "created" if found is None else "edited"
    if found is not None and found[1] == body:
        return "unchanged"
    if found is None:
        method, path = "POST", f"issues/{pr.number}/comments"
    else:
        method, path = "PATCH", f"issues/comments/{found[0]}"
    request_json(method, pr.url(path), {"body": body}, headers=_headers(pr))
    return outcome
