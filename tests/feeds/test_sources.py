"""Feed discovery, robots sitemaps, slugs and OPML/YAML source lists."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bawaba.errors import ParseError
from bawaba.models import DiscoveredFeed, Feed, FeedKind, Source
from bawaba.pipeline.sources import (
    SourceSpec,
    default_sitemap_url,
    discover_feeds,
    load_sources_file,
    parse_opml,
    parse_sources_yaml,
    sitemaps_from_robots,
    slugify,
    to_opml,
)

from .builders import DATA

HOMEPAGE = """<!DOCTYPE html>
<html lang="ar" dir="rtl"><head>
<meta charset="utf-8"><title>صحيفة الوادي - الصفحة الرئيسية</title>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="تعليقات الموقع" href="/comments/feed/">
<link rel="alternate" type="application/rss+xml" title="آخر الأخبار" href="/rss.xml">
<link rel="Alternate" type="application/atom+xml; charset=utf-8" title="أتوم" href="https://alwadi.example/atom.xml">
<link rel="alternate" type="application/rdf+xml" href="//alwadi.example/index.rdf">
<link rel="alternate" hreflang="en" href="/en/">
<link rel="alternate" type="application/rss+xml" href="javascript:void(0)">
</head><body>
<nav><a href="/politics/">سياسة</a> <a href="/sports/">رياضة</a></nav>
<footer>
  <a href="/rss.xml">RSS</a>
  <a href="/economy/feed">خلاصة الاقتصاد</a>
  <a href="https://alwadi.example/sitemap.xml">خريطة الموقع</a>
  <a href="/about.html">من نحن</a>
  <a href="mailto:news@alwadi.example">راسلنا</a>
</footer></body></html>"""


def test_discover_feeds_from_head_then_anchors() -> None:
    found = discover_feeds(HOMEPAGE, "https://alwadi.example/ar/index.html")
    assert found == [
        DiscoveredFeed("https://alwadi.example/rss.xml", FeedKind.RSS, "آخر الأخبار"),
        DiscoveredFeed("https://alwadi.example/atom.xml", FeedKind.ATOM, "أتوم"),
        DiscoveredFeed("https://alwadi.example/index.rdf", FeedKind.RSS, None),
        DiscoveredFeed("https://alwadi.example/comments/feed/", FeedKind.RSS, "تعليقات الموقع"),
        DiscoveredFeed("https://alwadi.example/economy/feed", FeedKind.RSS, "خلاصة الاقتصاد"),
        DiscoveredFeed("https://alwadi.example/sitemap.xml", FeedKind.SITEMAP, "خريطة الموقع"),
    ]


def test_discover_respects_base_href() -> None:
    html = '<html><head><base href="https://static.alwadi.example/v2/"><link rel="alternate" type="application/rss+xml" href="feed.xml"></head></html>'
    assert [f.url for f in discover_feeds(html, "https://alwadi.example/")] == [
        "https://static.alwadi.example/v2/feed.xml"
    ]


def test_discover_on_page_without_feeds() -> None:
    assert discover_feeds("<html><body><p>لا توجد خلاصات هنا</p></body></html>", "https://x.example/") == []


def test_sitemaps_from_robots() -> None:
    robots = (
        "User-agent: *\nDisallow: /admin/\n\n"
        "Sitemap: https://alwadi.example/sitemap-index.xml\n"
        "sitemap: /news-sitemap.xml\n"
        "Sitemap: https://alwadi.example/sitemap-index.xml\n"
        "Sitemap: ftp://alwadi.example/old.xml\n"
    )
    assert sitemaps_from_robots(robots, "https://alwadi.example/robots.txt") == [
        "https://alwadi.example/sitemap-index.xml",
        "https://alwadi.example/news-sitemap.xml",
    ]
    assert sitemaps_from_robots("User-agent: *\nDisallow:\n", "https://alwadi.example/") == []


def test_default_sitemap_url() -> None:
    assert (
        default_sitemap_url("https://alwadi.example/ar/news?page=2") == "https://alwadi.example/sitemap.xml"
    )


@pytest.mark.parametrize(
    ("value", "slug"),
    [
        ("https://www.alwadi.example/ar/", "alwadi-example"),
        ("www.Coastline-Daily.example", "coastline-daily-example"),
        ("news.alwadi.co.example", "news-alwadi-co-example"),
        ("Coastline Daily", "coastline-daily"),
        ("صحيفة الوادي", "shyfa-alwady"),
        ("الأخبار ٢٤", "alakhbar-24"),
        ("Café Médina", "cafe-medina"),
        ("!!!", "source-"),
    ],
)
def test_slugify(value: str, slug: str) -> None:
    result = slugify(value)
    assert result.startswith(slug) if slug.endswith("-") else result == slug
    assert slugify(value) == result


@given(st.text(max_size=80))
def test_slugify_is_always_a_clean_ascii_slug(value: str) -> None:
    slug = slugify(value)
    assert slug and slug.isascii() and len(slug) <= 64
    assert slug == slug.lower().strip("-")
    assert all(ch.isalnum() or ch == "-" for ch in slug)


# -- OPML ----------------------------------------------------------------------------------


def test_opml_round_trip() -> None:
    wadi = Source(slug="alwadi", name="صحيفة الوادي", homepage="https://alwadi.example/", id=1)
    coast = Source(slug="coastline", name="Coastline & Daily", homepage="https://coast.example/ar/", id=2)
    feeds = [
        Feed(source_id=1, url="https://alwadi.example/rss.xml", title="آخر الأخبار"),
        Feed(source_id=1, url="https://alwadi.example/news-sitemap.xml", kind=FeedKind.NEWS_SITEMAP),
    ]
    text = to_opml(
        [(wadi, feeds), (coast, [Feed(2, "https://coast.example/atom?x=1&y=2", FeedKind.ATOM)])], "مصادري"
    )
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert 'version="2.0"' in text and "<title>مصادري</title>" in text
    specs = parse_opml(text.encode())
    assert specs == [
        SourceSpec(
            Source(slug="alwadi", name="صحيفة الوادي", homepage="https://alwadi.example/"),
            (
                DiscoveredFeed("https://alwadi.example/rss.xml", FeedKind.RSS, "آخر الأخبار"),
                DiscoveredFeed(
                    "https://alwadi.example/news-sitemap.xml", FeedKind.NEWS_SITEMAP, "صحيفة الوادي"
                ),
            ),
        ),
        SourceSpec(
            Source(slug="coastline", name="Coastline & Daily", homepage="https://coast.example/ar/"),
            (DiscoveredFeed("https://coast.example/atom?x=1&y=2", FeedKind.ATOM, "Coastline & Daily"),),
        ),
    ]


def test_opml_from_a_feed_reader_with_nested_folders() -> None:
    opml = """<?xml version="1.0" encoding="utf-8"?>
