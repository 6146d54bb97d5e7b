"""Search speed: analyser throughput, index build rate and size, query latency vs raw FTS5.

N synthesised articles (sentences of the shared ANT dev data recombined when present, else
generated Arabic-like words) go into a real bawaba SQLite store (articles table + the FTS5
index of analysed terms, written as ``SqlStore`` writes them) and into a raw FTS5 table
(unicode61 over the raw text, no analyser): the strongest peer on the same engine. Latency of
bawaba is the whole ``fulltext.search`` path (parse, FTS5 top-k, filters and dates from the
articles table, recency rerank, capped total, OR fallback when AND finds little); the peer runs
``MATCH ... ORDER BY rank LIMIT 20`` only. Shapes: 1-, 2- and 4-term queries and 2-word phrases.

Analysed terms are stems, so they match more documents than the peer's surface words and FTS5
has more postings to rank for them. The "floor" column separates that from bawaba's own
overhead: the same FTS5 statements (``MATCH ... ORDER BY rank LIMIT 20`` with bawaba's MATCH
expression on bawaba's index, plus the OR expression where the fallback runs) and nothing else.

Data credit: ANT Corpus v2.1 (Chouigui et al., AICCSA 2017, https://antcorpus.github.io).

    python bench/search_speed.py [--n 1000000] [--queries 200] [--dir /tmp]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bawaba.models import Source
from bawaba.search.query import MIN_STRICT_HITS, fts5_match, parse_query
from bawaba.store import fulltext, open_store
from bawaba.store.schema import articles
from bawaba.text.analyzer import Analyzer, default_analyzer, tokenize
from bawaba.text.normalize import normalize

DATA = Path(__file__).resolve().parents[2] / "shared/data/news-categories/news_categories_dev.jsonl"
LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
NOW = datetime(2024, 6, 1, tzinfo=UTC)
BATCH = 5000


def sentences(seed: int) -> list[str]:
    if DATA.exists():
        out = []
        with DATA.open(encoding="utf-8") as fh:
            for line in fh:
                for s in re.split(r"(?<=[.!؟])\s+|\n", json.loads(line)["text"]):
                    if len(s.split()) >= 5:
                        out.append(s)
        return out
    rng = random.Random(seed)
    vocab = ["".join(rng.choice(LETTERS) for _ in range(rng.randint(3, 8))) for _ in range(30_000)]
    weights = [1.0 / (i + 1) for i in range(len(vocab))]
    return [" ".join(rng.choices(vocab, weights, k=rng.randint(8, 25))) for _ in range(50_000)]


def documents(n: int, pool: list[str], seed: int) -> Iterator[tuple[int, str, str]]:
    rng = random.Random(seed)
    for i in range(1, n + 1):
        body = " ".join(rng.choices(pool, k=rng.randint(4, 12)))
        title = " ".join(rng.choice(pool).split()[:9])
        yield i, title, body


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def analyser_rates(pool: list[str]) -> list[tuple[str, float, float]]:
    """(label, bawaba tokens/s, peer tokens/s); the peer only normalises and splits."""
    sample = " ".join(pool[:20_000])
    tokens = len(tokenize(sample))

    def rate(fn: object) -> float:
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        return tokens / (time.perf_counter() - t0)

    cold = Analyzer()
    cold_rate = rate(lambda: cold.analyze(sample))
    warm_rate = rate(lambda: cold.analyze(sample))
    split_rate = rate(lambda: normalize(sample).split())
    return [
        ("analyser cold (tok/s)", cold_rate, split_rate),
        ("analyser warm (tok/s)", warm_rate, split_rate),
    ]


def build_store(path: str, n: int, pool: list[str], seed: int, analyzer: Analyzer) -> float:
    """A migrated bawaba store with ``n`` articles and their index rows; returns seconds."""
    store = open_store(f"sqlite:///{path}")
    source_id = store.add_source(Source(slug="bench", name="bench", homepage="http://127.0.0.1/")).id
    t0 = time.perf_counter()
    with store.engine.begin() as conn:
        rows: list[dict[str, object]] = []
        fts: list[tuple[int, str, str]] = []
        for i, title, body in documents(n, pool, seed):
            when = NOW - timedelta(minutes=n - i)
            url = f"http://127.0.0.1/a/{i}"
            rows.append(
                {
                    "id": i,
                    "url": url,
                    "canonical_url": url,
                    "source_id": source_id,
                    "title": title,
                    "text": body,
                    "html": "",
                    "first_seen": when,
                    "sort_at": when,
                    "published_at": when,
                    "images": [],
                    "tags": [],
                    "content_hash": str(i),
                    "updated_at": when,
                }
            )
            fts.append((i, *fulltext.analysed_fields(title, body, analyzer)))
            if len(rows) == BATCH:
                _flush(conn, rows, fts)
        _flush(conn, rows, fts)
        conn.exec_driver_sql(
            f"INSERT INTO {fulltext.SQLITE_TABLE}({fulltext.SQLITE_TABLE}) VALUES('optimize')"
        )
    elapsed = time.perf_counter() - t0
    store.close()
    return elapsed


def _flush(conn: object, rows: list[dict[str, object]], fts: list[tuple[int, str, str]]) -> None:
    if rows:
        conn.execute(insert(articles), rows)  # type: ignore[attr-defined]
        conn.exec_driver_sql(  # type: ignore[attr-defined]
            f"INSERT INTO {fulltext.SQLITE_TABLE}(rowid, title, body) VALUES (?, ?, ?)", fts
        )
    rows.clear()
    fts.clear()


def build_raw(path: str, n: int, pool: list[str], seed: int) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("CREATE VIRTUAL TABLE article_fts USING fts5(title, body, tokenize='unicode61')")
    db.execute(
        f"INSERT INTO article_fts(article_fts, rank) VALUES('rank', 'bm25({fulltext.TITLE_WEIGHT}, 1.0)')"
    )
    t0 = time.perf_counter()
    db.execute("BEGIN")
    db.executemany("INSERT INTO article_fts(rowid, title, body) VALUES (?,?,?)", documents(n, pool, seed))
    db.execute("COMMIT")
    db.execute("INSERT INTO article_fts(article_fts) VALUES('optimize')")
    elapsed = time.perf_counter() - t0
    db.close()
    return elapsed


def fts_size_mb(path: str) -> float:
    db = sqlite3.connect(path)
    try:
        size = db.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'article_fts%'").fetchone()[0]
    except sqlite3.OperationalError:  # no dbstat in this SQLite build
        size = os.path.getsize(path)
    db.close()
    return float(size or 0) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000, help="articles to index")
    parser.add_argument("--queries", type=int, default=200, help="queries per shape")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--dir", default=None, help="where the two databases go (a temp dir)")
    args = parser.parse_args()
    pool = sentences(args.seed)
    analyzer = default_analyzer()
    table = analyser_rates(pool)

    tmp = tempfile.mkdtemp(prefix="bawaba-bench-", dir=args.dir)
    ours, raw = os.path.join(tmp, "bawaba.db"), os.path.join(tmp, "raw.db")
    build = {"bawaba": build_store(ours, args.n, pool, args.seed, analyzer)}
    build["raw"] = build_raw(raw, args.n, pool, args.seed)

    rng = random.Random(args.seed + 1)
    words = [w for s in rng.sample(pool, 2000) for w in s.split() if len(w) > 3 and w.isalpha()]
    shapes: dict[str, list[str]] = {"1 term": [], "2 terms": [], "4 terms": [], "phrase": []}
    for _ in range(args.queries):
        shapes["1 term"].append(rng.choice(words))
        shapes["2 terms"].append(" ".join(rng.sample(words, 2)))
        shapes["4 terms"].append(" ".join(rng.sample(words, 4)))
        s = rng.choice(pool).split()
        j = rng.randrange(max(1, len(s) - 1))
        shapes["phrase"].append('"' + " ".join(s[j : j + 2]) + '"')

    lat: dict[tuple[str, str], list[float]] = {}
    top_sql = "SELECT rowid FROM article_fts WHERE article_fts MATCH ? ORDER BY rank LIMIT 20"
    store = open_store(f"sqlite:///{ours}", migrate=False)
    floor, db = sqlite3.connect(ours), sqlite3.connect(raw)

    def timed(fn: Callable[[str], object], q: str) -> float:
        t0 = time.perf_counter()
        fn(q)
        return (time.perf_counter() - t0) * 1000

    def floor_run(q: str, relax: bool) -> None:
        parsed = parse_query(q, analyzer)
        expr, relaxed = fts5_match(parsed), parsed.relaxed()
        rows = floor.execute(top_sql, (expr,)).fetchall() if expr else []
        if relax and relaxed is not None and len(rows) < MIN_STRICT_HITS:
            floor.execute(top_sql, (fts5_match(relaxed),)).fetchall()

    def raw_expr(q: str) -> str:
        raw_words = re.findall(r"\w+", q)
        if q.startswith('"'):
            return '"' + " ".join(raw_words) + '"'
        return " ".join('"' + w + '"' for w in raw_words)

    with store.engine.connect() as conn:
        runs: dict[str, Callable[[str], object]] = {
            "bawaba": lambda q: fulltext.search(conn, parse_query(q, analyzer), limit=20, now=NOW),
            "strict": lambda q: fulltext.search(
                conn, parse_query(q, analyzer), limit=20, now=NOW, relax=False
            ),
            "floor": lambda q: floor_run(q, True),
            "floor strict": lambda q: floor_run(q, False),
            "raw": lambda q: db.execute(top_sql, (raw_expr(q),)).fetchall(),
        }
        # round-robin per query, rotating who goes first: on a shared machine every method sees
        # the same load and the same cache state
        names = list(runs)
        for shape, queries in shapes.items():
            for k, q in enumerate(queries):
                for j in range(len(names)):
                    name = names[(k + j) % len(names)]
                    lat.setdefault((name, shape), []).append(timed(runs[name], q))
    store.close()
    floor.close()
    db.close()

    out: list[tuple[str, float, float, float | None]] = [(label, a, b, None) for label, a, b in table]
    out += [
        ("build (docs/s)", args.n / build["bawaba"], args.n / build["raw"], None),
        ("FTS index size (MB)", fts_size_mb(ours), fts_size_mb(raw), None),
    ]
    for shape in shapes:
        for label, p in (("p50", 0.5), ("p95", 0.95)):
            peer = pct(lat[("raw", shape)], p)
            out.append(
                (f"{shape} {label} (ms)", pct(lat[("bawaba", shape)], p), peer, pct(lat[("floor", shape)], p))
            )
            out.append(
                (
                    f"  strict AND {label}",
                    pct(lat[("strict", shape)], p),
                    peer,
                    pct(lat[("floor strict", shape)], p),
                )
            )
    print(f"{args.n:,} articles, {args.queries} queries per shape; peer: raw FTS5 (unicode61, no analyser)\n")
    print(f"{'metric':<24} {'bawaba':>12} {'raw FTS5':>12} {'ratio':>7} {'floor':>9} {'ratio':>7}")
    for label, mine, peer, low in out:
        line = f"{label:<24} {mine:>12.2f} {peer:>12.2f} {mine / peer if peer else 0:>6.2f}x"
        if low is not None:
            line += f" {low:>9.2f} {mine / low if low else 0:>6.2f}x"
        print(line)
    print("\nbuild of bawaba includes the articles table rows; the peer writes its FTS table only;")
    print("'strict AND' rows are bawaba without the OR fallback (the peer's semantics);")
    print("floor: the same FTS5 MATCH statements on bawaba's index, nothing else (no filters, dates, count)")
    shutil.rmtree(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
