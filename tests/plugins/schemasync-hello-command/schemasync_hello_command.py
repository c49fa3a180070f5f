"""A plugin adding ``schemasync hello [--name NAME] [--refuse]``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from schemasync import hookimpl
from schemasync.api import Command
from schemasync.errors import UsageError

if TYPE_CHECKING:
    from schemasync.plugins import PluginHost


class Hello(Command):
    """Greets, and says what it was given."""

    name = "hello"
    help = "say hello"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """``--name`` and ``--refuse``."""
        parser.add_argument("--name", default="world")
        parser.add_argument("--refuse", action="store_true")

    def run(self, args: argparse.Namespace, host: PluginHost, out: TextIO) -> int:
        """Print a greeting, the --config value and the number of plugins loaded."""
        if args.refuse:
            raise UsageError("hello refused", hint="leave out --refuse")
        out.write(f"hello {args.name}; config={args.config}; plugins={len(host.plugins)}\n")
        return 3 if args.name == "three" else 0


@hookimpl
def schemasync_commands() -> Sequence[Command]:
    """This plugin's command."""
    return [Hello()]
