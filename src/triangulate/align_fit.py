"""Fit the aligner's thresholds on STS-B *training* data (never on what is scored).

A claim pair is "the same fact" when STS-B annotators gave it 3.0 or more ("roughly
equivalent, but some important information differs or is missing"). On the news genre
of sts-train.csv this picks the embedding-cosine threshold and the pair-model
probability threshold that maximise F1, alone and combined with OR, and prints them
with their F1. The defaults in :class:`triangulate.align.AlignSettings` come from:

    python -m triangulate.align_fit ../shared/data/stsbenchmark/sts-train.csv
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def _best(scores: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    best = (0.0, 0.0)
    for t in np.unique(np.round(scores, 3)):
        pred = scores >= t
        f1 = 2 * float((pred & gold).sum()) / float(pred.sum() + gold.sum())
        best = max(best, (f1, float(t)))
    return best


def fit(path: Path, genre: str = "main-news") -> dict[str, float]:
    from triangulate.embed import load_embedder
    from triangulate.similarity import PairScorer

    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 7 and parts[0] == genre:
            rows.append((float(parts[4]), parts[5], parts[6]))
    gold = np.array([r[0] >= 3.0 for r in rows])
    a, b = [r[1] for r in rows], [r[2] for r in rows]
    embedder = load_embedder()
    va, vb = embedder.encode(a), embedder.encode(b)
    cos = np.einsum("ij,ij->i", va, vb)
    prob = PairScorer.load().score(a, b, va, vb)
    f1_cos, t_cos = _best(cos, gold)
    f1_prob, t_prob = _best(prob, gold)
    combined = (cos >= t_cos) | (prob >= t_prob)
    f1_or = 2 * float((combined & gold).sum()) / float(combined.sum() + gold.sum())
    return {
        "pairs": len(rows),
        "strong_cosine": round(t_cos, 3),
        "f1_cosine": round(f1_cos, 3),
        "match_probability": round(t_prob, 3),
        "f1_probability": round(f1_prob, 3),
        "f1_either": round(f1_or, 3),
    }


#: The STS-B training file, relative to the working directory (the repository root).
DEFAULT_DATA = Path("../shared/data/stsbenchmark/sts-train.csv")


def main(argv: Sequence[str] | None = None) -> None:
    """Parse ``argv`` (default: the command line), fit, print one JSON line."""
    parser = argparse.ArgumentParser(
        prog="python -m triangulate.align_fit",
        description="Fit the aligner's cosine and pair-model thresholds on the main-news pairs of "
        "STS-B training data and print them, with their F1, as one JSON object.",
    )
    parser.add_argument(
        "data",
        nargs="?",
        type=Path,
        default=DEFAULT_DATA,
        help="the STS-B training file (tab-separated sts-train.csv: genre, file, year, id, "
        f"score, sentence 1, sentence 2); default: {DEFAULT_DATA}, relative to the working directory",
    )
    args = parser.parse_args(argv)
    print(json.dumps(fit(args.data)))


if __name__ == "__main__":
    main()
