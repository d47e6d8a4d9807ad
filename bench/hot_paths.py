"""Hot paths timed on their own: pair scoring, the paraphrase cross-encoder, text cleaning.

    python bench/hot_paths.py                  # part of `make bench`
    python bench/hot_paths.py --pairs 20000    # a quicker run

Each figure is the best of several repeats (the code, not a busy machine), printed
beside the baseline run in the same command:

* ``PairScorer.score`` (sentence features, what the compare engine uses) on N pairs
  over 2,000 distinct generated sentences, vectors given; baseline: the same scorer
  called one pair at a time on 2,000 of those pairs (per pair, scaled to N).
  Target: 100,000 pairs in under 1 s.
* ``CrossEncoder.score`` (what ``eval paraphrase`` reports) on 200 generated pairs;
  baseline: the sentence-feature scorer on the same pairs, embeddings included.
* ``clean`` of a generated 1,000-word plain-text article with a byline and a share
  line. Target: under 5 ms an article.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from triangulate.clean import clean  # noqa: E402
from triangulate.models import RawDocument  # noqa: E402
from triangulate.similarity import PairScorer  # noqa: E402

WORDS = "council budget bridge river vote mayor tuesday friday school police storm million 40 12 not harbour fire crews".split()


def best_of(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def sentences(rng: np.random.Generator, n: int, length: int = 12) -> list[str]:
    return [" ".join(rng.choice(WORDS, length)).capitalize() + "." for _ in range(n)]


def bench_pair_scorer(pairs: int, repeats: int) -> None:
    rng = np.random.default_rng(0)
    scorer = PairScorer.load()
    texts = sentences(rng, 2000)
    vecs = rng.normal(size=(2000, 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ia, ib = rng.integers(0, 2000, pairs), rng.integers(0, 2000, pairs)
    a, b, va, vb = [texts[i] for i in ia], [texts[i] for i in ib], vecs[ia], vecs[ib]
    scorer.score(a[:5], b[:5], va[:5], vb[:5])
    batched = best_of(lambda: scorer.score(a, b, va, vb), repeats)
    few = 2000

    def one_by_one() -> None:
        for i in range(few):
            scorer.score(a[i : i + 1], b[i : i + 1], va[i : i + 1], vb[i : i + 1])

    naive = best_of(one_by_one, 1) / few * pairs
    print(f"pair scorer, {pairs:,} pairs: {batched:.3f} s vectorised; one pair at a time {naive:.1f} s (scaled from {few:,}); {naive / batched:.0f}x; target 100k in < 1 s")


def bench_cross_encoder(repeats: int) -> None:
    from triangulate.cross_encoder import CrossEncoder
    from triangulate.embed import load_embedder

    rng = np.random.default_rng(1)
    a, b = sentences(rng, 200, 22), sentences(rng, 200, 22)
    started = time.perf_counter()
    encoder = CrossEncoder.load()
    load = time.perf_counter() - started
    cross = best_of(lambda: encoder.score(a, b), repeats)
    embedder = load_embedder()
    scorer = PairScorer.load()

    def features() -> None:
        embedder._cache.clear()  # noqa: SLF001 - time the embedding too, not the cache
        scorer.score(a, b, embedder.encode(a), embedder.encode(b))

    feature = best_of(features, repeats)
    print(
        f"cross-encoder, 200 pairs of 22 words: {cross:.2f} s ({200 / cross:.0f} pairs/s, load {load:.2f} s); "
        f"sentence-feature scorer with embeddings {feature:.2f} s ({200 / feature:.0f} pairs/s); {cross / feature:.1f}x slower"
    )


def bench_clean(repeats: int) -> None:
    rng = np.random.default_rng(2)
    paragraphs = [" ".join(sentences(rng, 3, 14)) for _ in range(24)]
    raw = "\n\n".join(["Harbour bridge reopens", "By Mara Quell", *paragraphs, "Share this article"])
    doc = RawDocument(origin="t.txt", content=raw)
    clean(doc)
    per_doc = best_of(lambda: [clean(doc) for _ in range(10)], repeats) / 10
    print(f"clean, a {len(raw.split()):,}-word text article: {per_doc * 1000:.2f} ms; target < 5 ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    bench_pair_scorer(args.pairs, args.repeats)
    bench_cross_encoder(max(1, args.repeats // 2))
    bench_clean(args.repeats)


if __name__ == "__main__":
    main()
