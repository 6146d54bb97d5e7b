"""Search quality per analyser variant: known-item and headline queries in other surface forms.

For every article of a sample, a query is made from its title and rewritten the way readers
type (ال added or dropped, attached و/ب/ل/ف/ك, hamza or bare alef, ة/ه, ى/ي, harakat, tatweel,
Arabic-Indic digits). Each variant analyses the outlet's articles into an in-memory FTS5 index
(title weighted as in bawaba's index) and answers the queries as ``bawaba search`` ranks by
relevance: strict AND ("and"), then with the OR fallback when AND finds too little ("and>or").
Targets whose title another article of the outlet shares are not sampled: they are not findable. The variant is chosen on the tuning outlets and reported on the held-out one.

Data: ../shared/data/news-categories/news_categories_dev.jsonl (ANT Corpus v2.1, Chouigui et al.,
AICCSA 2017, https://antcorpus.github.io); skipped cleanly when absent.

    python bench/search_quality.py [--queries 300] [--heldout bbc.com/arabic]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from bawaba.search.query import MIN_STRICT_HITS, fts5_match, parse_query
from bawaba.store.fulltext import TITLE_WEIGHT
from bawaba.text.analyzer import STEMMERS, Analyzer, stopwords
from bawaba.text.normalize import normalize

DATA = Path(__file__).resolve().parents[2] / "shared/data/news-categories/news_categories_dev.jsonl"
HARAKAT = "\u064e\u064f\u0650\u0651\u0652\u064b"
PARTICLES = ("و", "ب", "ل", "ف", "ك")
INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def rewrite(word: str, rng: random.Random, stop: frozenset[str]) -> str:
    """One surface variant of ``word`` as a reader might type it: one change of attached
    particles (drop ال or a particle, or add one to a bare word), then orthographic noise."""
    if normalize(word) in stop:
        return word
    w = word
    bare = not w.startswith(("ال", "و", "ب", "ل", "ف", "ك")) and not w.startswith(("ي", "ت", "ن"))
    roll = rng.random()
    if roll < 0.3 and w.startswith("ال") and len(w) > 4:
        w = w[2:]
    elif roll < 0.3 and w[:1] in PARTICLES and w[1:3] == "ال" and len(w) > 5:
        w = w[1:] if rng.random() < 0.5 else w[3:]
    elif roll < 0.6 and bare and len(w) > 2:
        p = rng.choice(PARTICLES)
        w = ("لل" + w if p == "ل" else p + "ال" + w) if rng.random() < 0.5 else p + w
    elif roll < 0.8 and not w.startswith(PARTICLES):
        p = rng.choice(PARTICLES)
        # Arabic spelling: ل before the article drops its alef (للمدرسة, never لالمدرسة)
        w = "ل" + w[1:] if p == "ل" and w.startswith("ال") else p + w
    swaps = {"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي"}
    w = "".join(swaps[c] if c in swaps and rng.random() < 0.7 else c for c in w)
    if w.endswith("ه") and rng.random() < 0.3:
        w = w[:-1] + "ة"
    if w.endswith("ي") and rng.random() < 0.3:
        w = w[:-1] + "ى"
    if w.startswith("ا") and rng.random() < 0.3:
        w = rng.choice("أإ") + w[1:]
    if rng.random() < 0.3:
        w = "".join(c + (rng.choice(HARAKAT) if c.isalpha() and rng.random() < 0.3 else "") for c in w)
    if rng.random() < 0.15 and len(w) > 3:
        w = w[:2] + "\u0640" + w[2:]
    if rng.random() < 0.5:
        w = w.translate(INDIC)
    return w


def make_queries(docs: list[dict[str, str]], n: int, seed: int) -> list[tuple[str, str, str]]:
    """(kind, query, target id): known-item (2-3 title words) and headline queries."""
    rng = random.Random(seed)
    stop = stopwords()
    # a known item must be knowable: targets whose normalised title another article shares are
    # not sampled (no query could tell them apart)
    titles = Counter(normalize(d["title"]).strip() for d in docs)
    unique = [d for d in docs if titles[normalize(d["title"]).strip()] == 1]
    sample = rng.sample(unique, min(n, len(unique)))
    out = []
    for i, doc in enumerate(sample):
        words = [w.strip("«»\"'.,:؛،؟!()") for w in doc["title"].split()]
        words = [w for w in words if len(w) >= 3]
        if not words:
            continue
        if i % 3 == 2:
            out.append(("headline", " ".join(rewrite(w, rng, stop) for w in words), doc["id"]))
        else:
            picked = rng.sample(words, min(len(words), rng.choice((2, 3))))
            out.append(("known-item", " ".join(rewrite(w, rng, stop) for w in picked), doc["id"]))
    return out


def top10(db: sqlite3.Connection, analyzer: Analyzer, text: str, relax: bool) -> list[int]:
    """The first ten rowids as bawaba ranks them: strict AND, then (``relax``) the OR fallback."""
    parsed = parse_query(text, analyzer)
    match = fts5_match(parsed)
    if not match:
        return []
    sql = "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT 10"
    rows = [r[0] for r in db.execute(sql, (match,))]
    relaxed = parsed.relaxed() if relax and len(rows) < MIN_STRICT_HITS else None
    if relaxed is not None:
        rows += [r[0] for r in db.execute(sql, (fts5_match(relaxed),)) if r[0] not in rows]
    return rows[:10]


def evaluate(
    analyzer: Analyzer, docs: list[dict[str, str]], queries: list[tuple[str, str, str]]
) -> dict[str, dict[str, float]]:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='ascii')")
    db.execute("INSERT INTO fts(fts, rank) VALUES('rank', ?)", (f"bm25({TITLE_WEIGHT}, 1.0)",))
    ids = {}
    t0 = time.perf_counter()
    tokens = 0
    for rowid, doc in enumerate(docs, 1):
        title, body = analyzer.analyze(doc["title"]), analyzer.analyze(doc["text"])
        tokens += len(title) + len(body)
        db.execute(
            "INSERT INTO fts(rowid, title, body) VALUES(?,?,?)", (rowid, " ".join(title), " ".join(body))
        )
        ids[doc["id"]] = rowid
    build_s = time.perf_counter() - t0
    out: dict[str, dict[str, float]] = {}
    for mode, relax in (("and", False), ("and>or", True)):
        rr: dict[str, list[float]] = defaultdict(list)
        for kind, text, target in queries:
            rows = top10(db, analyzer, text, relax)
            rank = rows.index(ids[target]) + 1 if ids[target] in rows else 0
            for key in (kind, "all"):
                rr[key].append(1.0 / rank if rank else 0.0)
        result = {f"mrr_{k}": sum(v) / len(v) for k, v in rr.items()}
        result["recall_all"] = sum(1 for v in rr["all"] if v) / len(rr["all"])
        result["build_s"] = build_s
        result["tokens"] = tokens
        out[mode] = result
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--queries", type=int, default=300, help="queries per outlet")
    parser.add_argument("--heldout", default="bbc.com/arabic", help="outlet reported, not tuned on")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not args.data.exists():
        print(f"skipped: {args.data} not found")
        return 0
    by_source: dict[str, list[dict[str, str]]] = defaultdict(list)
    with args.data.open(encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            by_source[doc["source"]].append(doc)
    variants = [Analyzer(name) for name in STEMMERS] + [Analyzer("light", expand=False)]
    rows: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    for source, docs in sorted(by_source.items()):
        queries = make_queries(docs, args.queries, args.seed)
        for analyzer in variants:
            for mode, result in evaluate(analyzer, docs, queries).items():
                rows[f"{analyzer.name} {mode}"][source] = result

    def mean(name: str, sources: list[str], key: str) -> float:
        return sum(rows[name][s][key] for s in sources) / len(sources)

    tune = [s for s in by_source if s != args.heldout]
    best = max(rows, key=lambda name: mean(name, tune, "mrr_all"))
    print(f"tuned on {', '.join(sorted(tune))}; held out {args.heldout}; {args.queries} queries per outlet\n")
    header = f"{'variant':<20} {'MRR@10 tune':>12} {'R@10 tune':>10} {'MRR@10 held':>12} {'R@10 held':>10} {'known-item':>11} {'headline':>9} {'vs best':>8}"
    print(header)
    print("-" * len(header))
    best_held = mean(best, [args.heldout], "mrr_all")
    for name in rows:
        held = [args.heldout]
        print(
            f"{name + ('*' if name == best else ''):<20} {mean(name, tune, 'mrr_all'):>12.3f} "
            f"{mean(name, tune, 'recall_all'):>10.3f} {mean(name, held, 'mrr_all'):>12.3f} "
            f"{mean(name, held, 'recall_all'):>10.3f} {mean(name, held, 'mrr_known-item'):>11.3f} "
            f"{mean(name, held, 'mrr_headline'):>9.3f} {mean(name, held, 'mrr_all') / best_held:>7.2f}x"
        )
    print("\n* chosen on the tuning outlets; known-item/headline columns are held-out MRR@10")
    return 0


if __name__ == "__main__":
    sys.exit(main())
