"""robots.txt, fetched once per host and cached (RFC 9309 semantics, parsed by protego).

* 2xx: the rules apply (the first 512 KiB are parsed, as the RFC allows).
* 4xx (but 429), or a redirect chain that does not end: no rules, everything is allowed.
* 5xx, 429, timeouts and network errors: the host is treated as fully disallowed for a short
  while, or the last good copy is kept when one is cached.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from protego import Protego

from bawaba.models import FetchResult

#: robots.txt bodies are parsed up to this size (RFC 9309 asks for at least 500 KiB).
ROBOTS_MAX_BYTES = 512 * 1024

RobotsFetch = Callable[[str], Awaitable[FetchResult]]

_ALLOW_ALL_KINDS = frozenset({"redirect_loop", "too_many_redirects", "invalid_url"})


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """One host's verdict: parsed rules, or a blanket allow/disallow."""

    parser: Protego | None
    allow_all: bool
    expires_at: float
    #: whether these rules came from a real 2xx robots.txt (kept on later 5xx)
    fetched: bool = False

    def allows(self, url: str, user_agent: str) -> bool:
        if self.parser is None:
            return self.allow_all
        return bool(self.parser.can_fetch(url, user_agent))

    @property
    def sitemaps(self) -> list[str]:
        return [] if self.parser is None else list(self.parser.sitemaps)

    def crawl_delay(self, user_agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(user_agent)
        return None if delay is None else float(delay)


def rules_from_result(
    result: FetchResult, now: float, ttl_s: float, error_ttl_s: float
) -> RobotsRules:
    """Turn the fetch of ``/robots.txt`` into rules, following RFC 9309 section 2.3.1."""
    if result.status and 200 <= result.status < 300 and result.error is None:
        text = result.body[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace")
        return RobotsRules(Protego.parse(text), True, now + ttl_s, fetched=True)
    if result.error_kind in _ALLOW_ALL_KINDS:
        return RobotsRules(None, True, now + ttl_s)
    if 400 <= result.status < 500 and result.status != 429:
        return RobotsRules(None, True, now + ttl_s)
    # 5xx, 429, timeouts, refused connections, bombs: assume complete disallow, briefly
    return RobotsRules(None, False, now + min(error_ttl_s, ttl_s))


class RobotsCache:
    """Per-origin robots rules with a TTL; concurrent first requests share one fetch."""

    def __init__(
        self,
        fetch: RobotsFetch,
        ttl_s: float,
        error_ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl_s
        self._error_ttl = error_ttl_s
        self._clock = clock
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def rules(self, origin: str) -> RobotsRules:
        """The rules of ``origin`` (``scheme://host:port``), fetching robots.txt when stale."""
        cached = self._rules.get(origin)
        if cached is not None and cached.expires_at > self._clock():
            return cached
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            cached = self._rules.get(origin)
            now = self._clock()
            if cached is not None and cached.expires_at > now:
                return cached
            result = await self._fetch(_robots_url(origin))
            fresh = rules_from_result(result, self._clock(), self._ttl, self._error_ttl)
            if not fresh.fetched and fresh.parser is None and not fresh.allow_all and cached is not None \
                    and cached.fetched:
                # temporary failure: keep the last good rules a little longer
                fresh = RobotsRules(cached.parser, True, fresh.expires_at, fetched=True)
            self._rules[origin] = fresh
            return fresh


def _robots_url(origin: str) -> str:
    scheme, rest = origin.split("://", 1)
    host, port = rest.rsplit(":", 1)
    default = "443" if scheme == "https" else "80"
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{scheme}://{host}{'' if port == default else ':' + port}/robots.txt"
