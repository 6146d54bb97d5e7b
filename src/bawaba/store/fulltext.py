"""The full-text index: bawaba's analysed terms in SQLite FTS5 or a PostgreSQL ``tsvector``.

Both engines index the same analyser output (title and body as separate, weighted fields), so a
query means the same on either: SQLite ranks with FTS5's BM25 (title weight 3), PostgreSQL with
``ts_rank`` over weights A (title) and B (body) with length normalisation. The index row is
written in the article's own transaction (``SqlStore._index_article``), so search never sees an
article the store does not have, nor misses one it has.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Text,
    and_,
    cast,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
)

from bawaba.models import Article
from bawaba.search.query import MIN_STRICT_HITS, ParsedQuery, fts5_match, pg_tsquery
from bawaba.store.schema import articles, sources
from bawaba.text.analyzer import Analyzer, default_analyzer

SQLITE_TABLE = "article_fts"
#: covering index of the columns search checks per FTS5 candidate (migration 0004)
SQLITE_META_INDEX = "ix_articles_search_meta"
PG_TABLE = "article_search"
#: BM25 weight of the title over the body; 3, 6, 10, 20 measured in bench/search_quality.py
TITLE_WEIGHT = 10.0
#: the body is indexed up to this many characters: enough for every real article
MAX_BODY_CHARS = 200_000
#: recency prior: up to +RECENCY_BOOST of the text score for a brand-new article, halving every
#: RECENCY_HALF_LIFE_DAYS; mild so that relevance still decides
RECENCY_BOOST = 0.15
RECENCY_HALF_LIFE_DAYS = 30.0

#: totals are counted up to this many matches ("1000+" beyond): exact counts cost O(matches)
TOTAL_CAP = 1000
#: FTS5 candidate pool per relevance query, grown x4 up to POOL_MAX when filters reject many
POOL_MIN = 50
POOL_MAX = 4000

Sort = Literal["relevance", "date"]

_fts = table(SQLITE_TABLE, column("rowid"), column("title"), column("body"))
_pg = table(PG_TABLE, column("article_id"), column("tsv"))


@dataclass(frozen=True, slots=True)
class Hit:
    article_id: int
    score: float


@dataclass(frozen=True, slots=True)
class Hits:
    """One page of hits; ``total`` counts matches up to ``TOTAL_CAP`` (``exact`` False beyond)."""

    hits: list[Hit]
    total: int
    exact: bool = True


# -- schema ------------------------------------------------------------------------------------


def create_statements(dialect: str) -> list[str]:
    """DDL creating the index for ``dialect`` (used by migration 0002)."""
    if dialect == "sqlite":
        return [
            f"CREATE VIRTUAL TABLE {SQLITE_TABLE} USING fts5(title, body, tokenize='ascii')",
            *rank_statements(dialect, TITLE_WEIGHT),
        ]
    return [
        f"CREATE TABLE {PG_TABLE} (article_id BIGINT PRIMARY KEY "
        f"REFERENCES articles(id) ON DELETE CASCADE, tsv tsvector NOT NULL)",
        f"CREATE INDEX ix_{PG_TABLE}_tsv ON {PG_TABLE} USING GIN (tsv)",
    ]


def rank_statements(dialect: str, title_weight: float) -> list[str]:
    """Make FTS5's ``rank`` BM25 with this title weight (PostgreSQL weighs in each query)."""
    if dialect != "sqlite":
        return []
    return [f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rank) VALUES('rank', 'bm25({title_weight}, 1.0)')"]


def meta_index_statements(dialect: str) -> list[str]:
    """The narrow index that answers search's per-candidate checks without reading article rows."""
    if dialect != "sqlite":
        return []
    return [
        f"CREATE INDEX IF NOT EXISTS {SQLITE_META_INDEX} "
        "ON articles (id, duplicate_of, sort_at, category, source_id)"
    ]


def drop_statements(dialect: str) -> list[str]:
    return [f"DROP TABLE IF EXISTS {SQLITE_TABLE if dialect == 'sqlite' else PG_TABLE}"]


