"""Where the write path spends its time, stage by stage, as a stream grows.

    python bench/write_phases.py                    # 100k articles, a line-up every 20k
    python bench/write_phases.py --n 30000 --every 10000
    python bench/write_phases.py --n 500000 --every 50000 --top 16
    python bench/write_phases.py --n 400000 --every 50000 --probe   # fixed work: long vs fresh process

Feeds the generated stream of ``bench/stream.py`` through ``Ingester.process_batch``
(128 articles a batch, a fresh SQLite file, the shipped clustering model) with timers
around the stages and around every SQL statement, and prints, for each stretch of
``--every`` articles, the milliseconds per article of the heaviest entries:

* ``total``: the whole ``process_batch`` call (what ``bench/stream.py`` times);
* ``cluster``: ``StoryClusterer.add_many`` (embedding the leads included), and
  inside it ``cluster: embed`` (the leads through the model), ``cluster: place``
  (choosing or starting a story) and ``cluster: candidates`` (inside ``place``:
  the hot stories an article is compared with);
* ``prepare``: cleaning and raw-input lookups; ``snapshot``: saving the clusterer;
* ``dedup add`` / ``dedup signatures``: the copy index (``DedupIndex.add``, MinHash);
* ``store: refresh stories``: the story counts and titles after each batch
  (``Store.refresh_stories``, its queries included, rows read and all);
* ``sql: ...``: one entry per statement text, as long as ``execute`` runs (rows a
  caller reads afterwards are not in it; ``COMMIT`` is where SQLite writes the
  batch's pages);
* ``gc generation N``: Python's cyclic garbage collector (inside the other entries:
  a collection runs wherever an allocation triggers it).

The timers themselves cost a little; the figures are for finding what grows, not
for quoting throughput (``bench/stream.py`` does that). ``--profile-from N`` also
runs cProfile from article N to the end and prints its heaviest functions (by own
time and by cumulative time), to find what the timers above do not cover.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent / "src"))

import stream  # noqa: E402

from triangulate.cluster import StoryClusterer  # noqa: E402
from triangulate.corpus.ingest import Ingester  # noqa: E402
from triangulate.corpus.store import Store  # noqa: E402
from triangulate.dedup import DedupIndex  # noqa: E402

TIMES: defaultdict[str, float] = defaultdict(float)


class _TimedConnection:
    """A sqlite3 connection whose execute / executemany add their time to ``TIMES``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @staticmethod
    def _timed(kind: str, run: Callable[..., sqlite3.Cursor], sql: str, args: tuple[Any, ...]) -> sqlite3.Cursor:
        started = time.perf_counter()
        try:
            return run(sql, *args)
        finally:
            TIMES[f"{kind}: " + re.sub(r"\s+", " ", sql).strip()[:70]] += time.perf_counter() - started

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        return self._timed("sql", self._conn.execute, sql, args)

    def executemany(self, sql: str, *args: Any) -> sqlite3.Cursor:
        return self._timed("sql many", self._conn.executemany, sql, args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _time(owner: type, name: str, label: str) -> None:
    method: Callable[..., Any] = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            TIMES[label] += time.perf_counter() - started

    setattr(owner, name, timed)


def _time_gc() -> None:
    started: list[float] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started:
            TIMES[f"gc generation {info['generation']}"] += time.perf_counter() - started[0]

    gc.callbacks.append(on_gc)


def _probe(embedder: Any | None = None) -> dict[str, float]:
    """A fixed workload (the same in every call), best of three rounds, in ms.

    ``embed``: 512 generated leads through the clustering model; ``sqlite``: 20,000
    signature-like rows (random text key, 600-byte blob) into a new WITHOUT ROWID table
    of a new WAL file, one transaction; ``python``: cleaning 300 generated articles.
    Run inside a long ingest and in a fresh process right after it, the two show
    whether fixed work slows down with the age of the process or with the machine.
    """
    from triangulate.clean import clean
    from triangulate.embed import load_cluster_embedder

    items = [item for _, item in zip(range(512), stream.stream(512, seed=99))]
    leads = [" ".join([item.article.title, *item.article.paragraphs[:2]]) for item in items]
    raws = [stream._raw(item) for item in items[:300]]
    rng = random.Random(5)
    rows = [(f"{rng.getrandbits(64):016x}", os.urandom(600)) for _ in range(20_000)]
    model = embedder if embedder is not None else load_cluster_embedder()
    encode = getattr(model, "_encode_uncached", model.encode)  # past the model's text cache
    encode(leads[:16])
    best: dict[str, float] = {}
    for _ in range(3):
        started = time.perf_counter()
        for start in range(0, len(leads), 128):
            encode(leads[start : start + 128])
        took = {"embed": time.perf_counter() - started}
        with tempfile.TemporaryDirectory() as folder:
            conn = sqlite3.connect(Path(folder) / "probe.db", isolation_level=None)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("CREATE TABLE s (k TEXT PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID")
            started = time.perf_counter()
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO s VALUES (?, ?)", rows)
            conn.execute("COMMIT")
            took["sqlite"] = time.perf_counter() - started
            conn.close()
        started = time.perf_counter()
        for raw in raws:
            clean(raw)
        took["python"] = time.perf_counter() - started
        for key, seconds in took.items():
            best[key] = min(best.get(key, float("inf")), seconds * 1000)
    return best


def _print_probe(done: int, embedder: Any) -> None:
    here = _probe(embedder)
    fresh = json.loads(
        subprocess.run(
            [sys.executable, __file__, "--probe-only"], check=True, capture_output=True, text=True
        ).stdout.strip().splitlines()[-1]
    )
    print(
        f"  probe at {done:,} (ms, this process / a fresh one): "
        + ", ".join(f"{key} {here[key]:.1f} / {fresh[key]:.1f}" for key in here),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="articles in the stream")
    parser.add_argument("--every", type=int, default=20_000, help="articles per printed stretch")
    parser.add_argument("--top", type=int, default=12, help="entries printed per stretch")
    parser.add_argument("--batch", type=int, default=128, help="articles per process_batch call")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile-from", type=int, default=None, help="cProfile from this article to the end")
    parser.add_argument("--pragma", action="append", default=[], help="a PRAGMA to set on the store, e.g. cache_size=-131072")
    parser.add_argument("--db", type=Path, default=None, help="keep the database here (default: a temporary file)")
    parser.add_argument(
        "--start",
        type=int,
        default=0,
        help="skip this many articles of the stream first (to go on from a database --db kept earlier)",
    )
    parser.add_argument(
        "--snapshot-ratio",
        type=float,
        default=None,
        help="the ingester's snapshot_ratio (default: its own)",
    )
    parser.add_argument("--snapshot-every", type=int, default=None, help="the ingester's snapshot_every (0: no snapshots while ingesting)")
    parser.add_argument("--probe", action="store_true", help="time a fixed workload here and in a fresh process at every stretch")
    parser.add_argument("--probe-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--short-names", type=int, default=2,
                        help="syllables of the generator's company, team and street names (3: the realistic pool, see stream.py)")
    args = parser.parse_args()
    stream.SHORT_NAME_SYLLABLES = args.short_names
    if args.probe_only:
        print(json.dumps(_probe()), flush=True)
        return

    _time(StoryClusterer, "add_many", "cluster")
    _time(StoryClusterer, "vectors", "cluster: embed")
    _time(StoryClusterer, "_candidates", "cluster: candidates")
    _time(StoryClusterer, "_place", "cluster: place")
    _time(Ingester, "process_batch", "total")
    _time(Ingester, "_prepare", "prepare")
    _time(Ingester, "snapshot", "snapshot")
    _time(Store, "refresh_stories", "store: refresh stories")
    _time(DedupIndex, "add", "dedup add")
    _time(DedupIndex, "signatures", "dedup signatures")
    _time_gc()
    profiler = cProfile.Profile() if args.profile_from is not None else None
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(args.db or Path(folder) / "phases.db")
        for pragma in args.pragma:
            print(f"PRAGMA {pragma}:", store.conn.execute(f"PRAGMA {pragma}").fetchall(), flush=True)
        store.conn = _TimedConnection(store.conn)  # type: ignore[assignment]
        options: dict[str, Any] = {}
        if args.snapshot_ratio is not None:
            options["snapshot_ratio"] = args.snapshot_ratio
        if args.snapshot_every is not None:
            options["snapshot_every"] = args.snapshot_every if args.snapshot_every > 0 else 10**12
        ingester = Ingester(store, batch_size=args.batch, **options)
        ingester.load()
        source = stream.stream(args.n, seed=args.seed, rate_per_hour=2000.0)
        for _ in zip(range(args.start), source):
            pass
        done, since = args.start, 0
        TIMES.clear()
        while done < args.n:
            raws = [stream._raw(item) for _, item in zip(range(args.batch), source)]
            if not raws:
                break
            if profiler is not None and done >= args.profile_from and done - len(raws) < args.profile_from:
                profiler.enable()
            ingester.process_batch(raws)
            done += len(raws)
            since += len(raws)
            if since >= args.every or done >= args.n:
                print(f"--- {done - since:,}-{done:,} articles: ms per article", flush=True)
                for label, seconds in sorted(TIMES.items(), key=lambda item: -item[1])[: args.top]:
                    print(f"  {seconds / since * 1000:8.3f}  {label}", flush=True)
                if args.probe:
                    _print_probe(done, ingester._clusterer.embedder)
                TIMES.clear()
                since = 0
        ingester.snapshot()
        store.close()
    if profiler is not None:
        profiler.disable()
        for order in ("tottime", "cumulative"):
            print(f"--- cProfile from article {args.profile_from:,}, by {order}", flush=True)
            pstats.Stats(profiler).sort_stats(order).print_stats(25)


if __name__ == "__main__":
    main()
