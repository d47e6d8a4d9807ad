"""Exact and near-duplicate detection: wire stories reprinted by several outlets.

Two layers, cheapest first:

1. **Exact**: a SHA-1 digest of the normalised, lower-cased text. A reprint that
   only differs in spacing, quotes or case is caught by one dictionary lookup.
2. **Near**: MinHash signatures of word 5-gram shingles (CRC-32 of each shingle,
   datasketch's permutations, computed in bulk) in an LSH index. Candidates are
   verified with the estimated Jaccard similarity, or with the estimated
   containment of the shorter text in the longer one, so that a light rewrite (a
   changed lead, an added paragraph) or a trimmed copy still matches while a
   different story on the same topic does not.

Signatures carry a format byte and their parameters (number of permutations,
shingle size, seed, hash scheme); signatures built with other parameters refuse
to compare instead of giving a meaningless estimate.

>>> index = DedupIndex()
>>> index.add("a", "The central bank raised its key rate by half a point on Tuesday, citing inflation.")
>>> index.add("b", "the central bank raised its key rate by half a point on tuesday,  citing inflation.")
DuplicateMatch(of='a', similarity=1.0, kind='exact')
"""

from __future__ import annotations

import hashlib
import logging
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from datasketch import MinHash
from datasketch.lsh import _optimal_param

from triangulate.errors import ConfigError
from triangulate.times import publication_key
from triangulate.text import normalize, tokens

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

#: Version of the binary signature layout written by :meth:`Signature.to_bytes`.
FORMAT_VERSION = 1
#: How shingles are hashed: CRC-32 of the shingle's UTF-8 bytes, then datasketch's
#: "affine32" permutations. ("affine32" alone, code 1, hashed with SHA-1 and was
#: eight times slower to hash; such stored signatures are recomputed from the text.)
_SCHEME = "crc32-affine32"
_SCHEME_CODES = {"affine32": 1, "crc32-affine32": 2}
_PERMUTATIONS = "affine32"
_HEADER = struct.Struct("<BHBIBI20s")  # format, num_perm, shingle, seed, scheme, size, digest


@dataclass(frozen=True, slots=True)
class DuplicateMatch:
    """An incoming article copies an earlier one.

    ``of`` is the id of the earlier article, ``similarity`` the estimated Jaccard
    similarity of their shingle sets (1.0 for exact copies), ``kind`` is
    ``"exact"`` or ``"near"``.
    """

    of: str
    similarity: float
    kind: Literal["exact", "near"]


@dataclass(frozen=True, slots=True)
class SyndicationGroup:
    """Copies of one story: ``origin`` was published first, ``copies`` reprinted it.

    ``similarity`` is the lowest estimated Jaccard similarity of a copy to the origin.
    """

    origin: str
    copies: tuple[str, ...]
    similarity: float

    @property
    def members(self) -> tuple[str, ...]:
        return (self.origin, *self.copies)


@dataclass(frozen=True, slots=True)
class Signature:
    """The MinHash signature of one text, with everything needed to compare it.

    ``digest`` is the exact-content hash, ``size`` the number of distinct
    shingles, ``hashvalues`` the raw MinHash values (little-endian uint32).
    """

    num_perm: int
    shingle_size: int
    seed: int
    size: int
    digest: bytes
    hashvalues: bytes
    scheme: str = _SCHEME

    @property
    def params(self) -> tuple[int, int, int, str]:
        return (self.num_perm, self.shingle_size, self.seed, self.scheme)

    def values(self) -> np.ndarray:
        return np.frombuffer(self.hashvalues, dtype="<u4")

    def jaccard(self, other: Signature) -> float:
        """Estimated Jaccard similarity; raises ConfigError for other parameters."""
        if self.params != other.params:
            raise ConfigError(
                f"signatures built with different parameters cannot be compared: {self.params} vs {other.params}; "
                "rebuild the signatures with one DedupIndex setting",
                code="E210",
            )
        if self.digest == other.digest:
            return 1.0
        if self.size == 0 or other.size == 0:
            return 0.0
        return float(np.count_nonzero(self.values() == other.values())) / self.num_perm

    def containment(self, other: Signature) -> float:
        """Estimated share of this text's shingles found in ``other``."""
        j = self.jaccard(other)
        if self.size == 0:
            return 0.0
        # |A & B| = J (|A| + |B|) / (1 + J)
        inter = j * (self.size + other.size) / (1.0 + j)
        return min(1.0, inter / self.size)

    def to_bytes(self) -> bytes:
        """Serialise: a format byte, the parameters, the exact digest, the values."""
        header = _HEADER.pack(
            FORMAT_VERSION,
            self.num_perm,
            self.shingle_size,
            self.seed,
            _SCHEME_CODES[self.scheme],
            self.size,
            self.digest,
        )
        return header + self.hashvalues

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature:
        """Read a signature written by :meth:`to_bytes`; raises ConfigError on another format."""
        if len(data) < _HEADER.size or data[0] != FORMAT_VERSION:
            found = data[0] if data else None
            raise ConfigError(
                f"unknown signature format {found!r} (this version reads format {FORMAT_VERSION}); "
                "recompute the signature from the text",
                code="E211",
            )
        fmt, num_perm, shingle_size, seed, scheme_code, size, digest = _HEADER.unpack_from(data)
        del fmt
        values = data[_HEADER.size :]
        if len(values) != 4 * num_perm:
            raise ConfigError(
                f"truncated signature: {len(values)} value bytes for {num_perm} permutations", code="E212"
            )
        scheme = {v: k for k, v in _SCHEME_CODES.items()}.get(scheme_code)
        if scheme is None:
            raise ConfigError(f"unknown MinHash scheme code {scheme_code}", code="E211")
        return cls(num_perm, shingle_size, seed, size, digest, values, scheme)


