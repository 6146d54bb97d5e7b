"""The stateful side of stories: applies ``StoryWindow`` decisions to the store.

Part of the coordinator (it holds the store). The coordinator and the importer call ``assign``
before an article is stored (it gets ``duplicate_of`` and ``story_id`` from the articles already
stored) and ``after_store`` right after a successful upsert (the article joins the window under
its id, and copies that arrived before it are re-pointed). The window is rebuilt from the store
when the tracker starts, so a restart, even after ``kill -9`` mid-crawl, continues as if nothing
had happened.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import replace
from datetime import timedelta

from bawaba.errors import NotFoundError
from bawaba.models import Article, Story
from bawaba.pipeline.cluster import ClusterParams
from bawaba.pipeline.dedup import DedupParams
from bawaba.pipeline.story_window import Decision, Member, StoryWindow, seconds
from bawaba.store.base import ArticleFilter, Store

#: decisions kept for articles assigned but not yet stored (a failed upsert leaves one behind)
MAX_PENDING = 256


class StoryTracker:
    """Assigns ``duplicate_of`` and ``story_id`` to new articles and keeps story rows current."""

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
        self.window = StoryWindow(window_h, dedup=dedup, cluster=cluster)
        self._pending: OrderedDict[str, Decision] = OrderedDict()
        if rebuild:
            self.rebuild()

    def rebuild(self) -> int:
        """Load the window (ending at the newest stored article) from the store; returns its size."""
        newest = self.store.list_articles(limit=1).items
        if not newest:
            return 0
        since = (newest[0].published_at or newest[0].first_seen) - timedelta(seconds=self.window.window_s)
        loaded = 0
        for a in self.store.iter_articles(ArticleFilter(since=since)):
            if a.id is None or a.story_id is None:
                continue
            member = Member(int(a.id), a.canonical_url, a.source_id, a.title, seconds(a.published_at or a.first_seen),
                            seconds(a.first_seen), a.duplicate_of or int(a.id), a.story_id)
            self.window.load(member, a.text)
            loaded += 1
        self.window.finish_loading()
        return loaded

    def assign(self, article: Article, *, replaying: bool = False) -> Article:
        """The article with ``duplicate_of`` and ``story_id`` set, before it is stored
        (``replaying`` re-decides an article already stored, for ``stories rebuild``)."""
        known = self.window.member_by_url(article.canonical_url)
        if known is not None:
            return replace(article, story_id=known.story_id, duplicate_of=known.duplicate_of)
        if not replaying and self.store.known_urls([article.canonical_url]):
            return article  # stored before the window: its provenance and story stay
        d = self.window.decide(article.canonical_url, article.source_id, article.title, article.text,
                               article.published_at or article.first_seen, article.first_seen)
        if not d.story_id:
            when = article.published_at or article.first_seen
            d.story_id = self.store.save_story(
                Story(id=0, title=article.title, first_seen=when, last_seen=when, source_count=0,
                      article_count=0, category=article.category)
            ).id
        self._pending[article.canonical_url] = d
        self._pending.move_to_end(article.canonical_url)
        while len(self._pending) > MAX_PENDING:
            self._pending.popitem(last=False)
        return replace(article, story_id=d.story_id, duplicate_of=d.duplicate_of)

    def after_store(self, article_id: int, article: Article) -> None:
        """The assigned article is stored under ``article_id``: admit it to the window, re-point
        the copies that arrived before it and refresh the story rows it touches."""
        d = self._pending.pop(article.canonical_url, None)
        if d is None:
            return  # not assigned here, or stored before: nothing changed
        touched = {d.story_id}
        for r in self.window.admit(d, article_id):
            self.store.update_article_fields(r.article_id, duplicate_of=r.duplicate_of, story_id=r.story_id)
            touched.add(r.old_story_id)
        for story_id in sorted(touched):
            self._refresh(story_id)

    def _refresh(self, story_id: int) -> None:
        rep = self.window.representative(story_id)
        with suppress(NotFoundError):  # deleted by a concurrent ``stories rebuild``
            self.store.refresh_story(story_id, rep.title if rep else None, rep.article_id if rep else None)

    def live_articles(self) -> Iterator[tuple[int, int | None, int]]:
        """(article id, duplicate_of, story id) of the window, for tests and the bench."""
        for m in self.window.members():
            yield m.article_id, m.duplicate_of, m.story_id


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
        tracker.after_store(int(article.id), decided)
        done += 1
    return done
