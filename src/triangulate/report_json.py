"""A :class:`~triangulate.models.Report` as versioned JSON, and back.

The layout is documented field by field in ``docs/report-schema.md`` and pinned
by the JSON Schema shipped as ``triangulate/data/report-schema.json``.

Besides the records themselves the dictionary carries a few *derived* fields
that save every consumer from recomputing them: source numbers next to every
outlet (``source`` / ``sources``), the ``quotes`` and ``single_source`` views
grouped for display, the wire copies behind each fact and ``stats``.
:func:`report_from_dict` ignores derived fields and rebuilds the report from the
records alone, so ``report_from_dict(report_to_dict(r, include_raw=True)) == r``.

>>> from triangulate.models import Report
>>> empty = Report(sources=(), articles=(), facts=(), single_source=(), conflicts=(), summary=())
>>> report_from_dict(report_to_dict(empty)) == empty
True
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

from triangulate.errors import InputError
from triangulate.models import (
    REPORT_SCHEMA_VERSION,
    Article,
    Claim,
    Conflict,
    ConflictSide,
    Detail,
    Fact,
    Removed,
    Report,
    SingleSource,
    Skipped,
    SourceRef,
    SummarySentence,
    Syndication,
)

__all__ = [
    "ReportSchemaError",
    "load_schema",
    "report_from_dict",
    "report_from_json",
    "report_to_dict",
    "report_to_json",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())


class ReportSchemaError(InputError):
    """A report dictionary is not in a layout this version can read.

    Raised for a different major ``schema_version`` (a cached report written by an
    incompatible release: recompute it) and for missing or mistyped fields.
    """

    code = "E120"


# --------------------------------------------------------------------------- lookups


def _source_by_article(report: Report) -> dict[str, int]:
    return {ref.article_id: ref.number for ref in report.sources}


def _first_source_by_outlet(report: Report) -> dict[str, int]:
    numbers: dict[str, int] = {}
    for ref in sorted(report.sources, key=lambda r: r.number):
        numbers.setdefault(ref.outlet, ref.number)
    return numbers


class _Numbers:
    """Maps claims and outlets to source-list numbers (citations [1], [2] ...)."""

    def __init__(self, report: Report) -> None:
        self.by_article = _source_by_article(report)
        self.by_outlet = _first_source_by_outlet(report)

    def of_claim(self, claim: Claim) -> int | None:
        number = self.by_article.get(claim.article_id)
        return number if number is not None else self.by_outlet.get(claim.outlet)

    def of_outlet(self, outlet: str) -> int | None:
        return self.by_outlet.get(outlet)

    def of_fact(self, fact: Fact) -> list[int]:
        numbers = {n for n in (self.of_claim(c) for c in fact.claims) if n is not None}
        return sorted(numbers)


def wire_copies_in(report: Report, outlets: Iterable[str]) -> list[Syndication]:
    """The report's syndication groups restricted to ``outlets``.

    A group is kept when at least two of its members (origin or copies) are among
    ``outlets``: that is where reprints made the outlet count exceed the count
    of independent sources.
    """
    present = set(outlets)
    found: list[Syndication] = []
    for group in report.syndication:
        copies = tuple(c for c in group.copies if c in present)
        members = len(copies) + (1 if group.origin in present else 0)
        if members >= 2:
            found.append(Syndication(origin=group.origin, copies=copies, similarity=group.similarity))
    return found


# --------------------------------------------------------------------------- to dict


def _detail_to_dict(detail: Detail) -> dict[str, Any]:
    return {"kind": detail.kind, "value": detail.value, "text": detail.text, "unit": detail.unit}


def _claim_to_dict(claim: Claim, numbers: _Numbers) -> dict[str, Any]:
    return {
        "id": claim.id,
        "outlet": claim.outlet,
        "article_id": claim.article_id,
        "source": numbers.of_claim(claim),
        "text": claim.text,
        "quote": claim.quote,
        "speaker": claim.speaker,
        "paragraph": claim.paragraph,
        "position": claim.position,
        "details": [_detail_to_dict(d) for d in claim.details],
    }


def _fact_to_dict(fact: Fact, report: Report, numbers: _Numbers) -> dict[str, Any]:
    return {
        "id": fact.id,
        "kind": fact.kind,
        "outlets": list(fact.outlets),
        "sources": numbers.of_fact(fact),
        "independent_sources": fact.independent_sources,
        "speaker": fact.speaker,
        "score": _number(fact.score),
        "wire_copies": [
            {"origin": s.origin, "copies": list(s.copies)} for s in wire_copies_in(report, fact.outlets)
        ],
        "claims": [_claim_to_dict(c, numbers) for c in fact.claims],
    }


def _side_to_dict(side: ConflictSide, claims: Mapping[str, Claim], numbers: _Numbers, kind: str) -> dict[str, Any]:
    claim = claims.get(side.claim_id)
    return {
        "outlet": side.outlet,
        "source": numbers.of_claim(claim) if claim is not None else numbers.of_outlet(side.outlet),
        "claim_id": side.claim_id,
        "text": side.text,
        "value": side.value,
        "span": conflict_span(side, claim, kind),
    }


def conflict_span(side: ConflictSide, claim: Claim | None, kind: str) -> str | None:
    """The differing detail as written in ``side.text``, for highlighting (``None`` if absent).

    The side's ``value`` is normalised ("wednesday", "10 hour"); the claim's
    :class:`~triangulate.models.Detail` with that value gives the span as written.
    """
    candidates: list[str] = []
    if claim is not None:
        for detail in claim.details:
            if detail.value == side.value and (detail.kind == kind or not kind):
                candidates.append(detail.text)
        for detail in claim.details:
            if detail.value == side.value:
                candidates.append(detail.text)
        for detail in claim.details:  # a relative day, shown with its date: "yesterday (2026-03-03)"
            if detail.kind == kind and detail.value and f"({detail.value})" in side.value:
                candidates.append(detail.text)
    candidates.append(side.value)
    lowered = side.text.lower()
    for candidate in candidates:
        if candidate and candidate.lower() in lowered:
            start = lowered.index(candidate.lower())
            return side.text[start : start + len(candidate)]
    return None


def _all_claims(report: Report) -> dict[str, Claim]:
    claims: dict[str, Claim] = {}
    for claim in report.claims:
        claims.setdefault(claim.id, claim)
    for fact in report.facts:
        for claim in fact.claims:
            claims.setdefault(claim.id, claim)
    for single in report.single_source:
        claims.setdefault(single.claim.id, single.claim)
    return claims


def _article_to_dict(article: Article, numbers: _Numbers, *, include_raw: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": article.id,
        "outlet": article.outlet,
        "source": numbers.by_article.get(article.id),
        "title": article.title,
        "url": article.url,
        "published": article.published,
        "authors": list(article.authors),
        "dateline": article.dateline,
        "origin": article.origin,
        "kind": article.kind,
        "language": article.language,
        "paragraphs": list(article.paragraphs),
        "removed": [{"text": r.text, "reason": r.reason} for r in article.removed],
    }
    if include_raw:
        data["raw"] = article.raw
    return data


def _single_source_groups(report: Report, numbers: _Numbers) -> list[dict[str, Any]]:
    groups: dict[str, list[tuple[int, SingleSource]]] = {}
    for index, single in enumerate(report.single_source):
        groups.setdefault(single.outlet, []).append((index, single))

    def order(outlet: str) -> tuple[int, str]:
        number = numbers.of_outlet(outlet)
        return (number if number is not None else 1 << 30, outlet)

    return [
        {
            "outlet": outlet,
            "sources": _group_sources(outlet, [s for _, s in items], numbers),
            "items": [
                {"index": index, "detail": s.detail, "claim": _claim_to_dict(s.claim, numbers), "nearest": _nearest_to_dict(s, numbers)}
                for index, s in items
            ],
        }
        for outlet, items in sorted(groups.items(), key=lambda kv: order(kv[0]))
    ]


def _nearest_to_dict(single: SingleSource, numbers: _Numbers) -> dict[str, Any] | None:
    if single.nearest is None:
        return None
    return {"claim": _claim_to_dict(single.nearest, numbers), "similarity": _number(single.nearest_similarity or 0.0)}


def _group_sources(outlet: str, items: list[SingleSource], numbers: _Numbers) -> list[int]:
    found = {n for n in (numbers.of_claim(s.claim) for s in items) if n is not None}
    if not found and (first := numbers.of_outlet(outlet)) is not None:
        found.add(first)
    return sorted(found)


def _quotes(report: Report, numbers: _Numbers) -> list[dict[str, Any]]:
    return [
        {
            "fact_id": fact.id,
            "speaker": fact.speaker,
            "independent_sources": fact.independent_sources,
            "versions": [
                {
                    "outlet": claim.outlet,
                    "source": numbers.of_claim(claim),
                    "claim_id": claim.id,
                    "quote": claim.quote or claim.text,
                    "text": claim.text,
                }
                for claim in fact.claims
            ],
        }
        for fact in report.quotes
    ]


def _stats(report: Report) -> dict[str, int]:
    return {
        "sources": len(report.sources),
        "articles": len(report.articles),
        "claims": len(_all_claims(report)),
        "facts": len(report.facts),
        "corroborated": len(report.corroborated),
        "quotes": len(report.quotes),
        "conflicts": len(report.conflicts),
        "single_source": len(report.single_source),
        "syndicated": len(report.syndication),
        "skipped": len(report.skipped),
        "removed": sum(len(a.removed) for a in report.articles),
    }


def _number(value: float) -> float | None:
    # JSON has no NaN or infinity; such a score means "not computed".
    return None if math.isnan(value) or math.isinf(value) else value


def _jsonable(value: object) -> Any:
    """Settings as plain JSON values; anything exotic is written as its ``str``."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return str(value)


