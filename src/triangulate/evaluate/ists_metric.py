"""The iSTS token-level alignment F1 (a re-implementation of the task's ``evalF1.pl``).

Our reading of the official scorer (SemEval iSTS 2015/2016, after Melamed 1998):

1. Every chunk alignment ``ids1 <==> ids2`` becomes token:token links, the cross
   product of its two chunks' tokens. Alignments with an empty side (NOALI,
   ALIC: ``0`` in the file) produce no link. Punctuation tokens - a token that is
   exactly one of ``. , : ' ` ? ; " -`` in the gold headline line - are dropped
   from both gold and system links. A link seen twice keeps its last types.
2. Each link ``t1:t2`` weighs ``1 / max(fanout(t1), fanout(t2))``, where
   ``fanout(t1)`` is the number of links leaving ``t1`` in that same alignment
   set (Melamed's eq. 4). Gold links are weighted with gold fan-outs, system
   links with system fan-outs.
3. Precision = sum over system links that also exist in gold of their (system)
   weight, divided by the summed weights of all system links; recall is the same
   with the roles swapped (gold weights). Sums run over all pairs at once, not
   averaged per pair. F1 = harmonic mean.
4. ``mode="type"``: a shared link counts its weight times the Jaccard overlap of
   the two type sets, each type string split at ``_`` and lower-cased (gold
   ``SPE1_FACT`` against system ``SPE1`` counts 1/2). ``mode="ali"`` ignores types.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

_PUNCT = re.compile(r"^[.,:'`?;\"-]$")

#: One chunk alignment: (token ids of side 1, token ids of side 2, type string such as "SPE1_FACT").
Alignment = tuple[Sequence[int], Sequence[int], str]


@dataclass(frozen=True, slots=True)
class _Links:
    """Token links of one pair: ``types[(t1, t2)]`` and the fan-outs of each token."""

    types: dict[tuple[int, int], frozenset[str]]
    out1: dict[int, int]
    out2: dict[int, int]

    def weight(self, link: tuple[int, int]) -> float:
        return 1.0 / max(self.out1[link[0]], self.out2[link[1]])


def _links(alignments: Iterable[Alignment], tokens1: Sequence[str], tokens2: Sequence[str]) -> _Links:
    types: dict[tuple[int, int], frozenset[str]] = {}

    def keep(ids: Sequence[int], toks: Sequence[str]) -> list[int]:
        return [i for i in ids if not (0 < i <= len(toks) and _PUNCT.match(toks[i - 1]))]

    for ids1, ids2, type_str in alignments:
        if not ids1 or not ids2 or ids1[0] == 0 or ids2[0] == 0:
            continue
        tagset = frozenset(t.lower() for t in type_str.split("_") if t)
        for t1 in keep(ids1, tokens1):
            for t2 in keep(ids2, tokens2):
                types[(t1, t2)] = tagset
    out1: dict[int, int] = {}
    out2: dict[int, int] = {}
    for t1, t2 in types:
        out1[t1] = out1.get(t1, 0) + 1
        out2[t2] = out2.get(t2, 0) + 1
    return _Links(types, out1, out2)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 1.0


def _overlap(a: _Links, b: _Links, mode: str) -> float:
    total = 0.0
    for link, tags in a.types.items():
        other = b.types.get(link)
        if other is None:
            continue
        total += a.weight(link) * (_jaccard(tags, other) if mode == "type" else 1.0)
    return total


def _mass(a: _Links) -> float:
    return sum(a.weight(link) for link in a.types)


@dataclass(frozen=True, slots=True)
class IstsScore:
    precision: float
    recall: float
    f1: float


def ists_f1(
    gold: Mapping[str, Sequence[Alignment]],
    system: Mapping[str, Sequence[Alignment]],
    tokens: Mapping[str, tuple[Sequence[str], Sequence[str]]],
    *,
    mode: str = "ali",
) -> IstsScore:
    """Token-level F1 of ``system`` against ``gold`` alignments, per pair id.

    Args:
        gold: pair id -> gold chunk alignments.
        system: pair id -> system chunk alignments (pairs missing here count as empty).
        tokens: pair id -> (gold tokens of headline 1, of headline 2), for the punctuation rule.
        mode: ``"ali"`` (types ignored) or ``"type"`` (types must match, Jaccard of tag sets).
    """
    if mode not in ("ali", "type"):
        raise ValueError(f"mode must be 'ali' or 'type', not {mode!r}")
    sys_mass = gold_mass = sys_overlap = gold_overlap = 0.0
    for pid in set(gold) | set(system):
        toks1, toks2 = tokens.get(pid, ((), ()))
        g = _links(gold.get(pid, ()), toks1, toks2)
        s = _links(system.get(pid, ()), toks1, toks2)
        sys_mass += _mass(s)
        gold_mass += _mass(g)
        if pid in gold and pid in system:
            sys_overlap += _overlap(s, g, mode)
            gold_overlap += _overlap(g, s, mode)
    precision = sys_overlap / sys_mass if sys_mass else 0.0
    recall = gold_overlap / gold_mass if gold_mass else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return IstsScore(precision, recall, f1)
