"""The drift history: ``check --record`` on a real database that drifts and recovers, then
``schemasync history``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import run_cli
from pg import run_sql
from publish_support import lock

HISTORY = "schemasync-history.jsonl"


def entries(root: Path) -> list[dict[str, object]]:
    lines = (root / HISTORY).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_a_drift_that_comes_and_goes_is_one_episode(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, "CREATE TABLE projects (id int PRIMARY KEY, name text, note text)")
    lock(tmp_path, pg_dsn)

    def check() -> int:
        return run_cli("check", "--record", cwd=tmp_path, dsn=pg_dsn).code

    assert check() == 0
    run_sql(pg_dsn, "ALTER TABLE projects DROP COLUMN note")
    assert check() == 1
    run_sql(pg_dsn, "CREATE TABLE scratch (id int)")
    assert check() == 1
    # Production is put back as the lock has it: the column returns in the same place.
    run_sql(pg_dsn, "ALTER TABLE projects ADD COLUMN note text; DROP TABLE scratch")
    assert check() == 0
    offline = run_cli("check", "--offline", "--record", cwd=tmp_path)
    assert offline.code == 0, offline.stderr

    recorded = entries(tmp_path)
    assert [e["failed"] for e in recorded] == [False, True, True, False, False]
    assert [e["counts"] for e in recorded] == [
        {},
        {"critical": 1},
        {"critical": 1, "low": 1},
        {},
        {},
    ]
    assert [e["source"] for e in recorded] == ["postgres"] * 4 + ["lock"]
    assert recorded[0]["schema_hash"] == recorded[3]["schema_hash"] != recorded[1]["schema_hash"]
    assert recorded[2]["changes"] == [
        {"severity": "critical", "kind": "column.removed", "path": "public.projects.note",
         "message": "column removed", "side": "lock", "where": None},
        {"severity": "low", "kind": "table.added", "path": "public.scratch",
         "message": "table added", "side": "lock", "where": None},
    ]  # fmt: skip

    shown = run_cli("history", "--format", "json", cwd=tmp_path)
    assert shown.code == 0, shown.stderr
    timeline = json.loads(shown.stdout)
    assert timeline["checks"] == 5
    note, scratch = timeline["episodes"]
    assert (
        note["path"],
        note["first_seen"],
        note["last_seen"],
        note["seen"],
        note["resolved"],
    ) == (
        "public.projects.note",
        recorded[1]["time"],
        recorded[2]["time"],
        2,
        recorded[3]["time"],
    )
    assert (scratch["path"], scratch["seen"], scratch["resolved"]) == (
        "public.scratch",
        1,
        recorded[3]["time"],
    )

    text = run_cli("history", cwd=tmp_path)
    lines = text.stdout.splitlines()
    assert lines[0].startswith(f"drift history of {tmp_path / HISTORY}: 5 checks from ")
    assert lines[1].startswith("CRITICAL  public.projects.note  column.removed  [postgres]")
    assert lines[1].endswith(f"(2 checks), resolved {recorded[3]['time']}")


def test_a_change_still_there_is_open_and_the_offline_checks_do_not_resolve_it(
    pg_dsn: str, tmp_path: Path
) -> None:
    run_sql(pg_dsn, "CREATE TABLE projects (id int PRIMARY KEY, note text)")
    lock(tmp_path, pg_dsn, 'history_file = "ci/drift.jsonl"\n')
    run_sql(pg_dsn, "ALTER TABLE projects DROP COLUMN note")
    assert run_cli("check", "--record", cwd=tmp_path, dsn=pg_dsn).code == 1
    # Offline, the lock and the (absent) models agree: that says nothing of the database.
    assert run_cli("check", "--offline", "--record", cwd=tmp_path).code == 0
    shown = run_cli("history", cwd=tmp_path)
    assert "public.projects.note  column.removed  [postgres]" in shown.stdout
    assert shown.stdout.rstrip().endswith("(1 check), open")


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ('{"format": 1}\nnot json\n', "drift.jsonl:1 is not a drift history entry"),
        ('{"format": 7, "time": "x"}\n', "drift.jsonl:1 was written by a newer schemasync"),
        (b"\xff\xfe", "cannot read the drift history"),
    ],
)
def test_a_broken_history_is_a_config_error_naming_the_line(
    tmp_path: Path, content: str | bytes, error: str
) -> None:
    path = tmp_path / "drift.jsonl"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = run_cli("history", "--file", str(path), cwd=tmp_path)
    assert result.code == 3
    assert error in result.stderr


def test_no_history_yet_says_how_to_start_one(tmp_path: Path) -> None:
    result = run_cli("history", cwd=tmp_path)
    assert result.code == 3
    assert "no drift history at" in result.stderr
    assert "schemasync check --record" in result.stderr
