"""``schemasync install-hook``: a git pre-commit hook that runs ``schemasync check --offline``.

The hook is found through git itself (``git rev-parse --git-path hooks``), so worktrees and
``core.hooksPath`` are honoured. A hook that schemasync did not write is never overwritten
or removed: the user's own hook stays as it is, and the message says how to chain ours.

The hook runs ``PYTHON -m schemasync`` with the interpreter that installed it, not whatever
``schemasync`` is on ``PATH``: commits are often made with the virtual environment off
``PATH`` (an IDE, a GUI client). When that interpreter is gone it falls back to the
project's ``.venv``, and when neither exists it says so and how to fix it.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from schemasync.codegen.output import PlannedFile, write_atomically
from schemasync.errors import ConfigError, UsageError

__all__ = ["HOOK_MARK", "hook_script", "install_hook", "uninstall_hook"]

HOOK_MARK = "# installed by schemasync install-hook"


def hook_script(interpreter: str) -> str:
    """The hook: an offline check (no database, no network) run by ``interpreter``, else by
    the ``.venv`` at the top of the repository."""
    return (
        "#!/bin/sh\n"
        f"{HOOK_MARK}; remove with `schemasync install-hook --uninstall`\n"
        "# Fails the commit when the models or generated files disagree with the lock.\n"
        "# Runs the Python that installed it, so it works with the virtual environment off\n"
        "# PATH; else the project's .venv.\n"
        f"python={shlex.quote(interpreter)}\n"
        'if [ ! -x "$python" ]; then\n'
        '    python="$(git rev-parse --show-toplevel)/.venv/bin/python"\n'
        "fi\n"
        'if [ ! -x "$python" ]; then\n'
        f"    echo {shlex.quote(_MISSING.format(interpreter=interpreter))} >&2\n"
        "    exit 1\n"
        "fi\n"
        'exec "$python" -m schemasync check --offline "$@"\n'
    )


_MISSING = (
    "schemasync pre-commit hook: neither {interpreter} (the Python that installed the hook) "
    "nor .venv/bin/python exists. Reinstall the hook with the project's Python "
    "(`python -m schemasync install-hook`), or delete the hook."
)


def _hook_path(start: Path) -> Path:
    git = shutil.which("git")
    if git is None:
        raise UsageError("git is not installed", hint="install git, or use the pre-commit hook")
    try:
        found = subprocess.run(
            [git, "rev-parse", "--git-path", "hooks"],
            cwd=start,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except subprocess.CalledProcessError as exc:
        raise UsageError(
            f"{start} is not inside a git repository",
            hint="run it from the repository the models are committed to",
        ) from exc
    return (start / found / "pre-commit").resolve()


def _ours(path: Path) -> bool:
    try:
        return HOOK_MARK in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def install_hook(start: Path) -> Path:
    """Install (or refresh) the hook; returns its path.

    :raises ConfigError: a pre-commit hook schemasync did not write is in the way.
    """
    path = _hook_path(start)
    if path.exists() and not _ours(path):
        raise ConfigError(
            f"{path} already exists and was not written by schemasync; it was left alone",
            hint="add `schemasync check --offline` to that hook yourself, "
            "or use the pre-commit framework (.pre-commit-hooks.yaml)",
        )
    write_atomically(PlannedFile(path, hook_script(sys.executable).encode()))
    os.chmod(path, 0o755)
    return path


def uninstall_hook(start: Path) -> Path:
    """Remove the hook this command installed; returns its path.

    :raises ConfigError: there is no hook, or it is not schemasync's.
    """
    path = _hook_path(start)
    if not path.exists():
        raise ConfigError(f"there is no pre-commit hook at {path}")
    if not _ours(path):
        raise ConfigError(f"{path} was not written by schemasync; it was left alone")
    path.unlink()
    return path
