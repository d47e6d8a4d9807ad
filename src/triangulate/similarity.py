"""Sentence-pair similarity: does this pair of sentences say the same thing?

:class:`PairScorer` turns two row-aligned lists of sentences (and their
L2-normalised embeddings) into

* :meth:`PairScorer.score` - the probability that each pair is a paraphrase
  (same content), compared with :attr:`PairScorer.threshold`;
* :meth:`PairScorer.similarity` - a graded similarity on the STS 0-5 scale.

The paraphrase head is a logistic regression, the graded head a small
gradient-boosted forest, over symmetric features: embedding cosine, lexical
overlaps, number and negation agreement, length balance (the 14
:data:`SCALAR_FEATURES`, vectorised numpy, used by the shipped default
``data/pair_model.json``), and for the token-level model
(``data/pair_model_tokens.json``) also word-sequence overlaps and a
BERTScore-style soft alignment of contextual word-piece vectors
(:data:`SEQUENCE_FEATURES`, :data:`TOKEN_FEATURES`). Parameters are fitted by
``triangulate calibrate pairs`` on training files only (MRPC train for the
paraphrase head, STS-B train for the graded head; see docs/eval.md).

>>> scorer = PairScorer.load()                                  # doctest: +SKIP
>>> p = scorer.score(["Gantz left on Wednesday."], ["Gantz departed Wednesday."], va, vb)  # doctest: +SKIP
>>> bool(p[0] >= scorer.threshold)                              # doctest: +SKIP
True
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from triangulate.errors import ModelError
from triangulate.text import STOPWORDS, tokens

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

def read_params_file(
    name: str, path: str | Path | None, *, what: str, remedy: str, code: str
) -> tuple[dict[str, Any], str]:
    """A fitted parameter file: ``path``, or ``triangulate/data/NAME`` as shipped.

    Returns the parsed JSON and where it came from. A missing or unreadable file
    is a :class:`ModelError` (``code``) naming ``what`` and the command that
    re-creates it (``remedy``).
    """
    try:
        if path is None:
            raw = resources.files("triangulate").joinpath("data", name).read_text(encoding="utf-8")
            origin = f"triangulate/data/{name}"
        else:
            raw = Path(path).read_text(encoding="utf-8")
            origin = str(path)
        data: dict[str, Any] = json.loads(raw)
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"could not read {what} ({exc}); re-create it with `{remedy}`", code=code) from exc
    return data, origin


#: Version of the parameter file layout; a file with another major version is refused.
FORMAT_VERSION = 1

_NEGATIONS = frozenset({"not", "no", "never", "n't", "nt", "without", "neither", "nor", "none", "nobody", "nothing"})
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)*$")
_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20",
    "hundred": "100", "thousand": "1000", "million": "1000000", "billion": "1000000000",
}  # fmt: skip

#: Scalar features, in column order. Every one is symmetric in (a, b).
SCALAR_FEATURES: tuple[str, ...] = (
    "cosine",
    "content_jaccard",
    "containment_min",
    "containment_max",
    "token_jaccard",
    "bigram_jaccard",
    "unmatched_content_min",
    "unmatched_content_max",
    "numbers_differ",
    "numbers_one_side",
    "numbers_shared",
    "negation_differs",
    "names_jaccard",
    "length_ratio",
)


@dataclass(frozen=True, slots=True)
class _Lexical:
    """Token views of one sentence used by the lexical features."""

    toks: frozenset[str]
    content: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    numbers: frozenset[str]
    names: frozenset[str]
    negated: bool
    length: int


def _lexical(text: str) -> _Lexical:
    toks = tokens(text)
    # Light normalisation so "'s" / "n't" splits of tokenised corpora and plain text agree.
    toks = [t.strip("'") for t in toks if t.strip("'")]
    content = [t for t in toks if t not in STOPWORDS and (len(t) > 1 or t.isdigit())]
    numbers = {t.replace(",", "") for t in toks if _NUMBER.match(t)}
    numbers |= {_NUMBER_WORDS[t] for t in toks if t in _NUMBER_WORDS}
    raw_words = re.findall(r"[^\W\d_][\w'\-]*", text)
    # Capitalised words not opening the sentence: a cheap stand-in for names.
    names = {w.lower() for i, w in enumerate(raw_words) if i > 0 and w[:1].isupper() and w.lower() not in STOPWORDS}
    negated = any(t in _NEGATIONS or t.endswith("n't") for t in toks) or "n't" in text
    return _Lexical(
        toks=frozenset(toks),
        content=frozenset(content),
        bigrams=frozenset(zip(toks, toks[1:])),
        numbers=frozenset(numbers),
        names=frozenset(names),
        negated=negated,
        length=len(toks),
    )


def _incidence(views: Sequence[frozenset[Any]]) -> Any:
    """A binary CSR matrix (texts x items) of one token view."""
    from scipy import sparse

    vocab: dict[Any, int] = {}
    indptr = [0]
    indices: list[int] = []
    for items in views:
        for item in items:
            indices.append(vocab.setdefault(item, len(vocab)))
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return sparse.csr_matrix((data, np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)), shape=(len(views), max(len(vocab), 1)))


def _overlap(matrix: Any, ia: np.ndarray, ib: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(|A & B|, |A|, |B|) for the row pairs ``(ia[k], ib[k])`` of a binary matrix."""
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    inter = np.asarray(matrix[ia].multiply(matrix[ib]).sum(axis=1)).ravel()
    return inter, sizes[ia], sizes[ib]