def report_to_dict(report: Report, *, include_raw: bool = False) -> dict[str, Any]:
    """The report as plain JSON-ready values, in the layout of ``docs/report-schema.md``.

    Args:
        report: the report to serialise.
        include_raw: also write each article's raw input (``articles[].raw``). Off by
            default because raw input is large and the reader has it already; turn it
            on to make :func:`report_from_dict` give back an exactly equal report.

    Returns:
        A dictionary of dicts, lists, strings, numbers, booleans and ``None``.

    Example:
        >>> report_to_dict(report)["facts"][0]["sources"]   # doctest: +SKIP
        [1, 2]
    """
    numbers = _Numbers(report)
    claims = _all_claims(report)
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "title": report.title,
        "sources": [
            {
                "number": ref.number,
                "outlet": ref.outlet,
                "article_id": ref.article_id,
                "title": ref.title,
                "url": ref.url,
                "published": ref.published,
                "origin": ref.origin,
            }
            for ref in report.sources
        ],
        "summary": [
            {"text": s.text, "citations": list(s.citations), "fact_id": s.fact_id} for s in report.summary
        ],
        "facts": [_fact_to_dict(f, report, numbers) for f in report.facts],
        "quotes": _quotes(report, numbers),
        "conflicts": [
            {
                "fact_id": c.fact_id,
                "kind": c.kind,
                "explanation": c.explanation,
                "a": _side_to_dict(c.a, claims, numbers, c.kind),
                "b": _side_to_dict(c.b, claims, numbers, c.kind),
                "reprint": c.reprint,
            }
            for c in report.conflicts
        ],
        "single_source": _single_source_groups(report, numbers),
        "syndication": [
            {"origin": s.origin, "copies": list(s.copies), "similarity": _number(s.similarity)}
            for s in report.syndication
        ],
        "claims": [_claim_to_dict(c, numbers) for c in report.claims],
        "articles": [_article_to_dict(a, numbers, include_raw=include_raw) for a in report.articles],
        "skipped": [
            {"origin": s.origin, "reason": s.reason, "detail": s.detail, "stage": s.stage} for s in report.skipped
        ],
        "warnings": list(report.warnings),
        "stats": _stats(report),
        "settings": _jsonable(report.settings),
    }


