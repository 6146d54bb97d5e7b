"""Arbitrary input never crashes decoding or extraction: it gives text, an article, or a BawabaError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bawaba.errors import BawabaError
from bawaba.models import Extracted
from bawaba.pipeline.decode import decode_html
from bawaba.pipeline.extract import extract_article

FRAGMENTS = st.sampled_from(
    [
        "<html>", "<body>", "<p>", "</p>", "<div class='share'>", "</div>", "<meta charset='windows-1256'>",
        "<meta charset='utf-8'>", "<script>", "</script>", "<h1>", "</h1>", "<a href='javascript:x'>",
        "<img src='//x/y.jpg' onerror=z>", "اقرأ أيضا: ", "جميع الحقوق محفوظة ©", "وقال الوزير إن ",
        "<table><tr><td>", '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"',
        "9999-99-99", "\x00", "\ufeff", "<!--", "]]>", "<![CDATA[", "&#0;", "&amp;", "<title>", "</title>",
    ]
)  # fmt: skip
HTMLISH = st.lists(st.one_of(FRAGMENTS, st.text(max_size=60)), max_size=40).map("".join)
CONTENT_TYPES = st.sampled_from([None, "text/html", "text/html; charset=utf-8", "text/html; charset=windows-1256",
                                 "text/html; charset=x-bogus", "text/html; charset=iso-8859-6"])  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000), CONTENT_TYPES)
def test_decode_never_crashes(body: bytes, content_type: str | None) -> None:
    assert isinstance(decode_html(body, content_type), str)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(st.binary(max_size=2000), HTMLISH.map(lambda s: s.encode("utf-8", "surrogatepass"))),
    CONTENT_TYPES,
)
def test_extract_bytes_never_crashes(body: bytes, content_type: str | None) -> None:
    try:
        result = extract_article(body, "https://example.com/a/1", content_type=content_type)
    except BawabaError:
        return
    assert isinstance(result, Extracted)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HTMLISH)
def test_extract_str_never_crashes(page: str) -> None:
    try:
        result = extract_article(page, "https://example.com/a/1")
    except BawabaError:
        return
    assert isinstance(result, Extracted)
    assert "<script" not in result.html.lower()