def _jaccard(inter: np.ndarray, sa: np.ndarray, sb: np.ndarray) -> np.ndarray:
    union = sa + sb - inter
    return np.where(union > 0, inter / np.maximum(union, 1), 1.0)


def scalar_features(a_texts: Sequence[str], b_texts: Sequence[str], a_vecs: np.ndarray, b_vecs: np.ndarray) -> np.ndarray:
    """The :data:`SCALAR_FEATURES` of row-aligned pairs, shape ``(n, len(SCALAR_FEATURES))``.

    Token views are computed once per distinct text; overlaps are sparse
    row-wise products, so many pairs over few sentences (claim alignment) cost
    little more than the sentences themselves.
    """
    n = len(a_texts)
    if len(b_texts) != n or len(a_vecs) != n or len(b_vecs) != n:
        raise ValueError(f"row-aligned inputs differ in length: {n}, {len(b_texts)}, {len(a_vecs)}, {len(b_vecs)}")
    out = np.zeros((n, len(SCALAR_FEATURES)), dtype=np.float64)
    if n == 0:
        return out
    a_vecs = np.asarray(a_vecs, dtype=np.float32)
    b_vecs = np.asarray(b_vecs, dtype=np.float32)
    out[:, 0] = np.einsum("ij,ij->i", a_vecs, b_vecs)

    index: dict[str, int] = {}
    ia = np.fromiter((index.setdefault(t, len(index)) for t in a_texts), dtype=np.int64, count=n)
    ib = np.fromiter((index.setdefault(t, len(index)) for t in b_texts), dtype=np.int64, count=n)
    views = [_lexical(t) for t in index]

    c_in, c_a, c_b = _overlap(_incidence([v.content for v in views]), ia, ib)
    ca = np.where(c_a > 0, c_in / np.maximum(c_a, 1), 1.0)
    cb = np.where(c_b > 0, c_in / np.maximum(c_b, 1), 1.0)
    ua = np.log1p(c_a - c_in)
    ub = np.log1p(c_b - c_in)
    t_in, t_a, t_b = _overlap(_incidence([v.toks for v in views]), ia, ib)
    g_in, g_a, g_b = _overlap(_incidence([v.bigrams for v in views]), ia, ib)
    n_in, n_a, n_b = _overlap(_incidence([v.numbers for v in views]), ia, ib)
    m_in, m_a, m_b = _overlap(_incidence([v.names for v in views]), ia, ib)
    negated = np.array([v.negated for v in views], dtype=bool)
    length = np.array([v.length for v in views], dtype=np.float64)
    la, lb = length[ia], length[ib]

    out[:, 1] = _jaccard(c_in, c_a, c_b)
    out[:, 2] = np.minimum(ca, cb)
    out[:, 3] = np.maximum(ca, cb)
    out[:, 4] = _jaccard(t_in, t_a, t_b)
    out[:, 5] = _jaccard(g_in, g_a, g_b)
    out[:, 6] = np.minimum(ua, ub)
    out[:, 7] = np.maximum(ua, ub)
    both = (n_a > 0) & (n_b > 0)
    out[:, 8] = both & ~((n_in == n_a) & (n_in == n_b))
    out[:, 9] = (n_a > 0) != (n_b > 0)
    out[:, 10] = n_in > 0
    out[:, 11] = negated[ia] != negated[ib]
    out[:, 12] = _jaccard(m_in, m_a, m_b)
    out[:, 13] = np.minimum(la, lb) / np.maximum(np.maximum(la, lb), 1)
    return out


