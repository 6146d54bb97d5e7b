"""Exact and near-duplicate detection over analysed article text.

Republished Arabic news is the original with a counter, a footer or a "read also" block added,
or trimmed, reordered and retitled. Word shingles of the analysed text survive all of these
inside the kept paragraphs, so two fingerprints are compared by the estimated *containment* of
the smaller shingle set in the larger (a trimmed copy has low Jaccard but full containment).

The MinHash is the datasketch scheme in numpy form (one multiply-shift hash family, vectorised
over shingles); term ids are CRC-32s computed afresh, so no per-term Python objects are cached. The index keeps only the ``uint32`` LSH band keys of each
article: a sorted array of ``key << 32 | slot`` plus a small numpy buffer of recent inserts,
and Jaccard is estimated from a stored 8-bit (b-bit) MinHash. datasketch's ``MinHashLSH``
keeps a Python set per band bucket and several kilobytes per article; see bench/stories.py.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from zlib import crc32

import numpy as np
import numpy.typing as npt

from bawaba.text.analyzer import analyze

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_LOW32 = np.uint64(0xFFFFFFFF)
#: slot value of a removed entry in the sorted band array (keeps the array sorted)
_TOMB = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class DedupParams:
    """Chosen by bench/stories.py (tuned on one outlet, reported on the others)."""

    #: words per shingle (analysed terms: stop words already gone)
    shingle: int = 4
    #: MinHash permutations (all verify containment; the first ``band_perm`` also make LSH bands)
    num_perm: int = 128
    #: permutations cut into LSH bands
    band_perm: int = 64
    #: rows per LSH band (band_perm // rows bands)
    rows: int = 2
    #: least estimated containment of the smaller text in the larger for a copy
    containment: float = 0.7
    #: texts with fewer shingles are never judged near copies (only exact ones)
    min_shingles: int = 8
    seed: int = 1

    @property
    def bands(self) -> int:
        return self.band_perm // self.rows


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the index keeps of one text: exact hash, LSH band keys, 8-bit MinHash, shingle count."""

    exact: int
    bands: U32
    #: low 8 bits of each MinHash value (a b-bit MinHash): enough to estimate Jaccard
    short: U8
    size: int


def text_terms(text: str) -> list[str]:
    """The analysed terms of a body: normalised, stop words dropped, light-stemmed."""
    return analyze(text)


def exact_hash(terms: Sequence[str]) -> int:
    """A 63-bit hash of the analysed terms: equal for copies differing only in spelling, spacing
    or punctuation."""
    return _exact(" ".join(terms).encode("utf-8"))


def _exact(data: bytes) -> int:
    return ((zlib.crc32(data) << 31) ^ zlib.adler32(data[::-1])) & 0x7FFFFFFFFFFFFFFF


def term_hashes(terms: Sequence[str]) -> U64:
    """An id per term: the CRC-32 of its UTF-8 bytes (no cache: zlib per term is cheaper than a
    dict of Python objects is large; a rare collision only merges two shingles)."""
    ids = np.fromiter(map(crc32, map(str.encode, terms)), dtype=np.uint32, count=len(terms))
    return ids.astype(np.uint64)


