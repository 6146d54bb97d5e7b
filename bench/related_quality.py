"""Related articles ("قد تقرأ أيضا") on the demo manifest: do the links belong with the article?

The demo network's manifest (invented articles with gold categories and story ids) is imported
into a fresh SQLite store through the same enricher a crawl uses (classifier, story tracker),
so categories and duplicates are the system's own, not the gold ones. For every stored article
the list an article page shows (``web.related.related_articles``, 6 links) is compared with the
baseline a portal without search would show: the newest originals of the article's category.

Judged against the gold data: the share of links in the same story, in the same category, in
either; and story recall, the share of the story's other texts (at most 6; an original and its
copies count once, as related shows originals only) that the list shows. Copies of the article
itself are never expected (related excludes them).

    python bench/related_quality.py [--n 6]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bawaba.archive import import_jsonl
from bawaba.demo import start_network
from bawaba.models import Article
from bawaba.pipeline.enrich import build_enricher
from bawaba.store import SqlStore, open_store
from bawaba.store.base import ArticleFilter, Store
from bawaba.web.related import related_articles


@dataclass
class Tally:
    links: int = 0
    same_story: int = 0
    same_category: int = 0
    either: int = 0
    recall: list[float] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)


def manifest_jsonl(articles: list[dict[str, Any]]) -> bytes:
    """The manifest as an import file, oldest first, without the gold category (the classifier decides)."""
    lines = []
    for a in sorted(articles, key=lambda a: (a["published_at"] or "", a["url"])):
        record = {k: a[k] for k in ("url", "title", "text", "author", "published_at", "section")}
        record["source"] = a["site"]
        record["images"] = a.get("images") or []
        lines.append(json.dumps(record, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8")


def recent_same_category(store: Store, article: Article, n: int) -> list[Article]:
    """The baseline: the newest originals of the article's category, minus the article and its copies."""
    page = store.list_articles(ArticleFilter(category=article.category, originals_only=True), limit=n + 4)
    out = []
    for a in page.items:
        if a.id == article.id or a.canonical_url == article.canonical_url:
            continue
        if article.duplicate_of is not None and a.id == article.duplicate_of:
            continue
        if a.duplicate_of is not None and a.duplicate_of in (article.id, article.duplicate_of):
            continue
        out.append(a)
    return out[:n]


def all_articles(store: Store) -> list[Article]:
    out: list[Article] = []
    cursor = None
    while True:
        page = store.list_articles(ArticleFilter(), limit=200, cursor=cursor)
        out += page.items
        if not page.next_cursor:
            return out
        cursor = page.next_cursor


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=6, help="links per article (the article page shows 6)")
    args = parser.parse_args()
    with start_network(host="127.0.0.1", base_port=0) as net:
        manifest = net.manifest()
    gold_articles = [a for a in manifest["articles"] if not a.get("disallowed") and not a.get("broken")]
    gold = {a["url"]: a for a in gold_articles}
    with tempfile.TemporaryDirectory(prefix="bawaba-related-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'related.db'}")
        assert isinstance(store, SqlStore)
        t0 = time.perf_counter()
        report = import_jsonl(store, io.BytesIO(manifest_jsonl(gold_articles)), enrich=build_enricher(store))
        import_s = time.perf_counter() - t0
        stored = all_articles(store)
        by_url = {a.url: a for a in stored}

        def same_origin(x: dict[str, Any], y: dict[str, Any]) -> bool:
            """One is a republication of the other (or both of a third): related hides those."""
            ox, oy = x.get("original_url") or x["url"], y.get("original_url") or y["url"]
            return bool(ox == oy)

        methods: dict[str, Callable[[Store, Article, int], list[Article]]] = {
            "bawaba related": related_articles,
            "recent same category": recent_same_category,
        }
        tallies = {name: Tally() for name in methods}
        categorised = sum(1 for a in stored if a.category == gold[a.url]["category"])
        for article in stored:
            g = gold[article.url]
            # the other versions of the story, one entry per original text: a copy of an
            # original stands for it (related shows one of them, never both)
            mates: dict[str, set[str]] = {}
            for u, o in gold.items():
                if o["story_id"] and o["story_id"] == g["story_id"] and u in by_url and not same_origin(o, g):
                    mates.setdefault(o.get("original_url") or u, set()).add(u)
            for name, fn in methods.items():
                t = tallies[name]
                start = time.perf_counter()
                links = fn(store, article, args.n)
                t.ms.append((time.perf_counter() - start) * 1000)
                for link in links:
                    lg = gold[link.url]
                    story = bool(g["story_id"]) and lg["story_id"] == g["story_id"]
                    cat = lg["category"] == g["category"]
                    t.links += 1
                    t.same_story += story
                    t.same_category += cat
                    t.either += story or cat
                if mates:
                    urls = {link.url for link in links}
                    shown = sum(1 for versions in mates.values() if versions & urls)
                    t.recall.append(shown / min(args.n, len(mates)))
        store.close()

    with_story = len(tallies["bawaba related"].recall)
    print(
        f"{len(stored)} demo articles imported in {import_s:.1f}s ({len(report.errors)} errors); "
        f"{with_story} have other articles of their story; stored category = gold for "
        f"{categorised}/{len(stored)}; {args.n} links per article\n"
    )
    base = tallies["recent same category"]
    rows: list[tuple[str, Callable[[Tally], float], str]] = [
        ("links shown", lambda t: float(t.links), "{:.0f}"),
        ("same story (share)", lambda t: t.same_story / max(1, t.links), "{:.3f}"),
        ("same category (share)", lambda t: t.same_category / max(1, t.links), "{:.3f}"),
        ("story or category (share)", lambda t: t.either / max(1, t.links), "{:.3f}"),
        ("story recall", lambda t: statistics.fmean(t.recall) if t.recall else 0.0, "{:.3f}"),
        ("ms per article p50", lambda t: statistics.median(t.ms), "{:.2f}"),
        ("ms per article p95", lambda t: sorted(t.ms)[int(0.95 * len(t.ms))], "{:.2f}"),
    ]
    print(f"{'metric':<28} {'bawaba related':>15} {'recent same cat':>16} {'ratio':>7}")
    for label, metric, fmt in rows:
        mine, peer = metric(tallies["bawaba related"]), metric(base)
        ratio = f"{mine / peer:.2f}x" if peer else "-"
        print(f"{label:<28} {fmt.format(mine):>15} {fmt.format(peer):>16} {ratio:>7}")
    print("\nshares and recall are judged against the manifest's gold stories and categories")
    return 0


if __name__ == "__main__":
    sys.exit(main())
