""" "You may also read": articles close in content (``bawaba.search.related``), topped up with the
newest of the same category so the article page always has a full list."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Engine

from bawaba.models import Article
from bawaba.search import SearchableStore, related
from bawaba.store.base import ArticleFilter, Store


def _is_same_story_copy(candidate: Article, article: Article) -> bool:
    """The article itself, another copy of its URL, or a recorded duplicate in either direction."""
    if candidate.id == article.id or candidate.canonical_url == article.canonical_url:
        return True
    if candidate.duplicate_of is not None and candidate.duplicate_of in (article.id, article.duplicate_of):
        return True
    return article.duplicate_of is not None and candidate.id == article.duplicate_of


def related_articles(store: Store, article: Article, n: int) -> list[Article]:
    """Up to ``n`` articles close in content; when fewer than ``n`` are found, the newest
    originals of the article's category and then of the whole site fill the list.

    One search plus at most two listing queries.
    """
    picked: list[Article] = []
    others: list[Article] = []
    if isinstance(getattr(store, "engine", None), Engine):
        for a in related(cast(SearchableStore, store), article, n):
            same = (
                article.story_id is not None and a.story_id == article.story_id
            ) or a.category == article.category
            (picked if same else others).append(a)
        if len(picked) == n:
            return picked
    seen: set[int] = {a.id or 0 for a in picked + others}
    filters = [ArticleFilter(category=article.category, originals_only=True)] if article.category else []
    filters.append(ArticleFilter(originals_only=True))
    for k, flt in enumerate(filters):
        if k == len(filters) - 1:  # content matches from other categories before any site-wide filler
            picked.extend(others[: n - len(picked)])
            if len(picked) == n:
                return picked
        page = store.list_articles(flt, limit=n + 4)
        for candidate in page.items:
            if candidate.id in seen or _is_same_story_copy(candidate, article):
                continue
            seen.add(candidate.id or 0)
            picked.append(candidate)
            if len(picked) == n:
                return picked
    return picked
