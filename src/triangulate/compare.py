"""``compare``: triangulate one story from several articles.

read -> clean -> syndication -> claims -> embed -> align -> facts, conflicts,
single-source claims -> summary -> :class:`~triangulate.models.Report`.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import IO

import numpy as np

from triangulate.align import AlignSettings, PairScoreFn, align, same_speaker
from triangulate.claims import extract_claims, is_weekday_of_date
from triangulate.conflicts import find_conflicts
from triangulate.dedup import publication_key
from triangulate.embed import DEFAULT_MODEL, Embedder, load_embedder
from triangulate.errors import InputError
from triangulate.models import (
    Article,
    Claim,
    Conflict,
    Detail,
    Fact,
    RawDocument,
    Report,
    SingleSource,
    Skipped,
    SourceRef,
    Syndication,
    stable_id,
)
from triangulate.summarize import summarize
from triangulate.text import STOPWORDS, containment, jaccard, looks_english, shingles, tokens

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

Input = str | os.PathLike[str] | RawDocument | Article
#: Called with (stage, done, total) while compare works.
Progress = Callable[[str, int, int], None]

#: Above this many articles compare refuses unless ``max_articles`` is raised:
#: a story is a handful to a few hundred reports, not a corpus.
DEFAULT_MAX_ARTICLES = 1000


@dataclass(frozen=True, slots=True)
class CompareSettings:
    """Settings of one compare run; every field is documented in docs/compare.md."""

    align: AlignSettings = field(default_factory=AlignSettings)
    syndication_jaccard: float = 0.5
    split_clauses: bool = True
    max_summary_sentences: int = 5
    max_articles: int = DEFAULT_MAX_ARTICLES
    use_pair_model: bool = True
    all_pairs: bool = False
    #: A single-source claim names the closest wording of another source from this cosine
    #: up (None: never); see docs/compare.md, "Single-source claims".
    nearest_cosine: float | None = 0.6


def compare(
    inputs: Iterable[Input] | Input,
    *,
    source: str | None = None,
    stdin: IO[bytes] | None = None,
    embedder: Embedder | None = None,
    pair_score: PairScoreFn | None = None,
    settings: CompareSettings | None = None,
    progress: Progress | None = None,
) -> Report:
    """Triangulate the articles in ``inputs`` (paths, ``"-"``, RawDocuments or Articles).

    Args:
        inputs: files (txt, html, md, json, jsonl), ``"-"`` for JSONL on ``stdin``,
            :class:`RawDocument` or already-cleaned :class:`Article` objects: a list
            of them, or one (a path given as a string is one input).
        source: outlet name for inputs that name none (no ``source``, no URL).
        embedder: a loaded embedder (default: the packaged MiniLM).
        pair_score: a pair scorer (default: the shipped :class:`PairScorer`).
        settings: thresholds and limits.
        progress: optional callback ``(stage, done, total)``.

    Returns:
        A :class:`Report`.

    Raises:
        InputError: when no input is a readable article, or there are too many.
        TypeError: an input is none of those.

    Example:
        >>> report = compare(["examples/harbour-fire/*.txt"])  # doctest: +SKIP
    """
    settings = settings or CompareSettings()
    articles, skipped = _once_each(*load_articles(inputs, source=source, stdin=stdin))
    if not articles:
        reasons = "; ".join(f"{s.origin}: {s.reason} ({s.detail})" for s in skipped) or "no inputs given"
        raise InputError(f"no readable article among the inputs ({reasons})", code="E101")
    if len(articles) > settings.max_articles:
        raise InputError(
            f"{len(articles)} articles is more than one story's max_articles={settings.max_articles}; "
            "raise it with --max-articles, or ingest them into a corpus (`triangulate ingest`) "
            "to have them grouped into stories first",
            code="E102",
        )
    if embedder is None and 2 <= len(articles) <= MAX_EVENT_CHECK:
        embedder = load_embedder()
    report = compare_articles(
        articles, skipped=skipped, embedder=embedder, pair_score=pair_score, settings=settings, progress=progress
    )
    return with_events_warning(report, articles, embedder=embedder)


def with_events_warning(report: Report, articles: Sequence[Article], *, embedder: Embedder | None) -> Report:
    """``report`` with the warning of :func:`separate_events` first among its warnings (and
    logged) when ``articles``, given as one story, read like several events. Checked for 2 to
    :data:`MAX_EVENT_CHECK` articles with the default model (the story-pair weights are its)."""
    if not 2 <= len(articles) <= MAX_EVENT_CHECK or getattr(embedder, "name", None) != DEFAULT_MODEL:
        return report
    warning = several_events_warning(articles, separate_events(articles, embedder=embedder))
    if warning is None:
        return report
    log.warning("%s", warning, extra=REPORT_WARNING)
    return replace(report, warnings=(warning, *report.warnings))


#: Marks a logged warning that the report carries too (``Report.warnings``): a program that
#: shows the report can leave the log record out (``record.report_warning``).
REPORT_WARNING = {"report_warning": True}


#: Below this story similarity (average link) two groups of inputs read as different
#: events: 0.5 is where SemEval-2022 Task 8's raters move from "similar" to "dissimilar"
#: (Overall 2.5 on 1-4; the similarity is (4 - Overall) / 3). On its held-out English pairs, 57 of the
#: 59 pairs scored under 0.5 were rated dissimilar (docs/compare.md).
EVENT_SIMILARITY = 0.5
#: The check scores every pair of inputs: larger inputs are not checked.
MAX_EVENT_CHECK = 60


def separate_events(articles: Sequence[Article], *, embedder: Embedder | None = None) -> list[list[int]]:
    """Indices of ``articles`` grouped by the event they report, as the story similarity
    sees it (average link at :data:`EVENT_SIMILARITY`); one group when they are one event."""
    import itertools

    from scipy.cluster.hierarchy import fcluster, linkage

    from triangulate.cluster import StorySimilarity

    if len(articles) < 2:
        return [list(range(len(articles)))]
    pairs = list(itertools.combinations(range(len(articles)), 2))
    similarity = StorySimilarity(embedder=embedder).score([(articles[i], articles[j]) for i, j in pairs])
    labels = fcluster(linkage(1.0 - np.asarray(similarity, dtype=np.float64), method="average"), 1.0 - EVENT_SIMILARITY, criterion="distance")
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    return sorted(groups.values())


def several_events_warning(articles: Sequence[Article], groups: Sequence[Sequence[int]]) -> str | None:
    """The warning for ``articles`` grouped as ``groups`` by :func:`separate_events` (None for one group)."""
    if len(groups) < 2:
        return None
    shown = "; ".join(f"[{n}] " + ", ".join(articles[i].outlet for i in group) for n, group in enumerate(groups, 1))
    return (
        f"these {len(articles)} articles read like {len(groups)} different events ({shown}); the report compares "
        "them as one story. `triangulate ingest` and `triangulate stories` group articles by event"
    )


def load_articles(
    inputs: Iterable[Input] | Input, *, source: str | None = None, stdin: IO[bytes] | None = None
) -> tuple[list[Article], list[Skipped]]:
    """Read and clean ``inputs``; bad items become :class:`Skipped` records."""
    from triangulate.clean import clean
    from triangulate.readers import read_inputs

    articles: list[Article] = []
    skipped: list[Skipped] = []
    paths: list[str] = []
    raws: list[RawDocument] = []
    if isinstance(inputs, (str, os.PathLike, Article, RawDocument)):
        inputs = [inputs]  # one input, not the letters of a path
    elif isinstance(inputs, (bytes, bytearray)):
        raise TypeError("compare takes paths, '-', RawDocuments or Articles (a list, or one of them), not bytes")
    for item in inputs:
        if isinstance(item, Article):
            articles.append(item)
        elif isinstance(item, RawDocument):
            raws.append(item)
        elif isinstance(item, (str, os.PathLike)):
            paths.append(os.fspath(item) if not isinstance(item, str) else item)
        else:
            raise TypeError(f"compare takes paths, '-', RawDocuments or Articles, not {type(item).__name__}: {item!r:.80}")
    if paths:
        for got in read_inputs(paths, source=source, stdin=stdin):
            if isinstance(got, Skipped):
                skipped.append(got)
            else:
                raws.append(got)
    given = {a.id: a for a in articles}
    for raw in raws:
        cleaned = clean(raw, fallback_source=source)
        if isinstance(cleaned, Skipped):
            skipped.append(cleaned)
        elif not cleaned.paragraphs:
            skipped.append(Skipped(raw.origin, "no_text", "nothing left after removing boilerplate", "clean"))
        else:
            seen = given.get(cleaned.id)
            if seen is not None and not _same_article(seen, cleaned):
                # Two records with one URL and one content but different outlets: two articles.
                cleaned = replace(cleaned, id=stable_id(cleaned.id, cleaned.outlet, str(len(articles))))
            given.setdefault(cleaned.id, cleaned)
            articles.append(cleaned)
    return articles, skipped


def _same_article(a: Article, b: Article) -> bool:
    """Whether two articles with one id are one article given twice."""
    return (a.outlet, a.title, a.paragraphs) == (b.outlet, b.title, b.paragraphs)


def _once_each(articles: Sequence[Article], skipped: Sequence[Skipped]) -> tuple[list[Article], list[Skipped]]:
    """``articles`` with an article given again left out (and listed as a skip)."""
    first: dict[str, Article] = {}
    out: list[Article] = []
    skips = list(skipped)
    for article in articles:
        if not isinstance(article, Article):
            raise TypeError(f"compare_articles takes Articles (compare reads paths and RawDocuments), not {type(article).__name__}")
        seen = first.get(article.id)
        if seen is None:
            first[article.id] = article
            out.append(article)
        elif _same_article(seen, article):
            skips.append(Skipped(article.origin or article.id, "duplicate_input", f"the same article as {seen.origin or seen.id} given again", "read"))
        else:
            raise InputError(f"two different articles share the id {article.id!r} ({seen.outlet}, {article.outlet}); ids must be unique", code="E103")
    return out, skips


def _one_source_per_outlet(articles: Sequence[Article], group_of: dict[str, int], outlet_of: dict[str, str]) -> dict[str, int]:
    """``group_of`` with the groups of one outlet's articles joined, each joined group named
    by its lowest number. The groups are joined as sets (union-find): two outlets whose
    articles fall into crossing groups (X's in 1 and 2, Y's in 2 and 1) make one group, not
    a cycle."""
    parent: dict[int, int] = {}

    def root(g: int) -> int:
        top = g
        while parent.get(top, top) != top:
            top = parent[top]
        while parent.get(g, g) != top:  # shorten the path for the next lookups
            parent[g], g = top, parent[g]
        return top

    first_group: dict[str, int] = {}
    for article in articles:
        outlet = outlet_of.get(article.id, article.outlet)
        group = group_of[article.id]
        a, b = root(first_group.setdefault(outlet, group)), root(group)
        if a != b:
            low, high = min(a, b), max(a, b)
            parent[high] = low
    return {aid: root(g) for aid, g in group_of.items()}


def _unique_outlet_labels(articles: list[Article]) -> list[Article]:
    """Two articles of one outlet stay apart in the report: 'outlet', 'outlet (2)'."""

    counts: dict[str, int] = {}
    out = []
    for article in articles:
        counts[article.outlet] = counts.get(article.outlet, 0) + 1
        n = counts[article.outlet]
        out.append(article if n == 1 else replace(article, outlet=f"{article.outlet} ({n})"))
    return out


def compare_articles(
    articles: Sequence[Article],
    *,
    skipped: Sequence[Skipped] = (),
    embedder: Embedder | None = None,
    pair_score: PairScoreFn | None = None,
    settings: CompareSettings | None = None,
    progress: Progress | None = None,
) -> Report:
    """The compare pipeline over cleaned articles.

    An article given twice (the same id and text) is compared once; the second is a
    ``duplicate_input`` skip.

    Raises:
        InputError: two different articles share an id (``[E103]``).
    """
    settings = settings or CompareSettings()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    articles, skipped = _once_each(articles, skipped)
    # Two articles of one outlet stay apart in the report ("Outlet", "Outlet (2)") but are
    # one independent source: an outlet does not corroborate itself.
    outlet_of = {a.id: a.outlet for a in articles}
    articles = _unique_outlet_labels(list(articles))
    sources = tuple(
        SourceRef(
            number=i + 1,
            outlet=a.outlet,
            article_id=a.id,
            title=a.title,
            url=a.url,
            published=a.published,
            origin=a.origin,
        )
        for i, a in enumerate(articles)
    )
    number_of = {s.article_id: s.number for s in sources}
    foreign = [a.outlet for a in articles if not looks_english(f"{a.title}\n{a.text}")]
    warnings: list[str] = []
    if foreign and getattr(embedder, "name", None) in (None, DEFAULT_MODEL):
        warnings.append(
            f"not English, it seems: {', '.join(foreign)}; the default model and the claim rules are English-only, so "
            "what they share with the others goes unseen (a multilingual model: --model st:NAME; speakers and details "
            "stay English)"
        )
        log.warning("%s", warnings[-1], extra=REPORT_WARNING)
    copied_from, syndication = syndication_groups(articles, settings)
    group_of = _one_source_per_outlet(articles, copied_from, outlet_of)
    claims: list[Claim] = []
    for done, article in enumerate(articles, 1):
        claims.extend(extract_claims(article, split_clauses=settings.split_clauses))
        if progress:
            progress("claims", done, len(articles))
    timings["claims"] = time.perf_counter() - started

    t0 = time.perf_counter()
    if embedder is None:
        embedder = load_embedder()
    vecs, quote_vecs = _embed_claims(embedder, claims)
    timings["embed"] = time.perf_counter() - t0
    if progress:
        progress("embed", len(claims), len(claims))

    t0 = time.perf_counter()
    if pair_score is None and settings.use_pair_model:
        pair_score = _default_pair_score()
    article_pos = {a.id: i for i, a in enumerate(articles)}
    groups = [article_pos[c.article_id] for c in claims]
    fact_sets = align(
        claims,
        vecs,
        quote_vecs,
        article_index=groups,
        pair_score=pair_score,
        settings=settings.align,
        all_pairs=settings.all_pairs,
        embed=embedder.encode,
    )
    timings["align"] = time.perf_counter() - t0

    facts, aligned_single = _build_facts(claims, fact_sets, group_of, vecs)
    conflicts: list[Conflict] = []
    # Each conflict is shown with the first versions that disagree: an origin's
    # version before its reprints', so a wire story's conflict names the wire.
    reprint = {a.id for i, a in enumerate(articles) if copied_from[a.id] != i}
    for fact in facts:
        origins_first = tuple(sorted(fact.claims, key=lambda c: c.article_id in reprint))
        conflicts.extend(find_conflicts(replace(fact, claims=origins_first), independent=group_of))
    # Changes within one source: aligned claims that only it gives, and its own versions
    # inside a fact that other sources share (a reprint's changed figure stays visible when
    # an independent outlet reports the fact too).
    index_of = {c.id: i for i, c in enumerate(claims)}
    same_source_sets: list[list[int]] = [list(m) for m in aligned_single]
    for fact in facts:
        by_group: dict[int, list[int]] = {}
        for c in fact.claims:
            by_group.setdefault(group_of[c.article_id], []).append(index_of[c.id])
        same_source_sets.extend(members for members in by_group.values() if len({claims[i].article_id for i in members}) > 1)
    conflicts.extend(_changes_within_a_source(claims, same_source_sets, reprint, copied_from))
    # Which copy of a wire story comes first: the earliest published, then the first given.
    first_copy = {a.id: (publication_key(a.published), i) for i, a in enumerate(articles)}
    single = _single_source(claims, facts, aligned_single, group_of, articles, first_copy, conflicts)
    if settings.nearest_cosine is not None:
        t0 = time.perf_counter()
        single = _closest_elsewhere(single, claims, index_of, vecs, group_of, settings.nearest_cosine, first_copy)
        timings["nearest"] = time.perf_counter() - t0
    summary = summarize(
        facts, conflicts, articles, claims, number_of, max_sentences=settings.max_summary_sentences, group_of=group_of
    )
    timings["total"] = time.perf_counter() - started
    title = _story_title(articles)
    return Report(
        sources=sources,
        articles=tuple(articles),
        facts=tuple(facts),
        single_source=tuple(single),
        conflicts=tuple(conflicts),
        summary=tuple(summary),
        syndication=tuple(syndication),
        skipped=tuple(skipped),
        claims=tuple(claims),
        title=title,
        warnings=tuple(warnings),
        settings={"model": getattr(embedder, "name", "custom"), "timings": timings, **_settings_dict(settings)},
    )


def _settings_dict(settings: CompareSettings) -> dict[str, object]:
    data = asdict(settings)
    return {"align": data.pop("align"), **data}


def _story_title(articles: Sequence[Article]) -> str:
    """The headline that shares most words with the other headlines (the story as most
    outlets put it, not one outlet's angle); a headline in capitals only ("NORDVIK AXES 2,000
    JOBS") when every one is; the shorter of two equally shared."""
    titled = list(dict.fromkeys(a.title for a in articles if a.title))
    if not titled:
        return "Untitled story"
    words = [{w for w in tokens(t) if w not in STOPWORDS} for t in titled]

    def rank(i: int) -> tuple[bool, int, int]:
        shared = sum(len(words[i] & other) for j, other in enumerate(words) if j != i)
        shouting = titled[i].isupper() and any(not t.isupper() for t in titled)
        return shouting, -shared, len(titled[i])

    chosen = titled[min(range(len(titled)), key=rank)]
    title = _LABEL.sub("", chosen) or chosen
    return title[:1].upper() + title[1:]


#: A label before a headline, no part of the story's title: "LIVE: ...", "Breaking - ...".
#: The dash of a label stands apart ("Breaking - ...") or after its number ("UPDATE 2-..."):
#: "Live-fire exercise" and "Opinion-poll lead" are words.
_LABEL = re.compile(
    r"^(?:live|breaking|update|updated|watch|exclusive|opinion|analysis|explainer)(?:\s+\d+)?"
    r"(?:\s*[:|]|\s+[\-\u2013\u2014]|(?<=\d)-)\s*",
    re.IGNORECASE,
)


def _default_pair_score() -> PairScoreFn | None:
    try:
        from triangulate.similarity import PairScorer
    except ImportError:  # pragma: no cover - the module ships with the package
        return None
    from triangulate.errors import ModelError

    try:
        scorer = PairScorer.load()
    except ModelError as exc:
        log.warning("pair model unavailable, aligning on embedding cosine only: %s", exc)
        return None
    return scorer.score


def _embed_claims(embedder: Embedder, claims: Sequence[Claim]) -> tuple[np.ndarray, np.ndarray]:
    texts = [c.text for c in claims]
    quotes = [c.quote for c in claims if c.quote]
    embedded = embedder.encode(texts + quotes) if claims else np.zeros((0, embedder.dim), dtype=np.float32)
    vecs = embedded[: len(texts)]
    quote_vecs = np.zeros_like(vecs)
    k = len(texts)
    for i, claim in enumerate(claims):
        if claim.quote:
            quote_vecs[i] = embedded[k]
            k += 1
    return vecs, quote_vecs


def syndication_groups(
    articles: Sequence[Article], settings: CompareSettings
) -> tuple[dict[str, int], list[Syndication]]:
    """Fold near-identical articles (a wire story and its reprints) into one source.

    Returns article id -> group number, and one :class:`Syndication` per group of
    two or more, whose origin is the earliest published copy (input order breaks
    ties). Copies are found by :func:`triangulate.dedup.syndication_groups`.
    """
    from triangulate.dedup import syndication_groups as find_groups

    groups = find_groups(
        [(a.id, a.text, a.published) for a in articles], threshold=settings.syndication_jaccard
    )
    group_of = {a.id: i for i, a in enumerate(articles)}
    by_id = {a.id: a for a in articles}
    syndication: list[Syndication] = []
    for group in groups:
        origin = shingles(by_id[group.origin].text)
        overlap = []
        for member in group.copies:
            group_of[member] = group_of[group.origin]
            copy = shingles(by_id[member].text)
            small, big = (origin, copy) if len(origin) <= len(copy) else (copy, origin)
            # A reprint with a new lead or an added paragraph is still mostly contained.
            overlap.append(max(jaccard(origin, copy), containment(small, big)))
        syndication.append(
            Syndication(
                origin=by_id[group.origin].outlet,
                copies=tuple(by_id[c].outlet for c in group.copies),
                similarity=round(min(overlap), 3),
            )
        )
    return group_of, syndication


def _build_facts(
    claims: Sequence[Claim],
    fact_sets: Sequence[Sequence[int]],
    group_of: dict[str, int],
    vecs: np.ndarray,
) -> tuple[list[Fact], list[list[int]]]:
    """Facts with 2+ independent sources; aligned sets within one wire group are returned apart."""
    facts: list[Fact] = []
    within_group: list[list[int]] = []
    for members in fact_sets:
        fact_claims = tuple(claims[i] for i in members)
        groups = {group_of[c.article_id] for c in fact_claims}
        if len(groups) < 2:
            within_group.append(list(members))
            continue
        outlets = tuple(dict.fromkeys(c.outlet for c in fact_claims))
        quotes = [c for c in fact_claims if c.quote]
        speakers = [c.speaker for c in fact_claims if c.speaker]
        is_quote = len(quotes) == len(fact_claims) and all(same_speaker(quotes[0], q) for q in quotes)
        sub = vecs[list(members)]
        sims = sub @ sub.T
        score = float((sims.sum() - len(members)) / max(1, len(members) * (len(members) - 1)))
        if is_quote:
            kind = "quote"
        elif _near_verbatim(fact_claims):
            kind = "verbatim"
        else:
            kind = "paraphrase"
        facts.append(
            Fact(
                id=stable_id(*[c.id for c in fact_claims], length=12),
                kind=kind,
                claims=fact_claims,
                outlets=outlets,
                independent_sources=len(groups),
                # The fullest name; of one name written two ways, the one with accents ("Ana
                # Kovač" over "Ana Kovac": outlets drop accents more often than they add them).
                speaker=max(speakers, key=lambda s: (len(s), sum(not ch.isascii() for ch in s))) if speakers else None,
                score=round(score, 3),
            )
        )
    return facts, within_group


def _changes_within_a_source(
    claims: Sequence[Claim], within_group: Sequence[Sequence[int]], reprint: set[str], copied_from: dict[str, int]
) -> list[Conflict]:
    """Details one source gives two ways: a reprint that changed the wire story it copies
    (a :class:`Conflict` with ``reprint=True``, the origin's version first), or two articles
    of one outlet that differ (an ordinary conflict, its explanation saying so).

    ``within_group`` are aligned claims of one independent source.
    """
    out: list[Conflict] = []
    article_of = {c.id: c.article_id for c in claims}
    for members in within_group:
        group_claims = tuple(sorted((claims[i] for i in members), key=lambda c: c.article_id in reprint))
        if len({c.article_id for c in group_claims}) < 2:
            continue
        aligned = Fact(
            id=stable_id(*[c.id for c in group_claims], length=12),
            kind="paraphrase",
            claims=group_claims,
            outlets=tuple(dict.fromkeys(c.outlet for c in group_claims)),
            independent_sources=1,
        )
        for conflict in find_conflicts(aligned):
            if copied_from[article_of[conflict.a.claim_id]] == copied_from[article_of[conflict.b.claim_id]]:
                explanation = f"{conflict.b.outlet}, reprinting {conflict.a.outlet}, changed it: {conflict.explanation}"
                out.append(replace(conflict, reprint=True, explanation=explanation))
            else:
                explanation = f"Two articles of one outlet differ: {conflict.explanation}"
                out.append(replace(conflict, explanation=explanation))
    return out


def _near_verbatim(claims: Sequence[Claim]) -> bool:
    toks = [set(tokens(c.text)) for c in claims]
    return all(jaccard(toks[0], t) >= 0.8 for t in toks[1:])


def _closest_elsewhere(
    single: Sequence[SingleSource],
    claims: Sequence[Claim],
    index_of: dict[str, int],
    vecs: np.ndarray,
    group_of: dict[str, int],
    bar: float,
    first_copy: dict[str, tuple[tuple[int, float], int]],
) -> list[SingleSource]:
    """``single`` with each whole claim's closest wording in another independent source, when
    its cosine reaches ``bar``. A wording that several copies of one wire story print is
    named in its earliest copy (``first_copy`` orders articles), as the report names wire
    claims. Each distinct wording is compared once, a block of rows at a time (a story of
    thousands of claims holds one block of cosines, not all of them); the time grows with the
    single-source claims times the distinct wordings (about 8 s at 32,000 of each)."""
    out = list(single)
    if not claims:
        return out
    # One column per distinct wording and source, its earliest copy's claim.
    column_of: dict[tuple[str, int], int] = {}
    for i, c in enumerate(claims):
        key = (c.text, group_of[c.article_id])
        j = column_of.get(key)
        if j is None or first_copy[c.article_id] < first_copy[claims[j].article_id]:
            column_of[key] = i
    columns = np.array(sorted(column_of.values()))
    column_vecs = vecs[columns]
    column_groups = np.array([group_of[claims[j].article_id] for j in columns])
    wanted = [k for k, s in enumerate(out) if s.detail is None and s.claim.id in index_of]
    block = 256
    for start in range(0, len(wanted), block):
        part = wanted[start : start + block]
        rows = np.array([index_of[out[k].claim.id] for k in part])
        sims = vecs[rows] @ column_vecs.T
        own = np.array([group_of[claims[r].article_id] for r in rows])
        sims[own[:, None] == column_groups[None, :]] = -1.0
        best = sims.argmax(axis=1)
        for row, (k, j) in enumerate(zip(part, best)):
            score = float(sims[row, j])
            if score >= bar:
                out[k] = replace(out[k], nearest=claims[int(columns[j])], nearest_similarity=round(score, 3))
    return out


def _single_source(
    claims: Sequence[Claim],
    facts: Sequence[Fact],
    within_group: Sequence[Sequence[int]],
    group_of: dict[str, int],
    articles: Sequence[Article],
    first_copy: dict[str, tuple[tuple[int, float], int]],
    conflicts: Sequence[Conflict] = (),
) -> list[SingleSource]:
    """Claims only one independent source reports, and checkable details (numbers,
    dates, durations) that only one version of a fact gives (``first_copy`` orders the
    copies of a wire story)."""
    in_fact = {c.id for f in facts for c in f.claims}
    # A claim repeated by the reprints of its own wire story is still single-source:
    # report it once, from the origin's copy where the origin carries it.
    reprinted: set[str] = set()
    for members in within_group:
        keep = min(members, key=lambda i: (first_copy[claims[i].article_id], i))
        reprinted.update(claims[i].id for i in members if i != keep)
    out: list[SingleSource] = []
    for claim in claims:
        if claim.id in in_fact or claim.id in reprinted:
            continue
        out.append(SingleSource(outlet=claim.outlet, claim=claim))
    # Details (numbers, durations, dates, names) that one version of a fact gives and
    # that no other source mentions anywhere in its article.
    text_of_group: dict[int, str] = {}
    for article in articles:
        g = group_of[article.id]
        text_of_group[g] = text_of_group.get(g, "") + "\n" + article.title + "\n" + article.text.lower()
    # A detail another source disputes is a conflict, not a single-source detail,
    # in every copy of the disputed version (a conflict names one copy of a wire story).
    article_of = {c.id: c.article_id for c in claims}
    disputed = {(c.fact_id, group_of[article_of[side.claim_id]], c.kind) for c in conflicts for side in (c.a, c.b)}
    lowered = {g: t.lower() for g, t in text_of_group.items()}
    found: dict[str, frozenset[int]] = {}

    def groups_with(needle: str) -> frozenset[int]:
        """The sources whose text mentions ``needle`` as a whole word or phrase (each searched once):
        "3 km" is not in "13 km"."""
        hit = found.get(needle)
        if hit is None:
            pattern = re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)") if needle else None
            hit = found[needle] = frozenset(k for k, t in lowered.items() if pattern is not None and pattern.search(t))
        return hit

    # The values each source's claims give, however written: "twelve" is 12, "3 March" is March 3.
    values: dict[tuple[str, str], set[int]] = {}
    for c in claims:
        for d in c.details:
            values.setdefault((d.kind, d.value), set()).add(group_of[c.article_id])
    listed: set[tuple[int, str, str]] = set()
    for fact in facts:
        if fact.kind == "quote":
            continue  # two translations of one quote differ in wording, not in facts
        # The counts each source's version of this fact gives, whatever noun follows them:
        # "a crowd of 41,200 watched" and "41,200 was the crowd" give one count.
        counts_in_fact: dict[str, set[int]] = {}
        for claim in fact.claims:
            for d in claim.details_of("number"):
                counts_in_fact.setdefault(d.value.split(" ", 1)[0], set()).add(group_of[claim.article_id])
        for claim in fact.claims:
            g = group_of[claim.article_id]

            def elsewhere(needle: str, g: int = g) -> bool:
                return bool(groups_with(needle) - {g})

            for detail in claim.details:
                if is_weekday_of_date(detail):
                    continue  # the date it is the weekday of is the detail
                if (fact.id, g, detail.kind) in disputed or (g, detail.kind, detail.value) in listed:
                    continue  # disputed, or already listed from another copy of one wire story
                if values.get((detail.kind, detail.value), set()) - {g} or not _is_unique_detail(detail, elsewhere):
                    continue
                if detail.kind == "number" and counts_in_fact.get(detail.value.split(" ", 1)[0], set()) - {g}:
                    continue
                listed.add((g, detail.kind, detail.value))
                out.append(SingleSource(outlet=claim.outlet, claim=claim, detail=detail.text))
    return out


def _is_unique_detail(detail: Detail, elsewhere: Callable[[str], bool]) -> bool:
    """A checkable detail that no other source's text mentions at all
    (``elsewhere(needle)``: another source's lower-cased text contains it)."""
    # Names are left out: outlets name one person or place in many ways ("US", "the
    # United States", "Washington"), so a name missing elsewhere is rarely a new fact.
    if detail.kind in ("negation", "entity") or elsewhere(detail.text.lower()) or elsewhere(detail.value):
        return False
    if detail.kind == "duration" and detail.text.lower().startswith(("a ", "an ")):
        return False
    return True
