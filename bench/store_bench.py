"""Store throughput and latency on SQLite and PostgreSQL, against the obvious alternatives.

Peers per operation: a raw ``sqlite3`` upsert with the same SQL (the floor SQLAlchemy adds to),
OFFSET paging against our keyset cursor at a deep page, and a ROW_NUMBER() window query against
our per-category UNION ALL for the front page. Articles are generated (invented Arabic), the
PostgreSQL database is created on 127.0.0.1 and dropped afterwards (skipped when unreachable).

    python bench/store_bench.py [--n 5000] [--no-pg]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bawaba.models import Article, Image, Source
from bawaba.store import ArticleFilter, SqlStore, open_store
from bawaba.store.schema import articles

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
CATEGORIES = ("politics", "economy", "sports", "culture", "health", "tech", "world", "science")
WORDS = [
    "الحكومة",
    "تعلن",
    "خطة",
    "جديدة",
    "لتطوير",
    "النقل",
    "العام",
    "وارتفاع",
    "الأسعار",
    "في",
    "الأسواق",
    "المحلية",
    "والمنتخب",
    "يستعد",
]
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def article(source_id: int, n: int, version: int = 0) -> Article:
    words = [WORDS[(n * 7 + i * 3 + version) % len(WORDS)] for i in range(120)]
    return Article(
        url=f"http://127.0.0.1/a/{n}",
        canonical_url=f"http://127.0.0.1/a/{n}",
        source_id=source_id,
        title=" ".join(words[:9]),
        text=" ".join(words),
        html="<p>" + " ".join(words) + "</p>",
        published_at=T0 + timedelta(minutes=n * 7 % 100_000),
        first_seen=T0 + timedelta(minutes=n),
        images=(Image(src=f"http://127.0.0.1/i/{n}.jpg", caption="صورة", width=800, height=450),),
        tags=("أخبار",),
        content_hash=f"h{n}-{version}",
        category=CATEGORIES[n % len(CATEGORIES)],
    )


def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    """Best of ``repeat`` runs, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, (time.perf_counter() - start) * 1000)
    return best


