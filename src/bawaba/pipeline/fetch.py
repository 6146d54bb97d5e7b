"""Polite, hardened HTTP fetching: every failure becomes a ``FetchResult``, never an exception.

The crawler fetches whatever feeds and pages link to, so each request is treated as hostile:
URLs and every redirect hop are checked against private networks (``netguard``), bodies are
streamed with a wire cap and decoded by us with an inflation cap (``inflate``), a total deadline
bounds slow servers, robots.txt is obeyed (``robots``) and hosts are paced (``politeness``).
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Self
from urllib.parse import urldefrag, urljoin

import httpx

from bawaba.config import Settings
from bawaba.errors import FetchError
from bawaba.models import FetchKind, FetchResult, utcnow
from bawaba.pipeline.inflate import Inflater
from bawaba.pipeline.netguard import Resolver, check_url, origin_of, parse_http_url
from bawaba.pipeline.politeness import HostGates
from bawaba.pipeline.robots import ROBOTS_MAX_BYTES, RobotsCache

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 503})
DEFAULT_USER_AGENT = "bawaba/0.1 (+https://github.com/bawaba/bawaba; news aggregator)"


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Every limit the fetcher enforces. Plain values: the coordinator builds it from settings."""

    user_agent: str = DEFAULT_USER_AGENT
    host_concurrency: int = 4
    host_delay_s: float = 5.0
    global_concurrency: int = 32
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 20.0
    total_timeout_s: float = 60.0
    max_response_bytes: int = 10_000_000
    max_decompressed_bytes: int = 30_000_000
    max_redirects: int = 5
    allow_private_addresses: bool = False
    respect_robots: bool = True
    robots_cache_s: int = 86_400
    #: how long an unreachable robots.txt (5xx, timeout) keeps a host disallowed
    robots_error_cache_s: float = 600.0
    max_retries: int = 3
    backoff_base_s: float = 1.0
    max_retry_after_s: float = 300.0
    #: robots.txt Crawl-delay above ``host_delay_s`` is honoured up to this many seconds
    max_crawl_delay_s: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchPolicy:
        return cls(
            user_agent=settings.user_agent,
            host_concurrency=settings.host_concurrency,
            host_delay_s=settings.host_delay_s,
            global_concurrency=settings.global_concurrency,
            connect_timeout_s=settings.connect_timeout_s,
            read_timeout_s=settings.read_timeout_s,
            total_timeout_s=settings.total_timeout_s,
            max_response_bytes=settings.max_response_bytes,
            max_decompressed_bytes=settings.max_decompressed_bytes,
            max_redirects=settings.max_redirects,
            allow_private_addresses=settings.allow_private_addresses,
            respect_robots=settings.respect_robots,
            robots_cache_s=settings.robots_cache_s,
            max_retries=settings.max_retries,
        )


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds or an HTTP date.

    ``now`` is a POSIX timestamp (defaults to the current time); past dates give 0.
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


class _BodyError(FetchError):
    """A response arrived but its body was refused (too large, a bomb, corrupt): keep its status."""

    def __init__(self, error: FetchError, status: int, headers: dict[str, str]) -> None:
        super().__init__(str(error), error.kind, error.url)
        self.status = status
        self.headers = headers


