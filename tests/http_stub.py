"""A local HTTP server standing in for GitHub's REST API and for webhooks, loopback only.

Each request is recorded (method, path, headers, JSON body) and answered by a function the
test gives, so a test can play a well-behaved API, a slow one or a broken one.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Request:
    """One request the stub received."""

    method: str
    path: str
    headers: dict[str, str]
    body: object


#: ``(status, JSON body or None)`` for a request.
Answer = tuple[int, object]


@dataclass
class Stub:
    """The running server: its base URL and what it received."""

    url: str
    requests: list[Request] = field(default_factory=list[Request])


@contextmanager
def serve(answer: Callable[[Request], Answer]) -> Iterator[Stub]:
    """Run a server on 127.0.0.1 (a free port) until the block ends."""
    stub = Stub(url="")

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            request = Request(
                method=self.command,
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=json.loads(raw) if raw else None,
            )
            stub.requests.append(request)
            status, body = answer(request)
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _handle

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the tests assert on the recorded requests instead."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
