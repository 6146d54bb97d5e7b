"""Exact and near-duplicate detection over analysed article text.

Republished Arabic news is the original with a counter, a footer or a "read also" block added,
or trimmed, reordered and retitled. Word shingles of the analysed text survive all of these
inside the kept paragraphs, so two fingerprints are compared by the estimated *containment* of
the smaller shingle set in the larger (a trimmed copy has low Jaccard but full containment).

The MinHash is the datasketch scheme in numpy form (one multiply-shift hash family, vectorised
over shingles), and the LSH band index is compact: sorted ``uint64`` band keys with ``int32``
slots plus a small dict of recent inserts, merged in bulk. datasketch's ``MinHashLSH`` keeps a
Python set per band bucket and costs several kilobytes per article; see bench/stories.py.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bawaba.text.analyzer import analyze

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True, slots=True)
class DedupParams:
    """Chosen by bench/stories.py (tuned on one outlet, reported on the others)."""

    #: words per shingle (analysed terms: stop words already gone)
    shingle: int = 4
    #: MinHash permutations
    num_perm: int = 64
    #: rows per LSH band (num_perm // rows bands)
    rows: int = 2
    #: least estimated containment of the smaller text in the larger for a copy
    containment: float = 0.6
    #: texts with fewer shingles are never judged near copies (only exact ones)
    min_shingles: int = 8
    seed: int = 1

    @property
    def bands(self) -> int:
        return self.num_perm // self.rows


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the index keeps of one text: exact hash, MinHash signature, shingle count."""

    exact: int
    signature: U32
    size: int


def text_terms(text: str) -> list[str]:
    """The analysed terms of a body: normalised, stop words dropped, light-stemmed."""
    return analyze(text)


def exact_hash(terms: Sequence[str]) -> int:
    """A 63-bit hash of the analysed terms: equal for copies differing only in spelling, spacing
    or punctuation."""
    data = " ".join(terms).encode("utf-8")
    return ((zlib.crc32(data) << 31) ^ zlib.adler32(data[::-1])) & 0x7FFFFFFFFFFFFFFF


