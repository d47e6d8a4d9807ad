"""Publication times are read one way by the corpus, the copy order and the reports."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from triangulate import dedup, times
from triangulate.corpus import store
from triangulate.times import is_day_only, normalize_time, parse_time, parse_time_as_written, publication_key, time_of_day

UTC = timezone.utc


def test_iso_8601_and_rfc_2822_are_read_and_a_time_without_a_zone_is_utc() -> None:
    nine = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    for written in ("2026-11-03T09:00:00Z", "2026-11-03T09:00:00+00:00", "2026-11-03T10:00:00+01:00", "2026-11-03 09:00",
                    "2026-11-03T09:00:00", "Tue, 03 Nov 2026 09:00:00 GMT", "Tue, 03 Nov 2026 04:00:00 -0500",
                    "Tue, 03 Nov 2026 09:00:00", datetime(2026, 11, 3, 9, 0)):
        assert parse_time(written) == nine, written
    assert parse_time_as_written("Tue, 03 Nov 2026 04:00:00 -0500") == datetime(2026, 11, 3, 4, 0, tzinfo=timezone(timedelta(hours=-5)))


@pytest.mark.parametrize(
    ("written", "hour", "minute"),
    [
        ("March 9, 2026 1:00 PM", 13, 0),  # as a "Published:" line writes it; not 01:00
        ("March 9, 2026 11:00 AM", 11, 0),
        ("Mar 9 2026 9 p.m.", 21, 0),
        ("Monday, March 9, 2026 12:30 PM", 12, 30),
        ("March 9, 2026 12:15 AM", 0, 15),
        ("March 9, 2026 at 1:00 PM", 13, 0),
        ("Mar. 9, 2026 1:00PM", 13, 0),
    ],
)
def test_a_time_on_the_twelve_hour_clock_is_read_with_its_half_of_the_day(written: str, hour: int, minute: int) -> None:
    assert parse_time(written) == datetime(2026, 3, 9, hour, minute, tzinfo=UTC)


def test_the_copy_published_at_one_in_the_afternoon_is_later_than_the_one_at_eleven() -> None:
    assert publication_key("March 9, 2026 11:00 AM") < publication_key("March 9, 2026 1:00 PM")


@pytest.mark.parametrize("value", ["March 9, 2026 13:00 PM", "1733011200", "173301120"])
def test_a_bare_number_other_than_yyyymmdd_and_a_thirteenth_hour_pm_are_no_time(value: str) -> None:
    assert parse_time(value) is None  # not the year 1733 from a Unix time
    assert parse_time("20260309") == datetime(2026, 3, 9, tzinfo=UTC)


@pytest.mark.parametrize("value", [None, "", "  ", "yesterday", "2026-13-45", "Tue, 45 Nov 2026", "0001-01-01T00:00:00+05:00"])
def test_what_is_not_a_time_is_none_and_sorts_after_every_time(value: object) -> None:
    assert parse_time(value) is None and normalize_time(value) is None and time_of_day(value) is None
    assert publication_key(value) > publication_key("9999-12-31T23:59:59Z")


def test_a_day_alone_is_a_day_stored_as_the_day_and_sorted_at_its_end() -> None:
    assert is_day_only("2026-03-04") and not is_day_only("2026-03-04T00:00:00Z") and not is_day_only("yesterday")
    assert normalize_time("2026-03-04") == "2026-03-04"  # not "2026-03-04T00:00:00+00:00": the day is all it says
    assert normalize_time(" 2026-03-04T10:00:00+01:00 ") == "2026-03-04T09:00:00+00:00"
    assert parse_time("2026-03-04") == datetime(2026, 3, 4, tzinfo=UTC)  # where a day begins, for filters
    assert time_of_day("2026-03-04") is None  # hours between versions are not measured from a day
    # The copy that gives its time of day came out by then; the one dated by its day is not known to have.
    assert publication_key("2026-03-04T23:59:00Z") < publication_key("2026-03-04") < publication_key("2026-03-05T00:00:00Z")
    assert publication_key("2026-03-04") == publication_key(normalize_time("2026-03-04"))  # stored, it sorts the same


def test_the_corpus_the_copy_order_and_the_reports_use_one_parser() -> None:
    assert dedup.publication_key is times.publication_key
    assert store.parse_time is times.parse_time
    import triangulate.render.view as view

    assert view.time_of_day is times.time_of_day
