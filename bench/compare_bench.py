"""Benchmark of `compare` (issue 2): time and peak memory, beside the naive all-pairs baseline.

Run with `make bench` (or `python bench/compare_bench.py [--articles 10,50]`). Figures:
- model load, reported apart;
- compare of 10 and of 50 synthetic articles (~40 sentences each), blocked
  candidate search vs the naive all-pairs scorer, in the same process;
- the whole `triangulate compare` process on the two seed articles (start to printed
  report), and the same with --all-pairs;
- peak memory: max RSS of the compare process (measured first, before this process grows:
  a child's high-water mark starts at its parent's), and of the bench process after each case.

The synthetic story is generated here: one fictional event, many facts, each outlet
reporting a random subset in one of several wordings, plus outlet-only sentences.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"

PLACES = ["Port Ellis", "Karwick", "Lindmoor", "Sorrel Bay", "Ashby Cross", "Venholt", "Marrow Point"]
PEOPLE = ["Mayor Ilse Brandt", "Chief Tomas Okafor", "Minister Dana Reyes", "Inspector Lew Harlan",
          "Director Mira Soltan", "Captain Aiden Voss", "Councillor Petra Quill"]
THINGS = ["the harbour warehouse", "the east pier", "the rail depot", "the grain terminal", "the ferry dock",
          "the customs office", "the fuel store", "the old cannery"]
VERBS = [("said", "told reporters"), ("announced", "confirmed"), ("warned", "cautioned")]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def make_facts(rng: random.Random, n: int) -> list[list[str]]:
    """n facts, each with three wordings."""
    facts = []
    for k in range(n):
        who, place, thing = rng.choice(PEOPLE), rng.choice(PLACES), rng.choice(THINGS)
        num, day = rng.randint(3, 90), rng.choice(DAYS)
        v1, v2 = rng.choice(VERBS)
        facts.append([
            f"{who} {v1} on {day} that {num} workers were moved away from {thing} in {place} as a precaution.",
            f"As a precaution, {num} workers were evacuated from {thing} in {place}, {who} {v2} on {day}.",
            f"On {day}, {who} {v1} {num} staff had been taken out of {thing} near {place} to keep them safe.",
        ][:3])
        facts[-1] = [s.replace("  ", " ") for s in facts[-1]]
        _ = k
    return facts


def make_story(n_articles: int, sentences: int = 40, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    facts = make_facts(rng, sentences * 2)
    records = []
    for a in range(n_articles):
        chosen = rng.sample(range(len(facts)), sentences * 3 // 4)
        body = [rng.choice(facts[i]) for i in chosen]
        for extra in range(sentences - len(body)):
            body.append(
                f"Outlet {a} also reported that {rng.choice(PEOPLE)} visited {rng.choice(THINGS)} "
                f"in {rng.choice(PLACES)} for item {extra} of its own reporting."
            )
        paragraphs = [" ".join(body[i : i + 3]) for i in range(0, len(body), 3)]
        records.append({"source": f"outlet-{a:02d}", "title": f"Harbour evacuation, report {a}",
                        "text": f"Harbour evacuation, report {a}\n\n" + "\n\n".join(paragraphs)})
    return records


def in_process(records: list[dict[str, str]], embedder, all_pairs: bool) -> tuple[float, float, int]:
    from triangulate.compare import CompareSettings, compare_articles, load_articles
    from triangulate.models import RawDocument

    raws = [RawDocument(origin=f"r{i}", content=r["text"], source=r["source"], title=r["title"]) for i, r in enumerate(records)]
    articles, _ = load_articles(raws)
    embedder.encode(["warm up"])
    started = time.perf_counter()
    report = compare_articles(articles, embedder=embedder, settings=CompareSettings(all_pairs=all_pairs))
    seconds = time.perf_counter() - started
    # Peak resident memory of this process so far (monotonic: it includes earlier cases).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return seconds, peak, len(report.facts)


def whole_process(args: list[str]) -> tuple[float, float]:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "triangulate", "compare", *args], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"compare failed: {proc.stderr[-2000:]}")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, rss


def main() -> None:
    import argparse

    from triangulate.embed import load_embedder

    parser = argparse.ArgumentParser(description="Benchmark of compare (model load excluded).")
    parser.add_argument("--articles", default="10,50", help="story sizes, comma-separated (default 10,50)")
    sizes = [int(n) for n in parser.parse_args().articles.split(",") if n.strip()]

    results: dict[str, object] = {}
    started = time.perf_counter()
    embedder = load_embedder()
    results["model_load_s"] = round(time.perf_counter() - started, 3)
    print(f"model load: {results['model_load_s']:.2f} s (excluded below)")
    if SEEDS.is_dir():
        seeds = sorted(str(p) for p in SEEDS.glob("*.txt"))
        fast, rss = whole_process(seeds)
        slow, rss_slow = whole_process([*seeds, "--all-pairs"])
        results["process_seeds"] = {"blocked_s": round(fast, 3), "all_pairs_s": round(slow, 3), "max_rss_mib": round(rss, 1)}
        print(f"whole process, the two seeds: {fast:.2f} s; with --all-pairs {slow:.2f} s ({slow / fast:.1f}x); max RSS {rss:.0f} MiB")
    else:
        print("(../shared/seeds not found: whole-process figure skipped)")
    print(f"{'case':<34}{'blocked':>12}{'all-pairs':>12}{'ratio':>8}{'facts':>12}{'max RSS MiB':>12}")
    for n in sizes:
        records = make_story(n)
        # Fresh embedder cache for each run: both runs embed everything.
        embedder = load_embedder()
        fast, mem, facts = in_process(records, embedder, all_pairs=False)
        embedder = load_embedder()
        slow, mem_slow, facts_slow = in_process(records, embedder, all_pairs=True)
        results[f"compare_{n}"] = {"blocked_s": round(fast, 3), "all_pairs_s": round(slow, 3),
                                   "facts": facts, "facts_all_pairs": facts_slow,
                                   "peak_mib": round(mem, 1), "peak_mib_all_pairs": round(mem_slow, 1)}
        print(f"{f'compare {n} articles x 40 sentences':<34}{fast:>11.2f}s{slow:>11.2f}s{slow / fast:>7.1f}x"
              f"{f'{facts}/{facts_slow}':>12}{mem:>10.1f}")
    print(json.dumps(results))


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
