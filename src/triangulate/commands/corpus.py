"""Corpus commands: ingest, feeds, watch, stories, story, merge-stories, move-articles, articles, article, sources, search.

Each command parses its options, opens the corpus (``--db``, default
``$TRIANGULATE_DB`` or ``./triangulate.db``), calls one method of
:class:`triangulate.corpus.Corpus` and renders the result. Every listing has
``--format json``. Library errors become a one-line message and the error's
exit status.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from rich.text import Text

from triangulate.commands.console import (
    FormatChoice,
    err_console,
    out_console,
    past_the_end,
    print_error,
    print_page_note,
    print_report_warnings,
    print_skip,
    report_warnings_not_logged,
    print_table,
    snippet_text,
    write_output,
)
from triangulate.commands.stops import handles_stops, stopped_by_sigterm, stopped_how, stopped_status
from triangulate.errors import InputError, TriangulateError

F = TypeVar("F", bound=Callable[..., Any])

LIST_FORMATS = ("table", "json")
#: The largest --limit, --offset and --min-sources taken (a number past SQLite's integers is refused, not a crash).
MAX_COUNT = 10**12


def db_option(func: F) -> F:
    return click.option(
        "--db",
        type=click.Path(dir_okay=False),
        envvar="TRIANGULATE_DB",
        default="triangulate.db",
        show_default=True,
        callback=_empty_env_db,
        help="Corpus database (also $TRIANGULATE_DB).",
    )(func)


def _empty_env_db(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """An empty ``$TRIANGULATE_DB`` is an empty path, refused with E504 as ``--db ""`` is
    (click reads an empty variable as none and would open ./triangulate.db)."""
    if param.name and ctx.get_parameter_source(param.name) is click.ParameterSource.DEFAULT and os.environ.get("TRIANGULATE_DB") == "":
        return ""
    return value


def format_option(func: F) -> F:
    return click.option(
        "-f", "--format", "fmt", type=FormatChoice(LIST_FORMATS), default="table", show_default=True, help="Output format."
    )(func)


@contextmanager
def _corpus(db: str, *, existing: bool = False, **options: Any) -> Iterator[Any]:
    """Open the corpus; library errors become a message and the error's exit status.

    ``existing``: a command that only reads refuses a database that is not there
    (a mistyped ``--db`` would otherwise leave an empty corpus behind and list nothing).
    """
    from triangulate.corpus import Corpus
    from triangulate.corpus.store import missing_corpus
    from triangulate.errors import StoreError

    try:
        missing = missing_corpus(db) if existing else None
        if missing is not None:
            raise missing
        with Corpus.open(db, **options) as corpus:
            yield corpus
    except TriangulateError as exc:
        print_error(err_console(), exc)
        sys.exit(exc.exit_code)
    except sqlite3.DatabaseError as exc:
        # Damage found on a path that reads the file directly (not through Store._query).
        from triangulate.corpus.store import damaged, damaged_message

        if not damaged(exc):
            raise
        error = StoreError(damaged_message(db, exc), code="E509")
        print_error(err_console(), error)
        sys.exit(error.exit_code)


def _json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _short(value: str | None, n: int = 19) -> str:
    return (value or "")[:n].replace("T", " ")


# --- ingest -------------------------------------------------------------------------


@click.command()
@click.argument("targets", nargs=-1, required=True, metavar="PATH|URL...")
@db_option
@click.option("--source", help="Outlet name for inputs that name none (no `source` field, no URL).")
@click.option("--allow-private", is_flag=True, help="Let the fetcher reach loopback and private addresses (local testing only).")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=128, show_default=True, help="Articles per write transaction.")
@click.option("-f", "--format", "fmt", type=FormatChoice(["text", "json"]), default="text", show_default=True, help="Summary format.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("--strict", is_flag=True, help="Exit with status 2 when any input was skipped (what was read is still stored).")
@handles_stops  # SIGTERM stops it as Ctrl-C does, also for a caller that runs the command itself
def ingest(
    targets: tuple[str, ...], db: str, source: str | None, allow_private: bool, batch_size: int, fmt: str, quiet: bool, strict: bool
) -> None:
    """Add files, folders, globs, WARC archives (.warc, .warc.gz) or URLs to the corpus.

    Files may be .txt, .html, .md, .json or .jsonl; `-` reads JSONL on stdin.
    Each article is cleaned, checked for duplicates (re-ingesting changes
    nothing; changed text at a known URL becomes a new version) and placed into
    a story. Unusable inputs are recorded as skips with a reason; the run goes on.

    \b
    Exit status: 0 done (even with skips); 2 a bad option, or with --strict a
    skipped input; 1 unexpected error; 5 database error; 130 interrupted (Ctrl-C)
    and 143 stopped (SIGTERM): what was stored stays, the same command finishes the job.
    """
    import time

    from triangulate.corpus import IngestSummary

    err = err_console()
    with _corpus(db, allow_private=allow_private, batch_size=batch_size) as corpus:
        so_far = IngestSummary()  # what is stored, batch by batch (an interrupted batch is rolled back)
        started = time.perf_counter()
        show = err.is_terminal and not quiet and fmt == "text"
        try:
            if show:
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

                progress = Progress(
                    SpinnerColumn(), TextColumn("[bold]Ingesting"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[counts]}"), TimeElapsedColumn(), console=err, transient=True,
                )
                counts = {"new": 0, "duplicate": 0, "updated": 0, "skipped": 0}
                task = progress.add_task("ingest", total=None, counts="")

                def on_result(result: Any) -> None:
                    so_far.count(result)
                    counts[result.status] = counts.get(result.status, 0) + 1
                    label = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
                    progress.update(task, advance=1, counts=label)

                with progress:
                    summary = corpus.ingest(targets, source=source, on_result=on_result)
            else:
                summary = corpus.ingest(targets, source=source, on_result=so_far.count)
        except KeyboardInterrupt:
            so_far.seconds = time.perf_counter() - started
            _partial_summary(so_far, fmt, stopped=stopped_how())
            err.print(f"{stopped_how()}: what is counted above is stored; run the same command again to finish", highlight=False, soft_wrap=True)
            sys.exit(stopped_status())
        except TriangulateError as exc:
            if not so_far.total and fmt != "json":
                raise  # nothing stored yet: the error alone says it (a script still gets its JSON object)
            # A database that became busy or full half-way: say what is stored before the error.
            so_far.seconds = time.perf_counter() - started
            _partial_summary(so_far, fmt, stopped=f"error {exc.code}")
            print_error(err, exc)
            # A rerun finishes the job once the disk has room or the lock is free; not with a
            # damaged file or a missing model.
            again = "; run the same command again to finish" if exc.code in ("E505", "E506", "E512") else ""
            err.print(f"what is counted above is stored{again}", highlight=False, soft_wrap=True)
            sys.exit(exc.exit_code)
        if fmt == "json":
            _json(summary.to_dict())
        else:
            for skip in summary.skips[:20]:
                print_skip(err, skip)
            if summary.skipped > 20:
                err.print(f"... and {summary.skipped - 20} more skips", highlight=False)
            click.echo(summary.line())
        if strict and summary.skipped:
            err.print(f"--strict: {summary.skipped} input(s) skipped", highlight=False)
            sys.exit(2)


def _partial_summary(so_far: Any, fmt: str, *, stopped: str) -> None:
    """The counts of a run that did not finish, on stdout: its summary line, or with
    ``--format json`` the summary object with ``"stopped"`` saying why (``interrupted``,
    ``stopped (SIGTERM)``, ``error E506``), so that a script still reads one JSON object."""
    if fmt == "json":
        _json({**so_far.to_dict(), "stopped": stopped})
    else:
        click.echo(so_far.line())


# --- feeds / watch ---------------------------------------------------------------------


@click.group()
def feeds() -> None:
    """Manage the feeds the corpus follows (RSS / Atom)."""


@feeds.command("add")
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@db_option
@click.option("--title", default="", help="A name for the feed, kept whatever the feed calls itself (else the feed's own title, at its first poll).")
@click.option("-f", "--format", "fmt", type=FormatChoice(["text", "json"]), default="text", show_default=True, help="Output format.")
def feeds_add(urls: tuple[str, ...], db: str, title: str, fmt: str) -> None:
    """Follow one or more feeds (a URL that is refused does not stop the others; exit 2 then)."""
    with _corpus(db) as corpus:
        from triangulate.corpus.feeds import canonical_feed_url

        rows: list[dict[str, Any]] = []
        for url in urls:
            try:
                added = corpus.add_feed(url, title=title)
            except InputError as exc:
                rows.append({"url": url, "status": "refused", "error": str(exc)})
                continue
            rows.append({"url": canonical_feed_url(url), "status": "added" if added else "already followed", "error": None})
        if fmt == "json":
            _json(rows)
        else:
            for row in rows:
                if row["error"]:
                    print_error(err_console(), f"{row['url']}: {row['error']}")
                else:
                    click.echo(f"{row['status']}: {row['url']}")
        if any(row["error"] for row in rows):
            sys.exit(2)


@feeds.command("list")
@db_option
@format_option
def feeds_list(db: str, fmt: str) -> None:
    """List followed feeds with their polling state."""
    with _corpus(db, existing=True) as corpus:
        items = corpus.feeds()
        if fmt == "json":
            _json([f.to_dict() for f in items])
            return
        if not items:
            click.echo("No feeds. Add one with `triangulate feeds add URL` or `triangulate feeds import FILE.opml`.")
            return
        print_table(
            ["URL", "Title", "Last polled (UTC)", "Status", "Errors", "Next poll (UTC)"],
            [[f.url, f.title, _short(f.last_polled), f.last_error or f.last_status or "", f.error_count, _short(f.next_poll)] for f in items],
        )


@feeds.command("remove")
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@db_option
@click.option("-f", "--format", "fmt", type=FormatChoice(["text", "json"]), default="text", show_default=True, help="Output format.")
def feeds_remove(urls: tuple[str, ...], db: str, fmt: str) -> None:
    """Stop following feeds (stored articles stay; exit 2 when one was not followed)."""
    with _corpus(db, existing=True) as corpus:
        rows = [{"url": url, "status": "removed" if corpus.remove_feed(url) else "not followed"} for url in urls]
        if fmt == "json":
            _json(rows)
        else:
            for row in rows:
                click.echo(f"{row['status']}: {row['url']}", err=row["status"] != "removed")
        if any(row["status"] != "removed" for row in rows):
            sys.exit(2)


@feeds.command("import")
@click.argument("opml", type=click.Path(exists=True, dir_okay=False))
@db_option
@click.option("-f", "--format", "fmt", type=FormatChoice(["text", "json"]), default="text", show_default=True, help="Output format.")
def feeds_import(opml: str, db: str, fmt: str) -> None:
    """Follow every feed listed in an OPML file."""
    with _corpus(db) as corpus:
        added, known, skipped = corpus.import_opml(opml)
        if fmt == "json":
            _json({"added": added, "already_followed": known, "skipped": [{"url": url, "reason": why} for url, why in skipped]})
            return
        for url, why in skipped:
            click.echo(f"skipped {url}: {why}", err=True)
        click.echo(f"{added} feed(s) added, {known} already followed" + (f", {len(skipped)} skipped" if skipped else ""))


@click.command()
@db_option
@click.option("--once", is_flag=True, help="Poll every feed once, then exit.")
@click.option("--interval", type=click.FloatRange(1.0), default=900.0, show_default=True, help="Seconds between polls of a feed.")
@click.option("--allow-private", is_flag=True, help="Let the fetcher reach loopback and private addresses (local testing only).")
@click.option("--no-follow", is_flag=True, help="Use the entries' own text; do not fetch the article pages.")
@click.option("-f", "--format", "fmt", type=FormatChoice(["text", "json"]), default="text", show_default=True, help="Output format (json: one line per poll).")
@handles_stops  # a service stop ends the watch as Ctrl-C does
def watch(db: str, once: bool, interval: float, allow_private: bool, no_follow: bool, fmt: str) -> None:
    """Poll the followed feeds and ingest new articles as they appear.

    Conditional GETs (ETag / Last-Modified); a feed that fails is polled again
    later and later (interval x 2^errors, at most a day); a refusal of this side
    (a private address without --allow-private, robots.txt) is no error of the feed.
    Stop with Ctrl-C or SIGTERM (a service stop): the poll in progress keeps what it
    stored, the next run goes on from there.

    \b
    Exit status: 0 polled (with --once: at least one feed answered), or stopped
    by Ctrl-C or SIGTERM; 2 no feeds; 4 with --once, every feed failed; 5 database error.
    """
    import threading

    from triangulate.corpus import IngestSummary

    err = err_console()
    with _corpus(db, allow_private=allow_private) as corpus:
        if not corpus.feeds():
            err.print("No feeds to watch. Add one with `triangulate feeds add URL`.")
            sys.exit(2)

        in_progress = [IngestSummary()]  # what the feed being polled has stored so far

        def on_poll(result: Any) -> None:
            in_progress[0] = IngestSummary()
            if fmt == "json":
                click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
                return
            if result.status == "error":
                failed.append(result.url)
                detail = (result.detail or "").removeprefix(f"{result.url}: ").removeprefix(f"{result.url} ")
                click.echo(f"{result.url}: error {result.error}: {detail} (next poll {_short(result.next_poll)})")
                return
            done.append(result.url)
            summary = IngestSummary()
            for r in result.results:
                summary.count(r)
            line = summary.line() if result.status == "ok" else "not modified"
            click.echo(f"{result.url}: {line}")

        failed: list[str] = []
        done: list[str] = []
        stop = threading.Event()
        try:
            corpus.watch(interval=interval, once=once, stop=stop, on_poll=on_poll, on_result=lambda r: in_progress[0].count(r), follow=not no_follow)
        except KeyboardInterrupt:
            stop.set()
            partial = in_progress[0]
            if partial.total:  # stopped half-way through a feed: what of it is stored (its entries are marked as taken)
                if fmt == "json":
                    click.echo(json.dumps({"status": "stopped", **partial.to_dict()}, ensure_ascii=False))
                else:
                    click.echo(f"(the feed being polled when stopped): {partial.line()}")
            err.print("stopped (SIGTERM)" if stopped_by_sigterm() else "stopped")
        if once and failed and not done:
            err.print(f"every feed failed ({len(failed)})", highlight=False)
            sys.exit(4)


# --- stories / story ---------------------------------------------------------------------


@click.command()
@db_option
@click.option("--since", help="Only stories active since this date or age (2024-05-01, 24h, 7d).")
@click.option("--min-sources", type=click.IntRange(1, MAX_COUNT), default=1, show_default=True, help="Only stories with at least N independent sources.")
@click.option("--query", help="Only stories with an article matching this full-text query (the syntax of `search`).")
# The old short form of --query; -q means --quiet in ingest. Kept for one release, with a warning.
@click.option("-q", "old_query", hidden=True)
@click.option("--outlet", help="Only stories covered by this outlet.")
@click.option("--limit", type=click.IntRange(1, MAX_COUNT), default=50, show_default=True, help="Rows to show.")
@click.option("--offset", type=click.IntRange(0, MAX_COUNT), default=0, help="Rows to skip first (the next page: --offset 50).")
@format_option
def stories(
    db: str, since: str | None, min_sources: int, query: str | None, old_query: str | None, outlet: str | None, limit: int, offset: int, fmt: str
) -> None:
    """List stories, most recently active first."""
    if old_query is not None:
        err_console().print("warning: `stories -q` is deprecated and will go: write --query (-q means --quiet elsewhere)", highlight=False)
        query = query or old_query
    with _corpus(db, existing=True) as corpus:
        try:
            items = corpus.stories(since=since, min_sources=min_sources, query=query, outlet=outlet, limit=limit, offset=offset)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--since") from exc
        from triangulate.corpus.store import parse_since

        cutoff = parse_since(since) if since else None
        named = corpus.store.outlet_filter(outlet)

        def total() -> int:
            return int(corpus.store.count_stories(since=cutoff, min_sources=min_sources, query=query, outlet=named))

        if fmt == "json":
            _json([s.to_dict() for s in items])
        elif not items:
            if not past_the_end(offset, limit, total, what="stories"):
                click.echo("No stories match.")
            return
        else:
            print_table(
                ["Story", "Title", "Articles", "Sources", "Outlets", "Last active (UTC)"],
                [[s.id, s.title, s.articles, s.sources, ", ".join(s.outlet_names[:4]) + (" ..." if len(s.outlet_names) > 4 else ""), _short(s.last_published or s.updated)] for s in items],
            )
        print_page_note(len(items), offset, limit, what="stories", total=total)


@click.command()
@click.argument("story_id", metavar="ID")
@db_option
@click.option("-f", "--format", "fmt", type=FormatChoice(["terminal", "json", "markdown", "html"]), default="terminal", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the report to this file.")
@click.option("--refresh", is_flag=True, help="Recompute the report even when a cached one is current.")
@click.option("--show-removed", is_flag=True, help="Also show the boilerplate removed from each article.")
def story(story_id: str, db: str, fmt: str, output: str | None, refresh: bool, show_removed: bool) -> None:
    """Show the triangulation report of one story (cached; refreshed when it gains articles)."""

    from triangulate.render import render

    err = err_console()
    with _corpus(db, existing=True) as corpus:
        detail = corpus.story(story_id)
        if detail is None:
            print_error(err, InputError(f"{corpus.store.unknown_id('story', story_id)}; list them with `triangulate stories`", code="E123"))
            sys.exit(2)
        # The report's warnings are shown with it (or on stderr), cached or not.
        with err.status("Triangulating...", spinner="dots") if err.is_terminal and fmt == "terminal" else _Null(), report_warnings_not_logged():
            report = corpus.report(detail.id, refresh=refresh)
        if output or fmt != "terminal":
            print_report_warnings(err, report)
        if output:
            rendered = render(report, fmt, show_removed=show_removed) or ""
            write_output(output, lambda p: p.write_text(rendered, encoding="utf-8"), console=err)
            err.print(Text(f"Report written to {output}"))
        elif fmt == "terminal":
            render(report, "terminal", show_removed=show_removed, console=out_console())
        else:
            click.echo(render(report, fmt, show_removed=show_removed))
        if fmt == "terminal" and detail.corrections:
            console = out_console()
            console.print("\n[bold]Corrections[/] (articles changed since first published):")
            for art in detail.corrections:
                console.print(Text(f"  {art.outlet}: version {art.version} of {art.url or art.origin}"), soft_wrap=True)
                changed = [
                    line for line in corpus.diff(art.id).splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))
                ]
                for line in changed[:4]:
                    console.print(Text(f"    {line[:1]} {_clip(line[1:], 160)}", style="red" if line[0] == "-" else "green"), soft_wrap=True)
                if len(changed) > 4:
                    console.print(Text(f"    ... {len(changed) - 4} more changed lines"), soft_wrap=True)
                console.print(Text(f"    the whole change: triangulate article {art.id} --diff"), soft_wrap=True)


@click.command("merge-stories")
@click.argument("into", metavar="INTO")
@click.argument("others", nargs=-1, required=True, metavar="OTHER...")
@db_option
@format_option
def merge_stories(into: str, others: tuple[str, ...], db: str, fmt: str) -> None:
    """Join stories the clusterer kept apart: every article of OTHER moves into INTO.

    The merged ids keep pointing to INTO. Ids may be unique prefixes.
    """
    with _corpus(db, existing=True) as corpus:
        detail = corpus.merge_stories(into, list(others))
        info = detail.info
        if fmt == "json":
            _json(info.to_dict())
            return
        click.echo(f"Story {info.id}: {info.articles} articles, {info.sources} independent sources ({info.title})")


@click.command("move-articles")
@click.argument("article_ids", nargs=-1, required=True, metavar="ARTICLE...")
@click.option("--to", "to", metavar="STORY", help="Move them into this story.")
@click.option("--new", "new", is_flag=True, help="Move them into a new story of their own.")
@click.option("--copies/--no-copies", default=True, show_default=True, help="Take their copies (reprints) in the same story along.")
@db_option
@click.option("-f", "--format", "fmt", type=FormatChoice(["text", "json"]), default="text", show_default=True, help="Output format.")
def move_articles(article_ids: tuple[str, ...], to: str | None, new: bool, copies: bool, db: str, fmt: str) -> None:
    """Take articles out of the story they were wrongly put in: into STORY (--to) or a new one (--new).

    Every version of an article moves with it, and so do its copies (reprints) in the same
    story unless --no-copies. Ids may be unique prefixes.
    """
    if (to is None) == (not new):
        raise click.UsageError("give one of --to STORY or --new")
    with _corpus(db, existing=True) as corpus:
        result = corpus.move_articles(list(article_ids), to, copies=copies)
        if fmt == "json":
            _json(result.to_dict())
            return
        extra = []
        if result.copies:
            extra.append(f"{len(result.copies)} of them {'a copy' if len(result.copies) == 1 else 'copies'}")
        if result.versions:
            extra.append(f"with {len(result.versions)} earlier version{'s' if len(result.versions) != 1 else ''}")
        n = len(result.moved)
        where = "a new story" if result.new_story else "story"
        click.echo(f"Moved {n} article{'s' if n != 1 else ''}" + (f" ({', '.join(extra)})" if extra else "") + f" to {where} {result.story.id}")
        for art in result.moved:
            click.echo(f"  {art.id}  {art.outlet}: {art.title}" + (" (copy)" if art.id in result.copies else ""))
        for info in (result.story, *result.left):
            if info.articles:
                click.echo(f"Story {info.id}: {info.articles} articles, {info.sources} independent sources ({info.title})")
            else:
                click.echo(f"Story {info.id}: no articles left")


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


# --- articles / article / search -------------------------------------------------------------


@click.command()
@db_option
@click.option("--story", "story_id", help="Only the articles of this story.")
@click.option("--outlet", help="Only this outlet's articles.")
@click.option("--since", help="Only articles published since this date or age (2024-05-01, 24h, 7d).")
@click.option("--all-versions", is_flag=True, help="Include superseded versions of corrected articles.")
@click.option("--limit", type=click.IntRange(1, MAX_COUNT), default=50, show_default=True, help="Rows to show.")
@click.option("--offset", type=click.IntRange(0, MAX_COUNT), default=0, help="Rows to skip first (the next page: --offset 50).")
@format_option
def articles(db: str, story_id: str | None, outlet: str | None, since: str | None, all_versions: bool, limit: int, offset: int, fmt: str) -> None:
    """List articles, newest first."""
    with _corpus(db, existing=True) as corpus:
        if story_id and corpus.store.resolve_story(story_id) is None:
            print_error(err_console(), InputError(f"{corpus.store.unknown_id('story', story_id)}; list them with `triangulate stories`", code="E123"))
            sys.exit(2)
        try:
            items = corpus.articles(story=story_id, outlet=outlet, since=since, include_superseded=all_versions, limit=limit, offset=offset)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--since") from exc
        from triangulate.corpus.store import parse_since

        sid = corpus.store.resolve_story(story_id) if story_id else None
        cutoff = parse_since(since) if since else None
        named = corpus.store.outlet_filter(outlet)

        def total() -> int:
            return int(corpus.store.count_articles(story=sid, outlet=named, since=cutoff, include_superseded=all_versions))

        if fmt == "json":
            _json([a.to_dict() for a in items])
        elif not items:
            if not past_the_end(offset, limit, total, what="articles"):
                click.echo("No articles match.")
            return
        else:
            print_table(
                ["Article", "Outlet", "Title", "Published (UTC)", "Story", "Note"],
                [[a.id, a.outlet, a.title, _short(a.published), a.story_id, _note(a)] for a in items],
            )
        print_page_note(len(items), offset, limit, what="articles", total=total)


def _note(a: Any) -> str:
    notes = []
    if a.version > 1:
        notes.append(f"v{a.version}")
    if not a.current:
        notes.append("superseded")
    if a.duplicate_of:
        notes.append(f"{a.duplicate_kind} copy of {a.duplicate_of}")
    return ", ".join(notes)


@click.command()
@click.argument("article_id", metavar="ID")
@db_option
@click.option("--raw", is_flag=True, help="The raw input exactly as ingested.")
@click.option("--removed", is_flag=True, help="The boilerplate removed, with reasons.")
@click.option("--diff", is_flag=True, help="What changed since the previous version.")
@click.option("-f", "--format", "fmt", type=FormatChoice(["text", "json"]), default="text", show_default=True)
def article(article_id: str, db: str, raw: bool, removed: bool, diff: bool, fmt: str) -> None:
    """Show one article: cleaned text (default), raw input, removed boilerplate or a diff (one of them)."""
    views = [name for name, given in (("raw", raw), ("removed", removed), ("diff", diff)) if given]
    if len(views) > 1:
        raise click.UsageError(f"give one of --raw, --removed, --diff, not {' and '.join('--' + v for v in views)}")
    view = views[0] if views else None
    with _corpus(db, existing=True) as corpus:
        art = corpus.article(article_id)
        if art is None:
            print_error(err_console(), InputError(f"{corpus.store.unknown_id('article', article_id)}; list them with `triangulate articles`", code="E122"))
            sys.exit(2)
        if fmt == "json":
            data = art.to_dict(full=True)
            data["versions"] = [{"id": v.id, "version": v.version, "added": v.added} for v in corpus.versions(art.id)]
            if view == "diff":
                data["diff"] = corpus.diff(art.id)
            _json(data)
            return
        if view == "raw":
            click.echo(art.raw)
        elif view == "removed":
            if not art.removed:
                click.echo("Nothing was removed.")
            for item in art.removed:
                click.echo(f"[{item.reason}] {item.text}")
        elif view == "diff":
            changes = corpus.diff(art.id)
            if not changes and art.superseded_by:
                changes = (
                    f"Version {art.version} is the first version. It was corrected: "
                    f"`triangulate article {art.superseded_by} --diff` shows what version {art.version + 1} changed."
                )
            click.echo(changes or f"Version {art.version} is the first version: nothing to compare.")
        else:
            click.echo(art.title)
            meta = [art.outlet, _short(art.published), art.url or art.origin, f"version {art.version}" + ("" if art.current else f" (superseded by {art.superseded_by})")]
            if art.duplicate_of:
                meta.append(f"{art.duplicate_kind} copy of {art.duplicate_of} (similarity {art.similarity:.2f})")
            click.echo(" | ".join(m for m in meta if m))
            click.echo(f"story {art.story_id}" if art.story_id else "")
            click.echo("")
            click.echo(art.text)


class _QueryCommand(click.Command):
    """A command whose arguments are the words of a query: once the query has begun, a word
    that starts with ``-`` is a word of the query (``-harbour`` leaves out harbour) unless it
    is exactly one of the command's options (``-f``, ``--limit``, ``-h``) or a long option
    with its value (``--format=json``). Before the first word click reads the options as
    always (``-fjson`` included); there, a ``-word`` that is no option begins the query."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, self._query_apart(ctx, args))

    def _query_apart(self, ctx: click.Context, args: list[str]) -> list[str]:
        """``args`` as click should read them: the options, then ``--`` and the query's words."""
        takes_value: dict[str, bool] = {}
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                for name in (*param.opts, *param.secondary_opts):
                    takes_value[name] = not param.is_flag and not param.count
        options: list[str] = []
        words: list[str] = []
        rest = iter(args)
        for arg in rest:
            name = arg.split("=", 1)[0] if arg.startswith("--") else arg
            if arg == "--":
                words.extend(rest)
            elif name in takes_value:
                options.append(arg)
                if takes_value[name] and name == arg:
                    value = next(rest, None)
                    if value is None:
                        return args  # click says that the option needs a value
                    options.append(value)  # whatever it looks like (--db -x.db)
            elif arg.startswith("--"):
                options.append(arg)  # a mistyped long option (--limt): click says so
            elif not words and len(arg) > 2 and takes_value.get(arg[:2]):
                options.append(arg)  # -fjson before the query: the option with its value
            else:
                words.append(arg)
        return [*options, "--", *words] if words else options


