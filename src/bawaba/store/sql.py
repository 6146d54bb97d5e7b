"""``SqlStore``: the ``Store`` contract on SQLAlchemy Core, for SQLite and PostgreSQL alike.

Every write runs in one transaction that also bumps the ``content`` counter (the change token),
so readers and caches see an article and its token change together or not at all. On SQLite
writes are serialised in-process by a lock (and across processes by ``BEGIN IMMEDIATE`` plus the
busy timeout); PostgreSQL writers run concurrently and rely on ``ON CONFLICT`` for uniqueness.

Counting queries: ``store.engine`` is the SQLAlchemy ``Engine``; attach a listener with
``sqlalchemy.event.listen(store.engine, "before_cursor_execute", fn)`` to see every statement.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    bindparam,
    case,
    func,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from bawaba.errors import NotFoundError, StoreError
from bawaba.models import Article, Page, Story, utcnow
from bawaba.store import fulltext
from bawaba.store import migrate as migrations
from bawaba.store.base import ArticleFilter, UpsertResult
from bawaba.store.engine import WRITE_OPTION
from bawaba.store.provenance import ProvenanceQueries, republication_column, republication_rows
from bawaba.store.rows import (
    article_from_row,
    decode_cursor,
    encode_cursor,
    images_to_json,
    story_from_row,
)
from bawaba.store.schema import articles, counters, feeds, fetch_log, sources, stories
from bawaba.store.sources import DAY, SourceQueries

ARTICLE_DERIVED_FIELDS = frozenset({"category", "category_confidence", "region", "story_id", "duplicate_of"})
#: Most bound parameters per IN list (SQLite's historic limit is 999).
IN_CHUNK = 500
CONTENT_COUNTER = "content"
#: Built once: every portal-visible write runs it.
BUMP_CONTENT = update(counters).where(counters.c.name == CONTENT_COUNTER).values(value=counters.c.value + 1)
#: Built once: every portal request reads it (constructing it costs more than running it).
READ_CONTENT = select(counters.c.value).where(counters.c.name == CONTENT_COUNTER)
GET_ARTICLE = select(articles).where(articles.c.id == bindparam("article_id"))


def _distinct_categories() -> Any:
    """The categories present, as a recursive skip scan: one index seek per category instead of
    a DISTINCT over every row (SQLite has no skip scan of its own; PostgreSQL neither)."""
    cat = articles.c.category
    first = select(func.min(cat).label("cat")).where(cat.is_not(None)).cte("cats", recursive=True)
    following = select(func.min(cat)).where(cat > first.c.cat).scalar_subquery()
    walk = first.union_all(select(following).where(first.c.cat.is_not(None)))
    return select(walk.c.cat).where(walk.c.cat.is_not(None)).order_by(walk.c.cat)


DISTINCT_CATEGORIES = _distinct_categories()


@contextmanager
def _translated() -> Iterator[None]:
    """Turn SQLAlchemy/driver errors into a one-line ``StoreError``."""
    try:
        yield
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise StoreError(f"store error ({type(exc).__name__}): {detail[0] if detail else exc!r}") from exc


class SqlStore(SourceQueries, ProvenanceQueries):
    """The SQL implementation of ``bawaba.store.base.Store``.

    Subclasses may override :meth:`_index_article` to keep a derived index (full-text search)
    in the same transaction as the article row.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write_lock: threading.Lock | None = (
            threading.Lock() if engine.dialect.name == "sqlite" else None
        )
        self._article_upsert = self._build_article_upsert()
        # fixed statements hit SQLAlchemy's compiled cache instead of being rebuilt per call
        urls: Any = bindparam("urls", expanding=True)
        self._known_urls_query = select(articles.c.url, articles.c.canonical_url).where(
            or_(articles.c.url.in_(urls), articles.c.canonical_url.in_(urls))
        )

    # -- plumbing --------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction: committed on success, rolled back on any exception."""
        lock: AbstractContextManager[Any] = self._write_lock or nullcontext()
        with lock, _translated(), self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with _translated(), self.engine.connect() as conn:
            yield conn

    def _insert(self, table: Any) -> sqlite.Insert | postgresql.Insert:
        if self.dialect == "sqlite":
            return sqlite.insert(table)
        return postgresql.insert(table)

    def _build_article_upsert(self) -> Any:
        """The article upsert, built once per store: constructing ``excluded`` proxies costs
        more than running the statement, and a fixed statement hits the compiled cache."""
        stmt = self._insert(articles)
        ex, t = stmt.excluded, articles.c
        replaced = ("url", "title", "text", "html", "images", "section", "tags", "language")
        kept = ("author", "lead_image", "region", "story_id", "duplicate_of", "published_at", "category")
        return stmt.on_conflict_do_update(
            index_elements=[t.canonical_url],
            set_={
                **{name: ex[name] for name in (*replaced, "content_hash", "updated_at")},
                **{name: func.coalesce(ex[name], t[name]) for name in kept},
                "sort_at": func.coalesce(ex.published_at, t.published_at, t.first_seen),
                "category_confidence": case(
                    (ex.category.is_not(None), ex.category_confidence), else_=t.category_confidence
                ),
                "revision": t.revision + 1,
            },
        ).returning(t.id, t.revision)

    @staticmethod
    def _bump(conn: Connection) -> None:
        conn.execute(BUMP_CONTENT)

    def _index_article(self, conn: Connection, article_id: int, article: Article) -> None:
        """Hook run inside ``upsert_article``'s transaction after the row is written.

        Keeps the full-text index (``bawaba.store.fulltext``) in step with the articles table;
        a failure rolls the article back too.
        """
        fulltext.index_article(conn, article_id, article)

    # -- lifecycle -------------------------------------------------------------------
    def migrate(self) -> None:
        with self._write() as conn:
            migrations.upgrade(conn)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at (``None`` before the first migration)."""
        with self._read() as conn:
            return migrations.current_revision(conn)

    # -- articles --------------------------------------------------------------------
    def known_urls(self, urls: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(urls))
        found: set[str] = set()
        with self._read() as conn:
            for start in range(0, len(wanted), IN_CHUNK):
                chunk = wanted[start : start + IN_CHUNK]
                for url, canonical in conn.execute(self._known_urls_query, {"urls": chunk}):
                    found.add(url)
                    found.add(canonical)
        return found.intersection(wanted)

    def upsert_article(self, article: Article) -> UpsertResult:
        """One transaction: ``INSERT ... ON CONFLICT (canonical_url) DO UPDATE ... RETURNING``.

        On update, ``id``, ``first_seen`` and ``source_id`` stay; content fields are replaced;
        optional metadata (author, published_at, lead image) and derived fields (category,
        region, story, duplicate_of) keep their stored value when the new article leaves them
        empty, so re-crawling never erases a classification. ``revision`` (1 on insert, then
        +1) tells created from updated, also under concurrent writers.
        """
        values = {
            "url": article.url,
            "canonical_url": article.canonical_url,
            "source_id": article.source_id,
            "title": article.title,
            "text": article.text,
            "html": article.html,
            "author": article.author,
            "published_at": article.published_at,
            "first_seen": article.first_seen,
            "sort_at": article.published_at or article.first_seen,
            "lead_image": article.lead_image,
            "images": images_to_json(article.images),
            "section": article.section,
            "tags": list(article.tags),
            "language": article.language,
            "content_hash": article.content_hash,
            "category": article.category,
            "category_confidence": article.category_confidence,
            "region": article.region,
            "story_id": article.story_id,
            "duplicate_of": article.duplicate_of,
            "revision": 1,
            "updated_at": utcnow(),
        }
        with self._write() as conn:
            article_id, revision = conn.execute(self._article_upsert, values).one()
            self._index_article(conn, int(article_id), article)
            self._bump(conn)
        return UpsertResult(id=int(article_id), created=revision == 1)

    def get_article(self, article_id: int) -> Article:
        with self._read() as conn:
            row = conn.execute(GET_ARTICLE, {"article_id": article_id}).mappings().first()
        if row is None:
            raise NotFoundError(f"no article {article_id}")
        return article_from_row(row)

    def get_articles(self, ids: Sequence[int]) -> list[Article]:
        if not ids:
            return []
        with self._read() as conn:
            rows = conn.execute(select(articles).where(articles.c.id.in_(set(ids)))).mappings().all()
        by_id = {int(r["id"]): article_from_row(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    @staticmethod
    def _conditions(flt: ArticleFilter | None) -> list[ColumnElement[bool]]:
        """Filter as SQL. ``since`` is inclusive, ``until`` exclusive, both on the sort time."""
        if flt is None:
            return []
        conds: list[ColumnElement[bool]] = []
        if flt.category is not None:
            conds.append(articles.c.category == flt.category)
        if flt.region is not None:
            conds.append(articles.c.region == flt.region)
        if flt.source_id is not None:
            conds.append(articles.c.source_id == flt.source_id)
        if flt.story_id is not None:
            conds.append(articles.c.story_id == flt.story_id)
        if flt.since is not None:
            conds.append(articles.c.sort_at >= flt.since)
        if flt.until is not None:
            conds.append(articles.c.sort_at < flt.until)
        if flt.q:
            conds.append(
                or_(
                    articles.c.title.icontains(flt.q, autoescape=True),
                    articles.c.text.icontains(flt.q, autoescape=True),
                )
            )
        if flt.originals_only:
            conds.append(articles.c.duplicate_of.is_(None))
        return conds

    def list_articles(
        self,
        flt: ArticleFilter | None = None,
        limit: int = 20,
        cursor: str | None = None,
        *,
        with_total: bool = False,
    ) -> Page[Article]:
        """Newest first by (sort time, id); ``next_cursor`` is None on the last page.

        ``with_total=True`` adds a count of all matching articles (one more query).
        """
        if limit < 1:
            raise StoreError(f"list_articles: limit must be positive, got {limit}")
        conds = self._conditions(flt)
        if cursor is not None:
            when, last_id = decode_cursor(cursor)
            # a row-value comparison is one index range on both engines (an OR is not on PG)
            conds.append(tuple_(articles.c.sort_at, articles.c.id) < (when, last_id))
        stmt = (
            select(articles)
            .where(*conds)
            .order_by(articles.c.sort_at.desc(), articles.c.id.desc())
            .limit(limit + 1)
        )
        total = self.count_articles(flt) if with_total else None
        with self._read() as conn:
            rows = conn.execute(stmt).mappings().all()
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1]["sort_at"], int(rows[-1]["id"])) if more else None
        return Page(items=tuple(article_from_row(r) for r in rows), next_cursor=next_cursor, total=total)

    def latest_by_category(
        self, per_category: int, *, originals_only: bool = True
    ) -> dict[str, list[Article]]:
        """Two queries: the categories present (a skip scan of the category index), then one
        ``UNION ALL`` of per-category top-N index scans. Duplicates are left out unless
        ``originals_only=False``; a category holding only duplicates is then absent."""
        if per_category < 1:
            return {}
        base = [articles.c.duplicate_of.is_(None)] if originals_only else []
        with self._read() as conn:
            cats = [str(c) for (c,) in conn.execute(DISTINCT_CATEGORIES)]
            if not cats:
                return {}
            parts = [
                select(articles)
                .where(articles.c.category == c, *base)
                .order_by(articles.c.sort_at.desc(), articles.c.id.desc())
                .limit(per_category)
                .subquery()
                .select()
                for c in cats
            ]
            rows = conn.execute(union_all(*parts)).mappings().all()
        result: dict[str, list[Article]] = {}
        for row in sorted(rows, key=lambda r: (r["sort_at"], r["id"]), reverse=True):
            result.setdefault(row["category"], []).append(article_from_row(row))
        return {c: result[c] for c in cats if c in result}

    def iter_articles(self, flt: ArticleFilter | None = None, batch: int = 500) -> Iterator[Article]:
        """Oldest first by id; each batch is its own short query, so no cursor or lock is held
        while the caller works on the articles."""
        if batch < 1:
            raise StoreError(f"iter_articles: batch must be positive, got {batch}")
        conds = self._conditions(flt)
        last_id = 0
        while True:
            stmt = (
                select(articles).where(*conds, articles.c.id > last_id).order_by(articles.c.id).limit(batch)
            )
            with self._read() as conn:
                rows = conn.execute(stmt).mappings().all()
            for row in rows:
                yield article_from_row(row)
            if len(rows) < batch:
                return
            last_id = int(rows[-1]["id"])

    def count_articles(self, flt: ArticleFilter | None = None) -> int:
        with self._read() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(articles).where(*self._conditions(flt))
                ).scalar_one()
            )

    def update_article_fields(self, article_id: int, **changes: Any) -> None:
        unknown = set(changes) - ARTICLE_DERIVED_FIELDS
        if unknown:
            raise StoreError(f"update_article_fields: unknown field(s) {', '.join(sorted(unknown))}")
        if changes.get("duplicate_of") is not None and changes["duplicate_of"] == article_id:
            raise StoreError(f"article {article_id} cannot be a duplicate of itself")
        values = {**changes, "revision": articles.c.revision + 1, "updated_at": utcnow()}
        with self._write() as conn:
            result = conn.execute(update(articles).where(articles.c.id == article_id).values(**values))
            if result.rowcount == 0:
                raise NotFoundError(f"no article {article_id}")
            self._bump(conn)

    def category_counts(self) -> dict[str, int]:
        stmt = (
            select(articles.c.category, func.count())
            .where(articles.c.category.is_not(None))
            .group_by(articles.c.category)
        )
        with self._read() as conn:
            return {str(c): int(n) for c, n in conn.execute(stmt)}

    def article_stamps(self, after_id: int, limit: int) -> list[tuple[int, str, datetime]]:
        """Light ``(id, title, sort time)`` rows after ``after_id``, ascending id (sitemaps)."""
        stmt = (
            select(articles.c.id, articles.c.title, articles.c.sort_at)
            .where(articles.c.id > after_id)
            .order_by(articles.c.id)
            .limit(max(limit, 0))
        )
        with self._read() as conn:
            return [(int(i), str(title), when) for i, title, when in conn.execute(stmt)]

    def max_article_id(self) -> int:
        with self._read() as conn:
            return int(conn.execute(select(func.coalesce(func.max(articles.c.id), 0))).scalar_one())

    def change_token(self) -> str:
        """The ``content`` counter: bumped in the same transaction as every article, source or
        story write, so it is exact under concurrent writers (one primary-key read)."""
        with self._read() as conn:
            value = conn.execute(READ_CONTENT).scalar_one()
        return f"v{value}"

    # -- stories ---------------------------------------------------------------------
    def save_story(self, story: Story) -> Story:
        """``id`` 0 inserts and returns the story with its new id; another id must exist."""
        values = {
            "title": story.title,
            "first_seen": story.first_seen,
            "last_seen": story.last_seen,
            "source_count": story.source_count,
            "article_count": story.article_count,
            "representative_id": story.representative_id,
            "category": story.category,
        }
        with self._write() as conn:
            if story.id == 0:
                new_id = conn.execute(stories.insert().values(**values).returning(stories.c.id)).scalar_one()
                story = replace(story, id=int(new_id))
            elif conn.execute(update(stories).where(stories.c.id == story.id).values(**values)).rowcount == 0:
                raise NotFoundError(f"no story {story.id}")
            self._bump(conn)
        return story

    def get_story(self, story_id: int) -> Story:
        with self._read() as conn:
            row = conn.execute(select(stories).where(stories.c.id == story_id)).mappings().first()
        if row is None:
            raise NotFoundError(f"no story {story_id}")
        return story_from_row(row)

    def list_stories(
        self, since: datetime | None = None, limit: int = 20, min_sources: int = 1
    ) -> list[Story]:
        """Most recently active first (``last_seen``, then id); ``since`` bounds ``last_seen``."""
        stmt = select(stories).where(stories.c.source_count >= min_sources)
        if since is not None:
            stmt = stmt.where(stories.c.last_seen >= since)
        stmt = stmt.order_by(stories.c.last_seen.desc(), stories.c.id.desc()).limit(limit)
        with self._read() as conn:
            rows = conn.execute(stmt).mappings().all()
        return [story_from_row(r) for r in rows]

    # -- stats -----------------------------------------------------------------------
    def stats(self, now: datetime) -> Mapping[str, Any]:
        """One round trip of scalar subqueries. Adds ``stories``, ``duplicates``,
        ``enabled_feeds``, ``due_feeds``, ``last_fetch_at`` and ``republication`` (per source: copy
        share and the source it copies most) to the required figures."""
        day_ago = now - DAY

        def count(table: Any, *where: ColumnElement[bool]) -> Any:
            return select(func.count()).select_from(table).where(*where).scalar_subquery()

        stmt = select(
            count(articles).label("articles"),
            count(articles, articles.c.first_seen >= day_ago).label("articles_24h"),
            count(articles, articles.c.duplicate_of.is_not(None)).label("duplicates"),
            count(sources).label("sources"),
            count(feeds).label("feeds"),
            count(feeds, feeds.c.enabled).label("enabled_feeds"),
            count(
                feeds, feeds.c.enabled, or_(feeds.c.next_poll_at.is_(None), feeds.c.next_poll_at <= now)
            ).label("due_feeds"),
            count(fetch_log, fetch_log.c.fetched_at >= day_ago).label("fetches_24h"),
            count(fetch_log, fetch_log.c.fetched_at >= day_ago, fetch_log.c.error.is_not(None)).label(
                "fetch_errors_24h"
            ),
            count(stories).label("stories"),
            select(func.max(fetch_log.c.fetched_at)).scalar_subquery().label("last_fetch_at"),
            republication_column(self.dialect).label("republication"),
        )
        with self._read() as conn:
            row = conn.execute(stmt).mappings().one()
        out: dict[str, Any] = {k: (v if k == "last_fetch_at" else int(v)) for k, v in row.items()
                               if k != "republication"}
        out["republication"] = republication_rows(row["republication"])
        return out
