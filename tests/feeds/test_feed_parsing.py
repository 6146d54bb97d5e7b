"""parse_feed: RSS, Atom, RDF, sitemaps, hostile and broken input."""

from __future__ import annotations

import gzip
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bawaba.errors import ParseError
from bawaba.models import FeedKind
from bawaba.pipeline.feeds import parse_date, parse_feed, strip_doctype

from .builders import DATA, HEADLINES, Item, rfc822, rss, urlset

FEED_URL = "https://alwadi.example/feeds/latest/rss.xml"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


# -- RSS 2.0 -------------------------------------------------------------------------------


def test_rss_arabic_entry_is_fully_mapped() -> None:
    item = Item(
        title=HEADLINES[0],
        link="/economy/2024/05/31/small-business",
        guid="alwadi-48213",
        pub_date="Fri, 31 May 2024 14:30:00 +0300",
        description="<p>أعلنت الحكومة <b>اليوم</b> عن حزمة تمويل &amp; تسهيلات.</p>",
        categories=("اقتصاد", "مشروعات صغيرة", "اقتصاد"),
        author="desk@alwadi.example (قسم الاقتصاد)",
        extra='<media:content url="/img/sme.jpg" medium="image" width="800"/>',
    )
    parsed = parse_feed(rss([item]).encode(), FEED_URL, now=NOW)
    assert parsed.kind is FeedKind.RSS
    assert parsed.title == "أخبار الوادي"
    assert parsed.link == "https://alwadi.example/"
    (entry,) = parsed.entries
    assert entry.url == "https://alwadi.example/economy/2024/05/31/small-business"
    assert entry.title == HEADLINES[0]
    assert entry.guid == "alwadi-48213"
    assert entry.published_at == datetime(2024, 5, 31, 11, 30, tzinfo=UTC)
    assert entry.published_at.tzinfo is UTC
    assert entry.summary == "أعلنت الحكومة اليوم عن حزمة تمويل & تسهيلات."
    assert entry.author == "قسم الاقتصاد"
    assert entry.section == "اقتصاد"
    assert entry.tags == ("اقتصاد", "مشروعات صغيرة")
    assert entry.image == "https://alwadi.example/img/sme.jpg"


def test_image_falls_back_to_thumbnail_then_image_enclosure() -> None:
    items = [
        Item(
            HEADLINES[1],
            "https://alwadi.example/a/1",
            extra='<media:thumbnail url="https://cdn.example/t1.jpg"/>',
        ),
        Item(
            HEADLINES[2],
            "https://alwadi.example/a/2",
            extra='<enclosure url="https://cdn.example/clip.mp3" type="audio/mpeg" length="10"/>'
            '<enclosure url="https://cdn.example/p2.png" type="image/png" length="10"/>',
        ),
        Item(
            HEADLINES[3],
            "https://alwadi.example/a/3",
            extra='<media:content url="https://cdn.example/v.mp4" medium="video"/>',
        ),
    ]
    images = [e.image for e in parse_feed(rss(items).encode(), FEED_URL).entries]
    assert images == ["https://cdn.example/t1.jpg", "https://cdn.example/p2.png", None]


def test_guid_used_as_url_when_link_missing_and_unlinkable_entries_dropped() -> None:
    items = [
        Item(HEADLINES[0], None, guid="https://alwadi.example/story/77"),
        Item(HEADLINES[1], None, guid="not-a-url-778"),
        Item(HEADLINES[2], "javascript:alert(1)"),
    ]
    entries = parse_feed(rss(items).encode(), FEED_URL).entries
    assert [e.url for e in entries] == ["https://alwadi.example/story/77"]


def test_relative_links_resolve_against_feed_url() -> None:
    items = [
        Item(HEADLINES[0], "/politics/1"),
        Item(HEADLINES[1], "local/2"),
        Item(HEADLINES[2], "//cdn-news.example/world/3"),
    ]
    urls = [e.url for e in parse_feed(rss(items).encode(), FEED_URL).entries]
    assert urls == [
        "https://alwadi.example/politics/1",
        "https://alwadi.example/feeds/latest/local/2",
        "https://cdn-news.example/world/3",
    ]


def test_duplicate_guids_and_urls_keep_first() -> None:
    items = [
        Item(HEADLINES[0], "https://alwadi.example/n/1", guid="g-1"),
        Item(HEADLINES[1], "https://alwadi.example/n/2", guid="g-1"),
        Item(HEADLINES[2], "https://alwadi.example/n/1", guid="g-3"),
        Item(HEADLINES[3], "https://alwadi.example/n/4", guid="g-4"),
    ]
    entries = parse_feed(rss(items).encode(), FEED_URL).entries
    assert [(e.title, e.guid) for e in entries] == [(HEADLINES[0], "g-1"), (HEADLINES[3], "g-4")]


