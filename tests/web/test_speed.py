"""Speed machinery: pre-gzipped cached bodies, the related-ids memo, and the store's indexed
home-page and source-health queries (timings live in bench/web.py, not here)."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from bawaba.models import Source
from bawaba.store import open_store
from bawaba.web.cache import RecentValues, Rendered, accepts_gzip, compressed

from .sample import Portal, make_article


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ("gzip", True),
        ("br, gzip;q=0.5", True),
        ("GZIP", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0", False),
        ("identity", False),
        ("*", True),
        ("deflate, br", False),
        ("gzip;q=bad", False),
    ],
)
def test_accepts_gzip(header: str | None, expected: bool) -> None:
    assert accepts_gzip(header) is expected


def test_compressed_only_when_worth_it() -> None:
    small = Rendered(b"<p>short</p>", "text/html")
    assert compressed(small).gzipped is None
    body = ("<p>خبر عن افتتاح محطة مياه جديدة في الجيزة</p>" * 40).encode()
    big = compressed(Rendered(body, "text/html"))
    assert big.gzipped is not None and gzip.decompress(big.gzipped) == body
    assert compressed(big) is big
    assert compressed(Rendered(body, "text/html")).gzipped == big.gzipped  # stable bytes (mtime 0)


def test_pages_are_served_pre_gzipped(portal: Portal) -> None:
    path = f"/article/{portal.ids[0]}"
    zipped = portal.client.get(path, headers={"accept-encoding": "gzip"})
    plain = portal.client.get(path, headers={"accept-encoding": "identity"})
    assert zipped.status_code == plain.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert "Accept-Encoding" in zipped.headers["vary"] and "Accept-Encoding" in plain.headers["vary"]
    assert zipped.content == plain.content  # httpx decodes the gzip body
    assert int(zipped.headers["content-length"]) < len(plain.content)
    assert zipped.headers["etag"] == plain.headers["etag"]
    assert portal.app.state.portal.cache.hits >= 1  # the second request was served from the cache


def test_recent_values_ttl_bound_and_disabled() -> None:
    now = [0.0]
    memo: RecentValues[int, str] = RecentValues(10, max_entries=2, clock=lambda: now[0])
    memo.put(1, "a")
    memo.put(2, "b")
    assert memo.get(1) == "a"  # 1 is now the most recent
    memo.put(3, "c")
    assert memo.get(2) is None and memo.get(1) == "a" and len(memo) == 2
    now[0] = 11
    assert memo.get(1) is None
    off: RecentValues[int, str] = RecentValues(0)
    off.put(1, "a")
    assert off.get(1) is None


def _statements(portal: Portal, path: str) -> list[str]:
    seen: list[str] = []

    def before(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    event.listen(portal.store.engine, "before_cursor_execute", before)
    try:
        assert portal.client.get(path).status_code == 200
    finally:
        event.remove(portal.store.engine, "before_cursor_execute", before)
    return seen


def test_related_ids_outlive_the_change_token(portal: Portal) -> None:
    path = f"/article/{portal.ids[0]}"
    first = _statements(portal, path)
    assert any("article_fts" in s for s in first)  # the full-text related query ran
    before = portal.client.get(path).text
    source = next(iter(portal.sources.values()))
    portal.add(make_article(source, 500, "sports", "خبر رياضي جديد عن الدوري", ("فاز الفريق.",)))
    again = _statements(portal, path)  # the token moved: the page is rendered again...
    assert not any("article_fts" in s for s in again)  # ...without searching again
    assert portal.client.get(path).text.count("/article/") == before.count("/article/")


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_latest_by_category_and_health_on_both_engines(
    engine: str, sqlite_url: str, request: pytest.FixtureRequest
) -> None:
    url = sqlite_url if engine == "sqlite" else request.getfixturevalue("pg_url")
    store = open_store(url)
    try:
        src = store.add_source(Source(slug="wadi", name="الوادي", homepage="https://wadi.example/"))
        other = store.add_source(Source(slug="nahr", name="النهر", homepage="https://nahr.example/"))
        now = datetime.now(UTC)
        ids: dict[str, int] = {}
        for n, (cat, hours) in enumerate([("sports", 1), ("sports", 2), ("egypt", 30), ("economy", 3)]):
            article = make_article(src if n < 3 else other, n, cat, f"خبر {n}", ("نص الخبر.",))
            when = now - timedelta(hours=hours)
            article = replace(article, published_at=when, first_seen=when)
            ids[f"{cat}{n}"] = store.upsert_article(article).id
        # a category whose only article is a duplicate is left out of the originals-only listing
        store.update_article_fields(ids["economy3"], duplicate_of=ids["sports0"])
        latest = store.latest_by_category(5)
        assert list(latest) == ["egypt", "sports"]
        assert [a.id for a in latest["sports"]] == [ids["sports0"], ids["sports1"]]
        assert list(store.latest_by_category(1, originals_only=False)) == ["economy", "egypt", "sports"]
        health = {h.source.slug: h for h in store.source_health(now)}
        assert (health["wadi"].articles_total, health["wadi"].articles_24h) == (3, 2)
        assert (health["nahr"].articles_total, health["nahr"].articles_24h) == (1, 1)
    finally:
        store.close()