def report_to_json(report: Report, *, indent: int | None = 2, include_raw: bool = False) -> str:
    """:func:`report_to_dict` as a JSON string (UTF-8 text, not ASCII-escaped)."""
    return json.dumps(report_to_dict(report, include_raw=include_raw), ensure_ascii=False, indent=indent)


# --------------------------------------------------------------------------- from dict


def _detail_from(d: Mapping[str, Any]) -> Detail:
    return Detail(kind=d["kind"], value=d["value"], text=d["text"], unit=d.get("unit", ""))


def _claim_from(d: Mapping[str, Any]) -> Claim:
    return Claim(
        id=d["id"],
        article_id=d["article_id"],
        outlet=d["outlet"],
        text=d["text"],
        paragraph=int(d.get("paragraph", 0)),
        position=int(d.get("position", 0)),
        quote=d.get("quote"),
        speaker=d.get("speaker"),
        details=tuple(_detail_from(x) for x in d.get("details", ())),
    )


def _side_from(d: Mapping[str, Any]) -> ConflictSide:
    return ConflictSide(outlet=d["outlet"], claim_id=d["claim_id"], text=d["text"], value=d["value"])


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _check_version(version: object) -> None:
    if not isinstance(version, str) or "." not in version:
        raise ReportSchemaError(f"report has no valid schema_version (got {version!r}); expected {REPORT_SCHEMA_VERSION!r}.")
    major = version.split(".", 1)[0]
    if major != REPORT_SCHEMA_VERSION.split(".", 1)[0]:
        raise ReportSchemaError(
            f"report schema_version {version} cannot be read by this release (reads {REPORT_SCHEMA_VERSION}); "
            "recompute the report."
        )
    if version != REPORT_SCHEMA_VERSION:
        logger.debug("reading report schema %s with reader %s", version, REPORT_SCHEMA_VERSION)


