"""Baselines printed beside every score: plain embedding cosine and TF-IDF cosine.

Their parameters (the cosine and TF-IDF decision thresholds, the TF-IDF
vocabulary and idf weights) are fitted on MRPC train by ``triangulate calibrate
pairs`` and stored in ``data/pair_baselines.json``; eval only reads them.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from triangulate.text import tokens

BASELINES_FILE = "pair_baselines.json"


@dataclass(frozen=True, slots=True)
class TfidfCosine:
    """Cosine of raw-count TF x smoothed IDF vectors; words outside the vocabulary are ignored."""

    idf: dict[str, float]

    @classmethod
    def fit(cls, texts: Iterable[str]) -> TfidfCosine:
        """IDF ``ln((1 + N) / (1 + df)) + 1`` over ``texts`` (as scikit-learn's smooth idf)."""
        df: Counter[str] = Counter()
        n = 0
        for text in texts:
            df.update(set(tokens(text)))
            n += 1
        return cls({w: round(math.log((1 + n) / (1 + c)) + 1.0, 5) for w, c in sorted(df.items())})

    def _vector(self, text: str) -> dict[str, float]:
        counts = Counter(t for t in tokens(text) if t in self.idf)
        vec = {w: c * self.idf[w] for w, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        return {w: v / norm for w, v in vec.items()} if norm else {}

    def cosine(self, a_texts: Sequence[str], b_texts: Sequence[str]) -> np.ndarray:
        """Row-aligned TF-IDF cosines."""
        cache: dict[str, dict[str, float]] = {}

        def vec(t: str) -> dict[str, float]:
            if t not in cache:
                cache[t] = self._vector(t)
            return cache[t]

        out = np.zeros(len(a_texts), dtype=np.float64)
        for i, (a, b) in enumerate(zip(a_texts, b_texts)):
            va, vb = vec(a), vec(b)
            if len(vb) < len(va):
                va, vb = vb, va
            out[i] = sum(v * vb.get(w, 0.0) for w, v in va.items())
        return out


@dataclass(frozen=True, slots=True)
class Baselines:
    """Fitted baseline parameters."""

    cosine_threshold: float
    tfidf_threshold: float
    tfidf: TfidfCosine
    meta: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "cosine_threshold": self.cosine_threshold,
            "tfidf_threshold": self.tfidf_threshold,
            "meta": self.meta,
            "tfidf_idf": self.tfidf.idf,
        }

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path | None = None) -> Baselines:
        """Load the shipped (or a given) baseline file."""
        from triangulate.similarity import read_params_file

        d, _ = read_params_file(
            BASELINES_FILE, path, what="the baseline parameter file", remedy="triangulate calibrate pairs --data ../shared/data", code="E314"
        )
        return cls(float(d["cosine_threshold"]), float(d["tfidf_threshold"]), TfidfCosine(dict(d["tfidf_idf"])), dict(d.get("meta", {})))


def best_f1_threshold(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The threshold ``t`` maximising F1 of ``scores >= t`` against 0/1 ``labels``; returns ``(t, f1)``.

    Ties go to the lowest such threshold; ``t`` is placed midway between two
    neighbouring distinct scores so it does not sit on a training point.
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    order = np.argsort(-s, kind="mergesort")
    s_sorted, y_sorted = s[order], y[order]
    tp = np.cumsum(y_sorted)
    fp = np.cumsum(1 - y_sorted)
    positives = int(y.sum())
    # Only cut between distinct values: predicting positive for the first k rows.
    last_of_value = np.r_[s_sorted[1:] != s_sorted[:-1], True]
    f1 = np.where(last_of_value, 2 * tp / np.maximum(tp + fp + positives, 1), -1.0)
    k = int(np.argmax(f1))
    nxt = s_sorted[k + 1] if k + 1 < len(s_sorted) else s_sorted[k] - 1e-6
    return float((s_sorted[k] + nxt) / 2.0), float(f1[k])
