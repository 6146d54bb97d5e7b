"""Fetcher overhead and bomb handling against a local server, vs plain httpx (the strongest peer).

Rows: pages/s for N gzip-encoded Arabic pages fetched concurrently (politeness off, loopback
only), and the time and peak Python memory spent on one 200 MB gzip bomb (httpx inflates it
all; bawaba stops at the cap). Ratios are bawaba / httpx.

    python bench/fetching.py [--pages 400] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import statistics
import threading
import time
import tracemalloc
from collections.abc import Callable, Coroutine
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from bawaba.pipeline.fetch import Fetcher, FetchPolicy

PARAGRAPH = (
    "قالت مصادر في غرفة التجارة إن أسعار الخضار تراجعت هذا الأسبوع بعد وصول شحنات جديدة "
    "من المزارع الجنوبية، فيما توقع التجار استقرار الأسواق حتى نهاية الشهر.\n"
)
PAGE = gzip.compress(("<html><body>" + PARAGRAPH * 150 + "</body></html>").encode())
BOMB = gzip.compress(b"\0" * 200_000_000, compresslevel=9)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        body = BOMB if self.path.startswith("/bomb") else PAGE
        head = f"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {len(body)}\r\n\r\n"
        self.wfile.write(head.encode() + body)  # one write: no Nagle/delayed-ACK stall


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up early (the bomb) are expected."""


POLICY = FetchPolicy(
    host_delay_s=0.0, host_concurrency=16, global_concurrency=16, allow_private_addresses=True,
    respect_robots=False, max_decompressed_bytes=30_000_000,
)


async def bawaba_pages(urls: list[str]) -> int:
    async with Fetcher(POLICY) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(u) for u in urls))
    return sum(len(r.body) for r in results if r.ok)


async def httpx_pages(urls: list[str]) -> int:
    limits = httpx.Limits(max_connections=16)
    async with httpx.AsyncClient(limits=limits, trust_env=False) as client:
        sem = asyncio.Semaphore(16)

        async def one(u: str) -> int:
            async with sem:
                return len((await client.get(u)).content)

        return sum(await asyncio.gather(*(one(u) for u in urls)))


async def bawaba_bomb(url: str) -> int:
    async with Fetcher(POLICY) as fetcher:
        result = await fetcher.fetch(url)
    assert result.error_kind == "decompression_bomb", result.error
    return 0


async def httpx_bomb(url: str) -> int:
    async with httpx.AsyncClient(trust_env=False) as client:
        return len((await client.get(url)).content)


def measure(fn: Callable[[], Coroutine[Any, Any, int]], repeat: int, memory: bool = False) -> tuple[float, float]:
    """Median seconds and (optionally) the peak traced memory in MB of the last run."""
    times, peak = [], 0
    for _ in range(repeat):
        if memory:
            tracemalloc.start()
        started = time.perf_counter()
        asyncio.run(fn())
        times.append(time.perf_counter() - started)
        if memory:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    return statistics.median(times), peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    server = _Server(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    urls = [f"{base}/p/{i}" for i in range(args.pages)]
    try:
        peer_s, _ = measure(lambda: httpx_pages(urls), args.repeat)
        ours_s, _ = measure(lambda: bawaba_pages(urls), args.repeat)
        peer_bomb_s, peer_mb = measure(lambda: httpx_bomb(f"{base}/bomb"), 1, memory=True)
        ours_bomb_s, ours_mb = measure(lambda: bawaba_bomb(f"{base}/bomb"), 1, memory=True)
    finally:
        server.shutdown()
        server.server_close()

    table = Table(title=f"fetch: {args.pages} gzip pages ({len(PAGE)} B wire each), 16 concurrent; "
                  f"{len(BOMB) // 1000} kB gzip bomb (200 MB inflated)")
    for col in ("measure", "httpx (peer)", "bawaba Fetcher", "bawaba / httpx"):
        table.add_column(col, justify="right" if col != "measure" else "left")
    table.add_row("pages/s (higher is better)", f"{args.pages / peer_s:.0f}", f"{args.pages / ours_s:.0f}",
                  f"{peer_s / ours_s:.2f}x")
    table.add_row("bomb: seconds", f"{peer_bomb_s:.2f}", f"{ours_bomb_s:.2f}", f"{ours_bomb_s / peer_bomb_s:.2f}x")
    table.add_row("bomb: peak Python MB", f"{peer_mb:.0f}", f"{ours_mb:.0f}", f"{ours_mb / max(peer_mb, 1e-9):.2f}x")
    Console().print(table)


if __name__ == "__main__":
    main()