def test_future_and_unparseable_dates_become_none() -> None:
    items = [
        Item(HEADLINES[0], "https://alwadi.example/d/1", pub_date=rfc822(NOW + timedelta(days=3))),
        Item(HEADLINES[1], "https://alwadi.example/d/2", pub_date="الخميس الماضي مساء"),
        Item(HEADLINES[2], "https://alwadi.example/d/3", pub_date=rfc822(NOW + timedelta(hours=20))),
        Item(HEADLINES[3], "https://alwadi.example/d/4", pub_date="Mon, 32 Foo 2024 99:99:99 GMT"),
    ]
    dates = [e.published_at for e in parse_feed(rss(items).encode(), FEED_URL, now=NOW).entries]
    assert dates == [None, None, NOW + timedelta(hours=20), None]


def test_windows_1256_declared_in_xml_gives_correct_arabic() -> None:
    body = rss([Item(HEADLINES[4], "https://alwadi.example/w/1")], encoding="windows-1256").encode("cp1256")
    assert HEADLINES[4].encode("utf-8") not in body
    parsed = parse_feed(body, FEED_URL, content_type="text/xml; charset=iso-8859-1")
    assert parsed.entries[0].title == HEADLINES[4]
    assert parsed.title == "أخبار الوادي"


def test_header_charset_used_when_xml_declares_none() -> None:
    body = rss([Item(HEADLINES[5], "https://alwadi.example/w/2")], encoding=None).encode("cp1256")
    parsed = parse_feed(body, FEED_URL, content_type="application/rss+xml; charset=windows-1256")
    assert parsed.entries[0].title == HEADLINES[5]


def test_empty_but_valid_feed_has_no_entries() -> None:
    parsed = parse_feed(rss([]).encode(), FEED_URL)
    assert parsed.kind is FeedKind.RSS
    assert parsed.entries == ()


# -- Atom and RDF --------------------------------------------------------------------------


def test_atom_feed() -> None:
    parsed = parse_feed((DATA / "atom_sample.xml").read_bytes(), "https://alwadi.example/atom.xml")
    assert parsed.kind is FeedKind.ATOM
    assert parsed.title == "صحيفة الوادي الإلكترونية"
    first, second = parsed.entries
    assert first.url == "https://alwadi.example/culture/2024/03/05/book-fair"
    assert first.guid == "tag:alwadi.example,2024:entry-1001"
    assert first.published_at == datetime(2024, 3, 5, 6, 30, tzinfo=UTC)
    assert first.author == "سلمى عبد الرحيم"
    assert first.section == "ثقافة"
    assert first.tags == ("ثقافة", "معرض الكتاب")
    assert first.summary == "انطلقت صباح اليوم فعاليات المعرض بحضور عدد كبير من الناشرين."
    assert first.image == "https://alwadi.example/images/book-fair.jpg"
    assert second.url == "https://alwadi.example/sports/2024/03/04/youth-team"
    assert second.published_at == datetime(2024, 3, 4, 21, 10, tzinfo=UTC)  # from <updated>


def test_rdf_feed() -> None:
    parsed = parse_feed((DATA / "rdf_sample.xml").read_bytes(), "https://annahar-alqadim.example/index.rdf")
    assert parsed.kind is FeedKind.RSS
    (entry,) = parsed.entries
    assert entry.title == "البنك المركزي يثبت أسعار الفائدة للمرة الثالثة"
    assert entry.url == "https://annahar-alqadim.example/economy/8812"
    assert entry.published_at == datetime(2024, 2, 11, 9, 0, tzinfo=UTC)
    assert entry.author == "مراسل الاقتصاد"
    assert entry.section == "اقتصاد"


# -- sitemaps ------------------------------------------------------------------------------


def test_plain_sitemap() -> None:
    body = urlset(
        [
            ("https://alwadi.example/news/1", "2024-05-01"),
            ("/news/2", "2024-05-02T08:00:00+02:00"),
            ("https://alwadi.example/news/1", "2024-05-03"),
            ("https://alwadi.example/news/3", None),
        ]
    )
    parsed = parse_feed(body, "https://alwadi.example/sitemap.xml", now=NOW)
    assert parsed.kind is FeedKind.SITEMAP
    assert [(e.url, e.published_at) for e in parsed.entries] == [
        ("https://alwadi.example/news/1", datetime(2024, 5, 1, tzinfo=UTC)),
        ("https://alwadi.example/news/2", datetime(2024, 5, 2, 6, 0, tzinfo=UTC)),
        ("https://alwadi.example/news/3", None),
    ]


