"""The frozen dataclasses that flow through the pipeline.

Stages take and return these; only the coordinator, workers and web turn them into rows.
Times are timezone-aware UTC ``datetime`` objects everywhere.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


class FeedKind(enum.StrEnum):
    """How a feed lists its articles."""

    RSS = "rss"
    ATOM = "atom"
    SITEMAP = "sitemap"
    NEWS_SITEMAP = "news_sitemap"
    SITEMAP_INDEX = "sitemap_index"


class FetchKind(enum.StrEnum):
    """What a fetch was for; recorded in the fetch log."""

    FEED = "feed"
    ARTICLE = "article"
    ROBOTS = "robots"
    DISCOVERY = "discovery"


@dataclass(frozen=True, slots=True)
class Source:
    """A news outlet. ``slug`` is the stable public name used in URLs."""

    slug: str
    name: str
    homepage: str
    id: int | None = None
    language: str = "ar"
    #: per-source section overrides: section name or URL path segment -> category slug
    section_map: Mapping[str, str] = field(default_factory=dict)
    #: category used when nothing else decides
    default_category: str | None = None
    #: region of its articles that name no place (egypt, arab, world; None: the portal's home)
    home_region: str | None = None
    enabled: bool = True
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Feed:
    """A URL polled for new article links, with its conditional-GET and polling state."""

    source_id: int
    url: str
    kind: FeedKind = FeedKind.RSS
    id: int | None = None
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    last_fetch_at: datetime | None = None
    last_success_at: datetime | None = None
    error_streak: int = 0
    last_error: str | None = None
    poll_interval_s: int = 3600
    next_poll_at: datetime | None = None
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The outcome of one HTTP fetch. Failures are values, not exceptions.

    ``error`` is None on success (including 304). ``error_kind`` is a short machine tag
    such as ``timeout``, ``too_large``, ``blocked_address``, ``redirect_loop``,
    ``too_many_redirects``, ``http_status``, ``robots``, ``connect``, ``decompression_bomb``.
    """

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    elapsed_ms: float = 0.0
    error: str | None = None
    error_kind: str | None = None
    retry_after_s: float | None = None
    fetched_at: datetime = field(default_factory=utcnow)

    @property
    def ok(self) -> bool:
        return self.error is None and 200 <= self.status < 300

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


@dataclass(frozen=True, slots=True)
class FetchLogEntry:
    """One row of the fetch log: every request, good or bad."""

    url: str
    kind: FetchKind
    status: int
    elapsed_ms: float
    bytes: int
    error: str | None = None
    error_kind: str | None = None
    source_id: int | None = None
    feed_id: int | None = None
    fetched_at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed or sitemap: a link to an article plus what the feed says of it."""

    url: str
    title: str | None = None
    guid: str | None = None
    published_at: datetime | None = None
    summary: str | None = None
    author: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    image: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed or sitemap. A sitemap index lists child sitemaps in ``sitemaps``."""

    kind: FeedKind
    entries: tuple[FeedEntry, ...] = ()
    sitemaps: tuple[str, ...] = ()
    title: str | None = None
    link: str | None = None


@dataclass(frozen=True, slots=True)
class DiscoveredFeed:
    """A feed found by ``sources add`` discovery."""

    url: str
    kind: FeedKind
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Image:
    src: str
    caption: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Extracted:
    """What extraction finds in one page (the ``bawaba extract --json`` shape)."""

    url: str
    canonical_url: str
    title: str
    text: str
    html: str
    author: str | None = None
    published_at: datetime | None = None
    lead_image: str | None = None
    images: tuple[Image, ...] = ()
    section: str | None = None
    tags: tuple[str, ...] = ()
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """An article as stored. ``canonical_url`` is unique in the store."""

    url: str
    canonical_url: str
    source_id: int
    title: str
    text: str
    html: str = ""
    id: int | None = None
    author: str | None = None
    published_at: datetime | None = None
    first_seen: datetime = field(default_factory=utcnow)
    lead_image: str | None = None
    images: tuple[Image, ...] = ()
    section: str | None = None
    tags: tuple[str, ...] = ()
    language: str | None = "ar"
    content_hash: str = ""
    category: str | None = None
    category_confidence: float | None = None
    region: str | None = None
    story_id: int | None = None
    duplicate_of: int | None = None


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """The operator's view of one source."""

    source: Source
    feeds: int
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    error_streak: int
    last_error: str | None
    articles_24h: int
    articles_total: int
    next_poll_at: datetime | None


@dataclass(frozen=True, slots=True)
class Story:
    """A cluster of articles about the same event across outlets."""

    id: int
    title: str
    first_seen: datetime
    last_seen: datetime
    source_count: int
    article_count: int
    representative_id: int | None = None
    category: str | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a keyset-paginated listing; ``next_cursor`` is opaque."""

    items: tuple[T, ...]
    next_cursor: str | None = None
    total: int | None = None
