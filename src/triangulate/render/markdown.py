"""The report as Markdown (CommonMark with GitHub tables).

Article text is untrusted: Markdown punctuation and angle brackets in it are
backslash-escaped, so a sentence cannot open a link, a heading or raw HTML
when the Markdown is turned into a page. Citations ``[1]`` are reference links
to the source's URL when it has one.
"""

from __future__ import annotations

import re

from triangulate.models import Report
from triangulate.render.view import (
    ArticleClaims,
    ClaimRow,
    FactRow,
    ReportView,
    SideRow,
    Version,
    article_claims,
    article_label,
    build_view,
    split_highlight,
)

__all__ = ["escape_markdown", "render_markdown"]

# Inline punctuation that can start emphasis, code, links, raw HTML, table cells
# or an entity; block markers only matter at the start of a line.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~]|&(?=#?\w+;))")
_BLOCK_START = re.compile(r"^(#{1,6}|[+-]|\d{1,9}[.)])(?=\s|$)")
_SAFE_URL = re.compile(r"^https?://[^\s<>]+$", re.IGNORECASE)


def escape_markdown(text: str) -> str:
    """``text`` with Markdown punctuation escaped and line breaks folded into spaces.

    >>> escape_markdown("*Breaking* <b>news</b>")
    '\\\\*Breaking\\\\* \\\\<b\\\\>news\\\\</b\\\\>'
    """
    flat = " ".join(text.split())
    escaped = _SPECIAL.sub(r"\\\1", flat)
    return _BLOCK_START.sub(lambda m: m.group(1)[:-1] + "\\" + m.group(1)[-1], escaped)


def _cite(number: int | None) -> str:
    return f"[{number}]" if number is not None else "[?]"


def _cites(numbers: tuple[int, ...]) -> str:
    return "".join(_cite(n) for n in numbers)


def _safe_url(url: str | None) -> str | None:
    return url if url and _SAFE_URL.match(url) else None


def _sources(view: ReportView) -> list[str]:
    lines = ["## Sources", ""]
    for ref in view.sources:
        line = f"- {_cite(ref.number)} **{escape_markdown(ref.outlet)}** — {escape_markdown(ref.title or '(untitled)')}"
        meta = []
        url = _safe_url(ref.url)
        if url:
            meta.append(f"<{url}>")
        elif ref.url:
            meta.append(escape_markdown(ref.url))
        if ref.published:
            meta.append(escape_markdown(ref.published))
        if meta:
            line += f" ({', '.join(meta)})"
        lines.append(line)
    # Reference definitions make every citation [n] a link to the article.
    definitions = [f"[{ref.number}]: {url}" for ref in view.sources if (url := _safe_url(ref.url))]
    if definitions:
        lines += [""] + definitions
    return lines + [""]


def _summary(report: Report) -> list[str]:
    lines = ["## Summary", ""]
    if not report.summary:
        return lines + ["_No summary: no fact is reported by two independent sources._", ""]
    for sentence in report.summary:
        lines.append(f"{escape_markdown(sentence.text)} {_cites(sentence.citations)}")
        lines.append("")
    return lines


def _version_line(version: Version, *, quoted: bool = False) -> str:
    text = escape_markdown(version.text)
    if quoted:
        text = f"“{text}”"
    return f"{_cite(version.source)} **{escape_markdown(version.outlet)}**: {text}"


def _facts(title: str, rows: tuple[FactRow, ...], empty: str | None) -> list[str]:
    if not rows and empty is None:
        return []
    lines = [f"## {title}", ""]
    if not rows:
        return lines + [f"_{empty}_", ""]
    for i, row in enumerate(rows, 1):
        speaker = f"**{escape_markdown(row.speaker)}**: " if row.kind == "quote" and row.speaker else ""
        lines.append(f"{i}. {speaker}{escape_markdown(row.text)} {_cites(row.sources)}")
        lines.append(f"   - _{escape_markdown(row.support)}_")
        for version in row.versions:
            lines.append(f"   - {_version_line(version)}")
    return lines + [""]


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text and text.strip() else _cell(text)


def _cell(text: str) -> str:
    return escape_markdown(text) or " "


def _quotes(view: ReportView) -> list[str]:
    if not view.quotes:
        return []
    lines = ["## Quotes", ""]
    for quote in view.quotes:
        lines += [f"### {escape_markdown(quote.speaker)}", "", f"_{escape_markdown(quote.support)}_", ""]
        lines += ["| Source | Wording |", "| --- | --- |"]
        for version in quote.versions:
            lines.append(f"| {_cite(version.source)} {_cell(version.outlet)} | “{_cell(version.text)}” |")
        lines.append("")
    return lines


