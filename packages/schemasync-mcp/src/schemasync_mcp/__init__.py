"""``schemasync mcp``: the schema, its models and its drift, served over the Model Context
Protocol.

This module is imported whenever ``schemasync`` starts, so it only declares the command;
the SDK and the server are imported when the command runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from schemasync import hookimpl
from schemasync.api import Command
from schemasync.config import load_config
from schemasync.errors import UsageError

if TYPE_CHECKING:
    from schemasync.plugins import PluginHost

__all__ = ["LOOPBACK", "McpCommand", "schemasync_commands"]

__version__ = "0.1.0"

#: The only address the HTTP transport listens on.
LOOPBACK = "127.0.0.1"


class McpCommand(Command):
    """``schemasync mcp [--http [--port N]]``."""

    name = "mcp"
    help = "serve the schema, models and drift to AI assistants (Model Context Protocol)"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """``--http`` and ``--port``."""
        parser.add_argument(
            "--http",
            action="store_true",
            help=f"serve streamable HTTP on {LOOPBACK} instead of standard input and output",
        )
        parser.add_argument("--port", type=int, default=8765, help="the HTTP port (default: 8765)")

    def run(self, args: argparse.Namespace, host: PluginHost, out: TextIO) -> int:
        """Serve until the client disconnects (stdio) or the process is stopped (HTTP)."""
        from schemasync_mcp.project import Project
        from schemasync_mcp.server import build_server

        if not 0 < args.port < 65536:
            raise UsageError(f"--port {args.port} is not a TCP port (1 to 65535)")
        project = Project(host=host, config=load_config(args.config))
        server = build_server(project)
        if args.http:
            server.run("streamable-http", host=LOOPBACK, port=args.port)
        else:
            server.run("stdio")
        return 0


@hookimpl
def schemasync_commands() -> Sequence[Command]:
    """The ``mcp`` command."""
    return [McpCommand()]
