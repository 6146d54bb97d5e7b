"""The store contract, run on SQLite and on a fresh PostgreSQL database (``store_url``)."""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, func, select

from bawaba.errors import NotFoundError, StoreError
from bawaba.models import Article, Feed, FeedKind, FetchKind, FetchLogEntry, Image, Source, Story
from bawaba.store import ArticleFilter, SqlStore, fulltext, open_store
from bawaba.store.migrate import head_revision
from bawaba.store.schema import articles, metadata

from .conftest import BODY, T0, make_article

# -- lifecycle ----------------------------------------------------------------------


def test_open_twice_is_idempotent_and_keeps_data(store_url: str) -> None:
    first = open_store(store_url)
    src = first.add_source(Source(slug="al-yawm", name="صحيفة اليوم", homepage="http://127.0.0.1/"))
    first.upsert_article(make_article(src.id or 0, 1))
    first.close()
    second = open_store(store_url)
    try:
        second.migrate()
        assert second.schema_revision() == head_revision() is not None
        assert second.count_articles() == 1
        assert second.get_source("al-yawm").id == src.id
    finally:
        second.close()


def test_migrated_schema_matches_table_definitions(store: SqlStore) -> None:
    def diff(conn: Connection) -> list[Any]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        ours = set(metadata.tables)
        # search owns its index objects (migrations 0002-0004, bawaba.store.fulltext), not the core tables
        search_owned = {fulltext.SQLITE_META_INDEX}
        return [
            d for d in compare_metadata(ctx, metadata)
            if _diff_table(d) in ours and not (set(map(str, _names(d))) & search_owned)
        ]

    with store.engine.connect() as conn:
        assert diff(conn) == []


def _names(d: Any) -> list[str]:
    item = d[0] if isinstance(d, list) else d
    return [str(part.name) for part in item[1:] if hasattr(part, "name")]


def _diff_table(d: Any) -> str | None:
    item = d[0] if isinstance(d, list) else d
    for part in item[1:]:
        name = getattr(part, "table", None)
        if name is not None and hasattr(name, "name"):
            return str(name.name)
        if hasattr(part, "name") and hasattr(part, "columns"):
            return str(part.name)
        if isinstance(part, str):
            return part
    return None


def test_dialect_name(store: SqlStore, store_url: str) -> None:
    assert store.dialect == store_url.split(":", 1)[0]


# -- sources and feeds --------------------------------------------------------------


def test_add_source_inserts_then_updates_by_slug(store: SqlStore) -> None:
    created = store.add_source(
        Source(slug="al-yawm", name="اليوم", homepage="http://127.0.0.1/a", section_map={"رياضة": "sports"})
    )
    assert created.id is not None and created.created_at is not None
    changed = store.add_source(
        Source(
            slug="al-yawm",
            name="صحيفة اليوم",
            homepage="http://127.0.0.1/b",
            section_map={"اقتصاد": "economy"},
            home_region="arab",
        )
    )
    assert changed.id == created.id
    assert changed.created_at == created.created_at
    got = store.get_source("al-yawm")
    assert (got.name, got.homepage, dict(got.section_map), got.home_region) == (
        "صحيفة اليوم",
        "http://127.0.0.1/b",
        {"اقتصاد": "economy"},
        "arab",
    )
    assert created.home_region is None
    assert store.get_source(created.id or 0) == got
    assert [s.slug for s in store.list_sources()] == ["al-yawm"]


def test_missing_rows_raise_not_found(store: SqlStore) -> None:
    for call in (
        lambda: store.get_source("nothing-here"),
        lambda: store.get_source(999),
        lambda: store.get_article(999),
        lambda: store.get_story(999),
        lambda: store.update_feed(999, error_streak=1),
        lambda: store.update_article_fields(999, category="sports"),
        lambda: store.save_story(
            Story(id=999, title="س", first_seen=T0, last_seen=T0, source_count=1, article_count=1)
        ),
    ):
        with pytest.raises(NotFoundError):
            call()


def test_add_feed_is_idempotent_by_url(store: SqlStore, source: Source, other_source: Source) -> None:
    assert source.id is not None and other_source.id is not None
    feed = store.add_feed(Feed(source_id=source.id, url="http://127.0.0.1/rss.xml", title="الرئيسية"))
    again = store.add_feed(Feed(source_id=source.id, url="http://127.0.0.1/rss.xml", kind=FeedKind.ATOM))
    assert again == feed and feed.kind is FeedKind.RSS and feed.title == "الرئيسية"
    store.add_feed(Feed(source_id=other_source.id, url="http://127.0.0.1/sitemap.xml", kind=FeedKind.SITEMAP))
    assert [f.url for f in store.list_feeds()] == ["http://127.0.0.1/rss.xml", "http://127.0.0.1/sitemap.xml"]
    assert [f.kind for f in store.list_feeds(other_source.id)] == [FeedKind.SITEMAP]


