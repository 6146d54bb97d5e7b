"""Hostile servers on 127.0.0.1: bombs, huge bodies, slow drips, redirect games, refusals."""

from __future__ import annotations

import asyncio
import gzip
import time
import tracemalloc
import zlib
from functools import cache

import brotli
import pytest

from bawaba.models import FetchResult
from bawaba.pipeline.fetch import Fetcher, FetchPolicy

from .localserver import Handler, LocalServer, free_port, policy

ARABIC = (
    "أعلنت بلدية المدينة القديمة اليوم عن افتتاح سوق شعبي جديد للحرفيين في ساحة الساعة، "
    "على أن يستقبل الزوار من الصباح حتى ساعات المساء طوال شهر الربيع.\n"
).encode()


@cache
def zeros_gzip() -> bytes:
    return gzip.compress(b"\0" * 20_000_000, compresslevel=9)


@cache
def zeros_brotli() -> bytes:
    return bytes(brotli.compress(b"\0" * 20_000_000, quality=5))


def fetch(url: str, pol: FetchPolicy | None = None, **kw: str) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(pol or policy()) as fetcher:
            return await fetcher.fetch(url, **kw)  # type: ignore[arg-type]

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", lambda: zeros_gzip()),
        ("deflate", lambda: zlib.compress(b"\0" * 20_000_000, 9)),
        ("br", lambda: zeros_brotli()),
        ("gzip, br", lambda: brotli.compress(zeros_gzip(), quality=5)),
    ],
)
def test_compression_bombs_are_cut_at_the_inflation_cap(server: LocalServer, encoding: str, body: object) -> None:
    payload = body()  # type: ignore[operator]
    assert len(payload) < 300_000  # small on the wire, 20 MB inflated
    server.route("/bomb", 200, payload, Content_Encoding=encoding, Content_Type="text/html")
    result = fetch(server.url("/bomb"))
    assert result.error_kind == "decompression_bomb"
    assert result.status == 200
    assert result.body == b""
    assert "2000000" in (result.error or "")


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send it
        ("br", brotli.compress),
        ("gzip, br", lambda b: brotli.compress(gzip.compress(b))),
        ("identity", lambda b: b),
    ],
)
def test_encoded_bodies_are_decoded(server: LocalServer, encoding: str, encode: object) -> None:
    text = ARABIC * 200
    server.route("/a", 200, encode(text), Content_Encoding=encoding)  # type: ignore[operator]
    result = fetch(server.url("/a"))
    assert result.ok, result.error
    assert result.body == text
    assert result.headers["content-encoding"] == encoding


def test_concatenated_gzip_members_are_all_decoded(server: LocalServer) -> None:
    server.route("/multi", 200, gzip.compress(ARABIC) + gzip.compress(b"tail"), Content_Encoding="gzip")
    assert fetch(server.url("/multi")).body == ARABIC + b"tail"


def test_corrupt_gzip_is_a_protocol_error(server: LocalServer) -> None:
    server.route("/bad", 200, b"this is not gzip at all", Content_Encoding="gzip")
    result = fetch(server.url("/bad"))
    assert result.error_kind == "protocol"
    assert "gzip" in (result.error or "")


def test_unknown_encoding_is_refused(server: LocalServer) -> None:
    server.route("/z", 200, b"xx", Content_Encoding="compress")
    assert fetch(server.url("/z")).error_kind == "protocol"


