"""Notifications after ``check``: Slack-compatible and JSON webhooks, against a local
server, on a real database that drifted.

A notification is sent only at or above its threshold, never offline; a slow or failing
server costs a bounded time and a warning, never the check's exit code; the URL, which is
the secret, is never printed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from cli import Result, run_cli
from http_stub import Answer, Request, Stub, serve
from pg import run_sql
from publish_support import lock

SECRET = "T000/B000/secret-token-xyz"
#: A column name that would be a link, a mention and a second line in a chat message.
HOSTILE = "<!channel> *bold*\nsecond line"

SETTINGS = """\
[tool.schemasync.notify]
min_severity = "high"
timeout = 1
retries = 1

[tool.schemasync.notify.team-chat]
kind = "slack"
url_env = "CHAT_URL"

[tool.schemasync.notify.ops]
kind = "webhook"
url_env = "OPS_URL"
min_severity = "critical"

[tool.schemasync.notify.pager]
kind = "webhook"
url_env = "PAGER_URL_NOT_SET"
"""


def ok(request: Request) -> Answer:
    return 200, None


def slow(request: Request) -> Answer:
    time.sleep(3)
    return 200, None


def drifted(dsn: str, root: Path, change: str) -> None:
    run_sql(dsn, f'CREATE TABLE projects (id int PRIMARY KEY, note text, "{HOSTILE}" int)')
    lock(root, dsn, SETTINGS)
    run_sql(dsn, change)


def check(root: Path, dsn: str, stub: Stub, *args: str) -> Result:
    env = {
        "CHAT_URL": f"{stub.url}/chat/{SECRET}",
        "OPS_URL": f"{stub.url}/ops/{SECRET}",
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_REPOSITORY": "acme/app",
        "GITHUB_RUN_ID": "42",
    }
    return run_cli("check", *args, cwd=root, dsn=dsn, env=env)


def by_path(stub: Stub) -> dict[str, list[Request]]:
    found: dict[str, list[Request]] = {}
    for request in stub.requests:
        found.setdefault(request.path.split("/")[1], []).append(request)
    return found


def test_every_target_at_its_threshold_gets_its_payload(pg_dsn: str, tmp_path: Path) -> None:
    drifted(pg_dsn, tmp_path, f'ALTER TABLE projects DROP COLUMN "{HOSTILE}"')
    with serve(ok) as stub:
        result = check(tmp_path, pg_dsn, stub)
    assert result.code == 1
    sent = by_path(stub)
    assert sorted(sent) == ["chat", "ops"]
    [chat], [ops] = sent["chat"], sent["ops"]

    assert isinstance(chat.body, dict)
    assert chat.body["text"].startswith(f"schema drift in {tmp_path.name} (postgres): 1 change")
    summary, changes = chat.body["blocks"][:2]
    assert summary["text"]["type"] == changes["text"]["type"] == "plain_text"
    line = changes["text"]["text"]
    # The name stays on its line, and as plain text Slack makes no mention or link of it.
    assert line == (
        "CRITICAL  public.projects.<!channel> *bold*\\nsecond line  column.removed: column removed"
    )
    assert (
        chat.body["blocks"][2]["elements"][0]["text"]
        == "<https://github.example/acme/app/actions/runs/42|the run>"
        or len(chat.body["blocks"]) == 2
    )

    assert isinstance(ops.body, dict)
    assert ops.headers["content-type"] == "application/json"
    assert {k: ops.body[k] for k in ("event", "format", "source", "failed", "worst")} == {
        "event": "schemasync.drift",
        "format": 1,
        "source": "postgres",
        "failed": True,
        "worst": "critical",
    }
    assert ops.body["counts"] == {"critical": 1}
    assert ops.body["changes"] == [
        {
            "severity": "critical",
            "kind": "column.removed",
            "path": f"public.projects.{HOSTILE}",
            "message": "column removed",
            "side": "lock",
            "where": None,
        }
    ]
    assert "notified team-chat: sent (HTTP 200)" in result.stderr
    assert "notified ops: sent (HTTP 200)" in result.stderr
    assert "notification to pager not delivered: $PAGER_URL_NOT_SET is not set" in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_below_the_threshold_offline_or_told_not_to_nothing_is_sent(
    pg_dsn: str, tmp_path: Path
) -> None:
    # Making a column NOT NULL is below both thresholds.
    drifted(pg_dsn, tmp_path, "ALTER TABLE projects ALTER COLUMN note SET NOT NULL")
    with serve(ok) as stub:
        low = check(tmp_path, pg_dsn, stub)
        run_sql(pg_dsn, "ALTER TABLE projects DROP COLUMN note")
        told = check(tmp_path, pg_dsn, stub, "--no-notify")
        offline = check(tmp_path, pg_dsn, stub, "--offline")
    assert low.code == 0, low.stderr
    assert (told.code, offline.code) == (1, 0)
    assert stub.requests == []
    # HIGH reaches the chat's threshold but not the ops one's.
    run_sql(pg_dsn, "ALTER TABLE projects ADD COLUMN owner int NOT NULL")
    with serve(ok) as stub:
        check(tmp_path, pg_dsn, stub, "--fail-on", "critical")
    assert sorted(by_path(stub)) == ["chat", "ops"]  # the dropped note is CRITICAL


@pytest.mark.parametrize(
    ("answer", "detail", "tries"),
    [
        (lambda request: (500, {"error": "down"}), "failed: HTTP 500 after 2 tries", 2),
        (lambda request: (404, None), "failed: HTTP 404 after 1 try", 1),
        (slow, "failed: timed out after 2 tries", 2),
    ],
    ids=["server-error", "not-found", "timeout"],
)
def test_a_failed_notification_is_a_warning_and_never_the_exit_code(
    pg_dsn: str,
    tmp_path: Path,
    answer: Callable[[Request], Answer],
    detail: str,
    tries: int,
) -> None:
    drifted(pg_dsn, tmp_path, "ALTER TABLE projects DROP COLUMN note")
    with serve(answer) as stub:
        result = check(tmp_path, pg_dsn, stub)
    assert result.code == 1
    assert f"notification to team-chat not delivered: {detail}" in result.stderr
    assert len(by_path(stub)["chat"]) == tries
    assert SECRET not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("table", "error"),
    [
        (
            '[tool.schemasync.notify.chat]\nkind = "slack"\n',
            "'url_env' is missing in [notify.chat]",
        ),
        (
            '[tool.schemasync.notify.chat]\nurl_env = "X"\nretries = 50\n',
            "'retries' in [notify.chat]",
        ),
        (
            '[tool.schemasync.notify]\nmin_severity = "severe"\n'
            '[tool.schemasync.notify.c]\nurl_env = "X"\n',
            "unknown severity 'severe'",
        ),
        ("[tool.schemasync.notify]\nchat = 3\n", "'notify.chat'"),
    ],
)
def test_a_wrong_notify_table_is_a_config_error_naming_it(
    pg_dsn: str, tmp_path: Path, table: str, error: str
) -> None:
    run_sql(pg_dsn, "CREATE TABLE projects (id int PRIMARY KEY)")
    lock(tmp_path, pg_dsn, table)
    run_sql(pg_dsn, "DROP TABLE projects")
    result = run_cli("check", cwd=tmp_path, dsn=pg_dsn, env={"X": "http://127.0.0.1:9/"})
    assert result.code == 3, result.stderr
    assert error in result.stderr
