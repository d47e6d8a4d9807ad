"""Alignment: claims from different outlets that report the same thing become one fact.

Candidate pairs come from embedding cosine (a blocked matrix product, so a
story of N claims costs O(N^2) multiply-adds but only a few candidate pairs
reach the pair scorer). A candidate becomes an edge when the pair scorer says
the two claims state the same thing, or when both are direct quotes of the
same speaker whose words match (translations of one quote differ in wording
but not in meaning). Facts are grown from edges in descending score order;
a fact never takes more than two claims from one article, so a chain of
"same topic" links cannot glue a story's claims into one blob.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from triangulate.models import Claim
from triangulate.text import STOPWORDS, tokens

#: (texts_a, texts_b, vecs_a, vecs_b) -> probability per row-aligned pair.
PairScoreFn = Callable[[Sequence[str], Sequence[str], np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True, slots=True)
class AlignSettings:
    """Thresholds of the aligner (see docs/alignment.md)."""

    candidate_cosine: float = 0.5
    #: Fitted on STS-B train, news genre, "same fact" = gold >= 3.0: cosine >= 0.65
    #: gives F1 0.837; the pair model's probability alone 0.828 (at 0.372), either
    #: rule 0.828 (`python -m triangulate.align_fit`). So cosine decides; the pair
    #: model ranks edges, and can be made a second route with match_probability.
    match_cosine: float = 0.65
    match_probability: float | None = None
    quote_cosine: float = 0.62
    min_shared_words: int = 2
    max_claims_per_article: int = 2
    block_rows: int = 2048


@dataclass(frozen=True, slots=True)
class Edge:
    i: int
    j: int
    score: float
    via_quote: bool


def _content(text: str) -> set[str]:
    return {t for t in tokens(text) if t not in STOPWORDS and len(t) > 2}


def _names(claim: Claim) -> set[str]:
    return {w for d in claim.details if d.kind == "entity" for w in d.value.split()}


def same_speaker(a: Claim, b: Claim) -> bool:
    """True when both claims name the same speaker (by surname) or one names none."""
    if not a.speaker or not b.speaker:
        return True
    return a.speaker.split()[-1].lower() == b.speaker.split()[-1].lower()


def candidate_pairs(
    vecs: np.ndarray, groups: np.ndarray, threshold: float, *, block_rows: int = 2048
) -> list[tuple[int, int, float]]:
    """Pairs (i < j) from different ``groups`` whose cosine is at least ``threshold``.

    Works in row blocks so that memory stays O(block_rows x N), not O(N^2).
    """
    out: list[tuple[int, int, float]] = []
    n = vecs.shape[0]
    for start in range(0, n, block_rows):
        stop = min(n, start + block_rows)
        sims = vecs[start:stop] @ vecs.T
        rows, cols = np.nonzero(sims >= threshold)
        for r, c in zip(rows.tolist(), cols.tolist()):
            i = start + r
            if c > i and groups[i] != groups[c]:
                out.append((i, c, float(sims[r, c])))
    return out


def align(
    claims: Sequence[Claim],
    vecs: np.ndarray,
    quote_vecs: np.ndarray,
    *,
    article_index: Sequence[int],
    pair_score: PairScoreFn | None = None,
    settings: AlignSettings = AlignSettings(),
    all_pairs: bool = False,
) -> list[list[int]]:
    """Group claim indices into facts (each a list of indices from 2+ articles).

    ``quote_vecs`` holds the embedding of each claim's quoted words (zeros when
    the claim has no quote). With ``all_pairs`` every cross-article pair goes to
    the scorer (the naive baseline of the benchmark).
    """
    groups = np.asarray(article_index)
    if all_pairs:
        pairs = [
            (i, j, float(vecs[i] @ vecs[j]))
            for i in range(len(claims))
            for j in range(i + 1, len(claims))
            if groups[i] != groups[j]
        ]
    else:
        pairs = candidate_pairs(vecs, groups, settings.candidate_cosine, block_rows=settings.block_rows)
        pairs += _quote_candidates(claims, quote_vecs, groups, settings, {(i, j) for i, j, _ in pairs})
    edges = _score_edges(claims, vecs, quote_vecs, pairs, pair_score, settings)
    return _grow_facts(edges, groups, settings.max_claims_per_article)


def _quote_candidates(
    claims: Sequence[Claim],
    quote_vecs: np.ndarray,
    groups: np.ndarray,
    settings: AlignSettings,
    seen: set[tuple[int, int]],
) -> list[tuple[int, int, float]]:
    quoted = [i for i, c in enumerate(claims) if c.quote]
    if len(quoted) < 2:
        return []
    sub = quote_vecs[quoted]
    found = candidate_pairs(sub, groups[quoted], settings.quote_cosine, block_rows=settings.block_rows)
    out = []
    for a, b, s in found:
        i, j = quoted[a], quoted[b]
        if (i, j) not in seen:
            out.append((i, j, s))
    return out


def _score_edges(
    claims: Sequence[Claim],
    vecs: np.ndarray,
    quote_vecs: np.ndarray,
    pairs: list[tuple[int, int, float]],
    pair_score: PairScoreFn | None,
    settings: AlignSettings,
) -> list[Edge]:
    if not pairs:
        return []
    left = [p[0] for p in pairs]
    right = [p[1] for p in pairs]
    cos = np.einsum("ij,ij->i", vecs[left], vecs[right])
    if pair_score is not None:
        probs = pair_score([claims[i].text for i in left], [claims[j].text for j in right], vecs[left], vecs[right])
    else:
        probs = cos
    qcos = np.einsum("ij,ij->i", quote_vecs[left], quote_vecs[right])
    content = [_content(c.text) for c in claims]
    names = [_names(c) for c in claims]
    edges: list[Edge] = []
    for k, (i, j, _) in enumerate(pairs):
        a, b = claims[i], claims[j]
        shared = content[i] & content[j]
        shared_plain = shared - names[i] - names[j]
        via_quote = bool(
            a.quote and b.quote and same_speaker(a, b) and qcos[k] >= settings.quote_cosine
        )
        # Any match must share more than a name or a topic word: the guard against
        # "Gantz returns Friday" ~ "Gantz left Wednesday", and against two different
        # remarks of one speaker about one subject.
        lexical_ok = (len(shared) >= settings.min_shared_words and bool(shared_plain)) or cos[k] >= 0.9
        if not lexical_ok:
            continue
        if via_quote:
            edges.append(Edge(i, j, float(max(qcos[k], probs[k])), True))
        elif cos[k] >= settings.match_cosine or (
            settings.match_probability is not None and probs[k] >= settings.match_probability
        ):
            edges.append(Edge(i, j, float(probs[k]), False))
    edges.sort(key=lambda e: (-e.score, e.i, e.j))
    return edges


def _grow_facts(edges: Sequence[Edge], groups: np.ndarray, max_per_article: int) -> list[list[int]]:
    parent: dict[int, int] = {}
    members: dict[int, list[int]] = {}

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    for edge in edges:
        ri, rj = find(edge.i), find(edge.j)
        if ri == rj:
            continue
        mi = members.get(ri, [edge.i])
        mj = members.get(rj, [edge.j])
        counts: dict[int, int] = {}
        for m in mi + mj:
            counts[int(groups[m])] = counts.get(int(groups[m]), 0) + 1
        if max(counts.values()) > max_per_article:
            continue
        parent[rj] = ri
        members[ri] = mi + mj
        members.pop(rj, None)
    facts = []
    for root, items in members.items():
        if find(root) == root and len({int(groups[m]) for m in items}) >= 2:
            facts.append(sorted(items))
    facts.sort(key=lambda f: f[0])
    return facts
