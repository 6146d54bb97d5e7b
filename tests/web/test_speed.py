"""Speed machinery: pre-gzipped cached bodies, related ids computed off the request path, and the store's indexed
home-page and source-health queries (timings live in bench/web.py, not here)."""

from __future__ import annotations

import gzip
import re
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from bawaba.models import Source
from bawaba.store import open_store
from bawaba.web.cache import RecentValues, Refresher, Rendered, accepts_gzip, compressed
from bawaba.web.pages import RELATED_COUNT
from bawaba.web.related import related_articles

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


def test_refresher_computes_off_the_request_path() -> None:
    memo: RecentValues[str, int] = RecentValues(60)
    refresher: Refresher[str, int] = Refresher(memo, backlog=1)
    gate = threading.Event()
    calls: list[str] = []

    def slow() -> int:
        gate.wait(5)
        calls.append("slow")
        return 7

    def failing() -> int:
        calls.append("failing")
        raise RuntimeError("boom")

    assert refresher.get("a", slow) is None  # queued; the caller renders a stand-in
    assert refresher.get("a", slow) is None  # already pending: not queued twice
    deadline = time.monotonic() + 5
    while not refresher._jobs.empty() and time.monotonic() < deadline:  # the worker took "a"
        time.sleep(0.01)
    assert refresher.get("b", failing) is None  # fills the backlog of one
    assert refresher.get("c", slow) is None  # backlog full: dropped, asked for again later
    gate.set()
    assert refresher.wait_idle(5)
    assert refresher.get("a", slow) == 7 and calls.count("slow") == 1
    assert "failing" in calls and memo.get("b") is None and memo.get("c") is None
    assert refresher.get("c", lambda: 9) is None and refresher.wait_idle(5)  # the thread survived
    assert memo.get("c") == 9


def _related_links(html: str) -> list[str]:
    section = html[html.index('class="related"') :]
    return re.findall(r'href="(/article/[^"]+)"', section[: section.index("</section>")])


def test_related_ids_computed_once_and_outlive_the_change_token(portal: Portal) -> None:
    path = f"/article/{portal.ids[0]}"
    # a cold page shows the stand-in list at once and queues the ranked one
    assert len(_related_links(portal.client.get(path).text)) >= 4
    derived = portal.app.state.portal.cache.derived
    assert derived.wait_idle(10) and len(derived.memo) == 1
    source = next(iter(portal.sources.values()))
    portal.add(make_article(source, 500, "sports", "خبر رياضي جديد عن الدوري", ("فاز الفريق.",)))
    again = _statements(portal, path)  # the token moved: rendered again with the ranked list...
    assert not any("article_fts" in s for s in again)  # ...from memory, without searching again
    article = portal.store.get_article(portal.ids[0])
    remembered = derived.memo.get(("related", article.id, article.category, article.story_id))
    ranked_then = [a.id or 0 for a in related_articles(portal.store, article, RELATED_COUNT)]
    assert remembered is not None and sorted(remembered) == sorted(ranked_then)  # same articles
    links = _related_links(portal.client.get(path).text)
    assert [int(link.split("/")[2]) for link in links] == list(remembered)


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
