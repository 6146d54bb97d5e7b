"""Text features for the topic classifier: tokens, light stems and hashed n-gram vectors.

Hashing keeps the shipped model small and vocabulary-free (no pickled dictionary to load), and the
same normalisation as search means a reader's spelling variants land on the same features.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
import Stemmer
from sklearn.feature_extraction.text import HashingVectorizer

from bawaba.text.normalize import normalize

# Arabic letters (after folding) or runs of Latin letters/digits
_TOKEN = re.compile(r"[\u0621-\u064a\u0671-\u06d3]+|[a-z]+|[0-9]+")


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    """Snowball's Arabic stemmer (C, fast); cached because building it costs a little."""
    return Stemmer.Stemmer("arabic")


def tokens(text: str) -> list[str]:
    """Normalised word tokens (Arabic letters, Latin words, digit runs); numbers are dropped
    because years and scores say little about a topic and spread over many features."""
    return [t for t in _TOKEN.findall(normalize(text)) if not t.isdigit()]


def stems(text: str) -> list[str]:
    """Light stems of ``tokens(text)``: folds clitics and plural endings so ال/و/ب forms meet."""
    return [s for s in _stemmer().stemWords(tokens(text)) if len(s) > 1]


def article_text(title: str, text: str, title_weight: int = 2) -> str:
    """Title repeated ``title_weight`` times before the body: titles are short but dense."""
    return "\n".join([title] * title_weight + [text])


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """How documents become vectors; stored in the model file so training and use agree."""

    word_bits: int = 18
    char_bits: int = 18
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    title_weight: int = 2
    #: characters of the body used (long bodies drift off-topic and cost time)
    max_chars: int = 2000

    @property
    def n_features(self) -> int:
        return (1 << self.word_bits) + (1 << self.char_bits)


class HashedFeatures:
    """Stateless vectoriser: stemmed word n-grams and char n-grams of the normalised text, hashed
    into two blocks. Raw counts; weighting (IDF, sublinear tf) belongs to the model."""

    def __init__(self, spec: FeatureSpec) -> None:
        self.spec = spec
        self._words = HashingVectorizer(
            analyzer="word",
            tokenizer=str.split,
            token_pattern=None,
            lowercase=False,
            ngram_range=spec.word_ngrams,
            n_features=1 << spec.word_bits,
            alternate_sign=False,
            norm=None,
            dtype=np.float32,
        )
        self._chars = HashingVectorizer(
            analyzer="char_wb",
            lowercase=False,
            ngram_range=spec.char_ngrams,
            n_features=1 << spec.char_bits,
            alternate_sign=False,
            norm=None,
            dtype=np.float32,
        )

    def prepared(self, title: str, text: str) -> tuple[str, str]:
        """The (stem string, normalised letters string) pair one document is vectorised from."""
        raw = article_text(title, text[: self.spec.max_chars], self.spec.title_weight)
        toks = tokens(raw)
        return " ".join(_stemmer().stemWords(toks)), " ".join(toks)

    def transform_prepared(self, docs: Sequence[tuple[str, str]]) -> sp.csr_matrix:
        words = self._words.transform([d[0] for d in docs])
        chars = self._chars.transform([d[1] for d in docs])
        return sp.hstack([words, chars], format="csr", dtype=np.float32)

    def transform(self, pairs: Iterable[tuple[str, str]]) -> sp.csr_matrix:
        """Vectors for (title, text) pairs."""
        return self.transform_prepared([self.prepared(t, x) for t, x in pairs])
