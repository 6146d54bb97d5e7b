"""Per-host and global limits, measured at real local servers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from itertools import pairwise

from bawaba.models import FetchResult
from bawaba.pipeline.fetch import Fetcher
from bawaba.pipeline.politeness import HostGates

from .localserver import Counters, Handler, LocalServer, policy


def slow_page(h: Handler) -> None:
    time.sleep(0.15)
    h.send_body(200, b"page")


def run_many(urls: list[str], **changes: object) -> list[FetchResult]:
    async def go() -> list[FetchResult]:
        async with Fetcher(policy(**changes)) as fetcher:
            return list(await asyncio.gather(*(fetcher.fetch(u) for u in urls)))

    return asyncio.run(go())


def test_host_concurrency_never_exceeded(server: LocalServer) -> None:
    server.routes["/p"] = slow_page
    results = run_many([server.url(f"/p?{i}") for i in range(8)], host_concurrency=2)
    assert all(r.ok for r in results)
    assert server.counters.peak == 2  # reached, never passed


def test_host_delay_spaces_request_starts(server: LocalServer) -> None:
    server.route("/p", 200, b"page")
    run_many([server.url(f"/p?{i}") for i in range(4)], host_delay_s=0.2, host_concurrency=4)
    starts = sorted(hit.at for hit in server.hits)
    gaps = [b - a for a, b in pairwise(starts)]
    assert len(gaps) == 3
    assert min(gaps) >= 0.15  # server-side arrival times carry some connection jitter


def test_hosts_are_paced_independently(make_server: Callable[..., LocalServer]) -> None:
    one, two = make_server(), make_server()
    for srv in (one, two):
        srv.route("/p", 200, b"page")
    urls = [srv.url(f"/p?{i}") for i in range(2) for srv in (one, two)]
    run_many(urls, host_delay_s=0.3)
    first_one, first_two = one.hits[0].at, two.hits[0].at
    assert abs(first_one - first_two) < 0.2  # different hosts did not wait for each other
    assert one.hits[1].at - one.hits[0].at >= 0.25


def test_global_concurrency_across_hosts(make_server: Callable[..., LocalServer]) -> None:
    shared = Counters()
    servers = [make_server(shared) for _ in range(3)]
    for srv in servers:
        srv.routes["/p"] = slow_page
    urls = [srv.url(f"/p?{i}") for i in range(3) for srv in servers]
    results = run_many(urls, host_concurrency=3, global_concurrency=2)
    assert all(r.ok for r in results)
    assert shared.peak == 2


def test_defer_is_waited_for_by_the_next_slot() -> None:
    async def go() -> float:
        gates = HostGates(host_concurrency=1, host_delay_s=0.0, global_concurrency=1)
        gates.defer("http://a:80", 0.2)
        assert gates.next_start_in("http://a:80") > 0.1
        assert gates.next_start_in("http://b:80") == 0.0
        started = time.monotonic()
        async with gates.slot("http://a:80"):
            return time.monotonic() - started

    assert asyncio.run(go()) >= 0.19


def test_set_delay_never_lowers_the_policy_delay() -> None:
    async def go() -> float:
        gates = HostGates(host_concurrency=1, host_delay_s=0.2, global_concurrency=4)
        gates.set_delay("http://a:80", 0.0)
        async with gates.slot("http://a:80"):
            pass
        return gates.next_start_in("http://a:80")

    assert asyncio.run(go()) > 0.15
