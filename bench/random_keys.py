"""What a row costs SQLite when its key is random, against a row appended at the end.

    python bench/random_keys.py                      # 400,000 rows already in each table
    python bench/random_keys.py --rows 1000000 --synchronous OFF

Builds a scratch database (WAL, ``synchronous=NORMAL``, 64 MB page cache, a
checkpoint every 10,000 pages: the corpus store's settings when the figures in
docs/benchmarks.md were taken; the store now checkpoints every 40,000) with two tables of
``--rows`` signature-sized rows (545-byte blobs): one keyed by a random 16-hex-digit
text (``WITHOUT ROWID``, as ``signatures`` was keyed by article id before migration
0006) and one keyed by an increasing integer (as it is keyed by ``seq`` now). Then,
alternating between the two, it inserts rounds of 40 batches of 128 rows with a
commit per batch, the way the ingest writes, and prints the milliseconds per row of
each round: the random key pays for a page of its own per row (read once the table
outgrows the cache, written to the log, copied at the next checkpoint), the appended
key shares a page with the rows before it. ``--synchronous OFF`` shows how much of
that is the fsync of the checkpoints.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=400_000, help="rows in each table before timing")
    parser.add_argument("--rounds", type=int, default=6, help="timed rounds per key kind")
    parser.add_argument("--synchronous", default="NORMAL", choices=["OFF", "NORMAL", "FULL"])
    args = parser.parse_args()
    rng = random.Random(1)
    blob = os.urandom(545)
    with tempfile.TemporaryDirectory() as folder:
        conn = sqlite3.connect(Path(folder) / "keys.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {args.synchronous}")
        conn.execute("PRAGMA cache_size = -65536")
        conn.execute("PRAGMA wal_autocheckpoint = 10000")
        conn.execute("CREATE TABLE by_random (key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID")
        conn.execute("CREATE TABLE by_seq (seq INTEGER PRIMARY KEY, data BLOB NOT NULL)")
        started = time.perf_counter()
        for start in range(0, args.rows, 10_000):
            count = min(10_000, args.rows - start)
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO by_random VALUES (?, ?)", ((f"{rng.getrandbits(64):016x}", blob) for _ in range(count)))
            conn.executemany("INSERT INTO by_seq VALUES (?, ?)", ((start + i + 1, blob) for i in range(count)))
            conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = os.path.getsize(Path(folder) / "keys.db") / 1e6
        print(f"{args.rows:,} rows in each table ({size:,.0f} MB file) in {time.perf_counter() - started:.1f} s; "
              f"synchronous={args.synchronous}", flush=True)
        top = args.rows
        times: dict[str, list[float]] = {"random key": [], "appended key": []}
        for round_no in range(args.rounds):
            kinds = ["random key", "appended key"] if round_no % 2 == 0 else ["appended key", "random key"]
            for kind in kinds:
                started = time.perf_counter()
                for _ in range(40):
                    conn.execute("BEGIN")
                    if kind == "random key":
                        conn.executemany(
                            "INSERT INTO by_random VALUES (?, ?)", [(f"{rng.getrandbits(64):016x}", blob) for _ in range(128)]
                        )
                    else:
                        conn.executemany("INSERT INTO by_seq VALUES (?, ?)", [(top + i + 1, blob) for i in range(128)])
                        top += 128
                    conn.execute("COMMIT")
                times[kind].append((time.perf_counter() - started) / (40 * 128) * 1000)
        conn.close()
    for kind, values in times.items():
        print(f"{kind:13s} ms per row: " + " ".join(f"{v:.4f}" for v in values) + f"  (median {statistics.median(values):.4f})")
    ratio = statistics.median(times["random key"]) / statistics.median(times["appended key"])
    print(f"a random key costs {ratio:.1f}x an appended one")


if __name__ == "__main__":
    main()
