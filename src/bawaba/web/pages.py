"""The reader-facing HTML pages: home, category, region, source, article, and the Arabic 404 (search:
``search.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from bawaba.errors import NotFoundError
from bawaba.models import Article, Source, SourceHealth
from bawaba.store.base import ArticleFilter
from bawaba.taxonomy import category, region, slugs
from bawaba.web.cache import Rendered, cached_response
from bawaba.web.context import Portal, article_path
from bawaba.web.related import related_articles
from bawaba.web.stories import top_stories

RELATED_COUNT = 6
HOME_PER_CATEGORY = 5
HOME_TOP_STORIES = 5
PAGE_MAX_AGE = 60

ArticleId = Annotated[int, Path(ge=1, le=2**62)]
Cursor = Annotated[str | None, Query(max_length=200, pattern=r"^[A-Za-z0-9_.=~:-]*$")]


class PageNotFound(Exception):
    """A page route found nothing to show; the app answers with the Arabic 404 page."""


def _gallery(article: Article) -> list[dict[str, Any]]:
    """Slides for the gallery; the lead image alone when the extractor found no gallery."""
    images = [img for img in article.images if img.src.startswith(("http://", "https://", "/"))]
    slides = [
        {"src": img.src, "caption": img.caption or "", "width": img.width or 800, "height": img.height or 450}
        for img in images
    ]
    if not slides and article.lead_image and article.lead_image.startswith(("http://", "https://", "/")):
        slides.append({"src": article.lead_image, "caption": "", "width": 800, "height": 450})
    return slides


def _article_json_ld(
    portal: Portal, article: Article, source: Source, slides: list[dict[str, Any]]
) -> dict[str, Any]:
    published = article.published_at or article.first_seen
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title[:110],
        "mainEntityOfPage": portal.absolute(article_path(article)),
        "isBasedOn": article.url,
        "datePublished": published.isoformat(),
        "inLanguage": article.language or "ar",
        "publisher": {"@type": "Organization", "name": portal.settings.site_name, "url": portal.site_url},
        "sourceOrganization": {"@type": "NewsMediaOrganization", "name": source.name, "url": source.homepage},
    }
    if article.author:
        data["author"] = {"@type": "Person", "name": article.author}
    else:
        data["author"] = {"@type": "Organization", "name": source.name}
    if slides:
        data["image"] = [s["src"] for s in slides]
    return data


def build_router(portal: Portal) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    store = portal.store
    size = portal.settings.page_size

    def newest_alike(article: Article) -> list[Article]:
        """The stand-in while the ranked list is computed: the newest originals of the article's
        category, then of the site, never the article or a copy of it (one or two index reads)."""
        picked: list[Article] = []
        seen = {article.id, article.duplicate_of}
        filters = [ArticleFilter(category=article.category, originals_only=True)] if article.category else []
        for flt in [*filters, ArticleFilter(originals_only=True)]:
            for candidate in store.list_articles(flt, limit=RELATED_COUNT + 4).items:
                if candidate.id in seen or candidate.canonical_url == article.canonical_url:
                    continue
                if candidate.duplicate_of is not None and candidate.duplicate_of in seen:
                    continue
                seen.add(candidate.id)
                picked.append(candidate)
                if len(picked) == RELATED_COUNT:
                    return picked
        return picked

    def related_for(article: Article) -> list[Article]:
        """``related_articles``, computed once per article off the request path and remembered
        across change tokens (its full-text query costs more than the rest of the page); until
        it is ready the page shows ``newest_alike``. With the page cache off, computed inline."""
        derived = portal.cache.derived
        if derived.memo.ttl_s <= 0:
            return related_articles(store, article, RELATED_COUNT)

        def compute() -> tuple[int, ...]:
            return tuple(a.id for a in related_articles(store, article, RELATED_COUNT) if a.id is not None)

        ids = derived.get(("related", article.id, article.category, article.story_id), compute)
        if ids is not None:
            found = store.get_articles(ids)
            if len(found) == len(ids):
                return found
        return newest_alike(article)

    def respond(request: Request, render: Any) -> Response:
        return cached_response(request, portal.cache, portal.change_token(), render, PAGE_MAX_AGE)

    def listing(template: str, flt: ArticleFilter, cursor: str | None, path: str, **context: Any) -> Rendered:
        page = portal.page(flt, size, cursor)
        return portal.render(
            template,
            articles=page.items,
            sources=portal.sources_by_id(),
            next_cursor=page.next_cursor,
            path=path,
            cursor=cursor,
            **context,
        )

    @router.get("/")
    def home(request: Request, cursor: Cursor = None) -> Response:
        def render() -> Rendered:
            page = portal.page(ArticleFilter(), size, cursor)
            sections: list[tuple[Any, list[Article]]] = []
            top = top_stories(portal, datetime.now(UTC), HOME_TOP_STORIES) if not cursor else []
            if not cursor:
                latest = store.latest_by_category(HOME_PER_CATEGORY)
                sections = [(category(slug), latest[slug]) for slug in slugs() if latest.get(slug)]
            return portal.render(
                "home.html",
                articles=page.items,
                sections=sections,
                top_stories=top,
                sources=portal.sources_by_id(),
                next_cursor=page.next_cursor,
                cursor=cursor,
                path="/",
                canonical="/",
                rss="/feed.xml",
                atom="/atom.xml",
            )

        return respond(request, render)

    def heading_listing(request: Request, kind: str, slug: str, heading: str, flt: ArticleFilter,
                        cursor: str | None) -> Response:
        """A listing page named by a taxonomy heading (a category or a region), with its feeds."""

        def render() -> Rendered:
            path = f"/{kind}/{slug}"
            return listing("listing.html", flt, cursor, path, heading=heading, kind=kind, canonical=path,
                           rss=f"{path}/feed.xml", atom=f"{path}/atom.xml", health=None, query="")

        return respond(request, render)

    @router.get("/category/{slug}")
    def category_page(
        request: Request, slug: Annotated[str, Path(max_length=40)], cursor: Cursor = None
    ) -> Response:
        if slug not in slugs():
            raise PageNotFound(slug)
        return heading_listing(request, "category", slug, category(slug).label, ArticleFilter(category=slug), cursor)

    @router.get("/region/{slug}")
    def region_page(
        request: Request, slug: Annotated[str, Path(max_length=40)], cursor: Cursor = None
    ) -> Response:
        """Every topic's articles about one region (egypt, arab, world), newest first."""
        place = region(slug)
        if place is None:
            raise PageNotFound(slug)
        return heading_listing(request, "region", slug, place.label, ArticleFilter(region=slug), cursor)

    @router.get("/source/{slug}")
    def source_page(
        request: Request, slug: Annotated[str, Path(max_length=80)], cursor: Cursor = None
    ) -> Response:
        def render() -> Rendered:
            try:
                source = store.get_source(slug)
            except NotFoundError:
                raise PageNotFound(slug) from None
            health: SourceHealth | None = next(
                (h for h in store.source_health(datetime.now(UTC)) if h.source.id == source.id), None
            )
            path = f"/source/{source.slug}"
            return listing(
                "listing.html",
                ArticleFilter(source_id=source.id),
                cursor,
                path,
                heading=source.name,
                kind="source",
                source=source,
                health=health,
                copied_from=store.copied_from(int(source.id or 0)),
                canonical=path,
                rss=f"{path}/feed.xml",
                atom=f"{path}/atom.xml",
                query="",
            )

        return respond(request, render)

    def article_page(request: Request, article_id: int) -> Response:
        def render() -> Rendered:
            try:
                article = store.get_article(article_id)
            except NotFoundError:
                raise PageNotFound(str(article_id)) from None
            source = portal.sources_by_id().get(article.source_id)
            if source is None:
                raise PageNotFound(str(article_id))
            slides = _gallery(article)
            related = related_for(article)
            story = store.get_story(article.story_id) if article.story_id else None
            original = None
            if article.duplicate_of:
                found = store.get_articles([article.duplicate_of])
                original = found[0] if found else None
            return portal.render(
                "article.html",
                article=article,
                source=source,
                cat=category(article.category),
                slides=slides,
                related=related,
                story=story,
                original=original,
                json_ld=_article_json_ld(portal, article, source, slides),
                canonical=article_path(article),
                rss=f"/category/{category(article.category).slug}/feed.xml",
                atom=f"/category/{category(article.category).slug}/atom.xml",
            )

        return respond(request, render)

    @router.get("/article/{article_id}")
    def article_short(request: Request, article_id: ArticleId) -> Response:
        return article_page(request, article_id)

    @router.get("/article/{article_id}/{slug}")
    def article_full(
        request: Request, article_id: ArticleId, slug: Annotated[str, Path(max_length=400)]
    ) -> Response:
        return article_page(request, article_id)

    return router
