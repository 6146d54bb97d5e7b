"""Conditional GET and an in-process TTL cache of rendered pages.

Every cacheable response is keyed by the store's ``change_token()`` (one cheap query): the ETag
is derived from it plus path and query, so a reader's revalidation costs one query and no
rendering, and a cache entry dies as soon as an article is added or changed. Bodies are gzipped
once when they are rendered and served compressed to every client that accepts gzip, instead of
being compressed again by the middleware on each response.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import logging
import os
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, Generic, TypeVar

from starlette.requests import Request
from starlette.responses import Response

#: bodies smaller than this are sent as they are (gzip would not pay for its header)
GZIP_MIN_BYTES = 800
#: level 6: nearly level 9's size on HTML at a third of the time
GZIP_LEVEL = 6

#: seconds derived values (related ids) outlive change tokens: new articles may take this long
#: to show up in them
DERIVED_TTL_S = 300.0

#: niceness of the refresher thread (19 = runs only on otherwise idle CPU)
BACKGROUND_NICENESS = 19

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Rendered:
    body: bytes
    media_type: str
    #: ``body`` gzipped once at render time; None when it is too small to be worth it
    gzipped: bytes | None = None


def compressed(value: Rendered) -> Rendered:
    """``value`` with its gzipped body (``mtime=0`` so equal bodies give equal bytes)."""
    if value.gzipped is not None or len(value.body) < GZIP_MIN_BYTES:
        return value
    return replace(value, gzipped=gzip.compress(value.body, GZIP_LEVEL, mtime=0))


def accepts_gzip(header: str | None) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip (``gzip`` or ``*`` without ``q=0``)."""
    if not header:
        return False
    for item in header.split(","):
        name, _, params = item.partition(";")
        if name.strip().lower() not in ("gzip", "*"):
            continue
        q = params.strip().lower().removeprefix("q=")
        try:
            return not params.strip() or float(q) > 0
        except ValueError:
            return False
    return False


class RecentValues(Generic[K, V]):
    """A bounded LRU with a TTL that ignores the change token: for derived values that are
    costly to compute and may lag new articles by up to ``ttl_s`` (related-article ids), so a
    busy crawl, which moves the token every few seconds, does not force recomputing them."""

    def __init__(self, ttl_s: float, max_entries: int = 20_000, clock: Callable[[], float] = time.monotonic):
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < self._clock():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: K, value: V) -> None:
        if self.ttl_s <= 0:
            return
        with self._lock:
            self._entries[key] = (self._clock() + self.ttl_s, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class Refresher(Generic[K, V]):
    """``RecentValues`` filled off the request path by one daemon thread.

    ``get`` answers from the memo or, on a miss, queues the computation and returns None so the
    caller can render with a cheap stand-in: a cold page never waits for a slow query, and a
    burst of misses queues at most ``backlog`` jobs (the rest are asked for again later) instead
    of piling slow queries onto the serving threads.
    """

    def __init__(self, memo: RecentValues[K, V], backlog: int = 4) -> None:
        self.memo = memo
        self._jobs: queue.Queue[tuple[K, Callable[[], V]]] = queue.Queue(maxsize=backlog)
        self._pending: set[K] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._worker: threading.Thread | None = None

    def get(self, key: K, compute: Callable[[], V]) -> V | None:
        value = self.memo.get(key)
        if value is not None or self.memo.ttl_s <= 0:
            return value
        with self._lock:
            if key in self._pending or self._jobs.full():
                return None
            self._pending.add(key)
            self._jobs.put_nowait((key, compute))
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="bawaba-refresher", daemon=True)
                self._worker.start()
        return None

    def _run(self) -> None:
        # Linux nices one thread by its id: serving threads keep the CPU, this gets what is left
        # (elsewhere there are no per-thread priorities and the small backlog bounds the work)
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)
        while True:
            key, compute = self._jobs.get()
            try:
                self.memo.put(key, compute())
            except Exception:  # a failed job must not end the thread; the key is asked for again
                log.exception("background refresh of %r failed", key)
            finally:
                with self._lock:
                    self._pending.discard(key)
                    self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Block until no job is queued or running (tests, orderly shutdown); False on timeout."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._pending, timeout)


