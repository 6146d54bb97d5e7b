"""Section names and URL paths map onto portal slugs; per-source overrides win."""

from __future__ import annotations

import pytest

from bawaba.pipeline.sections import (
    SectionTable,
    default_table,
    first_mapped_section,
    map_section,
    url_sections,
)
from bawaba.taxonomy import slugs


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("اقتصاد وبورصة", "economy"),
        ("رياضة محلية", "sports"),
        ("كرة القدم", "sports"),
        ("حوادث وقضايا", "accidents"),
        ("منوعات", "misc"),
        ("فن ومشاهير", "arts"),
        ("عرب وعالم", "world"),
        ("محافظات", "egypt"),
        ("الرياضة", "sports"),
        ("أخبار الرياضة المحلية", "sports"),
        ("اقْتِصَاد", "economy"),
        ("Sports", "sports"),
        ("Middle-East", "world"),
        ("صحة وطب", "health"),
        ("تكنولوجيا المعلومات", "technology"),
        ("إسلاميات", "religion"),
        ("ثقافة وفنون", "culture"),
        ("فن وثقافة", "arts"),
    ],
)
def test_section_names(section: str, expected: str) -> None:
    assert map_section(section, None) == expected


def test_unknown_and_empty() -> None:
    assert map_section("عاجل", None) is None
    assert map_section(None, None) is None
    assert map_section("", "") is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/sport/football/some-match-report", "sports"),
        ("https://example.com/economy/", "economy"),
        ("https://example.com/news/world/2024/05/01/story-title", "world"),
        ("https://example.com/arabic/middle-east/article-1234", "world"),
        ("https://example.com/%D8%B1%D9%8A%D8%A7%D8%B6%D8%A9/item", "sports"),
        ("https://example.com/news/item-55", None),
    ],
)
def test_url_segments(url: str, expected: str | None) -> None:
    assert map_section(None, url) == expected


def test_last_segment_comes_after_its_parents() -> None:
    # the last segment is usually the article's slug: its parents are asked first
    assert url_sections("https://example.com/news/sport") == ["news", "sport"]
    assert url_sections("https://example.com/sport/economy") == ["sport", "economy"]
    assert url_sections("https://example.com/news/sport/") == ["sport", "news"]
    assert map_section(None, "https://example.com/sport/economy") == "sports"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/article/2231/business", "economy"),  # section after the id
        ("https://example.com/article/77/light", "misc"),
        ("https://example.com/akhbar/jarayem/81.html", "accidents"),  # transliterated sections
        ("https://example.com/news/iqtisad/5521", "economy"),
        ("https://example.com/mahaliyat/12.html", "egypt"),
        ("https://example.com/news/islamiyat/2025/01/02/story-9", "religion"),
        ("https://example.com/seha/4.html", "health"),
        ("https://example.com/article/1234.html", None),
    ],
)
def test_section_after_id_and_transliterations(url: str, expected: str | None) -> None:
    assert map_section(None, url) == expected


def test_section_name_beats_url() -> None:
    assert map_section("اقتصاد", "https://example.com/sport/x") == "economy"


def test_overrides_win() -> None:
    overrides = {"ملاعب": "misc", "akhbar": "egypt"}
    assert map_section("ملاعب", None) == "sports"
    assert map_section("ملاعب", None, overrides) == "misc"
    assert map_section(None, "https://example.com/akhbar/item-1", overrides) == "egypt"
    assert map_section("رياضة", None, overrides) == "sports"


def test_the_first_category_that_names_a_topic_is_the_section() -> None:
    """A feed item lists several categories; the first the table (or the source) maps is the
    section, else the first given: the page's own section, then the feed's, in order."""
    assert [map_section(name, None) for name in ("عاجل", "الرئيسية", "أخبار")] == [None, None, None]
    assert first_mapped_section(["عاجل", "الرئيسية", "رياضة محلية", "اقتصاد"]) == "رياضة محلية"
    assert first_mapped_section([None, "عاجل", "اقتصاد وبورصة"]) == "اقتصاد وبورصة"
    assert first_mapped_section(["حوادث", "رياضة"]) == "حوادث"  # the page's or the first mapped wins
    assert first_mapped_section(["عاجل", "ملفات"]) == "عاجل"  # none maps: the first, as given
    assert first_mapped_section(["عاجل", "ملفات"], {"ملفات": "culture"}) == "ملفات"
    assert first_mapped_section([None, "", "  "]) is None
    assert first_mapped_section([]) is None


def test_longest_phrase_wins() -> None:
    table = SectionTable.from_pairs({"عرب": "world", "عرب وعالم": "politics"})
    assert table.match("عرب وعالم") == "politics"
    assert table.match("أخبار عرب وعالم اليوم") == "politics"


def test_shipped_table_is_sorted_and_valid() -> None:
    from importlib.resources import files

    lines = [
        line
        for line in files("bawaba").joinpath("data/sections.tsv").read_text("utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert lines == sorted(lines, key=lambda s: s.encode())
    assert {line.split("\t")[1] for line in lines} <= set(slugs())
    assert len(default_table().entries) > 150
