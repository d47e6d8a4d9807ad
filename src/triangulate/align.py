"""Alignment: claims from different outlets that report the same thing become one fact.

Candidate pairs come from embedding cosine (a blocked matrix product, so a
story of N claims costs O(N^2) multiply-adds but only a few candidate pairs
reach the pair scorer). A candidate becomes an edge when the pair scorer says
the two claims state the same thing, or when both are direct quotes of the
same speaker whose words match (translations of one quote differ in wording
but not in meaning). Facts are grown from edges in descending score order;
a fact never takes more than two claims from one article, never holds two
claims that disagree on two kinds of detail (two events told in one template),
and two sets merge only when they match on average as well as one edge must,
so a chain of "same topic" links cannot glue a story's claims into one blob.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from triangulate.claims import TITLE_WORDS, is_weekday_of_date, person_key, same_person
from triangulate.models import Claim
from triangulate.text import STOPWORDS, tokens

#: (texts_a, texts_b, vecs_a, vecs_b) -> probability per row-aligned pair.
PairScoreFn = Callable[[Sequence[str], Sequence[str], np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True, slots=True)
class AlignSettings:
    """Thresholds of the aligner (see docs/compare.md)."""

    candidate_cosine: float = 0.5
    #: Fitted on STS-B train, news genre, "same fact" = gold >= 3.0: cosine >= 0.65
    #: gives F1 0.837; the pair model's probability alone 0.828 (at 0.372), either
    #: rule 0.828 (`python -m triangulate.align_fit`). So cosine decides; the pair
    #: model ranks edges, and can be made a second route with match_probability.
    match_cosine: float = 0.65
    match_probability: float | None = None
    quote_cosine: float = 0.62
    min_shared_words: int = 2
    #: Two claims that disagree on more than this many kinds of detail (names,
    #: figures, weekdays, dates, durations) report different events of one kind, not one
    #: fact told two ways: "Brandt said on Monday 34 were moved from Karwick" and
    #: "Okafor said on Tuesday 12 were moved from Venholt". One disagreement
    #: is a conflict; two or more, a different fact.
    max_disagreeing_kinds: int = 1
    max_claims_per_article: int = 2
    #: A fact's claims must match on average about as well as one edge: two sets
    #: merge only when the mean cosine of their cross-article pairs (quoted words
    #: for two quotes) is at least this. None turns the check off.
    min_mean_cosine: float | None = 0.65
    block_rows: int = 2048
    #: Each claim is scored against at most this many claims of each other article, its
    #: nearest (a pair stays when either end keeps it). None scores every pair over
    #: candidate_cosine, which grows with the square of an article's claims when it
    #: repeats one sentence shape.
    candidates_per_article: int | None = 10
    #: A story of more claims than this (about 150 articles) bounds each claim's candidates
    #: to its ``candidates_per_claim`` nearest distinct wordings of other articles, so that
    #: the pairs grow with the claims and not with claims x articles (a 500-article story
    #: otherwise scored tens of millions of pairs and held gigabytes of them).
    bounded_from_claims: int = 6000
    candidates_per_claim: int = 64
    #: Two versions that differ in a figure score a lower cosine than two that agree ("Police
    #: arrested 23 people" / "... 32 people" 0.62 against 0.77), so the very conflict a
    #: reader needs kept them apart. A pair from ``candidate_cosine`` up that gives a figure
    #: of one kind and unit differently, in two versions of one sentence (60% the same words
    #: but for the figures), is also compared with its figures written the same way
    #: (:func:`mask_figures`), and is an edge when that cosine reaches ``match_cosine``.
    #: False turns the route off.
    figure_blind_route: bool = True


_FIGURE_KINDS = frozenset({"number", "money", "percent", "duration", "time", "score", "date"})


def _figures(claim: Claim) -> dict[tuple[str, str], frozenset[str]]:
    """The claim's figures by (kind, unit); counts without a noun are left out."""
    out: dict[tuple[str, str], set[str]] = {}
    for d in claim.details:
        if d.kind in _FIGURE_KINDS and (d.unit or d.kind != "number"):
            out.setdefault((d.kind, d.unit), set()).add(d.value)
    return {key: frozenset(values) for key, values in out.items()}


