"""Show a :class:`~triangulate.models.Report`: terminal (rich), JSON, Markdown or HTML.

Every format has the same layout: title; numbered source list; cited summary;
corroborated facts with their outlets and count of independent sources; quotes
with each outlet's wording side by side; conflicts with the differing detail
highlighted; single-source claims per outlet; syndication; skipped inputs; and,
on request, every claim of every article and the boilerplate removed from each
article with its reason code.

>>> print(render(report, "markdown"))            # doctest: +SKIP
>>> render(report, "terminal", console=Console())  # doctest: +SKIP
"""

from __future__ import annotations

import io

from rich.console import Console

from triangulate.errors import ConfigError
from triangulate.models import Report
from triangulate.render.html import render_html
from triangulate.render.markdown import render_markdown
from triangulate.render.terminal import render_terminal

__all__ = ["FORMATS", "render", "render_html", "render_markdown", "render_terminal"]

#: Output formats understood by :func:`render` (and ``--format``).
FORMATS: tuple[str, ...] = ("terminal", "json", "markdown", "html")

#: Width used when the terminal report is rendered to a string rather than a console.
TEXT_WIDTH = 100


def render(
    report: Report,
    fmt: str,
    *,
    console: Console | None = None,
    show_removed: bool = False,
    show_claims: bool = False,
) -> str:
    """Render ``report`` in format ``fmt`` (one of :data:`FORMATS`).

    Args:
        report: the report to show.
        fmt: ``"terminal"``, ``"json"``, ``"markdown"`` or ``"html"``.
        console: for ``"terminal"``: print there and return ``""``. Without it the
            terminal report is returned as plain text (no colour codes), 100 columns wide.
        show_removed: add the boilerplate removed from each article, with reason codes
            (JSON always carries it in ``articles[].removed``).
        show_claims: add every claim of every article, grouped by article, with its
            speaker and checkable details (JSON always carries them in ``claims``); the
            terminal also shows each outlet's wording under each fact (Markdown and
            HTML always do).

    Returns:
        The rendered text, or ``""`` when it was printed on ``console``.

    Raises:
        ConfigError: ``fmt`` is not a known format.
    """
    if fmt == "terminal":
        if console is not None:
            render_terminal(report, console=console, show_removed=show_removed, show_claims=show_claims)
            return ""
        buffer = io.StringIO()
        plain = Console(file=buffer, width=TEXT_WIDTH, force_terminal=False, no_color=True, highlight=False)
        render_terminal(report, console=plain, show_removed=show_removed, show_claims=show_claims)
        return buffer.getvalue()
    if fmt == "json":
        from triangulate.report_json import report_to_json

        return report_to_json(report) + "\n"
    if fmt == "markdown":
        return render_markdown(report, show_removed=show_removed, show_claims=show_claims)
    if fmt == "html":
        return render_html(report, show_removed=show_removed, show_claims=show_claims)
    raise ConfigError(f"unknown output format {fmt!r}; expected one of: {', '.join(FORMATS)}.", code="E210")
