"""Near-duplicate index: throughput and memory vs datasketch's MinHashLSH, plus tracker quality.

Corpus: invented articles from tests/stories/corpus.py (no network, no shared data needed).
Prints one table; ratios are against datasketch (the strongest peer for MinHash LSH).
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from datasketch import MinHash, MinHashLSH

from bawaba.pipeline.dedup import DedupParams, MinHasher, NearDuplicateIndex, text_terms

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "stories"))
from corpus import generate


def ours(texts: list[list[str]], traced: bool = False) -> tuple[float, float]:
    hasher = MinHasher(DedupParams())
    if traced:
        tracemalloc.start()
    t0 = time.perf_counter()
    index = NearDuplicateIndex(hasher.params)
    for slot, terms in enumerate(texts):
        fp = hasher.fingerprint(terms)
        index.matches(fp)
        index.add(slot, fp)
    rate = len(texts) / (time.perf_counter() - t0)
    if not traced:
        return rate, 0.0
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return rate, current / len(texts)


def peer(texts: list[list[str]], traced: bool = False) -> tuple[float, float]:
    p = DedupParams()
    if traced:
        tracemalloc.start()
    t0 = time.perf_counter()
    lsh = MinHashLSH(num_perm=p.num_perm, params=(p.bands, p.rows))
    for slot, terms in enumerate(texts):
        m = MinHash(num_perm=p.num_perm)
        m.update_batch(" ".join(terms[i:i + p.shingle]).encode() for i in range(max(1, len(terms) - p.shingle + 1)))
        lsh.query(m)
        lsh.insert(slot, m)
    rate = len(texts) / (time.perf_counter() - t0)
    if not traced:
        return rate, 0.0
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return rate, current / len(texts)


def quality() -> tuple[float, float, float]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "stories"))
    import test_stories as t  # the same scoring as the acceptance test

    from bawaba.pipeline.stories import StoryTracker
    from bawaba.store import open_store

    with tempfile.TemporaryDirectory() as d:
        store = open_store(f"sqlite:///{d}/b.db")
        arts = generate(300, seed=99, outlets=("masa", "fajr", "qalam", "nour"), copiers=("rabt", "naql"))
        key_of: dict[int, object] = {}
        t0 = time.perf_counter()
        t._ingest(store, StoryTracker(store), arts, key_of)
        rate = len(arts) / (time.perf_counter() - t0)
        f1, bcubed = t._scores(store, key_of)  # type: ignore[arg-type]
        store.close()
    return f1, bcubed, rate


def main() -> None:
    texts = [text_terms(a.text) for a in generate(1500, seed=7)]
    o_rate, _ = ours(texts)
    p_rate, _ = peer(texts)
    _, o_mem = ours(texts, traced=True)
    _, p_mem = peer(texts, traced=True)
    print(f"{'index':<22}{'articles/s':>12}{'bytes/article':>15}{'speed ratio':>13}{'memory ratio':>14}")
    print(f"{'bawaba compact LSH':<22}{o_rate:>12,.0f}{o_mem:>15,.0f}{o_rate / p_rate:>13.2f}{o_mem / p_mem:>14.2f}")
    print(f"{'datasketch MinHashLSH':<22}{p_rate:>12,.0f}{p_mem:>15,.0f}{1.0:>13.2f}{1.0:>14.2f}")
    print(f"(n={len(texts)} articles; analysis excluded)")
    f1, bcubed, rate = quality()
    print(f"tracker on held-out outlets: republication F1 {f1:.3f}, story B-cubed F1 {bcubed:.3f}, "
          f"{rate:,.0f} articles/s including SQLite writes")


if __name__ == "__main__":
    main()
