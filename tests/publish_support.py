"""A project whose lock holds a real database's schema, for the publishing tests.

The lock is written in process through the core alone (no emitter), so these tests run in
every install combination; the commands under test then run as a user runs them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from cli import Result, user_env
from schemasync.codegen.generate import plan
from schemasync.codegen.output import write_files
from schemasync.config import load_config
from schemasync.pipeline import SourceChoice, read_schema
from schemasync.plugins import load_plugins

REPO = Path(__file__).resolve().parents[1]


def lock(root: Path, dsn: str, settings: str = "") -> None:
    """Write ``root``'s config (if missing) and a lock of the database at ``dsn``."""
    config_file = root / "pyproject.toml"
    if not config_file.exists():
        config_file.write_text(f"[tool.schemasync]\n{settings}", encoding="utf-8")
    host = load_plugins()
    config = load_config(config_file)
    schema = read_schema(host, config, SourceChoice(source="postgres", target=dsn))
    files, _, _ = plan(host, config, schema, [], now=dt.datetime.now(dt.timezone.utc))
    write_files(files)


def github_env(root: Path, api: str, *, number: int | None = 7) -> dict[str, str]:
    """The variables a GitHub Actions runner sets for a pull_request (or a schedule) job."""
    event = {"pull_request": {"number": number}} if number is not None else {"schedule": "x"}
    (root / "event.json").write_text(json.dumps(event), encoding="utf-8")
    for name in ("summary.md", "output.txt"):
        (root / name).touch()
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": api,
        "GITHUB_REPOSITORY": "acme/app",
        "GITHUB_EVENT_PATH": str(root / "event.json"),
        "GITHUB_STEP_SUMMARY": str(root / "summary.md"),
        "GITHUB_OUTPUT": str(root / "output.txt"),
        "GITHUB_WORKSPACE": str(root),
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_RUN_ID": "42",
        "RUNNER_TEMP": str(root),
    }


def run_script(
    script: str, root: Path, dsn: str | None, env: dict[str, str], timeout: float = 120
) -> Result:
    """``bash action/SCRIPT`` in ``root`` as :func:`cli.user_env` sets it up, with the running
    interpreter's ``schemasync`` first on PATH."""
    environ = user_env(root, dsn, env)
    environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environ.get('PATH', '')}"
    done = subprocess.run(
        ["bash", str(REPO / "action" / script)],
        cwd=root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)
