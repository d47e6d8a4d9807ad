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
from rich.cells import cell_len
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

#: Columns whose values are never broken inside a word (ids, URLs, counts, the kind), nor are times (every column whose name ends in "(UTC)"): their
#: column is at least as wide as their longest word. The other columns take the squeeze.
WHOLE_COLUMNS = ID_COLUMNS | {"URL", "Kind", "Articles", "Stories", "Reprints", "Sources", "Errors"}

#: The most lines a cell of these columns takes: a title of 3,000 characters is cut with an
#: ellipsis, not wrapped over a screen. Ids, URLs, times and counts are never cut.
COLUMN_LINES = {"Title": 2, "Outlet": 2, "Outlets": 2, "Domain": 2, "Country": 2, "Status": 3, "Snippet": 6}

#: The width below which a squeezed column (a title, an outlet) makes the whole columns
#: give way first: their headers and times wrap at spaces (see :func:`column_widths`).
SQUEEZE_FLOOR = 10


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


def _is_whole(column: str) -> bool:
    return column in WHOLE_COLUMNS or column.endswith("(UTC)")


def _longest_word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=0)


def column_widths(columns: list[str], rows: list[list[Text]], available: int) -> list[int] | None:
    """The width of each column's text, ``available`` cells in all, or None when the words of
    the whole columns (:data:`WHOLE_COLUMNS`) alone do not fit.

    A whole column is never narrower than its longest word; the other columns share what is
    left, each up to its widest cell. While that leaves one of them under
    :data:`SQUEEZE_FLOOR`, the whole columns give way, a step at a time: a header on one line,
    then a header's words whole (a header wraps at its spaces), then a value on one line (a
    time wraps at its space, the date above the time of day), then a header's words (down to
    four cells: ``Arti``/``cles``).
    """
    whole = [_is_whole(c) for c in columns]
    value = [max((cell_len(row[i].plain) for row in rows), default=0) for i in range(len(columns))]
    word = [max((_longest_word(row[i].plain) for row in rows), default=0) for i in range(len(columns))]
    head = [cell_len(c) for c in columns]
    head_word = [_longest_word(c) for c in columns]
    wanted = [max(value[i], head_word[i], 1) for i in range(len(columns))]  # a squeezed column's widest
    steps = [
        [max(value[i], head[i]) for i in range(len(columns))],
        [max(value[i], head_word[i]) for i in range(len(columns))],
        [max(word[i], head_word[i]) for i in range(len(columns))],
        [max(word[i], min(head_word[i], 4), 1) for i in range(len(columns))],
    ]
    squeezed = [i for i in range(len(columns)) if not whole[i]]
    floor = sum(min(wanted[i], SQUEEZE_FLOOR) for i in squeezed)
    for step in steps:
        left = available - sum(step[i] for i in range(len(columns)) if whole[i])
        if left >= floor or step is steps[-1]:
            break
    if left < len(squeezed):
        return None
    widths = [step[i] if whole[i] else 0 for i in range(len(columns))]
    # What is left, shared: the narrowest wants first, each at most what it wants.
    pending = sorted(squeezed, key=lambda i: wanted[i])
    while pending:
        share = left // len(pending)
        if wanted[pending[0]] <= share:
            first = pending.pop(0)
            widths[first] = wanted[first]
            left -= wanted[first]
            continue
        for n, i in enumerate(pending):
            widths[i] = share + (1 if n < left % len(pending) else 0)
        break
    return widths


def print_table(columns: list[str], rows: list[list[Any]], *, title: str | None = None) -> None:
    """A table on stdout; every cell plain text (``None`` as empty) unless it is a :class:`Text`.

    The words of ids, URLs, times and counts are never broken (:func:`column_widths`); a cell
    of a column of :data:`COLUMN_LINES` takes at most that many lines, what does not fit cut
    with an ellipsis.

    Raises:
        ValueError: a row with more or fewer cells than there are columns.
    """
    texts = [
        [v if isinstance(v, Text) else Text("" if v is None else str(v)) for _, v in zip(columns, row, strict=True)]  # a cell without a column is an error, not lost
        for row in rows
    ]
    console = out_console()
    # The table's own cells: a border left of each column and one at the end, a space either side of each text.
    widths = column_widths(columns, texts, console.width - 3 * len(columns) - 1)
    table = Table(title=title, show_lines=False, header_style="bold")
    for i, col in enumerate(columns):
        if widths is not None:
            table.add_column(col, width=widths[i], overflow="fold")
        elif col in ID_COLUMNS:  # a terminal too narrow even for the whole columns
            table.add_column(col, no_wrap=True, min_width=16)
        else:
            table.add_column(col, overflow="fold")
    for cells in texts:
        table.add_row(*(text if col not in COLUMN_LINES else ClippedCell(text, COLUMN_LINES[col]) for col, text in zip(columns, cells)))
    console.print(table)


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


def past_the_end(offset: int, limit: int, total: Callable[[], int], *, what: str) -> bool:
    """For an empty page: when rows match before ``offset``, say so on stdout, with the offset
    of the last page, and return True (False when nothing matches at all)."""
    if offset == 0:
        return False
    count = total()
    if count == 0:
        return False
    last = (count - 1) // limit * limit
    click.echo(f"None from {offset + 1} on: {count} {what} in all; the last page: --offset {last}.")
    return True


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
