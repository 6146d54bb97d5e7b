"""Turn the demo corpus into the bytes each site serves: pages, feeds, sitemaps and robots.txt.

Everything is rendered once at start-up (the ports are known by then), so every response has a
stable body, ETag and Last-Modified for conditional GET.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from lxml import etree

from bawaba.demo.corpus import Corpus, DemoArticle, Section, SiteSpec
from bawaba.demo.media import CONTENT_TYPES

CAIRO = ZoneInfo("Africa/Cairo")
WEEKDAYS = ("الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
IMAGE_NS = "http://www.google.com/schemas/sitemap-image/1.1"


@dataclass(frozen=True, slots=True)
class Resource:
    """One URL's response. ``behaviour`` is acted on by the server (delays, 429, redirects)."""

    body: bytes
    content_type: str
    last_modified: datetime
    status: int = 200
    location: str | None = None
    behaviour: str | None = None
    delay_s: float = 0.0

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body + (self.location or "").encode()).hexdigest()[:20] + '"'


@dataclass(frozen=True, slots=True)
class SiteFeeds:
    feeds: tuple[str, ...]
    sitemaps: tuple[str, ...]


def feed_paths(site: SiteSpec) -> SiteFeeds:
    """Feed and sitemap paths each kind of site publishes."""
    match site.kind:
        case "rss-cp1256":
            return SiteFeeds(("/rss.xml",), ())
        case "sitemap-only":
            return SiteFeeds((), ("/sitemap.xml",))
        case "news-sitemap":
            return SiteFeeds(("/feed/",), ("/news-sitemap.xml",))
        case "atom":
            return SiteFeeds(("/atom.xml",), ())
        case "robots-disallow":
            return SiteFeeds(("/rss/latest.xml",), ())
        case "misbehaving":
            return SiteFeeds(("/feed.rss",), ())
        case _:
            return SiteFeeds(("/rss.xml",), ())