@dataclass(frozen=True, slots=True)
class _Exchange:
    """One HTTP request/response on one hop."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed_s: float


class Fetcher:
    """Fetches URLs under a ``FetchPolicy``. Use as ``async with Fetcher(policy) as f:``.

    ``transport`` is handed to httpx (tests and the demo network inject one); ``resolver``
    replaces DNS for the private-address check; ``rng`` drives the backoff jitter.
    """

    def __init__(
        self,
        policy: FetchPolicy,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        resolver: Resolver | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.policy = policy
        self._resolver = resolver
        self._rng = rng or random.Random()
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(
                connect=policy.connect_timeout_s,
                read=policy.read_timeout_s,
                write=policy.read_timeout_s,
                pool=policy.total_timeout_s,
            ),
            limits=httpx.Limits(
                max_connections=max(1, policy.global_concurrency),
                max_keepalive_connections=max(1, policy.global_concurrency),
            ),
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate, br"},
        )
        self._gates = HostGates(policy.host_concurrency, policy.host_delay_s, policy.global_concurrency)
        self._robots = RobotsCache(self._fetch_robots, policy.robots_cache_s, policy.robots_error_cache_s)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- public ----------------------------------------------------------------------
    async def fetch(
        self,
        url: str,
        *,
        kind: FetchKind = FetchKind.ARTICLE,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        """GET ``url``. Never raises for network, HTTP or protocol trouble: see ``FetchResult``.

        ``body`` is the decoded (un-gzipped) body; ``headers`` are the server's, lower-cased.
        """
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        check_robots = self.policy.respect_robots and kind is not FetchKind.ROBOTS
        return await self._run(
            url,
            headers,
            check_robots=check_robots,
            max_bytes=self.policy.max_response_bytes,
            truncate=False,
            retries=self.policy.max_retries,
        )

    async def robots_sitemaps(self, url: str) -> list[str]:
        """The ``Sitemap:`` URLs of the robots.txt of ``url``'s host (empty when none or unusable)."""
        try:
            parts = parse_http_url(url)
        except FetchError:
            return []
        rules = await self._robots.rules(origin_of(parts))
        return rules.sitemaps

    # -- the request loop ------------------------------------------------------------
    async def _fetch_robots(self, url: str) -> FetchResult:
        return await self._run(
            url,
            {},
            check_robots=False,
            max_bytes=min(ROBOTS_MAX_BYTES, self.policy.max_response_bytes),
            truncate=True,
            retries=0,
        )

    async def _run(
        self,
        url: str,
        headers: dict[str, str],
        *,
        check_robots: bool,
        max_bytes: int,
        truncate: bool,
        retries: int,
    ) -> FetchResult:
        attempt = 0
        while True:
            elapsed = [0.0]
            try:
                exchange = await self._follow(url, headers, check_robots, max_bytes, truncate, elapsed)
            except FetchError as exc:
                return FetchResult(
                    url=url,
                    final_url=exc.url or url,
                    status=exc.status if isinstance(exc, _BodyError) else 0,
                    headers=exc.headers if isinstance(exc, _BodyError) else {},
                    elapsed_ms=elapsed[0] * 1000,
                    error=str(exc),
                    error_kind=exc.kind,
                )
            retry_after = parse_retry_after(exchange.headers.get("retry-after"))
            if exchange.status in RETRY_STATUSES:
                delay = self._backoff(attempt, retry_after)
                if delay is not None:
                    self._gates.defer(origin_of(parse_http_url(exchange.url)), delay)
                    if attempt < retries:
                        attempt += 1
                        continue
            return self._result(url, exchange, elapsed[0], retry_after)

    def _backoff(self, attempt: int, retry_after: float | None) -> float | None:
        """Exponential backoff with jitter, never shorter than Retry-After; None = do not retry."""
        if retry_after is not None and retry_after > self.policy.max_retry_after_s:
            return None
        backoff = self.policy.backoff_base_s * float(2**attempt) * self._rng.uniform(0.5, 1.0)
        return max(retry_after or 0.0, backoff)

    @staticmethod
    def _result(url: str, exchange: _Exchange, elapsed_s: float, retry_after: float | None) -> FetchResult:
        status = exchange.status
        error = error_kind = None
        if status >= 400 or (300 <= status < 400 and status != 304):
            reason = httpx.codes.get_reason_phrase(status)
            error = f"HTTP {status} {reason}".rstrip()
            error_kind = "http_status"
            if status in REDIRECT_STATUSES:
                error, error_kind = f"HTTP {status} redirect without a Location header", "protocol"
        return FetchResult(
            url=url,
            final_url=exchange.url,
            status=status,
            headers=exchange.headers,
            body=exchange.body,
            elapsed_ms=elapsed_s * 1000,
            error=error,
            error_kind=error_kind,
            retry_after_s=retry_after,
            fetched_at=utcnow(),
        )

    async def _follow(
        self,
        url: str,
        headers: dict[str, str],
        check_robots: bool,
        max_bytes: int,
        truncate: bool,
        elapsed: list[float],
    ) -> _Exchange:
        """Follow redirects by hand so every hop passes the address guard and robots."""
        current = url
        seen: set[str] = set()
        for hop in range(self.policy.max_redirects + 1):
            parts = await check_url(current, self._resolver, allow_private=self.policy.allow_private_addresses)
            seen.add(urldefrag(current).url)
            origin = origin_of(parts)
            if check_robots:
                rules = await self._robots.rules(origin)
                if not rules.allows(current, self.policy.user_agent):
                    raise FetchError(f"disallowed by robots.txt: {current}", "robots", current)
                crawl_delay = rules.crawl_delay(self.policy.user_agent)
                if crawl_delay is not None:
                    self._gates.set_delay(origin, min(crawl_delay, self.policy.max_crawl_delay_s))
            async with self._gates.slot(origin):
                started = time.perf_counter()
                try:
                    exchange = await self._exchange(current, headers, max_bytes, truncate)
                finally:
                    elapsed[0] += time.perf_counter() - started
            location = exchange.headers.get("location")
            if exchange.status not in REDIRECT_STATUSES or not location:
                return exchange
            target = urldefrag(urljoin(current, location.strip())).url
            if target in seen:
                raise FetchError(f"redirect loop: {current} -> {target}", "redirect_loop", current)
            if hop == self.policy.max_redirects:
                raise FetchError(
                    f"more than {self.policy.max_redirects} redirects (last: {current} -> {target})",
                    "too_many_redirects",
                    current,
                )
            current = target
        raise AssertionError("unreachable: the loop returns or raises")

    async def _exchange(self, url: str, headers: dict[str, str], max_bytes: int, truncate: bool) -> _Exchange:
        """One GET under the total deadline, body streamed raw and decoded with caps."""
        total = self.policy.total_timeout_s
        try:
            async with asyncio.timeout(total):
                async with self._client.stream("GET", url, headers=headers) as response:
                    found = {k.lower(): v for k, v in response.headers.items()}
                    status = response.status_code
                    if status == 304 or (status in REDIRECT_STATUSES and found.get("location")):
                        return _Exchange(url, status, found, b"", 0.0)
                    try:
                        body = await self._read_body(response, found, max_bytes, truncate, url)
                    except FetchError as exc:
                        raise _BodyError(exc, status, found) from None
                    return _Exchange(url, status, found, body, 0.0)
        except FetchError as exc:
            exc.url = exc.url or url
            raise
        except TimeoutError:
            raise FetchError(f"timed out: no complete response within {total:g} s", "timeout", url) from None
        except httpx.TimeoutException as exc:
            raise FetchError(f"timed out ({type(exc).__name__}): {exc or 'no data'}", "timeout", url) from None
        except httpx.ConnectError as exc:
            raise FetchError(f"cannot connect: {exc}", "connect", url) from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise FetchError(f"invalid URL {url!r}: {exc}", "invalid_url", url) from None
        except httpx.NetworkError as exc:
            raise FetchError(f"connection failed: {type(exc).__name__}: {exc}", "connect", url) from None
        except (httpx.HTTPError, httpx.StreamError) as exc:
            raise FetchError(f"protocol error: {type(exc).__name__}: {exc}", "protocol", url) from None
        except OSError as exc:
            raise FetchError(f"cannot connect: {exc}", "connect", url) from None

    async def _read_body(
        self, response: httpx.Response, headers: dict[str, str], max_bytes: int, truncate: bool, url: str
    ) -> bytes:
        declared = headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > max_bytes and not truncate:
            raise FetchError(
                f"response too large: Content-Length {declared} > {max_bytes} bytes", "too_large", url
            )
        inflater = Inflater(headers.get("content-encoding"), self.policy.max_decompressed_bytes)
        pieces: list[bytes] = []
        received = 0
        async for chunk in response.aiter_raw():
            received += len(chunk)
            if received > max_bytes:
                if not truncate:
                    raise FetchError(f"response too large: more than {max_bytes} bytes", "too_large", url)
                pieces.append(inflater.feed(chunk[: len(chunk) - (received - max_bytes)]))
                break
            pieces.append(inflater.feed(chunk))
        if received <= max_bytes:
            pieces.append(inflater.finish())
        return b"".join(pieces)
