"""The user's cache folder (``$XDG_CACHE_HOME/schemasync``, else ``~/.cache/schemasync``).

What is kept there only saves time: compiled templates, canonical forms of view
definitions. Each entry is checked or keyed by what it was made from, and a missing, stale
or unwritable cache only means the work is done again.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_folder"]


def cache_folder(name: str) -> Path | None:
    """The writable folder ``name`` in schemasync's cache folder, created if need be, or
    ``None`` when there is none (a read-only home, no home at all)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base, "schemasync", name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None
