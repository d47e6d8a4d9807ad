"""The benchmark scripts run (their figures are quoted in docs/benchmarks.md, so they must not rot)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def test_random_keys_times_both_key_kinds_and_prints_their_ratio() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "random_keys.py"), "--rows", "3000", "--rounds", "2"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    out = done.stdout
    assert "3,000 rows in each table" in out
    medians = re.findall(r"\(median (\d+\.\d+)\)", out)
    assert len(medians) == 2 and all(float(m) > 0 for m in medians)
    assert re.search(r"a random key costs \d+\.\dx an appended one", out)


def test_the_stream_benchmark_writes_one_stream_ahead_and_one_batch_at_a_time_with_the_same_stories() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "stream.py"), "--sizes", "", "--ingest-sizes", "1500", "--one-at-a-time-sizes", "1500", "--baseline-sizes", ""],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    rows = json.loads(done.stdout.strip().splitlines()[-1])["rows"]
    reference, ahead = rows
    assert reference["reference"] == "one batch at a time" and ahead["system"] == "triangulate"
    assert ahead["n"] == reference["n"] == 1500
    assert ahead["bcubed_f1"] == reference["bcubed_f1"] and ahead["stories_listed"] == reference["stories_listed"]
    assert len(ahead["throughput_by_tenth"]) == 10
    assert re.search(r"n=1500: throughput \d+\.\d\dx the reference row \(one batch at a time; B3 F1", done.stdout)