<opml version="1.0"><head><title>اشتراكات</title></head><body>
  <outline text="أخبار عربية">
    <outline text="الوادي" type="rss" xmlUrl="https://alwadi.example/rss.xml" htmlUrl="https://alwadi.example/"/>
    <outline text="مجلدات فرعية">
      <outline title="الساحل اليومي" type="rss" xmlUrl="https://coast.example/feed/atom"/>
      <outline text="الوادي - رياضة" type="rss" xmlUrl="https://alwadi.example/sports/rss.xml" htmlUrl="https://alwadi.example/"/>
    </outline>
  </outline>
  <outline text="بلا رابط"/>
  <outline text="رابط سيئ" xmlUrl="javascript:alert(1)"/>
</body></opml>""".encode()
    specs = parse_opml(opml)
    assert [(s.source.slug, s.source.name, s.source.homepage) for s in specs] == [
        ("alwadi-example", "الوادي", "https://alwadi.example/"),
        ("coast-example", "الساحل اليومي", "https://coast.example/"),
    ]
    assert [f.url for f in specs[0].feeds] == [
        "https://alwadi.example/rss.xml",
        "https://alwadi.example/sports/rss.xml",
    ]
    assert specs[1].feeds[0].kind is FeedKind.ATOM


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<opml><body><outline", "not well-formed"),
        (b"<rss version='2.0'/>", "not an OPML"),
        (b"<opml version='2.0'><head/></opml>", "no <body>"),
        (b"<opml><body><outline slug='Bad Slug' htmlUrl='https://a.example/'>"
         b"<outline xmlUrl='https://a.example/f'/></outline></body></opml>", "invalid slug"),
        (b"<opml><body><outline xmlUrl='https://a.example/f' kind='podcast'/></body></opml>", "unknown feed kind"),
    ],
)  # fmt: skip
def test_opml_errors(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_opml(data)


def test_opml_xxe_is_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "s.txt"
    secret.write_text("LEAKED-OPML")
    doctype = f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file://{secret}">]>'
    in_text = (
        doctype
        + '<opml version="2.0"><head><title>&x;</title></head><body><outline text="a" xmlUrl="https://a.example/rss"/></body></opml>'
    )
    assert "LEAKED-OPML" not in repr(parse_opml(in_text.encode()))
    in_attribute = (
        doctype
        + '<opml version="2.0"><body><outline text="&x;" xmlUrl="https://a.example/rss"/></body></opml>'
    )
    with pytest.raises(ParseError, match="external entity") as info:
        parse_opml(in_attribute.encode())
    assert "LEAKED-OPML" not in str(info.value)


# -- YAML ----------------------------------------------------------------------------------


def test_yaml_sample_file() -> None:
    specs = load_sources_file(DATA / "sources_sample.yaml")
    wadi, coast = specs
    assert wadi.source.slug == "alwadi-example"
    assert wadi.source.name == "صحيفة الوادي"
    assert dict(wadi.source.section_map) == {"رياضة": "sports", "اقتصاد": "economy"}
    assert wadi.source.default_category == "egypt"
    assert (wadi.source.home_region, coast.source.home_region) == (None, "arab")
    assert wadi.feeds == (
        DiscoveredFeed("https://alwadi.example/rss.xml", FeedKind.RSS),
        DiscoveredFeed("https://alwadi.example/atom.xml", FeedKind.ATOM, "الوادي - أتوم"),
        DiscoveredFeed("https://alwadi.example/news-sitemap.xml", FeedKind.SITEMAP),
    )
    assert coast.source.slug == "coastline"
    assert coast.feeds == (DiscoveredFeed("https://www.coastline-daily.example/feed/", FeedKind.RSS),)


def _one(body: str) -> str:
    return "sources:\n  - " + body.replace("\n", "\n    ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources: [\n  - oops", "not valid YAML"),
        ("feeds: []", r"unknown top-level key\(s\) \['feeds'\]"),
        ("sources: 3", "must have a 'sources:' list"),
        ("sources:\n  - just-a-string", r"sources\[0\]: expected a mapping"),
        (_one("homepage: https://a.example/"), r"sources\[0\]: 'name' is required"),
        (_one("name: الوادي\nhomepage: alwadi.example"), r"sources\[0\] \(الوادي\): 'homepage' must be an absolute"),
        (_one("name: الوادي\nhomepage: https://a.example/\nfeed: []"), r"\(الوادي\): unknown key\(s\) \['feed'\]"),
        (_one("name: الوادي\nhomepage: https://a.example/\nslug: Al Wadi"), "slug 'Al Wadi' must be lower-case"),
        (_one("name: الوادي\nhomepage: https://a.example/\nfeeds: https://a.example/rss"), "'feeds' must be a list"),
        (_one("name: الوادي\nhomepage: https://a.example/\nfeeds: [{url: /r, kind: podcast}]"),
         r"feeds\[0\]: kind 'podcast' is not one of rss, atom"),
        (_one("name: الوادي\nhomepage: https://a.example/\nfeeds: [{href: /r}]"), r"feeds\[0\]: unknown key"),
        (_one("name: الوادي\nhomepage: https://a.example/\nsitemaps: ['mailto:x@a.example']"),
         r"sitemaps\[0\]: 'url' must be an http\(s\) URL"),
        (_one("name: الوادي\nhomepage: https://a.example/\nsection_map: {رياضة: football}"),
         r"section_map\['رياضة'\]: unknown category 'football'"),
        (_one("name: الوادي\nhomepage: https://a.example/\ndefault_category: news"), "default_category: unknown category"),
        (_one("name: الوادي\nhomepage: https://a.example/\nhome_region: gulf"),
         r"home_region: unknown region 'gulf' \(known: egypt, arab, world\)"),
        (_one("name: الوادي\nhomepage: https://a.example/\nenabled: maybe"), "'enabled' must be true or false"),
        ("sources:\n  - {name: أ, homepage: 'https://a.example/'}\n  - {name: ب, homepage: 'https://a.example/x'}",
         r"sources\[1\] \(ب\): slug 'a-example' already used by sources\[0\]"),
    ],
)  # fmt: skip
def test_yaml_errors_name_the_entry(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_sources_yaml(text)


def test_yaml_top_level_list_and_defaults() -> None:
    (spec,) = parse_sources_yaml("- name: الساحل\n  homepage: https://coast.example/\n  enabled: false\n")
    assert spec.source == Source(
        slug="coast-example", name="الساحل", homepage="https://coast.example/", enabled=False
    )
    assert spec.feeds == ()


def test_load_sources_file_sniffs_and_reports_missing(tmp_path: Path) -> None:
    opml = tmp_path / "list.txt"
    opml.write_text(
        to_opml([(Source("alwadi", "الوادي", "https://alwadi.example/"), [])], "x"), encoding="utf-8"
    )
    assert load_sources_file(opml) == []  # a source with no feeds has nothing to subscribe
    yml = tmp_path / "list"
    yml.write_text(
        "sources:\n  - {name: الوادي, homepage: 'https://alwadi.example/', feeds: [/rss]}\n", "utf-8"
    )
    assert load_sources_file(yml)[0].feeds[0].url == "https://alwadi.example/rss"
    with pytest.raises(ParseError, match="cannot read"):
        load_sources_file(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"sources:\n  - name: \xff\xfe\n")
    with pytest.raises(ParseError, match="UTF-8"):
        load_sources_file(bad)
