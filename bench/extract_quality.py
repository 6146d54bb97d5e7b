"""Extraction quality and speed on the saved pages, against the libraries a project would pick instead.

Runs offline on tests/extract/pages (invented pages) and, as a separate row group,
on tests/extract/heldout (templates written before the clean-up rules were tuned on them). Each page is also scored in an "obfuscated"
copy whose class and id names are replaced by random tokens, which shows how much a method relies
on markup names that unseen templates will not share. Prints token precision/recall/F1 (mean),
exact-title rate, ms per page, and F1 ratios against the strongest peer.

    python bench/extract_quality.py
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from bawaba.errors import BawabaError  # noqa: E402
from bawaba.pipeline.decode import decode_html  # noqa: E402
from bawaba.pipeline.extract import extract_article  # noqa: E402
from extract.checks import chrome_left  # noqa: E402
from extract.scoring import token_prf  # noqa: E402

PAGES = ROOT / "tests" / "extract" / "pages"
HELDOUT = ROOT / "tests" / "extract" / "heldout"
Method = Callable[[bytes, str, str | None], tuple[str, str]]


def _ours(favor: str) -> Method:
    def run(body: bytes, url: str, ct: str | None) -> tuple[str, str]:
        try:
            got = extract_article(body, url, content_type=ct, favor=favor)  # type: ignore[arg-type]
        except BawabaError:
            return "", ""
        return got.title, got.text

    return run


def _trafilatura(body: bytes, url: str, ct: str | None) -> tuple[str, str]:
    import trafilatura

    doc = trafilatura.bare_extraction(
        decode_html(body, ct), url=url, with_metadata=True, include_comments=False
    )
    if doc is None or isinstance(doc, dict):
        return "", ""
    return doc.title or "", doc.text or ""


def _readability(body: bytes, url: str, ct: str | None) -> tuple[str, str]:
    from readability import Document

    doc = Document(decode_html(body, ct))
    tree = lxml_html.fromstring(doc.summary() or "<div></div>")
    paras = [" ".join(p.text_content().split()) for p in tree.iter("p", "li", "h2", "h3")]
    return doc.short_title() or "", "\n\n".join(p for p in paras if p)


def _newspaper(body: bytes, url: str, ct: str | None) -> tuple[str, str]:
    from newspaper import Article

    art = Article(url, language="ar", fetch_images=False)
    art.download(input_html=decode_html(body, ct))
    art.parse()
    return art.title or "", art.text or ""


def _obfuscate(body: bytes, ct: str | None, seed: int) -> bytes:
    rnd = random.Random(seed)
    tree = lxml_html.document_fromstring(decode_html(body, ct))
    for el in tree.iter():
        for attr in ("class", "id"):
            if isinstance(el.tag, str) and el.get(attr):
                el.set(attr, "".join(rnd.choice("abcdefghijklmnop") for _ in range(6)))
    out: bytes = lxml_html.tostring(tree, encoding="utf-8")
    return out


def _cases(folder: Path, obfuscate: bool) -> list[tuple[dict[str, Any], bytes, str | None]]:
    cases: list[tuple[dict[str, Any], bytes, str | None]] = []
    for exp_path in sorted(folder.glob("*.expected.json")):
        exp = json.loads(exp_path.read_text(encoding="utf-8"))
        if exp.get("no_article"):
            continue
        body = (folder / exp_path.name.replace(".expected.json", ".html")).read_bytes()
        cases.append((exp, body, exp.get("content_type")))
        if obfuscate:
            cases.append((exp, _obfuscate(body, exp.get("content_type"), len(cases)), None))
    return cases


def _score_group(
    label: str,
    methods: dict[str, Method],
    cases: list[tuple[dict[str, Any], bytes, str | None]],
    skipped: set[str],
) -> None:
    rows = []
    for name, method in methods.items():
        scores, titles, dirty, times = [], 0, 0, []
        try:
            for exp, body, ct in cases:
                start = time.perf_counter()
                title, text = method(body, exp["url"], ct)
                times.append((time.perf_counter() - start) * 1000)
                scores.append(token_prf(text, exp["text"]))
                titles += title.strip() == exp["title"]
                dirty += bool(chrome_left(text, exp.get("chrome", [])))
        except ImportError as exc:
            if name not in skipped:  # reported once, not once per row group
                print(f"skipping {name}: {exc}")
            skipped.add(name)
            continue
        p, r, f = (statistics.mean(s[i] for s in scores) for i in range(3))
        rows.append((name, p, r, f, titles / len(cases), dirty, statistics.median(times)))
    peers = [row for row in rows if not row[0].startswith("bawaba")]
    best_peer = max(peers, key=lambda row: row[3]) if peers else None
    print(f"\n== {label}: {len(cases)} pages")
    print(
        f"{'method':20} {'prec':>6} {'rec':>6} {'F1':>6} {'title':>6} {'chrome':>7}"
        f" {'ms/page':>8} {'F1 vs best peer':>16}"
    )
    for name, p, r, f, t, d, ms in rows:
        ratio = f"{f / best_peer[3]:.2f}x" if best_peer and best_peer[3] else "-"
        print(f"{name:20} {p:6.3f} {r:6.3f} {f:6.3f} {t:6.2f} {d:7d} {ms:8.1f} {ratio:>16}")
    if best_peer:
        print(f"strongest peer: {best_peer[0]}")


def main() -> None:
    methods: dict[str, Method] = {
        "bawaba (balanced)": _ours("balanced"),
        "bawaba (precision)": _ours("precision"),
        "bawaba (recall)": _ours("recall"),
        "trafilatura": _trafilatura,
        "readability-lxml": _readability,
        "newspaper4k": _newspaper,
    }
    skipped: set[str] = set()
    _score_group("authored pages + obfuscated copies", methods, _cases(PAGES, obfuscate=True), skipped)
    _score_group(
        "held-out templates (written before tuning)", methods, _cases(HELDOUT, obfuscate=False), skipped
    )
    _score_group(
        "held-out templates, obfuscated class/id", methods, _cases(HELDOUT, obfuscate=True)[1::2], skipped
    )
    print("\nchrome = pages with at least one chrome phrase left (tests/extract/checks.py)")


if __name__ == "__main__":
    main()
