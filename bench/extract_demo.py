"""Extraction quality on every article page of the demo network, per site.

Starts the offline demo network on loopback (no politeness delays), fetches every article of the
manifest that is neither disallowed by robots.txt nor deliberately broken, runs
``extract_article`` on the fetched bytes and scores the body against the manifest's gold text.
Prints per site: pages, mean token precision/recall/F1, exact-title rate, pages under F1 0.97,
then the ten worst pages with their F1 and the first words that differ from gold. Plain
trafilatura on the same bytes is the peer row, with our F1 as a ratio of it.

    python bench/extract_demo.py [--worst N] [--site SLUG] [--obfuscate]

``--obfuscate`` replaces every class and id value by a random token before extraction: what is
left is what the extractor finds by structure alone, as on a template whose names mean nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from bawaba.demo import start_network  # noqa: E402
from bawaba.errors import BawabaError  # noqa: E402
from bawaba.pipeline.decode import decode_html  # noqa: E402
from bawaba.pipeline.extract import extract_article  # noqa: E402
from extract.scoring import token_prf, tokens  # noqa: E402

TARGET_MEAN = 0.99
TARGET_PAGE = 0.97


@dataclass(frozen=True)
class Score:
    site: str
    url: str
    p: float
    r: float
    f: float
    title_ok: bool
    extra: str
    missing: str
    images: int  # gold images found (same src)
    captions: int  # of those, with the gold caption
    gold_images: int
    leaked: bool  # a gold caption inside the body text or html


def _fetch(client: httpx.Client, url: str) -> httpx.Response:
    """GET with a few retries on 429/503 (the misbehaving site answers one of those first)."""
    for _ in range(4):
        resp = client.get(url)
        if resp.status_code not in (429, 503):
            return resp
        time.sleep(min(float(resp.headers.get("retry-after", "0") or 0), 1.0))
    return resp


def _diff(pred: str, gold: str) -> tuple[str, str]:
    p, g = Counter(tokens(pred)), Counter(tokens(gold))
    extra = " ".join(t for t in tokens(pred) if (p - g)[t])[:80]
    missing = " ".join(t for t in tokens(gold) if (g - p)[t])[:80]
    return extra, missing


def _share(values: Iterable[int], total: int) -> float:
    return sum(values) / total if total else 1.0


def _trafilatura_text(body: bytes, url: str, ct: str | None) -> str:
    import trafilatura

    return trafilatura.extract(decode_html(body, ct), url=url, include_comments=False) or ""


def _obfuscate(body: bytes, ct: str | None, rnd: random.Random) -> bytes:
    tree = lxml_html.document_fromstring(decode_html(body, ct))
    for el in tree.iter():
        for attr in ("class", "id"):
            if isinstance(el.tag, str) and el.get(attr):
                el.set(attr, "".join(rnd.choice("abcdefghijklmnop") for _ in range(6)))
    out: bytes = lxml_html.tostring(tree, encoding="utf-8")
    return out


def _score_all(articles: list[dict[str, Any]], obfuscate: bool) -> tuple[list[Score], list[float]]:
    ours: list[Score] = []
    peer: list[float] = []
    rnd = random.Random(7)
    with httpx.Client(timeout=30, follow_redirects=True, max_redirects=5) as client:
        for a in articles:
            resp = _fetch(client, a["url"])
            ct = resp.headers.get("content-type")
            body = _obfuscate(resp.content, ct, rnd) if obfuscate else resp.content
            if obfuscate:
                ct = "text/html; charset=utf-8"
            try:
                got = extract_article(body, a["url"], content_type=ct)
                title, text, html = got.title, got.text, got.html
                found = {i.src: i.caption for i in got.images}
            except BawabaError:
                title, text, html, found = "", "", "", {}
            p, r, f = token_prf(text, a["text"])
            extra, missing = _diff(text, a["text"])
            gold = [(i["src"], i["caption"]) for i in a["images"]]
            ours.append(
                Score(
                    a["site"], a["url"], p, r, f, title == a["title"], extra, missing,
                    images=sum(src in found for src, _ in gold),
                    captions=sum(found.get(src) == cap for src, cap in gold),
                    gold_images=len(gold),
                    leaked=any(cap and cap not in a["text"] and (cap in text or cap in html) for _, cap in gold),
                )
            )  # fmt: skip
            try:
                peer.append(token_prf(_trafilatura_text(body, a["url"], ct), a["text"])[2])
            except ImportError:
                peer.append(float("nan"))
    return ours, peer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worst", type=int, default=10)
    parser.add_argument("--site", default=None)
    parser.add_argument("--obfuscate", action="store_true", help="random class and id values")
    args = parser.parse_args()
    with start_network(delay_scale=0) as net:
        manifest = net.manifest()
        articles = [
            a
            for a in manifest["articles"]
            if not a["disallowed"] and not a["broken"] and (args.site is None or a["site"] == args.site)
        ]
        start = time.perf_counter()
        scores, peer = _score_all(articles, args.obfuscate)
        elapsed = time.perf_counter() - start

    by_site: dict[str, list[tuple[Score, float]]] = defaultdict(list)
    for s, pf in zip(scores, peer, strict=True):
        by_site[s.site].append((s, pf))
    print(f"{len(scores)} article pages fetched and extracted in {elapsed:.1f} s")
    print(
        f"\n{'site':8} {'pages':>5} {'prec':>6} {'rec':>6} {'F1':>6} {'min F1':>7} {'<0.97':>6}"
        f" {'title':>6} {'images':>7} {'capt.':>6} {'leak':>5} {'trafil. F1':>11} {'ratio':>6}  verdict"
    )
    every = []
    for site in sorted(by_site):
        rows = by_site[site]
        f1s = [s.f for s, _ in rows]
        every.extend(f1s)
        mean_f = statistics.mean(f1s)
        gold = sum(s.gold_images for s, _ in rows)
        peer_f = statistics.mean(pf for _, pf in rows)
        ok = mean_f >= TARGET_MEAN and min(f1s) >= TARGET_PAGE
        print(
            f"{site:8} {len(rows):5d} {statistics.mean(s.p for s, _ in rows):6.3f}"
            f" {statistics.mean(s.r for s, _ in rows):6.3f} {mean_f:6.3f} {min(f1s):7.3f}"
            f" {sum(f < TARGET_PAGE for f in f1s):6d} {statistics.mean(s.title_ok for s, _ in rows):6.2f}"
            f" {_share((s.images for s, _ in rows), gold):7.3f} {_share((s.captions for s, _ in rows), gold):6.3f}"
            f" {sum(s.leaked for s, _ in rows):5d} {peer_f:11.3f} {mean_f / peer_f if peer_f else float('nan'):5.2f}x  {'ok' if ok else 'BELOW TARGET'}"
        )
    all_peer = statistics.mean(peer)
    gold = sum(s.gold_images for s in scores)
    print(
        f"{'all':8} {len(every):5d} {'':6} {'':6} {statistics.mean(every):6.3f} {min(every):7.3f}"
        f" {sum(f < TARGET_PAGE for f in every):6d} {statistics.mean(s.title_ok for s in scores):6.2f}"
        f" {_share((s.images for s in scores), gold):7.3f} {_share((s.captions for s in scores), gold):6.3f}"
        f" {sum(s.leaked for s in scores):5d} {all_peer:11.3f} {statistics.mean(every) / all_peer:5.2f}x"
    )
    print(f"target: mean F1 >= {TARGET_MEAN} per site and every page >= {TARGET_PAGE}")
    print(
        "images = share of the manifest's images found (same src); capt. = share found with the"
        " manifest's caption; leak = pages with a caption in the body text or html"
    )
    print(f"\nworst {args.worst} pages per site (F1, url, words not in gold | gold words missing):")
    for site in sorted(by_site):
        worst = sorted((s for s, _ in by_site[site]), key=lambda s: s.f)[: args.worst]
        print(f"-- {site}")
        for s in worst:
            title = "" if s.title_ok else "  [title differs]"
            print(f"  {s.f:.3f}  {s.url.split('/', 3)[-1]}{title}")
            if s.f < 1.0:
                print(f"         +[{s.extra}] -[{s.missing}]")


if __name__ == "__main__":
    main()
