"""``triangulate eval paraphrase``: MRPC test accuracy and F1 of the paraphrase models, beside baselines.

Scores ``msr_paraphrase_test.txt`` only. The reported system is the
cross-encoder (:class:`~triangulate.cross_encoder.CrossEncoder`, adapter
``pair_cross.npz`` fitted by ``calibrate cross-encoder``); the token-level pair
scorer (``pair_model_tokens.json``) and the sentence-level scorer the compare
engine uses (``pair_model.json``) are printed beside it. Every threshold, the
baselines' included, was fitted on MRPC train; nothing is fitted here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from triangulate.cross_encoder import CrossEncoder
from triangulate.evaluate.baselines import Baselines
from triangulate.evaluate.common import MRPC_TEST, EvalResult, binary_scores, embed_unique, find_file, read_mrpc, skipped_note
from triangulate.similarity import PairScorer


def default_scorers(embedder: Any) -> tuple[PairScorer, PairScorer]:
    """(reported scorer, sentence-level scorer): the token-level model when the
    embedder gives token vectors, else the sentence-level one twice."""
    sentence = PairScorer.load()
    if getattr(embedder, "encode_tokens", None) is None:
        return sentence, sentence
    return PairScorer.load(token_level=True, embedder=embedder), sentence


@dataclass(frozen=True, slots=True)
class ScoredSides:
    """What both text evals start from: the scorers, the baselines and both sides embedded."""

    scorer: PairScorer
    sentence_scorer: PairScorer
    baselines: Baselines
    a: list[str]
    b: list[str]
    va: np.ndarray
    vb: np.ndarray


def prepare(
    pairs: Sequence[Any],
    *,
    embedder: Any,
    scorer: PairScorer | None,
    sentence_scorer: PairScorer | None,
    baselines: Baselines | None,
) -> ScoredSides:
    """Fill in the default scorers and baselines, and embed each side once per distinct text."""
    if scorer is None or sentence_scorer is None:
        default, sentence = default_scorers(embedder)
        scorer = scorer or default
        sentence_scorer = sentence_scorer or sentence
    a = [p.text1 for p in pairs]
    b = [p.text2 for p in pairs]
    return ScoredSides(
        scorer, sentence_scorer, baselines or Baselines.load(), a, b, embed_unique(embedder, a), embed_unique(embedder, b)
    )


def evaluate_paraphrase(
    data: Path,
    *,
    embedder: Any,
    scorer: PairScorer | None = None,
    baselines: Baselines | None = None,
    sentence_scorer: PairScorer | None = None,
    cross_encoder: CrossEncoder | None = None,
) -> EvalResult:
    """Score DIR/msr_paraphrase_test.txt (positive class = paraphrase)."""
    path = find_file(Path(data), MRPC_TEST, task="paraphrase")
    skipped: list[str] = []
    pairs = read_mrpc(path, skipped=skipped)
    sides = prepare(pairs, embedder=embedder, scorer=scorer, sentence_scorer=sentence_scorer, baselines=baselines)
    scorer, sentence_scorer, baselines = sides.scorer, sides.sentence_scorer, sides.baselines
    a, b, va, vb = sides.a, sides.b, sides.va, sides.vb
    gold = np.array([p.label for p in pairs])
    cross = cross_encoder or CrossEncoder.load()
    prob = cross.score(a, b)
    ours = (prob >= cross.threshold).astype(int)
    token_prob = scorer.score(a, b, va, vb)
    cosine = np.einsum("ij,ij->i", va, vb)
    tfidf = baselines.tfidf.cosine(a, b)
    sentence_prob = sentence_scorer.score(a, b, va, vb)
    systems = {
        "cross-encoder": binary_scores(gold, ours),
        "pair scorer, token features": binary_scores(gold, (token_prob >= scorer.threshold).astype(int)),
        "pair scorer, sentence features": binary_scores(gold, (sentence_prob >= sentence_scorer.threshold).astype(int)),
        "cosine": binary_scores(gold, (cosine >= baselines.cosine_threshold).astype(int)),
        "tfidf": binary_scores(gold, (tfidf >= baselines.tfidf_threshold).astype(int)),
        "always paraphrase": binary_scores(gold, np.ones_like(gold)),
    }
    metrics: dict[str, Any] = {"task": "paraphrase", "n": len(pairs), "skipped": len(skipped)}
    metrics.update({k: round(v, 4) for k, v in systems["cross-encoder"].items()})
    for name, key in (("pair scorer, token features", "tokens"), ("pair scorer, sentence features", "sentence"), ("cosine", "cosine"), ("tfidf", "tfidf")):
        metrics[f"{key}_accuracy"] = round(systems[name]["accuracy"], 4)
        metrics[f"{key}_f1"] = round(systems[name]["f1"], 4)
    rows = tuple((name, s["accuracy"], s["precision"], s["recall"], s["f1"]) for name, s in systems.items())
    records = tuple(
        {"id1": p.id1, "id2": p.id2, "score": round(float(s), 6), "label": int(l)} for p, s, l in zip(pairs, prob, ours)
    )
    notes = (
        f"scored {path} ({len(pairs)} pairs); cross-encoder: MiniLM with a rank-{cross.meta.get('rank', '?')} adapter; "
        f"pair scorer: {len(scorer.feature_names)} features; "
        f"thresholds: cross-encoder {cross.threshold:.2f}, token-feature scorer {scorer.threshold:.4f}, sentence-feature scorer {sentence_scorer.threshold:.4f}, "
        f"cosine {baselines.cosine_threshold:.4f}, tfidf {baselines.tfidf_threshold:.4f} (fitted on MRPC train)",
    ) + ((skipped_note(skipped, "malformed rows"),) if skipped else ())
    return EvalResult("paraphrase", metrics, ("system", "accuracy", "precision", "recall", "f1"), rows, records, notes, tuple(skipped))