def test_due_feeds_and_update_feed(store: SqlStore, source: Source, other_source: Source) -> None:
    assert source.id is not None and other_source.id is not None
    now = T0 + timedelta(days=1)
    never = store.add_feed(Feed(source_id=source.id, url="http://127.0.0.1/never.xml"))
    past = store.add_feed(
        Feed(source_id=source.id, url="http://127.0.0.1/past.xml", next_poll_at=now - timedelta(hours=2))
    )
    exact = store.add_feed(Feed(source_id=source.id, url="http://127.0.0.1/exact.xml", next_poll_at=now))
    store.add_feed(
        Feed(source_id=source.id, url="http://127.0.0.1/future.xml", next_poll_at=now + timedelta(seconds=1))
    )
    store.add_feed(Feed(source_id=source.id, url="http://127.0.0.1/off.xml", enabled=False))
    store.add_feed(Feed(source_id=other_source.id, url="http://127.0.0.1/other.xml"))
    with store.engine.begin() as conn:  # the operator disables a whole source
        conn.exec_driver_sql(f"UPDATE sources SET enabled = false WHERE id = {other_source.id}")

    assert [f.id for f in store.due_feeds(now)] == [never.id, past.id, exact.id]
    assert [f.id for f in store.due_feeds(now, limit=2)] == [never.id, past.id]

    assert never.id is not None
    fetched = now.astimezone(timezone(timedelta(hours=2)))
    store.update_feed(
        never.id,
        etag='W/"abc"',
        last_modified="Sun, 10 Mar 2024 08:00:00 GMT",
        body_hash="b" * 64,
        last_fetch_at=fetched,
        last_success_at=fetched,
        error_streak=0,
        last_error=None,
        poll_interval_s=900,
        next_poll_at=now + timedelta(minutes=15),
        title="آخر الأخبار",
    )
    got = next(f for f in store.list_feeds() if f.id == never.id)
    assert got.etag == 'W/"abc"' and got.body_hash == "b" * 64 and got.title == "آخر الأخبار"
    assert got.last_fetch_at == now and got.last_fetch_at.tzinfo == UTC
    assert got.poll_interval_s == 900
    assert [f.id for f in store.due_feeds(now)] == [past.id, exact.id]
    with pytest.raises(StoreError):
        store.update_feed(never.id, url="http://127.0.0.1/elsewhere")


# -- articles: writes ---------------------------------------------------------------


def test_upsert_creates_then_updates_keeping_id_and_first_seen(store: SqlStore, source: Source) -> None:
    assert source.id is not None
    original = make_article(source.id, 1)
    first = store.upsert_article(original)
    assert first.created
    assert store.upsert_article(original) == type(first)(id=first.id, created=False)
    store.update_article_fields(
        first.id, category="economy", category_confidence=0.9, region="eg", story_id=7
    )

    revised = make_article(
        source.id,
        1,
        title="عنوان معدل بعد التحديث",
        first_seen=T0 + timedelta(days=3),
        published_at=None,
        author=None,
        category=None,
        images=(),
        tags=("تحديث",),
    )
    again = store.upsert_article(revised)
    assert again.id == first.id and not again.created
    got = store.get_article(first.id)
    assert got.title == "عنوان معدل بعد التحديث"
    assert got.first_seen == original.first_seen
    assert got.published_at == original.published_at  # not erased by a re-crawl that lost the date
    assert (got.category, got.category_confidence, got.region, got.story_id) == ("economy", 0.9, "eg", 7)
    assert got.images == () and got.tags == ("تحديث",)
    assert store.count_articles() == 1


def test_concurrent_upserts_never_duplicate(store: SqlStore, source: Source) -> None:
    assert source.id is not None
    batch = [make_article(source.id, n) for n in range(50)]
    barrier = threading.Barrier(8)

    def worker(offset: int) -> list[bool]:
        barrier.wait()
        rotated = batch[offset * 6 :] + batch[: offset * 6]
        return [store.upsert_article(a).created for a in rotated]

    with ThreadPoolExecutor(8) as pool:
        results = [flag for flags in pool.map(worker, range(8)) for flag in flags]
    assert len(results) == 400
    assert sum(results) == 50
    assert store.count_articles() == 50
    with store.engine.connect() as conn:
        distinct = conn.execute(select(func.count(func.distinct(articles.c.canonical_url)))).scalar_one()
    assert distinct == 50


