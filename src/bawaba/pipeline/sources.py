"""Finding an outlet's feeds and reading/writing source lists (OPML, YAML).

Discovery works on an already fetched homepage and robots.txt: this module never fetches.
Source lists are operator input, so every problem is reported as a ``ParseError`` that names
the offending entry instead of failing somewhere deeper in the pipeline.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml
from lxml import etree
from protego import Protego
from selectolax.lexbor import LexborHTMLParser

from bawaba.errors import ParseError
from bawaba.models import DiscoveredFeed, Feed, FeedKind, Source
from bawaba.taxonomy import regions as portal_regions
from bawaba.taxonomy import slugs as category_slugs

_FEED_TYPES = {
    "application/rss+xml": FeedKind.RSS,
    "application/rdf+xml": FeedKind.RSS,
    "application/atom+xml": FeedKind.ATOM,
}
#: ``<a href>`` paths that almost always point at a feed or sitemap.
_FEEDISH_PATH_RE = re.compile(r"(/(feed|feeds|rss|atom)/?$)|(\.(rss|xml|atom)$)|(/rss[\w-]*\.\w+$)", re.I)
_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_HOST_RE = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_HOST_PREFIXES = ("www.", "www2.", "m.")
#: Unicode names of Arabic letters -> readable ASCII, used to slug Arabic outlet names.
_ARABIC_LETTERS = {
    "ALEF": "a", "BEH": "b", "TEH MARBUTA": "a", "TEH": "t", "THEH": "th", "JEEM": "j",
    "HAH": "h", "KHAH": "kh", "DAL": "d", "THAL": "dh", "REH": "r", "ZAIN": "z", "SEEN": "s",
    "SHEEN": "sh", "SAD": "s", "DAD": "d", "TAH": "t", "ZAH": "z", "AIN": "a", "GHAIN": "gh",
    "FEH": "f", "QAF": "q", "KAF": "k", "LAM": "l", "MEEM": "m", "NOON": "n", "HEH": "h",
    "WAW": "w", "YEH": "y", "HAMZA": "", "ALEF MAKSURA": "a", "PEH": "p", "TCHEH": "ch",
    "GAF": "g", "VEH": "v", "KEHEH": "k", "FARSI YEH": "y",
}  # fmt: skip
_SOURCE_KEYS = {
    "name", "homepage", "slug", "feeds", "sitemaps", "section_map", "default_category",
    "home_region", "language", "enabled",
}  # fmt: skip
_FEED_KEYS = {"url", "kind", "title"}


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """A source as an operator declared it, with the feeds to register for it."""

    source: Source
    feeds: tuple[DiscoveredFeed, ...] = field(default_factory=tuple)


# -- discovery -----------------------------------------------------------------------------


def discover_feeds(html: str, base_url: str) -> list[DiscoveredFeed]:
    """Feeds advertised by a page: ``<link rel=alternate>`` first, then feed-looking ``<a>`` links."""
    tree = LexborHTMLParser(html)
    base = base_url
    base_node = tree.css_first("base[href]")
    if base_node is not None:
        base = _http_url(base_url, base_node.attributes.get("href")) or base_url
    found: dict[str, DiscoveredFeed] = {}
    comments: dict[str, DiscoveredFeed] = {}
    for node in tree.css("link[href]"):
        attrs = node.attributes
        rels = (attrs.get("rel") or "").lower().split()
        kind = _FEED_TYPES.get((attrs.get("type") or "").split(";")[0].strip().lower())
        url = _http_url(base, attrs.get("href"))
        if "alternate" not in rels or kind is None or url is None:
            continue
        title = _squash(attrs.get("title"))
        target = comments if "/comments/" in urlsplit(url).path.lower() else found
        target.setdefault(url, DiscoveredFeed(url=url, kind=kind, title=title))
    for url, feed in comments.items():
        found.setdefault(url, feed)
    for node in tree.css("a[href]"):
        url = _http_url(base, node.attributes.get("href"))
        if url is None or url in found or not _FEEDISH_PATH_RE.search(urlsplit(url).path):
            continue
        found[url] = DiscoveredFeed(url=url, kind=_guess_kind(url), title=_squash(node.text()))
    return list(found.values())


def sitemaps_from_robots(robots_txt: str, base_url: str) -> list[str]:
    """Absolute ``Sitemap:`` URLs declared in a robots.txt, deduplicated, in order."""
    try:
        declared = list(Protego.parse(robots_txt).sitemaps)
    except Exception as exc:  # protego documents no error types
        raise ParseError(f"unreadable robots.txt for {base_url}: {exc}") from exc
    out: dict[str, None] = {}
    for raw in declared:
        url = _http_url(base_url, raw)
        if url:
            out.setdefault(url, None)
    return list(out)


def default_sitemap_url(base_url: str) -> str:
    """Where a site keeps its sitemap when robots.txt does not say."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}/sitemap.xml"


