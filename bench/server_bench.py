"""Benchmark of `triangulate serve` (issue 4): latency of the story list and a story page under load.

Run with `make bench` (or `python bench/server_bench.py [--articles N]`).

1. A synthetic corpus of N articles (default 100,000) is written **directly through
   the store** (Store.insert_articles / assign / refresh_stories), not through
   `triangulate ingest`: the full ingest (clean + dedup + embed + cluster) of 100k
   articles takes minutes on 2 cores and is benchmarked by the corpus benchmark;
   here only the serving side is measured. Stories of ~8 articles from ~40 outlets,
   some wire copies recorded as duplicates. The database is kept in bench-results/
   and reused by later runs.
2. Report computation, uncached vs cached: the first request of a story page computes
   its report (compare of its articles) and stores it; a fresh server process then
   reads it from the store; a repeated request is served from memory.
3. `triangulate serve` is started as its own process on a free loopback port, and a
   load generator (asyncio, raw HTTP/1.1 keep-alive connections, so the client costs
   little CPU) runs closed-loop clients for a fixed time each (it stops by itself):
   1, 10 and 50 concurrent clients on the story list (`/` HTML and `/api/stories`)
   and on story pages (`/stories/ID` HTML and `/api/stories/ID`, cycling over the
   analysed stories). p50 / p99 latency and throughput are printed and written to
   bench-results/server.json.

Both the server and the load generator run on this machine (2 cores here), so the
figures include the load generator's share of the CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench-results"

OUTLETS = [f"{a} {b}" for a in ("North", "South", "East", "West", "Harbour", "Valley", "City", "Coast") for b in ("Herald", "Gazette", "Courier", "Ledger", "Post")]
PLACES = ["Port Ellis", "Karwick", "Lindmoor", "Sorrel Bay", "Ashby Cross", "Venholt", "Marrow Point", "Dunmere", "Halcot", "Brisk Harbour"]
EVENTS = ["fire", "flood", "strike", "power cut", "bridge collapse", "train derailment", "chemical leak", "landslide"]
PEOPLE = ["Mayor Ilse Brandt", "Chief Tomas Okafor", "Minister Dana Reyes", "Inspector Lew Harlan", "Director Mira Soltan"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def story_text(rng: random.Random, sid: int, outlet: str, variant: int) -> tuple[str, str]:
    """A title and an article about story ``sid`` as ``outlet`` tells it (wording and figures vary)."""
    srng = random.Random(sid)
    place, event, person = srng.choice(PLACES), srng.choice(EVENTS), srng.choice(PEOPLE)
    day = srng.choice(DAYS) if rng.random() > 0.2 else rng.choice(DAYS)
    hurt = srng.randint(3, 40) + (rng.randint(1, 4) if rng.random() < 0.25 else 0)
    hours = srng.randint(2, 12)
    title = [f"{event.capitalize()} hits {place}", f"{place}: {event} leaves {hurt} hurt", f"{hurt} injured in {place} {event}"][variant % 3]
    paras = [
        [f"A {event} struck {place} on {day}, injuring {hurt} people, officials said.", f"{hurt} people were hurt when a {event} hit {place} on {day}, according to officials."][variant % 2],
        [f"Emergency crews worked for {hours} hours before the situation was under control.", f"It took rescuers {hours} hours to bring the {event} under control."][variant % 2],
        f'"We are doing everything we can for the families," {person} told reporters.',
        f"{outlet} understands that schools in {place} will stay closed on {DAYS[(DAYS.index(day) + 1) % 5]}.",
        f"Story {sid}: local businesses in {place} reported damage worth {srng.randint(1, 90)} million, residents said.",
        " ".join(rng.choice(["Traffic was diverted around the area.", "Residents were asked to avoid the district.", "A hotline was opened for relatives.", "Investigators will visit the site.", "Volunteers handed out water and blankets."]) for _ in range(3)),
    ]
    return title, "\n\n".join(paras)


def build_corpus(db: Path, n_articles: int, *, seed: int = 7) -> dict[str, float]:
    """Write ``n_articles`` synthetic articles through the store; returns timings."""
    from datetime import datetime, timedelta, timezone

    from triangulate.corpus.ingest import content_hash
    from triangulate.corpus.store import ArticleRow, Store, now_iso
    from triangulate.models import stable_id

    rng = random.Random(seed)
    started = time.perf_counter()
    t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
    with Store.open(db) as store:
        sid = 0
        done = 0
        batch_rows: list[ArticleRow] = []
        batch_pairs: list[tuple[str, str]] = []
        batch_dups: list[tuple[str, str, str, float]] = []
        touched: list[str] = []
        stamp = now_iso()
        while done < n_articles:
            sid += 1
            story_id = stable_id("bench-story", str(sid))
            size = min(n_articles - done, max(1, int(rng.lognormvariate(1.9, 0.5))))
            when = t0 + timedelta(minutes=sid * 7)
            outlets = rng.sample(OUTLETS, min(size, len(OUTLETS)))
            first_id = None
            for k in range(size):
                outlet = outlets[k % len(outlets)]
                title, text = story_text(rng, sid, outlet, k)
                wire = first_id is not None and rng.random() < 0.15
                aid = stable_id("bench", str(sid), str(k))
                url = f"https://{outlet.lower().replace(' ', '')}.example/{sid}/{k}"
                published = (when + timedelta(minutes=rng.randint(0, 600))).isoformat(timespec="seconds")
                batch_rows.append(
                    ArticleRow(
                        id=aid, url_key=url, version=1, outlet=outlet, title=title, authors=(), url=url, canonical_url=url,
                        origin=url, kind="text", language="en", dateline=None, published=published, fetched=None, added=stamp,
                        content_hash=content_hash(text), raw_hash=aid, raw=title + "\n\n" + text, text=text, removed=(), story_id=story_id,
                    )
                )
                batch_pairs.append((aid, story_id))
                if wire:
                    batch_dups.append((aid, first_id, "near", 0.9))
                first_id = first_id or aid
            touched.append(story_id)
            done += size
            if len(batch_rows) >= 5000 or done >= n_articles:
                store.insert_articles(batch_rows)
                store.assign(batch_pairs, added=stamp)
                if batch_dups:
                    store.add_duplicates(batch_dups)
                store.refresh_stories(touched)
                batch_rows, batch_pairs, batch_dups, touched = [], [], [], []
                print(f"  {done:,} / {n_articles:,} articles", end="\r", file=sys.stderr, flush=True)
        stats = store.stats()
    print(file=sys.stderr)
    return {"seconds": time.perf_counter() - started, **stats}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`triangulate serve` in its own process."""

    def __init__(self, db: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "triangulate", "serve", "--db", str(db), "--port", str(self.port), "--warm", "0"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("server exited: " + (self.proc.stderr.read().decode() if self.proc.stderr else ""))
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> tuple[int, bytes, dict[str, str]]:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, body, headers


async def _client(port: int, paths: list[str], stop_at: float, latencies: list[float], errors: list[int], offset: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = offset
    try:
        while time.perf_counter() < stop_at:
            path = paths[i % len(paths)]
            i += 1
            t = time.perf_counter()
            status, _, _ = await _request(reader, writer, path)
            latencies.append(time.perf_counter() - t)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


def load(port: int, paths: list[str], clients: int, seconds: float) -> dict[str, float]:
    """Closed-loop load: ``clients`` connections, each sending its next request when the last answered."""
    latencies: list[float] = []
    errors: list[int] = []

    async def main() -> None:
        stop_at = time.perf_counter() + seconds
        await asyncio.gather(*(_client(port, paths, stop_at, latencies, errors, k) for k in range(clients)))

    started = time.perf_counter()
    asyncio.run(main())
    wall = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": len(errors),
        "rps": len(latencies) / wall,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "mean_ms": statistics.fmean(latencies) * 1000,
    }


def get(port: int, path: str) -> tuple[int, bytes, dict[str, str], float]:
    async def one() -> tuple[int, bytes, dict[str, str]]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await _request(reader, writer, path)
        finally:
            writer.close()

    t = time.perf_counter()
    status, body, headers = asyncio.run(one())
    return status, body, headers, time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each load run")
    parser.add_argument("--stories", type=int, default=20, help="story pages analysed and cycled over")
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    db = args.db or RESULTS / f"server-{args.articles}.db"
    results: dict[str, object] = {"articles": args.articles}
    from triangulate.corpus.store import Store

    existing = 0
    if db.exists():
        with Store.open(db) as store:
            existing = store.count_articles()
    if existing != args.articles:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        print(f"building a synthetic corpus of {args.articles:,} articles through the store ...", file=sys.stderr)
        results["build"] = build_corpus(db, args.articles)
        print(f"built in {results['build']['seconds']:.1f} s: {results['build']}")
    else:
        print(f"reusing {db} ({existing:,} articles)")
    with Store.open(db) as store:
        stories = [s.id for s in store.stories(limit=args.stories, min_sources=3)]
        results["stories_total"] = store.count_stories()
        with store.transaction() as conn:  # measure the uncached report every run
            conn.execute("DELETE FROM reports")

    server = Server(db)
    try:
        # Uncached: the first request of each story page computes and stores its report.
        uncached, stored, hot = [], [], []
        for sid in stories:
            status, _, headers, secs = get(server.port, f"/stories/{sid}")
            assert status == 200, status
            uncached.append((secs, headers.get("x-report-cache")))
            _, _, headers, secs = get(server.port, f"/stories/{sid}")
            hot.append((secs, headers.get("x-report-cache")))
    finally:
        server.stop()
    server = Server(db)  # a fresh process: reports come from the store, not from memory
    try:
        for sid in stories:
            _, _, headers, secs = get(server.port, f"/stories/{sid}")
            stored.append((secs, headers.get("x-report-cache")))

        def summary(rows: list[tuple[float, str | None]]) -> dict[str, object]:
            times = sorted(r[0] * 1000 for r in rows)
            return {"n": len(times), "median_ms": statistics.median(times), "max_ms": times[-1], "cache": sorted({str(r[1]) for r in rows})}

        results["report"] = {"uncached (computed)": summary(uncached), "cached in the store (new process)": summary(stored), "cached in memory": summary(hot)}
        print("\nstory page, one request at a time:")
        for name, row in results["report"].items():  # type: ignore[union-attr]
            print(f"  {name:36s} median {row['median_ms']:8.1f} ms   max {row['max_ms']:8.1f} ms   ({row['n']} stories, X-Report-Cache {row['cache']})")

        targets = {
            "story list (HTML /)": ["/"],
            "story list (JSON /api/stories)": ["/api/stories"],
            "story page (HTML /stories/ID)": [f"/stories/{s}" for s in stories],
            "story page (JSON /api/stories/ID)": [f"/api/stories/{s}" for s in stories],
        }
        runs = []
        print(f"\nload: closed-loop clients, {args.seconds:.0f} s per run, server and load generator on {os.cpu_count()} cores")
        print(f"  {'endpoint':36s} {'clients':>7s} {'req/s':>8s} {'p50 ms':>8s} {'p99 ms':>8s} {'errors':>6s}")
        for name, paths in targets.items():
            for clients in (1, 10, 50):
                row = load(server.port, paths, clients, args.seconds)
                row["endpoint"] = name
                runs.append(row)
                print(f"  {name:36s} {clients:7d} {row['rps']:8.0f} {row['p50_ms']:8.1f} {row['p99_ms']:8.1f} {row['errors']:6d}")
        results["load"] = runs
    finally:
        server.stop()
    out = RESULTS / "server.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