def _escape_inline(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


def _marked(side: SideRow) -> str:
    text = " ".join(side.text.split())
    # Pieces keep their spaces (so "on **Tuesday**" stays emphasis) and need only
    # inline escaping: they sit inside a table cell, never at the start of a line.
    return "".join(
        "**" + _escape_inline(piece) + "**" if marked else _escape_inline(piece)
        for piece, marked in split_highlight(text, side.span)
    )


def _conflicts(view: ReportView) -> list[str]:
    lines = ["## Conflicts", ""]
    if not view.conflicts:
        return lines + ["_No conflicting details found._", ""]
    for i, conflict in enumerate(view.conflicts, 1):
        kind = conflict.kind or "detail"
        lines += [f"### Conflict {i}: {escape_markdown(conflict.heading)}", ""]
        lines += [f"| Source | Version | {escape_markdown(kind.capitalize())} |", "| --- | --- | --- |"]
        for side in (conflict.a, conflict.b):
            lines.append(
                f"| {_cite(side.source)} {_cell(side.outlet)} | {_marked(side)} | **{_cell(side.value)}** |"
            )
        lines.append("")
        if conflict.explanation:
            lines += [f"_{escape_markdown(conflict.explanation)}_", ""]
        if conflict.timing:
            lines += [escape_markdown(conflict.timing), ""]
    return lines


def _single_source(view: ReportView) -> list[str]:
    lines = ["## Single-source claims", ""]
    if not view.single_source:
        return lines + ["_None: every claim is reported by more than one source._", ""]
    for group in view.single_source:
        lines += [f"### {_cites(group.sources)} {escape_markdown(group.outlet)} — {escape_markdown(group.note)}", ""]
        for item, source in group.with_nearest():
            line = f"- {escape_markdown(item.claim.text)}"
            if item.detail:
                line += f" _(only here: {escape_markdown(item.detail)})_"
            if item.nearest is not None:
                cite = f"{_cite(source)} " if source is not None else ""
                line += (
                    f" _(closest wording elsewhere, not matched: {cite}{escape_markdown(item.nearest.outlet)}: "
                    f"\u201c{escape_markdown(item.nearest.text)}\u201d, {item.nearest_similarity:.2f})_"
                )
            lines.append(line)
        lines.append("")
    return lines


def _syndication(report: Report) -> list[str]:
    if not report.syndication:
        return []
    lines = ["## Syndication", ""]
    for group in report.syndication:
        copies = ", ".join(escape_markdown(c) for c in group.copies)
        line = f"- **{copies}** reprinted **{escape_markdown(group.origin)}**"
        if group.similarity == group.similarity:  # not NaN
            line += f" (similarity {group.similarity:.2f}; counted as one source)"
        lines.append(line)
    return lines + [""]


def _skipped(report: Report) -> list[str]:
    if not report.skipped:
        return []
    lines = ["## Skipped inputs", "", "| Input | Reason | Detail |", "| --- | --- | --- |"]
    for skip in report.skipped:
        lines.append(f"| {_cell(skip.origin)} | {_code(skip.reason)} ({_cell(skip.stage)}) | {_cell(skip.detail)} |")
    return lines + [""]


def _claim_line(claim: ClaimRow) -> str:
    line = f"- {escape_markdown(claim.text)}"
    if claim.notes:
        line += f" _({'; '.join(f'{label}: {escape_markdown(value)}' for label, value in claim.notes)})_"
    return line


def _all_claims(groups: tuple[ArticleClaims, ...]) -> list[str]:
    lines = ["## All claims", ""]
    if not groups:
        return lines + ["_No claims._", ""]
    for group in groups:
        prefix = f"{_cite(group.source)} " if group.source is not None else ""
        lines += [f"### {prefix}{escape_markdown(group.label)}", ""]
        lines += [_claim_line(claim) for claim in group.claims]
        lines.append("")
    return lines


def _removed(report: Report, view: ReportView) -> list[str]:
    lines = ["## Removed boilerplate", ""]
    if not any(a.removed for a in report.articles):
        return lines + ["_Nothing was removed._", ""]
    for article in report.articles:
        if not article.removed:
            continue
        number, label = article_label(article, view.sources)
        prefix = f"{_cite(number)} " if number is not None else ""
        lines += [f"### {prefix}{escape_markdown(label)}", "", "| Reason | Removed text |", "| --- | --- |"]
        for removed in article.removed:
            lines.append(f"| {_code(removed.reason)} | {_cell(removed.text)} |")
        lines.append("")
    return lines


def render_markdown(report: Report, *, show_removed: bool = False, show_claims: bool = False) -> str:
    """``report`` as one Markdown document, in the same layout as the terminal report.

    Args:
        report: the report to write.
        show_removed: add, per article, the boilerplate cleaning removed with its reason code.
        show_claims: add, per article, every claim it was split into, with its speaker
            and checkable details, whether or not it is part of a fact.

    Returns:
        Markdown text ending with a newline.
    """
    view = build_view(report)
    lines = [f"# {escape_markdown(view.title)}", ""]
    lines += [line for warning in report.warnings for line in (f"> **Warning:** {escape_markdown(warning)}", "")]
    lines += _sources(view)
    lines += _summary(report)
    lines += _facts(
        "Corroborated facts (2+ independent sources)",
        view.corroborated,
        "None: no fact is reported by two independent sources.",
    )
    lines += _facts("Facts from one independent source (reprints only)", view.other_facts, None)
    lines += _quotes(view)
    lines += _conflicts(view)
    lines += _single_source(view)
    lines += _syndication(report)
    lines += _skipped(report)
    if show_claims:
        lines += _all_claims(article_claims(report, view.sources))
    if show_removed:
        lines += _removed(report, view)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"
