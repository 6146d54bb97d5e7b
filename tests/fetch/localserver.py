"""A real HTTP server on 127.0.0.1 whose routes misbehave on purpose, and the test policy."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from bawaba.pipeline.fetch import FetchPolicy

Route = Callable[["Handler"], None]


@dataclass
class Hit:
    path: str
    at: float
    headers: dict[str, str]


@dataclass
class Counters:
    """In-flight request counting, shareable between servers (for the global limit)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    active: int = 0
    peak: int = 0

    def enter(self) -> None:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)

    def leave(self) -> None:
        with self.lock:
            self.active -= 1


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LocalServer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        srv = self.server
        with srv.lock:
            srv.hits.append(Hit(self.path, time.monotonic(), {k.lower(): v for k, v in self.headers.items()}))
        srv.counters.enter()
        try:
            route = srv.routes.get(self.path.split("?", 1)[0])
            if route is None:
                self.send_body(404, b"not found")
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            srv.counters.leave()

    def send_body(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_until_close(self, status: int, headers: dict[str, str] | None = None) -> None:
        """Headers for a body without Content-Length that ends when the connection closes."""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, counters: Counters | None = None) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.counters = counters or Counters()
        self.sent = 0  # bytes written by streaming routes
        self._thread = threading.Thread(target=self.serve_forever, args=(0.02,), daemon=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def paths(self) -> list[str]:
        with self.lock:
            return [hit.path for hit in self.hits]

    def route(self, path: str, status: int = 200, body: bytes = b"", **headers: str) -> None:
        """A plain route; header names use underscores for dashes."""
        fixed = {name.replace("_", "-"): value for name, value in headers.items()}
        self.routes[path] = lambda h: h.send_body(status, body, fixed)

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


TEST_POLICY = FetchPolicy(
    user_agent="bawaba-test/1.0",
    host_delay_s=0.0,
    connect_timeout_s=2.0,
    read_timeout_s=3.0,
    total_timeout_s=5.0,
    max_response_bytes=1_000_000,
    max_decompressed_bytes=2_000_000,
    allow_private_addresses=True,
    respect_robots=False,
    max_retries=2,
    backoff_base_s=0.05,
    max_retry_after_s=5.0,
)


def policy(**changes: Any) -> FetchPolicy:
    """The fast test policy with some fields changed."""
    return replace(TEST_POLICY, **changes)


def free_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RoutingTransport(httpx.AsyncBaseTransport):
    """Sends every request to one local server whatever host the URL names (Host header kept),
    so name-based tests (fake public hosts, redirects to them) never leave loopback."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self._port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
