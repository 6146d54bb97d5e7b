"""Turn text into search terms: tokenise, normalise, drop stop words, light-stem.

The same analyser runs at index time and at query time, so every surface variant a reader may
type (hamza, ة/ه, harakat, attached particles, Arabic-Indic digits) meets the indexed form.
Variants exist so bench/search_quality.py can choose the stemmer by measurement.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from importlib import resources

from bawaba.text import stem
from bawaba.text.normalize import normalize

#: over normalised text: a run of letters or a run of digits, so بـ20 and و2019 give the number
_TOKEN = re.compile(r"[^\W\d_]+|\d+")
#: longer runs are junk (URLs without separators, base64); they are cut, not dropped
MAX_TOKEN_CHARS = 40

STEMMERS: dict[str, Callable[[], Callable[[str], str]]] = {
    "none": lambda: stem.identity,
    "light": lambda: stem.light,
    "light10": lambda: stem.light10,
    "snowball": stem.snowball,
}
DEFAULT_STEMMER = "light"
#: query-time particle variants (``Analyzer.variants``): they lift strict-AND MRR@10 but not
#: AND-then-OR relevance (bench/search_quality.py), and every variant is another posting list
DEFAULT_EXPAND = False


@functools.cache
def stopwords() -> frozenset[str]:
    """The shipped Arabic stop words, normalised (data/stopwords_ar.txt)."""
    text = resources.files("bawaba").joinpath("data/stopwords_ar.txt").read_text(encoding="utf-8")
    return frozenset(normalize(line.strip()) for line in text.splitlines() if line.strip())


def tokenize(text: str) -> list[str]:
    """Normalised word tokens, stop words kept (used for snippets and phrase alignment)."""
    return [t[:MAX_TOKEN_CHARS] for t in _TOKEN.findall(normalize(text))]


class Analyzer:
    """A tokeniser + stop list + stemmer behind one bounded cache of raw word -> index terms.

    News vocabulary is Zipfian, so after warm-up nearly every raw word (harakat and all) is a
    dict hit and normalisation, the stop list and the stemmer run only on misses. When the cache
    reaches ``cache_size`` entries it is emptied (cheaper than LRU bookkeeping per token).
    """

    def __init__(
        self,
        stemmer: str = DEFAULT_STEMMER,
        *,
        use_stopwords: bool = True,
        expand: bool = True,
        cache_size: int = 200_000,
    ) -> None:
        if stemmer not in STEMMERS:
            raise ValueError(f"unknown stemmer {stemmer!r}; choose from {sorted(STEMMERS)}")
        self.name = stemmer + ("" if use_stopwords else "-nostop") + ("" if expand else "-noexp")
        self._expand = expand
        self._stem = STEMMERS[stemmer]()
        self._stop = stopwords() if use_stopwords else frozenset()
        self._cache: dict[str, tuple[str, ...]] = {}
        self._cache_size = cache_size
        self._variant_cache: dict[str, tuple[str, ...]] = {}

    def term(self, token: str) -> str:
        """The index term of one normalised token, or "" for a stop word."""
        if token in self._stop or (len(token) == 1 and not token.isdigit()):
            return ""
        result = self._stem(token) or token
        return "" if result in self._stop else result  # فحول, وعليه: a particle glued to a stop word

    def _miss(self, raw: str) -> tuple[str, ...]:
        terms = tuple(
            t for t in (self.term(tok[:MAX_TOKEN_CHARS]) for tok in _TOKEN.findall(normalize(raw))) if t
        )
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[raw] = terms
        return terms

    def analyze(self, text: str) -> list[str]:
        """Index terms of ``text`` in order; never raises on any string."""
        get = self._cache.get
        miss = self._miss
        out: list[str] = []
        extend = out.extend
        # whitespace-separated chunks ("«الأهرام»:" included) are the cache keys: str.split is
        # several times faster than a Unicode regex, and punctuation repeats as much as words
        for raw in text.split():
            terms = get(raw)
            extend(miss(raw) if terms is None else terms)
        return out

    def variants(self, word: str) -> tuple[str, ...]:
        """Every index term a document spelling of ``word`` may have, its own analysis first.

        A leading و/ف/ب/ل/ك may be a particle or part of the word (بحرين, فساد, كويت), and the
        stemmer must guess; queries OR these guesses so an over-stemmed word still finds its
        document forms. Only the light stemmer has ambiguous particles; others give one term.
        """
        cached = self._variant_cache.get(word)
        if cached is not None:
            return cached
        own = self.analyze(word)
        if len(own) != 1:
            return tuple(own)
        out = dict.fromkeys(own)
        tokens = _TOKEN.findall(normalize(word))
        if self._expand and self._stem is stem.light and len(tokens) == 1 and tokens[0].isalpha():
            for core in stem.light_cores(tokens[0][:MAX_TOKEN_CHARS]):
                for form in (core,) if core.startswith(stem.ARTICLE_PREFIXES) else (core, "ال" + core):
                    term = self.term(form)
                    if term:
                        out[term] = None
        result = tuple(out)
        if len(self._variant_cache) >= self._cache_size:
            self._variant_cache.clear()
        self._variant_cache[word] = result
        return result

    def terms_with_tokens(self, text: str) -> Iterator[tuple[str, str]]:
        """(normalised token, term) pairs, stop words with an empty term; for highlighting."""
        for token in tokenize(text):
            yield token, self.term(token)


@functools.cache
def default_analyzer() -> Analyzer:
    """The analyser the index uses; one per process so its cache is shared by all callers."""
    return Analyzer(DEFAULT_STEMMER, expand=DEFAULT_EXPAND)


def analyze(text: str) -> list[str]:
    """Index terms of ``text`` with the default analyser."""
    return default_analyzer().analyze(text)