def content_digest(text: str) -> bytes:
    """Hash of the text with case, spacing and quote style normalised away."""
    canon = " ".join(tokens(normalize(text)))
    return hashlib.sha1(canon.encode("utf-8")).digest()


def _shingle_bytes(text: str, size: int) -> tuple[list[bytes], bytes]:
    toks = tokens(text)
    digest = hashlib.sha1(" ".join(toks).encode("utf-8")).digest()
    if not toks:
        return [], digest
    if len(toks) < size:
        return [" ".join(toks).encode("utf-8")], digest
    grams = {" ".join(toks[i : i + size]) for i in range(len(toks) - size + 1)}
    return [g.encode("utf-8") for g in grams], digest


_MIX = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser over a uint64 array (wraps modulo 2**64)."""
    x = x ^ (x >> np.uint64(30))
    x = x * _MIX
    x = x ^ (x >> np.uint64(27))
    x = x * _MIX2
    out: np.ndarray = x ^ (x >> np.uint64(31))
    return out


class _BandIndex:
    """LSH band tables kept in numpy arrays (about 0.7 KB an article for 32 bands).

    Every slot has ``bands`` 64-bit band keys (a hash of ``rows`` MinHash values
    and the band number) plus one key for the exact-content digest. Lookups go to
    a sorted array of (key, slot) pairs, and to a small dictionary that holds the
    keys added since the sorted array was last extended. A reused slot leaves
    stale pairs behind; they are told apart by comparing with the slot's current
    keys and are dropped when the sorted array is rebuilt.

    The sorted array has a directory: the keys' top bits (about four pairs per
    value) point at the run of pairs that start with them, so a lookup reads a
    few cache lines per key however large the index is, where a binary search
    over millions of pairs reads twenty-odd.
    """

    def __init__(self, bands: int, rows: int, capacity: int = 1024) -> None:
        self.bands = bands
        self.rows = rows
        self.width = bands + 1
        self.keys = np.zeros((capacity, self.width), dtype=np.uint64)
        self.live = np.zeros(capacity, dtype=bool)
        self._sorted_keys = np.zeros(0, dtype=np.uint64)
        self._sorted_slots = np.zeros(0, dtype=np.int32)
        self._shift = np.uint64(64)
        self._dir = np.zeros(2, dtype=np.int64)
        self._n_live = 0
        # Keys added since the last merge: the first slot of each key, and any further ones
        # (most keys have one slot; plain ints keep the garbage collector out of it).
        self._recent: dict[int, int] = {}
        self._recent_more: dict[int, list[int]] = {}
        self._recent_slots: list[int] = []
        self._stale = 0
        rng = np.random.default_rng(0x5EED)
        self._mult = (rng.integers(1, 2**63, size=rows, dtype=np.uint64) * np.uint64(2) + np.uint64(1))
        self._salt = rng.integers(1, 2**63, size=self.width, dtype=np.uint64)

    def band_keys(self, values: np.ndarray, digest: bytes) -> np.ndarray:
        """The band keys of one signature (and the digest key last)."""
        v = values[: self.bands * self.rows].astype(np.uint64).reshape(self.bands, self.rows)
        out = np.empty(self.width, dtype=np.uint64)
        with np.errstate(over="ignore"):
            out[: self.bands] = _mix64((v * self._mult).sum(axis=1, dtype=np.uint64) ^ self._salt[: self.bands])
            out[self.bands] = _mix64(np.frombuffer(digest[:8], dtype="<u8").astype(np.uint64) ^ self._salt[-1:])[0]
        return out

    def grow(self, capacity: int) -> None:
        keys = np.zeros((capacity, self.width), dtype=np.uint64)
        keys[: self.keys.shape[0]] = self.keys
        live = np.zeros(capacity, dtype=bool)
        live[: self.live.shape[0]] = self.live
        self.keys, self.live = keys, live

    def insert(self, slot: int, keys: np.ndarray) -> None:
        if self.live[slot]:
            self.remove(slot)
        self.keys[slot] = keys
        self.live[slot] = True
        self._n_live += 1
        recent = self._recent
        for k in keys.tolist():
            if recent.setdefault(k, slot) != slot:
                self._recent_more.setdefault(k, []).append(slot)
        self._recent_slots.append(slot)
        if len(self._recent_slots) >= max(1024, self._n_live // 16):
            self._flush()

    def remove(self, slot: int) -> None:
        if self.live[slot]:
            self.live[slot] = False
            self._n_live -= 1
            self._stale += 1

    def candidates(self, keys: np.ndarray) -> tuple[set[int], set[int]]:
        """Live slots sharing a band with ``keys``; and those sharing the digest key."""
        near: set[int] = set()
        exact: set[int] = set()
        if self._sorted_keys.size:
            for col, slot in self._sorted_hits(keys):
                (exact if col == self.bands else near).add(slot)
        for col, k in enumerate(keys.tolist()):
            hit = self._recent.get(k)
            if hit is not None:
                target = exact if col == self.bands else near
                target.add(hit)
                more = self._recent_more.get(k)
                if more:
                    target.update(more)
        # Drop stale pairs: the slot was reused or removed since.
        if near:
            slots = np.fromiter(near, dtype=np.intp, count=len(near))
            keep = self.live[slots] & (self.keys[slots, : self.bands] == keys[: self.bands]).any(axis=1)
            near = set(slots[keep].tolist())
        if exact:
            slots = np.fromiter(exact, dtype=np.intp, count=len(exact))
            keep = self.live[slots] & (self.keys[slots, self.bands] == keys[self.bands])
            exact = set(slots[keep].tolist())
        return near, exact

    def _sorted_hits(self, keys: np.ndarray) -> list[tuple[int, int]]:
        """(column of ``keys``, slot) for every pair of the sorted array whose key is in ``keys``."""
        buckets = (keys >> self._shift).astype(np.intp)
        lo = self._dir[buckets]
        width = self._dir[buckets + 1] - lo
        longest = int(width.max())
        if longest == 0:
            return []
        if longest > 64:  # a key shared by many articles: search each run on its own
            hits: list[tuple[int, int]] = []
            for col, (a, n) in enumerate(zip(lo.tolist(), width.tolist())):
                run = self._sorted_keys[a : a + n]
                i = a + int(np.searchsorted(run, keys[col], side="left"))
                j = a + int(np.searchsorted(run, keys[col], side="right"))
                hits.extend((col, slot) for slot in self._sorted_slots[i:j].tolist())
            return hits
        step = np.arange(longest)
        inside = step < width[:, None]
        at = np.where(inside, lo[:, None] + step, 0)
        cols, offsets = np.nonzero((self._sorted_keys[at] == keys[:, None]) & inside)
        return list(zip(cols.tolist(), self._sorted_slots[at[cols, offsets]].tolist()))

    def _flush(self) -> None:
        """Move the recent keys into the sorted array (a merge; a full rebuild when stale pairs pile up)."""
        slots = np.asarray(sorted(set(self._recent_slots)), dtype=np.int32)
        self._recent.clear()
        self._recent_more.clear()
        self._recent_slots = []
        if self._stale > max(1024, self._n_live // 2):
            live = np.flatnonzero(self.live).astype(np.int32)
            keys = self.keys[live].reshape(-1)
            owners = np.repeat(live, self.width)
            order = np.argsort(keys, kind="stable")
            self._sorted_keys, self._sorted_slots = keys[order], owners[order]
            self._stale = 0
            self._index_sorted()
            return
        slots = slots[self.live[slots]]
        if not slots.size:
            return
        keys = self.keys[slots].reshape(-1)
        owners = np.repeat(slots, self.width)
        order = np.argsort(keys, kind="stable")
        keys, owners = keys[order], owners[order]
        at = np.searchsorted(self._sorted_keys, keys, side="right")
        self._sorted_keys = np.insert(self._sorted_keys, at, keys)
        self._sorted_slots = np.insert(self._sorted_slots, at, owners)
        self._index_sorted()

    def _index_sorted(self) -> None:
        """Rebuild the directory of the sorted array: ``_dir[b]`` is where keys with top bits ``b`` start."""
        bits = int(min(24, max(8, (self._sorted_keys.size // 4).bit_length())))
        self._shift = np.uint64(64 - bits)
        counts = np.bincount((self._sorted_keys >> self._shift).astype(np.intp), minlength=1 << bits)
        self._dir = np.zeros((1 << bits) + 1, dtype=np.int64)
        np.cumsum(counts, out=self._dir[1:])

    @property
    def nbytes(self) -> int:
        return int(self.keys.nbytes + self.live.nbytes + self._sorted_keys.nbytes + self._sorted_slots.nbytes)


class DedupIndex:
    """An incremental index of article texts that reports exact and near copies.

    Args:
        num_perm: MinHash permutations (more = finer estimates, slower).
        shingle_size: words per shingle.
        threshold: estimated Jaccard similarity from which a text is a near copy.
        containment: estimated containment of the shorter text in the longer one
            from which it is a near copy too (a trimmed or extended reprint).
        seed: MinHash seed; stored with every signature.
        max_items: keep at most this many articles (oldest leave first), so that a
            long stream uses bounded memory; ``None`` keeps everything. Copies are
            reprinted within hours or days of their origin, so a window of a few
            days of articles finds them; memory is about 1.5 KB an article.

    Signatures, band keys and per-article answers live in numpy arrays indexed by
    a slot (a ring of ``max_items`` slots), not in per-article Python objects.
    """

    def __init__(
        self,
        *,
        num_perm: int = 128,
        shingle_size: int = 5,
        threshold: float = 0.5,
        seed: int = 1,
        containment: float = 0.8,
        max_items: int | None = None,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if num_perm < 16 or num_perm > 65535:
            raise ValueError("num_perm must be between 16 and 65535")
        if shingle_size < 1 or shingle_size > 255:
            raise ValueError("shingle_size must be between 1 and 255")
        if max_items is not None and max_items < 1:
            raise ValueError("max_items must be at least 1")
        self.num_perm = num_perm
        self.shingle_size = shingle_size
        self.threshold = threshold
        self.containment = containment
        self.seed = seed
        self.max_items = max_items
        # Candidates are generated a little below the verification threshold so
        # that the LSH banding misses few true copies; verification decides.
        lsh_threshold = max(0.2, min(threshold, containment * 0.6) - 0.1)
        bands, rows = _optimal_param(lsh_threshold, num_perm, 0.5, 0.5)
        capacity = min(1024, max_items) if max_items is not None else 1024
        self._bands = _BandIndex(bands, rows, capacity)
        self._proto = MinHash(num_perm=num_perm, seed=seed, scheme=_PERMUTATIONS, hashfunc=zlib.crc32)
        self._values = np.zeros((capacity, num_perm), dtype=np.uint32)
        self._sizes = np.zeros(capacity, dtype=np.int64)
        self._digests = np.zeros(capacity, dtype="S20")
        self._seqs = np.zeros(capacity, dtype=np.int64)
        self._ids: list[str | None] = [None] * capacity
        self._answers: list[DuplicateMatch | None] = [None] * capacity
        self._slot_of: dict[str, int] = {}
        self._counter = 0

    # -- signatures -----------------------------------------------------------

    @property
    def params(self) -> tuple[int, int, int, str]:
        return (self.num_perm, self.shingle_size, self.seed, _SCHEME)

    def signature(self, text: str) -> Signature:
        """The signature of one text under this index's parameters."""
        return self.signatures([text])[0]

    def signatures(self, texts: Sequence[str]) -> list[Signature]:
        """Signatures of many texts, computed in bulk (one MinHash state reused)."""
        prepared = [_shingle_bytes(t, self.shingle_size) for t in texts]
        out: list[Signature] = []
        for shingles, digest in prepared:
            # A copy of the untouched prototype reuses its permutations and hash function
            # (building the permutations per text costs more than hashing it).
            m = self._proto.copy()
            if shingles:
                m.update_batch(shingles)
            values = np.asarray(m.hashvalues, dtype="<u4").tobytes()
            out.append(
                Signature(self.num_perm, self.shingle_size, self.seed, len(shingles), digest, values, _SCHEME)
            )
        return out

    def _check(self, sig: Signature) -> None:
        if sig.params != self.params:
            raise ConfigError(
                f"signature parameters {sig.params} differ from this index {self.params}; "
                "recompute it with DedupIndex.signature",
                code="E210",
            )

    def _signature_at(self, slot: int) -> Signature:
        return Signature(
            self.num_perm,
            self.shingle_size,
            self.seed,
            int(self._sizes[slot]),
            bytes(self._digests[slot]).ljust(20, b"\0"),
            self._values[slot].astype("<u4").tobytes(),
            _SCHEME,
        )

    # -- queries ----------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._slot_of

    @property
    def nbytes(self) -> int:
        """Bytes held in the index's arrays (Python id strings and matches not counted)."""
        return int(
            self._bands.nbytes + self._values.nbytes + self._sizes.nbytes + self._digests.nbytes + self._seqs.nbytes
        )

    def query(self, text: str) -> list[DuplicateMatch]:
        """Indexed articles that ``text`` copies, best first (nothing is added)."""
        return self.query_signature(self.signature(text))

    def query_signature(self, sig: Signature) -> list[DuplicateMatch]:
        """Like :meth:`query` for a precomputed signature."""
        self._check(sig)
        return self._query(sig, self._bands.band_keys(sig.values(), sig.digest))

    def _query(self, sig: Signature, keys: np.ndarray) -> list[DuplicateMatch]:
        near, exact = self._bands.candidates(keys)
        matches: list[tuple[bool, float, int, DuplicateMatch]] = []
        if sig.size:
            exact = {s for s in exact if self._sizes[s] and bytes(self._digests[s]).ljust(20, b"\0") == sig.digest}
            for slot in exact:
                aid = self._ids[slot]
                assert aid is not None
                matches.append((False, -1.0, int(self._seqs[slot]), DuplicateMatch(aid, 1.0, "exact")))
            rest = near - exact
            slots = np.fromiter(rest, dtype=np.intp, count=len(rest))
            # How many MinHash values each candidate shares with this text, all at once.
            agree = np.count_nonzero(self._values[slots] == sig.values(), axis=1)
            for slot, other_size, n in zip(slots.tolist(), self._sizes[slots].tolist(), agree.tolist()):
                aid = self._ids[slot]
                if aid is None or not other_size:
                    continue
                j = float(n) / self.num_perm
                if j >= self.threshold or self._contained(sig.size, other_size, j):
                    matches.append((True, -round(j, 4), int(self._seqs[slot]), DuplicateMatch(aid, round(j, 4), "near")))
        matches.sort(key=lambda m: m[:3])
        return [m[3] for m in matches]

    def _contained(self, a_size: int, b_size: int, j: float) -> bool:
        if j <= 0.0 or self.containment > 1.0:
            return False
        small, large = (a_size, b_size) if a_size <= b_size else (b_size, a_size)
        # Very short texts (a headline) are not copies of a long article by containment.
        if small < 20:
            return False
        inter = j * (small + large) / (1.0 + j)
        return inter / small >= self.containment

    # -- updates ------------------------------------------------------------------

    def add(self, article_id: str, text: str | None = None, *, signature: Signature | None = None) -> DuplicateMatch | None:
        """Index one article and say which earlier article it copies, if any.

        Give ``text``, or a ``signature`` stored earlier (to rebuild an index
        without recomputing). Adding an id a second time changes nothing and
        returns the answer of the first time.
        """
        if article_id in self._slot_of:
            return self._answers[self._slot_of[article_id]]
        if signature is None:
            if text is None:
                raise ValueError("give the article's text or its signature")
            signature = self.signature(text)
        return self._add_signature(article_id, signature)

    def add_many(self, items: Iterable[tuple[str, str]]) -> list[DuplicateMatch | None]:
        """Add ``(article_id, text)`` pairs in order; signatures are computed in bulk.

        Same answers as calling :meth:`add` one by one (a later item can copy an
        earlier item of the same batch).
        """
        pairs = list(items)
        sigs = self.signatures([text for _, text in pairs])
        return [
            self._answers[self._slot_of[aid]] if aid in self._slot_of else self._add_signature(aid, sig)
            for (aid, _), sig in zip(pairs, sigs)
        ]

    def _next_slot(self) -> int:
        cap = self._values.shape[0]
        if self.max_items is not None and len(self._slot_of) >= self.max_items:
            # Ring: the oldest article leaves.
            slot = int(self._counter % self.max_items)
            self._evict(slot)
            return slot
        slot = len(self._slot_of) if self.max_items is None else int(self._counter % self.max_items)
        if slot >= cap:
            new_cap = cap * 2 if self.max_items is None else min(cap * 2, self.max_items)
            new_cap = max(new_cap, slot + 1)
            self._bands.grow(new_cap)
            for name in ("_values", "_sizes", "_digests", "_seqs"):
                old = getattr(self, name)
                grown = np.zeros((new_cap, *old.shape[1:]), dtype=old.dtype)
                grown[:cap] = old
                setattr(self, name, grown)
            self._ids.extend([None] * (new_cap - cap))
            self._answers.extend([None] * (new_cap - cap))
        return slot

    def _add_signature(self, article_id: str, sig: Signature) -> DuplicateMatch | None:
        self._check(sig)
        keys = self._bands.band_keys(sig.values(), sig.digest)
        matches = self._query(sig, keys)
        best = matches[0] if matches else None
        slot = self._next_slot()
        self._values[slot] = sig.values()
        self._sizes[slot] = sig.size
        self._digests[slot] = sig.digest
        self._seqs[slot] = self._counter
        self._ids[slot] = article_id
        self._answers[slot] = best
        self._slot_of[article_id] = slot
        self._counter += 1
        if sig.size:
            self._bands.insert(slot, keys)
        return best

    def _evict(self, slot: int) -> None:
        old_id = self._ids[slot]
        if old_id is not None:
            self._slot_of.pop(old_id, None)
        self._ids[slot] = None
        self._answers[slot] = None
        self._sizes[slot] = 0
        self._bands.remove(slot)

    def get_signature(self, article_id: str) -> Signature | None:
        slot = self._slot_of.get(article_id)
        return self._signature_at(slot) if slot is not None else None

    def origin_of(self, article_id: str) -> str:
        """Follow copy links back to the first article of the chain."""
        seen = {article_id}
        current = article_id
        while True:
            slot = self._slot_of.get(current)
            match = self._answers[slot] if slot is not None else None
            if match is None or match.of in seen:
                return current
            current = match.of
            seen.add(current)