# --- token-level features (soft alignment of contextual word pieces) -------------------

#: Word-sequence features, from the texts alone (symmetric).
SEQUENCE_FEATURES: tuple[str, ...] = (
    "lcs_ratio",
    "trigram_min",
    "trigram_max",
    "fourgram_min",
    "fourgram_max",
)

#: Token-alignment features (BERTScore-style greedy matching of contextual word-piece
#: vectors), all symmetric in (a, b). "match" of a piece = its best cosine on the other side.
TOKEN_FEATURES: tuple[str, ...] = (
    "match_f1",
    "match_min",
    "match_max",
    "idf_match_f1",
    "idf_match_min",
    "idf_match_max",
    "content_match_f1",
    "content_match_min",
    "content_match_max",
    "worst_content_min",
    "worst_content_max",
    "idf_unmatched_min",
    "idf_unmatched_max",
    "idf_unmatched_mass_min",
    "idf_unmatched_mass_max",
    "short_side_match",
    "long_side_match",
    "below_50_min",
    "below_50_max",
    "below_70_min",
    "below_70_max",
    "below_85_min",
    "below_85_max",
)

#: Every feature this version computes, in column order.
ALL_FEATURES: tuple[str, ...] = SCALAR_FEATURES + SEQUENCE_FEATURES + TOKEN_FEATURES

#: A piece whose best match is under this cosine counts as unmatched (``idf_unmatched_*``).
UNMATCHED_BELOW = 0.6
_PUNCT_PIECES = frozenset(".,;:!?'\"`-()[]{}$%&/")


@dataclass(frozen=True, slots=True, eq=False)
class TokenView:
    """Contextual word pieces of one text: L2-normalised vectors ``(n, dim)`` and their strings."""

    vectors: np.ndarray
    pieces: tuple[str, ...]


def token_views(embedder: Any, texts: Sequence[str]) -> list[TokenView]:
    """One :class:`TokenView` per text, through ``embedder.encode_tokens`` (each distinct text once).

    Raises:
        ModelError: the embedder gives no token vectors (only the packaged MiniLM does).
    """
    encode = getattr(embedder, "encode_tokens", None)
    if encode is None:
        raise ModelError(
            f"the embedder {getattr(embedder, 'name', '?')!r} gives no token vectors, which the token-level "
            "pair model needs; use the sentence-level model (PairScorer.load())",
            code="E315",
        )
    unique = list(dict.fromkeys(texts))
    vectors, pieces = encode(unique, with_pieces=True) if unique else ([], [])
    by_text = {t: TokenView(np.asarray(v, dtype=np.float32), tuple(p)) for t, v, p in zip(unique, vectors, pieces)}
    return [by_text[t] for t in texts]


