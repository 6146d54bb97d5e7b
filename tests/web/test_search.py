"""The search faces: /search and /api/v1/search over the Arabic-aware engine."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import html as lxml_html

from bawaba.store.fulltext import TOTAL_CAP

from .sample import STORIES, Portal, build_portal, make_article
from .test_http import QUERY_BOUND, counted

AHLY = STORIES[7][1]  # الأهلي يفوز على الزمالك بهدفين في قمة الدوري
SUMMIT = STORIES[9][1]  # قمة إقليمية تبحث أزمة المياه في حوض النهر
TRAINS = STORIES[1][1]  # هيئة السكك الحديدية تعلن مواعيد قطارات العيد الإضافية


def page(portal: Portal, params: dict[str, str], status: int = 200) -> lxml_html.HtmlElement:
    response = portal.client.get("/search", params=params)
    assert response.status_code == status, (params, response.text[:300])
    return lxml_html.fromstring(response.text)


def titles(doc: lxml_html.HtmlElement) -> list[str]:
    return [a.text_content() for a in doc.xpath("//ol[contains(@class, 'results')]//h3/a")]


def api(portal: Portal, **params: object) -> dict[str, object]:
    response = portal.client.get("/api/v1/search", params=params)
    assert response.status_code == 200, (params, response.text[:300])
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("الاهلي", AHLY),  # bare alef for hamza
        ("والأهلي", AHLY),  # attached و
        ("بالزمالك", AHLY),  # attached ب + ال
        ("الأَهْلِيّ", AHLY),  # diacritics
        ("الأهـــلي", AHLY),  # tatweel
        ("قطارات العيد", TRAINS),
        ("للقطارات", TRAINS),
        ("اقليميه", SUMMIT),  # ة written as ه, no hamza
    ],
)
def test_surface_forms_find_the_article(portal: Portal, typed: str, expected: str) -> None:
    assert expected in titles(page(portal, {"q": typed}))
    body = api(portal, q=typed)
    assert expected in [r["title"] for r in body["results"]]  # type: ignore[attr-defined]


def test_results_are_marked_and_escaped(portal: Portal) -> None:
    doc = page(portal, {"q": "الاهلي"})
    marked = doc.xpath("//ol[contains(@class, 'results')]//h3/a/mark")
    assert [m.text for m in marked] == ["الأهلي"]
    snippet = doc.xpath("//p[@class='snippet']")[0]
    assert [m.text for m in snippet.xpath("mark")] == ["الأهلي"]
    result = api(portal, q="الاهلي")["results"][0]  # type: ignore[index]
    assert result["snippet"].count("<mark>الأهلي</mark>") == 1
    assert set(result) == {"id", "url", "title", "source", "published_at", "score", "snippet"}
    assert result["source"] == "riyada" and result["score"] > 0
    # what the reader typed is shown as text, never as markup
    raw = portal.client.get("/search", params={"q": "<b>الأهلي</b>"}).text
    assert "<b>الأهلي</b>" not in raw and "&lt;b&gt;" in raw


def test_query_language_filters(portal: Portal) -> None:
    assert sorted(titles(page(portal, {"q": "القمة"}))) == sorted([AHLY, SUMMIT])
    assert titles(page(portal, {"q": "القمة category:sports"})) == [AHLY]
    assert titles(page(portal, {"q": "القمة", "category": "world"})) == [SUMMIT]
    assert titles(page(portal, {"q": "القمة -الدوري"})) == [SUMMIT]
    assert titles(page(portal, {"q": '"قمة الدوري"'})) == [AHLY]
    assert titles(page(portal, {"q": "القمة source:riyada"})) == [AHLY]
    assert sorted(titles(page(portal, {"q": "الزمالك OR إقليمية"}))) == sorted([AHLY, SUMMIT])
    assert titles(page(portal, {"q": "القمة after:2999-01-01"})) == []
    assert sorted(titles(page(portal, {"q": "القمة before:2999-01-01"}))) == sorted([AHLY, SUMMIT])
    body = api(portal, q="القمة -الدوري")
    assert body["total"] == 1 and body["next"] is None


def test_sort_by_date_and_pagination(sqlite_url: str) -> None:
    portal = build_portal(sqlite_url, page_size=2)
    try:
        egypt = [s[1] for s in STORIES if s[0] == "egypt"]  # newest first in the sample
        seen: list[str] = []
        params = {"q": "category:egypt", "sort": "date"}
        for n in range(1, 5):
            doc = page(portal, {**params, "page": str(n)})
            seen += titles(doc)
            nxt = doc.xpath("//nav[@class='pager']/a[@rel='next']")
            if not nxt:
                break
            assert parse_qs(urlsplit(nxt[0].get("href")).query)["page"] == [str(n + 1)]
        assert seen == egypt
        # the API walks the same results through its "next" links
        got: list[str] = []
        url: str | None = "/api/v1/search?q=category%3Aegypt&sort=date&limit=2"
        while url:
            body = portal.client.get(url).json()
            assert body["total"] == len(egypt)
            got += [r["title"] for r in body["results"]]
            url = body["next"]
        assert got == egypt
    finally:
        portal.client.close()
        portal.store.close()


@pytest.mark.parametrize(
    "params",
    [
        {"q": "ب" * 501},
        {"q": "قمة", "limit": 101},
        {"q": "قمة", "limit": 0},
        {"q": "قمة", "offset": -1},
        {"q": "قمة", "offset": TOTAL_CAP + 1},
        {"q": "قمة", "sort": "popular"},
        {"q": "قمة", "category": "nonsense"},
    ],
)
def test_bad_parameters_are_422(portal: Portal, params: dict[str, object]) -> None:
    response = portal.client.get("/api/v1/search", params=params)
    assert response.status_code == 422
    assert response.json()["error"]["status"] == 422
    if "limit" not in params and "offset" not in params and "category" not in params:
        assert portal.client.get("/search", params=params).status_code == 422


HOSTILE_QUERIES = [
    '"',
    '"قمة الدوري',
    "OR",
    "- OR -",
    "NOT AND",
    "قمة NEAR(a b)",
    "*",
    "^قمة",
    "{title}: قمة",
    "title:قمة",
    "((((قمة",
    "after:2024-13-45 before:x",
    "source: category:",
    "'; DROP TABLE articles; --",
    '\\"\\\\',
    "\x00\x01",
    "٢٠٢٤ قمة 2024",
    "ـــ َ ُ",
    "a" * 500,
    " ".join(["قمة"] * 120),
    '" ' * 200,
]


@pytest.mark.parametrize("q", HOSTILE_QUERIES)
def test_hostile_queries_never_error(portal: Portal, q: str) -> None:
    for sort in ("relevance", "date"):
        assert portal.client.get("/search", params={"q": q, "sort": sort}).status_code == 200
        body = api(portal, q=q, sort=sort)
        assert isinstance(body["total"], int) and isinstance(body["results"], list)
    assert portal.store.get_article(portal.ids[0]).title == STORIES[0][1]


def test_search_page_query_count_is_bounded(sqlite_url: str) -> None:
    portal = build_portal(sqlite_url, web_cache_s=0)
    try:
        source = portal.sources["wadi-news"]

        def measure(path: str) -> int:
            with counted(portal) as statements:
                assert portal.client.get(path).status_code == 200
            return len(statements)

        paths = ["/search?q=خبر", "/search?q=خبر+عاجل", "/search?q=خبر&sort=date", "/api/v1/search?q=خبر"]
        for n in range(80):
            body = ("نص خبر إضافي عن السوق.",) if n % 2 else ("نص عاجل إضافي.",)
            portal.store.upsert_article(make_article(source, 300 + n, "economy", f"خبر رقم {n}", body))
        for path in paths:
            assert measure(path) <= QUERY_BOUND, path
    finally:
        portal.client.close()
        portal.store.close()


def test_empty_search_shows_the_form(portal: Portal) -> None:
    doc = page(portal, {})
    assert doc.xpath("//form[@role='search']//select[@name='sort']")
    assert titles(doc) == [] and not doc.xpath("//p[@class='search-total']")
    assert api(portal, q="") == {"total": 0, "results": [], "next": None}
