"""The project the server answers about: its config, its plugins, and its schema.

The schema comes from the lock file by default: no database, no network. It is read again
only when the file changes (``schemasync run`` while the server runs). The live source,
when a client asks for it, is the configured database read through the core's ``postgres``
source, so introspection keeps its read-only transaction and its statement timeout; a
reading is reused for a few seconds, so a burst of calls costs one introspection.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from schemasync import ir
from schemasync.codegen.generate import inside, relative_key
from schemasync.codegen.lock import Lock, read_lock
from schemasync.config import Config
from schemasync.errors import ConfigError
from schemasync.pipeline import SourceChoice, read_schema
from schemasync.plugins import PluginHost

__all__ = ["Index", "Origin", "Project"]

Origin = Literal["lock", "live"]

#: Seconds a live reading is reused.
LIVE_TTL = 5.0


@dataclass
class Index:
    """Look-ups over one schema, built once per schema."""

    schema: ir.Schema
    schema_hash: str
    #: The lock's version of this schema; ``None`` for a live reading the lock does not hold.
    schema_version: int | None
    relations: dict[tuple[str, str], ir.Relation] = field(
        default_factory=dict[tuple[str, str], ir.Relation]
    )
    #: Foreign keys pointing at each relation: (referencing relation, key).
    incoming: dict[tuple[str, str], list[tuple[ir.Relation, ir.ForeignKey]]] = field(
        default_factory=dict[tuple[str, str], list[tuple[ir.Relation, ir.ForeignKey]]]
    )
    #: Generated files by target and schema hash (see :mod:`schemasync_mcp.models`).
    cache: dict[str, object] = field(default_factory=dict[str, object])

    @classmethod
    def build(
        cls, schema: ir.Schema, schema_version: int | None, schema_hash: str | None = None
    ) -> Index:
        """Index ``schema`` (its hash is computed unless given)."""
        index = cls(schema, schema_hash or ir.schema_hash(schema), schema_version)
        for relation in schema.relations:
            index.relations[(relation.schema, relation.name)] = relation
            for fk in relation.foreign_keys:
                index.incoming.setdefault((fk.ref_schema, fk.ref_table), []).append((relation, fk))
        return index


@dataclass
class Project:
    """Where the answers come from; safe to use from several threads."""

    host: PluginHost
    config: Config
    _lock_state: tuple[tuple[int, int], Index] | None = None
    _live: tuple[float, Index] | None = None
    _mutex: threading.Lock = field(default_factory=threading.Lock)

    @property
    def lock_path(self) -> Path:
        """The lock file."""
        return inside(self.config.root, self.config.settings.lock_file, "lock_file")

    def lock(self) -> Lock:
        """The lock file as it is now.

        :raises ConfigError: there is none yet, or it cannot be read.
        """
        lock = read_lock(self.lock_path)
        if lock is None:
            raise ConfigError(
                f"no lock file at {relative_key(self.lock_path, self.config.root)}",
                hint="run `schemasync run` once in the project, or ask for source=live "
                "with a database URL configured",
            )
        return lock

    def index(self, origin: Origin = "lock") -> Index:
        """The schema of ``origin`` and its look-ups."""
        if origin == "live":
            return self._live_index()
        try:
            stat = self.lock_path.stat()
        except FileNotFoundError:
            self.lock()  # raises the error that says what to do
            raise
        key = (stat.st_mtime_ns, stat.st_size)
        with self._mutex:
            if self._lock_state is None or self._lock_state[0] != key:
                lock = self.lock()
                self._lock_state = (key, Index.build(lock.schema, lock.schema_version, lock.hash))
            return self._lock_state[1]

    def live_reader(self) -> Callable[[], ir.Schema]:
        """Reads the configured database with the core's ``postgres`` source.

        :raises ConfigError: no database URL is configured.
        """
        self.config.dsn()  # says which variables were tried when none is set
        return lambda: read_schema(self.host, self.config, SourceChoice(source="postgres"))

    def _live_index(self) -> Index:
        reader = self.live_reader()
        with self._mutex:
            if self._live is not None and time.monotonic() - self._live[0] < LIVE_TTL:
                return self._live[1]
        schema = reader()
        schema_hash = ir.schema_hash(schema)
        lock = read_lock(self.lock_path)
        version = lock.schema_version if lock is not None and lock.hash == schema_hash else None
        index = Index.build(schema, version, schema_hash)
        with self._mutex:
            self._live = (time.monotonic(), index)
        return index
