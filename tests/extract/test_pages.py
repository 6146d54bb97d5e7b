"""Saved pages from invented templates: exact title, gold body F1, no chrome, metadata, safety."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bawaba.pipeline.extract import extract_article

from .checks import check_saved_page, load_page, page_names

PAGES = Path(__file__).parent / "pages"
NAMES = page_names(PAGES)


def _load(name: str) -> tuple[bytes, dict[str, Any]]:
    return load_page(PAGES, name)


def test_there_are_enough_saved_pages() -> None:
    assert len(NAMES) >= 10
    assert sum(1 for n in NAMES if not _load(n)[1].get("no_article")) >= 10


@pytest.mark.parametrize("name", NAMES)
def test_saved_page(name: str) -> None:
    check_saved_page(*_load(name))


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
