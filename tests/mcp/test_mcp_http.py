"""``schemasync mcp --http``: streamable HTTP on the loopback address, nowhere else."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp_support import text_of

from cli import run_cli


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listening(port: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False


def test_http_serves_on_loopback_only(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.schemasync]\n", encoding="utf-8")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "schemasync", "mcp", "--http", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _listening(port, time.monotonic() + 60)
        # The listening socket is bound to 127.0.0.1, not to every interface.
        listening = subprocess.run(
            ["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=False
        )
        if listening.returncode == 0:
            (line,) = listening.stdout.splitlines()
            assert f"127.0.0.1:{port}" in line, line

        async def main() -> None:
            url = f"http://127.0.0.1:{port}/mcp"
            async with (
                streamable_http_client(url) as (read, write),
                ClientSession(read, write) as client,
            ):
                await client.initialize()
                names = {tool.name for tool in (await client.list_tools()).tools}
                assert "describe_relation" in names
                result = await client.call_tool("list_relations", {})
                assert result.is_error  # no lock in this project: the answer says so
                assert "no lock file at schemasync.lock" in text_of(result.content)

        anyio.run(main)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_port_out_of_range_is_a_usage_error(tmp_path: Path) -> None:
    done = run_cli("mcp", "--http", "--port", "70000", cwd=tmp_path)
    assert done.code == 2
    assert done.stderr == "error: --port 70000 is not a TCP port (1 to 65535)\n"