@click.command(cls=_QueryCommand)
@click.argument("query", nargs=-1, required=True, type=click.UNPROCESSED)
@db_option
@click.option("--limit", type=click.IntRange(1, MAX_COUNT), default=20, show_default=True, help="Hits to show.")
@click.option("--offset", type=click.IntRange(0, MAX_COUNT), default=0, help="Hits to skip first (the next page: --offset 20).")
@format_option
def search(query: tuple[str, ...], db: str, limit: int, offset: int, fmt: str) -> None:
    """Full-text search over titles and article text.

    \b
    Every word must match, the last one as a prefix:  search harbour fi
    a phrase in double quotes (quoted for the shell):  search '"port strike"'
    either of two words:                               search strike OR walkout
    leave out what has a word or phrase:               search quake -Lorvania
    a number with punctuation is found as written:     search 6.5%

    \b
    After the first word, a word starting with - is a word to leave out
    (search harbour -fire) unless it is exactly an option (-f, --limit,
    -h) or a long option with its value (--format=json); after -- every
    word is part of the query (search harbour -- -f).
    """
    with _corpus(db, existing=True) as corpus:
        hits = corpus.search(" ".join(query), limit=limit, offset=offset)
        text = " ".join(query)
        if fmt == "json":
            _json([h.to_dict() for h in hits])
        elif not hits:
            if not past_the_end(offset, limit, lambda: corpus.store.count_search(text), what="matches"):
                click.echo("No matches.")
            return
        else:
            print_table(
                ["Article", "Outlet", "Title", "Story", "Snippet"],
                [[h.article.id, h.article.outlet, h.article.title, h.article.story_id, snippet_text(h)] for h in hits],
            )
        print_page_note(len(hits), offset, limit, what="matches", total=lambda: corpus.store.count_search(text))


