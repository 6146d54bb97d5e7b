"""The search faces: the ``/search`` page and ``/api/v1/search``, both over ``bawaba.search``.

The query language (``"phrases"``, ``-exclusion``, ``OR``, ``source:``, ``category:``,
``after:``, ``before:``) is parsed by ``bawaba.search.query``; this module only validates the
HTTP parameters (422 beyond them), pages through the results and shapes them. Snippets and
titles come back as already-escaped HTML with ``<mark>`` around the matched words.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Literal, cast

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from pydantic import BaseModel
from sqlalchemy import Engine

from bawaba.errors import StoreError
from bawaba.search import SearchableStore, SearchResults, parse_query, search_articles
from bawaba.store.fulltext import TOTAL_CAP
from bawaba.taxonomy import category, slugs
from bawaba.web.api import ERRORS
from bawaba.web.cache import Rendered, cached_response
from bawaba.web.context import Portal, with_query

#: longer queries are refused (422): nobody types more, and every word costs a posting list
MAX_QUERY_CHARS = 500
MAX_LIMIT = 100
#: pages beyond the counted matches have nothing to show
MAX_PAGE = TOTAL_CAP // 10
PAGE_MAX_AGE = 60

SortParam = Literal["relevance", "date"]
QueryParam = Annotated[
    str,
    Query(
        max_length=MAX_QUERY_CHARS,
        description='words, "phrases", -word, OR, source:, category:, after:, before:',
    ),
]
CategoryParam = Annotated[str | None, Query(max_length=40, description="category slug (narrows the query)")]


class SearchResultOut(BaseModel):
    id: int
    url: str
    title: str
    source: str | None
    published_at: datetime | None
    score: float
    #: escaped text with ``<mark>`` around matched words
    snippet: str


class SearchPageOut(BaseModel):
    total: int
    results: list[SearchResultOut]
    #: the next page of the same search, or null on the last page
    next: str | None


def _run(portal: Portal, q: str, cat: str | None, sort: SortParam, limit: int, offset: int) -> SearchResults:
    """The search itself; ``cat`` (a form/API parameter) replaces any ``category:`` in the text."""
    store = portal.store
    if not isinstance(getattr(store, "engine", None), Engine):
        raise StoreError("search needs a SQL store")
    parsed = parse_query(q)
    if cat:
        parsed = replace(parsed, categories=(cat,))
    return search_articles(cast(SearchableStore, store), parsed, limit=limit, offset=offset, sort=sort)


def build_router(portal: Portal) -> APIRouter:
    router = APIRouter()
    size = portal.settings.page_size

    @router.get("/search", include_in_schema=False)
    def search_page(
        request: Request,
        q: QueryParam = "",
        category_slug: Annotated[CategoryParam, Query(alias="category")] = None,
        sort: SortParam = "relevance",
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    ) -> Response:
        query = " ".join(q.split())
        cat = category_slug if category_slug in slugs() else None

        def render() -> Rendered:
            results = _run(portal, query, cat, sort, size, (page - 1) * size) if query or cat else None
            hits = [
                {
                    "article": h.article,
                    "title_html": Markup(h.title_html),  # escaped by bawaba.search.snippet
                    "snippet_html": Markup(h.snippet),
                }
                for h in (results.hits if results else ())
            ]

            def page_link(n: int) -> str:
                return with_query(
                    "/search",
                    q=query,
                    category=cat,
                    sort=None if sort == "relevance" else sort,
                    page=None if n == 1 else str(n),
                )

            next_page = results is not None and results.next_offset is not None and page < MAX_PAGE
            return portal.render(
                "search.html",
                heading=f"نتائج البحث عن «{query}»" if query else "البحث",
                query=query,
                category_slug=cat,
                category_label=category(cat).label if cat else None,
                sort=sort,
                results=results,
                hits=hits,
                sources=portal.sources_by_id() if hits else {},
                page=page,
                prev_link=page_link(page - 1) if page > 1 else None,
                next_link=page_link(page + 1) if next_page else None,
                canonical=page_link(page) if query else "/search",
                rss="/feed.xml",
                atom="/atom.xml",
            )

        return cached_response(request, portal.cache, portal.change_token(), render, PAGE_MAX_AGE)

    @router.get(
        "/api/v1/search",
        response_model=SearchPageOut,
        tags=["v1"],
        responses=ERRORS,
        summary="Search articles (Arabic-aware; the portal's query language)",
    )
    def search_api(
        q: QueryParam = "",
        category_slug: Annotated[CategoryParam, Query(alias="category")] = None,
        sort: SortParam = "relevance",
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
        offset: Annotated[int, Query(ge=0, le=TOTAL_CAP)] = 0,
    ) -> SearchPageOut:
        if category_slug is not None and category_slug not in slugs():
            raise HTTPException(422, f"unknown category {category_slug!r}")
        query = " ".join(q.split())
        if not query and not category_slug:
            return SearchPageOut(total=0, results=[], next=None)
        portal.change_token()  # so the cached sources map is checked against the current token
        results = _run(portal, query, category_slug, sort, limit, offset)
        sources = portal.sources_by_id() if results.hits else {}
        items = []
        for hit in results.hits:
            source = sources.get(hit.article.source_id)
            items.append(
                SearchResultOut(
                    id=hit.article.id or 0,
                    url=hit.article.url,
                    title=hit.article.title,
                    source=source.slug if source else None,
                    published_at=hit.article.published_at,
                    score=round(hit.score, 6),
                    snippet=hit.snippet,
                )
            )
        nxt = results.next_offset
        next_link = None
        if nxt is not None and nxt <= TOTAL_CAP:
            next_link = with_query(
                "/api/v1/search",
                q=query,
                category=category_slug,
                sort=None if sort == "relevance" else sort,
                limit=str(limit),
                offset=str(nxt),
            )
        return SearchPageOut(total=results.total, results=items, next=next_link)

    return router
