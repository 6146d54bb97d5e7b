"""Turn a fetched feed or sitemap body into a ``ParsedFeed``.

RSS, RDF and Atom go through feedparser, which copes with the broken feeds real outlets
publish; sitemaps (plain, Google News, index) are read with lxml. Every XML parse here is
hardened: no DTD loading, no entity expansion, no network, so hostile bodies (XXE, billion
laughs) cannot read files or exhaust memory. Large feeds are trimmed with lxml before
feedparser sees them, because feedparser costs about half a millisecond per entry.
"""

from __future__ import annotations

import calendar
import re
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import feedparser
from lxml import etree
from selectolax.lexbor import LexborHTMLParser

from bawaba.errors import ParseError
from bawaba.models import FeedEntry, FeedKind, ParsedFeed

T = TypeVar("T")

#: How far in the future a date may lie before it is treated as wrong (clock skew, typos).
FUTURE_TOLERANCE = timedelta(days=1)
#: Default ceiling for a gunzipped body; matches the fetcher's decompression limit.
DEFAULT_MAX_BYTES = 30_000_000

_GZIP_MAGIC = b"\x1f\x8b"
_FEED_ROOTS = {"rss": FeedKind.RSS, "rdf": FeedKind.RSS, "feed": FeedKind.ATOM}
_SITEMAP_ROOTS = {"urlset", "sitemapindex"}
_ITEM_NAMES = {"item", "entry"}
_DATE_NAMES = ("pubDate", "published", "updated", "date", "issued", "modified")
_ID_NAMES = ("guid", "id", "link")
#: feedparser bozo exceptions that only warn about encoding/content-type and lose nothing.
_SOFT_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
_ROOT_RE = re.compile(rb"<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)")
_DECL_ENCODING_RE = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=", re.IGNORECASE)
_KEYWORD_SPLIT_RE = re.compile("[,\u060c;]")
_SPACE_RE = re.compile(r"\s+")
_EMAIL_NAME_RE = re.compile(r"^\s*[^\s@()]+@[^\s@()]+\s*\((.+)\)\s*$", re.DOTALL)


def _xml_parser(*, recover: bool = False, encoding: str | None = None) -> etree.XMLParser:
    """A parser that never loads DTDs, expands entities or touches the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=recover,
        encoding=encoding,
        remove_comments=True,
        remove_pis=True,
    )


def parse_feed(
    body: bytes,
    url: str,
    content_type: str | None = None,
    max_entries: int = 2000,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    now: datetime | None = None,
) -> ParsedFeed:
    """Parse an RSS/RDF/Atom feed, sitemap, Google News sitemap or sitemap index.

    Entries are deduplicated by GUID and URL (first wins) and, past ``max_entries``, only the
    newest are kept (document order preserved). Raises ``ParseError`` when nothing usable is in
    the body (HTML, broken XML, an unknown document).
    """
    if max_entries < 1:
        raise ValueError("max_entries must be positive")
    now = now or datetime.now(UTC)
    data = _gunzip(body, max_bytes) if body[:2] == _GZIP_MAGIC else body
    data = _strip_leading_space(data)
    if not data:
        raise ParseError(f"{url}: empty body, not a feed")
    charset = None if _declares_encoding(data) else _header_charset(content_type)
    root: etree._Element | None
    try:
        root = etree.fromstring(data, _xml_parser(encoding=charset))
    except (etree.XMLSyntaxError, ValueError, LookupError):
        root = None
    name = _local(root.tag).lower() if root is not None else _sniff_root(data)
    if name in _SITEMAP_ROOTS:
        if root is None:
            root = _recover(data, charset, url)
        _drop_entity_refs(root)
        return _parse_sitemap(root, url, max_entries, now)
    if name in _FEED_ROOTS:
        if root is not None:
            _drop_entity_refs(root)
            _trim_items(root, max_entries)
            _simplify_rss_authors(root)
            data, charset = etree.tostring(root, encoding="utf-8", xml_declaration=True), None
        else:
            data = strip_doctype(data)
        return _parse_with_feedparser(data, url, charset, _FEED_ROOTS[name], max_entries, now)
    if name in {"html", "xhtml"} or data[:200].lower().lstrip().startswith(b"<!doctype html"):
        raise ParseError(f"{url}: got an HTML page, not a feed or sitemap")
    if name is None:
        raise ParseError(f"{url}: not XML, no root element found")
    raise ParseError(f"{url}: unknown document type <{name}>, expected rss, feed, urlset or sitemapindex")


# -- bytes-level helpers -------------------------------------------------------------------


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    """Decompress a gzipped sitemap without letting a bomb exceed ``max_bytes``."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise ParseError(f"corrupt gzip body: {exc}") from None
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise ParseError(f"gzipped body inflates beyond {max_bytes} bytes")
    return out


