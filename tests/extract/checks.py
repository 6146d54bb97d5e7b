"""The checks every saved page must pass, shared by the authored and the held-out page sets."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bawaba.errors import NoArticleError
from bawaba.models import Extracted
from bawaba.pipeline.decode import looks_mojibake
from bawaba.pipeline.extract import extract_article
from bawaba.text.normalize import normalize

from .scoring import token_f1

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


def page_names(folder: Path) -> list[str]:
    return sorted(p.name.removesuffix(".expected.json") for p in folder.glob("*.expected.json"))


def load_page(folder: Path, name: str) -> tuple[bytes, dict[str, Any]]:
    expected = json.loads((folder / f"{name}.expected.json").read_text(encoding="utf-8"))
    return (folder / f"{name}.html").read_bytes(), expected


def chrome_left(text: str, extra: list[str]) -> list[str]:
    """The chrome phrases found in ``text`` as whole words, after Arabic folding."""
    folded = normalize(text)
    return [
        phrase
        for phrase in CHROME + extra
        if re.search(rf"(?<!\w){re.escape(normalize(phrase))}(?!\w)", folded)
    ]


def check_saved_page(body: bytes, exp: dict[str, Any]) -> Extracted | None:
    """Extract ``body`` and assert every expectation the gold JSON states."""
    if exp.get("no_article"):
        with pytest.raises(NoArticleError):
            extract_article(body, exp["url"], content_type=exp.get("content_type"))
        return None
    got = extract_article(body, exp["url"], content_type=exp.get("content_type"))
    assert got.title == exp["title"]
    f1 = token_f1(got.text, exp["text"])
    assert f1 >= 0.97, f"token F1 {f1:.3f}\n{got.text}"
    left = chrome_left(got.text, exp.get("chrome", []))
    assert not left, f"chrome {left!r} left"
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
    return got
