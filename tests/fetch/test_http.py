"""Ordinary HTTP behaviour: conditional GET, retries with Retry-After, headers, statuses."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from itertools import pairwise

import pytest

from bawaba.config import Settings
from bawaba.models import FetchKind, FetchResult
from bawaba.pipeline.fetch import Fetcher, FetchPolicy, parse_retry_after

from .localserver import Handler, LocalServer, policy

BODY = "<html><body><h1>عاجل: هطول أمطار غزيرة على الساحل الشمالي</h1></body></html>".encode()


def fetch(url: str, pol: FetchPolicy | None = None, **kw: str | None) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(pol or policy(), rng=random.Random(7)) as fetcher:
            return await fetcher.fetch(url, **kw)  # type: ignore[arg-type]

    return asyncio.run(go())


def test_ok_body_headers_lowercased(server: LocalServer) -> None:
    server.route("/p", 200, BODY, Content_Type="text/html; charset=utf-8", X_Custom_Thing="1")
    result = fetch(server.url("/p"))
    assert result.ok and result.error is None and result.error_kind is None
    assert result.body == BODY
    assert result.content_type == "text/html; charset=utf-8"
    assert result.headers["x-custom-thing"] == "1"
    assert all(name == name.lower() for name in result.headers)
    assert result.final_url == result.url == server.url("/p")
    assert result.elapsed_ms > 0
    assert server.hits[0].headers["user-agent"] == "bawaba-test/1.0"
    assert "br" in server.hits[0].headers["accept-encoding"]


def test_conditional_get_gives_304(server: LocalServer) -> None:
    def conditional(h: Handler) -> None:
        if h.headers.get("If-None-Match") == '"v7"':
            h.send_body(304, b"", {"ETag": '"v7"'})
        else:
            h.send_body(200, BODY, {"ETag": '"v7"'})

    server.routes["/feed"] = conditional
    first = fetch(server.url("/feed"), kind=FetchKind.FEED)
    assert first.status == 200 and first.headers["etag"] == '"v7"'
    again = fetch(
        server.url("/feed"), etag='"v7"', last_modified="Tue, 02 Apr 2024 08:00:00 GMT", kind=FetchKind.FEED
    )
    assert again.status == 304 and again.not_modified
    assert again.error is None and not again.body
    sent = server.hits[-1].headers
    assert sent["if-none-match"] == '"v7"'
    assert sent["if-modified-since"] == "Tue, 02 Apr 2024 08:00:00 GMT"
    assert "if-none-match" not in server.hits[0].headers


def test_http_error_status(server: LocalServer) -> None:
    server.route("/gone", 410, b"gone")
    result = fetch(server.url("/gone"))
    assert result.status == 410 and not result.ok
    assert result.error_kind == "http_status"
    assert result.error == "HTTP 410 Gone"
    assert result.body == b"gone"


def test_429_with_retry_after_then_200(server: LocalServer) -> None:
    def limited(h: Handler) -> None:
        if len(server.hits) == 1:
            h.send_body(429, b"slow down", {"Retry-After": "1"})
        else:
            h.send_body(200, BODY)

    server.routes["/busy"] = limited
    result = fetch(server.url("/busy"))
    assert result.ok and result.body == BODY
    first, second = server.hits
    assert second.at - first.at >= 0.9


def test_503_then_200_with_backoff(server: LocalServer) -> None:
    def flaky(h: Handler) -> None:
        h.send_body(503 if len(server.hits) <= 2 else 200, BODY)

    server.routes["/flaky"] = flaky
    result = fetch(server.url("/flaky"))
    assert result.ok
    assert len(server.hits) == 3
    gaps = [b.at - a.at for a, b in pairwise(server.hits)]
    assert gaps[0] >= 0.02 and gaps[1] >= 0.04  # base 0.05 s * 2^attempt, jitter in [0.5, 1]


def test_retries_are_capped(server: LocalServer) -> None:
    server.route("/down", 503, b"", Retry_After="0")
    result = fetch(server.url("/down"), policy(max_retries=2))
    assert len(server.hits) == 3
    assert result.status == 503 and result.error_kind == "http_status"
    assert result.retry_after_s == 0.0


def test_retry_after_beyond_limit_is_not_waited_for(server: LocalServer) -> None:
    server.route("/later", 429, b"", Retry_After="3600")
    result = fetch(server.url("/later"))
    assert len(server.hits) == 1
    assert result.status == 429 and result.retry_after_s == 3600.0


def test_retry_after_pushes_back_the_host(server: LocalServer) -> None:
    server.route("/x", 429, b"", Retry_After="1")
    server.route("/y", 200, b"ok")

    async def go() -> None:
        async with Fetcher(policy(max_retries=0)) as fetcher:
            first = await fetcher.fetch(server.url("/x"))
            assert first.status == 429
            assert (await fetcher.fetch(server.url("/y"))).ok

    asyncio.run(go())
    assert server.hits[1].at - server.hits[0].at >= 0.9


def test_parse_retry_after() -> None:
    now = datetime(2024, 4, 2, 8, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 0 ") == 0.0
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(later, now=now.timestamp()) == pytest.approx(90.0)
    earlier = format_datetime(now - timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(earlier, now=now.timestamp()) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("-5") == 0.0


def test_policy_from_settings() -> None:
    settings = Settings(user_agent="ua/2", host_delay_s=1.5, max_redirects=2, allow_private_addresses=True)
    pol = FetchPolicy.from_settings(settings)
    assert pol.user_agent == "ua/2"
    assert pol.host_delay_s == 1.5
    assert pol.max_redirects == 2
    assert pol.allow_private_addresses is True
    assert pol.max_response_bytes == settings.max_response_bytes
    assert pol.robots_cache_s == settings.robots_cache_s