def _strip_leading_space(data: bytes) -> bytes:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.lstrip(b" \t\r\n")


def _declares_encoding(data: bytes) -> bool:
    return data[:2] in (b"\xff\xfe", b"\xfe\xff") or bool(_DECL_ENCODING_RE.match(data[:200]))


def _header_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, used only when the XML declares none."""
    if not content_type:
        return None
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'").lower()
    return None


def _sniff_root(data: bytes) -> str | None:
    """Local name of the first element, skipping the prolog, for bodies lxml rejects."""
    pos = 0
    head = data[:65536]
    while True:
        start = head.find(b"<", pos)
        if start < 0:
            return None
        if head.startswith(b"<?", start):
            end = head.find(b"?>", start)
        elif head.startswith(b"<!--", start):
            end = head.find(b"-->", start)
        elif head.startswith(b"<!", start):
            end = _declaration_end(head, start)
        else:
            match = _ROOT_RE.match(head, start)
            if match is None:
                return None
            return _local(match.group(1).decode("ascii", "replace")).lower()
        if end < 0:
            return None
        pos = end + 1


def _declaration_end(data: bytes, start: int) -> int:
    """Index of the ``>`` closing a ``<!DOCTYPE ...>`` (internal subset and quotes included)."""
    depth, quote = 0, 0
    for i in range(start + 2, len(data)):
        ch = data[i]
        if quote:
            if ch == quote:
                quote = 0
        elif ch in (0x22, 0x27):  # " and '
            quote = ch
        elif ch == 0x5B:  # [
            depth += 1
        elif ch == 0x5D:  # ]
            depth -= 1
        elif ch == 0x3E and depth <= 0:  # >
            return i
    return -1


def strip_doctype(data: bytes) -> bytes:
    """Remove a DOCTYPE (and its entity declarations) so no later parser can expand them."""
    match = re.search(rb"<!DOCTYPE", data[:65536], re.IGNORECASE)
    if match is None:
        return data
    end = _declaration_end(data, match.start())
    if end < 0:
        return data[: match.start()]
    return data[: match.start()] + data[end + 1 :]


def _recover(data: bytes, charset: str | None, url: str) -> etree._Element:
    try:
        root = etree.fromstring(data, _xml_parser(recover=True, encoding=charset))
    except (etree.XMLSyntaxError, ValueError, LookupError) as exc:
        raise ParseError(f"{url}: broken XML: {exc}") from None
    if root is None:
        raise ParseError(f"{url}: broken XML, nothing recoverable")
    return root


# -- lxml tree helpers ---------------------------------------------------------------------


def _local(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2].rpartition(":")[2]


def _children(el: etree._Element, name: str) -> Iterable[etree._Element]:
    return (c for c in el if _local(c.tag) == name)


def _child_text(el: etree._Element, name: str) -> str | None:
    for child in _children(el, name):
        text = "".join(child.itertext()).strip()
        if text:
            return text
    return None


def _drop_entity_refs(root: etree._Element) -> None:
    """Remove unexpanded entity references so the re-serialised tree is entity-free."""
    for ref in list(root.iter(etree.Entity)):
        parent = ref.getparent()
        if parent is not None:
            if ref.tail:
                prev = ref.getprevious()
                if prev is not None:
                    prev.tail = (prev.tail or "") + ref.tail
                else:
                    parent.text = (parent.text or "") + ref.tail
            parent.remove(ref)


def _item_elements(root: etree._Element) -> list[etree._Element]:
    items = [c for c in root if _local(c.tag) in _ITEM_NAMES]
    for channel in _children(root, "channel"):
        items.extend(c for c in channel if _local(c.tag) in _ITEM_NAMES)
    return items


def _simplify_rss_authors(root: etree._Element) -> None:
    """Rewrite RSS ``email (Name)`` authors to ``Name``: feedparser's e-mail regexp cuts
    addresses with long TLDs and leaks the remainder into the name."""
    for item in _item_elements(root):
        for author in _children(item, "author"):
            if len(author) == 0 and author.text:
                match = _EMAIL_NAME_RE.match(author.text)
                if match:
                    author.text = match.group(1)


def _item_key(item: etree._Element) -> str | None:
    for name in _ID_NAMES:
        for child in _children(item, name):
            value = (child.text or child.get("href") or "").strip()
            if value:
                return value
    return None


def _item_date(item: etree._Element) -> datetime | None:
    for name in _DATE_NAMES:
        text = _child_text(item, name)
        if text:
            parsed = parse_date(text)
            if parsed is not None:
                return parsed
    return None


def _trim_items(root: etree._Element, max_entries: int) -> None:
    """Keep the newest ``max_entries`` distinct items so feedparser parses no more than that."""
    items = _item_elements(root)
    if len(items) <= max_entries:
        return
    seen: set[str] = set()
    unique: list[etree._Element] = []
    for item in items:
        key = _item_key(item)
        if key is not None and key in seen:
            continue
        if key is not None:
            seen.add(key)
        unique.append(item)
    keep = {id(item) for item in _newest(unique, _item_date, max_entries)}
    for item in items:
        if id(item) not in keep:
            parent = item.getparent()
            if parent is not None:
                parent.remove(item)


def _newest(items: Sequence[T], date_of: Callable[[T], datetime | None], limit: int) -> list[T]:
    """The ``limit`` newest items (undated ones last), in their original order."""
    if len(items) <= limit:
        return list(items)
    floor = datetime.min.replace(tzinfo=UTC)
    ranked = sorted(range(len(items)), key=lambda i: (date_of(items[i]) or floor, -i), reverse=True)
    return [items[i] for i in sorted(ranked[:limit])]


# -- dates and text ------------------------------------------------------------------------


def parse_date(text: str) -> datetime | None:
    """An aware UTC datetime from RFC 822 or W3C/ISO 8601 text, else None."""
    text = text.strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            value = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = feedparser.datetimes._parse_date(text)
            if parsed is None:
                return None
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _sane_date(value: datetime | None, now: datetime) -> datetime | None:
    if value is None or value > now + FUTURE_TOLERANCE:
        return None
    return value


def _struct_to_datetime(value: time.struct_time | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _clean_text(value: str | None, is_html: bool = False) -> str | None:
    if not value:
        return None
    if is_html or "<" in value:
        value = LexborHTMLParser(value).text(separator=" ")
    value = _SPACE_RE.sub(" ", value).strip()
    return value or None


def _absolute(base: str, link: str | None) -> str | None:
    """An absolute http(s) URL, or None for empty, relative-unresolvable or other schemes."""
    if not link:
        return None
    link = link.strip()
    if link[:8].lower().startswith(("http://", "https://")) and " " not in link:
        return link  # already absolute: skip urljoin, the hot path for large sitemaps
    try:
        absolute = urljoin(base, link)
        scheme = urlsplit(absolute).scheme.lower()
    except ValueError:
        return None
    return absolute if scheme in ("http", "https") else None


# -- RSS / RDF / Atom via feedparser --------------------------------------------------------


def _parse_with_feedparser(
    data: bytes, url: str, charset: str | None, kind: FeedKind, max_entries: int, now: datetime
) -> ParsedFeed:
    # No content-location: feedparser would then "resolve" opaque GUIDs against it.
    headers: dict[str, str] = {}
    if charset:
        headers["content-type"] = f"application/xml; charset={charset}"
    try:
        parsed = feedparser.parse(
            data, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
        )
    except Exception as exc:  # feedparser has no error contract of its own
        raise ParseError(f"{url}: feed parser failed: {exc}") from exc
    raw_entries = list(parsed.get("entries", []))
    broken = bool(parsed.get("bozo")) and not isinstance(parsed.get("bozo_exception"), _SOFT_BOZO)
    if broken and not raw_entries:
        reason = parsed.get("bozo_exception")
        raise ParseError(f"{url}: broken feed with no usable entries ({reason})")
    feed_info: Mapping[str, Any] = parsed.get("feed", {})
    entries = _dedupe(e for e in (_entry(raw, url, now) for raw in raw_entries) if e is not None)
    entries = _newest(entries, lambda e: e.published_at, max_entries)
    return ParsedFeed(
        kind=kind,
        entries=tuple(entries),
        title=_clean_text(feed_info.get("title")),
        link=_absolute(url, feed_info.get("link")),
    )


def _entry(raw: dict[str, Any], base: str, now: datetime) -> FeedEntry | None:
    guid = (raw.get("id") or "").strip() or None
    raw_link = raw.get("link")
    if raw.get("guidislink") and raw_link == raw.get("id"):
        raw_link = None  # feedparser copied the GUID; only an absolute GUID may serve as URL
    link = _absolute(base, raw_link)
    if link is None and guid and urlsplit(guid).scheme.lower() in ("http", "https"):
        link = guid
    if link is None:
        return None
    # dict.get: FeedParserDict.get would warn about its deprecated updated->published fallback
    published = _struct_to_datetime(dict.get(raw, "published_parsed") or dict.get(raw, "updated_parsed"))
    tags = _unique(_clean_text(t.get("term") or t.get("label")) for t in raw.get("tags") or ())
    detail = raw.get("author_detail") or {}
    summary_detail = raw.get("summary_detail") or {}
    title_detail = raw.get("title_detail") or {}
    return FeedEntry(
        url=link,
        title=_clean_text(raw.get("title"), "html" in (title_detail.get("type") or "")),
        guid=guid,
        published_at=_sane_date(published, now),
        summary=_clean_text(raw.get("summary"), "html" in (summary_detail.get("type") or "")),
        author=_clean_text(detail.get("name") or raw.get("author")),
        section=tags[0] if tags else None,
        tags=tuple(tags),
        image=_image(raw, base),
    )


def _alternate_link(raw: Mapping[str, Any]) -> str | None:
    for link in raw.get("links") or ():
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    return None


def _image(raw: Mapping[str, Any], base: str) -> str | None:
    """The entry's picture: media:content, then media:thumbnail, then an image enclosure."""
    for media in raw.get("media_content") or ():
        medium, mime = media.get("medium") or "", media.get("type") or ""
        if medium == "image" or mime.startswith("image/") or (not medium and not mime):
            found = _absolute(base, media.get("url"))
            if found:
                return found
    for thumb in raw.get("media_thumbnail") or ():
        found = _absolute(base, thumb.get("url"))
        if found:
            return found
    for enclosure in list(raw.get("enclosures") or ()) + [
        link for link in raw.get("links") or () if link.get("rel") == "enclosure"
    ]:
        if (enclosure.get("type") or "").startswith("image/"):
            found = _absolute(base, enclosure.get("href") or enclosure.get("url"))
            if found:
                return found
    return None


