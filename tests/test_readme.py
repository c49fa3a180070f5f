"""The README's main command, as a new user runs it: a fresh clone, one Python, no downloads.

``uvx nox -s example`` must write the example's models with whichever supported Python the
machine has, and fail (never pass after skipping) when it has none. The clone is of the
committed tree (``git clone`` of this repository). Slow: ``uvx nox -s readme`` runs it, once.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parents[1]
#: Long enough for a cold package cache; the example itself takes well under a minute.
TIMEOUT_S = 900


def _tool(name: str) -> str:
    """The real ``uv`` or ``uvx`` binary (the ``uv`` test dependency), not a shell shim."""
    from uv import find_uv_bin

    found = Path(find_uv_bin()).with_name(name)
    assert found.is_file(), f"{found}: needed to run the README's command"
    return str(found)


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A fresh clone of the committed tree."""
    target = tmp_path / "schemasync"
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(REPOSITORY), str(target)],
        check=True,
        timeout=120,
    )
    return target


#: Programs that are, or run, a Python interpreter: kept off the PATH the command sees.
_PYTHONISH = re.compile(r"^(python|pypy|pydoc|pip|idle|2to3|uv|pyenv)")


def _bin_with(tmp_path: Path, pythons: dict[str, str]) -> Path:
    """A folder to be the whole PATH: the system's tools (the shell, coreutils, git) but
    no Python, then uv, uvx, and the given ``name -> interpreter``."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in ("uv", "uvx"):
        (folder / name).symlink_to(_tool(name))
    for name, target in pythons.items():
        (folder / name).symlink_to(target)
    for system in ("/usr/local/bin", "/usr/bin", "/bin"):
        for program in sorted(Path(system).iterdir()) if Path(system).is_dir() else ():
            link = folder / program.name
            if not _PYTHONISH.match(program.name) and not link.exists():
                link.symlink_to(program)
    return folder


def _readme_command(clone: Path, path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # Nothing that points at another interpreter or environment.
        if not key.startswith(("UV_", "VIRTUAL_ENV", "PYENV", "PYTHON", "NOX", "CONDA"))
        and key != "SCHEMASYNC_ALL_PYTHONS"
    }
    empty = clone.parent / "no-managed-pythons"
    empty.mkdir(exist_ok=True)
    env |= {
        "PATH": str(path),
        "UV_PYTHON_DOWNLOADS": "never",
        # uv's own Pythons would be found without PATH: point it at an empty folder.
        "UV_PYTHON_INSTALL_DIR": str(empty),
    }
    return subprocess.run(
        [str(path / "uvx"), "nox", "-s", "example"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def _models(clone: Path) -> list[str]:
    models = clone / "build" / "supabase-app" / "models"
    return sorted(p.name for p in models.rglob("*.py")) if models.is_dir() else []


def test_the_main_command_writes_the_models_with_one_supported_python(
    clone: Path, tmp_path: Path
) -> None:
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    python = Path(sys.base_prefix) / "bin" / f"python{version}"
    assert python.is_file(), python
    path = _bin_with(tmp_path, {f"python{version}": str(python), "python3": str(python)})

    result = _readme_command(clone, path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Session example was successful" in result.stderr
    assert "__init__.py" in _models(clone)
    assert (clone / "build" / "supabase-app" / "schemasync.lock").is_file()


def _unsupported_python() -> dict[str, str]:
    """An interpreter older than 3.10 found beside the running one (pyenv's layout), as
    ``name -> path``; none when there is no such interpreter."""
    versions = Path(sys.base_prefix).parent
    for found in sorted(versions.glob("3.[89]*/bin/python3.[89]"), reverse=True):
        return {found.name: str(found), "python3": str(found)}
    return {}


def test_the_main_command_fails_when_no_supported_python_is_on_path(
    clone: Path, tmp_path: Path
) -> None:
    # Only an unsupported Python, if the machine has one (nox then runs on it, and the
    # session has no interpreter), or none at all.
    result = _readme_command(clone, _bin_with(tmp_path, _unsupported_python()))

    assert result.returncode != 0, result.stdout + result.stderr
    assert "was successful" not in result.stderr
    assert "skipped" not in result.stderr.lower(), result.stderr
    assert _models(clone) == []