def _content(text: str) -> set[str]:
    return {t for t in tokens(text) if t not in STOPWORDS and len(t) > 2}


def _names(claim: Claim) -> set[str]:
    return {w for d in claim.details if d.kind == "entity" for w in d.value.split()}


#: Detail kinds compared by the disagreement guard, each mapped to its group.
#: Figures compare by number alone ("34 residents" and "34 people" agree, "$1.2
#: million" and "1.2 million dollars" too); weekdays and dates are separate kinds
#: ("Monday" and "March 3" can both be true).
_SLOT_OF = {"entity": "names", "number": "figures", "money": "figures", "percent": "figures", "score": "figures",
            "date": "date", "weekday": "weekday", "duration": "duration", "time": "time"}  # fmt: skip
_SLOTS = ("names", "figures", "date", "weekday", "duration", "time")
#: Words of a name that say what someone is, not who: "Mayor Ilse Brandt" and
#: "Ilse Brandt" name one person.
_TITLE_WORDS = TITLE_WORDS


def _slot_values(claim: Claim) -> dict[str, set[str]]:
    values: dict[str, set[str]] = {}
    for d in claim.details:
        slot = _SLOT_OF.get(d.kind)
        if slot is None or d.unit == "quarter" or is_weekday_of_date(d):
            # A quarter names the period a figure covers, not when something happened: two
            # reports of one earnings release that differ on it and on the figures are one
            # fact with two conflicts, not two events. The weekday of a date the claim gives
            # is that date again, not a second kind of detail to disagree on.
            continue
        value = d.value.lower()
        if slot == "date" and d.unit == "date" and len(value) == 10:
            # "2026-03-09" (a year given, or "yesterday") is also the "March 9" of another
            # version, while "2010-09-10" and "2012-09-10" still disagree.
            values.setdefault(slot, set()).add(value[5:])
        if slot == "names":
            # "Porthaven's mayoral vote" names Porthaven.
            words = [w.removesuffix("'s").removesuffix("\u2019s") for w in value.split() if w not in _TITLE_WORDS]
        elif slot == "figures":
            words = value.split()[:1]
        else:
            words = [value]
        if words:
            values.setdefault(slot, set()).update(words)
    return values


def disagreeing_kinds(claims: Sequence[Claim], left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """For each pair, how many kinds of detail (names, figures, weekdays, dates,
    durations) the two claims disagree on: both state some, and each states one
    the other does not. "Washington" against "the US" is one such kind; adding
    a figure the other leaves out is none."""
    count = np.zeros(len(left), dtype=np.int64)
    if len(left) == 0:
        return count
    per_claim = [_slot_values(c) for c in claims]
    for slot in _SLOTS:
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for r, values in enumerate(per_claim):
            for v in values.get(slot, ()):
                rows.append(r)
                cols.append(vocab.setdefault(v, len(vocab)))
        if not rows:
            continue
        m = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(claims), len(vocab))
        )
        n = np.asarray(m.sum(axis=1)).ravel()
        shared = np.asarray(m[left].multiply(m[right]).sum(axis=1)).ravel()
        nl, nr = n[left], n[right]
        disagree = (nl > shared) & (nr > shared)
        if slot == "names":
            lists: dict[int, list[tuple[str, ...]]] = {}
            for k in np.nonzero(disagree)[0].tolist():
                a, b = int(left[k]), int(right[k])
                for i in (a, b):
                    if i not in lists:
                        lists[i] = _name_list(claims[i])
                disagree[k] = _names_disagree(lists[a], lists[b])
        count += disagree.astype(np.int64)
    return count


def _name_list(claim: Claim) -> list[tuple[str, ...]]:
    """A claim's names, each as its words without title words (the words of its names slot)."""
    names = (
        tuple(w.removesuffix("'s").removesuffix("\u2019s") for w in d.value.lower().split() if w not in _TITLE_WORDS)
        for d in claim.details
        if d.kind == "entity"
    )
    return [name for name in names if name]


