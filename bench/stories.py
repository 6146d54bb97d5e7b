"""Stories benchmark: republication provenance, story clusters, index speed and memory.

Corpora, all built at run time:
- ``invented``: tests/stories/corpus.py, seed 3 outlets (tuning) and seed 99 outlets (held out);
- ``demo``: the demo network's manifest, imported through ``bawaba.archive.import_jsonl`` with
  the enricher into a fresh SQLite store (no crawling: texts as the manifest gives them);
- ``news-categories/<outlet>``: synthetic republications of ../shared/data/news-categories
  articles (whole copies with counters and footers, trimmed, reordered, retitled), among the
  outlet's other articles of the same categories; skipped when the data is absent. The defaults
  were chosen on alarabiya.net; bbc and skynewsarabia are reported as held out.

Rates are CPU seconds of this process (one core; the machine is shared, wall time is noisy).
Speed runs and tracemalloc memory runs are separate. Peer: datasketch MinHashLSH.
"""

from __future__ import annotations

import io
import json
import random
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from datasketch import MinHash, MinHashLSH

from bawaba.pipeline.dedup import DedupParams, MinHasher, NearDuplicateIndex, text_terms
from bawaba.pipeline.story_window import StoryWindow

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "stories"))
from corpus import generate  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "news-categories" / "news_categories_dev.jsonl"
FOOTERS = ["قد تقرأ أيضا: {other}", "انت الان تتصفح خبر بعنوان {title}", "تابعونا على حساباتنا لمزيد من الأخبار",
           "اقرأ أيضا: {other}"]


@dataclass(frozen=True, slots=True)
class Item:
    """One article of a benchmark corpus, in arrival order."""

    url: str
    source: str
    title: str
    text: str
    when: datetime
    story: Hashable
    original: str | None  # url of the article it copies


# -- corpora ---------------------------------------------------------------------------
def invented(seed: int, outlets: tuple[str, ...], copiers: tuple[str, ...], n: int = 300) -> list[Item]:
    gen = generate(n, seed=seed, outlets=outlets, copiers=copiers)
    url = {g.key: g.url for g in gen}
    return [Item(g.url, g.source, g.title, g.text, g.published_at, g.story, url[g.original] if g.original else None)
            for g in gen]


def demo() -> list[Item]:
    from bawaba.demo import start_network

    network = start_network(delay_scale=0)
    try:
        manifest = network.manifest()
    finally:
        network.stop()
    return [Item(a["url"], a["site"], a["title"], a["text"], datetime.fromisoformat(a["published_at"]),
                 a["story_id"] or a["url"], a["original_url"]) for a in manifest["articles"] if not a["broken"]]


def republications(rows: list[dict[str, str]], outlet: str, n: int, seed: int) -> list[Item]:
    """``n`` of ``outlet``'s articles as originals, 0-2 copies each by two copier sites, plus
    ``n`` more of its same-category articles as distractors; arrival = publication + polling delay."""
    rng = random.Random(seed)
    mine = [r for r in rows if r["source"] == outlet]
    rng.shuffle(mine)
    chosen = mine[: 2 * n]
    out: list[Item] = []
    arrival: dict[str, datetime] = {}
    for i, r in enumerate(chosen):
        day = datetime.fromisoformat(r["date"]).replace(tzinfo=UTC)
        when = day + timedelta(minutes=rng.randint(0, 24 * 60))
        url = f"https://{outlet}/a/{r['id']}"
        orig = Item(url, outlet, r["title"], r["text"].replace("\n", "\n\n"), when, url, None)
        out.append(orig)
        arrival[url] = when + timedelta(minutes=rng.randint(0, 360))
        if i >= n:
            continue  # a distractor: an original nobody copies
        same = [x for x in chosen if x["category"] == r["category"] and x is not r] or chosen
        for copier in rng.sample(["nabd-copy", "sahel-copy"], rng.randint(0, 2)):
            c = _copy(rng, orig, copier, rng.choice(same)["title"])
            out.append(c)
            arrival[c.url] = c.when + timedelta(minutes=rng.randint(0, 360))
    out.sort(key=lambda it: (arrival[it.url], it.url))
    return out


def _copy(rng: random.Random, orig: Item, copier: str, other_title: str) -> Item:
    paras = [p for p in orig.text.split("\n\n") if p.strip()]
    kind = rng.choice(["whole", "trim", "reorder", "retitle"])
    title = orig.title
    if kind == "trim" and len(paras) > 2:
        paras = paras[: max(2, int(len(paras) * rng.uniform(0.5, 0.8)))]
    elif kind == "reorder" and len(paras) > 2:
        rest = paras[1:]
        rng.shuffle(rest)
        paras = paras[:1] + rest
    elif kind == "retitle":
        title = "عاجل: " + orig.title
    footer = rng.choice(FOOTERS).format(title=orig.title, other=other_title)
    paras = [f"{rng.randint(1, 5)}/5", *paras, footer]
    return Item(f"https://{copier}/r/{rng.getrandbits(40):x}", copier, title, "\n\n".join(paras),
                orig.when + timedelta(minutes=rng.randint(5, 240)), orig.story, orig.url)


