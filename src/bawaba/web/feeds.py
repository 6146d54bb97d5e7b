"""RSS/Atom feeds (feedgen), sitemaps, the Google news sitemap and robots.txt."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import PlainTextResponse, Response
from feedgen.feed import FeedGenerator
from lxml import etree

from bawaba.errors import NotFoundError
from bawaba.models import Article, Source
from bawaba.store.base import ArticleFilter
from bawaba.taxonomy import category, region, regions, slugs
from bawaba.web.cache import Rendered, cached_response
from bawaba.web.context import Portal, article_path, path_for
from bawaba.web.formatting import excerpt

FEED_SIZE = 50
FEED_MAX_AGE = 300
SITEMAP_URLS = 50_000
NEWS_SITEMAP_HOURS = 48
NEWS_SITEMAP_MAX = 1_000

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"

Slug = Annotated[str, Path(max_length=80)]

#: characters XML 1.0 cannot carry at all (feedgen/lxml refuse them)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class FeedNotFound(Exception):
    """A feed for an unknown category or source; answered with the 404 page."""


def xml_text(text: str | None) -> str:
    return _XML_ILLEGAL.sub("", text or "")


def build_feed(
    portal: Portal,
    *,
    title: str,
    page_path: str,
    feed_path: str,
    articles: Iterable[Article],
    sources: dict[int, Source],
    updated: datetime,
) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(portal.absolute(page_path))
    fg.title(xml_text(title))
    fg.subtitle(xml_text(f"{title} — {portal.settings.site_name}"))
    fg.link(href=portal.absolute(page_path), rel="alternate")
    fg.link(href=portal.absolute(feed_path), rel="self")
    fg.language("ar")
    fg.updated(updated)
    fg.generator("bawaba")
    for article in articles:
        fe = fg.add_entry(order="append")
        url = portal.absolute(article_path(article))
        fe.id(url)
        fe.guid(url, permalink=True)
        fe.title(xml_text(article.title))
        fe.link(href=url, rel="alternate")
        fe.description(xml_text(excerpt(article.text, 400)))
        moment = article.published_at or article.first_seen
        fe.published(moment)
        fe.updated(moment)
        source = sources.get(article.source_id)
        if source is not None:
            fe.source(title=xml_text(source.name), url=source.homepage)
        if article.author:
            fe.author(name=xml_text(article.author))
        if article.category:
            fe.category(term=article.category, label=category(article.category).label)
    return fg


def _urlset(urls: Iterable[tuple[str, datetime]]) -> bytes:
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    for loc, lastmod in urls:
        url = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = loc
        etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = lastmod.astimezone(UTC).isoformat(
            timespec="seconds"
        )
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def build_router(portal: Portal) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    store = portal.store
    site = portal.settings.site_name

    def respond(request: Request, render: Callable[[], Rendered], max_age: int = FEED_MAX_AGE) -> Response:
        return cached_response(request, portal.cache, portal.change_token(), render, max_age)

    def feed_response(
        request: Request, atom: bool, title: str, page_path: str, flt: ArticleFilter
    ) -> Response:
        feed_path = f"{page_path.rstrip('/')}/{'atom' if atom else 'feed'}.xml"

        def render() -> Rendered:
            items = store.list_articles(flt, limit=FEED_SIZE).items
            updated = max((a.published_at or a.first_seen for a in items), default=datetime.now(UTC))
            fg = build_feed(
                portal,
                title=title,
                page_path=page_path,
                feed_path=feed_path,
                articles=items,
                sources=portal.sources_by_id(),
                updated=updated,
            )
            if atom:
                return Rendered(fg.atom_str(pretty=False), ATOM)
            return Rendered(fg.rss_str(pretty=False), RSS)

        return respond(request, render)

    def category_filter(slug: str) -> ArticleFilter:
        if slug not in slugs():
            raise FeedNotFound(slug)
        return ArticleFilter(category=slug)

    def source_of(slug: str) -> Source:
        try:
            return store.get_source(slug)
        except NotFoundError:
            raise FeedNotFound(slug) from None

    @router.get("/feed.xml")
    @router.get("/rss")
    def site_rss(request: Request) -> Response:
        return feed_response(request, False, f"{site}: آخر الأخبار", "/", ArticleFilter())

    @router.get("/atom.xml")
    def site_atom(request: Request) -> Response:
        return feed_response(request, True, f"{site}: آخر الأخبار", "/", ArticleFilter())

    @router.get("/category/{slug}/feed.xml")
    def category_rss(request: Request, slug: Slug) -> Response:
        flt = category_filter(slug)
        return feed_response(request, False, category(slug).feed_title, f"/category/{slug}", flt)

    @router.get("/category/{slug}/atom.xml")
    def category_atom(request: Request, slug: Slug) -> Response:
        flt = category_filter(slug)
        return feed_response(request, True, category(slug).feed_title, f"/category/{slug}", flt)

    def region_feed(request: Request, slug: str, atom: bool) -> Response:
        place = region(slug)
        if place is None:
            raise FeedNotFound(slug)
        return feed_response(request, atom, place.feed_title, f"/region/{slug}", ArticleFilter(region=slug))

    @router.get("/region/{slug}/feed.xml")
    def region_rss(request: Request, slug: Slug) -> Response:
        return region_feed(request, slug, False)

    @router.get("/region/{slug}/atom.xml")
    def region_atom(request: Request, slug: Slug) -> Response:
        return region_feed(request, slug, True)

    @router.get("/source/{slug}/feed.xml")
    def source_rss(request: Request, slug: Slug) -> Response:
        source = source_of(slug)
        return feed_response(
            request,
            False,
            f"آخر أخبار {source.name}",
            f"/source/{source.slug}",
            ArticleFilter(source_id=source.id),
        )

    @router.get("/source/{slug}/atom.xml")
    def source_atom(request: Request, slug: Slug) -> Response:
        source = source_of(slug)
        return feed_response(
            request,
            True,
            f"آخر أخبار {source.name}",
            f"/source/{source.slug}",
            ArticleFilter(source_id=source.id),
        )

    @router.get("/sitemap.xml")
    def sitemap_index(request: Request) -> Response:
        def render() -> Rendered:
            pages = max(1, -(-store.max_article_id() // SITEMAP_URLS))
            root = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap={None: SITEMAP_NS})
            for loc in [portal.absolute(f"/sitemaps/articles-{n}.xml") for n in range(1, pages + 1)] + [
                portal.absolute("/sitemaps/pages.xml"),
                portal.absolute("/news-sitemap.xml"),
            ]:
                entry = etree.SubElement(root, f"{{{SITEMAP_NS}}}sitemap")
                etree.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = loc
            return Rendered(bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8")), XML)

        return respond(request, render)

    @router.get("/sitemaps/pages.xml")
    def sitemap_pages(request: Request) -> Response:
        def render() -> Rendered:
            now = datetime.now(UTC)
            paths = (
                ["/"]
                + [f"/category/{s}" for s in slugs()]
                + [f"/region/{r.slug}" for r in regions()]
                + [f"/source/{s.slug}" for s in store.list_sources()]
            )
            return Rendered(_urlset((portal.absolute(p), now) for p in paths), XML)

        return respond(request, render)

    @router.get("/sitemaps/articles-{n}.xml")
    def sitemap_articles(request: Request, n: Annotated[int, Path(ge=1, le=10**7)]) -> Response:
        def render() -> Rendered:
            if n > max(1, -(-store.max_article_id() // SITEMAP_URLS)):
                raise FeedNotFound(str(n))
            first, last = (n - 1) * SITEMAP_URLS, n * SITEMAP_URLS
            stamps = [s for s in store.article_stamps(first, SITEMAP_URLS) if s[0] <= last]
            urls = ((portal.absolute(path_for(aid, title)), moment) for aid, title, moment in stamps)
            return Rendered(_urlset(urls), XML)

        return respond(request, render)

    @router.get("/news-sitemap.xml")
    def news_sitemap(request: Request) -> Response:
        def render() -> Rendered:
            since = datetime.now(UTC) - timedelta(hours=NEWS_SITEMAP_HOURS)
            items = store.list_articles(ArticleFilter(since=since), limit=NEWS_SITEMAP_MAX).items
            root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS, "news": NEWS_NS})
            for article in items:
                url = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
                etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = portal.absolute(article_path(article))
                news = etree.SubElement(url, f"{{{NEWS_NS}}}news")
                publication = etree.SubElement(news, f"{{{NEWS_NS}}}publication")
                etree.SubElement(publication, f"{{{NEWS_NS}}}name").text = xml_text(site)
                etree.SubElement(publication, f"{{{NEWS_NS}}}language").text = article.language or "ar"
                moment = (article.published_at or article.first_seen).astimezone(UTC)
                etree.SubElement(news, f"{{{NEWS_NS}}}publication_date").text = moment.isoformat(
                    timespec="seconds"
                )
                etree.SubElement(news, f"{{{NEWS_NS}}}title").text = xml_text(article.title)
            return Rendered(bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8")), XML)

        return respond(request, render, 60)

    @router.get("/robots.txt")
    def robots() -> PlainTextResponse:
        lines = [
            "User-agent: *",
            "Disallow: /search",
            "Disallow: /api/",
            "Allow: /",
            "",
            f"Sitemap: {portal.absolute('/sitemap.xml')}",
            f"Sitemap: {portal.absolute('/news-sitemap.xml')}",
            "",
        ]
        return PlainTextResponse("\n".join(lines), headers={"Cache-Control": "public, max-age=86400"})

    return router