# -- writing -----------------------------------------------------------------------------------


def analysed_fields(title: str, body: str, analyzer: Analyzer | None = None) -> tuple[str, str]:
    """The title and body as space-joined index terms."""
    analyzer = analyzer or default_analyzer()
    return " ".join(analyzer.analyze(title)), " ".join(analyzer.analyze(body[:MAX_BODY_CHARS]))


def index_article(
    conn: Connection, article_id: int, article: Article, analyzer: Analyzer | None = None
) -> None:
    """Write (or replace) the article's index row on ``conn``, inside the caller's transaction."""
    title, body = analysed_fields(article.title, article.text, analyzer)
    _write_row(conn, article_id, title, body)


def _write_row(conn: Connection, article_id: int, title: str, body: str) -> None:
    params = {"id": article_id, "title": title, "body": body}
    if conn.dialect.name == "sqlite":
        conn.execute(text(f"DELETE FROM {SQLITE_TABLE} WHERE rowid = :id"), {"id": article_id})
        conn.execute(
            text(f"INSERT INTO {SQLITE_TABLE}(rowid, title, body) VALUES (:id, :title, :body)"), params
        )
    else:
        conn.execute(
            text(
                f"INSERT INTO {PG_TABLE}(article_id, tsv) VALUES (:id, "
                "setweight(to_tsvector('simple', :title), 'A') || setweight(to_tsvector('simple', :body), 'B')) "
                "ON CONFLICT (article_id) DO UPDATE SET tsv = EXCLUDED.tsv"
            ),
            params,
        )


def remove_article(conn: Connection, article_id: int) -> None:
    if conn.dialect.name == "sqlite":
        conn.execute(text(f"DELETE FROM {SQLITE_TABLE} WHERE rowid = :id"), {"id": article_id})
    else:
        conn.execute(text(f"DELETE FROM {PG_TABLE} WHERE article_id = :id"), {"id": article_id})


