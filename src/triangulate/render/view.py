"""What every output format shows, computed once: the report as display rows.

The terminal, Markdown and HTML renderers differ only in markup; the choice of
what to show (which facts count as corroborated, which source numbers a fact
cites, how wire copies are described, which span of a conflicting sentence to
highlight) lives here so that the formats cannot drift apart.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from triangulate.models import Article, Claim, Conflict, ConflictSide, Fact, Report, SingleSource, SourceRef
from triangulate.report_json import conflict_span, wire_copies_in
from triangulate.summarize import representative
from triangulate.text import QUOTE_MAP
from triangulate.times import time_of_day

__all__ = [
    "ArticleClaims",
    "ClaimRow",
    "ConflictRow",
    "FactRow",
    "QuoteRow",
    "ReportView",
    "SideRow",
    "SingleSourceGroup",
    "Version",
    "article_claims",
    "build_view",
    "split_highlight",
]


@dataclass(frozen=True, slots=True)
class Version:
    """One outlet's wording of a fact or quote."""

    outlet: str
    source: int | None
    claim_id: str
    text: str


@dataclass(frozen=True, slots=True)
class FactRow:
    """A fact as shown: its headline text, who supports it and each outlet's wording."""

    id: str
    kind: str
    text: str
    sources: tuple[int, ...]
    outlets: tuple[str, ...]
    independent_sources: int
    support: str
    versions: tuple[Version, ...]
    speaker: str | None


@dataclass(frozen=True, slots=True)
class QuoteRow:
    """Spoken words reported by several outlets, each in its own wording."""

    fact_id: str
    speaker: str
    support: str
    versions: tuple[Version, ...]


@dataclass(frozen=True, slots=True)
class SideRow:
    """One version of a conflicting fact; ``span`` is the differing detail as written."""

    outlet: str
    source: int | None
    claim_id: str
    text: str
    value: str
    span: str | None


@dataclass(frozen=True, slots=True)
class ConflictRow:
    fact_id: str
    kind: str
    explanation: str
    a: SideRow
    b: SideRow
    reprint: bool = False
    #: When the two versions were published hours apart: "The Harbour Times's version was
    #: published 2 days later: it may be an update rather than a contradiction."
    timing: str | None = None

    @property
    def heading(self) -> str:
        """``Differing number``, or ``Changed in a reprint (number)`` when ``b`` reprints ``a``."""
        kind = _KIND_WORDS.get(self.kind, self.kind) or "detail"
        return f"Changed in a reprint ({kind})" if self.reprint else f"Differing {kind}"


#: Kinds of conflict as a heading names them.
_KIND_WORDS = {"money": "amount", "weekday": "day", "percent": "percentage", "entity": "name", "negation": "facts"}


@dataclass(frozen=True, slots=True)
class SingleSourceGroup:
    """What only one outlet reports: whole claims, or one detail of an aligned claim."""

    outlet: str
    sources: tuple[int, ...]
    items: tuple[SingleSource, ...]
    #: Outlets that reprint this one's story: they print its claims too, as one source.
    reprinted_by: tuple[str, ...] = ()
    #: For each item, the source number of its closest wording elsewhere (``item.nearest``).
    nearest_sources: tuple[int | None, ...] = ()

    def with_nearest(self) -> tuple[tuple[SingleSource, int | None], ...]:
        """Each item with the source number of its closest wording elsewhere, if any."""
        numbers = self.nearest_sources or (None,) * len(self.items)
        return tuple(zip(self.items, numbers))

    @property
    def note(self) -> str:
        """What the heading says of the group: one outlet, or one source and its reprints."""
        if self.reprinted_by:
            return f"no other source found reporting these (reprinted by {', '.join(self.reprinted_by)})"
        # Not "only this outlet reports": another may say the same in words the aligner does
        # not match (see each item's closest wording elsewhere, docs/compare.md).
        return "no other outlet found reporting these"


