"""Story-list latency on a large stories table, with and without the activity index.

    python bench/story_list.py                 # 100,000 stories
    python bench/story_list.py --stories 1000000

Inserts generated story rows (random activity times over four weeks) into a fresh
corpus database, then times 50 calls of ``Store.stories(limit=20)`` and of a
filtered page (``since`` + ``min_sources``), first with the shipped schema, then
after dropping the ``stories_activity`` index (the schema before migration 0003),
in the same process.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from triangulate.corpus.store import Store  # noqa: E402


def _time(store: Store, calls: int = 50) -> tuple[float, float]:
    started = time.perf_counter()
    for _ in range(calls):
        store.stories(limit=20)
    plain = (time.perf_counter() - started) / calls * 1000
    started = time.perf_counter()
    for _ in range(calls):
        store.stories(limit=20, since="2026-10-27T00:00:00+00:00", min_sources=2)
    return plain, (time.perf_counter() - started) / calls * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder) / "stories.db")
        rows = []
        for i in range(args.stories):
            t = f"2026-10-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00+00:00"
            rows.append((f"s{i:08d}", t, t, t, t, rng.randint(1, 20), rng.randint(1, 8), rng.randint(1, 5), f"story {i}"))
        with store.transaction() as conn:
            conn.executemany(
                "INSERT INTO stories (id, created, updated, first_published, last_published, articles, outlets, sources, title) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        with_index = _time(store)
        store.conn.execute("DROP INDEX stories_activity")
        without = _time(store)
        store.close()
    print(f"{args.stories} stories, mean of 50 calls:")
    print(f"  with the activity index:    page {with_index[0]:.2f} ms, since + min_sources {with_index[1]:.2f} ms")
    print(f"  without it (before 0003):   page {without[0]:.2f} ms, since + min_sources {without[1]:.2f} ms")
    print(f"  ratio: {without[0] / with_index[0]:.0f}x, {without[1] / with_index[1]:.0f}x")


if __name__ == "__main__":
    main()
