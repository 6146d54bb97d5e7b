"""Every route answers on both store engines (SQLite and PostgreSQL)."""

from __future__ import annotations

import feedparser

from .sample import STORIES, build_portal

ROUTES = [
    "/",
    "/category/egypt",
    "/source/riyada",
    "/search?q=المنتخب",
    "/feed.xml",
    "/atom.xml",
    "/category/sports/feed.xml",
    "/source/riyada/atom.xml",
    "/sitemap.xml",
    "/sitemaps/articles-1.xml",
    "/sitemaps/pages.xml",
    "/news-sitemap.xml",
    "/robots.txt",
    "/api/v1/articles",
    "/api/v1/sources",
    "/api/v1/categories",
    "/api/v1/stats",
    "/api/docs",
    "/api/openapi.json",
    "/static/style.css",
]


def test_routes_on_each_engine(store_url: str) -> None:
    portal = build_portal(store_url)
    try:
        for path in ROUTES:
            assert portal.client.get(path).status_code == 200, path
        article = portal.client.get(f"/article/{portal.by_title[STORIES[0][1]]}")
        assert article.status_code == 200 and STORIES[0][1] in article.text
        assert portal.client.get("/article/987654").status_code == 404
        titles = [
            e.title for e in feedparser.parse(portal.client.get("/category/sports/atom.xml").content).entries
        ]
        assert titles == [STORIES[7][1], STORIES[8][1]]
        search = portal.client.get("/api/v1/articles", params={"q": "المنتخب"}).json()["items"]
        assert [a["title"] for a in search] == [STORIES[8][1]]
    finally:
        portal.client.close()
        portal.store.close()
