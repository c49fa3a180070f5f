"""The Action's install step, run as a runner runs it: the core and the chosen emitters
from a checkout, into a virtual environment whose ``bin`` is added to the job's PATH.

It builds and installs real packages, so it runs once, in the ``action`` nox session,
rather than in every install combination of the suite.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from publish_support import REPO, run_script


def test_the_install_script_installs_the_core_and_the_emitters_from_a_checkout(
    tmp_path: Path,
) -> None:
    (tmp_path / "path.txt").touch()
    result = run_script(
        "install.sh",
        tmp_path,
        None,
        {
            "RUNNER_TEMP": str(tmp_path),
            "GITHUB_PATH": str(tmp_path / "path.txt"),
            "SCHEMASYNC_ACTION_VERSION": str(REPO),
            "SCHEMASYNC_ACTION_EMITTERS": " typeddict , docs ",
        },
        timeout=600,
    )
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("schemasync ")
    venv_bin = tmp_path / "schemasync-venv" / "bin"
    assert (tmp_path / "path.txt").read_text() == f"{venv_bin}\n"
    listed = subprocess.run(
        [str(venv_bin / "schemasync"), "plugins", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = {p["name"] for p in json.loads(listed.stdout)}
    assert {"typeddict", "docs"} <= names
    assert "pydantic" not in names
