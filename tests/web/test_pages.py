"""The HTML pages: structure, Arabic text, links, 404s and security headers."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from lxml import html as lxml_html

from bawaba.models import Article
from bawaba.taxonomy import categories
from bawaba.web.formatting import arabic_datetime, title_slug
from bawaba.web.related import related_articles

from .sample import NOW, STORIES, Portal, make_article


def doc(portal: Portal, path: str, status: int = 200) -> lxml_html.HtmlElement:
    response = portal.client.get(path)
    assert response.status_code == status, (path, response.text[:300])
    assert response.headers["content-type"].startswith("text/html")
    return lxml_html.fromstring(response.text)


def test_home_lists_latest_per_category_and_links(portal: Portal) -> None:
    page = doc(portal, "/")
    root = page.getroottree().getroot()
    assert root.get("lang") == "ar" and root.get("dir") == "rtl"
    assert page.findtext(".//title").strip()
    head = {(link.get("rel"), link.get("type")): link.get("href") for link in page.iter("link")}
    assert head[("canonical", None)] == "http://portal.test/"
    assert head[("alternate", "application/rss+xml")] == "http://portal.test/feed.xml"
    assert head[("alternate", "application/atom+xml")] == "http://portal.test/atom.xml"
    sections = [h.text_content() for h in page.xpath("//section[@class='section']/h2")]
    present = {s[0] for s in STORIES}
    assert sections == [c.label for c in categories() if c.slug in present]  # taxonomy display order
    latest = page.xpath("//section[contains(@class,'latest')]//h3/a")
    assert [a.text_content() for a in latest][:3] == [s[1] for s in STORIES[:3]]  # newest first


def test_article_page_order_and_content(portal: Portal) -> None:
    article_id = portal.by_title[STORIES[0][1]]
    page = doc(portal, f"/article/{article_id}")
    story = page.xpath("//article[@class='story']")[0]
    crumbs = story.xpath(".//nav[@class='breadcrumb']//a")
    assert [(a.text_content(), a.get("href")) for a in crumbs] == [
        ("أخبار مصر", "/category/egypt"),
        ("وادي النيل نيوز", "/source/wadi-news"),
    ]
    assert story.findtext(".//h1") == STORIES[0][1]
    expected_date = arabic_datetime(NOW - __import__("datetime").timedelta(hours=1))
    assert story.xpath(".//p[@class='byline']/time")[0].text == expected_date
    assert re.search("[٠-٩]", expected_date) and not re.search("[0-9]", expected_date)
    assert "سارة عبد الحميد" in story.xpath(".//span[@class='author']")[0].text
    # document order: breadcrumb, h1, byline, gallery, body, attribution
    order = [el.get("class") or el.tag for el in story.iterchildren()]
    assert order == ["breadcrumb", "h1", "byline", "gallery", "body", "attribution"]
    slides = story.xpath(".//figure[@class='slide']")
    assert [s.get("id") for s in slides] == ["img-1", "img-2", "img-3"]
    assert [s.findtext(".//span[@class='counter']") for s in slides] == ["1/3", "2/3", "3/3"]
    assert all(s.get("tabindex") == "0" for s in slides)
    for img in story.xpath(".//figure//img"):
        assert img.get("loading") == "lazy" and img.get("width") and img.get("height")
    assert story.xpath(".//figure[@id='img-1']//a[@class='next']")[0].get("href") == "#img-2"
    assert story.xpath(".//figure[@id='img-2']//a[@class='prev']")[0].get("href") == "#img-1"
    assert story.xpath(".//figure[@id='img-2']//span[@class='caption']")[0].text == "جانب من المحطة الجديدة"
    footer = story.xpath(".//footer[@class='attribution']")[0].text_content()
    assert f"انت الان تتصفح خبر بعنوان «{STORIES[0][1]}»" in footer
    assert "وادي النيل نيوز" in footer and "لا تتحمل أي مسؤولية" in footer
    original = story.xpath(".//a[@class='original']")[0]
    assert original.get("href") == "https://wadi.example/news/1"
    assert original.get("rel") == "nofollow noopener" and original.get("target") == "_blank"
    related = page.xpath("//section[@class='related']//h3/a")
    assert len(related) >= 4
    assert f"/article/{article_id}/" not in " ".join(a.get("href") for a in related)
    assert page.xpath("//script[@src='/static/gallery.js']")
    assert not [
        s for s in page.iter("script") if s.get("src") is None and s.get("type") != "application/ld+json"
    ]


def test_article_meta_tags_and_json_ld(portal: Portal) -> None:
    article_id = portal.by_title[STORIES[0][1]]
    page = doc(portal, f"/article/{article_id}/{title_slug(STORIES[0][1])}")
    meta = {m.get("property") or m.get("name"): m.get("content") for m in page.iter("meta")}
    assert meta["og:title"] == STORIES[0][1]
    assert meta["og:type"] == "article"
    assert meta["og:image"] == "https://img.example/giza-1.svg"
    assert meta["twitter:card"] == "summary_large_image"
    canonical = page.xpath("//link[@rel='canonical']")[0].get("href")
    assert canonical.startswith(f"http://portal.test/article/{article_id}/")
    data = json.loads(page.xpath("//script[@type='application/ld+json']")[0].text)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == STORIES[0][1]
    assert data["isBasedOn"] == "https://wadi.example/news/1"
    assert data["publisher"]["name"] == "بوابة الأخبار"
    assert data["sourceOrganization"]["name"] == "وادي النيل نيوز"
    assert data["author"]["name"] == "سارة عبد الحميد"
    assert datetime.fromisoformat(data["datePublished"]).astimezone(UTC) == NOW - __import__(
        "datetime"
    ).timedelta(hours=1)
    assert data["image"][0] == "https://img.example/giza-1.svg"


def test_json_ld_cannot_be_broken_out_of(portal: Portal) -> None:
    source = portal.sources["sharq-daily"]
    title = 'عنوان </script><script>alert(1)</script> & "اقتباس"'
    article_id = portal.add(make_article(source, 90, "egypt", title, ("نص الخبر.",)))
    body = portal.client.get(f"/article/{article_id}").text
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)
    assert block is not None
    assert "<" not in block.group(1) and "\\u003c/script" in block.group(1)
    assert json.loads(block.group(1))["headline"] == title


def test_related_excludes_self_and_duplicates(portal: Portal) -> None:
    source = portal.sources["sharq-daily"]
    original_id = portal.by_title[STORIES[1][1]]
    copy = make_article(source, 0, "egypt", "نسخة مكررة من خبر القطارات", ("نص مكرر.",))
    copy_id = portal.add(copy)
    portal.store.update_article_fields(copy_id, duplicate_of=original_id)
    original = portal.store.get_article(original_id)
    related = related_articles(portal.store, original, 4)
    ids = [a.id for a in related]
    assert len(ids) == 4 and original_id not in ids and copy_id not in ids
    assert all(a.category == "egypt" for a in related)
    # a small category is topped up from the whole site
    tech = portal.store.get_article(portal.by_title[STORIES[10][1]])
    topped = related_articles(portal.store, tech, 5)
    assert len(topped) == 5 and tech.id not in [a.id for a in topped]


def test_category_source_and_search_pages(portal: Portal) -> None:
    page = doc(portal, "/category/sports")
    assert page.findtext(".//h1") == "رياضة"
    titles = [a.text_content() for a in page.xpath("//div[@class='list']//h3/a")]
    assert titles == [STORIES[7][1], STORIES[8][1]]
    assert page.xpath("//link[@rel='canonical']")[0].get("href") == "http://portal.test/category/sports"
    assert (
        page.xpath("//link[@type='application/rss+xml']")[0].get("href").endswith("/category/sports/feed.xml")
    )

    page = doc(portal, "/source/riyada")
    assert page.findtext(".//h1") == "رياضة اليوم"
    health = page.xpath("//dl[@class='health']//dd")
    assert len(health) == 4 and health[2].text == "٢"  # articles in the last 24 h
    assert len(page.xpath("//div[@class='list']//h3/a")) == 2

    page = doc(portal, "/search?q=القمة")  # Arabic-aware: قمة in either title, title matches first
    found = [a.text_content() for a in page.xpath("//ol[contains(@class, 'results')]//h3/a")]
    assert sorted(found) == sorted([STORIES[7][1], STORIES[9][1]])
    assert doc(portal, "/search").xpath("//form[@role='search']")


def test_region_pages_list_every_topic_of_a_region(portal: Portal) -> None:
    page = doc(portal, "/region/arab")
    assert page.findtext(".//h1") == "الوطن العربي"
    assert [a.text_content() for a in page.xpath("//div[@class='list']//h3/a")] == [STORIES[9][1]]
    assert page.xpath("//link[@rel='canonical']")[0].get("href") == "http://portal.test/region/arab"
    assert page.xpath("//link[@type='application/rss+xml']")[0].get("href").endswith("/region/arab/feed.xml")
    egypt = [a.text_content() for a in doc(portal, "/region/egypt").xpath("//div[@class='list']//h3/a")]
    # newest first, every topic (local news, economy, sports, technology), not the arab or unplaced ones
    assert egypt == [s[1] for s in STORIES[:-1] if s[1] != STORIES[9][1]]
    assert doc(portal, "/region/world").xpath("//p[@class='empty']")
    nav = doc(portal, "/").xpath("//nav[@aria-label='المناطق']//a")
    assert [(a.get("href"), a.text) for a in nav] == [
        ("/region/egypt", "مصر"), ("/region/arab", "الوطن العربي"), ("/region/world", "حول العالم")
    ]
    assert portal.client.get("/region/mars").status_code == 404
    current = doc(portal, "/region/arab").xpath("//nav//a[@aria-current='page']")
    assert [a.get("href") for a in current] == ["/region/arab"]
    current = doc(portal, "/category/sports").xpath("//nav//a[@aria-current='page']")
    assert [a.get("href") for a in current] == ["/category/sports"]
    assert not doc(portal, "/").xpath("//nav//a[@aria-current]")


def test_cursor_pagination_walks_every_article(sqlite_url: str) -> None:
    from .sample import build_portal

    p = build_portal(sqlite_url, page_size=5)
    try:
        seen: list[str] = []
        path: str | None = "/category/egypt"
        pages = 0
        while path:
            page = doc(p, path)
            seen += [a.text_content() for a in page.xpath("//div[@class='list']//h3/a")]
            nxt = page.xpath("//a[@rel='next']")
            path = nxt[0].get("href") if nxt else None
            pages += 1
        assert pages == 1  # five egypt stories fit one page of five
        p.add(make_article(p.sources["wadi-news"], 50, "egypt", "خبر سادس عن مصر", ("نص.",)))
        first = doc(p, "/category/egypt")
        nxt = first.xpath("//a[@rel='next']")[0].get("href")
        second = doc(p, nxt)
        assert [a.text_content() for a in second.xpath("//div[@class='list']//h3/a")] == ["خبر سادس عن مصر"]
    finally:
        p.client.close()
        p.store.close()


def test_not_found_pages_are_arabic(portal: Portal) -> None:
    for path in (
        "/article/99999",
        "/article/abc",
        "/category/unknown",
        "/source/nobody",
        "/nowhere",
        "/?cursor=bogus",
        "/category/unknown/feed.xml",
        "/source/nobody/atom.xml",
    ):
        page = doc(portal, path, 404)
        assert page.findtext(".//h1") == "الصفحة غير موجودة", path


def test_security_headers(portal: Portal) -> None:
    response = portal.client.get("/")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "img-src 'self' data: http: https:" in csp and "object-src 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"]
    assert portal.client.get("/api/v1/stats").headers["content-security-policy"] == csp
    css = portal.client.get("/static/style.css")
    assert css.status_code == 200 and "prefers-color-scheme: dark" in css.text
    assert "Noto Naskh Arabic" in css.text and "@import" not in css.text and "url(" not in css.text


def test_hostile_html_is_sanitised_again(portal: Portal) -> None:
    source = portal.sources["wadi-news"]
    article = Article(
        url="https://wadi.example/news/evil",
        canonical_url="https://wadi.example/news/evil",
        source_id=source.id or 0,
        title='"><script>alert(1)</script>',
        text="نص <svg onload=alert(1)>",
        html="<p>نص</p><script>alert(1)</script><img src=x onerror=alert(1)>"
        '<a href="javascript:alert(1)">رابط</a><svg onload=alert(1)></svg><p style="x" onclick="y">فقرة</p>',
        category="egypt",
    )
    article_id = portal.add(article)
    for path in (f"/article/{article_id}", "/", "/category/egypt", "/search?q=alert"):
        page = doc(portal, path)
        for el in page.iter():
            if not isinstance(el.tag, str):
                continue
            assert el.tag not in ("svg", "iframe", "object"), (path, el.tag)
            assert not [a for a in el.attrib if a.lower().startswith("on")], (path, el.tag, dict(el.attrib))
            assert not (el.get("href") or "").strip().lower().startswith("javascript:"), path
            if el.tag == "script":
                assert el.get("src") == "/static/gallery.js" or el.get("type") == "application/ld+json"
    title = doc(portal, f"/article/{article_id}").findtext(".//h1")
    assert title == '"><script>alert(1)</script>'  # shown as text, not markup


def test_gzip_and_static_cache(portal: Portal) -> None:
    response = portal.client.get("/", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "max-age" in portal.client.get("/static/gallery.js").headers["cache-control"]


def test_api_docs_are_local(portal: Portal) -> None:
    response = portal.client.get("/api/docs")
    assert response.status_code == 200
    srcs = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert srcs and all(s.startswith("/") or s.startswith("http://portal.test/") for s in srcs)
    for src in srcs:
        if src.startswith("/api/docs/assets/") or src.startswith("/static/"):
            assert portal.client.get(src).status_code == 200, src
    assert "/api/v1/articles" in response.text
