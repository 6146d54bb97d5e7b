"""Per-host and global request pacing, so the crawler never hammers one outlet.

A host (``scheme://host:port``) gets at most ``host_concurrency`` requests in flight and at
least ``host_delay_s`` between two request starts; the whole fetcher at most
``global_concurrency``. A 429/503 answer pushes the host's next allowed start back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass(slots=True)
class _HostState:
    semaphore: asyncio.Semaphore
    delay: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0


class HostGates:
    """Hands out request slots. Owned by one ``Fetcher``; all state lives on the instance."""

    def __init__(
        self,
        host_concurrency: int,
        host_delay_s: float,
        global_concurrency: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._host_concurrency = max(1, host_concurrency)
        self._delay = max(0.0, host_delay_s)
        self._global = asyncio.Semaphore(max(1, global_concurrency))
        self._hosts: dict[str, _HostState] = {}
        self._clock = clock

    def _state(self, origin: str) -> _HostState:
        state = self._hosts.get(origin)
        if state is None:
            state = _HostState(asyncio.Semaphore(self._host_concurrency), self._delay)
            self._hosts[origin] = state
        return state

    @asynccontextmanager
    async def slot(self, origin: str) -> AsyncIterator[None]:
        """Wait for a free host slot, the host's next allowed start and a global slot."""
        state = self._state(origin)
        async with state.semaphore:
            # The host lock serialises start-time reservations; the global slot is taken before
            # the start is recorded so waiting for it can never shrink the spacing.
            async with state.lock:
                while True:
                    while (wait := state.next_start - self._clock()) > 0:
                        await asyncio.sleep(wait)
                    await self._global.acquire()
                    if state.next_start <= self._clock():
                        break
                    self._global.release()  # pushed back (Retry-After) while we waited
                state.next_start = self._clock() + state.delay
            try:
                yield
            finally:
                self._global.release()

    def set_delay(self, origin: str, seconds: float) -> None:
        """Raise (never lower) the host's spacing, e.g. to a robots.txt Crawl-delay."""
        state = self._state(origin)
        state.delay = max(self._delay, seconds)

    def defer(self, origin: str, seconds: float) -> None:
        """Push the host's next allowed start at least ``seconds`` from now (Retry-After, backoff)."""
        state = self._state(origin)
        state.next_start = max(state.next_start, self._clock() + max(0.0, seconds))

    def next_start_in(self, origin: str) -> float:
        """Seconds until the host may be contacted again (0 when it may be now)."""
        state = self._hosts.get(origin)
        return 0.0 if state is None else max(0.0, state.next_start - self._clock())
