""" "You may also read": the one place that picks related articles, so search can replace it."""

from __future__ import annotations

from bawaba.models import Article
from bawaba.store.base import ArticleFilter, Store


def _is_same_story_copy(candidate: Article, article: Article) -> bool:
    """The article itself, another copy of its URL, or a recorded duplicate in either direction."""
    if candidate.id == article.id or candidate.canonical_url == article.canonical_url:
        return True
    if candidate.duplicate_of is not None and candidate.duplicate_of in (article.id, article.duplicate_of):
        return True
    return article.duplicate_of is not None and candidate.id == article.duplicate_of


def related_articles(store: Store, article: Article, n: int) -> list[Article]:
    """The ``n`` newest originals of the article's category, topped up from the whole site.

    At most two listing queries: one in the category, one site-wide only when the category is
    too small.
    """
    picked: list[Article] = []
    seen: set[int] = set()
    filters = [ArticleFilter(category=article.category, originals_only=True)] if article.category else []
    filters.append(ArticleFilter(originals_only=True))
    for flt in filters:
        page = store.list_articles(flt, limit=n + 4)
        for candidate in page.items:
            if candidate.id in seen or _is_same_story_copy(candidate, article):
                continue
            seen.add(candidate.id or 0)
            picked.append(candidate)
            if len(picked) == n:
                return picked
    return picked
