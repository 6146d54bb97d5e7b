"""Map an outlet's own section names and URL paths onto the portal's categories.

Outlets label the same section many ways ("اقتصاد وبورصة", "/business/", "Economy"); the table in
``data/sections.tsv`` folds them onto the 12 taxonomy slugs. A section is the publisher's own word on
the topic, so it is trusted over the classifier wherever it is specific.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from urllib.parse import unquote, urlsplit

from bawaba.errors import ModelError
from bawaba.taxonomy import slugs
from bawaba.text.normalize import normalize

_WORD = re.compile(r"[\w]+", re.UNICODE)
#: the Arabic definite article and its "and the" form; dropped so "الرياضة" meets "رياضة"
_ARTICLE_PREFIXES = ("\u0648\u0627\u0644", "\u0627\u0644")
#: path segments that look like article slugs or ids rather than sections
_SLUGGY = re.compile(r"\d")


def _fold_word(word: str) -> str:
    for prefix in _ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            return word[len(prefix) :]
    return word


def section_key(name: str) -> tuple[str, ...]:
    """The normalised word sequence a section name is matched on (article and case folded,
    ``-``/``_`` treated as spaces)."""
    text = normalize(unquote(name)).replace("_", " ").replace("-", " ")
    return tuple(_fold_word(w) for w in _WORD.findall(text))


@dataclass(frozen=True, slots=True)
class SectionTable:
    """Section phrases (as word tuples) -> slug, with the longest phrase length for scanning."""

    entries: Mapping[tuple[str, ...], str]
    longest: int

    @classmethod
    def from_pairs(cls, pairs: Mapping[str, str] | list[tuple[str, str]]) -> SectionTable:
        items = pairs.items() if isinstance(pairs, Mapping) else pairs
        valid = set(slugs())
        entries: dict[tuple[str, ...], str] = {}
        for name, slug in items:
            if slug not in valid:
                raise ModelError(f"section {name!r} maps to unknown category {slug!r}")
            key = section_key(name)
            if key:
                entries[key] = slug
        return cls(entries, max((len(k) for k in entries), default=0))

    def match(self, name: str) -> str | None:
        """The slug of the whole name if listed, else of the longest listed phrase inside it
        (earliest on ties): "أخبار الرياضة المحلية" finds "رياضة محلية" before "رياضة"."""
        key = section_key(name)
        if not key:
            return None
        if key in self.entries:
            return self.entries[key]
        for size in range(min(self.longest, len(key)), 0, -1):
            for start in range(len(key) - size + 1):
                slug = self.entries.get(key[start : start + size])
                if slug is not None:
                    return slug
        return None

    def match_exact(self, name: str) -> str | None:
        return self.entries.get(section_key(name))


@cache
def default_table() -> SectionTable:
    """The shipped ``data/sections.tsv`` (tab-separated name, slug; ``#`` comments)."""
    raw = files("bawaba").joinpath("data/sections.tsv").read_text("utf-8")
    pairs: list[tuple[str, str]] = []
    for line_no, line in enumerate(raw.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        name, sep, slug = line.partition("\t")
        if not sep:
            raise ModelError(f"sections.tsv line {line_no}: expected 'name<TAB>slug'")
        pairs.append((name.strip(), slug.strip()))
    return SectionTable.from_pairs(pairs)


def url_sections(url: str | None) -> list[str]:
    """The path segments of ``url`` that can name a section, deepest first, skipping segments
    holding digits (ids, dates) or dots (``1003.html``). The last segment is usually the article's
    own slug, so unless the path ends in ``/`` it comes last, after its parents: some outlets put
    the section after the id (``/article/1058/world``)."""
    if not url:
        return []
    path = unquote(urlsplit(url).path)
    parts = [p for p in path.split("/") if p]
    ordered = list(reversed(parts))
    if ordered and not path.endswith("/"):
        ordered = ordered[1:] + ordered[:1]
    return [p for p in ordered if not _SLUGGY.search(p) and "." not in p]


def map_section(
    section: str | None,
    url: str | None,
    overrides: Mapping[str, str] | None = None,
    *,
    table: SectionTable | None = None,
) -> str | None:
    """The category slug a section name or URL path says, or None when neither says one.

    Order: the source's own overrides (section name, then URL segments), then the shared table on
    the section name (longest phrase), then on URL segments (whole segments only, deepest first:
    ``/news/sports/`` is more specific than ``/news/``).
    """
    table = table or default_table()
    segments = url_sections(url)
    if overrides:
        own = SectionTable.from_pairs(overrides)
        if section and (slug := own.match(section)):
            return slug
        for segment in segments:
            if slug := own.match_exact(segment):
                return slug
    if section and (slug := table.match(section)):
        return slug
    for segment in segments:
        if slug := table.match_exact(segment):
            return slug
    return None


def first_mapped_section(
    names: Sequence[str | None],
    overrides: Mapping[str, str] | None = None,
    *,
    table: SectionTable | None = None,
) -> str | None:
    """The first of ``names`` that the source's overrides or the shared table map to a category,
    else the first name given. ``names`` are what the page and the feed call the article's section,
    in order of trust: a page's ``article:section``, then the feed item's categories. Feeds list
    several (``عاجل``, ``الرئيسية``, ``رياضة``), and the one that says the topic is often not the
    first."""
    table = table or default_table()
    own = SectionTable.from_pairs(overrides) if overrides else None
    given = [name for name in names if name and name.strip()]
    for name in given:
        if (own is not None and own.match(name)) or table.match(name):
            return name
    return given[0] if given else None
