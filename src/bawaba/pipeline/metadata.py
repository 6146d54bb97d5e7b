"""Article metadata from the page head, JSON-LD and visible markup.

Publishers describe their articles in several overlapping vocabularies (Open Graph, JSON-LD
schema.org, plain meta tags, bylines, breadcrumbs), each often present but incomplete; reading
them in a fixed order of trust gives stable titles, URLs and dates across unseen templates.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from htmldate import find_date

from bawaba.pipeline.clean import class_words

__all__ = ["PageMeta", "absolute_url", "clean_title", "parse_datetime", "read_metadata"]

_TITLE_SEPARATORS = (" | ", " :: ", " - ", " – ", " — ", " « ", " » ", " ـ ", " : ", " / ")
_BYLINE_PREFIX = re.compile(
    r"^\s*(بقلم|كتب|كتبت|كتبه|كتبها|تقرير|إعداد|اعداد|تحرير|المحرر|الكاتب|الكاتبة|by|written by|author)\s*[:：\-–]?\s*",
    re.I,
)
# a visible byline: "كتب: فلان", "بقلم فلان", "كتبت - فلانة"
_BYLINE_TEXT = re.compile(r"^(?:كتب|كتبت|كتبه|بقلم|by)\s*[:：\-–]?\s*(\S.{1,60})", re.I)
_ARTICLE_TYPES = frozenset(
    {"article", "newsarticle", "reportagenews", "blogposting", "analysisnewsarticle",
     "opinionnewsarticle", "backgroundnewsarticle", "webpage", "liveblogposting"}
)  # fmt: skip
_HOME_WORDS = frozenset({"الرئيسية", "الرئيسيه", "home", "الصفحة الرئيسية", "الصفحه الرئيسيه", "الأخبار"})
_MAX_FUTURE = timedelta(days=1)
_MIN_YEAR = 1990
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class PageMeta:
    title: str | None = None
    canonical_url: str = ""
    author: str | None = None
    published_at: datetime | None = None
    lead_image: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    language: str | None = None
    site_name: str | None = None
    is_article: bool = False
    breadcrumb: tuple[str, ...] = field(default=())


def squash(text: str | None) -> str:
    return unicodedata.normalize("NFC", _SPACES.sub(" ", text or "")).strip()


def absolute_url(value: str | None, base: str) -> str | None:
    """An absolute http(s) URL without fragment, or None for anything else."""
    if not value:
        return None
    value = value.strip()
    try:
        joined = urldefrag(urljoin(base, value)).url
        scheme = urlsplit(joined).scheme
    except ValueError:
        return None
    return joined if scheme in {"http", "https"} else None


def parse_datetime(value: Any, now: datetime | None = None) -> datetime | None:
    """An ISO-ish timestamp as aware UTC; naive values are taken as UTC; the future is rejected."""
    if not isinstance(value, str) or not value.strip():
        return None
    raw = value.strip().replace("Z", "+00:00")
    raw = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", raw)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        match = re.match(r"(\d{4}-\d{2}-\d{2})", raw)
        if not match:
            return None
        try:
            parsed = datetime.fromisoformat(match.group(1))
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    now = now or datetime.now(UTC)
    if parsed > now + _MAX_FUTURE or parsed.year < _MIN_YEAR:
        return None
    return parsed


def _meta_map(tree: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for el in tree.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop")
        content = el.get("content")
        if key and content and content.strip():
            found.setdefault(key.strip().lower(), []).append(content.strip())
    return found


def _jsonld_objects(tree: Any) -> Iterator[dict[str, Any]]:
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "", strict=False)
        except (ValueError, RecursionError):
            continue
        stack: list[Any] = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                yield item
                if isinstance(item.get("@graph"), list):
                    stack.extend(reversed(item["@graph"]))


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds if k}


def _names(value: Any, ids: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """Names out of a JSON-LD value that may be a string, an object or a list of either.

    An object that is only a reference (``{"@id": ...}``, the usual shape inside an ``@graph``)
    is looked up in ``ids`` so the name of the node it points at is used, not its id URL.
    """
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            ref = item.get("@id")
            if ids and isinstance(ref, str) and not item.get("name") and ref in ids:
                item = ids[ref]
            name = item.get("name") or item.get("url") or item.get("@id")
            if isinstance(name, str):
                out.append(name)
    return [squash(x) for x in out if squash(x)]


def _split_tags(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(squash(x) for x in re.split(r"[,،;؛]", value))
    return [x for x in out if x]


def _dedupe(items: list[str], limit: int = 30) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in items:
        if item and item.lower() not in {s.lower() for s in seen}:
            seen[item] = None
    return tuple(list(seen)[:limit])


def clean_title(
    title: str, site_names: list[str], h1: str | None = None, visible: frozenset[str] = frozenset()
) -> str:
    """Strip the site name a page appends or prepends to its title.

    ``visible`` holds short texts shown on the page: the part of the title the page also shows
    as a heading is the headline, whatever the separator.
    """
    title = squash(title)
    if h1 and len(h1) >= 8 and title != h1 and (title.startswith(h1) or title.endswith(h1)):
        return h1
    for name in sorted({squash(n) for n in site_names if n and squash(n)}, key=len, reverse=True):
        for sep in _TITLE_SEPARATORS:
            if title.endswith(sep + name) and len(title) > len(sep + name):
                return title[: -len(sep + name)].strip()
            if title.startswith(name + sep):
                return title[len(name + sep) :].strip()
    for sep in _TITLE_SEPARATORS:
        if sep in title and visible:
            parts = [p.strip() for p in title.split(sep)]
            shown = [p for p in parts if len(p.split()) >= 3 and p in visible]
            if len(shown) == 1:
                return shown[0]
    for sep in (" | ", " :: ", " « ", " » "):
        if sep in title:
            head, _, tail = title.partition(sep)
            if len(head.split()) <= 4 and len(tail) > 2 * len(head) and sep not in tail:
                return tail.strip()
        if sep in title:
            head, _, tail = title.rpartition(sep)
            if len(tail.split()) <= 5 and len(head) > len(tail):
                return head.strip()
    for sep in (" - ", " – ", " — "):
        if sep in title:
            head, _, tail = title.rpartition(sep)
            if len(tail.split()) <= 3 and len(head) > 2 * len(tail):
                return head.strip()
    return title


def _first_text(tree: Any, tag: str) -> str | None:
    for el in tree.iter(tag):
        text = squash(el.text_content())
        if text:
            return text
    return None


def _visible_texts(tree: Any) -> frozenset[str]:
    """Short texts of heading-like elements in the body, to recognise the headline in <title>."""
    body = tree.find("body")
    if body is None:
        return frozenset()
    found = set()
    for el in body.iter("h1", "h2", "h3", "b", "strong", "font", "div", "span", "td", "p", "a"):
        text = squash(el.text_content())
        if 10 <= len(text) <= 250:
            found.add(text)
    return frozenset(found)


def _byline(tree: Any) -> str | None:
    for el in tree.iter():
        if not isinstance(el.tag, str) or el.tag in {"meta", "script", "style", "link"}:
            continue
        words = class_words(el.get("class") or "") + class_words(el.get("id") or "")
        marked = (
            el.get("rel") == "author"
            or el.get("itemprop") == "author"
            or any(w in {"author", "byline", "writer", "reporter"} for w in words)
        )
        if not marked:
            continue
        text = squash(_BYLINE_PREFIX.sub("", squash(el.text_content())))
        if 2 <= len(text) <= 60:
            return text
    body = tree.find("body")
    for el in body.iter() if body is not None else ():
        if not isinstance(el.tag, str) or el.tag in {"script", "style", "a", "title"}:
            continue
        match = _BYLINE_TEXT.match(squash(el.text_content())[:120])
        if match:
            name = squash(re.split(r"[|،,\-–—(\[\d]", match.group(1))[0])
            if 2 <= len(name) <= 40 and len(name.split()) <= 5:
                return name
    return None


def _breadcrumb(tree: Any, ld: list[dict[str, Any]]) -> list[str]:
    for obj in ld:
        if "breadcrumblist" in _types(obj):
            items = obj.get("itemListElement")
            names = []
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict):
                    inner = item.get("item")
                    name = item.get("name") or (inner.get("name") if isinstance(inner, dict) else None)
                    if isinstance(name, str) and squash(name):
                        names.append(squash(name))
            if names:
                return names
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        words = class_words(el.get("class") or "") + class_words(el.get("id") or "")
        if "breadcrumb" in words or "breadcrumbs" in words or ("bread" in words and "crumb" in words):
            parts = [squash(a.text_content()) for a in el.iter("a", "span", "li")]
            parts = [p for p in parts if p and len(p) < 60 and p not in {"/", "»", "›", ">", "<"}]
            return list(dict.fromkeys(parts))
    return []


def _ld_image(value: Any) -> str | None:
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, str):
            return item
        if isinstance(item, dict) and isinstance(item.get("url"), str):
            return str(item["url"])
    return None


def _htmldate(tree: Any, now: datetime) -> datetime | None:
    try:
        found = find_date(tree, extensive_search=True, original_date=True, max_date=now.strftime("%Y-%m-%d"))
    except Exception:  # htmldate raises assorted errors on odd markup; a missing date is fine
        return None
    return parse_datetime(found, now) if found else None


def read_metadata(tree: Any, url: str, now: datetime | None = None) -> PageMeta:
    """Read title, canonical URL, author, date, image, section, tags and language from a page tree."""
    now = now or datetime.now(UTC)
    meta = _meta_map(tree)
    ld = list(_jsonld_objects(tree))
    article_ld = next((o for o in ld if _types(o) & (_ARTICLE_TYPES - {"webpage"})), None)
    page_ld = article_ld or next((o for o in ld if "webpage" in _types(o)), {})
    ids = {o["@id"]: o for o in ld if isinstance(o.get("@id"), str) and len(o) > 1}

    def first(*keys: str) -> str | None:
        for key in keys:
            if meta.get(key):
                return squash(meta[key][0])
        return None

    site_names = [first("og:site_name"), first("application-name"), first("twitter:site")]
    site_names += _names(page_ld.get("publisher"), ids)
    h1 = _first_text(tree, "h1")
    headline = page_ld.get("headline") if isinstance(page_ld.get("headline"), str) else None
    raw_title = first("og:title", "twitter:title") or headline or h1 or _first_text(tree, "title")
    title = (
        clean_title(raw_title, [s for s in site_names if s], h1, _visible_texts(tree)) if raw_title else None
    )

    canonical = None
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            canonical = absolute_url(link.get("href"), url)
            if canonical:
                break
    canonical = canonical or absolute_url(first("og:url"), url) or absolute_url(url, url) or url

    authors = [a for a in (first("author"), first("article:author"), first("dc.creator")) if a]
    authors = [a for a in authors if not a.startswith(("http://", "https://"))]
    author = authors[0] if authors else None
    ld_authors = [a for a in _names(page_ld.get("author"), ids) if not a.startswith(("http://", "https://"))]
    author = author or next(iter(ld_authors), None) or _byline(tree)

    published = None
    for candidate in (
        page_ld.get("datePublished"),
        first("article:published_time", "og:published_time", "datepublished", "pubdate",
              "publishdate", "date", "dc.date", "dc.date.issued", "sailthru.date"),
        next((t.get("datetime") for t in tree.iter("time") if t.get("datetime")), None),
    ):  # fmt: skip
        published = parse_datetime(candidate, now)
        if published:
            break
    published = published or _htmldate(tree, now)

    lead = first("og:image", "og:image:url", "twitter:image", "twitter:image:src")
    lead = absolute_url(lead or _ld_image(page_ld.get("image")), url)

    crumbs = _breadcrumb(tree, ld)
    crumb_section = [c for c in crumbs if c.lower() not in _HOME_WORDS and c != title and c != h1]
    ld_section = _names(page_ld.get("articleSection"))
    section = first("article:section") or next(iter(ld_section), None)
    section = section or (crumb_section[-1] if crumb_section else None)

    tags = _split_tags(meta.get("article:tag", []) + meta.get("news_keywords", []))
    keywords = page_ld.get("keywords")
    tags += _split_tags(
        keywords if isinstance(keywords, list) else [keywords] if isinstance(keywords, str) else []
    )
    tags += _split_tags(meta.get("keywords", []))

    root = tree.getroottree().getroot() if hasattr(tree, "getroottree") else tree
    lang = root.get("lang") or root.get("xml:lang") or first("og:locale", "content-language", "language")
    language = re.split(r"[-_]", lang.strip().lower())[0] or None if lang else None

    og_type = (first("og:type") or "").lower()
    return PageMeta(
        title=title or None,
        canonical_url=canonical,
        author=author,
        published_at=published,
        lead_image=lead,
        section=section,
        tags=_dedupe([t for t in tags if len(t) <= 60]),
        language=language,
        site_name=next((s for s in site_names if s), None),
        is_article=article_ld is not None or og_type == "article" or bool(first("article:published_time")),
        breadcrumb=tuple(crumbs),
    )
