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

#: letters and digits of any script; underscore and punctuation separate tokens
_TOKEN = re.compile(r"[^\W_]+")
#: longer runs are junk (URLs without separators, base64); they are cut, not dropped
MAX_TOKEN_CHARS = 40

STEMMERS: dict[str, Callable[[], Callable[[str], str]]] = {
    "none": lambda: stem.identity,
    "light": lambda: stem.light,
    "light10": lambda: stem.light10,
    "snowball": stem.snowball,
}
DEFAULT_STEMMER = "light"


@functools.cache
def stopwords() -> frozenset[str]:
    """The shipped Arabic stop words, normalised (data/stopwords_ar.txt)."""
    text = resources.files("bawaba").joinpath("data/stopwords_ar.txt").read_text(encoding="utf-8")
    return frozenset(normalize(line.strip()) for line in text.splitlines() if line.strip())


def tokenize(text: str) -> list[str]:
    """Normalised word tokens, stop words kept (used for snippets and phrase alignment)."""
    return [t[:MAX_TOKEN_CHARS] for t in _TOKEN.findall(normalize(text))]


class Analyzer:
    """A tokeniser + stop list + stemmer with a bounded per-instance stem cache.

    News vocabulary is Zipfian, so a dict cache answers nearly every token after warm-up; when it
    reaches ``cache_size`` entries it is emptied (cheaper than LRU bookkeeping per token).
    """

    def __init__(
        self,
        stemmer: str = DEFAULT_STEMMER,
        *,
        use_stopwords: bool = True,
        cache_size: int = 200_000,
    ) -> None:
        if stemmer not in STEMMERS:
            raise ValueError(f"unknown stemmer {stemmer!r}; choose from {sorted(STEMMERS)}")
        self.name = stemmer if use_stopwords else f"{stemmer}-nostop"
        self._stem = STEMMERS[stemmer]()
        self._stop = stopwords() if use_stopwords else frozenset()
        self._cache: dict[str, str] = {}
        self._cache_size = cache_size

    def term(self, token: str) -> str:
        """The index term of one normalised token, or "" for a stop word."""
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        if token in self._stop or (len(token) == 1 and not token.isdigit()):
            result = ""
        else:
            result = self._stem(token) or token
            if result in self._stop:  # فحول, وعليه: a particle glued to a stop word
                result = ""
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[token] = result
        return result

    def analyze(self, text: str) -> list[str]:
        """Index terms of ``text`` in order; never raises on any string."""
        get = self._cache.get
        out: list[str] = []
        append = out.append
        for raw in _TOKEN.findall(normalize(text)):
            token = raw[:MAX_TOKEN_CHARS]
            term = get(token)
            if term is None:
                term = self.term(token)
            if term:
                append(term)
        return out

    def terms_with_tokens(self, text: str) -> Iterator[tuple[str, str]]:
        """(normalised token, term) pairs, stop words with an empty term; for highlighting."""
        for token in tokenize(text):
            yield token, self.term(token)


@functools.cache
def default_analyzer() -> Analyzer:
    """The analyser the index uses; one per process so its cache is shared by all callers."""
    return Analyzer(DEFAULT_STEMMER)


def analyze(text: str) -> list[str]:
    """Index terms of ``text`` with the default analyser."""
    return default_analyzer().analyze(text)
