"""Store queries for the stories issue: id lookup by URL, story sources, copy statistics, reset.

A mixin of ``SqlStore`` (kept apart so the stories SQL reads on its own); it relies on the
store's ``_read``/``_write``/``_bump`` plumbing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ScalarSelect, delete, func, literal, select, update
from sqlalchemy.orm import aliased

from bawaba.errors import NotFoundError
from bawaba.store.engine import SqlPlumbing
from bawaba.store.schema import articles, sources, stories


def republication_column(dialect: str) -> ScalarSelect[Any]:
    """One scalar subquery (so ``stats`` stays one statement): a JSON array with, per source that
    has articles, ``source``, ``articles``, ``copies`` and ``mostly_from`` (the slug it copies
    most, ties by slug). Read it back with ``republication_rows``."""
    orig = aliased(articles)
    orig_src = aliased(sources)
    copier = articles.alias("copier")
    n = func.count()
    top = (
        select(orig_src.c.slug)
        .select_from(copier.join(orig, orig.c.id == copier.c.duplicate_of)
                     .join(orig_src, orig_src.c.id == orig.c.source_id))
        .where(copier.c.source_id == sources.c.id)
        .group_by(orig_src.c.slug)
        .order_by(n.desc(), orig_src.c.slug)
        .limit(1)
        .scalar_subquery()
    )
    per_source = (
        select(sources.c.slug.label("source"), func.count().label("articles"),
               func.count(articles.c.duplicate_of).label("copies"), top.label("mostly_from"))
        .select_from(sources.join(articles, articles.c.source_id == sources.c.id))
        .group_by(sources.c.id, sources.c.slug)
        .subquery()
    )
    cols = [per_source.c.source, per_source.c.articles, per_source.c.copies, per_source.c.mostly_from]
    names = ["source", "articles", "copies", "mostly_from"]
    pairs = [x for name, col in zip(names, cols, strict=True) for x in (literal(name), col)]
    if dialect == "sqlite":
        agg = func.json_group_array(func.json_object(*pairs))
    else:
        agg = func.json_agg(func.json_build_object(*pairs))
    return select(agg).select_from(per_source).scalar_subquery()


def republication_rows(value: Any) -> list[dict[str, Any]]:
    """The decoded ``republication_column`` with ``share`` added, most copies first."""
    rows = json.loads(value) if isinstance(value, str | bytes) else list(value or [])
    out = [
        {"source": str(r["source"]), "articles": int(r["articles"]), "copies": int(r["copies"]),
         "share": round(int(r["copies"]) / int(r["articles"]), 4) if r["articles"] else 0.0,
         "mostly_from": r["mostly_from"]}
        for r in rows
    ]
    out.sort(key=lambda r: (-r["copies"], -r["share"], r["source"]))
    return out


class ProvenanceQueries:
    """Methods of ``Store`` that the story tracker and the provenance pages need."""

    def article_ids_by_url(self: SqlPlumbing, canonical_urls: Sequence[str]) -> dict[str, int]:
        """``canonical_url -> id`` of those stored (the tracker learns a new article's id)."""
        urls = list(dict.fromkeys(canonical_urls))
        if not urls:
            return {}
        stmt = select(articles.c.canonical_url, articles.c.id).where(articles.c.canonical_url.in_(urls))
        with self._read() as conn:
            return {str(u): int(i) for u, i in conn.execute(stmt)}

    def story_source_ids(self: SqlPlumbing, story_id: int) -> list[int]:
        """Distinct source ids of the articles in a story."""
        stmt = select(articles.c.source_id).where(articles.c.story_id == story_id).distinct()
        with self._read() as conn:
            return sorted(int(s) for (s,) in conn.execute(stmt))

    def source_copy_stats(self: SqlPlumbing, source_id: int | None = None) -> list[dict[str, Any]]:
        """Per source: ``source`` (slug), ``articles``, ``copies``, ``copy_share`` and
        ``copies_from`` (``[(slug, n)]``, most copied first): who republishes whom."""
        orig = aliased(articles)
        counts = select(articles.c.source_id, func.count().label("n"),
                        func.count(articles.c.duplicate_of).label("copies")).group_by(articles.c.source_id)
        pairs = (
            select(articles.c.source_id, orig.c.source_id.label("from_id"), func.count().label("n"))
            .join(orig, orig.c.id == articles.c.duplicate_of)
            .group_by(articles.c.source_id, orig.c.source_id)
        )
        if source_id is not None:
            counts = counts.where(articles.c.source_id == source_id)
            pairs = pairs.where(articles.c.source_id == source_id)
        with self._read() as conn:
            slugs = {int(i): str(s) for i, s in conn.execute(select(sources.c.id, sources.c.slug))}
            rows = list(conn.execute(counts))
            links = list(conn.execute(pairs))
        by_source: dict[int, list[tuple[str, int]]] = {}
        for sid, from_id, n in links:
            by_source.setdefault(int(sid), []).append((slugs.get(int(from_id), str(from_id)), int(n)))
        out: list[dict[str, Any]] = []
        for sid, n, copies in rows:
            froms = sorted(by_source.get(int(sid), []), key=lambda sn: (-sn[1], sn[0]))
            out.append({
                "source": slugs.get(int(sid), str(sid)),
                "articles": int(n),
                "copies": int(copies),
                "copy_share": round(int(copies) / int(n), 4) if n else 0.0,
                "copies_from": froms,
            })
        out.sort(key=lambda r: (-int(r["copies"]), str(r["source"])))
        return out

    def copied_from(self: SqlPlumbing, source_id: int) -> list[tuple[str, int]]:
        """``(slug, copies)`` of the sources whose articles ``source_id`` republishes, most first
        (one query: the source page's "republishes mostly from X")."""
        orig = aliased(articles)
        n = func.count().label("n")
        stmt = (
            select(sources.c.slug, n)
            .select_from(articles.join(orig, orig.c.id == articles.c.duplicate_of)
                         .join(sources, sources.c.id == orig.c.source_id))
            .where(articles.c.source_id == source_id)
            .group_by(sources.c.slug)
            .order_by(n.desc(), sources.c.slug)
        )
        with self._read() as conn:
            return [(str(slug), int(count)) for slug, count in conn.execute(stmt)]

    def refresh_story(self: SqlPlumbing, story_id: int, title: str | None = None,
                      representative_id: int | None = None) -> None:
        """Recount a story's articles, sources and first/last times from its articles (one
        statement, exact after re-pointing); set title and representative when given."""
        mine = articles.c.story_id == story_id
        values: dict[str, Any] = {
            "article_count": select(func.count()).where(mine).scalar_subquery(),
            "source_count": select(func.count(articles.c.source_id.distinct())).where(mine).scalar_subquery(),
            "first_seen": func.coalesce(select(func.min(articles.c.sort_at)).where(mine).scalar_subquery(),
                                        stories.c.first_seen),
            "last_seen": func.coalesce(select(func.max(articles.c.sort_at)).where(mine).scalar_subquery(),
                                       stories.c.last_seen),
        }
        if title is not None:
            values["title"] = title
        if representative_id is not None:
            values["representative_id"] = representative_id
        with self._write() as conn:
            if conn.execute(update(stories).where(stories.c.id == story_id).values(**values)).rowcount == 0:
                raise NotFoundError(f"no story {story_id}")
            self._bump(conn)

    def reset_stories(self: SqlPlumbing) -> None:
        """Forget every story and provenance link (``bawaba stories rebuild`` starts here)."""
        with self._write() as conn:
            conn.execute(update(articles).values(story_id=None, duplicate_of=None))
            conn.execute(delete(stories))
            self._bump(conn)

    def iter_story_articles(self: SqlPlumbing, story_id: int) -> Iterator[int]:
        """Ids of a story's articles, oldest first by sort time."""
        stmt = (select(articles.c.id).where(articles.c.story_id == story_id)
                .order_by(articles.c.sort_at, articles.c.id))
        with self._read() as conn:
            ids = [int(i) for (i,) in conn.execute(stmt)]
        yield from ids