def visible_date(site: SiteSpec, when: datetime) -> str:
    local = when.astimezone(CAIRO)
    month = site.months[local.month - 1]
    sep = "، " if site.kind == "atom" else " "
    return f"{WEEKDAYS[local.weekday()]}{sep}{local.day} {month} {local.year} - {local:%H:%M}"


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("bawaba.demo", "content"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


class SiteRenderer:
    """Renders one site given the base URL of every site (the aggregator links across hosts)."""

    def __init__(self, corpus: Corpus, site: SiteSpec, base_urls: Mapping[str, str], now: datetime) -> None:
        self.corpus = corpus
        self.site = site
        self.base_urls = base_urls
        self.now = now
        self.base = base_urls[site.slug]
        self.env = _env()
        self.articles = sorted(corpus.by_site(site.slug), key=lambda a: a.published_at, reverse=True)
        self.by_key = corpus.by_key()
        self.by_path = {(a.site, a.path): a for a in corpus.articles}

    # -- helpers -------------------------------------------------------------------------------
    def url(self, article: DemoArticle) -> str:
        return self.base_urls[article.site] + article.path

    def image_url(self, site: str, path: str) -> str:
        return self.base_urls[site] + path

    def _encode(self, text: str) -> bytes:
        return text.encode(self.site.encoding, errors="xmlcharrefreplace")

    def _html(self, text: str, modified: datetime) -> Resource:
        return Resource(self._encode(text), f"text/html; charset={self.site.encoding}", modified)

    def _feed_links(self) -> list[dict[str, str]]:
        kinds = {"atom": "application/atom+xml"}
        return [
            {"url": self.base + p, "type": kinds.get(self.site.kind, "application/rss+xml")}
            for p in feed_paths(self.site).feeds
        ]

    # -- pages ---------------------------------------------------------------------------------
    def article_page(self, article: DemoArticle) -> Resource:
        related = [self.by_key[k] for k in article.related]
        ticker = [{"url": self.url(a), "title": a.title} for a in self.articles[:5] if not a.broken]
        own_relative = self.site.slug in {"delta", "marsad"}
        images = [
            {
                "url": im.path
                if own_relative and im.site == self.site.slug
                else self.image_url(im.site, im.path),
                "caption": im.caption,
            }
            for im in article.images
        ]
        original: dict[str, str] = {}
        if not article.original:
            assert article.original_site is not None and article.original_path is not None
            source = self.corpus.site(article.original_site)
            original = {
                "source": source.name,
                "home": self.base_urls[source.slug] + "/",
                "url": self.base_urls[source.slug] + article.original_path,
                "date": visible_date(source, self.by_path[source.slug, article.original_path].published_at),
            }
        context: dict[str, Any] = {
            "site": self.site,
            "a": article,
            "canonical": self.url(article),
            "iso_date": article.published_at.astimezone(CAIRO).isoformat(),
            "visible_date": visible_date(self.site, article.published_at),
            "today": visible_date(self.site, self.now).split(" - ")[0],
            "byline": self.site.byline.format(author=article.author or ""),
            "images": images,
            "related": [{"url": self.url(r), "title": r.title} for r in related],
            "read_also": {"url": self.url(related[0]), "title": related[0].title} if related else None,
            "ticker": ticker,
            "comments": article.key % 47,
            "year": self.now.year,
            "feeds": self._feed_links(),
            "original": original,
            "truncated": article.behaviour == "truncated",
        }
        html = self.env.get_template(f"article-{self.site.slug}.html").render(context)
        res = self._html(html, article.published_at)
        if article.behaviour in {"slow", "retry_after"}:
            res = Resource(
                res.body,
                res.content_type,
                res.last_modified,
                behaviour=article.behaviour,
                delay_s=article.delay_s,
            )
        return res

    def home_page(self, only: Section | None = None) -> Resource:
        """The front page (every section) or one section's listing page."""
        groups = []
        for section in self.site.sections if only is None else (only,):
            items = [
                {"url": self.url(a), "title": a.title, "date": visible_date(self.site, a.published_at)}
                for a in self.articles
                if a.section == section
            ]
            if items:
                groups.append({"name": section.name, "entries": items})
        html = self.env.get_template("home.html").render(
            site=self.site,
            canonical=self.base + (self.site.section_href(only) if only else "/"),
            heading=only.name if only else None,
            feeds=self._feed_links(),
            groups=groups,
            today=visible_date(self.site, self.now).split(" - ")[0],
            year=self.now.year,
        )
        listed = [a.published_at for a in self.articles if only is None or a.section == only]
        return self._html(html, max(listed, default=self.now))

    # -- feeds and sitemaps ----------------------------------------------------------------------
    def rss(self) -> Resource:
        rss = etree.Element("rss", version="2.0")
        channel = etree.SubElement(rss, "channel")
        etree.SubElement(channel, "title").text = self.site.name
        etree.SubElement(channel, "link").text = self.base + "/"
        etree.SubElement(channel, "description").text = self.site.tagline
        etree.SubElement(channel, "language").text = "ar"
        etree.SubElement(channel, "lastBuildDate").text = format_datetime(self._latest(), usegmt=True)
        for a in self.articles:
            item = etree.SubElement(channel, "item")
            etree.SubElement(item, "title").text = a.title
            etree.SubElement(item, "link").text = self.url(a)
            guid = etree.SubElement(item, "guid", isPermaLink="false")
            guid.text = f"{self.site.slug}-{a.key}"
            etree.SubElement(item, "pubDate").text = format_datetime(a.published_at, usegmt=True)
            etree.SubElement(item, "category").text = a.section.name
            if a.paragraphs:
                etree.SubElement(item, "description").text = a.paragraphs[0]
            if a.images:
                etree.SubElement(
                    item,
                    "enclosure",
                    url=self.image_url(a.images[0].site, a.images[0].path),
                    type=CONTENT_TYPES[a.images[0].path.rsplit(".", 1)[-1]],
                    length="0",
                )
        body = etree.tostring(rss, xml_declaration=True, encoding=self.site.encoding, pretty_print=True)
        return Resource(body, f"application/rss+xml; charset={self.site.encoding}", self._latest())

    def atom(self) -> Resource:
        feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
        etree.SubElement(feed, f"{{{ATOM_NS}}}title").text = self.site.name
        etree.SubElement(feed, f"{{{ATOM_NS}}}id").text = self.base + "/"
        etree.SubElement(feed, f"{{{ATOM_NS}}}updated").text = self._latest().isoformat()
        etree.SubElement(feed, f"{{{ATOM_NS}}}link", rel="self", href=self.base + "/atom.xml")
        etree.SubElement(feed, f"{{{ATOM_NS}}}link", rel="alternate", href=self.base + "/")
        for a in self.articles:
            entry = etree.SubElement(feed, f"{{{ATOM_NS}}}entry")
            etree.SubElement(entry, f"{{{ATOM_NS}}}title").text = a.title
            etree.SubElement(entry, f"{{{ATOM_NS}}}id").text = f"tag:sada.demo,2024:{a.key}"
            etree.SubElement(entry, f"{{{ATOM_NS}}}link", rel="alternate", href=self.url(a))
            etree.SubElement(entry, f"{{{ATOM_NS}}}published").text = a.published_at.isoformat()
            etree.SubElement(entry, f"{{{ATOM_NS}}}updated").text = a.published_at.isoformat()
            etree.SubElement(entry, f"{{{ATOM_NS}}}category", term=a.section.name)
            author = etree.SubElement(entry, f"{{{ATOM_NS}}}author")
            etree.SubElement(author, f"{{{ATOM_NS}}}name").text = a.author or self.site.name
            etree.SubElement(entry, f"{{{ATOM_NS}}}summary").text = a.paragraphs[0] if a.paragraphs else ""
        body = etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)
        return Resource(body, "application/atom+xml; charset=utf-8", self._latest())

    def _urlset(self, articles: Sequence[DemoArticle], news: bool) -> Resource:
        nsmap = {None: SITEMAP_NS, "image": IMAGE_NS}
        if news:
            nsmap["news"] = NEWS_NS
        urlset = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap=nsmap)
        for a in articles:
            url = etree.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
            etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = self.url(a)
            etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = a.published_at.isoformat()
            if news:
                block = etree.SubElement(url, f"{{{NEWS_NS}}}news")
                pub = etree.SubElement(block, f"{{{NEWS_NS}}}publication")
                etree.SubElement(pub, f"{{{NEWS_NS}}}name").text = self.site.name
                etree.SubElement(pub, f"{{{NEWS_NS}}}language").text = "ar"
                etree.SubElement(block, f"{{{NEWS_NS}}}publication_date").text = a.published_at.isoformat()
                etree.SubElement(block, f"{{{NEWS_NS}}}title").text = a.title
                etree.SubElement(block, f"{{{NEWS_NS}}}keywords").text = a.section.name
            for im in a.images:
                image = etree.SubElement(url, f"{{{IMAGE_NS}}}image")
                etree.SubElement(image, f"{{{IMAGE_NS}}}loc").text = self.image_url(im.site, im.path)
        body = etree.tostring(urlset, xml_declaration=True, encoding="utf-8", pretty_print=True)
        latest = max((a.published_at for a in articles), default=self.now)
        return Resource(body, "application/xml; charset=utf-8", latest)

    def _sitemap_index(self, children: Sequence[str]) -> Resource:
        index = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap={None: SITEMAP_NS})
        for child in children:
            node = etree.SubElement(index, f"{{{SITEMAP_NS}}}sitemap")
            etree.SubElement(node, f"{{{SITEMAP_NS}}}loc").text = self.base + child
            etree.SubElement(node, f"{{{SITEMAP_NS}}}lastmod").text = self._latest().isoformat()
        body = etree.tostring(index, xml_declaration=True, encoding="utf-8", pretty_print=True)
        return Resource(body, "application/xml; charset=utf-8", self._latest())

    def robots(self) -> Resource:
        lines = ["User-agent: *"]
        lines += [f"Disallow: /{s.path}/" for s in self.site.sections if s.disallowed]
        lines.append("Disallow: /search")
        lines.append("")
        lines += [f"Sitemap: {self.base}{p}" for p in feed_paths(self.site).sitemaps]
        return Resource(("\n".join(lines) + "\n").encode(), "text/plain; charset=utf-8", self.now)

    def _latest(self) -> datetime:
        return self.articles[0].published_at if self.articles else self.now

    # -- the whole site ------------------------------------------------------------------------
    def routes(self) -> dict[str, Resource]:
        """Path -> response for every static URL of the site (media are drawn on request)."""
        routes: dict[str, Resource] = {"/": self.home_page(), "/robots.txt": self.robots()}
        for section in self.site.sections:
            routes[self.site.section_href(section)] = self.home_page(section)
        for a in self.articles:
            if a.behaviour == "redirect_loop":
                hop = f"/go/{a.key}"
                routes[a.path] = Resource(
                    b"", "text/html", a.published_at, status=302, location=self.base + hop
                )
                routes[hop] = Resource(b"", "text/html", a.published_at, status=302, location=self.url(a))
            else:
                routes[a.path] = self.article_page(a)
        feeds = feed_paths(self.site)
        for path in feeds.feeds:
            routes[path] = self.atom() if self.site.kind == "atom" else self.rss()
        if self.site.kind == "sitemap-only":
            half = len(self.articles) // 2
            children = ["/sitemaps/posts-1.xml", "/sitemaps/posts-2.xml"]
            routes["/sitemap.xml"] = self._sitemap_index(children)
            routes[children[0]] = self._urlset(self.articles[:half], news=False)
            routes[children[1]] = self._urlset(self.articles[half:], news=False)
        elif self.site.kind == "news-sitemap":
            routes["/news-sitemap.xml"] = self._urlset(self.articles, news=True)
        return routes
