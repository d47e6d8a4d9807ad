"""The report in a terminal, with rich tables and panels.

Article text is untrusted: it is always wrapped in :class:`rich.text.Text`, never
passed as console markup, so a sentence containing ``[bold]`` prints as written.
Every column folds long words instead of cutting them: nothing that matters is
truncated, however narrow the terminal.
"""

from __future__ import annotations

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from triangulate.models import Report, SingleSource
from triangulate.render.view import (
    ClaimRow,
    ConflictRow,
    FactRow,
    QuoteRow,
    ReportView,
    SideRow,
    article_claims,
    article_label,
    build_view,
    split_highlight,
)

__all__ = ["render_terminal"]

CITE = "bold cyan"
OUTLET = "bold"
MUTED = "dim"
HIGHLIGHT = "bold black on yellow"
HEADING = "bold magenta"

#: Quotes with at most this many versions are shown side by side, more as rows.
SIDE_BY_SIDE_MAX = 3


def _cite(number: int | None) -> Text:
    return Text(f"[{number}]" if number is not None else "[?]", style=CITE)


def _cites(numbers: tuple[int, ...]) -> Text:
    text = Text()
    for number in numbers:
        text.append_text(_cite(number))
    return text


def _table(*headers: str, text_column: int) -> Table:
    """A table whose column ``text_column`` takes the free width; the others fit their content.

    Every column folds a word longer than its width instead of cutting it.
    """
    table = Table(box=box.SIMPLE_HEAVY, show_lines=True, expand=True, header_style="bold")
    for i, header in enumerate(headers):
        table.add_column(header, overflow="fold", ratio=1 if i == text_column else None, vertical="top")
    return table