def test_arabic_text_round_trips_byte_exact(store: SqlStore, source: Source) -> None:
    assert source.id is not None
    tricky = (
        "بِسْمِ اللَّهِ — عاجـــل: «القمة» تنطلق غداً ‏(الأحد)‎ 🇪🇬\u200c\u200d "
        "أ إ آ ى ة ؤ ئ ٠١٢٣٤٥٦٧٨٩ ۱۲۳ ﻻ ﷲ\n\tسطر ثانٍ"
    )
    decomposed = unicodedata.normalize("NFD", "آمنة")
    article = make_article(
        source.id, 3, title=tricky, text=tricky + decomposed, html=f"<p dir='rtl'>{tricky}</p>", author="مُحرّر"
    )
    got = store.get_article(store.upsert_article(article).id)
    assert got.title.encode("utf-8") == tricky.encode("utf-8")
    assert got.text.encode("utf-8") == (tricky + decomposed).encode("utf-8")
    assert got.html == article.html and got.author == "مُحرّر"


def test_aware_datetimes_round_trip_as_utc(store: SqlStore, source: Source) -> None:
    assert source.id is not None
    cairo_summer = timezone(timedelta(hours=3))
    published = datetime(2024, 7, 1, 23, 30, 15, 123456, tzinfo=cairo_summer)
    seen = datetime(2024, 7, 2, 0, 0, 1, 654321, tzinfo=UTC)
    got = store.get_article(
        store.upsert_article(make_article(source.id, 4, published_at=published, first_seen=seen)).id
    )
    assert got.published_at == published and got.published_at is not None
    assert got.published_at.tzinfo == UTC and got.published_at.hour == 20
    assert got.first_seen == seen and got.first_seen.tzinfo == UTC


def test_json_images_and_tags_round_trip(store: SqlStore, source: Source) -> None:
    assert source.id is not None
    images = (
        Image(src="http://127.0.0.1/a.jpg", caption="وزير النقل خلال الجولة", width=1200, height=675),
        Image(src="http://127.0.0.1/b.png"),
    )
    got = store.get_article(
        store.upsert_article(make_article(source.id, 5, images=images, tags=("نقل", "مواصلات", "x"))).id
    )
    assert got.images == images
    assert got.tags == ("نقل", "مواصلات", "x")


def test_failed_transaction_leaves_nothing_behind(store: SqlStore, store_url: str, source: Source) -> None:
    assert source.id is not None

    class FailingIndex(SqlStore):
        def _index_article(self, conn: Connection, article_id: int, article: Article) -> None:
            raise RuntimeError("index is broken")

    token = store.change_token()
    failing = open_store(store_url, store_class=FailingIndex)
    try:
        with pytest.raises(RuntimeError):
            failing.upsert_article(make_article(source.id, 6))
    finally:
        failing.close()
    with pytest.raises(StoreError):  # unknown source: foreign key violation, translated
        store.upsert_article(make_article(9999, 7))
    assert store.count_articles() == 0
    assert store.known_urls(["http://127.0.0.1/news/6", "http://127.0.0.1/news/7"]) == set()
    assert store.change_token() == token


def test_update_article_fields(store: SqlStore, source: Source) -> None:
    assert source.id is not None
    a = store.upsert_article(make_article(source.id, 1)).id
    b = store.upsert_article(make_article(source.id, 2)).id
    store.update_article_fields(b, duplicate_of=a, category="culture", category_confidence=0.5)
    got = store.get_article(b)
    assert (got.duplicate_of, got.category, got.category_confidence) == (a, "culture", 0.5)
    store.update_article_fields(b, duplicate_of=None)
    assert store.get_article(b).duplicate_of is None
    with pytest.raises(StoreError):
        store.update_article_fields(b, title="ممنوع")
    with pytest.raises(StoreError):
        store.update_article_fields(b, duplicate_of=b)


