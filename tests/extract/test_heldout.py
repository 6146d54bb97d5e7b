"""Held-out saved pages: one invented site template each, written before the rules were tuned.

Same checks as the authored pages (exact title, gold body F1 >= 0.97, no chrome, metadata), so a
rule that only fits the authored pages' markup fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bawaba.pipeline.extract import extract_article

from .checks import check_saved_page, load_page, page_names

HELDOUT = Path(__file__).parent / "heldout"
NAMES = page_names(HELDOUT)


def test_there_are_enough_heldout_templates() -> None:
    assert len(NAMES) >= 12
    # one template per page: no two pages share a host
    hosts = {load_page(HELDOUT, n)[1]["url"].split("/")[2] for n in NAMES}
    assert len(hosts) == len(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_heldout_page(name: str) -> None:
    check_saved_page(*load_page(HELDOUT, name))


def test_gallery_images_keep_order_and_captions_and_stay_out_of_html() -> None:
    body, exp = load_page(HELDOUT, "gallery_counter")
    got = extract_article(body, exp["url"])
    assert [i.src.rsplit("/", 1)[1] for i in got.images] == [f"tomb-{n}.jpg" for n in range(1, 6)]
    assert [i.caption for i in got.images] == exp["image_captions"]
    assert "<img" not in got.html and "<figure" not in got.html
