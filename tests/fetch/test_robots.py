"""robots.txt: honoured, cached, RFC 9309 failure semantics, sitemaps."""

from __future__ import annotations

import asyncio

import pytest

from bawaba.models import FetchKind, FetchResult
from bawaba.pipeline.fetch import Fetcher
from bawaba.pipeline.robots import RobotsCache, rules_from_result

from .localserver import LocalServer, policy

ROBOTS = b"""User-agent: *
Disallow: /private/
Allow: /

User-agent: bawaba-test
Disallow: /private/
Disallow: /drafts
Crawl-delay: 0.3

Sitemap: https://news.example/sitemap-news.xml
Sitemap: https://news.example/sitemap-index.xml
"""


def fetch_all(server: LocalServer, paths: list[str], **changes: object) -> list[FetchResult]:
    async def go() -> list[FetchResult]:
        async with Fetcher(policy(respect_robots=True, **changes)) as fetcher:
            return list(await asyncio.gather(*(fetcher.fetch(server.url(p)) for p in paths)))

    return asyncio.run(go())


def test_disallowed_paths_are_never_requested(server: LocalServer) -> None:
    server.route("/robots.txt", 200, ROBOTS, Content_Type="text/plain")
    for path in ("/private/salaries", "/drafts/1", "/news/1"):
        server.route(path, 200, b"page")
    results = fetch_all(server, ["/private/salaries", "/drafts/1", "/news/1"])
    assert [r.error_kind for r in results] == ["robots", "robots", None]
    assert results[0].status == 0
    assert "/private/" not in " ".join(server.paths())
    assert "/drafts/1" not in server.paths()


def test_robots_fetched_once_for_many_urls(server: LocalServer) -> None:
    server.route("/robots.txt", 200, ROBOTS)
    paths = [f"/news/{i}" for i in range(6)]
    for path in paths:
        server.route(path, 200, b"page")
    results = fetch_all(server, paths, max_crawl_delay_s=0.0)
    assert all(r.ok for r in results)
    assert server.paths().count("/robots.txt") == 1
    assert server.paths()[0] == "/robots.txt"


def test_crawl_delay_spaces_requests(server: LocalServer) -> None:
    server.route("/robots.txt", 200, ROBOTS)
    server.route("/a", 200, b"a")
    server.route("/b", 200, b"b")
    fetch_all(server, ["/a", "/b"])
    page_hits = [h for h in server.hits if h.path != "/robots.txt"]
    assert page_hits[1].at - page_hits[0].at >= 0.25


@pytest.mark.parametrize(("status", "allowed"), [(404, True), (403, True), (500, False), (503, False), (429, False)])
def test_robots_status_semantics(server: LocalServer, status: int, allowed: bool) -> None:
    server.route("/robots.txt", status, b"")
    server.route("/page", 200, b"page")
    [result] = fetch_all(server, ["/page"], max_retries=0)
    assert (result.error_kind is None) is allowed
    assert ("/page" in server.paths()) is allowed
    if not allowed:
        assert result.error_kind == "robots"


def test_robots_fetch_is_itself_hardened(server: LocalServer) -> None:
    server.route("/robots.txt", 200, b"User-agent: *\nDisallow: /\n" + b"#" * 2_000_000)
    server.route("/page", 200, b"page")
    [result] = fetch_all(server, ["/page"])
    assert result.error_kind == "robots"  # first 512 KiB parsed despite the oversize file


def test_robots_sitemaps(server: LocalServer) -> None:
    server.route("/robots.txt", 200, ROBOTS)

    async def go() -> tuple[list[str], list[str]]:
        async with Fetcher(policy(respect_robots=False)) as fetcher:
            found = await fetcher.robots_sitemaps(server.url("/any/page"))
            bad = await fetcher.robots_sitemaps("mailto:desk@news.example")
            return found, bad

    found, bad = asyncio.run(go())
    assert found == ["https://news.example/sitemap-news.xml", "https://news.example/sitemap-index.xml"]
    assert bad == []


def test_robots_kind_skips_robots_check(server: LocalServer) -> None:
    server.route("/robots.txt", 200, b"User-agent: *\nDisallow: /\n")

    async def go() -> FetchResult:
        async with Fetcher(policy(respect_robots=True)) as fetcher:
            return await fetcher.fetch(server.url("/robots.txt"), kind=FetchKind.ROBOTS)

    assert asyncio.run(go()).ok
    assert server.paths() == ["/robots.txt"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_cache_ttl_and_last_good_copy_on_server_error() -> None:
    clock = FakeClock()
    answers = [
        FetchResult(url="u", final_url="u", status=200, body=b"User-agent: *\nDisallow: /x\n"),
        FetchResult(url="u", final_url="u", status=500, error="HTTP 500", error_kind="http_status"),
        FetchResult(url="u", final_url="u", status=0, error="refused", error_kind="connect"),
    ]
    asked: list[str] = []

    async def fake_fetch(url: str) -> FetchResult:
        asked.append(url)
        return answers[len(asked) - 1]

    async def go() -> None:
        cache = RobotsCache(fake_fetch, ttl_s=100, error_ttl_s=10, clock=clock)
        origin = "https://news.example:443"
        rules = await cache.rules(origin)
        assert not rules.allows("https://news.example/x/1", "bot")
        assert rules.allows("https://news.example/y", "bot")
        clock.now += 50
        await cache.rules(origin)
        assert len(asked) == 1  # still fresh
        clock.now += 60
        kept = await cache.rules(origin)  # 500: keep the last good rules, briefly
        assert len(asked) == 2
        assert kept.allows("https://news.example/y", "bot")
        assert not kept.allows("https://news.example/x/1", "bot")
        assert kept.expires_at == clock.now + 10

    asyncio.run(go())
    assert asked[0] == "https://news.example/robots.txt"


def test_unreachable_robots_without_history_disallows() -> None:
    result = FetchResult(url="u", final_url="u", status=0, error="timed out", error_kind="timeout")
    rules = rules_from_result(result, now=0.0, ttl_s=100, error_ttl_s=10)
    assert not rules.allows("https://news.example/", "bot")
    assert rules.expires_at == 10
    loop = FetchResult(url="u", final_url="u", status=0, error="loop", error_kind="redirect_loop")
    assert rules_from_result(loop, now=0.0, ttl_s=100, error_ttl_s=10).allows("https://news.example/", "bot")
