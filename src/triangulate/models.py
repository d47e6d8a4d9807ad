"""Records passed between stages.

Every record is a frozen, slotted dataclass holding plain values only (no parse
trees, arrays or model handles), so that stages stay independent and results can
be serialised, cached and compared.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

#: Version of the JSON report schema (docs/report-schema.md). Bump on any
#: incompatible change to :meth:`Report.to_dict`.
REPORT_SCHEMA_VERSION = "1.3"


def stable_id(*parts: str | None, length: int = 16) -> str:
    """A short content hash of ``parts``: the same content always gets the same id."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update((part or "").encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()[:length]


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One input article exactly as it was read, before any cleaning.

    ``content`` is the raw text or markup; it is never modified by later stages.
    ``kind`` is ``"text"``, ``"html"`` or ``"markdown"``.
    """

    origin: str
    content: str
    kind: str = "text"
    source: str | None = None
    url: str | None = None
    title: str | None = None
    published: str | None = None
    authors: tuple[str, ...] = ()
    fetched: str | None = None

    @property
    def id(self) -> str:
        return stable_id(self.url or self.origin, self.content)


@dataclass(frozen=True, slots=True)
class Removed:
    """A piece of input that cleaning removed, with the reason code (see clean.REASONS)."""

    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class Article:
    """A cleaned article: its outlet, title and body paragraphs, plus what was removed."""

    id: str
    outlet: str
    title: str
    paragraphs: tuple[str, ...]
    removed: tuple[Removed, ...] = ()
    url: str | None = None
    published: str | None = None
    authors: tuple[str, ...] = ()
    dateline: str | None = None
    origin: str = ""
    raw: str = ""
    kind: str = "text"
    language: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input that could not be used, with a stable reason code and a human detail."""

    origin: str
    reason: str
    detail: str
    stage: str = "read"


@dataclass(frozen=True, slots=True)
class Detail:
    """A checkable detail of a claim: a number, date, weekday, duration, entity or negation.

    ``kind`` is one of ``number``, ``money``, ``percent``, ``date``, ``weekday``, ``time``, ``score``,
    ``duration``, ``entity``, ``negation``; ``value`` is normalised (e.g. ``"10 hour"``,
    ``"wednesday"``), ``text`` is the span as written, ``unit`` groups comparable values.
    """

    kind: str
    value: str
    text: str
    unit: str = ""


@dataclass(frozen=True, slots=True)
class Claim:
    """One sentence (or clause) of one article: the unit that is aligned across outlets."""

    id: str
    article_id: str
    outlet: str
    text: str
    paragraph: int
    position: int
    quote: str | None = None
    speaker: str | None = None
    details: tuple[Detail, ...] = ()

    def details_of(self, kind: str) -> tuple[Detail, ...]:
        return tuple(d for d in self.details if d.kind == kind)


@dataclass(frozen=True, slots=True)
class Fact:
    """Claims from two or more outlets that report the same thing.

    ``kind`` is ``verbatim`` (near-identical wording), ``paraphrase`` or ``quote``
    (the same spoken words, possibly translated differently). ``independent_sources``
    counts outlets after folding reprints of one wire story into one source.
    """

    id: str
    kind: str
    claims: tuple[Claim, ...]
    outlets: tuple[str, ...]
    independent_sources: int
    speaker: str | None = None
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class ConflictSide:
    outlet: str
    claim_id: str
    text: str
    value: str


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two versions of one fact that disagree on a checkable detail.

    ``reprint``: both versions belong to one wire story, ``b`` a reprint that changed a
    detail of ``a`` (one source, so not a contradiction between sources, but a change a
    reader should see); ``fact_id`` then names the aligned claims, not a corroborated fact.
    """

    fact_id: str
    kind: str
    a: ConflictSide
    b: ConflictSide
    explanation: str
    reprint: bool = False


@dataclass(frozen=True, slots=True)
class SingleSource:
    """What only one outlet (or one wire group) reports: a whole claim or a detail of an aligned claim.

    ``nearest`` is, for a whole claim, the closest wording another source has (embedding
    cosine ``nearest_similarity``, at least ``CompareSettings.nearest_cosine``): not matched
    as the same fact, but worth reading beside it, since paraphrases can fall under the
    aligner's bar.
    """

    outlet: str
    claim: Claim
    detail: str | None = None
    nearest: Claim | None = None
    nearest_similarity: float | None = None


@dataclass(frozen=True, slots=True)
class Syndication:
    """A story reprinted by several outlets: ``origin`` published it first, ``copies`` reprinted it."""

    origin: str
    copies: tuple[str, ...]
    similarity: float


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A numbered entry of the report's source list (citations [1], [2] point here)."""

    number: int
    outlet: str
    article_id: str
    title: str
    url: str | None = None
    published: str | None = None
    origin: str = ""


@dataclass(frozen=True, slots=True)
class SummarySentence:
    text: str
    citations: tuple[int, ...]
    fact_id: str | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """Everything ``compare`` found about one story."""

    sources: tuple[SourceRef, ...]
    articles: tuple[Article, ...]
    facts: tuple[Fact, ...]
    single_source: tuple[SingleSource, ...]
    conflicts: tuple[Conflict, ...]
    summary: tuple[SummarySentence, ...]
    syndication: tuple[Syndication, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    claims: tuple[Claim, ...] = ()
    title: str = ""
    schema_version: str = REPORT_SCHEMA_VERSION
    #: What a reader should know before trusting the report: the inputs read like several
    #: events, an article is not in the model's language.
    warnings: tuple[str, ...] = ()
    settings: dict[str, object] = field(default_factory=dict, compare=False)

    @property
    def quotes(self) -> tuple[Fact, ...]:
        """Facts that are the same spoken words reported by several outlets."""
        return tuple(f for f in self.facts if f.kind == "quote")

    @property
    def corroborated(self) -> tuple[Fact, ...]:
        return tuple(f for f in self.facts if f.independent_sources >= 2)

    def source_number(self, outlet: str) -> int:
        for ref in self.sources:
            if ref.outlet == outlet:
                return ref.number
        raise KeyError(outlet)

    def to_dict(self) -> dict[str, object]:
        from triangulate.report_json import report_to_dict

        return report_to_dict(self)