@dataclass(frozen=True, slots=True)
class ClaimRow:
    """One claim as ``--show-claims`` lists it: its text, speaker and checkable details.

    ``details`` is ``(("number", "12 people"), ("weekday", "Tuesday, Wednesday"))``: each
    kind of detail once, in order of first mention, with its spans as written.
    """

    id: str
    text: str
    speaker: str | None
    details: tuple[tuple[str, str], ...]

    @property
    def notes(self) -> tuple[tuple[str, str], ...]:
        """What is shown after the claim, as (label, value): its speaker, then its details."""
        return ((("speaker", self.speaker),) if self.speaker else ()) + self.details


@dataclass(frozen=True, slots=True)
class ArticleClaims:
    """Every claim of one article, in the order of its text."""

    source: int | None
    label: str
    claims: tuple[ClaimRow, ...]


@dataclass(frozen=True, slots=True)
class ReportView:
    """The display rows of a report, shared by every output format."""

    title: str
    sources: tuple[SourceRef, ...]
    corroborated: tuple[FactRow, ...]
    other_facts: tuple[FactRow, ...]
    quotes: tuple[QuoteRow, ...]
    conflicts: tuple[ConflictRow, ...]
    single_source: tuple[SingleSourceGroup, ...]
    fact_ids: frozenset[str]

    @property
    def single_source_count(self) -> int:
        """Single-source items as shown (a sentence split for alignment counts once)."""
        return sum(len(group.items) for group in self.single_source)

    def source(self, number: int) -> SourceRef | None:
        for ref in self.sources:
            if ref.number == number:
                return ref
        return None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def support_text(report: Report, fact: Fact) -> str:
    """The support line of a fact, e.g. "2 independent sources (3 outlets; wire copy: B reprinted A)"."""
    outlets = len(set(fact.outlets))
    parts = [_plural(outlets, "outlet")]
    for group in wire_copies_in(report, fact.outlets):
        if group.origin in fact.outlets:
            parts.append(f"wire copy: {_join(list(group.copies))} reprinted {group.origin}")
        else:
            parts.append(f"wire copy: {_join(list(group.copies))} reprinted the same {group.origin} story")
    disputed = dict.fromkeys(
        "whether it happened" if c.kind == "negation" else _KIND_WORDS.get(c.kind, c.kind)
        for c in report.conflicts
        if c.fact_id == fact.id and not c.reprint
    )
    if disputed:
        # The outlets counted do not all say what the fact's wording says: it is in dispute.
        parts.append(f"disputed ({', '.join(disputed)}): see Conflicts")
    return f"{_plural(fact.independent_sources, 'independent source')} ({'; '.join(parts)})"


class _Sources:
    def __init__(self, report: Report) -> None:
        self.by_article = {ref.article_id: ref.number for ref in report.sources}
        self.by_outlet: dict[str, int] = {}
        for ref in sorted(report.sources, key=lambda r: r.number):
            self.by_outlet.setdefault(ref.outlet, ref.number)

    def of_claim(self, claim: Claim) -> int | None:
        number = self.by_article.get(claim.article_id)
        return number if number is not None else self.by_outlet.get(claim.outlet)

    def of_outlet(self, outlet: str) -> int | None:
        return self.by_outlet.get(outlet)


def _order(number: int | None) -> int:
    return number if number is not None else 1 << 30


def _versions(claims: tuple[Claim, ...], numbers: _Sources, *, quote: bool) -> tuple[Version, ...]:
    versions = [
        Version(
            outlet=c.outlet,
            source=numbers.of_claim(c),
            claim_id=c.id,
            text=(c.quote or c.text) if quote else c.text,
        )
        for c in claims
    ]
    return tuple(sorted(versions, key=lambda v: (_order(v.source), v.outlet)))