class MinHasher:
    """MinHash signatures of word shingles; one instance per parameter set (holds the hash family)."""

    def __init__(self, params: DedupParams) -> None:
        self.params = params
        rng = np.random.default_rng(params.seed)
        # odd multipliers: multiply-shift hashing needs them odd to be a permutation of 2**64
        self._a = (rng.integers(1, 2**63, size=params.num_perm, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
        self._b = rng.integers(0, 2**63, size=params.num_perm, dtype=np.uint64)
        self._band_salt = np.arange(params.bands, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93)

    def shingles(self, terms: Sequence[str]) -> U64:
        """Distinct 64-bit hashes of the ``shingle``-word windows (the whole text if shorter)."""
        return self._shingles(term_hashes(terms))

    def _shingles(self, ids: U64) -> U64:
        k = self.params.shingle
        if len(ids) == 0:
            return ids
        k = min(k, len(ids))
        n = len(ids) - k + 1
        acc = ids[:n].copy()
        for j in range(1, k):
            acc *= _GOLDEN
            acc += ids[j : j + n]
        return np.unique(acc)

    def signature(self, shingles: U64) -> U32:
        """The ``num_perm`` 32-bit MinHash values of a shingle set."""
        if len(shingles) == 0:
            return np.full(self.params.num_perm, 0xFFFFFFFF, dtype=np.uint32)
        mixed = self._a[:, None] * shingles[None, :]
        mixed += self._b[:, None]
        sig: U32 = (mixed.min(axis=1) >> np.uint64(32)).astype(np.uint32)
        return sig

    def band_keys(self, sig: U32) -> U32:
        """One salted 32-bit key per band of ``rows`` signature values."""
        p = self.params
        rows = sig[: p.band_perm].astype(np.uint64).reshape(p.bands, p.rows)
        acc = self._band_salt.copy()
        for j in range(p.rows):
            acc ^= rows[:, j]
            acc *= _GOLDEN
        keys: U32 = (acc >> np.uint64(32)).astype(np.uint32)
        return keys

    def fingerprint(self, terms: Sequence[str]) -> Fingerprint:
        shingles = self._shingles(term_hashes(terms))
        sig = self.signature(shingles)
        return Fingerprint(exact=exact_hash(terms), bands=self.band_keys(sig), short=sig.astype(np.uint8),
                           size=len(shingles))


#: chance that two different 8-bit MinHash values agree anyway
_CHANCE = 2.0**-8


def jaccard_from_short(equal_share: float) -> float:
    """Jaccard estimate from the share of equal 8-bit MinHash values (b-bit MinHash)."""
    return max(0.0, (equal_share - _CHANCE) / (1.0 - _CHANCE))


def containment(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated share of the smaller shingle set found in the larger (1.0 for exact copies)."""
    if a.exact == b.exact:
        return 1.0
    if a.size == 0 or b.size == 0:
        return 0.0
    equal = float(np.count_nonzero(a.short == b.short)) / len(a.short)
    return _containment_from_jaccard(jaccard_from_short(equal), a.size, b.size)


def _containment_from_jaccard(jaccard: float, size_a: int, size_b: int) -> float:
    # |A ∩ B| = J (|A| + |B|) / (1 + J); divided by the smaller set
    inter = jaccard * (size_a + size_b) / (1.0 + jaccard)
    return min(1.0, inter / min(size_a, size_b))


class NearDuplicateIndex:
    """Fingerprints of the articles in the window, keyed by caller-chosen integer slots.

    Per article it keeps its ``uint32`` band keys twice (by slot, to remove; and in the sorted
    ``key << 32 | slot`` array, to look up), its 8-bit MinHash (to verify), the exact hash and
    the shingle count: about ``12 * bands + num_perm + 13`` bytes. Removal turns the article's sorted entries into tombstones (the
    slot part becomes ``0xFFFFFFFF``, so the array stays sorted); merges drop them.
    """

    MERGE_EVERY = 512

    def __init__(self, params: DedupParams | None = None, *, merge_every: int = MERGE_EVERY) -> None:
        self.params = params or DedupParams()
        p = self.params
        self._sorted: U64 = np.empty(0, dtype=np.uint64)
        self._tombs = 0
        self._recent_keys: U32 = np.zeros((merge_every, p.bands), dtype=np.uint32)
        self._recent_slots: I64 = np.full(merge_every, -1, dtype=np.int64)
        self._recent_n = 0
        self._bands: U32 = np.empty((0, p.bands), dtype=np.uint32)
        self._short: U8 = np.empty((0, p.num_perm), dtype=np.uint8)
        self._exact: U64 = np.empty(0, dtype=np.uint64)
        self._size: npt.NDArray[np.int32] = np.empty(0, dtype=np.int32)
        self._alive: npt.NDArray[np.bool_] = np.empty(0, dtype=np.bool_)

    def __len__(self) -> int:
        return int(np.count_nonzero(self._alive))

    def _ensure(self, slot: int) -> None:
        cap = len(self._alive)
        if slot < cap:
            return
        new_cap = max(slot + 1, cap + cap // 2, 64)
        bands = np.zeros((new_cap, self.params.bands), dtype=np.uint32)
        bands[:cap] = self._bands
        self._bands = bands
        short = np.zeros((new_cap, self.params.num_perm), dtype=np.uint8)
        short[:cap] = self._short
        self._short = short
        self._exact = np.concatenate([self._exact, np.zeros(new_cap - cap, dtype=np.uint64)])
        self._size = np.concatenate([self._size, np.zeros(new_cap - cap, dtype=np.int32)])
        self._alive = np.concatenate([self._alive, np.zeros(new_cap - cap, dtype=np.bool_)])

    def add(self, slot: int, fp: Fingerprint) -> None:
        """Index ``fp`` under ``slot`` (a small non-negative integer, reused only after removal)."""
        if not 0 <= slot < _TOMB:
            raise ValueError(f"slot {slot} out of range")
        if slot < len(self._alive) and self._alive[slot]:
            self.remove(slot)
        self._ensure(slot)
        self._bands[slot] = fp.bands
        self._short[slot] = fp.short
        self._exact[slot] = np.uint64(fp.exact)
        self._size[slot] = fp.size
        self._alive[slot] = True
        if self._recent_n == len(self._recent_slots):
            self._merge()
        self._recent_keys[self._recent_n] = fp.bands
        self._recent_slots[self._recent_n] = slot
        self._recent_n += 1

    def remove(self, slot: int) -> None:
        if not (slot < len(self._alive) and self._alive[slot]):
            return
        self._alive[slot] = False
        buffered = np.flatnonzero(self._recent_slots[: self._recent_n] == slot)
        if len(buffered):
            self._recent_slots[buffered] = -1
            return
        packed = (self._bands[slot].astype(np.uint64) << np.uint64(32)) | np.uint64(slot)
        at = np.searchsorted(self._sorted, packed)
        found = at[at < len(self._sorted)]
        found = found[self._sorted[found] == packed[at < len(self._sorted)]]
        self._sorted[found] |= _LOW32  # same key, tombstone slot: order kept
        self._tombs += len(found)
        if self._tombs > len(self._sorted) // 4:
            self._merge()

    def _merge(self) -> None:
        n = self._recent_n
        live = self._recent_slots[:n] >= 0
        slots = self._recent_slots[:n][live].astype(np.uint64)
        keys = self._recent_keys[:n][live].astype(np.uint64)
        new = np.sort(((keys << np.uint64(32)) | slots[:, None]).ravel())
        base = self._sorted
        if self._tombs:
            base = base[(base & _LOW32) != _LOW32]
            self._tombs = 0
        self._sorted = np.insert(base, np.searchsorted(base, new), new) if len(base) else new
        self._recent_n = 0
        self._recent_slots[:] = -1

    def candidates(self, fp: Fingerprint) -> I64:
        """Live slots sharing at least one band with ``fp``, ascending."""
        parts: list[I64] = []
        srt = self._sorted
        if len(srt):
            q = fp.bands.astype(np.uint64) << np.uint64(32)
            lo = np.searchsorted(srt, q, side="left")
            hi = np.searchsorted(srt, q | _LOW32, side="right")
            lengths = hi - lo
            total = int(lengths.sum())
            if total:
                # the concatenated ranges lo[i]:hi[i] as one gather
                starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
                parts.append((srt[starts + np.arange(total)] & _LOW32).astype(np.int64))
        n = self._recent_n
        if n:
            rows = (self._recent_keys[:n] == fp.bands[None, :]).any(axis=1)
            parts.append(self._recent_slots[:n][rows])
        if not parts:
            return np.empty(0, dtype=np.int64)
        found = np.unique(np.concatenate(parts))
        found = found[(found >= 0) & (found < len(self._alive))]
        live: I64 = found[self._alive[found]]
        return live

    def matches(self, fp: Fingerprint) -> list[tuple[int, float]]:
        """Slots whose text is a copy of ``fp``'s or contains it: (slot, estimated containment),
        best first. Texts too short to judge match only exactly."""
        slots = self.candidates(fp)
        if not len(slots):
            return []
        p = self.params
        exact = self._exact[slots] == np.uint64(fp.exact)
        equal = (self._short[slots] == fp.short[None, :]).sum(axis=1) / p.num_perm
        jac = np.maximum(0.0, (equal - _CHANCE) / (1.0 - _CHANCE))
        sizes = self._size[slots].astype(np.float64)
        inter = jac * (sizes + fp.size) / (1.0 + jac)
        smaller = np.maximum(np.minimum(sizes, fp.size), 1.0)
        cont = np.minimum(1.0, inter / smaller)
        cont[exact] = 1.0
        ok = exact | ((cont >= p.containment) & (np.minimum(sizes, fp.size) >= p.min_shingles))
        out = [(int(s), float(c)) for s, c in zip(slots[ok].tolist(), cont[ok].tolist(), strict=True)]
        out.sort(key=lambda sc: (-sc[1], sc[0]))
        return out

    def nbytes(self) -> int:
        """Bytes held in the index arrays."""
        return int(
            self._sorted.nbytes + self._recent_keys.nbytes + self._recent_slots.nbytes + self._bands.nbytes
            + self._short.nbytes
            + self._exact.nbytes + self._size.nbytes + self._alive.nbytes
        )
