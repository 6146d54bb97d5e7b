"""Builders for invented Arabic feeds and sitemaps used by the feed tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

DATA = Path(__file__).parent / "data"

HEADLINES = (
    "الحكومة تعلن خطة جديدة لدعم المشروعات الصغيرة",
    "ارتفاع طفيف في أسعار الذهب بالأسواق المحلية",
    "الأرصاد تتوقع أمطارا غزيرة على السواحل الشمالية",
    "فريق الجامعة يفوز ببطولة المناظرات العربية",
    "افتتاح أول محطة لتحلية المياه بالطاقة الشمسية",
    "وزير الصحة يتفقد مستشفيات المحافظات الحدودية",
)


@dataclass(frozen=True)
class Item:
    title: str
    link: str | None
    guid: str | None = None
    pub_date: str | None = None
    description: str | None = None
    categories: Sequence[str] = ()
    author: str | None = None
    extra: str = ""


def rfc822(value: datetime) -> str:
    return format_datetime(value.astimezone(UTC), usegmt=True)


def rss(
    items: Iterable[Item],
    *,
    title: str = "أخبار الوادي",
    link: str = "https://alwadi.example/",
    encoding: str | None = "utf-8",
    doctype: str = "",
) -> str:
    parts = []
    for item in items:
        xml = [f"<title>{escape(item.title)}</title>"]
        if item.link is not None:
            xml.append(f"<link>{escape(item.link)}</link>")
        if item.guid is not None:
            xml.append(f"<guid>{escape(item.guid)}</guid>")
        if item.pub_date is not None:
            xml.append(f"<pubDate>{escape(item.pub_date)}</pubDate>")
        if item.description is not None:
            xml.append(f"<description>{escape(item.description)}</description>")
        xml.extend(f"<category>{escape(c)}</category>" for c in item.categories)
        if item.author is not None:
            xml.append(f"<author>{escape(item.author)}</author>")
        xml.append(item.extra)
        parts.append("<item>" + "".join(xml) + "</item>")
    decl = f'<?xml version="1.0" encoding="{encoding}"?>\n' if encoding else ""
    return (
        f"{decl}{doctype}"
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
        f"<title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<description>آخر الأخبار</description>{''.join(parts)}</channel></rss>"
    )


def urlset(urls: Iterable[tuple[str, str | None]], *, news: Sequence[tuple[str, str, str]] = ()) -> bytes:
    """A sitemap; ``news`` gives (loc, title, keywords) for Google News entries."""
    rows = []
    for loc, lastmod in urls:
        mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        rows.append(f"<url><loc>{escape(loc)}</loc>{mod}</url>")
    for loc, title, keywords in news:
        rows.append(
            f"<url><loc>{escape(loc)}</loc><news:news><news:publication>"
            "<news:name>الوادي</news:name><news:language>ar</news:language></news:publication>"
            "<news:publication_date>2024-05-01T10:15:00+03:00</news:publication_date>"
            f"<news:title>{escape(title)}</news:title><news:keywords>{escape(keywords)}</news:keywords>"
            "</news:news><image:image><image:loc>/media/cover.jpg</image:loc></image:image></url>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" '
        'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">' + "".join(rows) + "</urlset>"
    ).encode()
