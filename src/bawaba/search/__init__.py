"""Search over the store: ``search_articles`` for the CLI, the API and the portal; ``related``.

This is a face like ``web/``: it takes an open store and reads through its full-text index
(``bawaba.store.fulltext``); parsing (``search.query``) and snippets (``search.snippet``) are
pure and usable on their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bawaba.errors import StoreError
from bawaba.models import Article
from bawaba.search.query import ParsedQuery, Term, parse_query
from bawaba.search.snippet import highlight, snippet
from bawaba.store import fulltext
from bawaba.store.base import ArticleFilter, Store
from bawaba.text.analyzer import default_analyzer

__all__ = [
    "ParsedQuery",
    "SearchHit",
    "SearchResults",
    "highlight",
    "parse_query",
    "related",
    "search_articles",
    "snippet",
]

MAX_LIMIT = 100
#: title terms plus this many distinct lead terms make the related-articles query
RELATED_LEAD_TERMS = 6
RELATED_LEAD_WORDS = 60


class SearchableStore(Store, Protocol):
    """A store with a SQLAlchemy engine (``SqlStore``)."""

    engine: Engine


@dataclass(frozen=True, slots=True)
class SearchHit:
    article: Article
    score: float
    #: safe HTML: escaped text with ``<mark>`` around matched words
    snippet: str
    title_html: str


@dataclass(frozen=True, slots=True)
class SearchResults:
    query: ParsedQuery
    total: int
    hits: tuple[SearchHit, ...]
    offset: int = 0
    limit: int = 20
    #: False when ``total`` stopped at ``fulltext.TOTAL_CAP`` (show "1000+")
    exact_total: bool = True

    @property
    def next_offset(self) -> int | None:
        end = self.offset + len(self.hits)
        return end if end < self.total or (not self.exact_total and len(self.hits) == self.limit) else None

    @property
    def total_label(self) -> str:
        """The count as a reader sees it: exact, or "1000+" when counting stopped."""
        return f"{self.total}" if self.exact_total else f"{self.total}+"


def search_articles(
    store: SearchableStore,
    query: str | ParsedQuery,
    *,
    limit: int = 20,
    offset: int = 0,
    sort: fulltext.Sort = "relevance",
    now: datetime | None = None,
) -> SearchResults:
    """One page of results for what a reader typed; malformed input never raises."""
    parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    if sort not in ("relevance", "date"):
        sort = "relevance"
    try:
        with store.engine.connect() as conn:
            found = fulltext.search(conn, parsed, limit=limit, offset=offset, sort=sort, now=now)
    except SQLAlchemyError as exc:
        raise StoreError(f"search failed: {exc.__class__.__name__}") from exc
    hits = found.hits
    by_id = {a.id: a for a in store.get_articles([h.article_id for h in hits])}
    terms = parsed.highlight_terms
    out = tuple(
        SearchHit(
            article=by_id[h.article_id],
            score=h.score,
            snippet=snippet(by_id[h.article_id].text, terms),
            title_html=highlight(by_id[h.article_id].title, terms),
        )
        for h in hits
        if h.article_id in by_id
    )
    return SearchResults(
        query=parsed, total=found.total, hits=out, offset=offset, limit=limit, exact_total=found.exact
    )


def _related_query(article: Article) -> ParsedQuery:
    analyzer = default_analyzer()
    terms = list(dict.fromkeys(analyzer.analyze(article.title)))
    lead = " ".join(article.text.split()[:RELATED_LEAD_WORDS])
    extra = [t for t in dict.fromkeys(analyzer.analyze(lead)) if t not in terms and not t.isdigit()]
    terms += extra[:RELATED_LEAD_TERMS]
    if not terms:
        return ParsedQuery()
    return ParsedQuery(text=article.title, groups=(tuple(Term((t,)) for t in terms),))


def _is_copy(candidate: Article, article: Article) -> bool:
    """The article itself or a copy: same URL, same content, or a duplicate either way."""
    if candidate.id == article.id or candidate.canonical_url == article.canonical_url:
        return True
    if article.content_hash and candidate.content_hash == article.content_hash:
        return True
    if candidate.duplicate_of is not None and candidate.duplicate_of in (article.id, article.duplicate_of):
        return True
    return article.duplicate_of is not None and candidate.id == article.duplicate_of


def related(
    store: SearchableStore, article: Article, n: int = 6, *, now: datetime | None = None
) -> list[Article]:
    """Up to ``n`` articles close in content, preferring the same story, category and recent ones.

    The other articles of the article's story come first (they are what a reader of one version
    wants next), then one OR query of the title terms and the lead's first distinct terms ranks
    by BM25 with the recency prior; the same story weighs x1.5 and the same category x1.2 on
    top, and articles of the same category come before the others.
    """
    query = _related_query(article)
    if n <= 0 or not (query.has_terms or article.story_id is not None):
        return []
    exclude = tuple(i for i in (article.id, article.duplicate_of) if i is not None)
    hits: list[fulltext.Hit] = []
    if query.has_terms:
        try:
            with store.engine.connect() as conn:
                hits = fulltext.search(
                    conn, query, limit=3 * n + 4, now=now, exclude_ids=exclude, count=False
                ).hits
        except SQLAlchemyError as exc:
            raise StoreError(f"related search failed: {exc.__class__.__name__}") from exc
    candidates = store.get_articles([h.article_id for h in hits])
    found = {a.id for a in candidates}
    if article.story_id is not None:
        mates = store.list_articles(
            ArticleFilter(story_id=article.story_id, originals_only=True), limit=n + 4
        )
        candidates += [a for a in mates.items if a.id not in found]
    scores = {h.article_id: h.score for h in hits}

    def same_story(a: Article) -> bool:
        return article.story_id is not None and a.story_id == article.story_id

    def weight(a: Article) -> float:
        bonus = 1.5 if same_story(a) else 1.0
        if article.category and a.category == article.category:
            bonus *= 1.2
        return scores.get(a.id or 0, 0.0) * bonus

    def key(a: Article) -> tuple[int, float, int]:
        # the story first, then the category, then closeness: a reader on a sports page wants sport
        rank = 0 if same_story(a) else 1 if article.category and a.category == article.category else 2
        return (rank, -weight(a), -(a.id or 0))

    picked = sorted((a for a in candidates if not _is_copy(a, article)), key=key)
    return picked[:n]
