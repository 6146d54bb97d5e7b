"""Refuse URLs that would make the crawler reach into private networks (SSRF guard).

A feed or an article page may link or redirect anywhere, including ``http://169.254.169.254/``
(cloud metadata) or ``http://10.0.0.1/admin``. Every hop of every fetch is checked here: the
scheme must be http(s) and every address the host resolves to must be public.

DNS rebinding: the host is resolved here and then again by the HTTP client when it connects, so
a hostile resolver that answers differently the second time can still slip through. This is a
best-effort guard; deployments that need a hard guarantee should also filter egress traffic.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import SplitResult, urlsplit

from bawaba.errors import BlockedAddressError, FetchError

#: ``resolver(host, port) -> addresses`` (textual IPs); injectable so tests need no DNS.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = frozenset({"http", "https"})


def parse_http_url(url: str) -> SplitResult:
    """Split ``url`` and insist on http(s) with a host; raise ``FetchError(kind="invalid_url")``."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port  # raises ValueError for a bad port
    except ValueError as exc:
        raise FetchError(f"invalid URL {url!r}: {exc}", "invalid_url", url) from None
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise FetchError(f"refusing scheme {parts.scheme or '(none)'!r} in {url!r}", "invalid_url", url)
    if not parts.hostname:
        raise FetchError(f"URL {url!r} has no host", "invalid_url", url)
    if port == 0:
        raise FetchError(f"URL {url!r} has port 0", "invalid_url", url)
    return parts


def default_port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme.lower() == "https" else 80)


def origin_of(parts: SplitResult) -> str:
    """``scheme://host:port``: the unit of politeness and of robots.txt."""
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{default_port(parts)}"


def is_blocked_ip(address: str | IPAddress) -> bool:
    """True for any address a public crawler has no business contacting.

    IPv4-mapped (``::ffff:10.0.0.1``) and 6to4 IPv6 addresses are judged by the IPv4 address
    they carry, so they cannot be used to smuggle a private target past the check.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0]) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_blocked_ip(ip.ipv4_mapped)
        if ip.sixtofour is not None and is_blocked_ip(ip.sixtofour):
            return True
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """Resolve with the event loop's ``getaddrinfo`` (runs in a thread, does not block the loop)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def check_url(url: str, resolver: Resolver | None = None, *, allow_private: bool = False) -> SplitResult:
    """Validate ``url`` and, unless ``allow_private``, refuse it if ANY address of its host is
    non-public. Raises ``FetchError`` (``invalid_url``/``connect``) or ``BlockedAddressError``."""
    parts = parse_http_url(url)
    if allow_private:
        return parts
    host = parts.hostname or ""
    literal = _ip_literal(host)
    if literal is not None:
        addresses: Sequence[str] = [str(literal)]
    else:
        try:
            addresses = await (resolver or system_resolver)(host, default_port(parts))
        except (OSError, UnicodeError) as exc:
            raise FetchError(f"cannot resolve {host}: {exc}", "connect", url) from None
        if not addresses:
            raise FetchError(f"cannot resolve {host}: no addresses", "connect", url)
    for address in addresses:
        try:
            blocked = is_blocked_ip(address)
        except ValueError:
            blocked = True
        if blocked:
            raise BlockedAddressError(f"refusing {url}: {host} resolves to non-public address {address}", url)
    return parts
