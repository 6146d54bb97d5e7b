"""``build_article``: what the page and the feed item say, merged into the stored article."""

from __future__ import annotations

from datetime import UTC, datetime

from bawaba.models import Extracted, FeedEntry, Source
from bawaba.pipeline.run import build_article

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)
SOURCE = Source(slug="wadi", name="الوادي", homepage="http://127.0.0.1/", id=1, section_map={"ملفات": "culture"})


def _page(section: str | None = None) -> Extracted:
    return Extracted(url="http://127.0.0.1/a/1", canonical_url="http://127.0.0.1/a/1", title="عنوان",
                     text="نص الخبر", html="<p>نص الخبر</p>", section=section)


def _entry(*tags: str) -> FeedEntry:
    return FeedEntry(url="http://127.0.0.1/a/1", section=tags[0] if tags else None, tags=tags)


def test_the_section_is_the_first_category_that_names_a_topic() -> None:
    """Feeds list generic categories ("عاجل", "الرئيسية") before the one that names the section."""
    article = build_article(_page(), _entry("عاجل", "الرئيسية", "رياضة محلية"), SOURCE, "http://127.0.0.1/a/1", NOW)
    assert article.section == "رياضة محلية"
    assert article.tags == ("عاجل", "الرئيسية", "رياضة محلية")


def test_the_page_section_wins_when_it_names_one() -> None:
    assert build_article(_page("اقتصاد"), _entry("رياضة"), SOURCE, "http://127.0.0.1/a/1", NOW).section == "اقتصاد"
    # a page section that names nothing gives way to a feed category that does (the source's own too)
    assert build_article(_page("أخبار"), _entry("ملفات"), SOURCE, "http://127.0.0.1/a/1", NOW).section == "ملفات"
    # nothing maps: the page's section, as before
    assert build_article(_page("أخبار"), _entry("عاجل"), SOURCE, "http://127.0.0.1/a/1", NOW).section == "أخبار"
    assert build_article(_page(), _entry(), SOURCE, "http://127.0.0.1/a/1", NOW).section is None
