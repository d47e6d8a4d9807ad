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


def test_the_compare_audit_lists_the_conflicts_a_change_adds_and_removes(tmp_path: Path) -> None:
    def run(conflicts: list[str], title: str) -> dict[str, object]:
        return {"3_ecb": {"conflicts": conflicts, "facts": 4, "quotes": 1, "title": title}}

    before, after = tmp_path / "before.json", tmp_path / "after.json"
    before.write_text(json.dumps(run(["weekday | Monday | Friday | a | b", "number | 12 people | 14 people | c | d"], "May 2")))
    after.write_text(json.dumps(run(["number | 12 people | 14 people | c | d", "date | 03-09 | 03-10 | e | f"], "Quake")))
    done = subprocess.run(
        [sys.executable, str(BENCH / "compare_audit.py"), "--diff", str(before), str(after)],
        capture_output=True, text=True, timeout=120, check=True,
    )
    added, gone = done.stdout.split("\nADDED\n")[1].split("\nGONE\n")
    assert done.stdout.startswith("conflicts: 2 before, 2 after; 1 added, 1 gone")
    assert "3_ecb: date | 03-09 | 03-10" in added and "3_ecb: weekday | Monday | Friday" in gone
    assert "titles changed: 1 of 1" in done.stdout