def test_fifty_megabytes_are_cut_at_the_wire_cap_without_buffering(server: LocalServer) -> None:
    chunk = b"x" * 65_536

    def flood(h: Handler) -> None:
        h.send_until_close(200, {"Content-Type": "text/html"})
        for _ in range(50_000_000 // len(chunk)):
            h.wfile.write(chunk)
            server.sent += len(chunk)

    server.routes["/huge"] = flood
    tracemalloc.start()
    try:
        result = fetch(server.url("/huge"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.error_kind == "too_large"
    assert result.status == 200
    assert result.body == b""
    assert peak < 10_000_000
    time.sleep(0.2)
    assert server.sent < 50_000_000


def test_declared_content_length_over_cap_is_refused_before_reading(server: LocalServer) -> None:
    def liar(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "50000000")
        h.end_headers()
        h.wfile.write(b"tiny")
        h.close_connection = True

    server.routes["/big"] = liar
    result = fetch(server.url("/big"))
    assert result.error_kind == "too_large"
    assert "Content-Length" in (result.error or "")


def test_server_dripping_one_byte_a_second_hits_the_total_deadline(server: LocalServer) -> None:
    def drip(h: Handler) -> None:
        h.send_until_close(200)
        for _ in range(30):
            h.wfile.write(b".")
            h.wfile.flush()
            server.sent += 1
            time.sleep(1.0)

    server.routes["/slow"] = drip
    started = time.monotonic()
    result = fetch(server.url("/slow"), policy(total_timeout_s=1.5, read_timeout_s=5.0))
    took = time.monotonic() - started
    assert result.error_kind == "timeout"
    assert result.status == 0
    assert "1.5" in (result.error or "")
    assert took < 5.0  # the read timeout alone would never fire: the deadline did
    assert server.sent < 5


def test_read_timeout_when_server_stalls_before_headers(server: LocalServer) -> None:
    server.routes["/stall"] = lambda h: time.sleep(2.0)
    result = fetch(server.url("/stall"), policy(read_timeout_s=0.3, total_timeout_s=5.0))
    assert result.error_kind == "timeout"


def test_redirect_loop(server: LocalServer) -> None:
    server.route("/a", 302, Location="/b")
    server.route("/b", 301, Location=server.url("/a"))
    result = fetch(server.url("/a"))
    assert result.error_kind == "redirect_loop"
    assert server.paths() == ["/a", "/b"]


def test_self_redirect_is_a_loop(server: LocalServer) -> None:
    server.route("/self", 307, Location="/self#again")
    assert fetch(server.url("/self")).error_kind == "redirect_loop"


def test_too_many_redirects(server: LocalServer) -> None:
    for i in range(1, 10):
        server.route(f"/r{i}", 302, Location=f"/r{i - 1}")
    server.route("/r0", 200, b"end")
    result = fetch(server.url("/r9"), policy(max_redirects=3))
    assert result.error_kind == "too_many_redirects"
    assert len(server.paths()) == 4  # the first request and three redirects
    ok = fetch(server.url("/r3"), policy(max_redirects=3))
    assert ok.ok and ok.body == b"end"
    assert ok.final_url == server.url("/r0")
    assert ok.url == server.url("/r3")


def test_redirect_without_location_is_an_error(server: LocalServer) -> None:
    server.route("/nowhere", 302, b"moved somewhere")
    result = fetch(server.url("/nowhere"))
    assert result.status == 302
    assert result.error_kind == "protocol"


def test_redirect_to_other_scheme_is_refused(server: LocalServer) -> None:
    server.route("/file", 302, Location="file:///etc/passwd")
    result = fetch(server.url("/file"))
    assert result.error_kind == "invalid_url"
    assert result.final_url == "file:///etc/passwd"


def test_loopback_is_blocked_without_contacting_it(server: LocalServer) -> None:
    server.route("/", 200, b"secret")
    result = fetch(server.url("/"), policy(allow_private_addresses=False))
    assert result.error_kind == "blocked_address"
    assert result.status == 0
    assert server.paths() == []


def test_connection_refused_is_a_connect_error() -> None:
    result = fetch(f"http://127.0.0.1:{free_port()}/")
    assert result.error_kind == "connect"
    assert result.status == 0
    assert result.error and "\n" not in result.error


@pytest.mark.parametrize("url", ["ftp://example.org/x", "javascript:alert(1)", "http:///nohost", "not a url"])
def test_invalid_urls(url: str) -> None:
    assert fetch(url).error_kind == "invalid_url"


def test_garbage_response_is_a_protocol_error(server: LocalServer) -> None:
    def garbage(h: Handler) -> None:
        h.wfile.write(b"SPEAK FRIEND AND ENTER\r\n\r\n")
        h.close_connection = True

    server.routes["/g"] = garbage
    assert fetch(server.url("/g")).error_kind == "protocol"