def report_from_dict(data: Mapping[str, Any]) -> Report:
    """Rebuild a :class:`~triangulate.models.Report` from :func:`report_to_dict` output.

    Derived fields (``source`` numbers, ``quotes``, ``stats``, ``wire_copies``,
    conflict ``span``) are ignored; unknown fields written by a newer minor
    version are ignored too. ``articles[].raw`` is restored when present and
    is ``""`` otherwise.

    Args:
        data: a dictionary as written by :func:`report_to_dict` (or parsed JSON).

    Returns:
        The report.

    Raises:
        ReportSchemaError: a different major ``schema_version``, or a missing or
            mistyped field.
    """
    if not isinstance(data, Mapping):
        raise ReportSchemaError(f"a report must be a JSON object, got {type(data).__name__}.")
    _check_version(data.get("schema_version"))
    try:
        return _report_from(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ReportSchemaError(f"report dictionary is malformed ({type(exc).__name__}: {exc}).") from exc


def _report_from(data: Mapping[str, Any]) -> Report:
    singles: list[tuple[int, SingleSource]] = []
    for group in data.get("single_source", ()):
        for item in group["items"]:
            nearest = item.get("nearest")
            single = SingleSource(
                outlet=group["outlet"],
                claim=_claim_from(item["claim"]),
                detail=item.get("detail"),
                nearest=_claim_from(nearest["claim"]) if nearest else None,
                nearest_similarity=_float(nearest["similarity"]) if nearest else None,
            )
            singles.append((int(item.get("index", len(singles))), single))
    singles.sort(key=lambda pair: pair[0])
    settings = data.get("settings") or {}
    return Report(
        sources=tuple(
            SourceRef(
                number=int(s["number"]),
                outlet=s["outlet"],
                article_id=s["article_id"],
                title=s["title"],
                url=s.get("url"),
                published=s.get("published"),
                origin=s.get("origin", ""),
            )
            for s in data.get("sources", ())
        ),
        articles=tuple(
            Article(
                id=a["id"],
                outlet=a["outlet"],
                title=a["title"],
                paragraphs=tuple(a.get("paragraphs", ())),
                removed=tuple(Removed(text=r["text"], reason=r["reason"]) for r in a.get("removed", ())),
                url=a.get("url"),
                published=a.get("published"),
                authors=tuple(a.get("authors", ())),
                dateline=a.get("dateline"),
                origin=a.get("origin", ""),
                raw=a.get("raw", ""),
                kind=a.get("kind", "text"),
                language=a.get("language"),
            )
            for a in data.get("articles", ())
        ),
        facts=tuple(
            Fact(
                id=f["id"],
                kind=f["kind"],
                claims=tuple(_claim_from(c) for c in f["claims"]),
                outlets=tuple(f["outlets"]),
                independent_sources=int(f["independent_sources"]),
                speaker=f.get("speaker"),
                score=_float(f.get("score", 0.0)),
            )
            for f in data.get("facts", ())
        ),
        single_source=tuple(single for _, single in singles),
        conflicts=tuple(
            Conflict(
                fact_id=c["fact_id"],
                kind=c["kind"],
                a=_side_from(c["a"]),
                b=_side_from(c["b"]),
                explanation=c.get("explanation", ""),
                reprint=bool(c.get("reprint", False)),
            )
            for c in data.get("conflicts", ())
        ),
        summary=tuple(
            SummarySentence(text=s["text"], citations=tuple(int(n) for n in s["citations"]), fact_id=s.get("fact_id"))
            for s in data.get("summary", ())
        ),
        syndication=tuple(
            Syndication(origin=s["origin"], copies=tuple(s["copies"]), similarity=_float(s.get("similarity")))
            for s in data.get("syndication", ())
        ),
        skipped=tuple(
            Skipped(origin=s["origin"], reason=s["reason"], detail=s.get("detail", ""), stage=s.get("stage", "read"))
            for s in data.get("skipped", ())
        ),
        claims=tuple(_claim_from(c) for c in data.get("claims", ())),
        title=data.get("title", ""),
        warnings=tuple(str(w) for w in data.get("warnings", ())),
        settings=dict(settings) if isinstance(settings, Mapping) else {},
    )


def report_from_json(text: str | bytes) -> Report:
    """:func:`report_from_dict` on a JSON string.

    Raises:
        ReportSchemaError: the text is not JSON or not a readable report.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportSchemaError(f"report is not valid JSON ({exc}).") from exc
    return report_from_dict(data)


def load_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :func:`report_to_dict` output, as shipped with the package."""
    text = resources.files("triangulate").joinpath("data/report-schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