def reindex_all(conn: Connection, batch: int = 500, analyzer: Analyzer | None = None) -> int:
    """Index every stored article (migration backfill, analyser changes); returns the count."""
    done, last = 0, 0
    while True:
        rows = conn.execute(
            select(articles.c.id, articles.c.title, articles.c.text)
            .where(articles.c.id > last)
            .order_by(articles.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return done
        for article_id, title, body in rows:
            _write_row(conn, int(article_id), *analysed_fields(title, body, analyzer))
        done += len(rows)
        last = int(rows[-1][0])


# -- searching ---------------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _filters(query: ParsedQuery, originals_only: bool = True) -> list[ColumnElement[bool]]:
    """Non-text conditions: after: is inclusive of its day, before: excludes its day."""
    conds: list[ColumnElement[bool]] = []
    if originals_only:
        conds.append(articles.c.duplicate_of.is_(None))
    if query.sources:
        conds.append(articles.c.source_id.in_(select(sources.c.id).where(sources.c.slug.in_(query.sources))))
    if query.categories:
        conds.append(articles.c.category.in_(query.categories))
    if query.after:
        conds.append(articles.c.sort_at >= _day_start(query.after))
    if query.before:
        conds.append(articles.c.sort_at < _day_start(query.before))
    return conds


def _matching(conn: Connection, query: ParsedQuery) -> tuple[Any, ColumnElement[float], ColumnElement[bool]]:
    """(FROM clause, text score where higher is better, match condition) for this dialect."""
    if conn.dialect.name == "sqlite":
        expr = fts5_match(query)
        source = articles.join(_fts, _fts.c.rowid == articles.c.id)
        bm25: ColumnElement[float] = -func.bm25(literal_column(SQLITE_TABLE), TITLE_WEIGHT, 1.0)
        cond = literal_column(SQLITE_TABLE).op("MATCH")(literal(expr))
        return source, bm25, cond
    tsq = func.to_tsquery(literal_column("'simple'::regconfig"), cast(literal(pg_tsquery(query)), Text))
    source = articles.join(_pg, _pg.c.article_id == articles.c.id)
    weights: ColumnElement[Any] = literal_column(f"'{{0.1, 0.2, {1.0 / TITLE_WEIGHT:.4f}, 1.0}}'::float4[]")
    score: ColumnElement[float] = func.ts_rank(weights, _pg.c.tsv, tsq, 1)
    cond = _pg.c.tsv.op("@@")(tsq)
    return source, score, cond


def recency_factor(when: datetime | None, now: datetime) -> float:
    """1 + a bonus that halves every ``RECENCY_HALF_LIFE_DAYS``."""
    if when is None:
        return 1.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    age_days = max(0.0, (now - when).total_seconds() / 86_400)
    return 1.0 + RECENCY_BOOST * math.pow(0.5, age_days / RECENCY_HALF_LIFE_DAYS)


def _count(conn: Connection, source: Any, conds: list[ColumnElement[bool]]) -> tuple[int, bool]:
    """(matches, exact): counting stops after ``TOTAL_CAP`` rows, so totals cost O(cap)."""
    capped = select(literal(1)).select_from(source).where(and_(*conds)).limit(TOTAL_CAP + 1).subquery()
    n = int(conn.execute(select(func.count()).select_from(capped)).scalar_one())
    return min(n, TOTAL_CAP), n <= TOTAL_CAP


# SQLite reads go through hand-written SQL with bound parameters: the statements are few and
# fixed, and building and compiling SQLAlchemy constructs per query cost more than the FTS5
# lookup on small and medium indexes. Every filter reads the covering index, not the wide row.

#: how SQLAlchemy's SQLite DateTime stores times (naive UTC); string order is time order
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"
_T = SQLITE_TABLE
_A = f"articles AS a INDEXED BY {SQLITE_META_INDEX}"


def _marks(values: tuple[Any, ...]) -> str:
    return ", ".join("?" * len(values))


def _sqlite_where(query: ParsedQuery, exclude_ids: tuple[int, ...]) -> tuple[str, list[Any]]:
    """``_filters`` as SQL over the alias ``a`` and its parameters."""
    sql = ["a.duplicate_of IS NULL"]
    params: list[Any] = []
    if query.sources:
        sql.append(f"a.source_id IN (SELECT id FROM sources WHERE slug IN ({_marks(query.sources)}))")
        params += query.sources
    if query.categories:
        sql.append(f"a.category IN ({_marks(query.categories)})")
        params += query.categories
    if query.after:
        sql.append("a.sort_at >= ?")
        params.append(_day_start(query.after).replace(tzinfo=None).strftime(_SQLITE_TIME))
    if query.before:
        sql.append("a.sort_at < ?")
        params.append(_day_start(query.before).replace(tzinfo=None).strftime(_SQLITE_TIME))
    if exclude_ids:
        sql.append(f"a.id NOT IN ({_marks(exclude_ids)})")
        params += exclude_ids
    return " AND ".join(sql), params


def _sqlite_count_sql(where: str) -> str:
    """A scalar subquery counting filtered matches up to ``TOTAL_CAP + 1``."""
    return (
        f"(SELECT count(*) FROM (SELECT 1 FROM {_T} JOIN {_A} ON a.id = {_T}.rowid "
        f"WHERE {_T} MATCH ? AND {where} LIMIT {TOTAL_CAP + 1}))"
    )


def _sqlite_time(value: Any) -> datetime | None:
    if value is None:
        return None
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _fts5_top(
    conn: Connection, query: ParsedQuery, exclude_ids: tuple[int, ...], depth: int, count: bool = True
) -> tuple[list[tuple[int, float, datetime | None]], int, bool]:
    """The best ``depth`` matches as (id, text score, sort_at), the capped total, and exactness.

    FTS5 answers ``ORDER BY rank LIMIT pool`` inside the index and the candidates are checked
    against the filters through the covering index, in one statement; the pool grows x4 while
    filters reject too many. Only when the pool did not hold every match is the total counted
    (a second statement, capped): rare words, most multi-word queries, never pay for it.
    """
    expr = fts5_match(query)
    where, params = _sqlite_where(query, exclude_ids)
    top = (
        f"SELECT f.rowid, f.rank, a.sort_at, a.id IS NOT NULL AND {where} "
        f"FROM (SELECT rowid, rank FROM {_T} WHERE {_T} MATCH ? ORDER BY rank LIMIT ?) AS f "
        f"LEFT JOIN {_A} ON a.id = f.rowid"
    )
    pool = depth
    while True:
        rows = conn.exec_driver_sql(top, (*params, expr, pool)).all()
        exhausted = len(rows) < pool
        kept = [(int(r[0]), -float(r[1]), _sqlite_time(r[2])) for r in rows if r[3]]
        if exhausted or len(kept) >= depth or pool >= POOL_MAX:
            break
        pool *= 4
    if exhausted:
        return kept, len(kept), True
    if len(kept) < depth:
        # very selective filters: let the engine join every match instead of growing the pool
        conds = _filters(query)
        if exclude_ids:
            conds.append(articles.c.id.not_in(exclude_ids))
        source, score, cond = _matching(conn, query)
        stmt = select(articles.c.id, score, articles.c.sort_at).select_from(source)
        stmt = stmt.where(cond, *conds).order_by(score.desc(), articles.c.id).limit(depth)
        kept = [(int(r[0]), float(r[1]), r[2]) for r in conn.execute(stmt)]
    if not count:
        return kept, len(kept), False
    n = int(conn.exec_driver_sql(f"SELECT {_sqlite_count_sql(where)}", (expr, *params)).scalar_one())
    return kept, min(n, TOTAL_CAP), n <= TOTAL_CAP


def _fts5_by_date(
    conn: Connection, query: ParsedQuery, exclude_ids: tuple[int, ...], limit: int, offset: int
) -> Hits:
    """A page of matches newest first, with the capped total, in one statement."""
    expr = fts5_match(query)
    where, params = _sqlite_where(query, exclude_ids)
    rows = conn.exec_driver_sql(
        f"SELECT a.id, -bm25({_T}, {TITLE_WEIGHT}, 1.0), {_sqlite_count_sql(where)} "
        f"FROM {_T} JOIN {_A} ON a.id = {_T}.rowid WHERE {_T} MATCH ? AND {where} "
        "ORDER BY a.sort_at DESC, a.id DESC LIMIT ? OFFSET ?",
        (expr, *params, expr, *params, limit, offset),
    ).all()
    if rows:
        count = int(rows[0][2])
    else:
        count = int(conn.exec_driver_sql(f"SELECT {_sqlite_count_sql(where)}", (expr, *params)).scalar_one())
    return Hits([Hit(int(r[0]), float(r[1])) for r in rows], min(count, TOTAL_CAP), count <= TOTAL_CAP)


def _top(
    conn: Connection, query: ParsedQuery, exclude_ids: tuple[int, ...], depth: int, count: bool = True
) -> tuple[list[tuple[int, float, datetime | None]], int, bool]:
    """(best ``depth`` matches, capped total, exact) on either engine; without ``count`` the
    total is only what was found (exact False when there may be more)."""
    if conn.dialect.name == "sqlite":
        return _fts5_top(conn, query, exclude_ids, depth, count)
    conds = _filters(query)
    if exclude_ids:
        conds.append(articles.c.id.not_in(exclude_ids))
    source, score, cond = _matching(conn, query)
    stmt = select(articles.c.id, score, articles.c.sort_at).select_from(source).where(cond, *conds)
    rows = conn.execute(stmt.order_by(score.desc(), articles.c.id).limit(depth + 1)).all()
    kept = [(int(r[0]), float(r[1]), r[2]) for r in rows[:depth]]
    if len(rows) <= depth:
        return kept, len(kept), True
    if not count:
        return kept, len(kept), False
    total, exact = _count(conn, source, [*conds, cond])
    return kept, total, exact


def _relevance(
    conn: Connection,
    query: ParsedQuery,
    exclude_ids: tuple[int, ...],
    depth: int,
    now: datetime,
    count: bool = True,
) -> tuple[list[Hit], int, bool]:
    """Hits ranked by text score x recency prior, with the (capped) number of matches."""
    # the prior is at most (1 + RECENCY_BOOST), so reranking a pool 2x the page depth keeps
    # pages stable in practice
    rows, total, exact = _top(conn, query, exclude_ids, max(POOL_MIN, 2 * depth), count)
    hits = sorted(
        (Hit(i, score * recency_factor(when, now)) for i, score, when in rows),
        key=lambda h: (-h.score, h.article_id),
    )
    return hits, total, exact


def search(
    conn: Connection,
    query: ParsedQuery,
    *,
    limit: int = 20,
    offset: int = 0,
    sort: Sort = "relevance",
    now: datetime | None = None,
    exclude_ids: tuple[int, ...] = (),
    relax: bool = True,
    count: bool = True,
) -> Hits:
    """One page of hits and the match count. A query without terms lists its filters by date.

    Relevance is AND-first: when the strict query has fewer than ``MIN_STRICT_HITS`` matches
    (and ``relax``), the OR of its terms ranked by BM25 fills the list after the strict hits.
    Without ``count`` (related articles need no total) a relevance search skips the capped count.
    """
    now = now or datetime.now(UTC)
    if not query.has_terms:
        if query.is_empty:
            return Hits([], 0)
        conds = _filters(query)
        if exclude_ids:
            conds.append(articles.c.id.not_in(exclude_ids))
        total, exact = _count(conn, articles, conds)
        rows = conn.execute(
            select(articles.c.id)
            .where(and_(*conds))
            .order_by(articles.c.sort_at.desc(), articles.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        return Hits([Hit(int(r[0]), 0.0) for r in rows], total, exact)
    if sort == "date":
        if conn.dialect.name == "sqlite":
            return _fts5_by_date(conn, query, exclude_ids, limit, offset)
        conds = _filters(query)
        if exclude_ids:
            conds.append(articles.c.id.not_in(exclude_ids))
        source, score, cond = _matching(conn, query)
        total, exact = _count(conn, source, [*conds, cond])
        if not total or offset >= total:
            return Hits([], total, exact)
        stmt = select(articles.c.id, score).select_from(source).where(cond, *conds)
        rows = conn.execute(
            stmt.order_by(articles.c.sort_at.desc(), articles.c.id.desc()).limit(limit).offset(offset)
        ).all()
        return Hits([Hit(int(r[0]), float(r[1])) for r in rows], total, exact)
    hits, total, exact = _relevance(conn, query, exclude_ids, offset + limit, now, count)
    relaxed = query.relaxed() if relax and total < MIN_STRICT_HITS else None
    if relaxed is not None:
        strict = {h.article_id for h in hits}
        more, total, exact = _relevance(conn, relaxed, exclude_ids, offset + limit, now, count)
        hits += [h for h in more if h.article_id not in strict]
    return Hits(hits[offset : offset + limit], total, exact)


def iter_index_terms(conn: Connection, article_id: int) -> Iterator[str]:
    """The indexed terms of one article (title first); for diagnostics and tests."""
    if conn.dialect.name == "sqlite":
        row = conn.execute(
            text(f"SELECT title, body FROM {SQLITE_TABLE} WHERE rowid = :id"), {"id": article_id}
        ).first()
        if row is not None:
            yield from (row[0] + " " + row[1]).split()
        return
    row = conn.execute(
        text(f"SELECT array_to_string(tsvector_to_array(tsv), ' ') FROM {PG_TABLE} WHERE article_id = :id"),
        {"id": article_id},
    ).first()
    if row is not None and row[0]:
        yield from str(row[0]).split()