@dataclass(slots=True)
class _Entry:
    token: str
    expires: float
    value: Rendered


class PageCache:
    """A bounded LRU of rendered responses with a TTL, dropped when the change token moves.

    Instances are per application (kept on ``app.state``); a lock makes them safe for the
    thread pool that runs the synchronous route handlers.
    """

    def __init__(
        self,
        ttl_s: float,
        max_entries: int = 512,
        clock: Callable[[], float] = time.monotonic,
        derived_ttl_s: float = DERIVED_TTL_S,
    ):
        self.ttl_s = ttl_s
        #: costly values derived from articles (related ids), kept across change tokens; off
        #: with the page cache, so an uncached portal computes everything per request
        self.derived: Refresher[Hashable, Any] = Refresher(RecentValues(derived_ttl_s if ttl_s > 0 else 0))
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._token_seen: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self._rendering: dict[str, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: str, token: str) -> Rendered | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.token != token or entry.expires < self._clock():
                if entry is not None:
                    del self._entries[key]
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry.value

    def put(self, key: str, token: str, value: Rendered) -> None:
        if self.ttl_s <= 0:
            return
        with self._lock:
            self._entries[key] = _Entry(token, self._clock() + self.ttl_s, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def get_or_render(self, key: str, token: str, render: Callable[[], Rendered]) -> Rendered:
        """The cached value, else render it once: concurrent misses of one key wait for the
        first renderer instead of all rendering (no stampede when a hot page expires)."""
        value = self.get(key, token)
        if value is not None:
            return value
        with self._lock:
            if len(self._rendering) > 4 * self.max_entries:
                self._rendering = {k: v for k, v in self._rendering.items() if v.locked()}
            key_lock = self._rendering.setdefault(key, threading.Lock())
        with key_lock:
            value = self.get(key, token)
            if value is None:
                value = compressed(render())
                self.put(key, token, value)
        return value

    def token_time(self, token: str) -> datetime:
        """When this process first saw ``token``: the Last-Modified of everything under it."""
        with self._lock:
            seen = self._token_seen.get(token)
            if seen is None:
                if len(self._token_seen) > 64:
                    self._token_seen.clear()
                seen = datetime.now(UTC).replace(microsecond=0)
                self._token_seen[token] = seen
            return seen

    def __len__(self) -> int:
        return len(self._entries)


def request_key(request: Request) -> str:
    query = request.url.query
    return request.url.path + ("?" + query if query else "")


def make_etag(token: str, key: str) -> str:
    digest = hashlib.blake2b(f"{token}\x00{key}".encode(), digest_size=12).hexdigest()
    return f'W/"{digest}"'


def _etag_matches(header: str, etag: str) -> bool:
    wanted = etag.removeprefix("W/")
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


def _not_modified_since(header: str, last_modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified <= since


def cached_response(
    request: Request,
    cache: PageCache,
    token: str,
    render: Callable[[], Rendered],
    max_age: int,
) -> Response:
    """Answer 304 when the client's copy is current, else the cached or freshly rendered body."""
    key = request_key(request)
    etag = make_etag(token, key)
    last_modified = cache.token_time(token)
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(last_modified, usegmt=True),
        "Cache-Control": f"public, max-age={max_age}",
        "Vary": "Accept-Encoding",
    }
    inm = request.headers.get("if-none-match")
    ims = request.headers.get("if-modified-since")
    if (inm is not None and _etag_matches(inm, etag)) or (
        inm is None and ims is not None and _not_modified_since(ims, last_modified)
    ):
        return Response(status_code=304, headers=headers)
    rendered = cache.get_or_render(key, token, render)
    if rendered.gzipped is not None and accepts_gzip(request.headers.get("accept-encoding")):
        # the gzip middleware passes responses that already carry a Content-Encoding through
        headers["Content-Encoding"] = "gzip"
        return Response(rendered.gzipped, media_type=rendered.media_type, headers=headers)
    return Response(rendered.body, media_type=rendered.media_type, headers=headers)