def _names_disagree(a: Sequence[tuple[str, ...]], b: Sequence[tuple[str, ...]]) -> bool:
    """Whether each side names something the other does not. A full name is the person the
    other side names by fewer of its words ending in the same surname ("Chancellor Peter
    Lindqvist" / "Chancellor Lindqvist", "Ana Kovac" / "Prime Minister Kovac"): its other
    words are no name the other side lacks, so "Kovac ... Peter Lindqvist" against "Ana Kovac
    ... Lindqvist" agree on names ("Ana Kovac" against "Peter Kovac" does not)."""

    def extra(mine: Sequence[tuple[str, ...]], theirs: Sequence[tuple[str, ...]]) -> bool:
        their_words = {w for name in theirs for w in name}
        return any(
            bool(set(name) - their_words) and not any(o[-1] == name[-1] and set(o) < set(name) for o in theirs)
            for name in mine
        )

    return extra(a, b) and extra(b, a)


def same_speaker(a: Claim, b: Claim) -> bool:
    """True when both claims name the same speaker or one names none (:func:`same_person`)."""
    return not a.speaker or not b.speaker or same_person(a.speaker, b.speaker)


def candidate_pairs(
    vecs: np.ndarray,
    groups: np.ndarray,
    threshold: float,
    *,
    block_rows: int = 2048,
    per_group: int | None = None,
    per_row: int | None = None,
    columns: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i < j) from different ``groups`` whose cosine is at least ``threshold``.

    ``per_group``: keep a pair only when one of its claims is among the ``per_group``
    nearest claims of the other's article for the other (so the pairs grow with the
    number of claims, not with its square, when an article repeats one sentence shape).
    ``per_row`` (with ``per_group``): each row keeps at most this many of those, its
    nearest; ``columns`` (a boolean mask) limits the claims a row may pair with (one
    claim of each wording: the copies of a wording reach each other through it).

    Returns index arrays ``(i, j)`` and their cosines. Works in row blocks, so
    memory stays O(block_rows x N), not O(N^2).
    """
    groups = np.asarray(groups)
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    sims_out: list[np.ndarray] = []
    n = vecs.shape[0]
    members = {int(g): np.flatnonzero(groups == g) for g in np.unique(groups)} if per_group is not None else {}
    for start in range(0, n, block_rows):
        stop = min(n, start + block_rows)
        sims = vecs[start:stop] @ vecs.T
        mask = sims >= threshold
        mask &= groups[start:stop, None] != groups[None, :]
        if per_group is not None:
            mask &= _nearest_per_group(sims, members, per_group)
            if columns is not None:
                mask &= columns[None, :]
            if per_row is not None:
                mask &= _nearest_in_row(sims, mask, per_row)
            rows, cols = np.nonzero(mask)
            rows = rows + start
            keep = rows != cols
            lo, hi = np.minimum(rows, cols)[keep], np.maximum(rows, cols)[keep]
            left.append(lo)
            right.append(hi)
            sims_out.append(sims[rows[keep] - start, cols[keep]])
            continue
        mask &= np.arange(start, stop)[:, None] < np.arange(n)[None, :]
        rows, cols = np.nonzero(mask)
        left.append(rows + start)
        right.append(cols)
        sims_out.append(sims[rows, cols])
    if not left:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    lo_all, hi_all, cos_all = np.concatenate(left), np.concatenate(right), np.concatenate(sims_out)
    if per_group is not None and len(lo_all):
        # A pair kept from both of its ends comes twice: once is enough.
        _, first = np.unique(lo_all * n + hi_all, return_index=True)
        lo_all, hi_all, cos_all = lo_all[first], hi_all[first], cos_all[first]
    return lo_all, hi_all, cos_all


def _nearest_in_row(sims: np.ndarray, mask: np.ndarray, k: int) -> np.ndarray:
    """Mask of each row's ``k`` largest values among those ``mask`` allows."""
    if sims.shape[1] <= k:
        return mask
    masked = np.where(mask, sims, -np.inf)
    top = np.argpartition(-masked, k - 1, axis=1)[:, :k]
    keep = np.zeros(sims.shape, dtype=bool)
    keep[np.arange(sims.shape[0])[:, None], top] = True
    return keep


