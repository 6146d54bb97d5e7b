"""``bawaba extract FILE --url URL --json`` on the seed-shaped saved page."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from bawaba.cli import app

PAGES = Path(__file__).parent.parent / "extract" / "pages"
CHROME = ("قد تقرأ أيضا", "انت الان تتصفح", "المصدر الاصلي", "لا نتحمل", "1/5")


def f1(pred: str, gold: str) -> float:
    p, g = Counter(pred.split()), Counter(gold.split())
    common = sum((p & g).values())
    return 0.0 if not common else 2 * common / (sum(p.values()) + sum(g.values()))


def test_extract_cli_on_seed_page() -> None:
    expected = json.loads((PAGES / "aggregator_seed.expected.json").read_text("utf-8"))
    url = expected.get("url") or "https://nabd.example/news/1"
    res = CliRunner().invoke(app, ["extract", str(PAGES / "aggregator_seed.html"), "--url", url, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert set(data) == {"url", "canonical_url", "title", "text", "html", "author", "published_at",
                         "lead_image", "images", "section", "tags", "language"}
    assert data["title"] == expected["title"]
    assert f1(data["text"], expected["text"]) >= 0.97
    for chrome in CHROME:
        assert chrome not in data["text"]
    assert "<script" not in data["html"]
    assert data["images"] and all(i["src"].startswith("http") for i in data["images"])


def test_extract_cli_no_article_is_one_line_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    page = tmp_path / "empty.html"
    page.write_text("<html><body></body></html>", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "bawaba", "extract", str(page), "--url", "https://x.example/"],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "error:" in proc.stderr
