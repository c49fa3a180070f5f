"""A third-party severity rule: every change inside a table matching a pattern is LOW.

Configured in the project's ``[tool.schemasync.plugins.severity-downgrade]`` table::

    tables = ["public.legacy_*"]   # fnmatch patterns on schema.table; this is the default
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping

from schemasync import hookimpl
from schemasync.changes import Change, Severity

DEFAULT_TABLES = ("*.legacy_*",)


def _patterns(options: Mapping[str, object]) -> tuple[str, ...]:
    plugins = options.get("plugins")
    table = plugins.get("severity-downgrade") if isinstance(plugins, dict) else None
    tables = table.get("tables") if isinstance(table, dict) else None
    if isinstance(tables, list):
        return tuple(str(pattern) for pattern in tables)
    return DEFAULT_TABLES


@hookimpl
def schemasync_severity(change: Change, options: Mapping[str, object]) -> Severity | None:
    """LOW for changes to a matching table or anything in it; no opinion otherwise."""
    schema, _, rest = change.path.partition(".")
    table = rest.split(".", 1)[0]
    if any(fnmatch.fnmatchcase(f"{schema}.{table}", p) for p in _patterns(options)):
        return Severity.LOW
    return None
