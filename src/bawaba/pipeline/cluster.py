"""Online story clustering: which live story a new article belongs to.

An article is its title terms (weighted) plus the lead of its body, as analysed terms. A new
article is compared by TF-IDF cosine with the live members that share one of its rarer terms
(best-member linkage: a story is as close as its closest version, so big stories do not pull in
everything), the cosine decayed by the time between the two (the versions of one event appear
within hours; look-alike events days apart are different stories). IDF is over the live window
and computed when scoring, from the members alone, so state rebuilt from the store after a
restart scores exactly as the state that never stopped. Terms are small integer ids recycled when
they leave the window, so weights are numpy gathers.

Outlets often retitle an event and rewrite its lead, and the versions then share only facts
further down. So rare numbers and rare phrases of the whole text back a join at a lower cosine. An
article that bridges several stories this way merges them.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from bawaba.text.analyzer import analyze

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class ClusterParams:
    """Chosen by bench/stories.py (tuned on one corpus, reported on held-out ones)."""

    #: least decayed cosine for an article to join a story
    threshold: float = 0.6
    #: title terms count this many times
    title_weight: int = 2
    #: analysed terms of the body taken as its lead
    lead_terms: int = 120
    #: rarest terms of an article used to look up candidate members
    probe_terms: int = 12
    #: most candidate members scored per article (most shared probe terms first)
    max_candidates: int = 48
    #: hours over which the cosine halves with the time between two articles
    half_life_h: float = 24.0
    #: probe terms in more live members than this are skipped when rarer ones found candidates
    #: (a common term names no story and costs the most to count)
    max_posting: int = 300
    #: least decayed cosine for a join backed by shared facts (below ``threshold``)
    fact_threshold: float = 0.4
    #: shared rare facts (numbers across the whole text) that back a join below ``threshold``
    min_facts: int = 1
    #: a fact in more live members than this names no one event and is not counted
    max_fact_df: int = 4
    #: shared rare phrases (sampled word bigrams across the whole text: names, quotes) that back
    #: a join below ``threshold`` (0 turns phrases off)
    min_phrases: int = 5
    #: least decayed cosine for a join backed by shared phrases
    phrase_threshold: float = 0.52
    #: a phrase in more live stories than this is a stock phrase, not counted (copies of one
    #: article share all its phrases, so stories are counted, not members)
    max_phrase_stories: int = 1
    #: one word bigram in this many is kept as a phrase (by a fixed hash): the index stays small
    phrase_sample: int = 4
    #: a new article that passes the join rule with several live stories merges them into one
    #: (the same event, split because its earlier versions shared too little)
    merge: bool = True


def story_terms(title: str, body_terms: Sequence[str], params: ClusterParams) -> Counter[str]:
    """Term counts of title (weighted) and lead (the first analysed body terms): what stories are
    compared on."""
    counts: Counter[str] = Counter(body_terms[: params.lead_terms])
    for term in analyze(title):
        counts[term] += params.title_weight
    return counts


_INDIC_DIGIT = re.compile("[٠-٩۰-۹]")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_NUMBER = re.compile(r"(\d+(?:[.,٫]\d+)?)(?![\w]|[.,٫]\d)\s*(?:[وبل]?(ال)?(ألف|آلاف|الف|مليون|ملايين|مليار|مليارات))?")
_NUMBER_TAIL = frozenset("0123456789.,٫")
_SCALE = {"ألف": 1e3, "آلاف": 1e3, "الف": 1e3, "مليون": 1e6, "ملايين": 1e6, "مليار": 1e9, "مليارات": 1e9}


def fact_terms(text: str) -> frozenset[str]:
    """The rare numbers of a text, normalised (Arabic-Indic digits, 5.5 / 5,5 / ٥٫٥, "مليون"):
    versions of one event share them anywhere in the text even when titles and leads differ.
    Small whole numbers and years name counts and dates of anything, so they are left out."""
    facts: set[str] = set()
    if _INDIC_DIGIT.search(text):
        text = text.translate(_DIGITS)
    for match in _NUMBER.finditer(text):
        if match.start() and text[match.start() - 1] in _NUMBER_TAIL:
            continue  # the tail of "1.2.3" or a version number, not a number of its own
        digits, _, scale = match.groups()
        if "," in digits or "٫" in digits:
            head, tail = re.split("[,٫]", digits)
            digits = head + tail if len(tail) == 3 and "," in digits else f"{head}.{tail}"
        value = float(digits) * _SCALE.get(scale or "", 1.0)
        if scale is None and "." not in digits and (value < 100 or 1900 <= value <= 2100):
            continue
        facts.add(f"{value:.6g}")
    return frozenset(facts)


def phrase_terms(terms: Sequence[str], sample: int = 1) -> frozenset[str]:
    """Word bigrams of the whole analysed text (Arabic has no capitals: a person's name or a
    quote is a pair of words that is rare in the window). ``sample`` keeps one bigram in that
    many, chosen by a fixed hash, so two texts keep the same share of what they share."""
    bigrams = {f"{a} {b}" for a, b in pairwise(terms)}
    if sample > 1:
        return frozenset(p for p in bigrams if zlib.crc32(p.encode()) % sample == 0)
    return frozenset(bigrams)


@dataclass(slots=True)
class _Member:
    story: int
    when: float
    ids: I32
    tf: F64
    counts: dict[str, int] = field(default_factory=dict)
    facts: frozenset[str] = frozenset()


class StoryClusterer:
    """Live members (by caller key) grouped into stories (by caller id)."""

    def __init__(self, params: ClusterParams | None = None) -> None:
        self.params = params or ClusterParams()
        self._term_id: dict[str, int] = {}
        self._free_ids: list[int] = []
        self._df: npt.NDArray[np.int64] = np.zeros(1024, dtype=np.int64)
        self._postings: dict[int, set[int]] = {}  # term id -> member keys
        self._fact_postings: dict[str, set[int]] = {}  # fact -> member keys
        self._stories: dict[int, set[int]] = {}
        self._members: dict[int, _Member] = {}

    def __len__(self) -> int:
        return len(self._members)

    def story_of(self, key: int) -> int | None:
        member = self._members.get(key)
        return member.story if member else None

    def stories(self) -> Iterable[int]:
        return self._stories.keys()

    def members(self, story: int) -> set[int]:
        return set(self._stories.get(story, ()))

    # -- vectors ---------------------------------------------------------------------
    def _idf(self, ids: I32) -> F64:
        n = len(self._members)
        idf: F64 = np.log((n + 1.0) / (self._df[ids] + 1.0)) + 1.0
        return idf

    def _query(self, counts: Mapping[str, int]) -> tuple[I32, F64, F64]:
        """Known term ids, their TF-IDF weights (unknown terms count in the norm with df 0)."""
        known = [(self._term_id[t], n) for t, n in counts.items() if n > 0 and t in self._term_id]
        n_unknown = [n for t, n in counts.items() if n > 0 and t not in self._term_id]
        ids = np.fromiter((i for i, _ in known), dtype=np.int32, count=len(known))
        tf = 1.0 + np.log(np.fromiter((n for _, n in known), dtype=np.float64, count=len(known)))
        w = tf * self._idf(ids)
        unknown_idf = math.log(len(self._members) + 1.0) + 1.0
        extra = sum((1.0 + math.log(n)) ** 2 for n in n_unknown) * unknown_idf**2
        return ids, w, np.array([float(np.dot(w, w)) + extra])

    def best(self, counts: Mapping[str, int], when: float, max_gap_s: float,
             facts: frozenset[str] = frozenset()) -> int | None:
        """The story of the closest live member that passes the join rule: decayed cosine at least
        ``threshold``, or at least ``fact_threshold`` with ``min_facts`` shared rare numbers (or
        ``phrase_threshold`` with ``min_phrases`` shared rare phrases)."""
        joins = self.joins(counts, when, max_gap_s, facts)
        return joins[0] if joins else None

    def joins(self, counts: Mapping[str, int], when: float, max_gap_s: float,
              facts: frozenset[str] = frozenset()) -> list[int]:
        """The story to join (closest passing member, ties by id), then the other stories with a
        passing member that shares rare facts with the article: the same event split earlier."""
        best: dict[int, float] = {}
        backed: set[int] = set()
        for story, sc, ok, fact in self._scored(counts, when, max_gap_s, facts):
            if ok and sc > best.get(story, -1.0):
                best[story] = sc
            if ok and fact:
                backed.add(story)
        ranked = sorted(best, key=lambda st: (-best[st], st))
        return ranked[:1] + [st for st in ranked[1:] if st in backed]

    def score(self, counts: Mapping[str, int], when: float, max_gap_s: float,
              facts: frozenset[str] = frozenset()) -> tuple[int, float, bool] | None:
        """(story, decayed cosine, passes the join rule) of the best live member within
        ``max_gap_s`` of ``when``: the closest passing one, else the closest; or None."""
        best: tuple[int, float, bool] | None = None
        for story, sc, ok, _ in self._scored(counts, when, max_gap_s, facts):
            if best is None or (ok, sc, -story) > (best[2], best[1], -best[0]):
                best = (story, sc, ok)
        return best

    def _scored(self, counts: Mapping[str, int], when: float, max_gap_s: float,
                facts: frozenset[str]) -> list[tuple[int, float, bool, bool]]:
        """(story, decayed cosine, passes the join rule, shares rare facts) of each candidate
        member within ``max_gap_s`` of ``when``."""
        if not self._members:
            return []
        ids, w, sq = self._query(counts)
        if len(ids) == 0 or sq[0] == 0.0:
            return []
        norm = math.sqrt(float(sq[0]))
        order = np.argsort(-w, kind="stable")[: self.params.probe_terms]
        hits: Counter[int] = Counter()
        postings = sorted((self._postings.get(t, set()) for t in ids[order].tolist()), key=len)
        for posting in postings:
            if len(posting) > self.params.max_posting and hits:
                break
            hits.update(posting)
        by_numbers, by_phrases = self._backed(facts)
        if not hits and not by_numbers and not by_phrases:
            return []
        # most shared probe terms first, ties by key: the same choice after a rebuild
        keys = np.fromiter(hits.keys(), dtype=np.int64, count=len(hits))
        shared_n = np.fromiter(hits.values(), dtype=np.int64, count=len(hits))
        top = np.lexsort((keys, -shared_n))[: self.params.max_candidates]
        chosen = keys[top].tolist()
        chosen += sorted((by_numbers | by_phrases).difference(chosen))
        chosen = [k for k in chosen if abs(self._members[k].when - when) <= max_gap_s]
        members = [self._members[k] for k in chosen]
        if not members:
            return []
        # every candidate scored at once: concatenated sparse vectors, query weights by search
        lengths = np.fromiter((len(m.ids) for m in members), dtype=np.int64, count=len(members))
        mids = np.concatenate([m.ids for m in members])
        mw = np.concatenate([m.tf for m in members]) * self._idf(mids)
        qorder = np.argsort(ids)
        qids, qw = ids[qorder], w[qorder]
        pos = np.minimum(np.searchsorted(qids, mids), len(qids) - 1)
        shared = np.where(qids[pos] == mids, qw[pos], 0.0)
        offsets = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(lengths)[:-1]])
        dots = np.add.reduceat(shared * mw, offsets)
        mnorms = np.sqrt(np.add.reduceat(mw * mw, offsets))
        gaps = np.abs(np.fromiter((m.when for m in members), dtype=np.float64, count=len(members)) - when)
        with np.errstate(divide="ignore", invalid="ignore"):
            cos = np.where(mnorms > 0, dots / (norm * mnorms), 0.0)
        scores = cos * 0.5 ** (gaps / (self.params.half_life_h * 3600.0))
        p = self.params
        return [(m.story, sc, sc >= p.threshold or (sc >= p.fact_threshold and key in by_numbers)
                 or (sc >= p.phrase_threshold and key in by_phrases), key in by_numbers or key in by_phrases)
                for key, m, sc in zip(chosen, members, scores.tolist(), strict=True)]

    def _backed(self, facts: frozenset[str]) -> tuple[set[int], set[int]]:
        """Live members sharing at least ``min_facts`` rare numbers or ``min_phrases`` rare
        phrases (a phrase has a space, a number none) with ``facts``."""
        numbers: Counter[int] = Counter()
        phrases: Counter[int] = Counter()
        for fact in facts:  # (``facts.intersection(dict)`` would walk the whole dict)
            posting = self._fact_postings.get(fact)
            if posting is None:
                continue
            if " " in fact:
                if len(posting) <= self.params.max_fact_df and \
                        len({self._members[k].story for k in posting}) <= self.params.max_phrase_stories:
                    phrases.update(posting)
            elif len(posting) <= self.params.max_fact_df:
                numbers.update(posting)
        by_numbers = {k for k, n in numbers.items() if n >= self.params.min_facts}
        by_phrases = {k for k, n in phrases.items() if n >= self.params.min_phrases} if self.params.min_phrases else set()
        return by_numbers, by_phrases - by_numbers

    # -- membership ------------------------------------------------------------------
    def _intern(self, term: str) -> int:
        tid = self._term_id.get(term)
        if tid is None:
            tid = self._free_ids.pop() if self._free_ids else len(self._term_id)
            self._term_id[term] = tid
            if tid >= len(self._df):
                self._df = np.concatenate([self._df, np.zeros(len(self._df), dtype=np.int64)])
        return tid

    def add(self, key: int, story: int, counts: Mapping[str, int], when: float,
            facts: frozenset[str] = frozenset()) -> None:
        """Make ``key`` a live member of ``story``."""
        if key in self._members:
            self.remove(key)
        terms = {t: n for t, n in counts.items() if n > 0}
        ids = np.fromiter((self._intern(t) for t in terms), dtype=np.int32, count=len(terms))
        tf = 1.0 + np.log(np.fromiter(terms.values(), dtype=np.float64, count=len(terms)))
        self._df[ids] += 1
        for tid in ids.tolist():
            self._postings.setdefault(tid, set()).add(key)
        for fact in facts:
            self._fact_postings.setdefault(fact, set()).add(key)
        self._members[key] = _Member(story, when, ids, tf, terms, facts)
        self._stories.setdefault(story, set()).add(key)

    def move(self, key: int, story: int) -> None:
        """Move a member to another story (its original turned out to live there)."""
        m = self._members.get(key)
        if m is not None and m.story != story:
            self._stories[m.story].discard(key)
            if not self._stories[m.story]:
                del self._stories[m.story]
            m.story = story
            self._stories.setdefault(story, set()).add(key)

    def remove(self, key: int) -> None:
        """Drop a member (it left the window)."""
        m = self._members.pop(key, None)
        if m is None:
            return
        self._df[m.ids] -= 1
        for tid, term in zip(m.ids.tolist(), m.counts, strict=True):
            posting = self._postings[tid]
            posting.discard(key)
            if not posting:
                del self._postings[tid]
                del self._term_id[term]
                self._free_ids.append(tid)
        for fact in m.facts:
            fposting = self._fact_postings[fact]
            fposting.discard(key)
            if not fposting:
                del self._fact_postings[fact]
        members = self._stories[m.story]
        members.discard(key)
        if not members:
            del self._stories[m.story]

    def central(self, story: int, among: Iterable[int]) -> int | None:
        """The member of ``among`` closest to the story's centroid (its representative)."""
        keys = sorted(k for k in among if k in self._stories.get(story, ()))
        if not keys:
            return None
        centroid: dict[int, float] = {}
        vecs = []
        for key in self._stories[story]:
            m = self._members[key]
            for tid, x in zip(m.ids.tolist(), (m.tf * self._idf(m.ids)).tolist(), strict=True):
                centroid[tid] = centroid.get(tid, 0.0) + x
        for key in keys:
            m = self._members[key]
            mw = (m.tf * self._idf(m.ids)).tolist()
            norm = math.sqrt(sum(x * x for x in mw)) or 1.0
            vecs.append((sum(x * centroid[t] for t, x in zip(m.ids.tolist(), mw, strict=True)) / norm, -key))
        return -max(vecs)[1]
