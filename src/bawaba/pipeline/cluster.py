"""Online story clustering: which live story a new article belongs to.

An article is its title (weighted) plus the lead of its body, as analysed terms. Stories keep
the summed term counts of their live members; a new article is scored against every story that
shares one of its rarer terms by TF-IDF cosine, with IDF over the live window. Everything is
computed from the live members only, so state rebuilt from the store after a restart scores
exactly as the state that never stopped.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bawaba.text.analyzer import analyze


@dataclass(frozen=True, slots=True)
class ClusterParams:
    """Chosen by bench/stories.py."""

    #: least cosine for an article to join a story
    threshold: float = 0.6
    #: title terms count this many times
    title_weight: int = 2
    #: analysed terms of the body taken as its lead
    lead_terms: int = 60
    #: rarest terms of an article used to look up candidate stories
    probe_terms: int = 12
    #: most candidate stories scored per article
    max_candidates: int = 40


def story_terms(title: str, text: str, params: ClusterParams) -> Counter[str]:
    """Term counts of title (weighted) and lead: what stories are compared on."""
    counts: Counter[str] = Counter(analyze(text)[: params.lead_terms])
    for term in analyze(title):
        counts[term] += params.title_weight
    return counts


@dataclass(slots=True)
class _Story:
    members: set[int] = field(default_factory=set)
    counts: Counter[str] = field(default_factory=Counter)
    last: float = float("-inf")


class StoryClusterer:
    """Live members (by caller key) grouped into stories (by caller id)."""

    def __init__(self, params: ClusterParams | None = None) -> None:
        self.params = params or ClusterParams()
        self._df: Counter[str] = Counter()
        self._postings: dict[str, set[int]] = {}
        self._stories: dict[int, _Story] = {}
        self._members: dict[int, tuple[int, Counter[str], float]] = {}

    def __len__(self) -> int:
        return len(self._members)

    def story_of(self, key: int) -> int | None:
        member = self._members.get(key)
        return member[0] if member else None

    def stories(self) -> Iterable[int]:
        return self._stories.keys()

    def members(self, story: int) -> set[int]:
        s = self._stories.get(story)
        return set(s.members) if s else set()

    def _idf(self, term: str) -> float:
        return math.log((len(self._members) + 1) / (self._df.get(term, 0) + 1)) + 1.0

    def _weights(self, counts: Mapping[str, int]) -> dict[str, float]:
        return {t: (1.0 + math.log(n)) * self._idf(t) for t, n in counts.items() if n > 0}

    def best(self, counts: Mapping[str, int], when: float, max_gap_s: float) -> tuple[int, float] | None:
        """The most similar live story within ``max_gap_s`` of ``when`` and its cosine, or None."""
        if not counts or not self._stories:
            return None
        vec = self._weights(counts)
        norm = math.sqrt(sum(w * w for w in vec.values()))
        if norm == 0.0:
            return None
        probes = sorted(vec, key=lambda t: (-vec[t], t))[: self.params.probe_terms]
        hits: Counter[int] = Counter()
        for term in probes:
            for sid in self._postings.get(term, ()):
                hits[sid] += 1
        best: tuple[int, float] | None = None
        for sid, _ in sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))[: self.params.max_candidates]:
            story = self._stories[sid]
            if abs(story.last - when) > max_gap_s:
                continue
            score = self._cosine(vec, norm, story.counts)
            if best is None or score > best[1] or (score == best[1] and sid < best[0]):
                best = (sid, score)
        return best

    def _cosine(self, vec: Mapping[str, float], norm: float, counts: Mapping[str, int]) -> float:
        weights = self._weights(counts)
        cnorm = math.sqrt(sum(w * w for w in weights.values()))
        if cnorm == 0.0:
            return 0.0
        dot = sum(w * weights.get(t, 0.0) for t, w in vec.items())
        return dot / (norm * cnorm)

    def add(self, key: int, story: int, counts: Mapping[str, int], when: float) -> None:
        """Make ``key`` a live member of ``story``."""
        if key in self._members:
            self.remove(key)
        terms = Counter({t: n for t, n in counts.items() if n > 0})
        s = self._stories.setdefault(story, _Story())
        s.members.add(key)
        s.counts.update(terms)
        s.last = max(s.last, when)
        for t in terms:
            self._df[t] += 1
            self._postings.setdefault(t, set()).add(story)
        self._members[key] = (story, terms, when)

    def remove(self, key: int) -> None:
        """Drop a member (it left the window, or moves to another story)."""
        member = self._members.pop(key, None)
        if member is None:
            return
        story, terms, _ = member
        s = self._stories[story]
        s.members.discard(key)
        s.counts.subtract(terms)
        for t in terms:
            left = self._df[t] - 1
            if left:
                self._df[t] = left
            else:
                del self._df[t]
            if s.counts[t] <= 0:
                del s.counts[t]
                posting = self._postings.get(t)
                if posting is not None:
                    posting.discard(story)
                    if not posting:
                        del self._postings[t]
        if not s.members:
            del self._stories[story]
        else:
            s.last = max(self._members[k][2] for k in s.members)

    def central(self, story: int, among: Iterable[int]) -> int | None:
        """The member of ``among`` closest to the story's centroid (its representative)."""
        s = self._stories.get(story)
        if s is None:
            return None
        centroid = self._weights(s.counts)
        best: tuple[float, int] | None = None
        for key in sorted(k for k in among if k in s.members):
            vec = self._weights(self._members[key][1])
            norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
            score = sum(w * centroid.get(t, 0.0) for t, w in vec.items()) / norm
            if best is None or score > best[0]:
                best = (score, key)
        return best[1] if best else None