def _lcs(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token lists."""
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def _ngram_precisions(a: Sequence[str], b: Sequence[str], n: int) -> tuple[float, float]:
    from collections import Counter

    ga = Counter(zip(*[a[i:] for i in range(n)]))
    gb = Counter(zip(*[b[i:] for i in range(n)]))
    inter = sum((ga & gb).values())
    pa = inter / max(sum(ga.values()), 1)
    pb = inter / max(sum(gb.values()), 1)
    return min(pa, pb), max(pa, pb)


def sequence_features(a_texts: Sequence[str], b_texts: Sequence[str]) -> np.ndarray:
    """The :data:`SEQUENCE_FEATURES` of row-aligned pairs: word LCS ratio, 3- and 4-gram precisions."""
    out = np.zeros((len(a_texts), len(SEQUENCE_FEATURES)), dtype=np.float64)
    words: dict[str, list[str]] = {}

    def toks(text: str) -> list[str]:
        if text not in words:
            words[text] = [t.strip("'") for t in tokens(text) if t.strip("'")]
        return words[text]

    for k, (x, y) in enumerate(zip(a_texts, b_texts)):
        ta, tb = toks(x), toks(y)
        out[k, 0] = 2.0 * _lcs(ta, tb) / max(len(ta) + len(tb), 1)
        out[k, 1:3] = _ngram_precisions(ta, tb, 3)
        out[k, 3:5] = _ngram_precisions(ta, tb, 4)
    return out


def _min_max(x: float, y: float) -> tuple[float, float]:
    return (x, y) if x <= y else (y, x)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def token_features(a_tokens: Sequence[TokenView], b_tokens: Sequence[TokenView], idf: dict[str, float] | None = None, *, default_idf: float = 1.0) -> np.ndarray:
    """The :data:`TOKEN_FEATURES` of row-aligned pairs of :class:`TokenView`.

    Each piece is matched greedily to its most similar piece on the other side
    (cosine of contextual vectors); precision/recall are the mean best matches of
    the two sides, plain, IDF-weighted (``idf``: word piece -> weight, pieces
    missing from it weigh ``default_idf``) and over content pieces only
    (no stopwords, no punctuation).
    """
    if len(a_tokens) != len(b_tokens):
        raise ValueError(f"row-aligned inputs differ in length: {len(a_tokens)}, {len(b_tokens)}")
    out = np.zeros((len(a_tokens), len(TOKEN_FEATURES)), dtype=np.float64)
    side: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def weights(view: TokenView) -> tuple[np.ndarray, np.ndarray]:
        key = id(view)
        if key not in side:
            w = np.array([idf.get(p, default_idf) if idf else 1.0 for p in view.pieces], dtype=np.float64)
            content = np.array([p not in _PUNCT_PIECES and p not in STOPWORDS for p in view.pieces], dtype=bool)
            side[key] = (w, content)
        return side[key]

    for k, (va, vb) in enumerate(zip(a_tokens, b_tokens)):
        if not len(va.vectors) or not len(vb.vectors):
            continue
        sim = va.vectors @ vb.vectors.T
        ra, rb = sim.max(axis=1).astype(np.float64), sim.max(axis=0).astype(np.float64)
        (wa, ca), (wb, cb) = weights(va), weights(vb)
        p, r = float(ra.mean()), float(rb.mean())
        row = [_f1(p, r), *_min_max(p, r)]
        p, r = float((ra * wa).sum() / max(wa.sum(), 1e-9)), float((rb * wb).sum() / max(wb.sum(), 1e-9))
        row += [_f1(p, r), *_min_max(p, r)]
        p = float(ra[ca].mean()) if ca.any() else 1.0
        r = float(rb[cb].mean()) if cb.any() else 1.0
        row += [_f1(p, r), *_min_max(p, r)]
        row += _min_max(float(ra[ca].min()) if ca.any() else 1.0, float(rb[cb].min()) if cb.any() else 1.0)
        row += _min_max(
            float((wa * (ra < UNMATCHED_BELOW)).sum() / max(wa.sum(), 1e-9)),
            float((wb * (rb < UNMATCHED_BELOW)).sum() / max(wb.sum(), 1e-9)),
        )
        mass = _min_max(float((wa * (1 - ra)).sum()), float((wb * (1 - rb)).sum()))
        row += [float(np.log1p(max(mass[0], 0.0))), float(np.log1p(max(mass[1], 0.0)))]
        # The shorter side first; equal lengths: the worse-matched side counts as the shorter.
        ma, mb = float(ra.mean()), float(rb.mean())
        if len(ra) < len(rb) or (len(ra) == len(rb) and ma <= mb):
            row += [ma, mb]
        else:
            row += [mb, ma]
        for cut in (0.5, 0.7, 0.85):
            row += _min_max(float((ra < cut).mean()), float((rb < cut).mean()))
        out[k] = row
    return out


def piece_idf(pieces: Sequence[Sequence[str]]) -> tuple[dict[str, float], float]:
    """Smoothed IDF ``ln((N + 1) / (df + 1))`` of word pieces over texts; also the weight of an unseen piece."""
    from collections import Counter

    df: Counter[str] = Counter()
    for p in pieces:
        df.update(set(p))
    n = len(pieces)
    return {w: round(float(np.log((n + 1) / (c + 1))), 4) for w, c in sorted(df.items())}, round(float(np.log(n + 1)), 4)


# --- fitted heads --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogisticHead:
    """``sigmoid(((x - mean) / scale) . coef + intercept)`` over the scalar features."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    def predict(self, x: np.ndarray) -> np.ndarray:
        z = ((x - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.coef) + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "logistic", "mean": list(self.mean), "scale": list(self.scale), "coef": list(self.coef), "intercept": self.intercept}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LogisticHead:
        return cls(tuple(d["mean"]), tuple(d["scale"]), tuple(d["coef"]), float(d["intercept"]))


@dataclass(frozen=True, slots=True)
class TreeEnsembleHead:
    """A gradient-boosted regression forest stored as flat node arrays.

    Node ``k`` of the packed forest: a leaf when ``feature[k] < 0`` (its output is
    ``value[k]``), otherwise it sends a row to ``left[k]`` when
    ``x[feature[k]] <= threshold[k]`` and to ``right[k]`` otherwise. ``roots``
    holds each tree's first node. The prediction is ``baseline`` plus the sum of
    the reached leaves, clipped to ``[low, high]``. All trees are walked at once,
    one depth level per step.
    """

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]
    roots: tuple[int, ...]
    depth: int
    baseline: float
    low: float = 0.0
    high: float = 5.0
    _arrays: dict[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def _array(self, name: str, dtype: Any) -> np.ndarray:
        arr = self._arrays.get(name)
        if arr is None:
            arr = self._arrays[name] = np.asarray(getattr(self, name), dtype=dtype)
        return arr

    def predict(self, x: np.ndarray) -> np.ndarray:
        feature = self._array("feature", np.int64)
        threshold = self._array("threshold", np.float64)
        left = self._array("left", np.int64)
        right = self._array("right", np.int64)
        value = self._array("value", np.float64)
        roots = self._array("roots", np.int64)
        out = np.empty(x.shape[0], dtype=np.float64)
        step = 4096  # rows per block: keeps the (rows x trees) index arrays in cache
        for start in range(0, x.shape[0], step):
            block = x[start : start + step]
            node = np.broadcast_to(roots, (block.shape[0], len(roots))).copy()
            rows = np.arange(block.shape[0])[:, None]
            for _ in range(self.depth):
                feat = feature[node]
                inner = feat >= 0
                if not inner.any():
                    break
                go_left = block[rows, np.where(inner, feat, 0)] <= threshold[node]
                node = np.where(inner, np.where(go_left, left[node], right[node]), node)
            out[start : start + step] = self.baseline + value[node].sum(axis=1)
        return np.clip(out, self.low, self.high)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "trees",
            "feature": list(self.feature),
            "threshold": [round(t, 6) for t in self.threshold],
            "left": list(self.left),
            "right": list(self.right),
            "value": [round(v, 6) for v in self.value],
            "roots": list(self.roots),
            "depth": self.depth,
            "baseline": self.baseline,
            "low": self.low,
            "high": self.high,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TreeEnsembleHead:
        return cls(
            tuple(int(v) for v in d["feature"]),
            tuple(float(v) for v in d["threshold"]),
            tuple(int(v) for v in d["left"]),
            tuple(int(v) for v in d["right"]),
            tuple(float(v) for v in d["value"]),
            tuple(int(v) for v in d["roots"]),
            int(d["depth"]),
            float(d["baseline"]),
            float(d.get("low", 0.0)),
            float(d.get("high", 5.0)),
        )


def _head_from_dict(d: dict[str, Any]) -> LogisticHead | TreeEnsembleHead:
    if d.get("kind") == "logistic":
        return LogisticHead.from_dict(d)
    if d.get("kind") == "trees":
        return TreeEnsembleHead.from_dict(d)
    raise ModelError(f"unknown model head kind {d.get('kind')!r} in the pair model file", code="E311")


DEFAULT_MODEL_FILE = "pair_model.json"
#: The token-level model: sentence, word-sequence and token-alignment features.
TOKEN_MODEL_FILE = "pair_model_tokens.json"


@dataclass(frozen=True, slots=True)
class PairScorer:
    """Scores row-aligned sentence pairs; parameters come from ``data/pair_model.json``.

    Two models ship. The default (``pair_model.json``, :meth:`load`) uses the
    14 :data:`SCALAR_FEATURES` only: texts and sentence vectors, fast enough for
    the compare engine's many candidate pairs. The token-level model
    (``pair_model_tokens.json``, ``load(token_level=True, embedder=...)``) adds
    :data:`SEQUENCE_FEATURES` and :data:`TOKEN_FEATURES`, which need contextual
    token vectors: pass them to :meth:`score` / :meth:`similarity`
    (``a_tokens``, ``b_tokens``) or give the scorer an embedder with
    ``encode_tokens`` to compute them on demand.

    Attributes:
        feature_names: the feature columns the heads were fitted on.
        paraphrase: logistic head giving P(same content).
        threshold: decision threshold on :meth:`score` (F1-optimal on
            out-of-fold MRPC train predictions).
        graded: regression head giving STS-style similarity 0-5, or None.
        meta: how and on what the parameters were fitted.
        idf: word piece -> IDF weight (training sentences) for the token features.
        default_idf: IDF of a piece the table lacks.
        embedder: computes token vectors when :meth:`score` is not given them.
    """

    feature_names: tuple[str, ...]
    paraphrase: LogisticHead
    threshold: float
    graded: TreeEnsembleHead | LogisticHead | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False)
    idf: dict[str, float] | None = field(default=None, compare=False)
    default_idf: float = 1.0
    embedder: Any = field(default=None, compare=False, repr=False)

    @property
    def needs_tokens(self) -> bool:
        """Whether the features include token-alignment ones (token vectors needed)."""
        return any(n in TOKEN_FEATURES for n in self.feature_names)

    @classmethod
    def load(cls, path: str | Path | None = None, *, token_level: bool = False, embedder: Any = None) -> PairScorer:
        """Load fitted parameters (default: the file shipped in ``triangulate/data``).

        Args:
            path: a parameter file; None for the shipped one.
            token_level: with no ``path``, load the token-level model
                (``pair_model_tokens.json``) instead of the sentence-level default.
            embedder: used to compute token vectors that :meth:`score` is not given.

        Raises:
            ModelError: the file is missing, unreadable or of another format version.
        """
        data, origin = read_params_file(
            TOKEN_MODEL_FILE if token_level else DEFAULT_MODEL_FILE,
            path,
            what="the pair model",
            remedy="triangulate calibrate pairs --data ../shared/data",
            code="E310",
        )
        return cls.from_dict(data, origin=origin, embedder=embedder)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, origin: str = "<dict>", embedder: Any = None) -> PairScorer:
        """Build a scorer from the JSON layout written by :meth:`to_dict`."""
        if int(data.get("format", 0)) != FORMAT_VERSION:
            raise ModelError(f"{origin}: pair model format {data.get('format')!r}, expected {FORMAT_VERSION}", code="E312")
        names = tuple(data["features"])
        unknown = [n for n in names if n not in ALL_FEATURES]
        if unknown:
            raise ModelError(f"{origin}: unknown features {unknown}; this version computes {list(ALL_FEATURES)}", code="E313")
        graded = data.get("graded")
        return cls(
            feature_names=names,
            paraphrase=LogisticHead.from_dict(data["paraphrase"]),
            threshold=float(data["threshold"]),
            graded=_head_from_dict(graded) if graded else None,
            meta=dict(data.get("meta", {})),
            idf=dict(data["idf"]) if data.get("idf") else None,
            default_idf=float(data.get("default_idf", 1.0)),
            embedder=embedder,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON layout of the parameter file."""
        return {
            "format": FORMAT_VERSION,
            "features": list(self.feature_names),
            "threshold": self.threshold,
            "paraphrase": self.paraphrase.to_dict(),
            "graded": self.graded.to_dict() if self.graded else None,
            "meta": self.meta,
            **({"idf": self.idf, "default_idf": self.default_idf} if self.idf else {}),
        }

    def save(self, path: str | Path) -> None:
        """Write the parameters as JSON (what ``calibrate pairs`` ships)."""
        Path(path).write_text(json.dumps(self.to_dict(), separators=(",", ":")) + "\n", encoding="utf-8")

    def features(
        self,
        a_texts: Sequence[str],
        b_texts: Sequence[str],
        a_vecs: np.ndarray,
        b_vecs: np.ndarray,
        a_tokens: Sequence[TokenView] | None = None,
        b_tokens: Sequence[TokenView] | None = None,
    ) -> np.ndarray:
        """Feature matrix ``(n, len(feature_names))`` of row-aligned pairs.

        Only the feature groups the model uses are computed. Token views missing
        for a token-level model are computed through :attr:`embedder`.

        Raises:
            ModelError: token features are needed, none are given and there is no embedder.
        """
        scalars = scalar_features(a_texts, b_texts, a_vecs, b_vecs)
        names = set(self.feature_names)
        if names <= set(SCALAR_FEATURES):
            return scalars[:, [SCALAR_FEATURES.index(n) for n in self.feature_names]]
        blocks = [scalars]
        if names & set(SEQUENCE_FEATURES):
            blocks.append(sequence_features(a_texts, b_texts))
        else:
            blocks.append(np.zeros((len(a_texts), len(SEQUENCE_FEATURES))))
        if self.needs_tokens:
            if a_tokens is None or b_tokens is None:
                if self.embedder is None:
                    raise ModelError(
                        "this pair model uses token features: pass a_tokens/b_tokens or load it with an embedder",
                        code="E316",
                    )
                if a_tokens is None:
                    a_tokens = token_views(self.embedder, a_texts)
                if b_tokens is None:
                    b_tokens = token_views(self.embedder, b_texts)
            blocks.append(token_features(a_tokens, b_tokens, self.idf, default_idf=self.default_idf))
        else:
            blocks.append(np.zeros((len(a_texts), len(TOKEN_FEATURES))))
        full = np.hstack(blocks)
        cols = [ALL_FEATURES.index(n) for n in self.feature_names]
        return full[:, cols]

    def score(
        self,
        a_texts: Sequence[str],
        b_texts: Sequence[str],
        a_vecs: np.ndarray,
        b_vecs: np.ndarray,
        a_tokens: Sequence[TokenView] | None = None,
        b_tokens: Sequence[TokenView] | None = None,
    ) -> np.ndarray:
        """P(pair ``i`` says the same thing) for each row-aligned pair; compare with :attr:`threshold`."""
        return self.paraphrase.predict(self.features(a_texts, b_texts, a_vecs, b_vecs, a_tokens, b_tokens))

    def similarity(
        self,
        a_texts: Sequence[str],
        b_texts: Sequence[str],
        a_vecs: np.ndarray,
        b_vecs: np.ndarray,
        a_tokens: Sequence[TokenView] | None = None,
        b_tokens: Sequence[TokenView] | None = None,
    ) -> np.ndarray:
        """Graded similarity on the STS 0-5 scale (the graded head; cosine x 5 when none is fitted)."""
        x = self.features(a_texts, b_texts, a_vecs, b_vecs, a_tokens, b_tokens)
        if self.graded is None:
            return np.clip(x[:, self.feature_names.index("cosine")] * 5.0, 0.0, 5.0) if "cosine" in self.feature_names else np.zeros(len(x))
        return self.graded.predict(x)

    def decide(
        self,
        a_texts: Sequence[str],
        b_texts: Sequence[str],
        a_vecs: np.ndarray,
        b_vecs: np.ndarray,
        a_tokens: Sequence[TokenView] | None = None,
        b_tokens: Sequence[TokenView] | None = None,
    ) -> np.ndarray:
        """Boolean paraphrase decisions (``score >= threshold``)."""
        return self.score(a_texts, b_texts, a_vecs, b_vecs, a_tokens, b_tokens) >= self.threshold
