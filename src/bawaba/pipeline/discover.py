"""Turn a homepage URL into a source with its feeds: <link rel=alternate>, robots.txt sitemaps,
then /sitemap.xml as a last resort. Network through the given fetcher; no storage."""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from bawaba.errors import FetchError, ParseError
from bawaba.models import DiscoveredFeed, FeedKind, FetchKind, Source
from bawaba.pipeline.decode import decode_html
from bawaba.pipeline.feeds import parse_feed
from bawaba.pipeline.run import FetcherLike
from bawaba.pipeline.sources import (
    SourceSpec,
    default_sitemap_url,
    discover_feeds,
    sitemaps_from_robots,
    slugify,
)


def site_name(html: str, fallback: str) -> str:
    tree = HTMLParser(html)
    node = tree.css_first('meta[property="og:site_name"]')
    if node and (node.attributes.get("content") or "").strip():
        return (node.attributes.get("content") or "").strip()
    title = tree.css_first("title")
    if title and title.text(strip=True):
        text = title.text(strip=True)
        for sep in (" | ", " - ", " – ", " — ", " :: "):
            if sep in text:
                return text.split(sep)[-1].strip() or text
        return text
    return fallback


async def discover_source(fetcher: FetcherLike, url: str, *, robots_sitemaps: list[str] | None = None) -> SourceSpec:
    """Fetch the homepage and find feeds. Raises ``FetchError`` when the homepage cannot be fetched
    and ``ParseError`` when nothing pollable is found."""
    home = await fetcher.fetch(url, kind=FetchKind.DISCOVERY)
    if not home.ok:
        raise FetchError(f"cannot fetch {url}: {home.error or f'HTTP {home.status}'}", home.error_kind or "http_status", url)
    html = decode_html(home.body, home.content_type)
    base = home.final_url
    feeds: list[DiscoveredFeed] = [f for f in discover_feeds(html, base)]
    if robots_sitemaps is None:
        robots = await fetcher.fetch(f"{_origin(base)}/robots.txt", kind=FetchKind.ROBOTS)
        robots_sitemaps = sitemaps_from_robots(decode_html(robots.body, robots.content_type), base) if robots.ok else []
    have = {f.url for f in feeds}
    for sm in robots_sitemaps:
        if sm not in have:
            feeds.append(await _sitemap_feed(fetcher, sm))
            have.add(sm)
    if not feeds:
        candidate = default_sitemap_url(base)
        res = await fetcher.fetch(candidate, kind=FetchKind.DISCOVERY)
        if res.ok:
            try:
                parsed = parse_feed(res.body, res.final_url, res.content_type)
                feeds.append(DiscoveredFeed(url=candidate, kind=parsed.kind))
            except ParseError:
                pass
    if not feeds:
        raise ParseError(f"no feed or sitemap found at {url}")
    host = urlsplit(base).hostname or url
    port = urlsplit(base).port
    fallback = host if port is None else f"{host}:{port}"
    name = site_name(html, fallback)
    slug = slugify(fallback if port else host)
    return SourceSpec(source=Source(slug=slug, name=name, homepage=base), feeds=tuple(feeds))


async def _sitemap_feed(fetcher: FetcherLike, url: str) -> DiscoveredFeed:
    res = await fetcher.fetch(url, kind=FetchKind.DISCOVERY)
    kind = FeedKind.SITEMAP
    if res.ok:
        with contextlib.suppress(ParseError):
            kind = parse_feed(res.body, res.final_url, res.content_type).kind
    return DiscoveredFeed(url=url, kind=kind)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