def test_known_urls_matches_url_and_canonical_in_chunks(store: SqlStore, source: Source) -> None:
    assert source.id is not None
    for n in (10, 700, 1100):
        store.upsert_article(make_article(source.id, n))
    asked = [f"http://127.0.0.1/unknown/{i}" for i in range(1200)]
    asked += [
        "http://127.0.0.1/news/10",
        "http://127.0.0.1/news/700?utm_source=feed",
        "http://127.0.0.1/news/1100",
    ]
    assert store.known_urls(iter(asked)) == {
        "http://127.0.0.1/news/10",
        "http://127.0.0.1/news/700?utm_source=feed",
        "http://127.0.0.1/news/1100",
    }
    assert store.known_urls([]) == set()


# -- articles: reads ----------------------------------------------------------------


def _seed_listing(store: SqlStore, source: Source, other: Source) -> list[Article]:
    """37 articles with ties on the sort time, a missing published_at, two categories, three regions
    and none, one duplicate."""
    assert source.id is not None and other.id is not None
    stored = []
    for n in range(37):
        published = T0 + timedelta(hours=n // 3) if n % 7 else None
        article = make_article(
            source.id if n % 2 else other.id,
            n,
            published_at=published,
            first_seen=T0 + timedelta(hours=n // 3, minutes=n % 3),
            category="sports" if n % 3 == 0 else "economy",
            region=("egypt", "arab", "world", None)[n % 4],
            title=f"خبر رقم {n} عن الاقتصاد" if n % 5 == 0 else f"خبر رقم {n}",
        )
        stored.append(store.get_article(store.upsert_article(article).id))
    store.update_article_fields(stored[4].id or 0, duplicate_of=stored[3].id)
    return [store.get_article(a.id or 0) for a in stored]


def _sort_key(a: Article) -> tuple[datetime, int]:
    return (a.published_at or a.first_seen, a.id or 0)


def _all_pages(store: SqlStore, flt: ArticleFilter | None, limit: int) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        page = store.list_articles(flt, limit=limit, cursor=cursor)
        pages.append([a.id or 0 for a in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


def test_pagination_has_no_gaps_or_duplicates(store: SqlStore, source: Source, other_source: Source) -> None:
    stored = _seed_listing(store, source, other_source)
    expected = [a.id for a in sorted(stored, key=_sort_key, reverse=True)]
    for limit in (1, 5, 10, 37, 100):
        pages = _all_pages(store, None, limit)
        assert [i for p in pages for i in p] == expected
        assert all(len(p) == limit for p in pages[:-1])
    assert len(_all_pages(store, None, 37)) == 1  # an exact fit has no empty trailing page
    first = store.list_articles(limit=10, with_total=True)
    assert first.total == 37
    with pytest.raises(StoreError):
        store.list_articles(cursor="not-a-cursor")


def test_filters(store: SqlStore, source: Source, other_source: Source) -> None:
    stored = _seed_listing(store, source, other_source)
    since, until = T0 + timedelta(hours=3), T0 + timedelta(hours=6)
    cases: list[tuple[ArticleFilter, Callable[[Article], bool]]] = [
        (ArticleFilter(category="sports"), lambda a: a.category == "sports"),
        (ArticleFilter(region="arab"), lambda a: a.region == "arab"),
        (ArticleFilter(region="egypt", category="sports"), lambda a: a.region == "egypt" and a.category == "sports"),
        (ArticleFilter(source_id=source.id), lambda a: a.source_id == source.id),
        (ArticleFilter(since=since), lambda a: _sort_key(a)[0] >= since),
        (ArticleFilter(since=since, until=until), lambda a: since <= _sort_key(a)[0] < until),
        (ArticleFilter(q="الاقتصاد"), lambda a: "الاقتصاد" in a.title or "الاقتصاد" in a.text),
        (ArticleFilter(q="رقم 1"), lambda a: "رقم 1" in a.title),
        (ArticleFilter(q="100%"), lambda a: False),
        (ArticleFilter(originals_only=True), lambda a: a.duplicate_of is None),
        (
            ArticleFilter(category="economy", source_id=other_source.id, originals_only=True),
            lambda a: a.category == "economy" and a.source_id == other_source.id and a.duplicate_of is None,
        ),
    ]
    for flt, keep in cases:
        expected = [a.id for a in sorted(stored, key=_sort_key, reverse=True) if keep(a)]
        assert [i for p in _all_pages(store, flt, 4) for i in p] == expected, flt
        assert store.count_articles(flt) == len(expected), flt
    assert 0 < store.count_articles(ArticleFilter(q="الاقتصاد")) < 37
    story = store.save_story(
        Story(id=0, title="قصة", first_seen=T0, last_seen=T0, source_count=2, article_count=2)
    )
    for a in stored[:2]:
        store.update_article_fields(a.id or 0, story_id=story.id)
    assert store.count_articles(ArticleFilter(story_id=story.id)) == 2


def test_iter_articles_streams_oldest_first_in_batches(
    store: SqlStore, source: Source, other_source: Source, count_statements: Callable[[], Any]
) -> None:
    stored = _seed_listing(store, source, other_source)
    with count_statements() as log:
        streamed = list(store.iter_articles(batch=5))
    assert [a.id for a in streamed] == sorted(a.id or 0 for a in stored)
    assert streamed == sorted(stored, key=lambda a: a.id or 0)
    assert len(log.queries) == 8  # ceil(37 / 5) batches, each its own bounded query
    flt = ArticleFilter(category="sports")
    assert [a.id for a in store.iter_articles(flt, batch=2)] == sorted(
        a.id or 0 for a in stored if a.category == "sports"
    )


def test_get_articles_in_order_in_one_query(
    store: SqlStore, source: Source, other_source: Source, count_statements: Callable[[], Any]
) -> None:
    stored = _seed_listing(store, source, other_source)
    ids = [stored[9].id or 0, 424242, stored[2].id or 0, stored[30].id or 0]
    with count_statements() as log:
        got = store.get_articles(ids)
    assert [a.id for a in got] == [ids[0], ids[2], ids[3]]
    assert got[0] == stored[9]
    assert len(log.queries) == 1
    assert store.get_articles([]) == []


def test_latest_by_category_in_bounded_queries(
    store: SqlStore, source: Source, other_source: Source, count_statements: Callable[[], Any]
) -> None:
    stored = _seed_listing(store, source, other_source)
    assert source.id is not None
    for n, cat in enumerate(("culture", "health", "tech", "world", "politics", "science"), start=100):
        store.upsert_article(make_article(source.id, n, category=cat))
    with count_statements() as log:
        latest = store.latest_by_category(3)
    assert len(log.queries) <= 2
    assert set(latest) == {"sports", "economy", "culture", "health", "tech", "world", "politics", "science"}
    originals = [a for a in stored if a.duplicate_of is None]
    for cat in ("sports", "economy"):
        expected = sorted((a for a in originals if a.category == cat), key=_sort_key, reverse=True)[:3]
        assert [a.id for a in latest[cat]] == [a.id for a in expected]
    assert all(len(v) == 1 for k, v in latest.items() if k not in {"sports", "economy"})
    assert store.category_counts() == {
        "sports": 13,
        "economy": 24,
        "culture": 1,
        "health": 1,
        "tech": 1,
        "world": 1,
        "politics": 1,
        "science": 1,
    }


def test_article_stamps_and_max_id(store: SqlStore, source: Source, other_source: Source) -> None:
    assert store.max_article_id() == 0 and store.article_stamps(0, 10) == []
    stored = _seed_listing(store, source, other_source)
    ids = sorted(a.id or 0 for a in stored)
    assert store.max_article_id() == ids[-1]
    stamps = store.article_stamps(ids[4], 3)
    assert [s[0] for s in stamps] == ids[5:8]
    by_id = {a.id: a for a in stored}
    for article_id, title, when in stamps:
        assert title == by_id[article_id].title and when == _sort_key(by_id[article_id])[0]


def test_change_token_moves_on_writes_only(store: SqlStore, source: Source) -> None:
    assert source.id is not None
    tokens = [store.change_token()]
    article_id = store.upsert_article(make_article(source.id, 1)).id
    tokens.append(store.change_token())
    store.list_articles()
    store.get_article(article_id)
    assert store.change_token() == tokens[-1]
    store.upsert_article(make_article(source.id, 1, title="عنوان جديد"))
    tokens.append(store.change_token())
    store.update_article_fields(article_id, category="sports")
    tokens.append(store.change_token())
    store.save_story(Story(id=0, title="قصة", first_seen=T0, last_seen=T0, source_count=1, article_count=1))
    tokens.append(store.change_token())
    assert len(set(tokens)) == len(tokens)


# -- stories ------------------------------------------------------------------------


def test_stories(store: SqlStore) -> None:
    def story(title: str, hours: int, sources: int) -> Story:
        return Story(
            id=0,
            title=title,
            first_seen=T0,
            last_seen=T0 + timedelta(hours=hours),
            source_count=sources,
            article_count=sources + 1,
            category="politics",
        )

    a = store.save_story(story("قمة اقتصادية في القاهرة", 1, 1))
    b = store.save_story(story("انتخابات بلدية", 5, 3))
    c = store.save_story(story("موجة حر", 3, 2))
    assert len({a.id, b.id, c.id}) == 3 and a.id > 0
    assert store.get_story(b.id) == b
    updated = Story(
        **{**{f: getattr(b, f) for f in Story.__slots__}, "source_count": 4, "representative_id": 12}
    )
    assert store.save_story(updated) == updated and store.get_story(b.id) == updated
    assert [s.id for s in store.list_stories()] == [b.id, c.id, a.id]
    assert [s.id for s in store.list_stories(min_sources=2)] == [b.id, c.id]
    assert [s.id for s in store.list_stories(since=T0 + timedelta(hours=3))] == [b.id, c.id]
    assert [s.id for s in store.list_stories(limit=1)] == [b.id]


# -- health and stats ---------------------------------------------------------------


def test_source_health_and_stats(
    store: SqlStore, source: Source, other_source: Source, count_statements: Callable[[], Any]
) -> None:
    assert source.id is not None and other_source.id is not None
    now = T0 + timedelta(days=2)
    quiet = store.add_source(Source(slug="hadi", name="الهادئ", homepage="http://127.0.0.1/h"))
    f1 = store.add_feed(
        Feed(source_id=source.id, url="http://127.0.0.1/1.xml", next_poll_at=now + timedelta(hours=1))
    )
    f2 = store.add_feed(
        Feed(source_id=source.id, url="http://127.0.0.1/2.xml", next_poll_at=now - timedelta(hours=1))
    )
    store.add_feed(Feed(source_id=other_source.id, url="http://127.0.0.1/3.xml", enabled=False))
    assert f1.id is not None and f2.id is not None
    store.update_feed(
        f1.id, last_fetch_at=now - timedelta(minutes=5), last_success_at=now - timedelta(minutes=5)
    )
    store.update_feed(
        f2.id, last_fetch_at=now - timedelta(minutes=1), error_streak=3, last_error="timeout بعد 20 ثانية"
    )
    store.upsert_article(make_article(source.id, 1, first_seen=now - timedelta(hours=30)))
    store.upsert_article(make_article(source.id, 2, first_seen=now - timedelta(hours=2)))
    store.upsert_article(make_article(other_source.id, 3, first_seen=now - timedelta(minutes=1)))
    for minutes, error in ((10, None), (20, "timeout"), (60 * 30, "connect")):
        store.log_fetch(
            FetchLogEntry(
                url="http://127.0.0.1/1.xml",
                kind=FetchKind.FEED,
                status=200 if error is None else 0,
                elapsed_ms=12.5,
                bytes=2048,
                error=error,
                error_kind=error,
                source_id=source.id,
                feed_id=f1.id,
                fetched_at=now - timedelta(minutes=minutes),
            )
        )

    with count_statements() as log:
        health = {h.source.slug: h for h in store.source_health(now)}
    assert len(log.queries) == 4
    yawm = health["al-yawm"]
    assert (yawm.feeds, yawm.error_streak, yawm.last_error) == (2, 3, "timeout بعد 20 ثانية")
    assert yawm.last_fetch_at == now - timedelta(minutes=1)
    assert yawm.last_success_at == now - timedelta(minutes=5)
    assert yawm.next_poll_at == now - timedelta(hours=1)
    assert (yawm.articles_total, yawm.articles_24h) == (2, 1)
    masaa = health["al-masaa"]
    assert (masaa.feeds, masaa.next_poll_at, masaa.articles_total, masaa.articles_24h) == (1, None, 1, 1)
    assert health[quiet.slug].feeds == 0 and health[quiet.slug].articles_total == 0

    with count_statements() as log:
        stats = store.stats(now)
    assert len(log.queries) == 1
    assert {
        k: stats[k]
        for k in ("articles", "sources", "feeds", "fetches_24h", "fetch_errors_24h", "articles_24h")
    } == {"articles": 3, "sources": 3, "feeds": 3, "fetches_24h": 2, "fetch_errors_24h": 1, "articles_24h": 2}
    assert stats["due_feeds"] == 1 and stats["enabled_feeds"] == 2
    assert stats["last_fetch_at"] == now - timedelta(minutes=10)


def test_body_text_is_stored_whole(store: SqlStore, source: Source) -> None:
    assert source.id is not None
    long_text = "\n\n".join([BODY] * 400)  # ~100 kB of Arabic
    got = store.get_article(store.upsert_article(make_article(source.id, 8, text=long_text)).id)
    assert got.text == long_text
