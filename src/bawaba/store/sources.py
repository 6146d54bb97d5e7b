"""Store queries for sources, their feeds, the fetch log and the source-health view.

A mixin of ``SqlStore`` (kept apart so the crawler's bookkeeping SQL reads on its own); it relies
on the store's ``_read``/``_write``/``_bump``/``_insert`` plumbing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import case, func, literal, nulls_first, or_, select, union_all, update

from bawaba.errors import NotFoundError, StoreError
from bawaba.models import Feed, FeedKind, FetchLogEntry, Source, SourceHealth, utcnow
from bawaba.store.engine import SqlPlumbing
from bawaba.store.rows import feed_from_row, source_from_row
from bawaba.store.schema import articles, feeds, fetch_log, sources

FEED_FIELDS = frozenset(
    {
        "etag",
        "last_modified",
        "body_hash",
        "last_fetch_at",
        "last_success_at",
        "error_streak",
        "last_error",
        "poll_interval_s",
        "next_poll_at",
        "title",
        "enabled",
        "kind",
    }
)
DAY = timedelta(hours=24)
#: Built once: the crawler flushes its log in batches through it.
FETCH_LOG_INSERT = fetch_log.insert()


class _Plumbing(SqlPlumbing, Protocol):
    def log_fetches(self, entries: Sequence[FetchLogEntry]) -> None: ...


class SourceQueries:
    """Methods of ``Store`` for the source registry, feed scheduling and source health."""

    def add_source(self: _Plumbing, source: Source) -> Source:
        """Insert, or update name/homepage/section_map/default_category/home_region/language of
        the source with the same slug (``enabled`` is the operator's and is left alone)."""
        stmt = self._insert(sources).values(
            slug=source.slug,
            name=source.name,
            homepage=source.homepage,
            language=source.language,
            section_map=dict(source.section_map),
            default_category=source.default_category,
            home_region=source.home_region,
            enabled=source.enabled,
            created_at=source.created_at or utcnow(),
        )
        ex = stmt.excluded
        upsert = stmt.on_conflict_do_update(
            index_elements=[sources.c.slug],
            set_={
                "name": ex.name,
                "homepage": ex.homepage,
                "section_map": ex.section_map,
                "default_category": ex.default_category,
                "home_region": ex.home_region,
                "language": ex.language,
            },
        ).returning(*sources.c)
        with self._write() as conn:
            row = conn.execute(upsert).mappings().one()
            self._bump(conn)
        return source_from_row(row)

    def get_source(self: _Plumbing, id_or_slug: int | str) -> Source:
        if isinstance(id_or_slug, int) and not isinstance(id_or_slug, bool):
            cond = sources.c.id == id_or_slug
        else:
            cond = sources.c.slug == str(id_or_slug)
        with self._read() as conn:
            row = conn.execute(select(sources).where(cond)).mappings().first()
        if row is None:
            raise NotFoundError(f"no source {id_or_slug!r}")
        return source_from_row(row)

    def list_sources(self: _Plumbing) -> list[Source]:
        with self._read() as conn:
            rows = conn.execute(select(sources).order_by(sources.c.id)).mappings().all()
        return [source_from_row(r) for r in rows]

    def add_feed(self: _Plumbing, feed: Feed) -> Feed:
        stmt = (
            self._insert(feeds)
            .values(
                source_id=feed.source_id,
                url=feed.url,
                kind=FeedKind(feed.kind).value,
                title=feed.title,
                etag=feed.etag,
                last_modified=feed.last_modified,
                body_hash=feed.body_hash,
                last_fetch_at=feed.last_fetch_at,
                last_success_at=feed.last_success_at,
                error_streak=feed.error_streak,
                last_error=feed.last_error,
                poll_interval_s=feed.poll_interval_s,
                next_poll_at=feed.next_poll_at,
                enabled=feed.enabled,
            )
            .on_conflict_do_nothing(index_elements=[feeds.c.url])
        )
        with self._write() as conn:
            conn.execute(stmt)
            row = conn.execute(select(feeds).where(feeds.c.url == feed.url)).mappings().one()
        return feed_from_row(row)

    def list_feeds(self: _Plumbing, source_id: int | None = None) -> list[Feed]:
        stmt = select(feeds).order_by(feeds.c.id)
        if source_id is not None:
            stmt = stmt.where(feeds.c.source_id == source_id)
        with self._read() as conn:
            rows = conn.execute(stmt).mappings().all()
        return [feed_from_row(r) for r in rows]

    def due_feeds(self: _Plumbing, now: datetime, limit: int | None = None) -> list[Feed]:
        """Enabled feeds of enabled sources due at ``now``, longest-waiting (never polled) first."""
        stmt = (
            select(feeds)
            .join(sources, sources.c.id == feeds.c.source_id)
            .where(
                feeds.c.enabled,
                sources.c.enabled,
                or_(feeds.c.next_poll_at.is_(None), feeds.c.next_poll_at <= now),
            )
            .order_by(nulls_first(feeds.c.next_poll_at.asc()), feeds.c.id)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._read() as conn:
            rows = conn.execute(stmt).mappings().all()
        return [feed_from_row(r) for r in rows]

    def update_feed(self: _Plumbing, feed_id: int, **changes: Any) -> None:
        """Also accepts ``enabled`` and ``kind``. Unknown fields raise ``StoreError``."""
        unknown = set(changes) - FEED_FIELDS
        if unknown:
            raise StoreError(f"update_feed: unknown field(s) {', '.join(sorted(unknown))}")
        if "kind" in changes:
            changes["kind"] = FeedKind(changes["kind"]).value
        with self._write() as conn:
            if changes:
                result = conn.execute(update(feeds).where(feeds.c.id == feed_id).values(**changes))
                found = result.rowcount > 0
            else:
                found = conn.execute(select(feeds.c.id).where(feeds.c.id == feed_id)).first() is not None
            if not found:
                raise NotFoundError(f"no feed {feed_id}")

    def log_fetch(self: _Plumbing, entry: FetchLogEntry) -> None:
        self.log_fetches([entry])

    def log_fetches(self: _Plumbing, entries: Sequence[FetchLogEntry]) -> None:
        """Many fetch-log rows in one transaction (the crawler flushes its log in batches)."""
        if not entries:
            return
        rows = [
            {
                "url": e.url,
                "kind": str(e.kind),
                "status": e.status,
                "elapsed_ms": e.elapsed_ms,
                "bytes": e.bytes,
                "error": e.error,
                "error_kind": e.error_kind,
                "source_id": e.source_id,
                "feed_id": e.feed_id,
                "fetched_at": e.fetched_at,
            }
            for e in entries
        ]
        with self._write() as conn:
            conn.execute(FETCH_LOG_INSERT, rows)

    def source_health(self: _Plumbing, now: datetime) -> list[SourceHealth]:
        """Every source with feed and article aggregates: four index-backed queries whatever the size.

        ``error_streak`` is the worst feed's; ``last_error`` that of the feed failing longest;
        ``next_poll_at`` the soonest of its enabled feeds; ``articles_24h`` counts first_seen.
        """
        feed_agg = select(
            feeds.c.source_id,
            func.count(feeds.c.id).label("n"),
            func.max(feeds.c.last_fetch_at).label("last_fetch_at"),
            func.max(feeds.c.last_success_at).label("last_success_at"),
            func.max(feeds.c.error_streak).label("error_streak"),
            func.min(case((feeds.c.enabled, feeds.c.next_poll_at))).label("next_poll_at"),
        ).group_by(feeds.c.source_id)
        ranked = (
            select(
                feeds.c.source_id,
                feeds.c.last_error,
                func.row_number()
                .over(
                    partition_by=feeds.c.source_id,
                    order_by=(feeds.c.error_streak.desc(), feeds.c.last_fetch_at.desc(), feeds.c.id),
                )
                .label("rn"),
            )
            .where(feeds.c.last_error.is_not(None))
            .subquery()
        )
        errors = select(ranked.c.source_id, ranked.c.last_error).where(ranked.c.rn == 1)
        # Totals are an index-only count over ix_articles_source_id; the 24 h counts walk the
        # first_seen index over the last day only (grouping by ``source_id + 0`` keeps the
        # planner from preferring a full scan of the source index to save a sort). One statement.
        recent_source = articles.c.source_id + 0
        counts_stmt = union_all(
            select(articles.c.source_id, func.count(), literal(False)).group_by(articles.c.source_id),
            select(recent_source, func.count(), literal(True))
            .where(articles.c.first_seen >= now - DAY)
            .group_by(recent_source),
        )
        with self._read() as conn:
            source_rows = conn.execute(select(sources).order_by(sources.c.id)).mappings().all()
            feed_rows = {r["source_id"]: r for r in conn.execute(feed_agg).mappings()}
            error_rows = {r["source_id"]: r["last_error"] for r in conn.execute(errors).mappings()}
            totals: dict[int, int] = {}
            recent: dict[int, int] = {}
            for source_id, n, is_recent in conn.execute(counts_stmt):
                (recent if is_recent else totals)[int(source_id)] = int(n)
        health = []
        for row in source_rows:
            fr = feed_rows.get(row["id"])
            health.append(
                SourceHealth(
                    source=source_from_row(row),
                    feeds=int(fr["n"]) if fr else 0,
                    last_fetch_at=fr["last_fetch_at"] if fr else None,
                    last_success_at=fr["last_success_at"] if fr else None,
                    error_streak=int(fr["error_streak"] or 0) if fr else 0,
                    last_error=error_rows.get(row["id"]),
                    articles_24h=recent.get(int(row["id"]), 0),
                    articles_total=totals.get(int(row["id"]), 0),
                    next_poll_at=fr["next_poll_at"] if fr else None,
                )
            )
        return health
