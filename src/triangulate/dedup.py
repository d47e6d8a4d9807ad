"""Exact and near-duplicate detection: wire stories reprinted by several outlets.

Two layers, cheapest first:

1. **Exact**: a SHA-1 digest of the normalised, lower-cased text. A reprint that
   only differs in spacing, quotes or case is caught by one dictionary lookup.
2. **Near**: MinHash signatures of word 5-gram shingles (datasketch, computed in
   bulk) in an LSH index. Candidates are verified with the estimated Jaccard
   similarity, or with the estimated containment of the shorter text in the
   longer one, so that a light rewrite (a changed lead, an added paragraph) or a
   trimmed copy still matches while a different story on the same topic does not.

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
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np
from datasketch import MinHash, MinHashLSH

from triangulate.errors import ConfigError
from triangulate.text import normalize, tokens

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

#: Version of the binary signature layout written by :meth:`Signature.to_bytes`.
FORMAT_VERSION = 1
_SCHEME = "affine32"
_SCHEME_CODES = {"affine32": 1}
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
            long stream uses bounded memory; ``None`` keeps everything.
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
        self.num_perm = num_perm
        self.shingle_size = shingle_size
        self.threshold = threshold
        self.containment = containment
        self.seed = seed
        self.max_items = max_items
        # Candidates are generated a little below the verification threshold so
        # that the LSH banding misses few true copies; verification decides.
        lsh_threshold = max(0.2, min(threshold, containment * 0.6) - 0.1)
        self._lsh = MinHashLSH(threshold=lsh_threshold, num_perm=num_perm)
        self._proto = MinHash(num_perm=num_perm, seed=seed, scheme=_SCHEME)
        self._signatures: OrderedDict[str, Signature] = OrderedDict()
        self._exact: dict[bytes, str] = {}
        self._results: dict[str, DuplicateMatch | None] = {}
        self._order: dict[str, int] = {}
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
            # Reuse the permutations (building them per text costs more than hashing it).
            m = MinHash(num_perm=self.num_perm, seed=self.seed, permutations=self._proto.permutations, scheme=_SCHEME)
            if shingles:
                m.update_batch(shingles)
            values = np.asarray(m.hashvalues, dtype="<u4").tobytes()
            out.append(
                Signature(self.num_perm, self.shingle_size, self.seed, len(shingles), digest, values, _SCHEME)
            )
        return out

    def _minhash(self, sig: Signature) -> MinHash:
        return MinHash(
            num_perm=self.num_perm,
            seed=self.seed,
            hashvalues=sig.values(),
            permutations=self._proto.permutations,
            scheme=_SCHEME,
        )

    def _check(self, sig: Signature) -> None:
        if sig.params != self.params:
            raise ConfigError(
                f"signature parameters {sig.params} differ from this index {self.params}; "
                "recompute it with DedupIndex.signature",
                code="E210",
            )

    # -- queries ----------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._signatures

    def query(self, text: str) -> list[DuplicateMatch]:
        """Indexed articles that ``text`` copies, best first (nothing is added)."""
        return self.query_signature(self.signature(text))

    def query_signature(self, sig: Signature) -> list[DuplicateMatch]:
        """Like :meth:`query` for a precomputed signature."""
        self._check(sig)
        matches: list[DuplicateMatch] = []
        exact_of = self._exact.get(sig.digest) if sig.size else None
        if exact_of is not None:
            matches.append(DuplicateMatch(exact_of, 1.0, "exact"))
        if sig.size == 0:
            return matches
        seen = {exact_of}
        for key in self._lsh.query(self._minhash(sig)):
            if key in seen:
                continue
            other = self._signatures.get(key)
            if other is None:
                continue
            j = sig.jaccard(other)
            if j >= self.threshold or self._contained(sig, other, j):
                kind: Literal["exact", "near"] = "exact" if sig.digest == other.digest else "near"
                matches.append(DuplicateMatch(key, round(j, 4), kind))
        matches.sort(key=lambda m: (m.kind != "exact", -m.similarity, self._order.get(m.of, 0)))
        return matches

    def _contained(self, a: Signature, b: Signature, j: float) -> bool:
        if j <= 0.0 or self.containment > 1.0:
            return False
        small, large = (a, b) if a.size <= b.size else (b, a)
        # Very short texts (a headline) are not copies of a long article by containment.
        if small.size < 20:
            return False
        inter = j * (small.size + large.size) / (1.0 + j)
        return inter / small.size >= self.containment

    # -- updates ------------------------------------------------------------------

    def add(self, article_id: str, text: str | None = None, *, signature: Signature | None = None) -> DuplicateMatch | None:
        """Index one article and say which earlier article it copies, if any.

        Give ``text``, or a ``signature`` stored earlier (to rebuild an index
        without recomputing). Adding an id a second time changes nothing and
        returns the answer of the first time.
        """
        if article_id in self._results:
            return self._results[article_id]
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
            self._results[aid] if aid in self._results else self._add_signature(aid, sig)
            for (aid, _), sig in zip(pairs, sigs)
        ]

    def _add_signature(self, article_id: str, sig: Signature) -> DuplicateMatch | None:
        matches = self.query_signature(sig)
        best = matches[0] if matches else None
        self._signatures[article_id] = sig
        self._order[article_id] = self._counter
        self._counter += 1
        self._results[article_id] = best
        if sig.size:
            self._exact.setdefault(sig.digest, article_id)
            self._lsh.insert(article_id, self._minhash(sig), check_duplication=False)
        if self.max_items is not None:
            while len(self._signatures) > self.max_items:
                self._evict()
        return best

    def _evict(self) -> None:
        old_id, old_sig = self._signatures.popitem(last=False)
        self._order.pop(old_id, None)
        self._results.pop(old_id, None)
        if self._exact.get(old_sig.digest) == old_id:
            del self._exact[old_sig.digest]
        if old_sig.size:
            self._lsh.remove(old_id)

    def get_signature(self, article_id: str) -> Signature | None:
        return self._signatures.get(article_id)

    def origin_of(self, article_id: str) -> str:
        """Follow copy links back to the first article of the chain."""
        seen = {article_id}
        current = article_id
        while True:
            match = self._results.get(current)
            if match is None or match.of in seen:
                return current
            current = match.of
            seen.add(current)


def publication_key(value: object) -> tuple[int, float, str]:
    """Sort key of a publication time: earlier first, unknown times last.

    A time known only by its day ("2025-10-15") sorts at the end of that day: it is
    not known to be earlier than a copy of the same day with a time of day.
    """
    if value is None or value == "":
        return (1, 0.0, "")
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            day = datetime.fromisoformat(value.strip())
        except ValueError:
            day = None
        if day is not None:
            return (0, day.timestamp() + 86399.999, "")
    if isinstance(value, datetime):
        try:
            return (0, value.timestamp(), "")
        except (OverflowError, OSError, ValueError):
            return (0, 0.0, value.isoformat())
    if isinstance(value, (int, float)):
        return (0, float(value), "")
    text = str(value)
    try:
        return (0, datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp(), "")
    except ValueError:
        return (0, 0.0, text)


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
