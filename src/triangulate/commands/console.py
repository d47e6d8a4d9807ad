"""Terminal output shared by the commands.

Text that comes from outside (paths, titles, outlet names, error details, search
snippets) is never read as console markup: ``[/draft].txt`` or ``[VIDEO] Fire``
print as written.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console, ConsoleOptions, RenderResult
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from triangulate.text import printable


def err_console() -> Console:
    return Console(stderr=True)


class _Output(Console):
    """The console of a command's output: a reader that stops early (``| head``) ends the
    command as any closed pipe does (see :class:`triangulate.cli.LazyGroup`), where rich
    would exit with status 1."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


def out_console() -> Console:
    """A console on standard output."""
    return _Output()


def print_error(console: Console, message: object) -> None:
    """``Error: message`` in bold red, the message as plain text."""
    console.print(f"[bold red]Error:[/] {escape(printable(str(message)))}", highlight=False, soft_wrap=True)


@contextmanager
def report_warnings_not_logged() -> Iterator[None]:
    """Leave out, for the block, the log lines of warnings that a report carries
    (``Report.warnings``): the command shows them with the report, or on stderr with
    :func:`print_report_warnings`."""
    import logging

    logger = logging.getLogger("triangulate.compare")
    drop = logging.Filter()
    drop.filter = lambda record: not getattr(record, "report_warning", False)  # type: ignore[method-assign]
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


def print_report_warnings(console: Console, report: Any) -> None:
    """A report's warnings on stderr, for a report written to a file or printed as data."""
    for warning in report.warnings:
        console.print(f"[yellow]warning[/] {escape(printable(warning))}", highlight=False, soft_wrap=True)


def print_skip(console: Console, skip: Any) -> None:
    """One skipped input: its origin, reason code and detail."""
    console.print(f"[yellow]skipped[/] {escape(printable(f'{skip.origin}: {skip.reason} - {skip.detail}'))}", highlight=False, soft_wrap=True)


def snippet_text(hit: Any) -> Text:
    """A search hit's snippet (:class:`~triangulate.corpus.SearchHit`) with its matches in bold."""
    text = Text()
    for piece, match in hit.parts():
        text.append(piece, style="bold yellow" if match else None)
    return text


#: Columns of ids: never wrapped, so that an id can be copied from the table.
ID_COLUMNS = frozenset({"Article", "Story"})

#: The most lines a cell of these columns takes: a title of 3,000 characters is cut with an
#: ellipsis, not wrapped over a screen. Ids, URLs, times and counts are never cut.
COLUMN_LINES = {"Title": 2, "Outlet": 2, "Outlets": 2, "Domain": 2, "Country": 2, "Status": 3, "Snippet": 6}


class ClippedCell:
    """A table cell wrapped to the column's width and cut after ``lines`` lines, the last one
    ending in an ellipsis; it asks for the width of the whole text, as a :class:`Text` does."""

    def __init__(self, text: Text, lines: int) -> None:
        self.text = text
        self.lines = lines

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.text)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width, 1)
        lines = list(self.text.wrap(console, width, overflow="fold"))
        if len(lines) > self.lines:
            lines = lines[: self.lines]
            last = lines[-1]
            last.rstrip()
            if last.cell_len > width - 1:
                last.truncate(width - 1)
            last.append("…")
        for line in lines:
            line.end = "\n"
            line.no_wrap = True
            yield line


def print_table(columns: list[str], rows: list[list[Any]], *, title: str | None = None) -> None:
    """A table on stdout; every cell plain text (``None`` as empty) unless it is a :class:`Text`.

    An id is never wrapped; a cell of a column of :data:`COLUMN_LINES` takes at most that
    many lines, what does not fit cut with an ellipsis.

    Raises:
        ValueError: a row with more or fewer cells than there are columns.
    """
    table = Table(title=title, show_lines=False, header_style="bold")
    for col in columns:
        if col in ID_COLUMNS:
            table.add_column(col, no_wrap=True, min_width=16)
        else:
            table.add_column(col, overflow="fold")
    for row in rows:
        cells: list[Any] = []
        for col, v in zip(columns, row, strict=True):  # a cell without a column is an error, not lost
            text = v if isinstance(v, Text) else Text("" if v is None else str(v))
            lines = COLUMN_LINES.get(col)
            cells.append(text if lines is None else ClippedCell(text, lines))
        table.add_row(*cells)
    out_console().print(table)


def write_output(path: str, write: Callable[[Path], object], *, console: Console | None = None) -> None:
    """Run ``write`` on a temporary file beside ``path`` (same suffix), then rename it over
    ``path``: a stop (Ctrl-C) or a failure while writing leaves ``path`` as it was (the
    temporary file is removed), never half written. A ``path`` that is there but is no
    regular file (``/dev/null``, ``/dev/stdout``, a named pipe) is written in place. A folder, a missing folder or a refused
    write is one ``Error:`` line and exit status 2, not a traceback."""
    target = Path(path)
    problem = None
    if path.endswith(("/", "\\")) or target.is_dir():
        problem = "it is a folder; give a file name"
    elif not target.parent.is_dir():
        problem = f"the folder {target.parent} does not exist"
    else:
        try:
            if target.exists() and not target.is_file():  # both follow links
                # A device, a pipe or /dev/stdout (a link into /proc): written in place, as
                # there is no file to put in its place (renaming over /dev/null would replace it).
                write(target)
            else:
                _write_replacing(target.resolve() if target.is_symlink() else target, write)
            return
        except OSError as exc:
            problem = exc.strerror or str(exc)
    print_error(console or err_console(), f"cannot write {path}: {problem}")
    sys.exit(2)


def _write_replacing(target: Path, write: Callable[[Path], object]) -> None:
    """``write`` a temporary file in ``target``'s folder, then put it in ``target``'s place
    (``os.replace``, one step); the temporary file is removed when anything fails."""
    mode: int | None = None
    if target.exists():
        if not os.access(target, os.W_OK):  # as writing into it would be refused
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(target))
        mode = stat.S_IMODE(target.stat().st_mode)
    temp = target.with_name(f".{target.stem}.{secrets.token_hex(4)}.tmp{target.suffix}")
    try:
        write(temp)
        with open(temp, "rb") as written:
            os.fsync(written.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def print_page_note(shown: int, offset: int, limit: int, total: Callable[[], int], *, what: str) -> None:
    """On stderr, when a listing stopped at ``limit``: which rows these are and how to see more."""
    if shown < limit:
        return
    count = total()
    if count > offset + shown:
        err_console().print(f"{what} {offset + 1}-{offset + shown} of {count}; the next ones: --offset {offset + limit}", highlight=False)


_HUMAN_FORMATS = frozenset({"text", "table", "terminal"})


class FormatChoice(click.Choice):  # type: ignore[type-arg]
    """A ``--format`` choice that takes ``text``, ``table`` and ``terminal`` alike for the one
    human-readable format of the command (the commands name it differently by what it is)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value.lower() in _HUMAN_FORMATS:
            human = next((c for c in self.choices if c in _HUMAN_FORMATS), None)
            if human is not None:
                return human
        return super().convert(value, param, ctx)