# -- scoring ---------------------------------------------------------------------------
def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / max(tp + fp, 1)
    r = tp / max(tp + fn, 1)
    return p, r, 2 * p * r / max(p + r, 1e-9)


def republication_scores(items: list[Item], got: dict[str, str | None]) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for it in items:
        g = got.get(it.url)
        tp += g is not None and g == it.original
        fp += g is not None and g != it.original
        fn += it.original is not None and g != it.original
    return prf(tp, fp, fn)


def bcubed(items: list[Item], pred: dict[str, Hashable]) -> tuple[float, float, float]:
    gold_cl: dict[Hashable, set[str]] = defaultdict(set)
    pred_cl: dict[Hashable, set[str]] = defaultdict(set)
    for it in items:
        gold_cl[it.story].add(it.url)
        pred_cl[pred[it.url]].add(it.url)
    p = sum(len(gold_cl[it.story] & pred_cl[pred[it.url]]) / len(pred_cl[pred[it.url]]) for it in items)
    r = sum(len(gold_cl[it.story] & pred_cl[pred[it.url]]) / len(gold_cl[it.story]) for it in items)
    p, r = p / len(items), r / len(items)
    return p, r, 2 * p * r / (p + r)


def whole_stories(items: list[Item], pred: dict[str, Hashable]) -> tuple[int, int]:
    """(stories of more than one site that come out as one story, stories of more than one site);
    the demo's single-site articles have their url as story and do not count."""
    sites: dict[Hashable, set[str]] = defaultdict(set)
    got: dict[Hashable, set[Hashable]] = defaultdict(set)
    for it in items:
        if it.story != it.url:
            sites[it.story].add(it.source)
            got[it.story].add(pred[it.url])
    multi = [s for s, v in sites.items() if len(v) > 1]
    return sum(len(got[s]) == 1 for s in multi), len(multi)


# -- systems ---------------------------------------------------------------------------
def run_window(items: list[Item]) -> tuple[dict[str, str | None], dict[str, Hashable], float]:
    """The pure StoryWindow (analysis included): (duplicate_of urls, story ids, CPU articles/s)."""
    window = StoryWindow(72)
    url_of: dict[int, str] = {}
    dup: dict[int, int | None] = {}
    story: dict[int, int] = {}
    next_story = 0
    t0 = time.process_time()
    for i, it in enumerate(items, 1):
        d = window.decide(it.url, 0, it.title, it.text, it.when, it.when)
        if not d.story_id:
            next_story += 1
            d.story_id = next_story
        for r in window.admit(d, i):
            dup[r.article_id], story[r.article_id] = r.duplicate_of, r.story_id
        url_of[i], dup[i], story[i] = it.url, d.duplicate_of, d.story_id
    rate = len(items) / max(time.process_time() - t0, 1e-9)
    return ({url_of[i]: url_of[o] if o else None for i, o in dup.items()},
            {url_of[i]: s for i, s in story.items()}, rate)


def run_demo_store(items: list[Item]) -> tuple[dict[str, str | None], dict[str, Hashable], float]:
    """The demo manifest through the importer and enricher into a fresh SQLite store."""
    from bawaba.archive import import_jsonl
    from bawaba.pipeline.enrich import build_enricher
    from bawaba.store import open_store

    lines = "".join(json.dumps({"url": it.url, "source": it.source, "title": it.title, "text": it.text,
                                "published_at": it.when.isoformat()}, ensure_ascii=False) + "\n" for it in items)
    with tempfile.TemporaryDirectory() as d:
        store = open_store(f"sqlite:///{d}/demo.db")
        t0 = time.process_time()
        import_jsonl(store, io.BytesIO(lines.encode()), enrich=build_enricher(store))
        rate = len(items) / (time.process_time() - t0)
        rows = {int(a.id or 0): a for a in store.iter_articles()}
        store.close()
    dup = {a.url: rows[a.duplicate_of].url if a.duplicate_of else None for a in rows.values()}
    return dup, {a.url: a.story_id for a in rows.values()}, rate


def peer_quality(items: list[Item], terms: list[list[str]]) -> dict[str, str | None]:
    """datasketch MinHashLSH (Jaccard threshold 0.5): each article copies the earliest-published
    article it collides with, followed to that article's own original (re-pointing included)."""
    p = DedupParams()
    lsh = MinHashLSH(threshold=0.5, num_perm=p.num_perm)
    linked: dict[int, set[int]] = defaultdict(set)
    for i, t in enumerate(terms):
        m = _peer_minhash(t, p)
        for j in lsh.query(m):
            linked[i].add(int(j))
            linked[int(j)].add(i)
        lsh.insert(i, m)
    order = {i: (it.when, i) for i, it in enumerate(items)}

    def root(i: int, seen: frozenset[int] = frozenset()) -> int:
        earlier = [j for j in linked[i] if order[j] < order[i] and j not in seen]
        return root(min(earlier, key=order.__getitem__), seen | {i}) if earlier else i

    out: dict[str, str | None] = {}
    for i, it in enumerate(items):
        r = root(i)
        out[it.url] = items[r].url if r != i else None
    return out


