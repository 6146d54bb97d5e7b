"""Ingest benchmark: crawl the demo network end to end and compare with plain extractors.

Rows: bawaba's whole ingest (feeds, fetch, extract, clean, classify, store) and, on the same
article URLs in the same run, trafilatura / readability-lxml / newspaper4k (fetch + extract).
Quality is token P/R/F1 of the body against the manifest's gold text, plus the share of pages
with aggregator/news chrome left in. Politeness delays are off (loopback only).

    python bench/ingest.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from bawaba.commands.crawl import crawl_pass
from bawaba.commands.sources import save_spec
from bawaba.config import Settings
from bawaba.demo import start_network
from bawaba.pipeline.discover import discover_source
from bawaba.pipeline.fetch import Fetcher, FetchPolicy
from bawaba.store import open_store
from bawaba.text.normalize import normalize

CHROME = ("قد تقرأ ايضا", "اقرأ ايضا", "اقرا ايضا", "انت الان تتصفح", "لا نتحمل اي مسووليه",
          "جميع الحقوق محفوظه", "المصدر الاصلي", "شارك علي", "تابعونا")


def prf(pred: str, gold: str) -> tuple[float, float, float]:
    p, g = Counter(pred.split()), Counter(gold.split())
    common = sum((p & g).values())
    if not common:
        return 0.0, 0.0, 0.0
    precision, recall = common / sum(p.values()), common / sum(g.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def has_chrome(text: str) -> bool:
    folded = normalize(text)
    return any(normalize(c) in folded for c in CHROME)


def score(texts: dict[str, str], gold: dict[str, dict[str, Any]]) -> dict[str, float]:
    rows = [prf(texts.get(u, ""), g["text"]) for u, g in gold.items()]
    return {
        "P": statistics.fmean(r[0] for r in rows),
        "R": statistics.fmean(r[1] for r in rows),
        "F1": statistics.fmean(r[2] for r in rows),
        "chrome": sum(has_chrome(texts.get(u, "")) for u in gold) / len(gold),
    }


async def fetch_all(urls: list[str], concurrency: int = 16) -> dict[str, bytes]:
    sem = asyncio.Semaphore(concurrency)
    out: dict[str, bytes] = {}
    async with httpx.AsyncClient(timeout=30, follow_redirects=True) as client:

        async def one(u: str) -> None:
            async with sem:
                out[u] = (await client.get(u)).content

        await asyncio.gather(*(one(u) for u in urls))
    return out


def run_bawaba(net: Any, tmp: Path, i: int) -> tuple[float, dict[str, str]]:
    cfg = Settings(database_url=f"sqlite:///{tmp / f'bench{i}.db'}", allow_private_addresses=True,
                   host_delay_s=0.0, host_concurrency=8)
    store = open_store(cfg.database_url)

    async def add() -> None:
        async with Fetcher(FetchPolicy.from_settings(cfg)) as fetcher:
            for url in net.source_urls():
                save_spec(store, await discover_source(fetcher, url), cfg.default_poll_s)

    asyncio.run(add())
    t0 = time.perf_counter()
    asyncio.run(crawl_pass(store, cfg, quiet=True))
    elapsed = time.perf_counter() - t0
    texts = {a.url: a.text for a in store.iter_articles()}
    store.close()
    return elapsed, texts


def run_peer(urls: list[str], extract: Callable[[bytes, str], str]) -> tuple[float, dict[str, str]]:
    t0 = time.perf_counter()
    pages = asyncio.run(fetch_all(urls))
    texts = {}
    for u, body in pages.items():
        try:
            texts[u] = extract(body, u) or ""
        except Exception:  # a peer's failure on one page scores zero for that page
            texts[u] = ""
    return time.perf_counter() - t0, texts


def trafilatura_extract(body: bytes, url: str) -> str:
    import trafilatura

    return trafilatura.extract(body, url=url) or ""


def readability_extract(body: bytes, url: str) -> str:
    import lxml.html
    from readability import Document

    from bawaba.pipeline.decode import decode_html

    summary = Document(decode_html(body)).summary(html_partial=True)
    return "\n\n".join(p.strip() for p in lxml.html.fromstring(summary).itertext() if p.strip())


def newspaper_extract(body: bytes, url: str) -> str:
    from newspaper import Article

    from bawaba.pipeline.decode import decode_html

    art = Article(url, language="ar", fetch_images=False)
    art.download(input_html=decode_html(body))
    art.parse()
    return str(art.text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3, help="runs per row; the median time is reported")
    ap.add_argument("--delay-scale", type=float, default=1.0,
                    help="the misbehaving demo site's slow pages (0 = off, to compare compute alone)")
    args = ap.parse_args()
    console = Console(width=150)
    peers: dict[str, Callable[[bytes, str], str]] = {"trafilatura (fetch+extract)": trafilatura_extract}
    for name, fn, mod in (("readability-lxml", readability_extract, "readability"),
                          ("newspaper4k", newspaper_extract, "newspaper")):
        try:
            __import__(mod)
            peers[name] = fn
        except ImportError:
            console.print(f"[yellow]{name} not installed; pip install -e '.[bench]' to score it[/yellow]")

    with start_network(host="127.0.0.1", base_port=0, delay_scale=args.delay_scale) as net, \
            tempfile.TemporaryDirectory() as tmpdir:
        manifest = net.manifest()
        gold = {a["url"]: a for a in manifest["articles"] if not a.get("disallowed") and not a.get("broken")}
        urls = sorted(gold)
        results: dict[str, tuple[float, dict[str, float]]] = {}
        times, texts = [], {}
        for i in range(args.repeat):
            t, texts = run_bawaba(net, Path(tmpdir), i)
            times.append(t)
        results["bawaba ingest (feeds+fetch+extract+clean+classify+store)"] = (statistics.median(times), score(texts, gold))
        for name, fn in peers.items():
            times = []
            for _ in range(args.repeat):
                t, texts = run_peer(urls, fn)
                times.append(t)
            results[name] = (statistics.median(times), score(texts, gold))

    n = len(gold)
    traf_name = "trafilatura (fetch+extract)"
    traf_per_page = results[traf_name][0] / n
    table = Table(title=f"ingest of the demo network: {n} article pages, median of {args.repeat} runs")
    for col in ("pipeline", "pages/s", "ms/page", "vs trafilatura time", "P", "R", "F1", "chrome left"):
        table.add_column(col, justify="right" if col != "pipeline" else "left")
    for name, (t, s) in results.items():
        per_page = t / n
        table.add_row(name, f"{n / t:.1f}", f"{per_page * 1000:.1f}", f"{per_page / traf_per_page:.2f}×",
                      f"{s['P']:.3f}", f"{s['R']:.3f}", f"{s['F1']:.3f}", f"{s['chrome']:.0%}")
    console.print(table)
    ours = next(iter(results.values()))
    console.print(f"time per page ratio bawaba/trafilatura: {ours[0] / results[traf_name][0]:.2f} "
                  f"(≤ 1.00 meets the goal); F1 {ours[1]['F1']:.3f} vs {results[traf_name][1]['F1']:.3f}")


if __name__ == "__main__":
    sys.exit(main())