class MinHasher:
    """MinHash signatures of word shingles; one instance per parameter set (holds the hash family)."""

    def __init__(self, params: DedupParams) -> None:
        self.params = params
        rng = np.random.default_rng(params.seed)
        # odd multipliers: multiply-shift hashing needs them odd to be a permutation of 2**64
        self._a = (rng.integers(1, 2**63, size=params.num_perm, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
        self._b = rng.integers(0, 2**63, size=params.num_perm, dtype=np.uint64)
        self._term_cache: dict[str, int] = {}

    def shingles(self, terms: Sequence[str]) -> U64:
        """Distinct 64-bit hashes of the ``shingle``-word windows (the whole text if shorter)."""
        cache = self._term_cache
        if len(cache) > 500_000:
            cache.clear()
        ids = np.empty(len(terms), dtype=np.uint64)
        for i, t in enumerate(terms):
            h = cache.get(t)
            if h is None:
                h = cache[t] = zlib.crc32(t.encode("utf-8")) | (len(t) << 32)
            ids[i] = h
        k = self.params.shingle
        if len(ids) == 0:
            return ids
        if len(ids) < k:
            k = len(ids)
        n = len(ids) - k + 1
        with np.errstate(over="ignore"):
            acc = ids[:n].copy()
            for j in range(1, k):
                acc = acc * _GOLDEN + ids[j : j + n]
        return np.unique(acc)

    def fingerprint(self, terms: Sequence[str]) -> Fingerprint:
        shingles = self.shingles(terms)
        if len(shingles) == 0:
            sig = np.full(self.params.num_perm, 0xFFFFFFFF, dtype=np.uint32)
        else:
            with np.errstate(over="ignore"):
                mixed = self._a[:, None] * shingles[None, :] + self._b[:, None]
            sig = (mixed.min(axis=1) >> np.uint64(32)).astype(np.uint32)
        return Fingerprint(exact=exact_hash(terms), signature=sig, size=len(shingles))


def containment(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated share of the smaller shingle set found in the larger (1.0 for exact copies)."""
    if a.exact == b.exact:
        return 1.0
    if a.size == 0 or b.size == 0:
        return 0.0
    jaccard = float(np.count_nonzero(a.signature == b.signature)) / len(a.signature)
    return _containment_from_jaccard(jaccard, a.size, b.size)


def _containment_from_jaccard(jaccard: float, size_a: int, size_b: int) -> float:
    # |A ∩ B| = J (|A| + |B|) / (1 + J); divided by the smaller set
    inter = jaccard * (size_a + size_b) / (1.0 + jaccard)
    return min(1.0, inter / min(size_a, size_b))


class NearDuplicateIndex:
    """Fingerprints of the articles in the window, keyed by caller-chosen integer slots.

    Per article it keeps the signature (``4 * num_perm`` bytes), the exact hash and size, and one
    ``uint64`` key + ``int32`` slot per band. Removal marks slots dead; dead entries leave the
    band arrays at the next merge.
    """

    MERGE_EVERY = 2_048

    def __init__(self, params: DedupParams | None = None) -> None:
        self.params = params or DedupParams()
        p = self.params
        self._band_salt = np.arange(p.bands, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93)
        self._keys: U64 = np.empty(0, dtype=np.uint64)
        self._slots: npt.NDArray[np.int32] = np.empty(0, dtype=np.int32)
        self._recent: dict[int, list[int]] = {}
        self._recent_count = 0
        self._sigs: U32 = np.empty((0, p.num_perm), dtype=np.uint32)
        self._exact: U64 = np.empty(0, dtype=np.uint64)
        self._size: npt.NDArray[np.int32] = np.empty(0, dtype=np.int32)
        self._alive: npt.NDArray[np.bool_] = np.empty(0, dtype=np.bool_)
        self._dead = 0

    def __len__(self) -> int:
        return int(np.count_nonzero(self._alive))

    def _band_keys(self, sig: U32) -> U64:
        rows = sig.astype(np.uint64).reshape(self.params.bands, self.params.rows)
        with np.errstate(over="ignore"):
            acc = self._band_salt.copy()
            for j in range(self.params.rows):
                acc = (acc ^ rows[:, j]) * _GOLDEN
        return acc

    def _ensure(self, slot: int) -> None:
        cap = len(self._alive)
        if slot < cap:
            return
        new_cap = max(slot + 1, cap * 2, 64)
        sigs = np.zeros((new_cap, self.params.num_perm), dtype=np.uint32)
        sigs[:cap] = self._sigs
        self._sigs = sigs
        self._exact = np.concatenate([self._exact, np.zeros(new_cap - cap, dtype=np.uint64)])
        self._size = np.concatenate([self._size, np.zeros(new_cap - cap, dtype=np.int32)])
        self._alive = np.concatenate([self._alive, np.zeros(new_cap - cap, dtype=np.bool_)])

    def add(self, slot: int, fp: Fingerprint) -> None:
        """Index ``fp`` under ``slot`` (a small non-negative integer, reused only after removal)."""
        self._ensure(slot)
        self._sigs[slot] = fp.signature
        self._exact[slot] = np.uint64(fp.exact)
        self._size[slot] = fp.size
        self._alive[slot] = True
        for key in self._band_keys(fp.signature).tolist():
            self._recent.setdefault(key, []).append(slot)
        self._recent_count += 1
        if self._recent_count >= self.MERGE_EVERY:
            self._merge()

    def remove(self, slot: int) -> None:
        if slot < len(self._alive) and self._alive[slot]:
            self._alive[slot] = False
            self._dead += 1
            if self._dead >= max(self.MERGE_EVERY, len(self._keys) // (4 * self.params.bands)):
                self._merge()

    def _merge(self) -> None:
        keys = [self._keys]
        slots = [self._slots]
        if self._recent:
            rk = np.fromiter(
                (k for k, ss in self._recent.items() for _ in ss), dtype=np.uint64, count=-1
            )
            rs = np.fromiter((s for ss in self._recent.values() for s in ss), dtype=np.int32, count=-1)
            keys.append(rk)
            slots.append(rs)
        all_keys = np.concatenate(keys)
        all_slots = np.concatenate(slots)
        live = self._alive[all_slots] if len(all_slots) else np.empty(0, dtype=np.bool_)
        all_keys, all_slots = all_keys[live], all_slots[live]
        order = np.argsort(all_keys, kind="stable")
        self._keys, self._slots = all_keys[order], all_slots[order]
        self._recent = {}
        self._recent_count = 0
        self._dead = 0

    def candidates(self, fp: Fingerprint) -> set[int]:
        """Live slots sharing at least one band with ``fp`` or its exact hash."""
        keys = self._band_keys(fp.signature)
        found: set[int] = set()
        if len(self._keys):
            lo = np.searchsorted(self._keys, keys, side="left")
            hi = np.searchsorted(self._keys, keys, side="right")
            for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
                if b > a:
                    found.update(self._slots[a:b].tolist())
        for key in keys.tolist():
            hit = self._recent.get(key)
            if hit:
                found.update(hit)
        return {s for s in found if self._alive[s]}

    def matches(self, fp: Fingerprint) -> list[tuple[int, float]]:
        """Slots whose text is a copy of ``fp``'s or contains it: (slot, estimated containment),
        best first. Texts too short to judge match only exactly."""
        cands = self.candidates(fp)
        if not cands:
            return []
        slots = np.fromiter(cands, dtype=np.int64, count=len(cands))
        exact = self._exact[slots] == np.uint64(fp.exact)
        same = (self._sigs[slots] == fp.signature[None, :]).sum(axis=1) / self.params.num_perm
        sizes = self._size[slots].astype(np.float64)
        inter = same * (sizes + fp.size) / (1.0 + same)
        smaller = np.maximum(np.minimum(sizes, fp.size), 1.0)
        cont = np.minimum(1.0, inter / smaller)
        cont[exact] = 1.0
        p = self.params
        ok = exact | ((cont >= p.containment) & (np.minimum(sizes, fp.size) >= p.min_shingles))
        out = [(int(s), float(c)) for s, c in zip(slots[ok].tolist(), cont[ok].tolist(), strict=True)]
        out.sort(key=lambda sc: (-sc[1], sc[0]))
        return out

    def nbytes(self) -> int:
        """Bytes held in arrays (the dict of recent inserts excluded; bench uses tracemalloc)."""
        return int(
            self._keys.nbytes + self._slots.nbytes + self._sigs.nbytes + self._exact.nbytes
            + self._size.nbytes + self._alive.nbytes
        )