def _nearest_per_group(sims: np.ndarray, members: dict[int, np.ndarray], k: int) -> np.ndarray:
    """Mask of each row's ``k`` largest values within every group's columns."""
    keep = np.zeros(sims.shape, dtype=bool)
    rows = np.arange(sims.shape[0])[:, None]
    for cols in members.values():
        if len(cols) <= k:
            keep[:, cols] = True
            continue
        top = np.argpartition(-sims[:, cols], k - 1, axis=1)[:, :k]
        keep[rows, cols[top]] = True
    return keep


def align(
    claims: Sequence[Claim],
    vecs: np.ndarray,
    quote_vecs: np.ndarray,
    *,
    article_index: Sequence[int],
    pair_score: PairScoreFn | None = None,
    settings: AlignSettings = AlignSettings(),
    all_pairs: bool = False,
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> list[list[int]]:
    """Group claim indices into facts (each a list of indices from 2+ articles).

    ``quote_vecs`` holds the embedding of each claim's quoted words (zeros when
    the claim has no quote). With ``all_pairs`` every cross-article pair goes to
    the scorer (the naive baseline of the benchmark). ``embed`` (the embedder's
    ``encode``) turns on the figure-blind route of ``settings``.
    """
    groups = np.asarray(article_index)
    figure_blind = embed if settings.figure_blind_route else None
    if all_pairs:
        left, right, cos = candidate_pairs(vecs, groups, -2.0, block_rows=settings.block_rows)
    else:
        # With no probability or figure-blind route, nothing under match_cosine can become
        # an edge except through its quote: no need to score it.
        wider = settings.match_probability is not None or figure_blind is not None
        floor = settings.candidate_cosine if wider else settings.match_cosine
        bounded = len(claims) > settings.bounded_from_claims
        left, right, cos = candidate_pairs(
            vecs,
            groups,
            floor,
            block_rows=settings.block_rows,
            per_group=settings.candidates_per_article,
            per_row=settings.candidates_per_claim if bounded else None,
            columns=_first_of_each_text(claims) if bounded else None,
        )
        ql, qr = _quote_candidates(claims, quote_vecs, groups, settings)
        if len(ql):
            n = len(claims)
            keys = np.concatenate([left * n + right, ql * n + qr])
            cos = np.concatenate([cos, _row_dots(vecs, ql, qr)])
            keys, first = np.unique(keys, return_index=True)
            left, right, cos = keys // n, keys % n, cos[first]
    left, right = _score_edges(claims, vecs, quote_vecs, left, right, cos, pair_score, settings, figure_blind)
    return _grow_facts(claims, left, right, groups, settings, vecs, quote_vecs)


_FIGURE = re.compile(
    r"(?i)\b(?:\d[\d,.]*(?:st|nd|rd|th|%|p)?|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-\w+)?|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|hundred|thousand|dozen|million|billion)\b"
)


def mask_figures(text: str) -> str:
    """``text`` with every figure written as the same word, so that two versions that differ
    only in a figure read alike: "Police arrested 23 people" -> "Police arrested N people"."""
    return _FIGURE.sub("N", text)


def _same_words(a: list[str], b: list[str]) -> bool:
    """Whether two word lists are at least 60% the same words (difflib ratio)."""
    import difflib

    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.6


def _figure_blind_cosines(masked: dict[int, str], left: np.ndarray, right: np.ndarray, embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """The cosine of each pair of ``masked`` texts (each distinct text embedded once)."""
    texts = sorted({masked[i] for i in np.concatenate([left, right])})
    if not texts:
        return np.zeros(len(left), dtype=np.float32)
    row = {t: k for k, t in enumerate(texts)}
    vecs = np.asarray(embed(texts), dtype=np.float32)
    out: np.ndarray = np.einsum("ij,ij->i", vecs[[row[masked[i]] for i in left]], vecs[[row[masked[j]] for j in right]])
    return out


def _first_of_each_text(claims: Sequence[Claim]) -> np.ndarray:
    seen: set[str] = set()
    first = np.zeros(len(claims), dtype=bool)
    for k, claim in enumerate(claims):
        if claim.text not in seen:
            seen.add(claim.text)
            first[k] = True
    return first


def _quote_candidates(
    claims: Sequence[Claim], quote_vecs: np.ndarray, groups: np.ndarray, settings: AlignSettings
) -> tuple[np.ndarray, np.ndarray]:
    quoted = np.array([i for i, c in enumerate(claims) if c.quote], dtype=np.int64)
    if len(quoted) < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    bounded = len(claims) > settings.bounded_from_claims
    a, b, _ = candidate_pairs(
        quote_vecs[quoted],
        groups[quoted],
        settings.quote_cosine,
        block_rows=settings.block_rows,
        per_group=settings.candidates_per_article if bounded else None,
        per_row=settings.candidates_per_claim if bounded else None,
        columns=_first_of_each_text([claims[i] for i in quoted]) if bounded else None,
    )
    return quoted[a], quoted[b]


def _row_dots(vecs: np.ndarray, left: np.ndarray, right: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """``vecs[left[k]] . vecs[right[k]]`` for each k, a chunk at a time (no N x dim copies)."""
    out = np.zeros(len(left), dtype=np.float32)
    for start in range(0, len(left), chunk):
        stop = start + chunk
        out[start:stop] = np.einsum("ij,ij->i", vecs[left[start:stop]], vecs[right[start:stop]])
    return out


def _incidence(claims: Sequence[Claim]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Claim x word incidence of content words, and of content words that are not names."""
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    plain_rows: list[int] = []
    plain_cols: list[int] = []
    for r, claim in enumerate(claims):
        names = _names(claim)
        for word in _content(claim.text):
            c = vocab.setdefault(word, len(vocab))
            rows.append(r)
            cols.append(c)
            if word not in names:
                plain_rows.append(r)
                plain_cols.append(c)
    shape = (len(claims), max(1, len(vocab)))
    full = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=shape)
    plain = sparse.csr_matrix((np.ones(len(plain_rows), dtype=np.float32), (plain_rows, plain_cols)), shape=shape)
    return full, plain


def _distinct_wording_pairs(
    claims: Sequence[Claim], left: np.ndarray, right: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One representative pair per pair of distinct texts: ``(ul, ur, inverse)`` with
    ``(claims[ul[inverse[k]]].text, claims[ur[inverse[k]]].text)`` equal to the texts
    of pair ``k``."""
    text_id: dict[str, int] = {}
    first: list[int] = []
    ids = np.empty(len(claims), dtype=np.int64)
    for k, claim in enumerate(claims):
        tid = text_id.setdefault(claim.text, len(text_id))
        if tid == len(first):
            first.append(k)
        ids[k] = tid
    n = max(1, len(text_id))
    unique, inverse = np.unique(ids[left] * n + ids[right], return_inverse=True)
    rep = np.asarray(first, dtype=np.int64)
    return rep[unique // n], rep[unique % n], inverse.ravel()


def _pair_probabilities(
    claims: Sequence[Claim], vecs: np.ndarray, left: np.ndarray, right: np.ndarray, pair_score: PairScoreFn
) -> np.ndarray:
    """The pair model's probability for each pair, computed once per pair of distinct
    wordings (wire copies and repeated sentences make most pairs repeats)."""
    if len(left) == 0:
        return np.zeros(0, dtype=np.float32)
    ul, ur, inverse = _distinct_wording_pairs(claims, left, right)
    probs = np.asarray(pair_score([claims[i].text for i in ul], [claims[j].text for j in ur], vecs[ul], vecs[ur]))
    out: np.ndarray = probs[inverse]
    return out


def _score_edges(
    claims: Sequence[Claim],
    vecs: np.ndarray,
    quote_vecs: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    cos: np.ndarray,
    pair_score: PairScoreFn | None,
    settings: AlignSettings,
    figure_blind: Callable[[list[str]], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The accepted pairs, best first (ties in index order); ``cos`` holds each
    candidate pair's embedding cosine."""
    if len(left) == 0:
        return left, right
    # The word guards depend on the two texts only: computed once per pair of
    # distinct wordings (wire copies and repeated sentences make most pairs repeats).
    ul, ur, inverse = _distinct_wording_pairs(claims, left, right)
    full, plain = _incidence(claims)
    shared = np.asarray(full[ul].multiply(full[ur]).sum(axis=1)).ravel()[inverse]
    shared_plain = np.asarray(plain[ul].multiply(plain[ur]).sum(axis=1)).ravel()[inverse]
    # Any match must share more than a name or a topic word: the guard against
    # "Gantz returns Friday" ~ "Gantz left Wednesday", and against two different
    # remarks of one speaker about one subject.
    lexical_ok = ((shared >= settings.min_shared_words) & (shared_plain >= 1)) | (cos >= 0.9)
    disagree = disagreeing_kinds(claims, ul, ur)[inverse]
    keep = np.nonzero(lexical_ok & (disagree <= settings.max_disagreeing_kinds))[0]
    left, right, cos = left[keep], right[keep], cos[keep]
    has_quote = np.array([bool(c.quote) for c in claims])
    both_quoted = np.nonzero(has_quote[left] & has_quote[right])[0]
    qcos = np.zeros(len(left), dtype=np.float32)
    qcos[both_quoted] = _row_dots(quote_vecs, left[both_quoted], right[both_quoted])
    # Two quotes of one speaker: each speaker's name folded once, only quoted pairs compared.
    keys = [person_key(c.speaker) if c.speaker and c.quote else None for c in claims]
    same = np.ones(len(left), dtype=bool)
    for k in both_quoted.tolist():
        ka, kb = keys[left[k]], keys[right[k]]
        same[k] = ka is None or kb is None or same_person(ka, kb)
    via_quote = has_quote[left] & has_quote[right] & (qcos >= settings.quote_cosine) & same
    match = cos >= settings.match_cosine
    if figure_blind is not None:
        match |= _figure_blind_matches(claims, left, right, ~match & ~via_quote, figure_blind, settings.match_cosine)
    if settings.match_probability is None:
        # Only what is already an edge is ranked: the pair model scores no pair in vain.
        useful = np.nonzero(match | via_quote)[0]
        left, right, cos, qcos, via_quote, match = left[useful], right[useful], cos[useful], qcos[useful], via_quote[useful], match[useful]
    probs = _pair_probabilities(claims, vecs, left, right, pair_score) if pair_score is not None else cos
    if settings.match_probability is not None:
        match |= probs >= settings.match_probability
    accepted = np.nonzero(via_quote | match)[0]
    # A figure-blind edge keeps its own cosine (under the bar): every edge that passes on
    # its own is taken first.
    scores = np.where(via_quote, np.maximum(qcos, probs), probs)[accepted]
    left, right, via_quote = left[accepted], right[accepted], via_quote[accepted]
    order = np.lexsort((right, left, -scores))
    return left[order], right[order]


def _figure_blind_matches(
    claims: Sequence[Claim],
    left: np.ndarray,
    right: np.ndarray,
    candidates: np.ndarray,
    embed: Callable[[list[str]], np.ndarray],
    bar: float,
) -> np.ndarray:
    """Which ``candidates`` (a mask of pairs under the bar) match once their figures are masked.

    Only pairs where both claims give a figure of one kind and unit, differently ("23 people"
    / "32 people": what could be a conflict, not figures of two things), in two versions of
    one sentence (at least 60% the same words but for the figures: paraphrases that also
    differ in a figure are mostly figures of two things, "10 points in the first minutes" /
    "2,129 points in his career").
    """
    out = np.zeros(len(left), dtype=bool)
    figures = [_figures(c) for c in claims]
    # Each claim's text masked and split once, however many pairs it is in.
    masked: dict[int, tuple[str, list[str]]] = {}

    def masked_of(i: int) -> tuple[str, list[str]]:
        if i not in masked:
            text = mask_figures(claims[i].text)
            masked[i] = (text, tokens(text))
        return masked[i]

    again = [
        k
        for k in np.nonzero(candidates)[0]
        if any(figures[right[k]].get(key, values) != values for key, values in figures[left[k]].items() if key in figures[right[k]])
        and _same_words(masked_of(left[k])[1], masked_of(right[k])[1])
    ]
    if again:
        picked = np.asarray(again, dtype=np.int64)
        texts = {i: text for i, (text, _) in masked.items()}
        out[picked] = _figure_blind_cosines(texts, left[picked], right[picked], embed) >= bar
    return out


def _grow_facts(
    claims: Sequence[Claim],
    left: np.ndarray,
    right: np.ndarray,
    groups: np.ndarray,
    settings: AlignSettings,
    vecs: np.ndarray | None = None,
    quote_vecs: np.ndarray | None = None,
) -> list[list[int]]:
    """Union the accepted pairs, best first, into facts.

    A merge is refused when it would give a fact more than
    ``max_claims_per_article`` claims of one article, or put together two claims
    that disagree on more than ``max_disagreeing_kinds`` kinds of detail (a
    chain A~B~C must not join A and C when they report different events).
    Both limits only tighten as sets grow, so a refused pair of sets is
    remembered and never checked again.
    """
    parent: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    per_article: dict[int, dict[int, int]] = {}
    slots: dict[int, dict[str, set[str]]] = {}
    name_lists: dict[int, list[tuple[str, ...]]] = {}
    refused: set[tuple[int, int]] = set()
    limit = settings.max_claims_per_article

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def values(k: int) -> dict[str, set[str]]:
        got = slots.get(k)
        if got is None:
            got = slots[k] = _slot_values(claims[k])
        return got

    def name_list(k: int) -> list[tuple[str, ...]]:
        got = name_lists.get(k)
        if got is None:
            got = name_lists[k] = _name_list(claims[k])
        return got

    def compatible(xs: list[int], ys: list[int]) -> bool:
        for x in xs:
            vx = values(x)
            for y in ys:
                if groups[x] == groups[y]:
                    if claims[x].quote and claims[y].quote and not same_speaker(claims[x], claims[y]):
                        return False  # one source quoting two people: two remarks, however alike
                    continue
                vy = values(y)
                disagree = 0
                for slot, a in vx.items():
                    b = vy.get(slot)
                    if b and not a <= b and not b <= a and (slot != "names" or _names_disagree(name_list(x), name_list(y))):
                        disagree += 1
                if disagree > settings.max_disagreeing_kinds:
                    return False
        return True

    quoted = np.array([bool(c.quote) for c in claims])

    def cohesive(xs: list[int], ys: list[int]) -> bool:
        """On average, the claims of the two sets match as well as one edge must
        (each pair by its sentences, or by its quoted words when both quote):
        a chain of topic-sharing links does not make one fact."""
        if vecs is None or settings.min_mean_cosine is None:
            return True
        if len(xs) == 1 and len(ys) == 1:
            return True  # the edge itself
        sims = vecs[xs] @ vecs[ys].T
        if quote_vecs is not None:
            both = quoted[xs][:, None] & quoted[ys][None, :]
            if both.any():
                sims = np.where(both, np.maximum(sims, quote_vecs[xs] @ quote_vecs[ys].T), sims)
        other = groups[xs][:, None] != groups[ys][None, :]
        return bool(other.any()) and float(sims[other].mean()) >= settings.min_mean_cosine

    for i, j in zip(left.tolist(), right.tolist()):
        ri, rj = find(i), find(j)
        if ri == rj or (min(ri, rj), max(ri, rj)) in refused:
            continue
        ci = per_article.get(ri) or {int(groups[i]): 1}
        cj = per_article.get(rj) or {int(groups[j]): 1}
        small, big = (ci, cj) if len(ci) <= len(cj) else (cj, ci)
        mi, mj = members.get(ri, [i]), members.get(rj, [j])
        if (
            any(n + big.get(g, 0) > limit for g, n in small.items())
            or not compatible(mi, mj)
            or not cohesive(mi, mj)
        ):
            refused.add((min(ri, rj), max(ri, rj)))
            continue
        merged = dict(big)
        for g, n in small.items():
            merged[g] = merged.get(g, 0) + n
        parent[rj] = ri
        members[ri] = mi + mj
        members.pop(rj, None)
        per_article[ri] = merged
        per_article.pop(rj, None)
    facts = [sorted(items) for root, items in members.items() if len(per_article[root]) >= 2]
    facts.sort(key=lambda f: f[0])
    return facts