def bench_store(store: SqlStore, n: int) -> dict[str, float]:
    src = store.add_source(Source(slug="bench", name="مصدر", homepage="http://127.0.0.1/"))
    sid = src.id or 0
    out: dict[str, float] = {}
    out["upsert insert (per article)"] = (
        timed(lambda: [store.upsert_article(article(sid, i)) for i in range(n)]) / n
    )
    m = min(n, 1000)
    out["upsert update (per article)"] = (
        timed(lambda: [store.upsert_article(article(sid, i, 1)) for i in range(m)]) / m
    )

    def threaded() -> None:
        def work(k: int) -> None:
            for i in range(k * 250, (k + 1) * 250):
                store.upsert_article(article(sid, n + i))

        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    out["upsert, 4 threads (per article)"] = timed(threaded) / 1000

    out["list page 1"] = timed(lambda: store.list_articles(limit=20), 5)
    deep = int((n + 1000) * 0.9)
    cursor = None
    pos = 0
    while pos + 200 <= deep:  # walk to a deep position with large pages
        page = store.list_articles(limit=200, cursor=cursor)
        cursor, pos = page.next_cursor, pos + 200
    out[f"keyset page at ~{pos}"] = timed(lambda: store.list_articles(limit=20, cursor=cursor), 5)
    offset_stmt = (
        select(articles).order_by(articles.c.sort_at.desc(), articles.c.id.desc()).limit(20).offset(pos)
    )

    def offset_page() -> None:
        with store.engine.connect() as conn:
            conn.execute(offset_stmt).all()

    out[f"OFFSET page at ~{pos} (peer)"] = timed(offset_page, 5)
    out["list filtered (category+q)"] = timed(
        lambda: store.list_articles(ArticleFilter(category="sports", q="المنتخب"), limit=20), 5
    )
    out["latest_by_category(6)"] = timed(lambda: store.latest_by_category(6), 5)
    ranked = (
        select(
            articles,
            func.row_number()
            .over(
                partition_by=articles.c.category, order_by=(articles.c.sort_at.desc(), articles.c.id.desc())
            )
            .label("rn"),
        )
        .where(articles.c.category.is_not(None), articles.c.duplicate_of.is_(None))
        .subquery()
    )
    window = select(ranked).where(ranked.c.rn <= 6)

    def window_query() -> None:
        with store.engine.connect() as conn:
            conn.execute(window).all()

    out["window ROW_NUMBER (peer)"] = timed(window_query, 5)
    ids = list(range(1, n, max(1, n // 50)))[:50]
    out["get_articles(50)"] = timed(lambda: store.get_articles(ids), 5)
    out["iter_articles all (per article)"] = timed(lambda: sum(1 for _ in store.iter_articles())) / (n + 1000)
    out["count_articles"] = timed(store.count_articles, 5)
    out["change_token"] = timed(store.change_token, 20)
    out["stats"] = timed(lambda: store.stats(T0 + timedelta(days=30)), 5)
    out["source_health"] = timed(lambda: store.source_health(T0 + timedelta(days=30)), 5)
    return out


def raw_sqlite_upsert(path: Path, n: int) -> float:
    """The floor: the same upsert through bare sqlite3, one transaction per article."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE a (id INTEGER PRIMARY KEY, canonical_url TEXT UNIQUE, url TEXT, title TEXT, text TEXT,"
        " html TEXT, published_at TEXT, first_seen TEXT, sort_at TEXT, images TEXT, tags TEXT,"
        " content_hash TEXT, category TEXT, revision INTEGER, updated_at TEXT)"
    )
    conn.execute("CREATE TABLE c (name TEXT PRIMARY KEY, value INTEGER)")
    conn.execute("INSERT INTO c VALUES ('content', 0)")
    sql = (
        "INSERT INTO a (canonical_url, url, title, text, html, published_at, first_seen, sort_at, images, tags,"
        " content_hash, category, revision, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,1,?)"
        " ON CONFLICT (canonical_url) DO UPDATE SET title=excluded.title, text=excluded.text,"
        " revision=a.revision+1 RETURNING id, revision"
    )

    def run() -> None:
        for i in range(n):
            a = article(1, i)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                sql,
                (
                    a.canonical_url,
                    a.url,
                    a.title,
                    a.text,
                    a.html,
                    str(a.published_at),
                    str(a.first_seen),
                    str(a.published_at),
                    "[]",
                    "[]",
                    a.content_hash,
                    a.category,
                    str(datetime.now(UTC)),
                ),
            ).fetchall()
            conn.execute("UPDATE c SET value = value + 1 WHERE name = 'content'")
            conn.execute("COMMIT")

    ms = timed(run) / n
    conn.close()
    return ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="articles to insert")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.db")
        results["sqlite"] = bench_store(store, args.n)
        store.close()
        results["sqlite"]["upsert insert, raw sqlite3 (peer)"] = raw_sqlite_upsert(
            Path(tmp) / "raw.db", args.n
        )
    if not args.no_pg:
        try:
            import psycopg

            name = f"bawaba_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
        except Exception as exc:
            print(f"PostgreSQL skipped: {exc}")
        else:
            try:
                store = open_store(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}")
                results["postgresql"] = bench_store(store, args.n)
                store.close()
            finally:
                with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print_table(results, args.n)


def print_table(results: dict[str, dict[str, float]], n: int) -> None:
    """One row per (operation, engine); the ratio is against the fastest row of the same group
    (an operation and its peer form one group, compared on the same engine and across engines)."""
    groups = {
        "upsert insert (per article)": "insert",
        "upsert insert, raw sqlite3 (peer)": "insert",
        "latest_by_category(6)": "front page",
        "window ROW_NUMBER (peer)": "front page",
    }
    rows = []
    for engine, ops in results.items():
        for op, ms in ops.items():
            group = groups.get(op, "deep page" if "page at" in op else op)
            rows.append((group, op, engine, ms))
    best: dict[str, float] = {}
    for group, _, _, ms in rows:
        best[group] = min(best.get(group, float("inf")), ms)
    print(f"store bench, {n} articles (+1000 threaded); times in ms, best of runs")
    print(f"{'operation':<40} {'engine':<11} {'ms':>10} {'× best':>8}")
    for group, op, engine, ms in sorted(rows, key=lambda r: (r[0], r[3])):
        print(f"{op:<40} {engine:<11} {ms:>10.3f} {ms / best[group]:>8.2f}")


if __name__ == "__main__":
    main()