def _fact_row(report: Report, fact: Fact, numbers: _Sources) -> FactRow:
    versions = _versions(fact.claims, numbers, quote=False)
    sources = tuple(sorted({v.source for v in versions if v.source is not None}))
    # The version the summary would use: it reads on its own and shares most words
    # with the others, so every listed source says what it says.
    best = representative(fact) if fact.claims else None
    text = best.text if best is not None else ""
    if fact.kind == "quote" and best is not None and best.quote:
        # Show the spoken words themselves; each outlet's full sentence is in ``versions``.
        text = f"“{best.quote}”"
    return FactRow(
        id=fact.id,
        kind=fact.kind,
        text=text,
        sources=sources,
        outlets=tuple(dict.fromkeys(v.outlet for v in versions)) or fact.outlets,
        independent_sources=fact.independent_sources,
        support=support_text(report, fact),
        versions=versions,
        speaker=fact.speaker,
    )


def _side(side: ConflictSide, claims: dict[str, Claim], numbers: _Sources, kind: str) -> SideRow:
    claim = claims.get(side.claim_id)
    return SideRow(
        outlet=side.outlet,
        source=numbers.of_claim(claim) if claim is not None else numbers.of_outlet(side.outlet),
        claim_id=side.claim_id,
        text=side.text,
        value=side.value,
        span=conflict_span(side, claim, kind),
    )


#: Two versions published this many hours apart or more may be an update of the figure (a
#: death toll that rises, a deal that replaces an offer), not a contradiction.
UPDATE_HOURS = 6


def _timing(conflict: Conflict, claims: dict[str, Claim], published: dict[str, datetime | None]) -> str | None:
    """The note of a conflict between versions published :data:`UPDATE_HOURS` or more apart."""
    if conflict.reprint:
        return None
    times = []
    for side in (conflict.a, conflict.b):
        claim = claims.get(side.claim_id)
        at = published.get(claim.article_id) if claim is not None else None
        if at is None:
            return None
        times.append((at, side.outlet))
    (first, _), (last, later) = sorted(times, key=lambda t: t[0])
    hours = (last - first).total_seconds() / 3600
    if hours < UPDATE_HOURS:
        return None
    gap = f"{int(hours + 0.5)} hours" if hours < 48 else f"{int(hours / 24 + 0.5)} days"  # halves round up
    return f"{later}'s version was published {gap} later: it may be an update rather than a contradiction."


def _conflict_row(conflict: Conflict, claims: dict[str, Claim], numbers: _Sources, published: dict[str, datetime | None]) -> ConflictRow:
    return ConflictRow(
        fact_id=conflict.fact_id,
        kind=conflict.kind,
        explanation=conflict.explanation,
        a=_side(conflict.a, claims, numbers, conflict.kind),
        b=_side(conflict.b, claims, numbers, conflict.kind),
        reprint=conflict.reprint,
        timing=_timing(conflict, claims, published),
    )