def _guess_kind(url: str) -> FeedKind:
    low = url.lower()
    if "sitemap" in low:
        return FeedKind.SITEMAP
    return FeedKind.ATOM if "atom" in low else FeedKind.RSS


def _http_url(base: str, href: str | None) -> str | None:
    if not href or not href.strip():
        return None
    try:
        url = urljoin(base, href.strip())
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return parts._replace(fragment="").geturl()


def _squash(text: str | None) -> str | None:
    text = " ".join((text or "").split())
    return text or None


# -- slugs ---------------------------------------------------------------------------------


def slugify(name_or_host: str) -> str:
    """A stable ASCII slug: a URL or host gives ``aljazeera-net``; a name is transliterated.

    The result must never change for the same input, since slugs appear in public URLs.
    """
    text = name_or_host.strip()
    host = _host_of(text)
    if host is not None:
        for prefix in _HOST_PREFIXES:
            if host.startswith(prefix) and host.count(".") > 1:
                host = host[len(prefix) :]
                break
        text = host
    ascii_text = "".join(_ascii_char(ch) for ch in unicodedata.normalize("NFKD", text))
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > 64:
        slug = slug[:64].rstrip("-")
    if not slug:
        slug = "source-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return slug


def _host_of(text: str) -> str | None:
    if "://" in text:
        host = urlsplit(text).hostname
        return host.lower() if host else None
    if _HOST_RE.match(text):
        return text.lower()
    return None


def _ascii_char(ch: str) -> str:
    if ch.isascii():
        return ch
    if unicodedata.combining(ch):
        return ""
    name = unicodedata.name(ch, "")
    if name.startswith("ARABIC LETTER "):
        letter = name.removeprefix("ARABIC LETTER ")
        for key in (letter, letter.split(" WITH ")[0]):
            if key in _ARABIC_LETTERS:
                return _ARABIC_LETTERS[key]
    if name.startswith(("ARABIC-INDIC DIGIT ", "EXTENDED ARABIC-INDIC DIGIT ")):
        return str(unicodedata.digit(ch))
    return " "


# -- OPML ----------------------------------------------------------------------------------


