"""Publication times, read one way everywhere: the corpus, the copy order, the reports.

* ISO 8601 (what :meth:`datetime.fromisoformat` reads, ``Z`` included) and RFC 2822
  (``Tue, 03 Nov 2026 10:00:00 GMT``, as feeds write it) are read, also with a time on the
  twelve-hour clock (``March 9, 2026 1:00 PM``). A bare number is a day only as ``YYYYMMDD``.
* A time without a zone is UTC (as the corpus stores it), never the machine's local time:
  what triangulate says must not depend on where it runs.
* A day alone (``2026-03-04``) is a day, not midnight: the corpus stores it as the day, the
  copy order puts it at the end of that day (:func:`publication_key`), and the reports do
  not measure hours from it (:func:`time_of_day`).
* A value that is not a time (``yesterday``, ``2026-13-45``) is no time: it is not stored,
  and it sorts after every real time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

__all__ = [
    "ReadTime",
    "is_day_only",
    "normalize_time",
    "parse_time",
    "parse_time_as_written",
    "publication_key",
    "read_time",
    "time_of_day",
]

#: Where in its day a day alone sorts: its last moment (see :func:`publication_key`).
_END_OF_DAY = timedelta(days=1, milliseconds=-1)


@dataclass(frozen=True, slots=True)
class ReadTime:
    """A publication time as written: ``at`` in the zone it gives (UTC when it gives none;
    midnight UTC for a day alone), and whether only the day was given."""

    at: datetime
    day_only: bool = False


def read_time(value: object) -> ReadTime | None:
    """Read a publication time: an ISO 8601 or RFC 2822 string, or a ``datetime``
    (``None`` for ``None``, an empty string, or anything else that is not a time)."""
    if isinstance(value, datetime):
        return ReadTime(_with_zone(value))
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.isdigit() and len(text) != 8:
        return None  # a bare number is a day only as YYYYMMDD, never a Unix time or a year
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return ReadTime(datetime(day.year, day.month, day.day, tzinfo=timezone.utc), day_only=True)
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            at = parsedate_to_datetime(_twenty_four_hour(text))
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return ReadTime(_with_zone(at))


#: A time of day on the twelve-hour clock: "1:00 PM", "11.30 a.m.", "9 pm".
_TWELVE_HOUR = re.compile(r"\b(\d{1,2})(?:[:.](\d\d))?(:\d\d)?\s*([ap])\.?\s?m\b\.?", re.IGNORECASE)


def _twenty_four_hour(text: str) -> str:
    """``text`` as the RFC 2822 reader understands it: a twelve-hour time on the 24-hour clock
    ("March 9, 2026 1:00 PM" -> "March 9, 2026 13:00"; the reader drops "PM"), without the
    "at" before a time or the stop after a month's abbreviation ("Mar. 9, 2026 at 1:00PM")."""

    def written(m: re.Match[str]) -> str:
        hour = int(m.group(1))
        if not 1 <= hour <= 12:
            raise ValueError(f"{m.group(0)!r} is no time of day")
        hour = hour % 12 + (12 if m.group(4).lower() == "p" else 0)
        return f"{hour:02d}:{m.group(2) or '00'}{m.group(3) or ''}"

    text = _AT_TIME.sub(" ", _MONTH_STOP.sub(r"\1", text))  # "Mar. 9, 2026 at 1:00PM"
    return _TWELVE_HOUR.sub(written, text)


_AT_TIME = re.compile(r",?\s+at\s+(?=\d)", re.IGNORECASE)
_MONTH_STOP = re.compile(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)(?:t)?\.", re.IGNORECASE)


def _with_zone(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def parse_time_as_written(value: object) -> datetime | None:
    """The time in the zone it is written in (UTC when it gives none; midnight UTC for a day
    alone), or ``None`` when it is not a time."""
    read = read_time(value)
    return None if read is None else read.at


def parse_time(value: object) -> datetime | None:
    """The time in UTC (midnight UTC for a day alone), or ``None`` when it is not a time, or
    one before the first UTC time there is (``0001-01-01T00:00:00+05:00``)."""
    read = read_time(value)
    if read is None:
        return None
    try:
        return read.at.astimezone(timezone.utc)
    except OverflowError:
        return None


def is_day_only(value: object) -> bool:
    """Whether the value gives a day without a time of day (``2026-03-04``)."""
    read = read_time(value)
    return read is not None and read.day_only


def time_of_day(value: object) -> datetime | None:
    """The time in UTC when it gives a time of day; ``None`` for a day alone (hours cannot be
    measured from it) and for what is not a time."""
    read = read_time(value)
    return None if read is None or read.day_only else parse_time(value)


def normalize_time(value: object) -> str | None:
    """How the corpus stores a time: UTC ISO 8601 with seconds, a day alone as the day
    (``2026-03-04``), ``None`` for what is not a time (it would sort before every real one
    and pass every ``since`` filter)."""
    read = read_time(value)
    if read is not None and read.day_only:
        return read.at.date().isoformat()
    at = parse_time(value)
    return None if at is None else at.isoformat(timespec="seconds")


def publication_key(value: object) -> tuple[int, float]:
    """Sort key of a publication time: earlier first, what is not a time last.

    A day alone (``2026-03-04``) sorts at the end of that day: it is not known to be earlier
    than a copy of the same day that gives its time of day, so that copy is the origin. The
    compare report and the corpus order copies by this key. A number is a POSIX timestamp.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, float(value))
    read = read_time(value)
    if read is None:
        return (1, 0.0)
    try:
        at = read.at.astimezone(timezone.utc)
    except OverflowError:  # before the first UTC time there is: not a time
        return (1, 0.0)
    return (0, (at + _END_OF_DAY if read.day_only else at).timestamp())
