"""The private-address guard: literals, resolution, and redirects to internal hosts."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bawaba.errors import BlockedAddressError, FetchError
from bawaba.models import FetchResult
from bawaba.pipeline.fetch import Fetcher
from bawaba.pipeline.netguard import check_url, is_blocked_ip, origin_of, parse_http_url

from .localserver import LocalServer, RoutingTransport, policy

BLOCKED = [
    "127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
    "0.0.0.0", "100.64.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255", "198.18.0.1",
    "::1", "::", "fe80::1", "fc00::1", "ff02::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1",
    "::ffff:169.254.169.254", "2002:a00:1::1", "64:ff9b::10.0.0.1",
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]

# a fake DNS: names the tests use, none of which is ever contacted (RoutingTransport sends
# every connection to the local server)
ZONE = {
    "news.example": ["93.184.216.34"],
    "mixed.example": ["93.184.216.34", "10.0.0.1"],
    "metadata.example": ["169.254.169.254"],
    "six.example": ["2606:4700:4700::1111", "::ffff:192.168.0.1"],
}


async def fake_resolver(host: str, port: int) -> Sequence[str]:
    if host not in ZONE:
        raise OSError(f"no such host {host}")
    return ZONE[host]


@pytest.mark.parametrize("address", BLOCKED)
def test_private_literals_are_blocked(address: str) -> None:
    assert is_blocked_ip(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_literals_pass(address: str) -> None:
    assert not is_blocked_ip(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/", "http://[::1]:8080/", "http://10.0.0.1/admin", "http://169.254.169.254/latest/",
        "http://[::ffff:10.0.0.1]/", "http://mixed.example/", "http://metadata.example/", "http://six.example/",
    ],
)
def test_check_url_refuses(url: str) -> None:
    with pytest.raises(BlockedAddressError):
        asyncio.run(check_url(url, fake_resolver))


def test_check_url_accepts_public_and_allow_private() -> None:
    assert asyncio.run(check_url("https://news.example/a", fake_resolver)).hostname == "news.example"
    assert asyncio.run(check_url("http://10.0.0.1/", fake_resolver, allow_private=True)).port is None


def test_unresolvable_host_is_a_connect_error() -> None:
    with pytest.raises(FetchError) as info:
        asyncio.run(check_url("http://nowhere.example/", fake_resolver))
    assert info.value.kind == "connect"


def test_system_resolver_blocks_localhost() -> None:
    with pytest.raises(BlockedAddressError):
        asyncio.run(check_url("http://localhost:9/"))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://x/", "http://", "http://a:99999/", "http://a:0/"])
def test_parse_http_url_rejects(url: str) -> None:
    with pytest.raises(FetchError) as info:
        parse_http_url(url)
    assert info.value.kind == "invalid_url"


def test_origin_of() -> None:
    assert origin_of(parse_http_url("https://News.Example/a")) == "https://news.example:443"
    assert origin_of(parse_http_url("http://news.example:8080/a")) == "http://news.example:8080"


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1/", "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/", "http://mixed.example/", "http://metadata.example/",
    ],
)
def test_redirect_to_private_address_is_blocked(server: LocalServer, target: str) -> None:
    server.route("/go", 302, Location=target)

    async def go() -> FetchResult:
        transport = RoutingTransport(server.port)
        async with Fetcher(policy(allow_private_addresses=False), transport, resolver=fake_resolver) as fetcher:
            return await fetcher.fetch("http://news.example/go")

    result = asyncio.run(go())
    assert result.error_kind == "blocked_address"
    assert result.final_url == target
    assert server.paths() == ["/go"]  # the internal target was never contacted


def test_public_redirect_chain_is_followed(server: LocalServer) -> None:
    server.route("/go", 301, Location="https://news.example/final")
    server.route("/final", 200, b"arrived")

    async def go() -> FetchResult:
        transport = RoutingTransport(server.port)
        async with Fetcher(policy(allow_private_addresses=False), transport, resolver=fake_resolver) as fetcher:
            return await fetcher.fetch("http://news.example/go")

    result = asyncio.run(go())
    assert result.ok and result.body == b"arrived"
    assert result.final_url == "https://news.example/final"