def parse_opml(data: bytes) -> list[SourceSpec]:
    """Sources from an OPML subscription list (nested outlines; feeds grouped by homepage)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise ParseError(f"OPML is not well-formed XML: {exc}") from None
    if etree.QName(root).localname.lower() != "opml":
        raise ParseError(f"not an OPML document: root element is <{etree.QName(root).localname}>")
    body = next((c for c in root if isinstance(c.tag, str) and c.tag.lower() == "body"), None)
    if body is None:
        raise ParseError("OPML has no <body>")
    groups: dict[str, tuple[dict[str, Any], dict[str, DiscoveredFeed]]] = {}
    _walk_outlines(body, None, groups)
    specs = []
    for info, feeds in groups.values():
        source = Source(slug=info["slug"], name=info["name"], homepage=info["homepage"])
        specs.append(SourceSpec(source=source, feeds=tuple(feeds.values())))
    return specs


def _walk_outlines(
    node: etree._Element,
    parent: etree._Element | None,
    groups: dict[str, tuple[dict[str, Any], dict[str, DiscoveredFeed]]],
) -> None:
    for outline in node:
        if not isinstance(outline.tag, str) or outline.tag != "outline":
            continue
        xml_url = _http_url("", outline.get("xmlUrl"))
        if xml_url is not None:
            _add_opml_feed(outline, parent, xml_url, groups)
        _walk_outlines(outline, outline, groups)


def _add_opml_feed(
    outline: etree._Element,
    parent: etree._Element | None,
    xml_url: str,
    groups: dict[str, tuple[dict[str, Any], dict[str, DiscoveredFeed]]],
) -> None:
    # A parent with htmlUrl is the outlet (bawaba's own export); otherwise each feed is one.
    owner = parent if parent is not None and parent.get("htmlUrl") else outline
    homepage = _http_url("", owner.get("htmlUrl")) or _origin(xml_url)
    label = _squash(owner.get("text")) or _squash(owner.get("title"))
    slug = owner.get("slug") or slugify(homepage)
    if not _SLUG_RE.match(slug):
        raise ParseError(f"OPML outline {label or xml_url!r}: invalid slug {slug!r}")
    _, feeds = groups.setdefault(slug, ({"slug": slug, "name": label or slug, "homepage": homepage}, {}))
    try:
        kind = FeedKind(outline.get("kind") or _guess_kind(xml_url))
    except ValueError:
        raise ParseError(
            f"OPML outline {label or xml_url!r}: unknown feed kind {outline.get('kind')!r}"
        ) from None
    title = _squash(outline.get("title")) or _squash(outline.get("text"))
    feeds.setdefault(xml_url, DiscoveredFeed(url=xml_url, kind=kind, title=title))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def to_opml(pairs: Sequence[tuple[Source, Sequence[Feed]]], title: str) -> str:
    """An OPML 2.0 document: one outline per source holding one ``type="rss"`` outline per feed.

    ``slug`` and ``kind`` are extra outline attributes (allowed by OPML 2.0) so that
    ``parse_opml`` reads back exactly what was written.
    """
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    body = etree.SubElement(root, "body")
    for source, feeds in pairs:
        group = etree.SubElement(
            body, "outline", text=source.name, title=source.name, htmlUrl=source.homepage, slug=source.slug
        )
        for feed in feeds:
            label = feed.title or source.name
            etree.SubElement(
                group,
                "outline",
                type="rss",
                text=label,
                title=label,
                xmlUrl=feed.url,
                htmlUrl=source.homepage,
                kind=feed.kind.value,
            )
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + str(
        etree.tostring(root, encoding="unicode", pretty_print=True)
    )


# -- YAML ----------------------------------------------------------------------------------


def parse_sources_yaml(text: str) -> list[SourceSpec]:
    """Sources from the YAML schema documented in the README (``sources: [...]``)."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ParseError(f"sources YAML is not valid YAML: {exc}") from None
    if isinstance(doc, Mapping):
        unknown = set(doc) - {"sources"}
        if unknown:
            raise ParseError(f"sources YAML: unknown top-level key(s) {sorted(map(str, unknown))}")
        doc = doc.get("sources")
    if not isinstance(doc, list):
        raise ParseError("sources YAML must have a 'sources:' list")
    specs: list[SourceSpec] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(doc):
        spec = _yaml_source(index, raw)
        slug = spec.source.slug
        if slug in seen:
            raise ParseError(
                f"sources[{index}] ({spec.source.name}): slug {slug!r} already used by sources[{seen[slug]}]"
            )
        seen[slug] = index
        specs.append(spec)
    return specs


