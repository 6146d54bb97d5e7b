"""Text features for the topic classifier: tokens, light stems and hashed n-gram vectors.

Hashing keeps the shipped model small and vocabulary-free (no pickled dictionary to load), and the
same normalisation as search means a reader's spelling variants land on the same features.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import mmh3
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import Stemmer

from bawaba.text.analyzer import stopwords
from bawaba.text.normalize import normalize

# Arabic letters (after folding) or runs of Latin letters/digits
_TOKEN = re.compile(r"[\u0621-\u064a\u0671-\u06d3]+|[a-z]+|[0-9]+")


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    """Snowball's Arabic stemmer (C, fast); cached because building it costs a little. Its own word
    cache is off: news vocabulary overflows the default 10,000 words, and a thrashing cache made it
    twice as slow as none (callers that repeat words keep their own dict)."""
    return Stemmer.Stemmer("arabic", 0)


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
    #: whether the char n-gram block is filled (it is the slow half; off = stems only)
    chars: bool = True
    #: drop the search stop list's function words before both blocks: "لماذا", "هذا", "قد" say how
    #: an outlet writes (explainers, wire copy), not what about, and skewed unseen outlets
    #: (docs/CLASSIFIER.md); model files written before this field load with it off
    stopwords: bool = True

    @property
    def n_features(self) -> int:
        return (1 << self.word_bits) + (1 << self.char_bits)


class HashedFeatures:
    """Stateless vectoriser: stemmed word n-grams and char n-grams of the normalised text, hashed
    into two blocks. Raw counts; weighting (IDF, sublinear tf) belongs to the model."""

    def __init__(self, spec: FeatureSpec) -> None:
        self.spec = spec
        #: word -> hashed column indices of its char n-grams; news vocabulary repeats, so most
        #: words are seen before and their n-grams are neither cut nor hashed again
        self._grams: dict[str, npt.NDArray[np.int64]] = {}
        #: word -> its Snowball stem (a dict lookup is ~7x cheaper than stemming again)
        self._stems: dict[str, str] = {}

    def _word_grams(self, word: str) -> list[str]:
        """sklearn's ``char_wb`` n-grams of one word (same features, so models stay valid)."""
        padded = f" {word} "
        low, high = self.spec.char_ngrams
        grams: list[str] = []
        for n in range(low, high + 1):
            if len(padded) <= n:
                grams.append(padded)
                break  # shorter words give the whole padded word once, as char_wb does
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
        return grams

    def _learn_words(self, words: set[str]) -> None:
        """Hash the n-grams of words not seen before: signed murmurhash3 32-bit (``mmh3``, the same
        function as sklearn's ``murmurhash3_32`` without importing scikit-learn at runtime), absolute
        value modulo the block size, exactly as ``HashingVectorizer`` does."""
        size = 1 << self.spec.char_bits
        for word in words - self._grams.keys():
            hashes = np.fromiter((mmh3.hash(g, 0) for g in self._word_grams(word)), dtype=np.int64)
            self._grams[word] = np.abs(hashes) % size

    def _char_block(self, docs: Sequence[str]) -> sp.csr_matrix:
        cache = self._grams
        if len(cache) > 500_000:
            cache.clear()  # bound memory on endless streams
        split = [doc.split() for doc in docs]
        self._learn_words({w for words in split for w in words})
        rows = [np.concatenate([cache[w] for w in words]) if words else np.zeros(0, np.int64) for words in split]
        return _count_matrix(rows, 1 << self.spec.char_bits)

    def _word_block(self, docs: Sequence[str]) -> sp.csr_matrix:
        """Stem n-grams hashed straight away: ``mmh3`` is cheaper than looking the n-gram up in a
        dict cache (measured 0.18 against 0.33 ms an article)."""
        size = 1 << self.spec.word_bits
        low, high = self.spec.word_ngrams
        rows: list[npt.NDArray[np.int64]] = []
        for doc in docs:
            words = doc.split()
            grams: list[str] = []
            for n in range(low, high + 1):
                if n == 1:
                    grams += words
                elif n == 2:  # the common case, without slicing a list per gram
                    grams += [f"{a} {b}" for a, b in pairwise(words)]
                else:
                    grams += [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
            hashes = np.fromiter((mmh3.hash(gram, 0) for gram in grams), dtype=np.int64, count=len(grams))
            rows.append(np.abs(hashes) % size)
        return _count_matrix(rows, size)

    def _stem_words(self, words: list[str]) -> list[str]:
        cache = self._stems
        if len(cache) > 500_000:
            cache.clear()  # bound memory on endless streams
        new = [w for w in set(words) if w not in cache]
        if new:
            cache.update(zip(new, _stemmer().stemWords(new), strict=True))
        return [cache[w] for w in words]

    def prepared(self, title: str, text: str) -> tuple[str, str]:
        """The (stem string, normalised letters string) pair one document is vectorised from."""
        raw = article_text(title, text[: self.spec.max_chars], self.spec.title_weight)
        toks = tokens(raw)
        if self.spec.stopwords:
            stop = stopwords()
            toks = [t for t in toks if t not in stop]
        return " ".join(self._stem_words(toks)), " ".join(toks)

    def transform_prepared(self, docs: Sequence[tuple[str, str]]) -> sp.csr_matrix:
        words = self._word_block([d[0] for d in docs])
        chars = self._char_block([d[1] if self.spec.chars else "" for d in docs])
        return sp.hstack([words, chars], format="csr", dtype=np.float32)

    def transform(self, pairs: Iterable[tuple[str, str]]) -> sp.csr_matrix:
        """Vectors for (title, text) pairs."""
        return self.transform_prepared([self.prepared(t, x) for t, x in pairs])


def _count_matrix(rows: Sequence[npt.NDArray[np.int64]], width: int) -> sp.csr_matrix:
    """A CSR matrix of counts from each row's list of (repeated) column indices (per-row
    ``np.unique`` measured faster than one COO build for all rows, or one sort of all keys)."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indices: list[npt.NDArray[np.int64]] = []
    counts: list[npt.NDArray[np.int64]] = []
    for i, cols in enumerate(rows):
        unique, n = np.unique(cols, return_counts=True)
        indices.append(unique)
        counts.append(n)
        indptr[i + 1] = indptr[i] + len(unique)
    data = np.concatenate(counts).astype(np.float32) if counts else np.zeros(0, np.float32)
    idx = np.concatenate(indices) if indices else np.zeros(0, np.int64)
    return sp.csr_matrix((data, idx, indptr), shape=(len(rows), width))
