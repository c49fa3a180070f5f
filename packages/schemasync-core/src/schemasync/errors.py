"""The one error family users see, and the exit code each member maps to.

Anything a user can act on is raised as a :class:`SchemasyncError` subclass with a message
that says what to do; the CLI prints it on one line and exits with the class's code. Any
other exception is a bug: the CLI reports it as such (exit 70) and shows the traceback only
with ``--debug``.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_BUG",
    "EXIT_DRIFT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TERMINATED",
    "ConfigError",
    "DatabaseError",
    "EngineError",
    "IntrospectionError",
    "MigrationError",
    "OutputError",
    "PluginError",
    "SchemasyncError",
    "Terminated",
    "UsageError",
]

EXIT_OK = 0
#: ``check`` found drift at or above the failure threshold.
EXIT_DRIFT = 1
#: An unexpected exception: a bug in schemasync or a plugin.
EXIT_BUG = 70
#: Interrupted with Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130
#: The reader of the output went away (``schemasync diff | head``): 128 + SIGPIPE.
EXIT_BROKEN_PIPE = 141
#: Stopped by SIGTERM while a throwaway server ran (128 + SIGTERM).
EXIT_TERMINATED = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be so that the same cleanup runs."""


class SchemasyncError(Exception):
    """Base of every error a user can act on."""

    exit_code: ClassVar[int] = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(SchemasyncError):
    """The command line asks for something that cannot be done."""

    exit_code = 2


class ConfigError(SchemasyncError):
    """The configuration file or the environment it names is wrong."""

    exit_code = 3


class DatabaseError(SchemasyncError):
    """The database cannot be reached or refuses us: host, port, password, database name."""

    exit_code = 4


class IntrospectionError(SchemasyncError):
    """Connected, but the schema cannot be read: missing rights, timeout, unsupported server."""

    exit_code = 5


class PluginError(SchemasyncError):
    """A plugin is missing, broken, or two plugins claim the same name."""

    exit_code = 6


class EngineError(SchemasyncError):
    """The throwaway PostgreSQL server could not be found, started or used."""

    exit_code = 7


class OutputError(SchemasyncError):
    """Generated files could not be written; nothing was left half-written."""

    exit_code = 8


class MigrationError(SchemasyncError):
    """A migration does not parse or does not apply; the message names file, line and column."""

    exit_code = 9
