"""Installing the plugin projects under tests/plugins/ and running the CLI with them.

Each project is built and installed with ``uv pip install --no-deps --target`` into a folder of
its own, once per :class:`PluginEnv`. The CLI then runs in a subprocess with those folders on
``PYTHONPATH``, so :mod:`importlib.metadata` finds their entry points exactly as it finds
those of a regular install. Building needs ``hatchling`` from the package index.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import EntryPoint, distributions
from pathlib import Path
from typing import TYPE_CHECKING

from schemasync.plugins import BLOCK_ENV, ENTRY_POINT_GROUP

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["PLUGINS_DIR", "CliResult", "PluginEnv", "PluginRecord"]

#: The plugin projects, one folder each.
PLUGINS_DIR = Path(__file__).resolve().parent / "plugins"

#: A plugin as ``schemasync plugins --json`` shows it.
PluginRecord = dict[str, object]


@dataclass(frozen=True)
class CliResult:
    """How one run of the ``schemasync`` command went."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def plugins(self) -> dict[str, PluginRecord]:
        """The ``plugins --json`` output by entry-point name, in the order it was listed."""
        records = json.loads(self.stdout)
        assert isinstance(records, list), self.stdout
        by_name: dict[str, PluginRecord] = {}
        for record in records:
            assert isinstance(record, dict), record
            name = record["name"]
            assert isinstance(name, str), record
            assert name not in by_name, f"{name!r} listed twice"
            by_name[name] = record
        return by_name


class PluginEnv:
    """Installs plugin projects on demand, once each, under ``root``."""

    def __init__(self, root: Path) -> None:
        """:param root: an empty folder that outlives every use of this object."""
        self.root = root
        self._installed: dict[str, Path] = {}

    def install(self, project: str) -> Path:
        """The folder ``tests/plugins/<project>`` is installed in, installing it on first use.

        :raises RuntimeError: the build or the installation failed (with uv's output).
        """
        if project in self._installed:
            return self._installed[project]
        source = PLUGINS_DIR / project
        if not (source / "pyproject.toml").is_file():
            raise ValueError(f"no plugin project {project!r} in {PLUGINS_DIR}")
        target = self.root / project
        command = [
            sys.executable, "-m", "uv", "pip", "install",
            "--no-deps", "--python", sys.executable, "--target", str(target), str(source),
        ]  # fmt: skip
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=300, check=False, cwd=self.root
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"installing {project} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}"
            )
        self._installed[project] = target
        return target

    def entry_points(self, project: str) -> list[EntryPoint]:
        """The ``schemasync`` entry points of the installed ``project``.

        They come from its installed metadata, so each knows its distribution and version.
        Loading one still needs :meth:`install`'s folder on ``sys.path``.
        """
        target = self.install(project)
        found = [
            ep
            for dist in distributions(path=[str(target)])
            for ep in dist.entry_points
            if ep.group == ENTRY_POINT_GROUP
        ]
        assert found, f"{project} declares no {ENTRY_POINT_GROUP!r} entry point"
        return found

    def run_cli(
        self,
        *args: str,
        plugins: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        timeout: float = 120,
    ) -> CliResult:
        """Run ``python -m schemasync ARGS`` with the ``plugins`` projects installed.

        The child inherits this environment except ``PYTHONPATH`` (only the plugins'
        folders) and :data:`~schemasync.plugins.BLOCK_ENV` (unset unless ``env`` sets it).

        :param args: the command line after the program name.
        :param plugins: project folder names under ``tests/plugins``.
        :param env: variables to set for this run.
        """
        paths = [str(self.install(project)) for project in plugins]
        environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", BLOCK_ENV)}
        if paths:
            environ["PYTHONPATH"] = os.pathsep.join(paths)
        environ.update(env or {})
        command = (sys.executable, "-m", "schemasync", *args)
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=environ,
            cwd=self.root,
            timeout=timeout,
            check=False,
        )
        return CliResult(command, done.returncode, done.stdout, done.stderr)
