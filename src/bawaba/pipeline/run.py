"""The coordinator: runs the stages over due feeds and commits each article atomically.

As Miniflux's ``reader/handler`` does, one function owns the order of the stages:
fetch feed → parse → skip known links → fetch page → extract → clean → classify → store.
A feed's conditional-GET state is saved only after all of its new articles are stored, so a
crash (even ``kill -9``) at any point makes the next run redo the unfinished feed; the unique
canonical URL and the known-URL check make the redo store nothing twice.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

from bawaba.errors import BawabaError, ExtractionError, ParseError
from bawaba.models import (
    Article,
    Extracted,
    Feed,
    FeedEntry,
    FeedKind,
    FetchKind,
    FetchLogEntry,
    FetchResult,
    Source,
)
from bawaba.pipeline.extract import extract_article
from bawaba.pipeline.feeds import parse_feed
from bawaba.pipeline.schedule import next_poll_interval
from bawaba.pipeline.sections import first_mapped_section
from bawaba.store.base import Store
from bawaba.text.normalize import normalize

log = logging.getLogger(__name__)

#: child sitemaps taken from one sitemap index
MAX_CHILD_SITEMAPS = 500
#: fetch-log rows written per transaction
LOG_BATCH = 256


class FetcherLike(Protocol):
    async def fetch(
        self,
        url: str,
        *,
        kind: FetchKind = FetchKind.ARTICLE,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult: ...


class ArticleEnricher(Protocol):
    """Sets derived fields (category, region, duplicates, story) before the article is stored.
    An enricher may also have ``after_store(article_id, article)``, called after each upsert."""

    def __call__(self, article: Article, source: Source) -> Article: ...


@dataclass(slots=True)
class SourceReport:
    """What one crawl pass did for one source (the CLI's summary table)."""

    source: str
    name: str = ""
    feeds: int = 0
    feeds_unchanged: int = 0
    feeds_failed: int = 0
    new: int = 0
    updated: int = 0
    failed: int = 0
    skipped_robots: int = 0
    requests: int = 0
    conditional_requests: int = 0


@dataclass(slots=True)
class CrawlReport:
    sources: dict[str, SourceReport] = field(default_factory=dict)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None

    def for_source(self, slug: str, name: str = "") -> SourceReport:
        if slug not in self.sources:
            self.sources[slug] = SourceReport(slug, name or slug)
        return self.sources[slug]

    def total(self, attr: str) -> int:
        return sum(int(getattr(r, attr)) for r in self.sources.values())

    def as_dict(self) -> dict[str, object]:
        keys = ("feeds", "feeds_unchanged", "feeds_failed", "new", "updated", "failed",
                "skipped_robots", "requests", "conditional_requests")
        return {
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "totals": {k: self.total(k) for k in keys},
            "sources": {s: {k: getattr(r, k) for k in keys} for s, r in sorted(self.sources.items())},
        }


ProgressHook = Callable[[str, int], None]
"""Called with ("feeds" | "articles", n) as work is discovered (n > 0 adds to the total) or done
(n == 0 means one item finished)."""


def content_hash(text: str) -> str:
    """Hash of the normalised text: equal for copies that differ only in spelling variants."""
    folded = " ".join(normalize(text).split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def _same_site(a: str, b: str) -> bool:
    ha, hb = urlsplit(a).hostname or "", urlsplit(b).hostname or ""
    ha, hb = ha.removeprefix("www."), hb.removeprefix("www.")
    return ha == hb and (urlsplit(a).port == urlsplit(b).port)


def build_article(
    extracted: Extracted, entry: FeedEntry, source: Source, final_url: str, now: datetime
) -> Article:
    """Merge what the page says with what the feed said; the page wins where it speaks.

    A canonical link to another site (aggregators often point at the original) is not
    trusted: the republication is its own article, linked to the original by dedup later.
    """
    canonical = extracted.canonical_url or final_url
    if not _same_site(canonical, final_url):
        canonical = final_url
    published = extracted.published_at or entry.published_at
    if published is not None and published > now + timedelta(days=1):
        published = entry.published_at if entry.published_at and entry.published_at <= now else None
    return Article(
        url=entry.url,
        canonical_url=canonical,
        source_id=int(source.id or 0),
        title=extracted.title or entry.title or "",
        text=extracted.text,
        html=extracted.html,
        author=extracted.author or entry.author,
        published_at=published,
        first_seen=now,
        lead_image=extracted.lead_image or entry.image,
        images=extracted.images,
        section=first_mapped_section([extracted.section, *entry.tags, entry.section], source.section_map),
        tags=extracted.tags or entry.tags,
        language=extracted.language or source.language,
        content_hash=content_hash(extracted.text),
    )


class Coordinator:
    """Runs crawl passes over a store with a fetcher. Holds no global state."""

    def __init__(
        self,
        store: Store,
        fetcher: FetcherLike,
        *,
        min_poll_s: int = 600,
        max_poll_s: int = 86_400,
        max_feed_entries: int = 2_000,
        feed_concurrency: int = 16,
        article_concurrency: int = 8,
        enrich: ArticleEnricher | None = None,
        progress: ProgressHook | None = None,
        extract: Callable[..., Extracted] = extract_article,
        extract_in_thread: bool = True,
        executor: Executor | None = None,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.min_poll_s = min_poll_s
        self.max_poll_s = max_poll_s
        self.max_feed_entries = max_feed_entries
        self.feed_concurrency = feed_concurrency
        self.article_concurrency = article_concurrency
        self.enrich = enrich
        self.progress = progress
        self.extract = extract
        self.extract_in_thread = extract_in_thread
        #: extraction is CPU-bound: a process pool uses every core (None: a thread, or inline)
        self.executor = executor
        self._sources: dict[int, Source] = {}
        self._claimed: set[str] = set()
        #: fetch-log rows not yet written: flushed in one transaction per batch and before a feed's
        #: state is saved, so a crash may lose log rows of unfinished feeds, never articles
        self._log_buffer: list[FetchLogEntry] = []

    # -- public ------------------------------------------------------------------------
    async def crawl_once(self, now: datetime | None = None, *, all_feeds: bool = False) -> CrawlReport:
        """One pass over the due feeds (or every enabled feed with ``all_feeds``)."""
        now = now or datetime.now(UTC)
        report = CrawlReport(started_at=now)
        self._sources = {int(s.id or 0): s for s in self.store.list_sources()}
        self._claimed = set()
        feeds = [f for f in self.store.list_feeds() if f.enabled] if all_feeds else self.store.due_feeds(now)
        feeds = [f for f in feeds if self._sources.get(f.source_id, None) and self._sources[f.source_id].enabled]
        self._tick("feeds", len(feeds))
        sem = asyncio.Semaphore(self.feed_concurrency)

        async def run(feed: Feed) -> None:
            async with sem:
                try:
                    await self.process_feed(feed, report)
                except BawabaError as exc:  # a stage bug must not stop the other feeds
                    log.warning("feed %s failed: %s", feed.url, exc)
                    report.for_source(self._sources[feed.source_id].slug).feeds_failed += 1
                finally:
                    self._tick("feeds", 0)

        try:
            await asyncio.gather(*(run(f) for f in feeds))
        finally:
            self.flush_log()
        report.finished_at = datetime.now(UTC)
        return report

    async def process_feed(self, feed: Feed, report: CrawlReport) -> None:
        source = self._sources[feed.source_id]
        rep = report.for_source(source.slug, source.name)
        rep.feeds += 1
        now = datetime.now(UTC)
        result = await self._fetch(feed.url, FetchKind.FEED, source, feed, feed.etag, feed.last_modified)
        rep.requests += 1
        if feed.etag or feed.last_modified:
            rep.conditional_requests += 1

        if result.not_modified:
            rep.feeds_unchanged += 1
            self._feed_done(feed, now, new_items=0, success=True)
            return
        if not result.ok:
            rep.feeds_failed += 1
            self._feed_failed(feed, now, result.error or f"HTTP {result.status}", result.retry_after_s)
            return

        body_hash = hashlib.sha256(result.body).hexdigest()
        conditional = {
            "etag": result.headers.get("etag"),
            "last_modified": result.headers.get("last-modified"),
            "body_hash": body_hash,
        }
        if body_hash == feed.body_hash:
            rep.feeds_unchanged += 1
            self._feed_done(feed, now, new_items=0, success=True, **conditional)
            return
        try:
            parsed = parse_feed(result.body, result.final_url, result.content_type, self.max_feed_entries)
        except ParseError as exc:
            rep.feeds_failed += 1
            self._log_error(feed.url, FetchKind.FEED, source, feed, f"unparseable feed: {exc}", "parse")
            self._feed_failed(feed, now, f"unparseable feed: {exc}", None)
            return

        if parsed.kind is FeedKind.SITEMAP_INDEX:
            # children become feeds of their own (own validators and schedule), polled now
            known_feeds = {f.url for f in self.store.list_feeds(feed.source_id)}
            children = [
                self.store.add_feed(Feed(source_id=feed.source_id, url=child, kind=FeedKind.SITEMAP,
                                         poll_interval_s=feed.poll_interval_s))
                for child in parsed.sitemaps[:MAX_CHILD_SITEMAPS]
                if child not in known_feeds
            ]
            self._tick("feeds", len(children))
            for child_feed in children:
                await self.process_feed(child_feed, report)
                self._tick("feeds", 0)
            self._feed_done(feed, now, new_items=0, success=True, title=parsed.title, **conditional)
            return

        entries = _unique_entries(parsed.entries)
        known = self.store.known_urls(e.url for e in entries)
        # a feed and a sitemap of one site often list the same links: claim each once per pass
        todo = [e for e in entries if e.url not in known and e.url not in self._claimed]
        self._claimed.update(e.url for e in todo)
        self._tick("articles", len(todo))
        # links of one feed are fetched concurrently; the fetcher enforces per-host limits and delays
        sem = asyncio.Semaphore(self.article_concurrency)

        async def one(entry: FeedEntry) -> str:
            async with sem:
                try:
                    return await self.ingest_entry(entry, source, feed, rep)
                finally:
                    self._tick("articles", 0)

        outcomes = await asyncio.gather(*(one(e) for e in todo))
        retry_later = "transient" in outcomes
        changes = {"title": parsed.title or feed.title}
        if not retry_later:
            changes.update(conditional)  # else keep old validators: the next poll refetches the feed
        self._feed_done(feed, now, new_items=len(todo), success=True, **changes)

    async def ingest_entry(self, entry: FeedEntry, source: Source, feed: Feed | None, rep: SourceReport) -> str:
        """Fetch, extract and store one linked article. Returns created/updated/skipped/failed/transient."""
        result = await self._fetch(entry.url, FetchKind.ARTICLE, source, feed)
        rep.requests += 1
        if result.error_kind == "robots":
            rep.skipped_robots += 1
            return "skipped"
        if not result.ok:
            rep.failed += 1
            return "transient" if _is_transient(result) else "failed"
        try:
            job = functools.partial(self.extract, result.body, result.final_url, content_type=result.content_type)
            if self.executor is not None:
                extracted = await asyncio.get_running_loop().run_in_executor(self.executor, job)
            elif self.extract_in_thread:
                extracted = await asyncio.to_thread(job)
            else:
                extracted = self.extract(result.body, result.final_url, content_type=result.content_type)
        except ExtractionError as exc:
            rep.failed += 1
            self._log_error(entry.url, FetchKind.ARTICLE, source, feed, f"extraction: {exc}", "extraction")
            return "failed"
        now = datetime.now(UTC)
        article = build_article(extracted, entry, source, result.final_url, now)
        if not article.title or not article.text.strip():
            rep.failed += 1
            self._log_error(entry.url, FetchKind.ARTICLE, source, feed, "extraction: empty article", "extraction")
            return "failed"
        if self.enrich is not None:
            article = self.enrich(article, source)
        upsert = self.store.upsert_article(article)
        after_store = getattr(self.enrich, "after_store", None)
        if after_store is not None:
            after_store(upsert.id, article)
        if upsert.created:
            rep.new += 1
            return "created"
        rep.updated += 1
        return "updated"

    def flush_log(self) -> None:
        """Write the buffered fetch-log rows (one transaction when the store can batch them)."""
        rows, self._log_buffer = self._log_buffer, []
        if not rows:
            return
        log_many = getattr(self.store, "log_fetches", None)
        if log_many is not None:
            log_many(rows)
        else:
            for row in rows:
                self.store.log_fetch(row)

    # -- helpers -----------------------------------------------------------------------
    def _log(self, entry: FetchLogEntry) -> None:
        self._log_buffer.append(entry)
        if len(self._log_buffer) >= LOG_BATCH:
            self.flush_log()

    async def _fetch(
        self,
        url: str,
        kind: FetchKind,
        source: Source,
        feed: Feed | None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        result = await self.fetcher.fetch(url, kind=kind, etag=etag, last_modified=last_modified)
        self._log(
            FetchLogEntry(
                url=url,
                kind=kind,
                status=result.status,
                elapsed_ms=result.elapsed_ms,
                bytes=len(result.body),
                error=result.error,
                error_kind=result.error_kind,
                source_id=source.id,
                feed_id=feed.id if feed else None,
                fetched_at=result.fetched_at,
            )
        )
        return result

    def _log_error(
        self, url: str, kind: FetchKind, source: Source, feed: Feed | None, error: str, error_kind: str
    ) -> None:
        self._log(
            FetchLogEntry(url=url, kind=kind, status=0, elapsed_ms=0.0, bytes=0, error=error[:500],
                          error_kind=error_kind, source_id=source.id, feed_id=feed.id if feed else None)
        )

    def _feed_done(self, feed: Feed, now: datetime, *, new_items: int, success: bool, **changes: object) -> None:
        self.flush_log()
        since_last = (now - feed.last_fetch_at).total_seconds() if feed.last_fetch_at else float(feed.poll_interval_s)
        interval = next_poll_interval(feed.poll_interval_s, new_items, since_last, self.min_poll_s, self.max_poll_s)
        self.store.update_feed(
            int(feed.id or 0),
            last_fetch_at=now,
            last_success_at=now if success else feed.last_success_at,
            error_streak=0,
            last_error=None,
            poll_interval_s=interval,
            next_poll_at=now + timedelta(seconds=interval),
            **{k: v for k, v in changes.items() if v is not None},
        )

    def _feed_failed(self, feed: Feed, now: datetime, error: str, retry_after_s: float | None) -> None:
        self.flush_log()
        streak = feed.error_streak + 1
        backoff = min(self.max_poll_s, self.min_poll_s * 2 ** min(streak - 1, 8))
        if retry_after_s:
            backoff = max(backoff, int(retry_after_s))
        self.store.update_feed(
            int(feed.id or 0),
            last_fetch_at=now,
            error_streak=streak,
            last_error=error[:500],
            next_poll_at=now + timedelta(seconds=backoff),
        )

    def _tick(self, what: str, n: int) -> None:
        if self.progress is not None:
            self.progress(what, n)


def _is_transient(result: FetchResult) -> bool:
    if result.error_kind in {"timeout", "connect", "protocol"}:
        return True
    return result.status == 429 or result.status >= 500


def _unique_entries(entries: Sequence[FeedEntry]) -> list[FeedEntry]:
    seen: set[str] = set()
    out = []
    for e in entries:
        if e.url and e.url not in seen and e.url.startswith(("http://", "https://")):
            seen.add(e.url)
            out.append(e)
    return out