def _yaml_source(index: int, raw: Any) -> SourceSpec:
    where = f"sources[{index}]"
    if not isinstance(raw, Mapping):
        raise ParseError(f"{where}: expected a mapping with name and homepage, got {type(raw).__name__}")
    name = raw.get("name")
    if isinstance(name, str) and name.strip():
        where = f"{where} ({name.strip()})"
    unknown = set(raw) - _SOURCE_KEYS
    if unknown:
        raise ParseError(f"{where}: unknown key(s) {sorted(map(str, unknown))}")
    if not isinstance(name, str) or not name.strip():
        raise ParseError(f"{where}: 'name' is required and must be text")
    homepage = raw.get("homepage")
    if not isinstance(homepage, str) or _http_url("", homepage) is None:
        raise ParseError(f"{where}: 'homepage' must be an absolute http(s) URL, got {homepage!r}")
    slug = raw.get("slug")
    if slug is None:
        slug = slugify(homepage)
    elif not isinstance(slug, str) or not _SLUG_RE.match(slug):
        raise ParseError(f"{where}: slug {slug!r} must be lower-case ASCII letters, digits and dashes")
    feeds: dict[str, DiscoveredFeed] = {}
    for pos, item in enumerate(_list(raw, "feeds", where)):
        feed = _yaml_feed(item, homepage, f"{where}: feeds[{pos}]", FeedKind.RSS)
        feeds.setdefault(feed.url, feed)
    for pos, item in enumerate(_list(raw, "sitemaps", where)):
        feed = _yaml_feed(item, homepage, f"{where}: sitemaps[{pos}]", FeedKind.SITEMAP)
        feeds.setdefault(feed.url, feed)
    source = Source(
        slug=slug,
        name=name.strip(),
        homepage=homepage,
        language=_text(raw, "language", where) or "ar",
        section_map=_section_map(raw.get("section_map"), where),
        default_category=_category(_text(raw, "default_category", where), f"{where}: default_category"),
        home_region=_region(_text(raw, "home_region", where), f"{where}: home_region"),
        enabled=_flag(raw, "enabled", where),
    )
    return SourceSpec(source=source, feeds=tuple(feeds.values()))


def _list(raw: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ParseError(f"{where}: '{key}' must be a list")
    return value


def _yaml_feed(item: Any, homepage: str, where: str, default_kind: FeedKind) -> DiscoveredFeed:
    if isinstance(item, str):
        item = {"url": item}
    if not isinstance(item, Mapping):
        raise ParseError(f"{where}: expected a URL or a mapping with 'url'")
    unknown = set(item) - _FEED_KEYS
    if unknown:
        raise ParseError(f"{where}: unknown key(s) {sorted(map(str, unknown))}")
    raw_url = item.get("url")
    url = _http_url(homepage, raw_url) if isinstance(raw_url, str) else None
    if url is None:
        raise ParseError(f"{where}: 'url' must be an http(s) URL, got {raw_url!r}")
    kind_text = item.get("kind", default_kind.value)
    try:
        kind = FeedKind(kind_text)
    except ValueError:
        allowed = ", ".join(k.value for k in FeedKind)
        raise ParseError(f"{where}: kind {kind_text!r} is not one of {allowed}") from None
    title = item.get("title")
    if title is not None and not isinstance(title, str):
        raise ParseError(f"{where}: 'title' must be text")
    return DiscoveredFeed(url=url, kind=kind, title=title)


def _text(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise ParseError(f"{where}: '{key}' must be text")
    return value


def _flag(raw: Mapping[str, Any], key: str, where: str) -> bool:
    value = raw.get(key, True)
    if not isinstance(value, bool):
        raise ParseError(f"{where}: '{key}' must be true or false")
    return value


def _category(slug: str | None, where: str) -> str | None:
    if slug is not None and slug not in category_slugs():
        raise ParseError(f"{where}: unknown category {slug!r} (known: {', '.join(category_slugs())})")
    return slug


def _region(slug: str | None, where: str) -> str | None:
    known = [r.slug for r in portal_regions()]
    if slug is not None and slug not in known:
        raise ParseError(f"{where}: unknown region {slug!r} (known: {', '.join(known)})")
    return slug


def _section_map(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ParseError(f"{where}: 'section_map' must map section names to category slugs")
    out: dict[str, str] = {}
    for section, category in value.items():
        if not isinstance(category, str):
            raise ParseError(f"{where}: section_map[{section!r}] must be a category slug")
        out[str(section)] = _category(category, f"{where}: section_map[{section!r}]") or category
    return out


# -- files ---------------------------------------------------------------------------------


def load_sources_file(path: str | Path) -> list[SourceSpec]:
    """Read an OPML or YAML source list, chosen by extension, else by sniffing the content."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read {path}: {exc.strerror or exc}") from None
    suffix = path.suffix.lower()
    if suffix in (".opml", ".xml"):
        return parse_opml(data)
    if suffix not in (".yaml", ".yml") and data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return parse_opml(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"{path}: sources YAML must be UTF-8 ({exc})") from None
    return parse_sources_yaml(text)
