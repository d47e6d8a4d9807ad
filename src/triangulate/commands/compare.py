"""`triangulate compare FILE...`"""

from __future__ import annotations

import sys

import click

from triangulate.commands.console import FormatChoice
from triangulate.errors import TriangulateError

FORMATS = ("terminal", "json", "markdown", "html")


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="FILE...")
@click.option("--source", help="Outlet name for inputs that name none (no `source` field, no URL).")
@click.option(
    "-f", "--format", "fmt", type=FormatChoice(FORMATS), default="terminal", show_default=True,
    help="Output format. json follows docs/report-schema.md.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the report to this file.")
@click.option("--show-removed", is_flag=True, help="Also show the boilerplate removed from each article, with reasons.")
@click.option(
    "--show-claims", is_flag=True,
    help="Also list every claim of every article, with its speaker and details (terminal: and each outlet's wording under each fact).",
)
@click.option("--model", help="Embedding model: minilm-onnx (default), st:<name or path>, or a .onnx file.")
@click.option("--max-articles", type=int, default=1000, show_default=True, help="Refuse larger inputs (a story, not a corpus).")
@click.option("--strict", is_flag=True, help="Exit with status 2 when any input was skipped.")
@click.option("--all-pairs", is_flag=True, hidden=True, help="Score every claim pair (the benchmark's naive baseline).")
def compare(
    inputs: tuple[str, ...],
    source: str | None,
    fmt: str,
    output: str | None,
    show_removed: bool,
    show_claims: bool,
    model: str | None,
    max_articles: int,
    strict: bool,
    all_pairs: bool,
) -> None:
    """Triangulate one story from several articles about it.

    FILE may be a .txt (title line, then paragraphs), .html, .md, .json or .jsonl
    file, a folder or glob of them, or `-` for JSONL records on stdin. Each
    record may carry url, source, title, published and text or html.

    \b
    Exit status: 0 report written; 1 unexpected error; 2 no readable article,
    too many articles, or (with --strict) a skipped input; 3 embedding model
    missing or unloadable; 130 interrupted (Ctrl-C), 143 stopped (SIGTERM).
    """
    from rich.console import Console
    from rich.text import Text

    from triangulate.commands.console import out_console, print_error, print_report_warnings, print_skip, report_warnings_not_logged, write_output
    from triangulate.compare import CompareSettings, compare as run_compare
    from triangulate.embed import load_embedder
    from triangulate.render import render

    err = Console(stderr=True)
    try:
        embedder = load_embedder(model)
        settings = CompareSettings(max_articles=max_articles, all_pairs=all_pairs)
        # The report's warnings are shown with it (or below, on stderr), once.
        with err.status("Comparing articles...", spinner="dots") if err.is_terminal else _Null(), report_warnings_not_logged():
            report = run_compare(inputs, source=source, stdin=sys.stdin.buffer, embedder=embedder, settings=settings)
    except TriangulateError as exc:
        print_error(err, exc)
        sys.exit(exc.exit_code)
    for skip in report.skipped:
        print_skip(err, skip)
    if output or fmt != "terminal":
        print_report_warnings(err, report)
    if output:
        text = render(report, "terminal" if fmt == "terminal" else fmt, show_removed=show_removed, show_claims=show_claims)
        write_output(output, lambda p: p.write_text(text or "", encoding="utf-8"), console=err)
        err.print(Text(f"Report written to {output}"))
    elif fmt == "terminal":
        render(report, "terminal", show_removed=show_removed, show_claims=show_claims, console=out_console())
    else:
        click.echo(render(report, fmt, show_removed=show_removed, show_claims=show_claims))
    if strict and report.skipped:
        sys.exit(2)


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