def _peer_minhash(terms: list[str], p: DedupParams) -> MinHash:
    m = MinHash(num_perm=p.num_perm)
    m.update_batch(" ".join(terms[i:i + p.shingle]).encode() for i in range(max(1, len(terms) - p.shingle + 1)))
    return m


def index_ours(terms: list[list[str]]) -> None:
    hasher = MinHasher(DedupParams())
    index = NearDuplicateIndex(hasher.params)
    for slot, t in enumerate(terms):
        fp = hasher.fingerprint(t)
        index.matches(fp)
        index.add(slot, fp)
    globals()["_keep"] = index  # alive while tracemalloc reads the total


def index_peer(terms: list[list[str]]) -> None:
    p = DedupParams()
    lsh = MinHashLSH(num_perm=p.num_perm, params=(p.bands, p.rows))
    for slot, t in enumerate(terms):
        m = _peer_minhash(t, p)
        lsh.query(m)
        lsh.insert(slot, m)
    globals()["_keep"] = lsh


def speed_and_memory(fn: Callable[[list[list[str]]], None], terms: list[list[str]]) -> tuple[float, float]:
    """(CPU articles/s without tracing, traced bytes per article after the run)."""
    t0 = time.process_time()
    fn(terms)
    rate = len(terms) / (time.process_time() - t0)
    globals().pop("_keep", None)
    tracemalloc.start()
    fn(terms)
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    globals().pop("_keep", None)
    return rate, current / len(terms)


# -- report ----------------------------------------------------------------------------
def main() -> None:
    corpora: list[tuple[str, list[Item]]] = [
        ("invented seed 3 (tune)", invented(3, ("sada", "nile", "rased", "delta"), ("nabd", "sahel"))),
        ("invented seed 99 (held out)", invented(99, ("masa", "fajr", "qalam", "nour"), ("rabt", "naql"))),
        ("demo manifest", demo()),
    ]
    if SHARED.is_file():
        rows = [json.loads(line) for line in SHARED.open(encoding="utf-8")]
        for outlet, tag in (("alarabiya.net", "tune"), ("bbc.com/arabic", "held out"),
                            ("skynewsarabia.com", "held out")):
            corpora.append((f"news-categories {outlet} ({tag})", republications(rows, outlet, 600, seed=5)))
    else:
        print(f"({SHARED} absent: news-categories rows skipped)")
    head = (f"{'corpus':<46}{'system':<22}{'rep P':>7}{'rep R':>7}{'rep F1':>7}{'B3 P':>7}{'B3 R':>7}{'B3 F1':>7}"
            f"{'whole':>9}{'index art/s':>12}{'index B/art':>12}{'window art/s':>13}")
    print(head)
    print("-" * len(head))
    for name, items in corpora:
        terms = [text_terms(it.text) for it in items]
        dup, story, window_rate = run_window(items)
        o_rate, o_mem = speed_and_memory(index_ours, terms)
        p_rate, p_mem = speed_and_memory(index_peer, terms)
        rp, rr, rf = republication_scores(items, dup)
        bp, br, bf = bcubed(items, story)
        w, m = whole_stories(items, story)
        print(f"{name:<46}{'bawaba':<22}{rp:>7.3f}{rr:>7.3f}{rf:>7.3f}{bp:>7.3f}{br:>7.3f}{bf:>7.3f}"
              f"{f'{w}/{m}':>9}{o_rate:>12,.0f}{o_mem:>12,.0f}{window_rate:>13,.0f}")
        pp, pr, pf = republication_scores(items, peer_quality(items, terms))
        print(f"{'':<46}{'datasketch MinHashLSH':<22}{pp:>7.3f}{pr:>7.3f}{pf:>7.3f}{'—':>7}{'—':>7}{'—':>7}"
              f"{'—':>9}{p_rate:>12,.0f}{p_mem:>12,.0f}{'—':>13}")
        print(f"{'':<46}{'ratio bawaba/peer':<22}{'':>51}{o_rate / p_rate:>12.2f}{o_mem / p_mem:>12.2f}"
              f"   n={len(items)}")
        if name == "demo manifest":
            sdup, sstory, srate = run_demo_store(items)
            rp, rr, rf = republication_scores(items, sdup)
            bp, br, bf = bcubed(items, sstory)
            w, m = whole_stories(items, sstory)
            print(f"{'demo manifest via import_jsonl + SQLite':<46}{'bawaba (store)':<22}{rp:>7.3f}{rr:>7.3f}"
                  f"{rf:>7.3f}{bp:>7.3f}{br:>7.3f}{bf:>7.3f}{f'{w}/{m}':>9}{'':>24}{srate:>13,.0f}")


if __name__ == "__main__":
    main()