def build_view(report: Report) -> ReportView:
    """Everything a renderer shows, in display order (sources by number, facts by support)."""
    numbers = _Sources(report)
    published = {a.id: time_of_day(a.published) for a in report.articles}  # a day alone says too little here
    claims: dict[str, Claim] = {c.id: c for c in report.claims}
    for fact in report.facts:
        for claim in fact.claims:
            claims.setdefault(claim.id, claim)
    # Keep the engine's order among equals: it ranks facts by its own score.
    ranked = sorted(report.facts, key=lambda f: -f.independent_sources)
    corroborated = tuple(_fact_row(report, f, numbers) for f in ranked if f.independent_sources >= 2)
    others = tuple(_fact_row(report, f, numbers) for f in ranked if f.independent_sources < 2)
    quotes = tuple(
        QuoteRow(
            fact_id=f.id,
            speaker=f.speaker or next((c.speaker for c in f.claims if c.speaker), None) or "Unattributed",
            support=support_text(report, f),
            versions=_versions(f.claims, numbers, quote=True),
        )
        for f in report.quotes
    )
    groups: dict[str, list[SingleSource]] = {}
    for single in report.single_source:
        groups.setdefault(single.outlet, []).append(single)
    single_groups = []
    for outlet, items in groups.items():
        found = {n for n in (numbers.of_claim(s.claim) for s in items) if n is not None}
        if not found and (first := numbers.of_outlet(outlet)) is not None:
            found.add(first)
        copies = tuple(c for g in report.syndication if g.origin == outlet for c in g.copies)
        shown = tuple(_rejoined(items, report.claims))
        nearest = tuple(numbers.of_claim(s.nearest) if s.nearest is not None else None for s in shown)
        single_groups.append(
            SingleSourceGroup(outlet=outlet, sources=tuple(sorted(found)), items=shown, reprinted_by=copies, nearest_sources=nearest)
        )
    single_groups.sort(key=lambda g: (_order(g.sources[0] if g.sources else None), g.outlet))
    return ReportView(
        title=report.title or _default_title(report),
        sources=tuple(sorted(report.sources, key=lambda r: r.number)),
        corroborated=corroborated,
        other_facts=others,
        quotes=quotes,
        conflicts=tuple(_conflict_row(c, claims, numbers, published) for c in report.conflicts),
        single_source=tuple(single_groups),
        fact_ids=frozenset(f.id for f in report.facts),
    )


def _details(claim: Claim) -> tuple[tuple[str, str], ...]:
    spans: dict[str, list[str]] = {}
    for detail in claim.details:
        shown = spans.setdefault(detail.kind, [])
        if detail.text not in shown:
            shown.append(detail.text)
    return tuple((kind, ", ".join(texts)) for kind, texts in spans.items())


def article_claims(report: Report, sources: tuple[SourceRef, ...]) -> tuple[ArticleClaims, ...]:
    """Every claim of every article (``--show-claims``): one group per article, in source order.

    A claim of an article the report does not list (possible only in a hand-built
    report) is grouped under its outlet.
    """
    by_article: dict[str, list[Claim]] = {}
    for claim in report.claims:
        by_article.setdefault(claim.article_id, []).append(claim)
    groups: list[ArticleClaims] = []
    for article in report.articles:
        claims = by_article.pop(article.id, [])
        if not claims:
            continue
        number, label = article_label(article, sources)
        groups.append(ArticleClaims(source=number, label=label, claims=_claim_rows(claims)))
    numbers = _Sources(report)
    for claims in by_article.values():
        first = claims[0]
        groups.append(ArticleClaims(source=numbers.of_claim(first), label=first.outlet, claims=_claim_rows(claims)))
    return tuple(sorted(groups, key=lambda g: _order(g.source)))


def _claim_rows(claims: list[Claim]) -> tuple[ClaimRow, ...]:
    ordered = sorted(claims, key=lambda c: (c.paragraph, c.position))
    return tuple(ClaimRow(id=c.id, text=c.text, speaker=c.speaker, details=_details(c)) for c in ordered)


def _default_title(report: Report) -> str:
    outlets = list(dict.fromkeys(ref.outlet for ref in report.sources))
    if not outlets:
        return "Triangulation report"
    return f"How {_join(outlets)} report the story"


