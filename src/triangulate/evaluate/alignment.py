"""``triangulate eval alignment``: typed chunk alignment on iSTS headlines.

The aligner works on the gold chunks of each pair (the chunk boundaries the
file gives; the gold links and types are not used). For every chunk pair of
a headline pair it computes a few features (chunk embedding cosine, lexical
overlap and containment both ways, lengths, whether each is the other's best
match and by what margin, number and negation agreement, position, sentence
cosine), then

1. a logistic *align* head gives P(aligned); chunk pairs are taken greedily,
   best first, one-to-one, while P >= the fitted threshold; chunks left over
   are NOALI;
2. a multinomial logistic *type* head labels each aligned pair EQUI, SPE1,
   SPE2, SIMI, REL or OPPO (trained with both reading directions, SPE1 and
   SPE2 swapped, so the head is antisymmetric by construction).

Baseline, in the same run: greedy one-to-one by chunk cosine above a fitted
threshold, every link typed EQUI.

Fitting (``triangulate calibrate alignment``) uses only a fixed half of the
train pairs: a pair is in the fitting half when the first 8 hex digits of
sha256(headline1 + "\\n" + headline2) form an even number. The hashes of those
pairs ship in ``data/pair_align.json`` and eval leaves any pair with one of
them out of the score (it reports how many), so on ../shared/data/ists-headlines
eval scores exactly the other half, and on a test file it scores every pair.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from triangulate.errors import EvalError, ModelError
from triangulate.evaluate.common import ISTS_FILE, EvalResult, IstsPair, embed_unique, find_file, read_ists, skipped_note
from triangulate.evaluate.ists_metric import ists_f1
from triangulate.similarity import LogisticHead, read_params_file
from triangulate.text import STOPWORDS

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

ALIGN_FILE = "pair_align.json"
TYPES: tuple[str, ...] = ("EQUI", "SPE1", "SPE2", "SIMI", "REL", "OPPO")
_SWAP = {"SPE1": "SPE2", "SPE2": "SPE1"}
_PUNCT = re.compile(r"^[^\w]+$")
_NUM = re.compile(r"^\d+(?:[.,]\d+)*$")
_NEG = frozenset({"not", "no", "never", "n't", "without", "nor", "none"})

CHUNK_FEATURES: tuple[str, ...] = (
    "cosine",
    "content_jaccard",
    "token_jaccard",
    "contained_1_in_2",
    "contained_2_in_1",
    "length_1",
    "length_2",
    "length_log_ratio",
    "best_for_1",
    "best_for_2",
    "margin_for_1",
    "margin_for_2",
    "exact_match",
    "numbers_differ",
    "negation_differs",
    "position_gap",
    "sentence_cosine",
    "stem_jaccard",
)
#: Feature columns that swap when the two headlines are read in the other order
#: (pairs of columns), and the one that changes sign.
_SWAP_COLUMNS = ((3, 4), (5, 6), (8, 9), (10, 11))
_NEGATE_COLUMNS = (7,)


def pair_hash(text1: str, text2: str) -> str:
    """Content id of a headline pair (ids repeat across files, texts do not)."""
    return hashlib.sha256(f"{text1}\n{text2}".encode()).hexdigest()[:16]


def in_fitting_half(pair: IstsPair) -> bool:
    """The fixed split used by ``calibrate alignment``: even first 8 hex digits of the content hash."""
    return int(pair_hash(pair.text1, pair.text2)[:8], 16) % 2 == 0


@dataclass(frozen=True, slots=True)
class _Chunk:
    ids: tuple[int, ...]
    text: str
    words: frozenset[str]
    content: frozenset[str]
    stems: frozenset[str]
    numbers: frozenset[str]
    negated: bool
    position: float


def _chunk(pair: IstsPair, side: int, ids: tuple[int, ...]) -> _Chunk:
    toks = pair.tokens1 if side == 1 else pair.tokens2
    words = [toks[i - 1].lower() for i in ids if 0 < i <= len(toks) and not _PUNCT.match(toks[i - 1])]
    content = [w for w in words if w not in STOPWORDS]
    mid = (ids[0] + ids[-1]) / 2.0
    return _Chunk(
        ids=ids,
        text=pair.chunk_text(side, ids),
        words=frozenset(words),
        content=frozenset(content),
        stems=frozenset(w[:4] for w in (content or words)),
        numbers=frozenset(w.replace(",", "") for w in words if _NUM.match(w)),
        negated=any(w in _NEG or w.endswith("n't") for w in words),
        position=mid / max(len(toks), 1),
    )


def _jac(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _features(c1: Sequence[_Chunk], c2: Sequence[_Chunk], cos: np.ndarray, sentence_cos: float) -> np.ndarray:
    """Feature rows for every chunk pair (row-major over c1 x c2)."""
    rows = []
    for i, a in enumerate(c1):
        row_cos = cos[i]
        for j, b in enumerate(c2):
            col_cos = cos[:, j]
            others_row = np.delete(row_cos, j)
            others_col = np.delete(col_cos, i)
            inter = len(a.words & b.words)
            rows.append(
                [
                    cos[i, j],
                    _jac(a.content, b.content),
                    _jac(a.words, b.words),
                    inter / len(a.words) if a.words else 0.0,
                    inter / len(b.words) if b.words else 0.0,
                    np.log1p(len(a.words)),
                    np.log1p(len(b.words)),
                    np.log((len(a.words) + 1) / (len(b.words) + 1)),
                    float(cos[i, j] >= row_cos.max()),
                    float(cos[i, j] >= col_cos.max()),
                    cos[i, j] - (others_row.max() if len(others_row) else 0.0),
                    cos[i, j] - (others_col.max() if len(others_col) else 0.0),
                    float(a.words == b.words and bool(a.words)),
                    float(bool(a.numbers) and bool(b.numbers) and a.numbers != b.numbers),
                    float(a.negated != b.negated),
                    abs(a.position - b.position),
                    sentence_cos,
                    _jac(a.stems, b.stems),
                ]
            )
    return np.asarray(rows, dtype=np.float64).reshape(len(c1) * len(c2), len(CHUNK_FEATURES))


def _swap(x: np.ndarray) -> np.ndarray:
    y = x.copy()
    for a, b in _SWAP_COLUMNS:
        y[:, [a, b]] = x[:, [b, a]]
    for c in _NEGATE_COLUMNS:
        y[:, c] = -x[:, c]
    return y


@dataclass(frozen=True, slots=True)
class SoftmaxHead:
    """Multinomial logistic regression over standardised features."""

    classes: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[tuple[float, ...], ...]
    intercept: tuple[float, ...]

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        z = ((x - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.coef).T + np.asarray(self.intercept)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def to_dict(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "mean": list(self.mean), "scale": list(self.scale), "coef": [list(r) for r in self.coef], "intercept": list(self.intercept)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SoftmaxHead:
        return cls(tuple(d["classes"]), tuple(d["mean"]), tuple(d["scale"]), tuple(tuple(r) for r in d["coef"]), tuple(d["intercept"]))


@dataclass(frozen=True, slots=True)
class ChunkAligner:
    """Fitted chunk aligner (see the module docstring); parameters in ``data/pair_align.json``."""

    align: LogisticHead
    align_threshold: float
    types: SoftmaxHead
    baseline_threshold: float
    fit_pairs: frozenset[str]
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def load(cls, path: str | Path | None = None) -> ChunkAligner:
        d, _ = read_params_file(
            ALIGN_FILE, path, what="the chunk aligner", remedy="triangulate calibrate alignment --data ../shared/data", code="E315"
        )
        if tuple(d["features"]) != CHUNK_FEATURES:
            raise ModelError("the chunk aligner was fitted on other features; re-run `triangulate calibrate alignment`", code="E316")
        return cls(
            LogisticHead.from_dict(d["align"]),
            float(d["align_threshold"]),
            SoftmaxHead.from_dict(d["types"]),
            float(d["baseline_threshold"]),
            frozenset(d["fit_pairs"]),
            dict(d.get("meta", {})),
        )

    def save(self, path: str | Path) -> None:
        d = {
            "format": 1,
            "features": list(CHUNK_FEATURES),
            "align": self.align.to_dict(),
            "align_threshold": self.align_threshold,
            "types": self.types.to_dict(),
            "baseline_threshold": self.baseline_threshold,
            "meta": self.meta,
            "fit_pairs": sorted(self.fit_pairs),
        }
        Path(path).write_text(json.dumps(d, indent=1) + "\n", encoding="utf-8")


@dataclass(frozen=True, slots=True)
class _PairData:
    pair: IstsPair
    chunks1: list[_Chunk]
    chunks2: list[_Chunk]
    cos: np.ndarray
    x: np.ndarray


def _prepare(pairs: Sequence[IstsPair], embedder: Any) -> list[_PairData]:
    chunked = [(p, [_chunk(p, 1, c) for c in p.chunks(1)], [_chunk(p, 2, c) for c in p.chunks(2)]) for p in pairs]
    texts = [c.text for _, c1, c2 in chunked for c in (*c1, *c2)] + [t for p in pairs for t in (p.text1, p.text2)]
    vecs = embed_unique(embedder, texts)
    index = {t: vecs[i] for i, t in enumerate(texts)}
    out = []
    for p, c1, c2 in chunked:
        a = np.array([index[c.text] for c in c1]).reshape(len(c1), -1)
        b = np.array([index[c.text] for c in c2]).reshape(len(c2), -1)
        cos = a @ b.T if len(c1) and len(c2) else np.zeros((len(c1), len(c2)))
        sentence_cos = float(index[p.text1] @ index[p.text2])
        out.append(_PairData(p, c1, c2, cos, _features(c1, c2, cos, sentence_cos) if len(c1) and len(c2) else np.zeros((0, len(CHUNK_FEATURES)))))
    return out


def _greedy(scores: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """One-to-one pairs, best score first, while score >= threshold."""
    taken: list[tuple[int, int]] = []
    if scores.size == 0:
        return taken
    used1: set[int] = set()
    used2: set[int] = set()
    order = np.argsort(-scores, axis=None, kind="stable")
    for flat in order:
        i, j = divmod(int(flat), scores.shape[1])
        if scores[i, j] < threshold:
            break
        if i in used1 or j in used2:
            continue
        used1.add(i)
        used2.add(j)
        taken.append((i, j))
    return taken


def _alignments(d: _PairData, links: list[tuple[int, int]], types: list[str]) -> list[list[Any]]:
    out: list[list[Any]] = []
    for (i, j), t in zip(links, types):
        out.append([list(d.chunks1[i].ids), list(d.chunks2[j].ids), t])
    for i, c in enumerate(d.chunks1):
        if all(i != a for a, _ in links):
            out.append([list(c.ids), [], "NOALI"])
    for j, c in enumerate(d.chunks2):
        if all(j != b for _, b in links):
            out.append([[], list(c.ids), "NOALI"])
    return out


def align_pair(d: _PairData, aligner: ChunkAligner) -> list[list[Any]]:
    """Typed alignments ``[ids1, ids2, TYPE]`` of one prepared pair."""
    if d.x.shape[0] == 0:
        return _alignments(d, [], [])
    p = aligner.align.predict(d.x).reshape(len(d.chunks1), len(d.chunks2))
    links = _greedy(p, aligner.align_threshold)
    if not links:
        return _alignments(d, [], [])
    rows = np.array([i * len(d.chunks2) + j for i, j in links])
    probs = aligner.types.predict_proba(d.x[rows])
    types = [aligner.types.classes[k] for k in probs.argmax(axis=1)]
    return _alignments(d, links, types)


def align_baseline(d: _PairData, threshold: float) -> list[list[Any]]:
    """Greedy one-to-one by chunk cosine, everything EQUI."""
    links = _greedy(d.cos, threshold)
    return _alignments(d, links, ["EQUI"] * len(links))


def _gold(p: IstsPair) -> list[tuple[tuple[int, ...], tuple[int, ...], str]]:
    return [(a.ids1, a.ids2, "_".join(a.types)) for a in p.alignments]


def _score(pairs: Sequence[IstsPair], system: dict[str, list[list[Any]]]) -> dict[str, float]:
    gold = {p.pair: _gold(p) for p in pairs}
    toks = {p.pair: (p.text1.split(" "), p.text2.split(" ")) for p in pairs}
    sys_ = {pid: [(tuple(a), tuple(b), t) for a, b, t in alis] for pid, alis in system.items()}
    ali = ists_f1(gold, sys_, toks, mode="ali")
    typ = ists_f1(gold, sys_, toks, mode="type")
    return {"f1_ali": ali.f1, "f1_type": typ.f1, "precision_ali": ali.precision, "recall_ali": ali.recall, "precision_type": typ.precision, "recall_type": typ.recall}


def evaluate_alignment(data: Path, *, embedder: Any, aligner: ChunkAligner | None = None, include_fitted: bool = False) -> EvalResult:
    """Score DIR/STSint.gs.headlines.wa (or DIR/*/...), leaving out the aligner's fitting pairs."""
    path = find_file(Path(data), ISTS_FILE, task="alignment", nested=True)
    skipped: list[str] = []
    all_pairs = read_ists(path, skipped=skipped)
    aligner = aligner or ChunkAligner.load()
    pairs = [p for p in all_pairs if include_fitted or pair_hash(p.text1, p.text2) not in aligner.fit_pairs]
    left_out = len(all_pairs) - len(pairs)
    if not pairs:
        raise EvalError(
            f"every pair of {path} was used for fitting the aligner ({left_out} pairs); score another file "
            "(or add --all-pairs, which is not a fair figure)",
            code="E603",
        )
    prepared = _prepare(pairs, embedder)
    ours = {d.pair.pair: align_pair(d, aligner) for d in prepared}
    base = {d.pair.pair: align_baseline(d, aligner.baseline_threshold) for d in prepared}
    s_ours = _score(pairs, ours)
    s_base = _score(pairs, base)
    metrics: dict[str, Any] = {"task": "alignment", "n": len(pairs), "left_out_fitted": left_out, "skipped": len(skipped)}
    metrics.update({k: round(v, 4) for k, v in s_ours.items()})
    metrics.update({f"baseline_{k}": round(s_base[k], 4) for k in ("f1_ali", "f1_type")})
    rows = (
        ("typed aligner", s_ours["f1_ali"], s_ours["f1_type"], s_ours["precision_type"], s_ours["recall_type"]),
        ("greedy cosine, all EQUI", s_base["f1_ali"], s_base["f1_type"], s_base["precision_type"], s_base["recall_type"]),
    )
    records = tuple({"pair": d.pair.pair, "alignments": ours[d.pair.pair]} for d in prepared)
    notes = (
        f"scored {path}: {len(pairs)} pairs" + (f"; {left_out} pairs left out because the aligner was fitted on them" if left_out else ""),
        "token-level iSTS F1 (evalF1 reading, see triangulate/evaluate/ists_metric.py); gold chunks, own links and types",
    ) + ((skipped_note(skipped, "malformed sentence pairs"),) if skipped else ())
    return EvalResult("alignment", metrics, ("system", "f1_ali", "f1_type", "precision_type", "recall_type"), rows, records, notes, tuple(skipped))


# --- fitting ---------------------------------------------------------------------


def _training_rows(prepared: Sequence[_PairData]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Align rows (x, y) over all chunk pairs, and type rows (x, label) over gold links, both directions."""
    xs, ys, tx, ty = [], [], [], []
    for d in prepared:
        if d.x.shape[0] == 0:
            continue
        gold: dict[tuple[tuple[int, ...], tuple[int, ...]], str] = {}
        for a in d.pair.alignments:
            if a.ids1 and a.ids2 and a.base_type in TYPES:
                gold[(a.ids1, a.ids2)] = a.base_type
        y = np.zeros(d.x.shape[0])
        for i, c1 in enumerate(d.chunks1):
            for j, c2 in enumerate(d.chunks2):
                t = gold.get((c1.ids, c2.ids))
                if t is None:
                    continue
                k = i * len(d.chunks2) + j
                y[k] = 1
                tx.append(d.x[k])
                ty.append(t)
        xs.append(d.x)
        ys.append(y)
    x = np.vstack(xs)
    y = np.concatenate(ys)
    txa = np.asarray(tx)
    # Both reading directions: the type head learns SPE1/SPE2 as mirror images.
    type_x = np.vstack([txa, _swap(txa)])
    type_y = ty + [_SWAP.get(t, t) for t in ty]
    return x, y, type_x, type_y


def _fit_softmax(x: np.ndarray, labels: list[str], c: float) -> SoftmaxHead:
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=5000, class_weight=None).fit((x - mean) / scale, labels)
    classes = tuple(str(k) for k in model.classes_)
    return SoftmaxHead(classes, tuple(map(float, mean)), tuple(map(float, scale)), tuple(tuple(map(float, r)) for r in model.coef_), tuple(map(float, model.intercept_)))


def calibrate_alignment(data: Path, *, embedder: Any, out_dir: Path, command: str, c: float = 1.0) -> dict[str, Any]:
    """Fit the aligner and the baseline threshold on the fitting half of the iSTS train pairs."""
    from triangulate.evaluate.calibrate import fit_logistic

    started = time.perf_counter()
    root = Path(data)
    candidates = [root / "ists-headlines" / "train", root / "train", root]
    folder = next((f for f in candidates if (f / ISTS_FILE).is_file()), root / "ists-headlines" / "train")
    path = find_file(folder, ISTS_FILE, task="calibrate alignment")
    pairs = [p for p in read_ists(path) if in_fitting_half(p)]
    prepared = _prepare(pairs, embedder)
    x, y, type_x, type_y = _training_rows(prepared)
    align = fit_logistic(x, y.astype(int), c=c)
    types = _fit_softmax(type_x, type_y, c)

    def f1s(threshold: float, fn: Any) -> dict[str, float]:
        return _score(pairs, {d.pair.pair: fn(d, threshold) for d in prepared})

    grid = [round(t, 2) for t in np.arange(0.2, 0.81, 0.05)]
    # Thresholds: best token F1 on the fitting half itself (never on the scored half).
    align_scores = {t: f1s(t, lambda d, th: align_pair(d, ChunkAligner(align, th, types, 0.5, frozenset())))["f1_type"] for t in grid}
    align_threshold = max(align_scores, key=lambda t: (align_scores[t], -abs(t - 0.5)))
    base_scores = {t: f1s(t, align_baseline)["f1_type"] for t in [round(v, 2) for v in np.arange(0.2, 0.91, 0.05)]}
    base_threshold = max(base_scores, key=lambda t: (base_scores[t], -t))
    fitted = ChunkAligner(
        align,
        align_threshold,
        types,
        base_threshold,
        frozenset(pair_hash(p.text1, p.text2) for p in pairs),
        {
            "command": command,
            "embedder": getattr(embedder, "name", "?"),
            "fitted_on": {"file": str(path.name), "sha256_16": hashlib.sha256(path.read_bytes()).hexdigest()[:16], "pairs": len(pairs),
                          "split": "pairs whose sha256(headline1 + '\\n' + headline2) starts with an even 8-hex-digit number"},
            "align_threshold_rule": "best f1_type on the fitting half over 0.20..0.80 step 0.05",
            "baseline_threshold_rule": "best f1_type on the fitting half over 0.20..0.90 step 0.05",
        },
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    fitted.save(out_dir / ALIGN_FILE)
    fit_half = _score(pairs, {d.pair.pair: align_pair(d, fitted) for d in prepared})
    return {
        "fit_pairs": len(pairs),
        "align_threshold": align_threshold,
        "baseline_threshold": base_threshold,
        "fit_half_f1_ali": round(fit_half["f1_ali"], 4),
        "fit_half_f1_type": round(fit_half["f1_type"], 4),
        "seconds": round(time.perf_counter() - started, 1),
    }
