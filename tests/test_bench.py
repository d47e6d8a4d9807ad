"""The benchmark scripts run (their figures are quoted in docs/benchmarks.md, so they must not rot)."""

from __future__ import annotations

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
