"""What the command line shows besides results: counted nouns, and progress on a terminal.

Progress is reported by the stages through the ``schemasync.progress`` logger (at DEBUG, so
a library user sees nothing unless they ask), which costs them no import. The command line
shows it on standard error, one line rewritten in place, only when standard error is a
terminal and ``--quiet`` is not given.
"""

from __future__ import annotations

import logging
from typing import TextIO

from schemasync.redact import redact

__all__ = ["PROGRESS_LOGGER", "ProgressHandler", "plural", "setup_progress"]

PROGRESS_LOGGER = "schemasync.progress"
#: Carriage return, then erase to the end of the line: the next step replaces this one.
_REWRITE = "\r\x1b[K"


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 problem``, ``2 problems``, ``0 problems``; ``nouns`` when ``noun + "s"`` is wrong."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


class ProgressHandler(logging.Handler):
    """One line on the terminal, replaced by each step and erased before anything else."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(logging.DEBUG)
        self.stream = stream
        self.shown = False

    def emit(self, record: logging.LogRecord) -> None:
        self.stream.write(f"{_REWRITE}{redact(record.getMessage())}…")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        """Erase the progress line, so other output starts on a clean line."""
        if self.shown:
            self.stream.write(_REWRITE)
            self.stream.flush()
            self.shown = False


class _ClearFirst(logging.Filter):
    """Erases the progress line before a warning or an error is written under it."""

    def __init__(self, progress: ProgressHandler) -> None:
        super().__init__()
        self.progress = progress

    def filter(self, record: logging.LogRecord) -> bool:
        self.progress.clear()
        return True


def setup_progress(stream: TextIO, *, quiet: bool) -> ProgressHandler | None:
    """Show progress on ``stream`` when it is a terminal and not ``quiet``.

    :returns: the handler, whose ``clear()`` erases the line before the command's output.
    """
    progress = logging.getLogger(PROGRESS_LOGGER)
    # Never passed on to the ``schemasync`` logger: progress is not a notice.
    progress.propagate = False
    progress.handlers[:] = []
    if quiet or not stream.isatty():
        progress.setLevel(logging.CRITICAL + 1)
        return None
    handler = ProgressHandler(stream)
    progress.addHandler(handler)
    progress.setLevel(logging.DEBUG)
    for other in logging.getLogger("schemasync").handlers:
        other.addFilter(_ClearFirst(handler))
    return handler
