"""Time ``schemasync mcp`` on a schema of N tables: start-up, paging, one relation.

Usage: python benchmarks/mcp_server.py [--tables 1000] [--repeat 50]

A project is written to a temporary folder: the synthetic schema of ``benchmarks/emit.py``
(N tables x 20 columns, an enum) and its lock, written by ``schemasync run``'s own code with
no target. The real server then starts as an assistant starts it, ``python -m schemasync
mcp`` over stdio, with no database, and the ``mcp`` SDK's own client measures:

- start-up: from spawning the process to the answer of the first ``list_relations`` page
  (interpreter, plugins, SDK, reading and indexing the lock);
- ``list_relations``: every page of 100, then every page of 500;
- ``describe_relation``: one call per table over ``--repeat`` tables, after start-up
  (target: under 50 ms a call);
- ``search_schema`` and ``get_model`` (the first ``get_model`` renders the target's files
  once; later calls reuse them), when a model target is installed.

Times are wall-clock round trips through the client, so they include the JSON-RPC framing.
(Not named ``mcp.py``: run from this folder, that file would shadow the SDK.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio
from emit import synthetic_schema
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.types import TextContent

from schemasync.codegen.generate import run
from schemasync.config import load_config
from schemasync.plugins import load_plugins


def write_project(root: Path, tables: int) -> None:
    """The project: its config and the lock ``run`` writes."""
    (root / "pyproject.toml").write_text("[tool.schemasync]\n", encoding="utf-8")
    config = load_config(root / "pyproject.toml")
    run(load_plugins(), config, synthetic_schema(tables), [], now=dt.datetime.now(dt.timezone.utc))


def _text(result: object) -> str:
    content = getattr(result, "content", None)
    assert isinstance(content, list), result
    block = content[0]
    assert isinstance(block, TextContent), block
    assert not getattr(result, "is_error", False), block.text
    return block.text


def line(label: str, times: list[float]) -> str:
    """One figure: best and median in milliseconds."""
    best, median = min(times) * 1000, statistics.median(times) * 1000
    return f"{label:<44} best {best:8.1f} ms   median {median:8.1f} ms   ({len(times)} runs)"


async def measure(root: Path, tables: int, repeat: int) -> None:
    """Start the server in ``root`` and print every figure."""
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "schemasync", "mcp"], cwd=root
    )
    started = time.perf_counter()
    async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
        await client.initialize()
        first = json.loads(_text(await client.call_tool("list_relations", {"limit": 100})))
        startup = time.perf_counter() - started
        print(f"{'start-up to the first answer':<44} {startup * 1000:8.1f} ms")
        assert first["total"] == tables, first["total"]

        for size in (100, 500):
            times: list[float] = []
            offset: int | None = 0
            while offset is not None:
                begun = time.perf_counter()
                page = json.loads(
                    _text(
                        await client.call_tool("list_relations", {"offset": offset, "limit": size})
                    )
                )
                times.append(time.perf_counter() - begun)
                offset = page["next_offset"]
            print(line(f"list_relations, pages of {size}", times))

        times = []
        for n in range(repeat):
            name = f"table_{(n * 7919) % tables:04d}_items"
            begun = time.perf_counter()
            answer = json.loads(_text(await client.call_tool("describe_relation", {"name": name})))
            times.append(time.perf_counter() - begun)
            assert len(answer["columns"]) == 20
        print(line("describe_relation, one table", times))

        times = []
        for n in range(min(repeat, 20)):
            begun = time.perf_counter()
            _text(await client.call_tool("search_schema", {"query": f"table_{n:03d}"}))
            times.append(time.perf_counter() - begun)
        print(line("search_schema", times))

        if any(name in load_plugins().emitters() for name in ("typeddict", "pydantic", "msgspec")):
            begun = time.perf_counter()
            _text(await client.call_tool("get_model", {"name": "table_0000_items"}))
            print(
                f"{'get_model, first call (renders the target)':<44} "
                f"{(time.perf_counter() - begun) * 1000:8.1f} ms"
            )
            times = []
            for n in range(min(repeat, 20)):
                begun = time.perf_counter()
                _text(await client.call_tool("get_model", {"name": f"table_{n:04d}_items"}))
                times.append(time.perf_counter() - begun)
            print(line("get_model, later calls", times))


def main() -> None:
    """Parse the options, write the project, measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=50)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_project(root, options.tables)
        size = (root / "schemasync.lock").stat().st_size
        print(f"{options.tables} tables x 20 columns; lock {size / 1e6:.1f} MB")
        anyio.run(measure, root, options.tables, options.repeat)


if __name__ == "__main__":
    main()
