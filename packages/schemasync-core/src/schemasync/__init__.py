"""schemasync: keep typed Python models in sync with a PostgreSQL database.

Plugins import :data:`hookimpl` from here and their contracts from :mod:`schemasync.api`.
"""

__version__ = "0.1.0"

from schemasync.hookspecs import hookimpl

__all__ = ["__version__", "hookimpl"]
