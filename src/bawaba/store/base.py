"""The store interface: everything the rest of bawaba asks of storage.

Only ``bawaba.store`` writes SQL. The coordinator, workers and web hold a ``Store``;
stages never do. One contract suite (tests/store/) runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bawaba.models import (
    Article,
    Feed,
    FetchLogEntry,
    Page,
    Source,
    SourceHealth,
    Story,
)


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    """Filters shared by listings, the API and export."""

    category: str | None = None
    #: egypt, arab or world (``pipeline.region``)
    region: str | None = None
    source_id: int | None = None
    story_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    #: plain substring search over title and text (the search issue adds real search)
    q: str | None = None
    #: only originals (duplicate_of IS NULL)
    originals_only: bool = False


@dataclass(frozen=True, slots=True)
class UpsertResult:
    id: int
    created: bool


class Store(Protocol):
    """Storage for sources, feeds, the fetch log, articles and stories.

    Listings are newest first by ``(published_at or first_seen, id)`` and use keyset
    cursors. Every write method commits before returning (one article = one transaction).
    """

    # -- lifecycle -------------------------------------------------------------------
    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""

    def close(self) -> None: ...

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""

    # -- sources and feeds -----------------------------------------------------------
    def add_source(self, source: Source) -> Source:
        """Insert, or update name/homepage/section_map of the source with the same slug."""

    def get_source(self, id_or_slug: int | str) -> Source:
        """Raise ``NotFoundError`` when missing."""

    def list_sources(self) -> list[Source]: ...

    def add_feed(self, feed: Feed) -> Feed:
        """Insert, or return the existing feed with the same URL."""

    def list_feeds(self, source_id: int | None = None) -> list[Feed]: ...

    def due_feeds(self, now: datetime, limit: int | None = None) -> list[Feed]:
        """Enabled feeds whose ``next_poll_at`` is null or not after ``now``."""

    def update_feed(self, feed_id: int, **changes: Any) -> None:
        """Set polling/conditional-GET fields (etag, last_modified, body_hash, last_fetch_at,
        last_success_at, error_streak, last_error, poll_interval_s, next_poll_at, title)."""

    def log_fetch(self, entry: FetchLogEntry) -> None: ...

    def source_health(self, now: datetime) -> list[SourceHealth]: ...

    # -- articles --------------------------------------------------------------------
    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """Those of ``urls`` already stored as an article's url or canonical_url."""

    def upsert_article(self, article: Article) -> UpsertResult:
        """Insert the article atomically, or, if its canonical URL is stored, update the
        mutable fields and keep ``id`` and ``first_seen``. Never creates a second row."""

    def get_article(self, article_id: int) -> Article:
        """Raise ``NotFoundError`` when missing."""

    def get_articles(self, ids: Sequence[int]) -> list[Article]:
        """The articles with these ids, in the same order (missing ids skipped), one query."""

    def list_articles(
        self, flt: ArticleFilter | None = None, limit: int = 20, cursor: str | None = None
    ) -> Page[Article]: ...

    def latest_by_category(self, per_category: int) -> dict[str, list[Article]]:
        """The newest ``per_category`` articles of every category, in a bounded number of queries."""

    def iter_articles(self, flt: ArticleFilter | None = None, batch: int = 500) -> Iterator[Article]:
        """Every matching article oldest first, streamed in batches (constant memory)."""

    def count_articles(self, flt: ArticleFilter | None = None) -> int: ...

    def update_article_fields(self, article_id: int, **changes: Any) -> None:
        """Set derived fields: category, category_confidence, region, story_id, duplicate_of."""

    def category_counts(self) -> dict[str, int]: ...

    def article_stamps(self, after_id: int, limit: int) -> list[tuple[int, str, datetime]]:
        """``(id, title, published_at or first_seen)`` of articles with ``id > after_id``, ascending
        id, at most ``limit``: light rows (no bodies) for sitemaps, keyset by id. (web issue)"""

    def max_article_id(self) -> int:
        """The largest article id, 0 when there are none (sitemap index paging). (web issue)"""

    def change_token(self) -> str:
        """A cheap value that changes whenever articles are added or changed (cache keys, ETags)."""

    # -- stories ---------------------------------------------------------------------
    def save_story(self, story: Story) -> Story:
        """Insert (``id`` 0 means new) or update a story row."""

    def get_story(self, story_id: int) -> Story: ...

    def list_stories(self, since: datetime | None = None, limit: int = 20, min_sources: int = 1) -> list[Story]: ...

    # -- provenance (stories issue; store/provenance.py) ------------------------------
    def article_ids_by_url(self, canonical_urls: Sequence[str]) -> dict[str, int]:
        """``canonical_url -> id`` of those stored."""

    def story_source_ids(self, story_id: int) -> list[int]:
        """Distinct source ids of the articles in a story."""

    def source_copy_stats(self, source_id: int | None = None) -> list[dict[str, Any]]:
        """Per source: ``source``, ``articles``, ``copies``, ``copy_share``, ``copies_from``."""

    def copied_from(self, source_id: int) -> list[tuple[str, int]]:
        """``(slug, copies)`` of the sources whose articles this source republishes, most first."""

    def refresh_story(self, story_id: int, title: str | None = None, representative_id: int | None = None) -> None:
        """Recount a story's articles, sources, first and last seen from its articles; set title and
        representative when given. Raise ``NotFoundError`` when missing."""

    def reset_stories(self) -> None:
        """Clear every ``story_id`` and ``duplicate_of`` and delete all story rows."""

    def iter_story_articles(self, story_id: int) -> Iterator[int]:
        """Ids of a story's articles, oldest first."""

    # -- stats -----------------------------------------------------------------------
    def stats(self, now: datetime) -> Mapping[str, Any]:
        """At least ``articles``, ``sources``, ``feeds``, ``fetches_24h``, ``fetch_errors_24h``,
        ``articles_24h``; ``republication`` lists per source ``source``, ``articles``, ``copies``,
        ``share`` and ``mostly_from``."""
