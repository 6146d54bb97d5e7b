"""The stateful side of stories: provenance (``duplicate_of``) and story ids at ingest.

Part of the coordinator (it holds the store). ``StoryTracker`` keeps the near-duplicate index
and the story clusters of the sliding window in memory and rebuilds both from the store when it
starts: the state is a function of the stored articles in the window, so a restart, even after
``kill -9`` mid-crawl, continues exactly as if nothing had happened.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from bawaba.models import Article, Story
from bawaba.pipeline.cluster import ClusterParams, StoryClusterer, story_terms
from bawaba.pipeline.dedup import DedupParams, Fingerprint, MinHasher, NearDuplicateIndex, text_terms
from bawaba.store.base import ArticleFilter, Store

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def sort_time(article: Article) -> datetime:
    """When an article counts as published: its date, else when it was first seen."""
    return article.published_at or article.first_seen


def _ts(when: datetime) -> float:
    return (when - EPOCH).total_seconds() if when.tzinfo else (when.replace(tzinfo=UTC) - EPOCH).total_seconds()


@dataclass(slots=True)
class _Live:
    """One article of the window."""

    article_id: int
    url: str
    source_id: int
    title: str
    when: float
    first_seen: float
    original_id: int
    story_id: int

    @property
    def order(self) -> tuple[float, float, int]:
        return (self.when, self.first_seen, self.article_id)


@dataclass(slots=True)
class _StoryStats:
    article_count: int
    sources: set[int]
    first: datetime
    last: datetime
    title: str
    representative_id: int | None
    category: str | None = None


@dataclass(slots=True)
class _Pending:
    """The article last returned by ``assign``: stored by the caller right after."""

    slot: int
    live: _Live
    counts: dict[str, int] = field(default_factory=dict)


class StoryTracker:
    """Assigns ``duplicate_of`` and ``story_id`` to each new article and keeps story rows."""

    def __init__(
        self,
        store: Store,
        window_h: int = 72,
        *,
        dedup: DedupParams | None = None,
        cluster: ClusterParams | None = None,
        rebuild: bool = True,
    ) -> None:
        self.store = store
        self.window_s = window_h * 3600.0
        self.hasher = MinHasher(dedup or DedupParams())
        self.index = NearDuplicateIndex(self.hasher.params)
        self.clusters = StoryClusterer(cluster)
        self._live: dict[int, _Live] = {}
        self._slot_of_id: dict[int, int] = {}
        self._slot_of_url: dict[str, int] = {}
        self._heap: list[tuple[float, int]] = []
        self._next_slot = 0
        self._high = float("-inf")
        self._stats: dict[int, _StoryStats] = {}
        self._pending: _Pending | None = None
        if rebuild:
            self.rebuild()

    # -- restart -------------------------------------------------------------------------
    def rebuild(self) -> int:
        """Load the window (ending at the newest stored article) from the store; returns its size."""
        newest = self.store.list_articles(limit=1).items
        if not newest:
            return 0
        since = sort_time(newest[0]) - timedelta(seconds=self.window_s)
        loaded = 0
        for article in self.store.iter_articles(ArticleFilter(since=since)):
            if article.id is None:
                continue
            story = article.story_id or 0
            live = _Live(
                int(article.id), article.canonical_url, article.source_id, article.title,
                _ts(sort_time(article)), _ts(article.first_seen),
                article.duplicate_of or int(article.id), story,
            )
            self._add(live, self.hasher.fingerprint(text_terms(article.text)),
                      story_terms(article.title, article.text, self.clusters.params))
            loaded += 1
        self._evict()
        return loaded

    # -- ingest --------------------------------------------------------------------------
    def assign(self, article: Article, *, replaying: bool = False) -> Article:
        """The article with ``duplicate_of`` and ``story_id`` set (called before it is stored;
        ``replaying`` re-decides an article already stored, for ``stories rebuild``)."""
        self._settle_pending()
        known = self._slot_of_url.get(article.canonical_url)
        if known is not None:
            live = self._live[known]
            return replace(article, story_id=live.story_id or None, duplicate_of=self._dup(live))
        if not replaying and self.store.known_urls([article.canonical_url]):
            return article  # stored before the window: its provenance and story stay
        when = _ts(sort_time(article))
        self._high = max(self._high, when)
        self._evict()
        fp = self.hasher.fingerprint(text_terms(article.text))
        counts = story_terms(article.title, article.text, self.clusters.params)
        live = _Live(0, article.canonical_url, article.source_id, article.title, when,
                     _ts(article.first_seen), 0, 0)
        roots = {self._live[s].original_id for s, _ in self.index.matches(fp)}
        root_lives = sorted((self._root_live(r) for r in roots), key=lambda x: x.order)
        if root_lives and root_lives[0].order < (when, live.first_seen, float("inf")):
            original = root_lives[0]
            live.original_id = original.original_id
            live.story_id = original.story_id
            later = root_lives[1:]
        else:
            live.original_id = 0
            live.story_id = root_lives[0].story_id if root_lives else 0
            later = root_lives
        if not live.story_id:
            hit = self.clusters.best(counts, when, self.window_s)
            if hit is not None and hit[1] >= self.clusters.params.threshold:
                live.story_id = hit[0]
        live.story_id = self._join_story(live, article)
        article = replace(article, story_id=live.story_id, duplicate_of=live.original_id or None)
        if later:
            if not live.original_id:  # this article is the new original: it needs its id now
                live.article_id = self.store.upsert_article(article).id
                live.original_id = live.article_id
            for old in later:
                self._repoint(old.original_id, live.original_id)
        in_window = when >= self._high - self.window_s
        if in_window:
            self._pending = _Pending(self._take_slot(), live, dict(counts))
            self.index.add(self._pending.slot, fp)
            if live.article_id:  # stored already: register it now so it can represent its story
                self._settle_pending()
        self._save_story(live.story_id)
        return article

    def flush(self) -> None:
        """Resolve the last assigned article's id (call after the caller stored it)."""
        self._settle_pending()

    # -- internals -----------------------------------------------------------------------
    def _dup(self, live: _Live) -> int | None:
        return None if live.original_id == live.article_id else live.original_id

    def _root_live(self, original_id: int) -> _Live:
        slot = self._slot_of_id.get(original_id)
        if slot is not None:
            return self._live[slot]
        # the original left the window: it is earlier than anything live
        return _Live(original_id, "", 0, "", float("-inf"), float("-inf"), original_id,
                     self._story_of_outside(original_id))

    def _story_of_outside(self, article_id: int) -> int:
        for slot_live in self._live.values():
            if slot_live.original_id == article_id and slot_live.story_id:
                return slot_live.story_id
        return 0

    def _take_slot(self) -> int:
        slot = self._next_slot
        self._next_slot += 1
        return slot

    def _add(self, live: _Live, fp: Fingerprint, counts: Mapping[str, int]) -> None:
        slot = self._take_slot()
        self._register(slot, live)
        self.index.add(slot, fp)
        if live.story_id:
            self.clusters.add(slot, live.story_id, counts, live.when)
        self._high = max(self._high, live.when)

    def _register(self, slot: int, live: _Live) -> None:
        self._live[slot] = live
        self._slot_of_id[live.article_id] = slot
        self._slot_of_url[live.url] = slot
        heapq.heappush(self._heap, (live.when, slot))

    def _settle_pending(self) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        live = pending.live
        if not live.article_id:
            ids = self.store.article_ids_by_url([live.url])
            if live.url not in ids:  # the caller did not store it after all
                self.index.remove(pending.slot)
                return
            live.article_id = ids[live.url]
        if not live.original_id:
            live.original_id = live.article_id
        self._register(pending.slot, live)
        if live.story_id:
            self.clusters.add(pending.slot, live.story_id, pending.counts, live.when)

    def _evict(self) -> None:
        floor = self._high - self.window_s
        while self._heap and self._heap[0][0] < floor:
            _, slot = heapq.heappop(self._heap)
            live = self._live.pop(slot, None)
            if live is None:
                continue
            self.index.remove(slot)
            self.clusters.remove(slot)
            if self._slot_of_id.get(live.article_id) == slot:
                del self._slot_of_id[live.article_id]
            if self._slot_of_url.get(live.url) == slot:
                del self._slot_of_url[live.url]
            if live.story_id and live.story_id not in set(self.clusters.stories()):
                self._stats.pop(live.story_id, None)

    def _repoint(self, old_original: int, new_original: int) -> None:
        """Every live copy of ``old_original`` and that article itself now copy ``new_original``."""
        for live in self._live.values():
            if live.original_id == old_original and live.article_id != new_original:
                live.original_id = new_original
                self.store.update_article_fields(live.article_id, duplicate_of=new_original)
        if old_original not in self._slot_of_id and old_original != new_original:
            self.store.update_article_fields(old_original, duplicate_of=new_original)

    def _join_story(self, live: _Live, article: Article) -> int:
        when = sort_time(article)
        if live.story_id and live.story_id not in self._stats:
            self._stats[live.story_id] = self._load_stats(live.story_id)
        if not live.story_id:
            story = self.store.save_story(
                Story(id=0, title=article.title, first_seen=when, last_seen=when, source_count=0,
                      article_count=0, category=article.category)
            )
            self._stats[story.id] = _StoryStats(0, set(), when, when, article.title, None, article.category)
            live.story_id = story.id
        stats = self._stats[live.story_id]
        stats.article_count += 1
        stats.sources.add(live.source_id)
        stats.first = min(stats.first, when)
        stats.last = max(stats.last, when)
        return live.story_id

    def _load_stats(self, story_id: int) -> _StoryStats:
        story = self.store.get_story(story_id)
        sources = set(self.store.story_source_ids(story_id))
        return _StoryStats(story.article_count, sources, story.first_seen, story.last_seen, story.title,
                           story.representative_id, story.category)

    def _save_story(self, story_id: int) -> None:
        stats = self._stats[story_id]
        originals = [s for s in self.clusters.members(story_id) if self._dup(self._live[s]) is None]
        rep_slot = self.clusters.central(story_id, originals)
        if rep_slot is not None:
            rep = self._live[rep_slot]
            stats.title, stats.representative_id = rep.title, rep.article_id
        elif stats.representative_id is None and self._pending is not None:
            stats.title = self._pending.live.title
        self.store.save_story(
            Story(id=story_id, title=stats.title, first_seen=stats.first, last_seen=stats.last,
                  source_count=len(stats.sources), article_count=stats.article_count,
                  representative_id=stats.representative_id, category=stats.category)
        )

    def live_articles(self) -> Iterator[tuple[int, int | None, int]]:
        """(article id, duplicate_of, story id) of the window, for tests and the bench."""
        for live in self._live.values():
            yield live.article_id, self._dup(live), live.story_id


def replay_all(store: Store, window_h: int = 72) -> int:
    """Recompute every ``duplicate_of``, ``story_id`` and story row from the stored articles,
    in arrival (id) order, as the tracker would have decided them at ingest."""
    store.reset_stories()
    tracker = StoryTracker(store, window_h, rebuild=False)
    done = 0
    for article in store.iter_articles():
        if article.id is None:
            continue
        decided = tracker.assign(replace(article, story_id=None, duplicate_of=None), replaying=True)
        store.update_article_fields(int(article.id), story_id=decided.story_id, duplicate_of=decided.duplicate_of)
        done += 1
    tracker.flush()
    return done