# --- sources ------------------------------------------------------------------------------------


@click.command()
@db_option
@click.option("--registry", "registry_file", type=click.Path(exists=True, dir_okay=False), help="Load an outlet registry (TOML or JSON) into the corpus.")
@click.option("--replace", "replace_all", is_flag=True, help="With --registry: replace the whole registry instead of merging.")
@click.option("--export", "export_file", type=click.Path(dir_okay=False), help="Write the registry to this file (.toml or .json) to edit it.")
@click.option("--set", "set_name", metavar="NAME", help="Add or change one outlet (with --domain, --country, --kind).")
@click.option("--domain", help="With --set: the outlet's web domain.")
@click.option("--country", help="With --set: the outlet's country.")
@click.option("--kind", type=click.Choice(["wire", "original"]), default="original", show_default=True, help="With --set.")
@format_option
def sources(
    db: str, registry_file: str | None, replace_all: bool, export_file: str | None, set_name: str | None,
    domain: str | None, country: str | None, kind: str, fmt: str,
) -> None:
    """List outlets with their article, story and reprint counts; load or edit the outlet registry.

    The registry names each outlet with its domain, country and kind (wire or
    original); articles from a registered domain are stored under its name.
    """
    from triangulate.corpus import Outlet
    from triangulate.corpus.outlets import outlet_domain

    err = err_console()
    with _corpus(db, existing=not (registry_file or set_name)) as corpus:
        if registry_file:
            n = corpus.load_registry(registry_file, replace_all=replace_all)
            err.print(Text(f"{n} outlet(s) loaded from {registry_file}"))
        if set_name:
            try:
                host = outlet_domain(domain) if domain else None
            except TriangulateError as exc:
                raise click.BadParameter(exc.detail, param_hint="--domain") from exc
            corpus.set_outlet(Outlet(set_name, host, country, kind))
            err.print(Text(f"outlet {set_name!r} saved"))
        if export_file:
            saved: list[int] = []
            write_output(export_file, lambda p: saved.append(corpus.save_registry(p)), console=err)
            n = saved[0]
            err.print(Text(f"{n} outlet(s) written to {export_file}"))
        items = corpus.outlets()
        if fmt == "json":
            _json(items)
            return
        if not items:
            click.echo("No outlets yet.")
            return
        print_table(
            ["Outlet", "Articles", "Stories", "Reprints", "Kind", "Country", "Domain", "Last (UTC)"],
            [[o["name"], o["articles"], o["stories"], o["reprints"], o["kind"] or "", o["country"] or "", o["domain"] or "", _short(o["last"])] for o in items],
        )
