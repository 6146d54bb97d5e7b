"""HTTP efficiency: ETag/Last-Modified revalidation, the page cache, and bounded query counts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from bawaba.web.cache import PageCache, Rendered

from .sample import STORIES, Portal, build_portal, make_article


@contextmanager
def counted(portal: Portal) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            statements.append(statement)

    event.listen(portal.store.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(portal.store.engine, "before_cursor_execute", before)


QUERY_BOUND = 8
PATHS = [
    "/",
    "/category/egypt",
    "/source/wadi-news",
    "/search?q=في",
    "/feed.xml",
    "/atom.xml",
    "/category/sports/feed.xml",
    "/source/riyada/atom.xml",
    "/sitemap.xml",
    "/sitemaps/articles-1.xml",
    "/news-sitemap.xml",
]


@pytest.mark.parametrize("path", [*PATHS, "/article/1"])
def test_etag_304_and_last_modified(portal: Portal, path: str) -> None:
    first = portal.client.get(path)
    assert first.status_code == 200
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert "max-age" in first.headers["cache-control"]
    again = portal.client.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert portal.client.get(path, headers={"if-modified-since": last_modified}).status_code == 304
    assert portal.client.get(path, headers={"if-none-match": 'W/"other"'}).status_code == 200


def test_etag_changes_with_content_and_query(portal: Portal) -> None:
    etag = portal.client.get("/").headers["etag"]
    assert portal.client.get("/?cursor=").headers["etag"] != etag
    portal.add(make_article(portal.sources["wadi-news"], 0, "egypt", "خبر عاجل جديد", ("نص",)))
    fresh = portal.client.get("/", headers={"if-none-match": etag})
    assert fresh.status_code == 200 and "خبر عاجل جديد" in fresh.text
    assert fresh.headers["etag"] != etag


def test_page_cache_serves_hits_and_invalidates(portal: Portal) -> None:
    cache: PageCache = portal.app.state.portal.cache
    with counted(portal) as first:
        portal.client.get("/category/egypt")
    with counted(portal) as second:
        body = portal.client.get("/category/egypt").text
    assert len(second) == 1 < len(first)  # a hit costs only the change-token query
    assert cache.hits >= 1
    portal.store.update_article_fields(portal.by_title[STORIES[0][1]], category="economy")
    with counted(portal) as third:
        changed = portal.client.get("/category/egypt").text
    assert len(third) > 1 and changed != body and STORIES[0][1] not in changed


def test_page_cache_ttl_and_bound() -> None:
    now = [0.0]
    cache = PageCache(ttl_s=10, max_entries=2, clock=lambda: now[0])
    page = Rendered(b"x", "text/plain")
    cache.put("/a", "v1", page)
    assert cache.get("/a", "v1") is page
    assert cache.get("/a", "v2") is None  # token moved
    cache.put("/a", "v1", page)
    now[0] = 11
    assert cache.get("/a", "v1") is None  # expired
    for key in ("/a", "/b", "/c"):
        cache.put(key, "v1", page)
    assert len(cache) == 2 and cache.get("/a", "v1") is None


COUNTED_PATHS = [*PATHS, "/article/1", "/api/v1/articles?limit=100", "/api/v1/sources", "/api/v1/categories"]


def test_query_count_does_not_grow_with_articles(sqlite_url: str) -> None:
    portal = build_portal(sqlite_url, web_cache_s=0)
    try:

        def measure() -> dict[str, int]:
            counts = {}
            for path in COUNTED_PATHS:
                with counted(portal) as statements:
                    assert portal.client.get(path).status_code == 200, path
                counts[path] = len(statements)
            return counts

        small = measure()
        source = portal.sources["wadi-news"]
        for n in range(60):
            category = ("egypt", "sports", "economy")[n % 3]
            portal.store.upsert_article(
                make_article(
                    source, 200 + n, category, f"خبر إضافي رقم {n} في {category}", ("نص إضافي في الخبر.",)
                )
            )
        large = measure()
        for path in COUNTED_PATHS:
            # the same bound for 12 or 72 articles (related articles may need one top-up query)
            assert small[path] <= QUERY_BOUND and large[path] <= QUERY_BOUND, (path, small[path], large[path])
            if not path.startswith("/article/"):
                assert large[path] == small[path], path
    finally:
        portal.client.close()
        portal.store.close()


def test_sources_map_follows_source_changes(portal: Portal) -> None:
    assert portal.client.get("/source/wadi-news").status_code == 200
    from bawaba.models import Source

    added = portal.store.add_source(
        Source(slug="nile-post", name="بريد النيل", homepage="https://nile.example/")
    )
    portal.store.upsert_article(make_article(added, 0, "egypt", "خبر من مصدر جديد", ("نص",)))
    items = portal.client.get("/api/v1/articles", params={"limit": 1}).json()["items"]
    assert items[0]["source"] == "nile-post"
    assert "بريد النيل" in portal.client.get("/").text


def test_concurrent_misses_render_once() -> None:
    import threading

    cache = PageCache(ttl_s=30)
    renders: list[int] = []
    gate = threading.Event()

    def render() -> Rendered:
        gate.wait(5)
        renders.append(1)
        return Rendered(b"page", "text/html")

    results: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_render("/hot", "v1", render).body))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join(10)
    assert results == [b"page"] * 8 and len(renders) == 1
