"""The JSON API: shapes, filters, keyset cursors, validation errors as JSON."""

from __future__ import annotations

from datetime import timedelta

import pytest

from .sample import NOW, STORIES, Portal

EXPORT_FIELDS = {
    "id",
    "url",
    "canonical_url",
    "source",
    "title",
    "text",
    "html",
    "author",
    "published_at",
    "first_seen",
    "lead_image",
    "images",
    "section",
    "tags",
    "language",
    "category",
    "region",
    "story_id",
    "duplicate_of",
}


def test_article_list_shape_and_detail(portal: Portal) -> None:
    body = portal.client.get("/api/v1/articles", params={"limit": 3}).json()
    assert [a["title"] for a in body["items"]] == [s[1] for s in STORIES[:3]]
    first = body["items"][0]
    assert set(first) == EXPORT_FIELDS
    assert first["source"] == "wadi-news" and first["author"] == "سارة عبد الحميد"
    assert first["images"][1] == {
        "src": "https://img.example/giza-2.svg",
        "caption": "جانب من المحطة الجديدة",
        "width": 800,
        "height": 450,
    }
    assert first["tags"] == ["الجيزة", "مياه الشرب"]
    detail = portal.client.get(f"/api/v1/articles/{first['id']}").json()
    assert detail == first


def test_cursor_walks_all_without_overlap(portal: Portal) -> None:
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        params: dict[str, str | int] = {"limit": 5}
        if cursor:
            params["cursor"] = cursor
        body = portal.client.get("/api/v1/articles", params=params).json()
        seen += [a["id"] for a in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(STORIES) == len(set(seen))


def test_filters(portal: Portal) -> None:
    def titles(**params: str | int) -> list[str]:
        response = portal.client.get("/api/v1/articles", params=params)
        assert response.status_code == 200, response.text
        return [a["title"] for a in response.json()["items"]]

    assert titles(category="sports") == [STORIES[7][1], STORIES[8][1]]
    assert titles(source="riyada") == [STORIES[7][1], STORIES[8][1]]
    assert titles(region="arab") == [STORIES[9][1]]
    assert titles(region="egypt", category="sports") == [STORIES[7][1], STORIES[8][1]]
    assert titles(source="riyada", q="نصف نهائي") == [STORIES[8][1]]
    since = (NOW - timedelta(hours=3, minutes=30)).isoformat()
    assert titles(since=since) == [s[1] for s in STORIES[:3]]
    until = (NOW - timedelta(hours=10, minutes=30)).replace(tzinfo=None).isoformat()  # naive = UTC
    assert titles(until=until) == [s[1] for s in STORIES[10:]]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"limit": 0}, 422),
        ({"limit": 101}, 422),
        ({"limit": "many"}, 422),
        ({"since": "yesterday"}, 422),
        ({"q": "ب" * 201}, 422),
        ({"category": "nonsense"}, 422),
        ({"region": "mars"}, 422),
        ({"cursor": "not-a-cursor"}, 422),
        ({"cursor": "<script>"}, 422),
        ({"source": "nobody"}, 404),
    ],
)
def test_bad_parameters_are_json_errors(portal: Portal, params: dict[str, object], status: int) -> None:
    response = portal.client.get("/api/v1/articles", params=params)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["status"] == status and error["message"]


def test_unknown_article_and_path_validation(portal: Portal) -> None:
    assert portal.client.get("/api/v1/articles/424242").json() == {
        "error": {"status": 404, "message": "no article 424242"}
    }
    assert portal.client.get("/api/v1/articles/abc").status_code == 422
    assert portal.client.get("/api/v1/articles/0").status_code == 422
    assert portal.client.get("/api/v1/nothing").json()["error"]["status"] == 404


def test_sources_categories_stats(portal: Portal) -> None:
    sources = {s["slug"]: s for s in portal.client.get("/api/v1/sources").json()}
    assert set(sources) == {"wadi-news", "sharq-daily", "riyada"}
    assert sources["riyada"]["articles_24h"] == 2 and sources["riyada"]["name"] == "رياضة اليوم"
    categories = {c["slug"]: c for c in portal.client.get("/api/v1/categories").json()}
    assert categories["egypt"] == {"slug": "egypt", "label": "أخبار مصر", "count": 5}
    assert categories["arts"]["count"] == 0 and len(categories) == 12
    stats = portal.client.get("/api/v1/stats").json()
    assert stats["articles"] == len(STORIES) and stats["sources"] == 3


def test_openapi_document(portal: Portal) -> None:
    spec = portal.client.get("/api/openapi.json").json()
    assert set(spec["paths"]) == {
        "/api/v1/articles",
        "/api/v1/articles/{article_id}",
        "/api/v1/sources",
        "/api/v1/categories",
        "/api/v1/stats",
        "/api/v1/stories",
        "/api/v1/stories/{story_id}",
        "/api/v1/search",
    }
