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
