"""What ``check`` and ``report`` do with a result besides printing it: the GitHub step
summary, the pull-request comment, the drift history and notifications.

Each is best effort once the drift is known: a failed comment or notification is reported
on stderr and never changes the exit code, which is the drift's alone.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from schemasync.config import Config
from schemasync.errors import UsageError
from schemasync.plugins import PluginHost

if TYPE_CHECKING:  # imported by the CLI for every command; ``run`` needs no drift checking
    from schemasync.drift.check import CheckResult

__all__ = ["add_publish_options", "publish"]

log = logging.getLogger("schemasync")


def add_publish_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``check`` and ``report`` that send the result somewhere."""
    group = parser.add_argument_group("publish")
    group.add_argument(
        "--step-summary",
        action="store_true",
        help="also append the Markdown report to the file in $GITHUB_STEP_SUMMARY",
    )
    group.add_argument(
        "--comment",
        action="store_true",
        help="keep one pull-request comment up to date (GitHub Actions, GITHUB_TOKEN)",
    )
    group.add_argument(
        "--record",
        nargs="?",
        const="",
        metavar="FILE",
        help="append this check to the drift history (default: history_file in config)",
    )
    group.add_argument(
        "--no-notify", action="store_true", help="send no notification, whatever the config"
    )


def _run_url() -> str | None:
    names = ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    server, repo, run = (os.environ.get(name) for name in names)
    return f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None


def _step_summary(markdown: str) -> None:
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        raise UsageError(
            "--step-summary needs GITHUB_STEP_SUMMARY, which GitHub Actions sets",
            hint="run it inside a workflow step, or use `schemasync report --output FILE`",
        )
    with open(summary, "a", encoding="utf-8") as handle:
        handle.write(markdown)


def _comment(config: Config, result: CheckResult, markdown: str) -> None:
    from schemasync.publish.comment import publish as publish_comment
    from schemasync.publish.comment import pull_request
    from schemasync.publish.http import HttpFailure

    pr = pull_request(os.environ)
    if pr is None:
        log.info("not a pull request: no comment")
        return
    workspace = Path(os.environ.get("GITHUB_WORKSPACE") or config.root).resolve()
    root = config.root.resolve()
    key = str(root.relative_to(workspace.resolve())) if root.is_relative_to(workspace) else "."
    drifted = bool(result.changes or result.stale)
    try:
        outcome = publish_comment(
            pr, key=key, report=markdown if drifted else None, schema_hash=result.schema_hash
        )
    except HttpFailure as exc:
        log.warning(
            "could not update the pull-request comment: %s (the job needs "
            "`permissions: pull-requests: write`)",
            exc,
        )
        return
    if outcome != "none":
        log.info("pull-request comment %s", outcome)


def _notify(host: PluginHost, config: Config, result: CheckResult, source: str) -> None:
    from schemasync.publish.notify import due_targets, notification, project_name, send

    due = due_targets(config)
    if not due:
        return
    message = notification(result, project=project_name(config.root), source=source, url=_run_url())
    for delivery in send(due, message, host.hook.schemasync_notify):
        if delivery.ok:
            log.info("notified %s: %s", delivery.target, delivery.detail)
        else:
            log.warning("notification to %s not delivered: %s", delivery.target, delivery.detail)


def publish(
    args: argparse.Namespace,
    host: PluginHost,
    config: Config,
    result: CheckResult,
    *,
    detail: bool,
) -> None:
    """Send ``result`` where the options and the config say.

    :param detail: the step summary holds before and after values (``report``).

    :raises UsageError: ``--step-summary`` or ``--comment`` outside GitHub Actions.
    """
    source = "lock" if result.offline else (args.source or config.settings.source)
    if args.step_summary or args.comment:
        from schemasync.drift.report import render

        if args.step_summary:
            _step_summary(render(result, "markdown", detail=detail))
        if args.comment:
            _comment(config, result, render(result, "markdown", detail=False))
    if args.record is not None:
        from schemasync.publish.history import append, entry

        path = config.root / (args.record or config.settings.history_file)
        append(path, entry(result, source=source))
    if not result.offline and not args.no_notify:
        _notify(host, config, result, source)