def test_google_news_sitemap() -> None:
    body = urlset(
        [("https://alwadi.example/plain", None)],
        news=[("https://alwadi.example/news/55", HEADLINES[2], "طقس، أمطار, السواحل")],
    )
    parsed = parse_feed(body, "https://alwadi.example/news-sitemap.xml", now=NOW)
    assert parsed.kind is FeedKind.NEWS_SITEMAP
    news = parsed.entries[1]
    assert news.title == HEADLINES[2]
    assert news.published_at == datetime(2024, 5, 1, 7, 15, tzinfo=UTC)
    assert news.tags == ("طقس", "أمطار", "السواحل")
    assert news.image == "https://alwadi.example/media/cover.jpg"


def test_sitemap_index() -> None:
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://alwadi.example/sitemap-2024-05.xml</loc><lastmod>2024-05-31</lastmod></sitemap>"
        b"<sitemap><loc>/sitemap-2024-04.xml.gz</loc></sitemap>"
        b"<sitemap><loc>https://alwadi.example/sitemap-2024-05.xml</loc></sitemap>"
        b"</sitemapindex>"
    )
    parsed = parse_feed(body, "https://alwadi.example/sitemap.xml")
    assert parsed.kind is FeedKind.SITEMAP_INDEX
    assert parsed.entries == ()
    assert parsed.sitemaps == (
        "https://alwadi.example/sitemap-2024-05.xml",
        "https://alwadi.example/sitemap-2024-04.xml.gz",
    )


def test_gzipped_sitemap() -> None:
    body = gzip.compress(urlset([(f"https://alwadi.example/g/{i}", "2024-05-01") for i in range(50)]))
    assert body[:2] == b"\x1f\x8b"
    parsed = parse_feed(body, "https://alwadi.example/sitemap.xml.gz")
    assert len(parsed.entries) == 50


def test_gzip_bomb_is_refused() -> None:
    body = gzip.compress(b"<urlset>" + b" " * 5_000_000 + b"</urlset>")
    with pytest.raises(ParseError, match="inflates beyond"):
        parse_feed(body, "https://alwadi.example/sitemap.xml.gz", max_bytes=1_000_000)


def test_corrupt_gzip_is_parse_error() -> None:
    with pytest.raises(ParseError, match="gzip"):
        parse_feed(b"\x1f\x8b\x08\x00garbage-garbage", "https://alwadi.example/sitemap.xml.gz")


def test_sitemap_capped_to_newest() -> None:
    urls = [(f"https://alwadi.example/s/{i}", f"2024-01-{1 + i % 28:02d}") for i in range(100)]
    parsed = parse_feed(urlset(urls), "https://alwadi.example/sitemap.xml", max_entries=10)
    expected = sorted((parse_date(mod) for _, mod in urls), reverse=True)[:10]  # type: ignore[type-var]
    assert sorted((e.published_at for e in parsed.entries), reverse=True) == expected  # type: ignore[type-var]
    assert len({e.url for e in parsed.entries}) == 10


# -- broken and hostile input --------------------------------------------------------------


def test_malformed_feed_keeps_recoverable_entries() -> None:
    body = rss(
        [
            Item(HEADLINES[0], "https://alwadi.example/m/1"),
            Item(HEADLINES[1] + " &nbsp; <b>", "https://alwadi.example/m/2"),
        ]
    ).replace("&lt;b&gt;", "<b>")
    body = body.replace("</channel></rss>", "<item><title>مقطوع")
    parsed = parse_feed(body.encode(), FEED_URL)
    assert [e.url for e in parsed.entries][:2] == ["https://alwadi.example/m/1", "https://alwadi.example/m/2"]
    assert parsed.entries[0].title == HEADLINES[0]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<rss version='2.0'><channel><title>\xd8\xa7</ti", "no usable entries"),
        (b"\x00\x01\x02 binary junk", "not XML"),
        (b"", "empty"),
        (b"   \n  ", "empty"),
        (b"<!DOCTYPE html><html><head><title>x</title></head><body><p>hello<br></body></html>", "HTML"),
        (b"<html xmlns='http://www.w3.org/1999/xhtml'><body/></html>", "HTML"),
        (b"<?xml version='1.0'?><catalog><book/></catalog>", "unknown document type <catalog>"),
        (b"<urlset><url><loc>https://alwadi.example/x</loc></url", None),
    ],
)
def test_unusable_bodies_raise_parse_error(body: bytes, message: str | None) -> None:
    if message is None:  # a truncated sitemap: recovered, not an error
        assert parse_feed(body, FEED_URL).entries[0].url == "https://alwadi.example/x"
        return
    with pytest.raises(ParseError, match=message):
        parse_feed(body, FEED_URL)


def _xxe_doc(target: Path, *, broken: bool) -> bytes:
    doctype = (
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{target}"><!ENTITY % p SYSTEM "file://{target}"> %p;]>'
    )
    item = Item("خبر &xxe; مسرب", "https://alwadi.example/x/1", description="&xxe;")
    text = rss([item], doctype=doctype).replace("&amp;xxe;", "&xxe;")
    if broken:
        text = text.replace("</channel></rss>", "<item><title>")
    return text.encode()


