"""Feeds parse back with feedparser; sitemaps have the sitemap/news-sitemap shape."""

from __future__ import annotations

from datetime import timedelta

import feedparser
import pytest
from lxml import etree

from bawaba.web import feeds as feeds_module

from .sample import NOW, STORIES, Portal, make_article

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@pytest.mark.parametrize(
    ("path", "version", "titles"),
    [
        ("/feed.xml", "rss20", [s[1] for s in STORIES]),
        ("/rss", "rss20", [s[1] for s in STORIES]),
        ("/atom.xml", "atom10", [s[1] for s in STORIES]),
        ("/category/sports/feed.xml", "rss20", [STORIES[7][1], STORIES[8][1]]),
        ("/category/economy/atom.xml", "atom10", [STORIES[5][1], STORIES[6][1]]),
        ("/region/arab/feed.xml", "rss20", [STORIES[9][1]]),
        ("/region/arab/atom.xml", "atom10", [STORIES[9][1]]),
        ("/source/riyada/feed.xml", "rss20", [STORIES[7][1], STORIES[8][1]]),
        ("/source/riyada/atom.xml", "atom10", [STORIES[7][1], STORIES[8][1]]),
    ],
)
def test_feeds_parse_back(portal: Portal, path: str, version: str, titles: list[str]) -> None:
    response = portal.client.get(path)
    assert response.status_code == 200
    assert response.headers["etag"] and "max-age" in response.headers["cache-control"]
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == version
    assert parsed.feed.get("language", "ar").startswith("ar")
    assert [e.title for e in parsed.entries] == titles
    first = parsed.entries[0]
    assert first.link.startswith("http://portal.test/article/")
    assert first.published_parsed is not None
    assert first.summary


def test_feed_survives_control_characters(portal: Portal) -> None:
    source = portal.sources["wadi-news"]
    portal.add(make_article(source, 0, "egypt", "عنوان\x00 فيه\x0b محارف تحكم", ("نص\x1f الخبر",)))
    parsed = feedparser.parse(portal.client.get("/feed.xml").content)
    assert not parsed.bozo and parsed.entries[0].title == "عنوان فيه محارف تحكم"


def test_sitemap_index_and_pages(portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    index = etree.fromstring(portal.client.get("/sitemap.xml").content)
    assert index.tag == f"{SM}sitemapindex"
    locs = [el.text for el in index.iter(f"{SM}loc")]
    assert "http://portal.test/sitemaps/articles-1.xml" in locs
    assert "http://portal.test/news-sitemap.xml" in locs
    urlset = etree.fromstring(portal.client.get("/sitemaps/articles-1.xml").content)
    assert urlset.tag == f"{SM}urlset"
    urls = urlset.findall(f"{SM}url")
    assert len(urls) == len(STORIES)
    assert all(u.find(f"{SM}loc").text.startswith("http://portal.test/article/") for u in urls)
    assert all(u.find(f"{SM}lastmod").text for u in urls)
    # paging keyset by id: with 5 URLs per sitemap the 12 articles span 3 pages
    monkeypatch.setattr(feeds_module, "SITEMAP_URLS", 5)
    portal.store.upsert_article(
        make_article(portal.sources["riyada"], 99, "sports", "خبر لتغيير الرمز", ("نص",))
    )
    index = etree.fromstring(portal.client.get("/sitemap.xml").content)
    pages = [el.text for el in index.iter(f"{SM}loc") if "/sitemaps/articles-" in el.text]
    assert len(pages) == 3
    counts = [
        len(etree.fromstring(portal.client.get(f"/sitemaps/articles-{n}.xml").content).findall(f"{SM}url"))
        for n in (1, 2, 3)
    ]
    assert counts == [5, 5, 3]
    assert portal.client.get("/sitemaps/articles-4.xml").status_code == 404
    pages_map = etree.fromstring(portal.client.get("/sitemaps/pages.xml").content)
    page_locs = [el.text for el in pages_map.iter(f"{SM}loc")]
    assert (
        "http://portal.test/category/sports" in page_locs and "http://portal.test/source/riyada" in page_locs
    )
    assert {"http://portal.test/region/egypt", "http://portal.test/region/arab"} <= set(page_locs)
    assert portal.client.get("/region/mars/feed.xml").status_code == 404


def test_news_sitemap_holds_last_48_hours(portal: Portal) -> None:
    portal.add(
        make_article(
            portal.sources["wadi-news"],
            0,
            "egypt",
            "خبر قديم جدا",
            ("نص",),
            published_at=NOW - timedelta(days=5),
            first_seen=NOW - timedelta(days=5),
        )
    )
    root = etree.fromstring(portal.client.get("/news-sitemap.xml").content)
    assert root.tag == f"{SM}urlset"
    urls = root.findall(f"{SM}url")
    titles = [u.find(f"{NEWS}news/{NEWS}title").text for u in urls]
    assert titles == [s[1] for s in STORIES]
    news = urls[0].find(f"{NEWS}news")
    assert news.find(f"{NEWS}publication/{NEWS}name").text == "بوابة الأخبار"
    assert news.find(f"{NEWS}publication/{NEWS}language").text == "ar"
    assert news.find(f"{NEWS}publication_date").text


def test_robots_advertises_sitemaps(portal: Portal) -> None:
    text = portal.client.get("/robots.txt").text
    assert "Sitemap: http://portal.test/sitemap.xml" in text
    assert "Sitemap: http://portal.test/news-sitemap.xml" in text
    assert "User-agent: *" in text
