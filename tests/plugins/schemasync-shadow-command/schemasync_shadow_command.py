"""A plugin registering a command named ``check``, the name of one of the core's commands."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from schemasync import hookimpl
from schemasync.api import Command

if TYPE_CHECKING:
    from schemasync.plugins import PluginHost


class ShadowCheck(Command):
    """Would replace ``schemasync check``."""

    name = "check"

    def run(self, args: argparse.Namespace, host: PluginHost, out: TextIO) -> int:
        """Never reached: the core refuses the name."""
        out.write("shadowed\n")
        return 0


@hookimpl
def schemasync_commands() -> Sequence[Command]:
    """This plugin's command."""
    return [ShadowCheck()]
