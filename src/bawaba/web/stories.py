"""Story faces: the full-coverage page ``/story/<id>`` and ``/api/v1/stories``.

A story page lists every version by source, originals first, with a timeline that marks
republications and links each copy to its original; it is a few queries whatever the size
(story row, article ids, one batch of articles).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from bawaba.models import Article, Source, Story
from bawaba.web.api import ArticleOut, article_out
from bawaba.web.cache import Rendered, cached_response
from bawaba.web.context import Portal

#: most versions shown on one story page / returned by the API
MAX_VERSIONS = 300
#: seconds browsers may reuse a story page (the page cache revalidates on every change)
PAGE_MAX_AGE = 60
StoryId = Annotated[int, Path(ge=1, le=2**62)]


class StoryOut(BaseModel):
    id: int
    title: str
    first_seen: datetime
    last_seen: datetime
    source_count: int
    article_count: int
    representative_id: int | None
    category: str | None


class StoryDetail(StoryOut):
    articles: list[ArticleOut]


def story_out(story: Story) -> StoryOut:
    return StoryOut(id=story.id, title=story.title, first_seen=story.first_seen, last_seen=story.last_seen,
                    source_count=story.source_count, article_count=story.article_count,
                    representative_id=story.representative_id, category=story.category)


def top_stories(portal: Portal, now: datetime, limit: int, hours: int = 72) -> list[Story]:
    """Recent stories covered by several sources, most sources first (the home page's lead)."""
    recent = portal.store.list_stories(since=now - timedelta(hours=hours), limit=limit * 5, min_sources=2)
    return sorted(recent, key=lambda s: (-s.source_count, -s.last_seen.timestamp(), -s.id))[:limit]


def story_versions(portal: Portal, story_id: int) -> tuple[Story, list[Article]]:
    """The story and its articles, originals first, each group oldest first (``NotFoundError``
    becomes the 404 page or the API's 404)."""
    story = portal.store.get_story(story_id)
    ids = list(portal.store.iter_story_articles(story_id))[:MAX_VERSIONS]
    versions = portal.store.get_articles(ids)
    versions.sort(key=lambda a: (a.duplicate_of is not None, a.published_at or a.first_seen, a.id or 0))
    return story, versions


def _by_source(versions: list[Article], sources: dict[int, Source]) -> list[tuple[Source | None, list[Article]]]:
    groups: dict[int, list[Article]] = {}
    for a in versions:
        groups.setdefault(a.source_id, []).append(a)
    return [(sources.get(sid), arts) for sid, arts in groups.items()]


def build_router(portal: Portal) -> APIRouter:
    router = APIRouter()

    @router.get("/story/{story_id}", include_in_schema=False)
    def story_page(request: Request, story_id: StoryId) -> Response:
        def render() -> Rendered:
            story, versions = story_versions(portal, story_id)
            sources = portal.sources_by_id()
            by_id = {int(a.id or 0): a for a in versions}
            timeline = sorted(versions, key=lambda a: (a.published_at or a.first_seen, a.id or 0))
            return portal.render(
                "story.html",
                story=story,
                groups=_by_source(versions, sources),
                timeline=timeline,
                by_id=by_id,
                sources=sources,
                canonical=f"/story/{story.id}",
                rss="/feed.xml",
                atom="/atom.xml",
            )

        return cached_response(request, portal.cache, portal.change_token(), render, PAGE_MAX_AGE)

    @router.get("/api/v1/stories", response_model=list[StoryOut], tags=["v1"],
                summary="Stories, most recently active first")
    def list_stories(
        since: Annotated[datetime | None, Query(description="ISO datetime; UTC when naive")] = None,
        min_sources: Annotated[int, Query(ge=1, le=1000)] = 1,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> list[StoryOut]:
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return [story_out(s) for s in portal.store.list_stories(since=since, limit=limit, min_sources=min_sources)]

    @router.get("/api/v1/stories/{story_id}", response_model=StoryDetail, tags=["v1"],
                summary="One story with every version, originals first")
    def get_story(story_id: StoryId) -> StoryDetail:
        story, versions = story_versions(portal, story_id)
        portal.change_token()
        sources = portal.sources_by_id()
        base: dict[str, Any] = story_out(story).model_dump()
        return StoryDetail(**base, articles=[article_out(a, sources) for a in versions])

    return router
