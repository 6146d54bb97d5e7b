"""The JSON API under ``/api/v1``: articles (filters + keyset cursor), sources, categories, stats.

Article fields are the export shape. Parameters are validated by FastAPI (422); every error is
``{"error": {"status", "message"}}`` (see ``app.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel

from bawaba.errors import NotFoundError
from bawaba.models import Article, Source, SourceHealth
from bawaba.store.base import ArticleFilter
from bawaba.taxonomy import categories, slugs
from bawaba.web.context import Portal

MAX_LIMIT = 100


class ImageOut(BaseModel):
    src: str
    caption: str | None = None
    width: int | None = None
    height: int | None = None


class ArticleOut(BaseModel):
    id: int
    url: str
    canonical_url: str
    source: str | None
    title: str
    text: str
    html: str
    author: str | None
    published_at: datetime | None
    first_seen: datetime
    lead_image: str | None
    images: list[ImageOut]
    section: str | None
    tags: list[str]
    language: str | None
    category: str | None
    region: str | None
    story_id: int | None
    duplicate_of: int | None


class ArticlePage(BaseModel):
    items: list[ArticleOut]
    next_cursor: str | None


class SourceOut(BaseModel):
    slug: str
    name: str
    homepage: str
    language: str
    enabled: bool
    feeds: int
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    error_streak: int
    last_error: str | None
    articles_24h: int
    articles_total: int


class CategoryOut(BaseModel):
    slug: str
    label: str
    count: int


class ErrorBody(BaseModel):
    status: int
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


#: the regions an article can have (``pipeline.region.REGIONS``; a test keeps them the same)
RegionSlug = Literal["egypt", "arab", "world"]


def article_out(article: Article, sources: dict[int, Source]) -> ArticleOut:
    source = sources.get(article.source_id)
    return ArticleOut(
        id=article.id or 0,
        url=article.url,
        canonical_url=article.canonical_url,
        source=source.slug if source else None,
        title=article.title,
        text=article.text,
        html=article.html,
        author=article.author,
        published_at=article.published_at,
        first_seen=article.first_seen,
        lead_image=article.lead_image,
        images=[
            ImageOut(src=i.src, caption=i.caption, width=i.width, height=i.height) for i in article.images
        ],
        section=article.section,
        tags=list(article.tags),
        language=article.language,
        category=article.category,
        region=article.region,
        story_id=article.story_id,
        duplicate_of=article.duplicate_of,
    )


def source_out(health: SourceHealth) -> SourceOut:
    s = health.source
    return SourceOut(
        slug=s.slug,
        name=s.name,
        homepage=s.homepage,
        language=s.language,
        enabled=s.enabled,
        feeds=health.feeds,
        last_fetch_at=health.last_fetch_at,
        last_success_at=health.last_success_at,
        error_streak=health.error_streak,
        last_error=health.last_error,
        articles_24h=health.articles_24h,
        articles_total=health.articles_total,
    )


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "Not found"},
    422: {"model": ErrorOut, "description": "Invalid parameters"},
}


def build_router(portal: Portal) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["v1"], responses=ERRORS)
    store = portal.store

    @router.get("/articles", response_model=ArticlePage, summary="List articles, newest first")
    def list_articles(
        category: Annotated[str | None, Query(max_length=40, description="category slug")] = None,
        source: Annotated[str | None, Query(max_length=100, description="source slug")] = None,
        region: Annotated[RegionSlug | None, Query(description="region")] = None,
        since: Annotated[datetime | None, Query(description="ISO datetime; UTC when naive")] = None,
        until: Annotated[datetime | None, Query(description="ISO datetime; UTC when naive")] = None,
        q: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
        cursor: Annotated[str | None, Query(max_length=200, pattern=r"^[A-Za-z0-9_.=~:-]*$")] = None,
    ) -> ArticlePage:
        if category is not None and category not in slugs():
            raise HTTPException(422, f"unknown category {category!r}")
        source_id = None
        if source is not None:
            try:
                source_id = store.get_source(source).id
            except NotFoundError:
                raise HTTPException(404, f"unknown source {source!r}") from None
        flt = ArticleFilter(
            category=category,
            region=region,
            source_id=source_id,
            since=_utc(since),
            until=_utc(until),
            q=" ".join(q.split()) or None if q else None,
        )
        portal.change_token()  # so the cached sources map is checked against the current token
        page = portal.page(flt, limit, cursor)
        sources = portal.sources_by_id()
        return ArticlePage(items=[article_out(a, sources) for a in page.items], next_cursor=page.next_cursor)

    @router.get("/articles/{article_id}", response_model=ArticleOut, summary="One article")
    def get_article(article_id: Annotated[int, Path(ge=1, le=2**62)]) -> ArticleOut:
        try:
            article = store.get_article(article_id)
            source = store.get_source(article.source_id)
        except NotFoundError:
            raise HTTPException(404, f"no article {article_id}") from None
        return article_out(article, {article.source_id: source})

    @router.get("/sources", response_model=list[SourceOut], summary="Sources with their health")
    def list_sources() -> list[SourceOut]:
        return [source_out(h) for h in store.source_health(datetime.now(UTC))]

    @router.get("/categories", response_model=list[CategoryOut], summary="Categories with article counts")
    def list_categories() -> list[CategoryOut]:
        counts = store.category_counts()
        return [CategoryOut(slug=c.slug, label=c.label, count=counts.get(c.slug, 0)) for c in categories()]

    @router.get("/stats", response_model=dict[str, Any], summary="Portal counters")
    def stats() -> dict[str, Any]:
        result: dict[str, Any] = jsonable_encoder(dict(store.stats(datetime.now(UTC))))
        return result

    return router
