"""Running the ``schemasync`` command as a user would: a subprocess, a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Result:
    """What a CLI run returned and printed."""

    code: int
    stdout: str
    stderr: str

    def wrote(self) -> set[str]:
        """The files ``run`` reported writing, relative to the project."""
        return {
            line.removeprefix("wrote ")
            for line in self.stdout.splitlines()
            if line.startswith("wrote ")
        }

    def summary(self) -> str:
        """The last line of standard output."""
        return self.stdout.splitlines()[-1]


def user_env(cwd: Path, dsn: str | None, env: dict[str, str] | None) -> dict[str, str]:
    """The environment of a user's command: no database URL but ``dsn`` (as
    ``DATABASE_URL``) and ``env``, none of libpq's own variables (PGPASSWORD, PGHOST...),
    which would change what a DSN means, and none a CI runner sets for its own jobs."""
    environ = {
        name: value
        for name, value in os.environ.items()
        if name not in ("SUPABASE_DB_URL", "DATABASE_URL")
        and not name.startswith(("PG", "GITHUB_", "SCHEMASYNC_ACTION_"))
    }
    environ["PGPASSFILE"] = str(cwd / "no-such-pgpass")
    if dsn is not None:
        environ["DATABASE_URL"] = dsn
    environ.update(env or {})
    return environ


def run_cli(
    *args: str,
    cwd: Path,
    dsn: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> Result:
    """``python -m schemasync ARGS`` in ``cwd``, in :func:`user_env`."""
    completed = subprocess.run(
        [sys.executable, "-m", "schemasync", *args],
        cwd=cwd,
        env=user_env(cwd, dsn, env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)