def _unique(values: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)


def _dedupe(entries: Iterable[FeedEntry]) -> list[FeedEntry]:
    """Drop entries whose GUID or URL was already seen; the first occurrence wins."""
    guids: set[str] = set()
    urls: set[str] = set()
    out: list[FeedEntry] = []
    for entry in entries:
        if entry.url in urls or (entry.guid is not None and entry.guid in guids):
            continue
        urls.add(entry.url)
        if entry.guid is not None:
            guids.add(entry.guid)
        out.append(entry)
    return out


# -- sitemaps ------------------------------------------------------------------------------


def _parse_sitemap(root: etree._Element, url: str, max_entries: int, now: datetime) -> ParsedFeed:
    if _local(root.tag) == "sitemapindex":
        children: list[tuple[str, datetime | None]] = []
        seen: set[str] = set()
        for node in _children(root, "sitemap"):
            loc = _absolute(url, _child_text(node, "loc"))
            if loc and loc not in seen:
                seen.add(loc)
                children.append((loc, _sane_date(parse_date(_child_text(node, "lastmod") or ""), now)))
        kept = _newest(children, lambda c: c[1], max_entries)
        return ParsedFeed(kind=FeedKind.SITEMAP_INDEX, sitemaps=tuple(loc for loc, _ in kept))
    entries: list[FeedEntry] = []
    is_news = False
    for node in _children(root, "url"):
        news = next(iter(_children(node, "news")), None)
        is_news = is_news or news is not None
        entry = _sitemap_entry(node, news, url, now)
        if entry is not None:
            entries.append(entry)
    entries = _newest(_dedupe(entries), lambda e: e.published_at, max_entries)
    kind = FeedKind.NEWS_SITEMAP if is_news else FeedKind.SITEMAP
    return ParsedFeed(kind=kind, entries=tuple(entries))


def _sitemap_entry(
    node: etree._Element, news: etree._Element | None, base: str, now: datetime
) -> FeedEntry | None:
    # One pass over the children: this runs for each of up to 50,000 URLs of a sitemap.
    raw_loc = raw_lastmod = None
    for child in node:
        name = _local(child.tag)
        if name == "loc":
            raw_loc = child.text
        elif name == "lastmod":
            raw_lastmod = child.text
    loc = _absolute(base, raw_loc)
    if loc is None:
        return None
    published = parse_date(raw_lastmod) if raw_lastmod else None
    title: str | None = None
    tags: list[str] = []
    if news is not None:
        title = _clean_text(_child_text(news, "title"))
        published = parse_date(_child_text(news, "publication_date") or "") or published
        keywords = _child_text(news, "keywords") or ""
        tags = _unique(_clean_text(k) for k in _KEYWORD_SPLIT_RE.split(keywords))
    image = None
    for picture in _children(node, "image"):
        image = _absolute(base, _child_text(picture, "loc"))
        if image:
            break
    return FeedEntry(
        url=loc,
        title=title,
        guid=loc,
        published_at=_sane_date(published, now),
        tags=tuple(tags),
        image=image,
    )
