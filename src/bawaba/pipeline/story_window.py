"""The pure side of stories: provenance and story membership over a sliding window, in memory.

``StoryWindow`` holds the near-duplicate index and the story clusters of the articles published
in the last ``window_h`` hours (by publication time, ending at the newest article seen). It never
touches storage: ``decide`` says what a new article is (a copy of which original, in which story)
and ``admit`` adds it under its stored id, returning the earlier-arrived copies that must now point
to it. The state is a function of the admitted articles alone, so loading the stored window after a
restart continues exactly as if nothing had happened. ``StoryTracker`` (stories.py) applies the
decisions to the store.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from bawaba.pipeline.cluster import ClusterParams, StoryClusterer, fact_terms, phrase_terms, story_terms
from bawaba.pipeline.dedup import DedupParams, Fingerprint, MinHasher, NearDuplicateIndex
from bawaba.text.analyzer import analyze

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def seconds(when: datetime) -> float:
    """Seconds since the epoch of an aware (or naive UTC) datetime."""
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    return (aware - EPOCH).total_seconds()


@dataclass(slots=True)
class Member:
    """One admitted article of the window."""

    article_id: int
    url: str
    source_id: int
    title: str
    when: float
    first_seen: float
    #: the original this article copies, or its own id for an original
    original_id: int
    story_id: int

    @property
    def order(self) -> tuple[float, float, int]:
        """Earliest published first, ties broken by first seen, then by id."""
        return (self.when, self.first_seen, self.article_id)

    @property
    def duplicate_of(self) -> int | None:
        return None if self.original_id == self.article_id else self.original_id


@dataclass(slots=True)
class Decision:
    """What ``decide`` found for a new article; ``admit`` it once the article has its id."""

    url: str
    source_id: int
    title: str
    when: float
    first_seen: float
    fingerprint: Fingerprint
    counts: dict[str, int]
    #: id of the original it copies, 0 for an original
    original_id: int
    #: story it joins, 0 when it starts one (the caller sets the new story's id)
    story_id: int
    #: originals it matched that were published after it: they and their copies now copy it
    later_roots: tuple[int, ...]
    #: numbers and word bigrams of its whole text, a second story signal
    facts: frozenset[str] = frozenset()
    #: other live stories it also joins: the same event split earlier, merged into ``story_id``
    merges: tuple[int, ...] = ()

    @property
    def duplicate_of(self) -> int | None:
        return self.original_id or None


@dataclass(frozen=True, slots=True)
class Repoint:
    """A stored article whose ``duplicate_of`` (and story) changes because an earlier original
    landed, or whose story changes because a new article showed two stories are one event."""

    article_id: int
    duplicate_of: int | None
    story_id: int
    old_story_id: int


class StoryWindow:
    """Near-duplicate index plus story clusters of the live window (no storage)."""

    def __init__(
        self, window_h: float = 72, *, dedup: DedupParams | None = None, cluster: ClusterParams | None = None
    ) -> None:
        self.window_s = window_h * 3600.0
        self.hasher = MinHasher(dedup or DedupParams())
        self.index = NearDuplicateIndex(self.hasher.params)
        self.clusters = StoryClusterer(cluster)
        self._members: dict[int, Member] = {}  # slot -> member
        self._slot_of_id: dict[int, int] = {}
        self._slot_of_url: dict[str, int] = {}
        #: original id -> slots of the live members pointing to it (itself included)
        self._by_original: dict[int, set[int]] = {}
        self._free: list[int] = []
        self._heap: list[tuple[float, int]] = []
        self._next_slot = 0
        self._high = float("-inf")

    def __len__(self) -> int:
        return len(self._members)

    def member_by_url(self, url: str) -> Member | None:
        slot = self._slot_of_url.get(url)
        return self._members[slot] if slot is not None else None

    def members(self) -> Iterator[Member]:
        return iter(self._members.values())

    def in_window(self, when: datetime) -> bool:
        return seconds(when) >= self._high - self.window_s

    # -- deciding ------------------------------------------------------------------------
    def decide(self, url: str, source_id: int, title: str, text: str, when: datetime, first_seen: datetime) -> Decision:
        """Provenance and story of a new article from what the window holds."""
        t = seconds(when)
        if t > self._high:
            self._high = t
            self._evict()
        terms = analyze(text)
        fp = self.hasher.fingerprint(terms)
        counts = story_terms(title, terms, self.clusters.params)
        facts = fact_terms(text) | phrase_terms(terms, self.clusters.params.phrase_sample)
        d = Decision(url, source_id, title, t, seconds(first_seen), fp, dict(counts), 0, 0, (), facts)
        roots = {self._members[s].original_id for s, _ in self.index.matches(fp)}
        ordered = sorted((self._root(r) for r in roots), key=lambda m: m.order)
        if ordered and ordered[0].order < (d.when, d.first_seen, float("inf")):
            d.original_id, d.story_id = ordered[0].original_id, ordered[0].story_id
            d.later_roots = tuple(m.original_id for m in ordered[1:])
        else:
            d.later_roots = tuple(m.original_id for m in ordered)
            if ordered:
                d.story_id = ordered[0].story_id
        if not d.story_id:
            joins = self.clusters.joins(counts, t, self.window_s, facts)
            if joins:
                d.story_id = joins[0]
                d.merges = tuple(joins[1:]) if self.clusters.params.merge else ()
        return d

    def _root(self, original_id: int) -> Member:
        slot = self._slot_of_id.get(original_id)
        if slot is not None:
            return self._members[slot]
        # the original left the window: it is earlier than anything live; its copies know its story
        slots = self._by_original.get(original_id, ())
        story = self._members[min(slots)].story_id if slots else 0
        return Member(original_id, "", 0, "", float("-inf"), float("-inf"), original_id, story)

    # -- admitting -----------------------------------------------------------------------
    def admit(self, d: Decision, article_id: int) -> list[Repoint]:
        """Add the stored article; returns the copies (and later originals) re-pointed to it."""
        if not d.story_id:
            raise ValueError("admit needs the decision's story id (create the story first)")
        original = d.original_id or article_id
        member = Member(article_id, d.url, d.source_id, d.title, d.when, d.first_seen, original, d.story_id)
        changed: list[Repoint] = []
        for root in d.later_roots:
            for slot in sorted(self._by_original.pop(root, ()), key=lambda s: self._members[s].article_id):
                m = self._members[slot]
                if m.article_id == original:
                    self._by_original.setdefault(root, set()).add(slot)
                    continue
                changed.append(Repoint(m.article_id, original, d.story_id, m.story_id))
                m.original_id = original
                self._by_original.setdefault(original, set()).add(slot)
                if m.story_id != d.story_id:
                    m.story_id = d.story_id
                    self.clusters.move(slot, d.story_id)
        for story in d.merges:
            for slot in sorted(self.clusters.members(story), key=lambda s: self._members[s].article_id):
                m = self._members[slot]
                changed.append(Repoint(m.article_id, m.duplicate_of, d.story_id, story))
                m.story_id = d.story_id
                self.clusters.move(slot, d.story_id)
        if d.when >= self._high - self.window_s:
            self._add(member, d.fingerprint, d.counts, d.facts)
        return changed

    def load(self, member: Member, text: str) -> None:
        """Re-admit a stored article with its stored decisions (restart)."""
        terms = analyze(text)
        self._high = max(self._high, member.when)
        self._add(member, self.hasher.fingerprint(terms), story_terms(member.title, terms, self.clusters.params),
                  fact_terms(text) | phrase_terms(terms, self.clusters.params.phrase_sample))

    def finish_loading(self) -> None:
        self._evict()

    def _add(self, member: Member, fp: Fingerprint, counts: dict[str, int], facts: frozenset[str]) -> None:
        slot = self._free.pop() if self._free else self._take_slot()
        self._members[slot] = member
        self._slot_of_id[member.article_id] = slot
        self._slot_of_url[member.url] = slot
        self._by_original.setdefault(member.original_id, set()).add(slot)
        heapq.heappush(self._heap, (member.when, slot))
        self.index.add(slot, fp)
        self.clusters.add(slot, member.story_id, counts, member.when, facts)

    def _take_slot(self) -> int:
        self._next_slot += 1
        return self._next_slot - 1

    def _evict(self) -> None:
        floor = self._high - self.window_s
        while self._heap and self._heap[0][0] < floor:
            _, slot = heapq.heappop(self._heap)
            member = self._members.pop(slot, None)
            if member is None:
                continue
            self.index.remove(slot)
            self.clusters.remove(slot)
            copies = self._by_original.get(member.original_id)
            if copies is not None:
                copies.discard(slot)
                if not copies:
                    del self._by_original[member.original_id]
            if self._slot_of_id.get(member.article_id) == slot:
                del self._slot_of_id[member.article_id]
            if self._slot_of_url.get(member.url) == slot:
                del self._slot_of_url[member.url]
            self._free.append(slot)

    # -- stories -------------------------------------------------------------------------
    def representative(self, story_id: int) -> Member | None:
        """The story's most central live original (its title names the story)."""
        slots = [s for s in self.clusters.members(story_id) if self._members[s].duplicate_of is None]
        slot = self.clusters.central(story_id, slots)
        return self._members[slot] if slot is not None else None
