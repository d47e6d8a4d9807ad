"""``triangulate eval sts``: STS-B test correlations of the graded head, beside baselines.

Scores ``sts-test.csv`` only, all rows and the ``main-news`` genre. The graded
head of the token-level pair model (the sentence-level model's beside it) was
fitted on STS-B train by ``calibrate pairs``; the baselines (embedding
cosine, TF-IDF cosine with the MRPC-train idf table) need no fitting on STS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from triangulate.evaluate.baselines import Baselines
from triangulate.evaluate.common import STS_TEST, EvalResult, find_file, pearson, read_sts, skipped_note, spearman
from triangulate.evaluate.paraphrase import prepare
from triangulate.similarity import PairScorer

NEWS_GENRE = "main-news"


def evaluate_sts(
    data: Path,
    *,
    embedder: Any,
    scorer: PairScorer | None = None,
    baselines: Baselines | None = None,
    sentence_scorer: PairScorer | None = None,
) -> EvalResult:
    """Score DIR/sts-test.csv: Pearson and Spearman, overall and on the news genre."""
    path = find_file(Path(data), STS_TEST, task="sts")
    skipped: list[str] = []
    pairs = read_sts(path, skipped=skipped)
    sides = prepare(pairs, embedder=embedder, scorer=scorer, sentence_scorer=sentence_scorer, baselines=baselines)
    scorer, sentence_scorer, baselines = sides.scorer, sides.sentence_scorer, sides.baselines
    a, b, va, vb = sides.a, sides.b, sides.va, sides.vb
    gold = np.array([p.score for p in pairs])
    news = np.array([p.genre == NEWS_GENRE for p in pairs])
    systems = {
        "graded head": scorer.similarity(a, b, va, vb),
        "graded head, sentence features": sentence_scorer.similarity(a, b, va, vb),
        "cosine": np.einsum("ij,ij->i", va, vb).astype(np.float64),
        "tfidf": baselines.tfidf.cosine(a, b),
    }

    def corr(pred: np.ndarray) -> dict[str, float]:
        # A correlation over fewer than 2 rows is undefined: NaN here, null in the JSON, n/a in the table.
        return {
            "pearson": pearson(pred, gold),
            "spearman": spearman(pred, gold),
            "pearson_news": pearson(pred[news], gold[news]),
            "spearman_news": spearman(pred[news], gold[news]),
        }

    results = {name: corr(pred) for name, pred in systems.items()}
    metrics: dict[str, Any] = {"task": "sts", "n": len(pairs), "n_news": int(news.sum()), "skipped": len(skipped)}
    metrics.update({k: round(v, 4) for k, v in results["graded head"].items()})
    for name, key in (("graded head, sentence features", "sentence"), ("cosine", "cosine"), ("tfidf", "tfidf")):
        metrics.update({f"{key}_{k}": round(v, 4) for k, v in results[name].items()})
    rows = tuple((name, r["pearson"], r["spearman"], r["pearson_news"], r["spearman_news"]) for name, r in results.items())
    records = tuple({"index": p.index, "score": round(float(s), 6)} for p, s in zip(pairs, systems["graded head"]))
    notes = (f"scored {path} ({len(pairs)} pairs, {int(news.sum())} {NEWS_GENRE}); index = 0-based line number",) + (
        (skipped_note(skipped, "rows"),) if skipped else ()
    )
    return EvalResult("sts", metrics, ("system", "pearson", "spearman", "pearson_news", "spearman_news"), rows, records, notes, tuple(skipped))