def _folded(text: str) -> tuple[str, list[int]]:
    """``text`` lower-cased and normalised as :func:`triangulate.text.normalize` does (curly
    and low quotes straight, compatibility forms, runs of spaces as one), with the index in
    ``text`` of each of its characters. Character by character, in decomposed form, so that
    a composed and a decomposed accent fold alike."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKD", ch).translate(QUOTE_MAP).lower():
            if c.isspace():
                if out and out[-1] == " ":
                    continue
                c = " "
            out.append(c)
            origin.append(i)
    return "".join(out), origin


def split_highlight(text: str, span: str | None) -> list[tuple[str, bool]]:
    """``text`` cut into (segment, highlighted) pieces around the first occurrence of ``span``.

    >>> split_highlight("He left on Tuesday.", "Tuesday")
    [('He left on ', False), ('Tuesday', True), ('.', False)]
    >>> split_highlight("„Wir bauen neu“, sagte er.", '"Wir bauen neu", sagte er.')
    [('„Wir bauen neu“, sagte er.', True)]
    """
    if not span:
        return [(text, False)]
    start = text.lower().find(span.lower())
    end = start + len(span)
    if start < 0:
        # A claim's text is normalised (straight quotes, single spaces): look for it in the
        # text normalised the same way, and mark what it stands for in the text as written.
        folded, origin = _folded(text)
        wanted = _folded(span)[0].strip()
        at = folded.find(wanted) if wanted else -1
        if at < 0:
            return [(text, False)]
        start, end = origin[at], origin[at + len(wanted) - 1] + 1
    pieces = [(text[:start], False), (text[start:end], True), (text[end:], False)]
    return [piece for piece in pieces if piece[0]]


def article_label(article: Article, sources: tuple[SourceRef, ...]) -> tuple[int | None, str]:
    """The source number of ``article`` (if listed) and a "Outlet — Title" label."""
    number = next((ref.number for ref in sources if ref.article_id == article.id), None)
    label = f"{article.outlet} — {article.title}" if article.title else article.outlet
    return number, label


_CLOSED = (".", "!", "?", '"', "'", "\u201d", "\u2019", ")", ":", ";")


def _open_quote(text: str) -> bool:
    return text.count('"') % 2 == 1 or text.count("\u201c") > text.count("\u201d")


def _cut_clause(text: str) -> bool:
    """A clause cut from its sentence for alignment: it does not end the sentence."""
    return not text.rstrip().endswith(_CLOSED)


def _joint(first: Claim, shown: str, nxt: Claim) -> str | None:
    """How claim ``nxt`` continues the item showing ``shown`` (whose last claim is
    ``first``): ``", "`` for the next clause of a sentence split for alignment,
    ``" "`` for the next sentence of a quote its speaker is still speaking; else None."""
    if (nxt.article_id, nxt.paragraph, nxt.position) != (first.article_id, first.paragraph, first.position + 1):
        return None
    if _open_quote(shown) and first.speaker and nxt.speaker == first.speaker:
        return " "
    if _cut_clause(first.text) and nxt.text[:1].islower():
        return ", "
    return None


def _rejoined(items: list[SingleSource], claims: Sequence[Claim]) -> list[SingleSource]:
    """Whole single-source claims read as the sentences they came from: a clause
    split off for alignment ("... Hollander & Brink" + "which said ...") or a quote
    running over two sentences is shown as one item (the first claim's id is kept),
    and a clause whose sentence start is part of a fact opens with an ellipsis."""
    at = {(c.article_id, c.paragraph, c.position): c for c in claims}
    out: list[SingleSource] = []
    last: Claim | None = None  # the last claim merged into out[-1]
    for item in items:
        prev = out[-1] if out else None
        joint = None
        if prev is not None and last is not None and prev.detail is None and item.detail is None:
            joint = _joint(last, prev.claim.text, item.claim)
        if prev is not None and joint is not None:
            # One item for the sentence: its closest wording elsewhere is the nearer of its parts'.
            nearer = item if (item.nearest_similarity or 0.0) > (prev.nearest_similarity or 0.0) else prev
            out[-1] = replace(
                prev,
                claim=replace(prev.claim, text=prev.claim.text.rstrip() + joint + item.claim.text),
                nearest=nearer.nearest,
                nearest_similarity=nearer.nearest_similarity,
            )
        else:
            before = at.get((item.claim.article_id, item.claim.paragraph, item.claim.position - 1))
            if item.detail is None and item.claim.text[:1].islower() and before is not None and _cut_clause(before.text):
                # The rest of a sentence whose first clause is shown elsewhere (in a fact).
                item = replace(item, claim=replace(item.claim, text="\u2026 " + item.claim.text))
            out.append(item)
        last = item.claim
    return out