@pytest.mark.parametrize("broken", [False, True])
def test_xxe_does_not_read_local_files(tmp_path: Path, broken: bool) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER-7731")
    for target in (secret, Path("/etc/passwd")):
        parsed = parse_feed(_xxe_doc(target, broken=broken), FEED_URL)
        dump = repr(parsed)
        assert "TOP-SECRET-MARKER-7731" not in dump
        assert "root:" not in dump
        assert parsed.entries[0].url == "https://alwadi.example/x/1"


def test_xxe_in_sitemap_does_not_read_local_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("https://leak.example/TOP-SECRET")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&xxe;</loc></url>'
        "<url><loc>https://alwadi.example/ok</loc></url></urlset>"
    ).encode()
    parsed = parse_feed(body, "https://alwadi.example/sitemap.xml")
    assert [e.url for e in parsed.entries] == ["https://alwadi.example/ok"]


def _billion_laughs(root_open: str, root_close: str) -> bytes:
    entities = ['<!ENTITY lol0 "lollollollollol">']
    entities += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return (
        f'<?xml version="1.0"?><!DOCTYPE lolz [{"".join(entities)}]>{root_open}&lol9;{root_close}'
    ).encode()


@pytest.mark.timeout(30)
@pytest.mark.parametrize("broken", [False, True])
def test_billion_laughs_is_not_expanded(broken: bool) -> None:
    body = _billion_laughs(
        '<rss version="2.0"><channel><item><link>https://alwadi.example/b/1</link><title>',
        "</title></item></channel></rss>",
    )
    if broken:
        body = body.replace(b"</channel></rss>", b"<item><title>")
    parsed = parse_feed(body, FEED_URL)
    assert parsed.entries[0].url == "https://alwadi.example/b/1"
    assert len(repr(parsed)) < 2000


@pytest.mark.timeout(30)
def test_billion_laughs_in_sitemap_is_not_expanded() -> None:
    body = _billion_laughs(
        "<urlset><url><loc>https://alwadi.example/ok</loc></url><url><loc>",
        "</loc></url></urlset>",
    )
    parsed = parse_feed(body, "https://alwadi.example/sitemap.xml")
    assert [e.url for e in parsed.entries] == ["https://alwadi.example/ok"]


def test_strip_doctype_removes_internal_subset_with_tricky_quotes() -> None:
    body = b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "x]>y"><!ENTITY b \'>\'>]>\n<rss/>'
    assert strip_doctype(body) == b'<?xml version="1.0"?>\n\n<rss/>'


# -- size ----------------------------------------------------------------------------------


def test_ten_thousand_items_capped_to_newest() -> None:
    base = datetime(2024, 1, 1, tzinfo=UTC)
    order = list(range(10_000))
    random.Random(7).shuffle(order)
    items = [
        Item(f"{HEADLINES[n % len(HEADLINES)]} ({n})", f"https://alwadi.example/big/{n}", guid=f"big-{n}",
             pub_date=rfc822(base + timedelta(minutes=n)))
        for n in order
    ]  # fmt: skip
    items.insert(5, items[0])  # a duplicate must not crowd out a distinct newer item
    parsed = parse_feed(rss(items).encode(), FEED_URL, max_entries=2000, now=NOW)
    assert len(parsed.entries) == 2000
    kept = {int(e.url.rsplit("/", 1)[1]) for e in parsed.entries}
    assert kept == set(range(8000, 10_000))
    positions = {n: i for i, n in enumerate(order)}
    assert [int(e.url.rsplit("/", 1)[1]) for e in parsed.entries] == sorted(kept, key=positions.__getitem__)


# -- dates and properties ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue, 04 Jun 2024 09:05:00 +0300", datetime(2024, 6, 4, 6, 5, tzinfo=UTC)),
        ("2024-06-04T09:05:00Z", datetime(2024, 6, 4, 9, 5, tzinfo=UTC)),
        ("2024-06-04T09:05:00", datetime(2024, 6, 4, 9, 5, tzinfo=UTC)),
        ("2024-06-04", datetime(2024, 6, 4, tzinfo=UTC)),
        ("", None),
        ("قبل ساعتين", None),
    ],
)
def test_parse_date(text: str, expected: datetime | None) -> None:
    assert parse_date(text) == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400) | st.text(max_size=200).map(lambda t: f"<rss><channel>{t}".encode()))
def test_arbitrary_bytes_give_feed_or_parse_error(body: bytes) -> None:
    try:
        parsed = parse_feed(body, FEED_URL)
    except ParseError:
        return
    assert all(e.url.startswith(("http://", "https://")) for e in parsed.entries)