def syndication_groups(
    articles: Sequence[tuple[str, str, object]],
    *,
    num_perm: int = 128,
    shingle_size: int = 5,
    threshold: float = 0.5,
    seed: int = 1,
) -> list[SyndicationGroup]:
    """Groups of copies in an ad-hoc set of ``(article_id, text, published)``.

    The earliest copy (by ``published``: a datetime, an ISO string or ``None``;
    input order breaks ties and ranks unknown times last) is the origin. Only
    groups with at least two articles are returned, in order of their origin.
    """
    order = sorted(range(len(articles)), key=lambda i: (publication_key(articles[i][2]), i))
    index = DedupIndex(num_perm=num_perm, shingle_size=shingle_size, threshold=threshold, seed=seed)
    ids = [articles[i][0] for i in order]
    index.add_many((articles[i][0], articles[i][1]) for i in order)
    parent: dict[str, str] = {aid: aid for aid in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    rank = {aid: pos for pos, aid in enumerate(ids)}
    for aid in ids:
        sig = index.get_signature(aid)
        if sig is None:
            continue
        for match in index.query_signature(sig):
            if match.of == aid:
                continue
            ra, rb = find(aid), find(match.of)
            if ra != rb:
                # The root is always the earliest member: that is the origin.
                if rank[ra] < rank[rb]:
                    parent[rb] = ra
                else:
                    parent[ra] = rb
    members: dict[str, list[str]] = {}
    for aid in ids:
        members.setdefault(find(aid), []).append(aid)
    groups: list[SyndicationGroup] = []
    for root in ids:
        group = members.get(root)
        if not group or len(group) < 2:
            continue
        origin_sig = index.get_signature(root)
        assert origin_sig is not None
        sims = []
        for other in group[1:]:
            other_sig = index.get_signature(other)
            assert other_sig is not None
            sims.append(origin_sig.jaccard(other_sig))
        groups.append(SyndicationGroup(root, tuple(group[1:]), round(min(sims), 4)))
    return groups


__all__ = [
    "FORMAT_VERSION",
    "DedupIndex",
    "DuplicateMatch",
    "Signature",
    "SyndicationGroup",
    "content_digest",
    "publication_key",
    "syndication_groups",
]
