"""Search speed: analyser throughput, index build rate and size, query latency vs raw FTS5.

N synthesised articles (sentences of the shared ANT dev data recombined when present, else
generated Arabic-like words) go into bawaba's FTS5 index (analysed terms, same DDL as the
store) and into a raw FTS5 table (unicode61 over the raw text, no analyser): the strongest peer
on the same engine. Latency is measured on the store's query shape (MATCH, BM25 with title
weight, top 20) for 1-, 2- and 4-term queries and 2-word phrases.

Data credit: ANT Corpus v2.1 (Chouigui et al., AICCSA 2017, https://antcorpus.github.io).

    python bench/search_speed.py [--n 1000000] [--queries 200]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bawaba.search.query import fts5_match, parse_query
from bawaba.store.fulltext import TITLE_WEIGHT, create_statements
from bawaba.text.analyzer import Analyzer

DATA = Path(__file__).resolve().parents[2] / "shared/data/news-categories/news_categories_dev.jsonl"
LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


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


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000, help="articles to index")
    parser.add_argument("--queries", type=int, default=200, help="queries per shape")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    pool = sentences(args.seed)
    analyzer = Analyzer()

    # analyser throughput on a warm cache
    sample = " ".join(pool[:20_000])
    analyzer.analyze(sample)
    t0 = time.perf_counter()
    tokens = len(analyzer.analyze(sample))
    rate = tokens / (time.perf_counter() - t0)
    raw_tokens = len(sample.split())

    tmp = tempfile.mkdtemp(prefix="bawaba-bench-")
    dbs = {"bawaba": os.path.join(tmp, "bawaba.db"), "raw FTS5": os.path.join(tmp, "raw.db")}
    build: dict[str, float] = {}
    for name, path in dbs.items():
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        if name == "bawaba":
            for stmt in create_statements("sqlite"):
                db.execute(stmt)
        else:
            db.execute("CREATE VIRTUAL TABLE article_fts USING fts5(title, body, tokenize='unicode61')")
        t0 = time.perf_counter()
        db.execute("BEGIN")
        for i, title, body in documents(args.n, pool, args.seed):
            if name == "bawaba":
                title, body = " ".join(analyzer.analyze(title)), " ".join(analyzer.analyze(body))
            db.execute("INSERT INTO article_fts(rowid, title, body) VALUES (?,?,?)", (i, title, body))
        db.execute("COMMIT")
        db.execute("INSERT INTO article_fts(article_fts) VALUES('optimize')")
        build[name] = time.perf_counter() - t0
        db.close()

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
    for name, path in dbs.items():
        db = sqlite3.connect(path)
        for shape, queries in shapes.items():
            times = []
            for q in queries:
                if name == "bawaba":
                    expr = fts5_match(parse_query(q, analyzer))
                else:
                    raw_words = re.findall(r"\w+", q)
                    if q.startswith('"'):
                        expr = '"' + " ".join(raw_words) + '"'
                    else:
                        expr = " ".join('"' + w + '"' for w in raw_words)
                if not expr:
                    continue
                t0 = time.perf_counter()
                db.execute(
                    f"SELECT rowid, bm25(article_fts, {TITLE_WEIGHT}, 1.0) AS r FROM article_fts "
                    "WHERE article_fts MATCH ? ORDER BY r LIMIT 20",
                    (expr,),
                ).fetchall()
                times.append((time.perf_counter() - t0) * 1000)
            lat[(name, shape)] = times
        db.close()

    print(f"{args.n:,} articles; analyser {rate / 1e6:.2f}M terms/s warm ({raw_tokens:,} raw words)\n")
    print(f"{'metric':<22} {'bawaba':>12} {'raw FTS5':>12} {'ratio':>7}")
    size = {k: os.path.getsize(p) / 1e6 for k, p in dbs.items()}
    rows = [
        ("build (docs/s)", args.n / build["bawaba"], args.n / build["raw FTS5"]),
        ("index size (MB)", size["bawaba"], size["raw FTS5"]),
    ]
    for shape in shapes:
        for label, p in (("p50", 0.5), ("p95", 0.95)):
            rows.append(
                (f"{shape} {label} (ms)", pct(lat[("bawaba", shape)], p), pct(lat[("raw FTS5", shape)], p))
            )
    for label, ours, raw in rows:
        print(f"{label:<22} {ours:>12.2f} {raw:>12.2f} {ours / raw if raw else 0:>6.2f}x")
    for path in dbs.values():
        os.remove(path)
    os.rmdir(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