def _bullets(items: list[Text]) -> Table:
    """A bulleted list whose wrapped lines stay indented under their text."""
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(width=1, no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for item in items:
        grid.add_row("•", item)
    return grid


def _heading(console: Console, title: str, count: int | None = None) -> None:
    # A printed Text rather than a titled Rule: a rule cuts its title on narrow terminals.
    label = Text(title, style=HEADING + " underline")
    if count is not None:
        label.append(f" ({count})", style=MUTED)
    console.print()
    console.print(label)


def _sources(console: Console, view: ReportView) -> None:
    _heading(console, "Sources", len(view.sources))
    table = _table("#", "Source", text_column=1)
    for ref in view.sources:
        cell = Text()
        cell.append(ref.outlet, style=OUTLET)
        cell.append(" — ")
        cell.append(ref.title or "(untitled)")
        meta = [part for part in (ref.url, ref.published) if part]
        if meta:
            cell.append("\n")
            cell.append(" · ".join(meta), style=MUTED)
        table.add_row(_cite(ref.number), cell)
    console.print(table)


def _summary(console: Console, report: Report) -> None:
    _heading(console, "Summary")
    if not report.summary:
        console.print(Text("No summary: no fact is reported by two independent sources.", style=MUTED))
        return
    body = Text()
    for i, sentence in enumerate(report.summary):
        if i:
            body.append("\n")
        body.append(sentence.text)
        body.append(" ")
        body.append_text(_cites(sentence.citations))
    console.print(Panel(body, box=box.ROUNDED, padding=(0, 1)))


def _fact_cell(row: FactRow, *, show_claims: bool) -> Text:
    cell = Text()
    if row.kind == "quote" and row.speaker:
        cell.append(f"{row.speaker}: ", style=OUTLET)
    cell.append(row.text)
    cell.append("\n")
    cell.append(row.support, style=MUTED)
    if show_claims:
        for version in row.versions:
            cell.append("\n")
            cell.append_text(_cite(version.source))
            cell.append(f" {version.outlet}: ", style=OUTLET)
            cell.append(version.text)
    return cell


def _outlets_cell(row: FactRow) -> Text:
    cell = Text()
    seen: set[tuple[int | None, str]] = set()
    for version in row.versions:
        key = (version.source, version.outlet)
        if key in seen:
            continue
        seen.add(key)
        if cell:
            cell.append("\n")
        cell.append_text(_cite(version.source))
        cell.append(f" {version.outlet}")
    return cell


def _facts(console: Console, title: str, rows: tuple[FactRow, ...], *, show_claims: bool, empty: str | None) -> None:
    if not rows and empty is None:
        return
    _heading(console, title, len(rows))
    if not rows:
        console.print(Text(empty or "", style=MUTED))
        return
    table = _table("Fact", "Reported by", text_column=0)
    for row in rows:
        table.add_row(_fact_cell(row, show_claims=show_claims), _outlets_cell(row))
    console.print(table)


def _quote(row: QuoteRow) -> RenderableType:
    # Speaker and support go inside the panel: a panel title is cut when too long.
    heading = Text(row.speaker, style=OUTLET)
    heading.append("\n")
    heading.append(row.support, style=MUTED)
    if len(row.versions) <= SIDE_BY_SIDE_MAX:
        table = Table(box=box.SIMPLE, expand=True, show_header=True, header_style="bold")
        for version in row.versions:
            header = _cite(version.source)
            header.append(f" {version.outlet}", style=OUTLET)
            table.add_column(header, overflow="fold", ratio=1, vertical="top")
        table.add_row(*(Text(f"“{v.text}”") for v in row.versions))
    else:
        table = _table("Source", "Wording", text_column=1)
        for version in row.versions:
            label = _cite(version.source)
            label.append(f" {version.outlet}", style=OUTLET)
            table.add_row(label, Text(f"“{version.text}”"))
    return Panel(Group(heading, table), box=box.ROUNDED)


def _side_text(side: SideRow) -> Text:
    text = Text()
    for piece, marked in split_highlight(side.text, side.span):
        text.append(piece, style=HIGHLIGHT if marked else None)
    return text


def _conflict(row: ConflictRow) -> RenderableType:
    # The outlet sits above its version (not in a column of its own) so the
    # sentence keeps most of the width on a narrow terminal.
    table = _table("Version", row.kind.capitalize() or "Detail", text_column=0)
    for side in (row.a, row.b):
        cell = _cite(side.source)
        cell.append(f" {side.outlet}\n", style=OUTLET)
        cell.append_text(_side_text(side))
        table.add_row(cell, Text(side.value, style=HIGHLIGHT))
    parts: list[RenderableType] = [table]
    if row.explanation:
        parts.append(Text(row.explanation, style="italic"))
    if row.timing:
        parts.append(Text(row.timing, style=MUTED))
    title = Text(row.heading, style="bold red")
    return Panel(Group(*parts), title=title, title_align="left", box=box.ROUNDED, border_style="red")


def _single_item(item: SingleSource, nearest_source: int | None = None) -> Text:
    text = Text(item.claim.text)
    if item.detail:
        text.append(f"  (only here: {item.detail})", style=MUTED)
    if item.nearest is not None:
        text.append("\n  closest wording elsewhere, not matched: ", style=MUTED)
        if nearest_source is not None:
            text.append_text(_cite(nearest_source))
            text.append(" ")
        text.append(f"{item.nearest.outlet}: \u201c{item.nearest.text}\u201d ({item.nearest_similarity:.2f})", style=MUTED)
    return text


def _single_source(console: Console, view: ReportView) -> None:
    total = view.single_source_count
    _heading(console, "Single-source claims", total)
    if not view.single_source:
        console.print(Text("None: every claim is reported by more than one source.", style=MUTED))
        return
    for group in view.single_source:
        label = _cites(group.sources)
        label.append(f" {group.outlet}", style=OUTLET)
        label.append(f" — {group.note} ({len(group.items)})", style=MUTED)
        console.print(label)
        console.print(_bullets([_single_item(item, source) for item, source in group.with_nearest()]))


def _syndication(console: Console, report: Report) -> None:
    if not report.syndication:
        return
    _heading(console, "Syndication (wire copies)", len(report.syndication))
    lines = []
    for group in report.syndication:
        line = Text()
        line.append(", ".join(group.copies), style=OUTLET)
        line.append(" reprinted ")
        line.append(group.origin, style=OUTLET)
        if group.similarity == group.similarity:  # not NaN
            line.append(f"  (similarity {group.similarity:.2f}; counted as one source)", style=MUTED)
        lines.append(line)
    console.print(_bullets(lines))


def _skipped(console: Console, report: Report) -> None:
    if not report.skipped:
        return
    _heading(console, "Skipped inputs", len(report.skipped))
    table = _table("Input", "Reason", "Detail", text_column=2)
    for skip in report.skipped:
        table.add_row(Text(skip.origin), Text(f"{skip.reason} ({skip.stage})", style="yellow"), Text(skip.detail))
    console.print(table)


def _claim_item(claim: ClaimRow) -> Text:
    text = Text(claim.text)
    if claim.notes:
        text.append(f"  ({'; '.join(f'{label}: {value}' for label, value in claim.notes)})", style=MUTED)
    return text


def _all_claims(console: Console, report: Report, view: ReportView) -> None:
    groups = article_claims(report, view.sources)
    _heading(console, "All claims", sum(len(g.claims) for g in groups))
    if not groups:
        console.print(Text("No claims.", style=MUTED))
        return
    for group in groups:
        header = _cite(group.source) if group.source is not None else Text()
        header.append(f" {group.label}", style=OUTLET)
        header.append(f" ({len(group.claims)})", style=MUTED)
        console.print(header)
        console.print(_bullets([_claim_item(claim) for claim in group.claims]))


def _removed(console: Console, report: Report, view: ReportView) -> None:
    total = sum(len(a.removed) for a in report.articles)
    _heading(console, "Removed boilerplate", total)
    if not total:
        console.print(Text("Nothing was removed.", style=MUTED))
        return
    for article in report.articles:
        if not article.removed:
            continue
        number, label = article_label(article, view.sources)
        header = _cite(number) if number is not None else Text()
        header.append(f" {label}", style=OUTLET)
        table = _table("Reason", "Removed text", text_column=1)
        for removed in article.removed:
            table.add_row(Text(removed.reason, style="yellow"), Text(removed.text, style=MUTED))
        console.print(header)
        console.print(table)


def render_terminal(
    report: Report,
    *,
    console: Console,
    show_removed: bool = False,
    show_claims: bool = False,
) -> None:
    """Print ``report`` on ``console``: sources, cited summary, facts, quotes, conflicts,
    single-source claims, syndication and skipped inputs.

    Args:
        report: the report to show.
        console: where to print (its width decides the wrapping; nothing is cut).
        show_removed: also list, per article, the boilerplate cleaning removed and why.
        show_claims: under each fact, show every outlet's own wording, and list every
            claim of every article (with its speaker and checkable details) at the end.

    Example:
        >>> from rich.console import Console
        >>> render_terminal(report, console=Console())   # doctest: +SKIP
    """
    view = build_view(report)
    console.print(Panel(Text(view.title, style="bold"), box=box.HEAVY, padding=(0, 1)))
    for warning in report.warnings:
        line = Text("Warning: ", style="bold yellow")
        line.append(warning)
        console.print(line)
    _sources(console, view)
    _summary(console, report)
    _facts(
        console,
        "Corroborated facts (2+ independent sources)",
        view.corroborated,
        show_claims=show_claims,
        empty="None: no fact is reported by two independent sources.",
    )
    _facts(console, "Facts from one independent source (reprints only)", view.other_facts, show_claims=show_claims, empty=None)
    if view.quotes:
        _heading(console, "Quotes", len(view.quotes))
        for quote in view.quotes:
            console.print(_quote(quote))
    _heading(console, "Conflicts", len(view.conflicts))
    if not view.conflicts:
        console.print(Text("No conflicting details found.", style=MUTED))
    for conflict in view.conflicts:
        console.print(_conflict(conflict))
    _single_source(console, view)
    _syndication(console, report)
    _skipped(console, report)
    if show_claims:
        _all_claims(console, report, view)
    if show_removed:
        _removed(console, report, view)
