"""Talking to ``schemasync mcp`` as an assistant does: a subprocess and the SDK's own client.

:func:`session` starts the server over stdio in a project folder, with a clean environment
(no database URL unless given, none of libpq's variables), and hands back a
:class:`Client` whose calls return the tool's JSON answer, decoded.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.types import TextContent

__all__ = ["Answer", "Client", "session", "text_of"]


@dataclass(frozen=True)
class Answer:
    """One tool call: the raw text of its answer, and whether it is an error."""

    text: str
    error: bool

    def json(self) -> dict[str, Any]:
        """The answer decoded; it must be a JSON object."""
        assert not self.error, self.text
        value = json.loads(self.text)
        assert isinstance(value, dict), self.text
        return cast("dict[str, Any]", value)


def text_of(content: object) -> str:
    """The text of a tool result's only content block."""
    assert isinstance(content, list), content
    (block,) = content
    assert isinstance(block, TextContent), block
    return block.text


@dataclass(frozen=True)
class Client:
    """A connected client session."""

    raw: ClientSession

    async def call(self, tool: str, **arguments: object) -> Answer:
        """Call ``tool`` and return its answer."""
        result = await self.raw.call_tool(tool, dict(arguments))
        return Answer(text_of(result.content), bool(result.is_error))

    async def json(self, tool: str, **arguments: object) -> dict[str, Any]:
        """Call ``tool``; its answer must be a JSON object, which is returned decoded."""
        return (await self.call(tool, **arguments)).json()

    async def read(self, uri: str) -> str:
        """The text of a resource."""
        result = await self.raw.read_resource(uri)
        (content,) = result.contents
        text = getattr(content, "text", None)
        assert isinstance(text, str), content
        return text


def _environment(dsn: str | None, extra: Mapping[str, str]) -> dict[str, str]:
    environ = {
        name: value
        for name, value in os.environ.items()
        if name not in ("SUPABASE_DB_URL", "DATABASE_URL") and not name.startswith("PG")
    }
    environ["PGPASSFILE"] = os.devnull
    if dsn is not None:
        environ["DATABASE_URL"] = dsn
    environ.update(extra)
    return environ


@asynccontextmanager
async def session(
    project: Path, *, dsn: str | None = None, env: Mapping[str, str] | None = None
) -> AsyncIterator[Client]:
    """``schemasync mcp`` running in ``project``, connected and initialised."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "schemasync", "mcp"],
        cwd=project,
        env=_environment(dsn, env or {}),
    )
    with open(os.devnull, "w", encoding="utf-8") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as client,
        ):
            await client.initialize()
            yield Client(client)
