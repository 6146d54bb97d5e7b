"""Saved pages from invented templates: exact title, gold body F1, no chrome, metadata, safety."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bawaba.errors import NoArticleError
from bawaba.pipeline.decode import looks_mojibake
from bawaba.pipeline.extract import extract_article
from bawaba.text.normalize import normalize

from .scoring import token_f1

PAGES = Path(__file__).parent / "pages"
NAMES = sorted(p.name.removesuffix(".expected.json") for p in PAGES.glob("*.expected.json"))

# phrases of the chrome that surrounds articles; none may survive extraction
CHROME = [
    "اقرأ أيضا",
    "قد تقرأ أيضا",
    "شاهد أيضا",
    "للمزيد",
    "تتصفح خبر",
    "لا نتحمل",
    "المصدر الاصلي",
    "جميع الحقوق محفوظة",
    "تابعونا",
    "تعليقات",
    "أضف تعليقك",
    "الكلمات الدلالية",
    "وسوم",
    "عاجل",
    "pic.twitter.com",
    "@",
    "©",
    "1/5",
    "5/5",
]


def _load(name: str) -> tuple[bytes, dict[str, Any]]:
    expected = json.loads((PAGES / f"{name}.expected.json").read_text(encoding="utf-8"))
    return (PAGES / f"{name}.html").read_bytes(), expected


def test_there_are_enough_saved_pages() -> None:
    assert len(NAMES) >= 10
    assert sum(1 for n in NAMES if not _load(n)[1].get("no_article")) >= 10


@pytest.mark.parametrize("name", NAMES)
def test_saved_page(name: str) -> None:
    body, exp = _load(name)
    if exp.get("no_article"):
        with pytest.raises(NoArticleError):
            extract_article(body, exp["url"], content_type=exp.get("content_type"))
        return
    got = extract_article(body, exp["url"], content_type=exp.get("content_type"))
    assert got.title == exp["title"]
    f1 = token_f1(got.text, exp["text"])
    assert f1 >= 0.97, f"token F1 {f1:.3f}\n{got.text}"
    folded = normalize(got.text)
    for phrase in CHROME + exp.get("chrome", []):
        assert not re.search(rf"(?<!\w){re.escape(normalize(phrase))}(?!\w)", folded), (
            f"chrome {phrase!r} left"
        )
    assert not looks_mojibake(got.text + got.title)
    assert got.text == got.text.strip() and "\n\n\n" not in got.text
    for key in ("canonical_url", "author", "section", "lead_image", "language"):
        if key in exp:
            assert getattr(got, key) == exp[key], key
    if "tags" in exp:
        assert list(got.tags) == exp["tags"]
    if "published_at" in exp:
        assert got.published_at == datetime.fromisoformat(exp["published_at"])
    if exp.get("check_no_date"):
        assert got.published_at is None
    if got.published_at is not None:
        assert got.published_at.utcoffset() == timedelta(0)
    if "image_captions" in exp:
        assert [i.caption for i in got.images] == exp["image_captions"]
        assert all(i.src.startswith(("http://", "https://")) for i in got.images)
    assert "#" not in got.canonical_url


def test_hostile_page_is_sanitised() -> None:
    body, exp = _load("hostile_html")
    got = extract_article(body, exp["url"])
    low = got.html.lower()
    for bad in (
        "<script",
        "onerror",
        "onclick",
        "onload",
        "onmouseover",
        "javascript:",
        "data:",
        "<svg",
        "<iframe",
        "<style",
        "style=",
    ):
        assert bad not in low, bad
    assert got.lead_image is None or got.lead_image.startswith("http")
    assert 'rel="nofollow noopener"' in got.html
    assert re.search(r'<a href="https://edu\.example/exams/2024"', got.html)


def test_paragraph_structure_kept_in_html() -> None:
    body, exp = _load("aggregator_seed")
    got = extract_article(body, exp["url"])
    assert got.html.count("<p>") == len(exp["text"].split("\n\n"))
    assert "المصدر الاصلي" not in got.html and "قد تقرأ" not in got.html
