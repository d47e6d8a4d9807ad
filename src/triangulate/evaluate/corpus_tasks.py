"""Corpus evaluations: story clustering (ECB+), story-pair similarity (SemEval-2022
Task 8) and article extraction (trafilatura-eval and the ground-truth.json layout).

Each command prints a human table and, as its last line, one JSON object with
the metrics (../shared/EVAL.md); ``--out`` writes one JSON object per scored item.
Nothing is fitted on the data that is scored: the clustering weights and the
baseline thresholds come from ``data/cluster_params.json`` (fitted on ECB+
topics 1-25 by ``calibrate_clustering``), the pair weights from
``data/cluster_pairs.json`` (fitted on one half of SemEval ``training_set.csv``;
pairs of that half are left out of any file that is scored).

Commands are attached to the ``eval`` group with :func:`register`, and the
calibration commands to the ``calibrate`` group with :func:`register_calibration`.
They also run stand-alone: ``python -m triangulate.evaluate.corpus_tasks --help``.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import re
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import click
import numpy as np

from triangulate.errors import EvalError
from triangulate.evaluate.common import echo_skipped, format_cell, guarded, out_path, pearson, skip, skipped_note, skipped_suffix, write_jsonl
from triangulate.models import Article
from triangulate.text import has_surrogates

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
CLUSTER_PARAMS = "cluster_params.json"
PAIR_PARAMS = "cluster_pairs.json"
TRAIN_TOPICS_MAX = 25


# --- small shared helpers --------------------------------------------------------------


def _table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[str(h) for h in header]] + [[format_cell(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    click.echo(title)
    for k, r in enumerate(cells):
        click.echo("  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if k == 0:
            click.echo("  " + "  ".join("-" * w for w in widths))


def _pearson(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """:func:`~triangulate.evaluate.common.pearson`, 0.0 over fewer than 2 rows (the calibration summaries)."""
    r = pearson(x, y)
    return 0.0 if math.isnan(r) else r


def _defined_pearson(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float | None:
    """Pearson for a reported figure: None (JSON null, ``n/a`` in the table) over fewer than 2 rows."""
    r = pearson(x, y)
    return None if math.isnan(r) else r


def _round(value: float | None) -> float | None:
    """A figure for the last-line JSON: 4 places; None stays None (an undefined figure)."""
    return None if value is None or not math.isfinite(value) else round(value, 4)


def _load_params(name: str) -> dict[str, Any]:
    try:
        return dict(json.loads(resources.files("triangulate").joinpath(f"data/{name}").read_text("utf-8")))
    except FileNotFoundError as exc:
        raise EvalError(f"data/{name} is missing: run the calibration command first", code="E610") from exc


def _load_embedder(model: str | None, *, clustering: bool = False) -> Any:
    """``model`` by name; with none given, the model the product uses for the task."""
    from triangulate.embed import load_cluster_embedder, load_embedder

    if model is None and clustering:
        return load_cluster_embedder()
    return load_embedder(model)


# =====================================================================================
# Clustering: ECB+
# =====================================================================================


@dataclass(frozen=True, slots=True)
class EcbDoc:
    """One ECB+ document: ``doc`` is its path relative to the ECB+ folder."""

    doc: str
    topic: int
    sub: str  # "ecb" or "ecbplus"
    sentences: tuple[str, ...]

    @property
    def gold(self) -> str:
        return f"{self.topic}_{self.sub}"


_NO_SPACE_BEFORE = re.compile(r" ([.,;:!?%)\]}]|'s\b|'S\b|n't\b|'re\b|'ve\b|'ll\b|'d\b|'m\b)")
_NO_SPACE_AFTER = re.compile(r"([(\[{$]) ")


def detokenize(tokens: Sequence[str]) -> str:
    """Join CROMER tokens into readable text ("Calif . ," -> "Calif.,")."""
    text = " ".join(t for t in tokens if t)
    text = text.replace("``", '"').replace("''", '"')
    text = _NO_SPACE_BEFORE.sub(r"\1", text)
    text = _NO_SPACE_AFTER.sub(r"\1", text)
    text = re.sub(r'" ([^"]*?) "', r'"\1"', text)
    text = re.sub(r"(?<=\w) - (?=\w)", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def ecb_root(data: Path) -> Path:
    data = Path(data)
    for candidate in (data / "ECB+", data, data / "ecbplus" / "ECB+"):
        if candidate.is_dir() and any(p.is_dir() and p.name.isdigit() for p in candidate.iterdir()):
            return candidate
    raise EvalError(f"`eval clustering` expects ECB+/<topic>/<n>ecb.xml files under {data}", code="E601")


def read_ecbplus(data: Path, *, skipped: list[str] | None = None) -> list[EcbDoc]:
    """All ECB+ documents under ``data`` in sorted path order.

    The source-URL sentence that opens every ``ecbplus`` file (and no ``ecb`` file)
    is dropped: it is an artefact of the data set that names the event. A file that
    is not valid XML, or a document with no text left, is skipped (recorded in
    ``skipped``, else logged): there is nothing in it to cluster.
    """
    from lxml import etree

    root = ecb_root(data)
    paths = sorted(root.glob("*/*.xml"), key=lambda p: str(p.relative_to(root)))
    docs: list[EcbDoc] = []
    for path in paths:
        m = re.fullmatch(r"(\d+)_(\d+)(ecb|ecbplus)\.xml", path.name)
        if not m:
            continue
        name = str(path.relative_to(root))
        try:
            tree = etree.parse(str(path))
            sentences: dict[int, list[str]] = {}
            for tok in tree.iter("token"):
                sentences.setdefault(int(tok.get("sentence", "0")), []).append(tok.text or "")
        except (etree.XMLSyntaxError, OSError) as exc:
            skip(skipped, f"{root / name} is not valid XML ({exc}), skipped")
            continue
        except ValueError:
            skip(skipped, f"{root / name}: a token's sentence number is not a whole number, skipped")
            continue
        order = sorted(sentences)
        if m.group(3) == "ecbplus" and order:
            first = detokenize(sentences[order[0]])
            if re.match(r"https?\s*:|www\.", first.replace(" ", "")):
                order = order[1:]
        texts = tuple(t for t in (detokenize(sentences[k]) for k in order) if t)
        if not texts:
            skip(skipped, f"{root / name} has no text (no tokens, or only the source-URL sentence), skipped")
            continue
        docs.append(EcbDoc(name, int(m.group(1)), m.group(3), texts))
    if not docs:
        raise EvalError(f"no ECB+ documents found under {root}{skipped_suffix(skipped)}", code="E602")
    return docs


def ecb_article(doc: EcbDoc) -> Article:
    """An ECB+ document as an Article: first sentence as title, the rest as body."""
    title = doc.sentences[0] if doc.sentences else ""
    body = doc.sentences[1:] or (title,)
    return Article(id=doc.doc, outlet="ecbplus", title=title, paragraphs=tuple(body), origin=doc.doc)


def bcubed(pred: dict[str, str], gold: dict[str, str], items: Iterable[str] | None = None) -> dict[str, float]:
    """B-cubed precision, recall, F1 and the adjusted Rand index over ``items``
    (default: all gold items); clusters are restricted to those items.

    Over no items at all the figures are undefined: NaN (null in the JSON), ``n`` 0.
    """
    from sklearn.metrics import adjusted_rand_score

    keys = sorted(items if items is not None else gold)
    if not keys:
        return {"bcubed_precision": math.nan, "bcubed_recall": math.nan, "bcubed_f1": math.nan, "ari": math.nan, "n": 0}
    pc: dict[str, set[str]] = {}
    gc: dict[str, set[str]] = {}
    for k in keys:
        pc.setdefault(pred[k], set()).add(k)
        gc.setdefault(gold[k], set()).add(k)
    p = r = 0.0
    for k in keys:
        a, b = pc[pred[k]], gc[gold[k]]
        inter = len(a & b)
        p += inter / len(a)
        r += inter / len(b)
    p /= len(keys)
    r /= len(keys)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    ari = float(adjusted_rand_score([gold[k] for k in keys], [pred[k] for k in keys]))
    return {"bcubed_precision": p, "bcubed_recall": r, "bcubed_f1": f1, "ari": ari, "n": len(keys)}


def stream_cluster(
    articles: Sequence[Article], vectors: np.ndarray, *, settings: Any, embedder: Any = None
) -> dict[str, str]:
    """Run the real StoryClusterer over ``articles`` in order; article id -> final story id."""
    from triangulate.cluster import StoryClusterer

    clusterer = StoryClusterer(embedder=embedder, settings=settings)
    for article, vec in zip(articles, vectors):
        clusterer.add(article, vector=vec)
    return {a.id: clusterer.story_of(a.id) or a.id for a in articles}


def agglomerative(vectors: np.ndarray, threshold: float) -> list[int]:
    """Average-link agglomerative clustering on cosine distance, cut at ``threshold``.

    A zero row (a text with no word the TF-IDF vocabulary keeps) has no cosine with
    anything: it is a cluster of its own, and the other rows are clustered as usual.
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    if len(vectors) == 0:
        return []
    x = np.asarray(vectors, dtype=np.float64).reshape(len(vectors), -1)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    live = np.flatnonzero(norms[:, 0] > 0)
    if len(live) < len(x):
        labels = [0] * len(x)
        inner = agglomerative(x[live], threshold) if len(live) else []
        for i, c in zip(live, inner):
            labels[int(i)] = c
        next_label = max(inner, default=0)
        for i in np.flatnonzero(norms[:, 0] <= 0):
            next_label += 1
            labels[int(i)] = next_label
        return labels
    if len(x) < 2:
        return [1] * len(x)
    x = x / np.clip(norms, 1e-12, None)
    z = linkage(x, method="average", metric="cosine")
    return [int(c) for c in fcluster(z, t=threshold, criterion="distance")]


def tfidf_matrix(texts: Sequence[str]) -> np.ndarray:
    """TF-IDF (sublinear tf, English stop words) of the texts being clustered.

    The baseline's IDF comes from these texts themselves (unsupervised, no labels):
    unlike triangulate, the baseline sees the scored documents before scoring them.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=1)
    return np.asarray(vec.fit_transform(texts).toarray(), dtype=np.float32)


def _full_text(article: Article) -> str:
    return f"{article.title}\n{article.text}".strip()


def _best_threshold(
    score: Callable[[float], float], grid: Iterable[float]
) -> tuple[float, float]:
    best_t, best_f = 0.0, -1.0
    for t in grid:
        f = score(t)
        if f > best_f + 1e-9:
            best_t, best_f = t, f
    return best_t, best_f


#: The least training B-cubed gain for which calibration turns story merging on.
MERGE_MIN_GAIN = 0.005


def calibration_orders(n: int) -> list[list[int]]:
    """The stream orders the clustering thresholds are scored on: the path order,
    its reverse and two seeded shuffles (deterministic)."""
    import random

    idx = list(range(n))
    return [idx, idx[::-1], random.Random(1).sample(idx, n), random.Random(2).sample(idx, n)]


def calibrate_clustering(data: Path, *, embedder: Any = None, write: bool = True) -> dict[str, Any]:
    """Fit the clustering weights and thresholds on ECB+ topics 1-25 only.

    1. Teacher-forced pass: each training article is compared with the hot stories
       built from the gold clusters so far (the real candidate retrieval plus its
       gold story); a logistic regression on the FEATURES -> same story gives
       the weights.
    2. Streaming pass: the real clusterer runs over the training topics for a grid
       of join and merge thresholds; the best B-cubed F1 (mean over the fixed
       orders of :func:`calibration_orders`) wins.
    3. The two baselines' cut-offs are fitted on the same training topics.
    """
    from sklearn.linear_model import LogisticRegression

    from triangulate.cluster import FEATURES, ClusterSettings, StoryClusterer

    started = time.perf_counter()
    docs = [d for d in read_ecbplus(data) if d.topic <= TRAIN_TOPICS_MAX]
    articles = [ecb_article(d) for d in docs]
    gold = {d.doc: d.gold for d in docs}
    embedder = embedder or _load_embedder(None, clustering=True)
    # Start from the code defaults (limits, window), not from the file being rewritten.
    base = replace(ClusterSettings(), threshold=0.0, merge_threshold=99.0)
    probe = StoryClusterer(embedder=embedder, settings=base)
    vectors = probe.vectors(articles)

    # 1. teacher-forced features
    x_rows: list[tuple[float, ...]] = []
    y_rows: list[int] = []
    teacher = StoryClusterer(embedder=embedder, settings=base)
    for article, vec, doc in zip(articles, vectors, docs):
        gold_sid = f"gold:{doc.gold}"
        seen = set()
        for sid, feats in teacher.candidates(article, vector=vec):
            seen.add(sid)
            x_rows.append(tuple(feats[name] for name in FEATURES))
            y_rows.append(int(sid == gold_sid))
        if gold_sid in teacher.hot_story_ids and gold_sid not in seen:
            d = teacher._doc(article, vec, None)
            story = teacher._stories[gold_sid]
            cos = float(teacher._matrix[story.row] @ d.vec)
            x_rows.append(teacher._doc_features(d, story, cos)[: len(FEATURES)])
            y_rows.append(1)
        teacher.add(article, vector=vec, story_id=gold_sid)
    x = np.asarray(x_rows)
    y = np.asarray(y_rows)
    lr = LogisticRegression(C=1.0, max_iter=2000)
    lr.fit(x, y)
    weights: dict[str, Any] = {f"w_{name}": round(float(w), 4) for name, w in zip(FEATURES, lr.coef_[0])}
    fitted = replace(base, bias=round(float(lr.intercept_[0]), 4), **weights)

    # 2. thresholds on the streaming clustering itself. A stream's B-cubed depends on
    # the order the articles come in, so each candidate is scored on the mean over
    # a few fixed orders (path order, reversed, two seeded shuffles): one order
    # alone gives a bumpy curve whose best point is partly luck.
    orders = calibration_orders(len(articles))

    def f1_for(settings: ClusterSettings) -> float:
        scores = []
        for order in orders:
            pred = stream_cluster([articles[i] for i in order], vectors[order], settings=settings, embedder=embedder)
            scores.append(bcubed(pred, gold)["bcubed_f1"])
        return float(np.mean(scores))

    grid = [round(v, 2) for v in np.arange(-4.0, 2.01, 0.25)]
    thr, f_thr = _best_threshold(lambda t: f1_for(replace(fitted, threshold=t)), grid)
    # refine around the best
    fine = [round(thr + d, 3) for d in np.arange(-0.2, 0.201, 0.05)]
    thr, f_thr = _best_threshold(lambda t: f1_for(replace(fitted, threshold=t)), fine)
    merge_grid = [99.0] + [round(thr + d, 2) for d in (0.5, 1.0, 1.5, 2.0, 3.0)]
    # Merging costs a nearest-story search after every join: it is turned on only when
    # it raises the training F1 by at least MERGE_MIN_GAIN (a smaller gain is noise).
    merge, f_merge = _best_threshold(lambda m: f1_for(replace(fitted, threshold=thr, merge_threshold=m)), merge_grid)
    if f_merge < f_thr + MERGE_MIN_GAIN:
        merge, f_merge = 99.0, f_thr
    final = replace(fitted, threshold=thr, merge_threshold=merge)

    # 3. baselines, fitted on the same training topics
    texts = [_full_text(a) for a in articles]
    tfidf = tfidf_matrix(texts)
    plain = embedder.encode(texts)
    ids = [a.id for a in articles]

    def agg_f1(mat: np.ndarray, t: float) -> float:
        labels = agglomerative(mat, t)
        return bcubed({i: str(c) for i, c in zip(ids, labels)}, gold)["bcubed_f1"]

    agg_grid = [round(v, 3) for v in np.arange(0.3, 0.99, 0.02)]
    t_tfidf, f_tfidf = _best_threshold(lambda t: agg_f1(tfidf, t), agg_grid)
    t_emb, f_emb = _best_threshold(lambda t: agg_f1(plain, t), agg_grid)

    params = {
        "fitted_on": f"ECB+ topics 1-{TRAIN_TOPICS_MAX} ({len(docs)} documents), weights on the sorted path order, thresholds on the mean of 4 stream orders",
        "command": "triangulate calibrate clustering --data ../shared/data/ecbplus",
        "embedder": getattr(embedder, "name", "unknown"),
        "settings": final.to_dict(),
        "train_bcubed_f1": {"teacher_forced_pairs": int(len(y)), "stream": round(f_merge, 4), "threshold_only": round(f_thr, 4)},
        "baselines": {
            "tfidf_average_link_distance": t_tfidf,
            "tfidf_train_bcubed_f1": round(f_tfidf, 4),
            "embedding_average_link_distance": t_emb,
            "embedding_train_bcubed_f1": round(f_emb, 4),
        },
        "seconds": round(time.perf_counter() - started, 1),
    }
    if write:
        (DATA_DIR / CLUSTER_PARAMS).write_text(json.dumps(params, indent=2) + "\n", encoding="utf-8")
    return params


def run_clustering(data: Path, *, embedder: Any = None, model: str | None = None) -> dict[str, Any]:
    """Stream all documents of ``data`` through the clusterer; score beside the baselines."""
    from triangulate.cluster import StoryClusterer, load_settings

    params = _load_params(CLUSTER_PARAMS)
    skipped: list[str] = []
    docs = read_ecbplus(data, skipped=skipped)
    articles = [ecb_article(d) for d in docs]
    gold = {d.doc: d.gold for d in docs}
    embedder = embedder or _load_embedder(model, clustering=True)
    clusterer = StoryClusterer(embedder=embedder, settings=load_settings())
    started = time.perf_counter()
    vectors = clusterer.vectors(articles)
    for article, vec in zip(articles, vectors):
        clusterer.add(article, vector=vec)
    pred = {a.id: clusterer.story_of(a.id) or a.id for a in articles}
    seconds = time.perf_counter() - started

    ids = [a.id for a in articles]
    texts = [_full_text(a) for a in articles]
    base = params.get("baselines", {})
    tf_labels = agglomerative(tfidf_matrix(texts), float(base.get("tfidf_average_link_distance", 0.8)))
    em_labels = agglomerative(embedder.encode(texts), float(base.get("embedding_average_link_distance", 0.5)))
    systems = {
        "triangulate": pred,
        "tfidf_avg_link": {i: f"t{c}" for i, c in zip(ids, tf_labels)},
        "embedding_avg_link": {i: f"e{c}" for i, c in zip(ids, em_labels)},
    }
    unseen = [d.doc for d in docs if d.topic > TRAIN_TOPICS_MAX]
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name, labels in systems.items():
        results[name] = {"all": bcubed(labels, gold), "unseen": bcubed(labels, gold, unseen)}
    return {
        "docs": docs,
        "pred": pred,
        "results": results,
        "n_stories": len(set(pred.values())),
        "n_gold": len(set(gold.values())),
        "seconds": seconds,
        "unseen_n": len(unseen),
        "skipped": skipped,
    }


#: Said under the clustering and pairs tables: where the TF-IDF baselines get their IDF.
TFIDF_IDF_NOTE = (
    "note: the TF-IDF baseline takes its IDF from the scored documents themselves (unsupervised, no labels); "
    "triangulate sees nothing of DIR before scoring"
)


@click.command("clustering")
@click.option("--data", "data", type=click.Path(exists=True, path_type=Path), required=True, help="ECB+ folder.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, callback=out_path, help="Per-document JSONL.")
@click.option("--model", default=None, help="Embedding model (default: the packaged MiniLM).")
def clustering_command(data: Path, out: Path | None, model: str | None) -> None:
    """Story clustering on ECB+: all documents streamed in one run, B-cubed and ARI.

    Metrics are printed over all documents of DATA and over the topics the
    weights were not fitted on (> 25), beside average-link TF-IDF and embedding
    baselines whose cut-offs were fitted on topics 1-25 (the TF-IDF baseline takes
    its IDF from the scored documents themselves; triangulate sees nothing of DATA
    before scoring).
    """
    r = guarded(run_clustering, data, model=model)
    echo_skipped(r["skipped"])
    res = r["results"]
    rows = []
    for name in ("triangulate", "tfidf_avg_link", "embedding_avg_link"):
        for subset in ("unseen", "all"):
            m = res[name][subset]
            rows.append((f"{name} [{subset}]", m["bcubed_precision"], m["bcubed_recall"], m["bcubed_f1"], m["ari"], m["n"]))
    _table(
        f"ECB+ story clustering: {len(r['docs'])} documents, {r['n_gold']} gold clusters, "
        f"{r['n_stories']} stories found in {r['seconds']:.1f}s (unseen = topics > {TRAIN_TOPICS_MAX})",
        ["system [docs]", "B3 P", "B3 R", "B3 F1", "ARI", "n"],
        rows,
    )
    click.echo(f"  {TFIDF_IDF_NOTE}")
    if r["skipped"]:
        click.echo(f"  {skipped_note(r['skipped'], 'ECB+ files', 'not valid XML, or no text')}")
    write_jsonl(out, ({"doc": d.doc, "cluster": r["pred"][d.doc]} for d in r["docs"]))
    t = res["triangulate"]
    summary = {
        "task": "clustering",
        "n": len(r["docs"]),
        "skipped": len(r["skipped"]),
        **{k: _round(v) for k, v in t["all"].items() if k != "n"},
        "unseen": {k: _round(v) if k != "n" else int(v) for k, v in t["unseen"].items()},
        "baselines": {
            name: {"all_bcubed_f1": _round(res[name]["all"]["bcubed_f1"]), "unseen_bcubed_f1": _round(res[name]["unseen"]["bcubed_f1"])}
            for name in ("tfidf_avg_link", "embedding_avg_link")
        },
    }
    click.echo(json.dumps(summary))


# =====================================================================================
# Pairs: SemEval-2022 Task 8
# =====================================================================================


@dataclass(frozen=True, slots=True)
class NewsPair:
    """One scored row of a SemEval-2022 Task 8 CSV; ``row`` is its 0-based index among
    the file's data rows (the header not counted), -1 for a pair not read from a file."""

    pair_id: str
    lang1: str
    lang2: str
    text1: str
    text2: str
    overall: float
    row: int = -1

    @property
    def base_id(self) -> str:
        """The original pair id, without the language suffixes of translated copies."""
        return re.sub(r"(?<=\d)[a-z]{2}(?=_|$)", "", self.pair_id)


def pairs_file(data: Path) -> Path:
    """The CSV to score: ``data`` itself, or the test file of a folder (else the training file)."""
    data = Path(data)
    if data.is_file():
        return data
    for name in ("testing_set.csv", "test.csv", "training_set.csv"):
        if (data / name).is_file():
            return data / name
    found = sorted(data.glob("*.csv"))
    if found:
        return found[0]
    raise EvalError(f"`eval pairs` expects a SemEval-2022 Task 8 CSV in {data}", code="E601")


#: Columns a SemEval-2022 Task 8 CSV must have (the languages are optional).
PAIR_COLUMNS = ("pair_id", "text1", "text2", "Overall")


def read_pairs(path: Path, *, skipped: list[str] | None = None) -> list[NewsPair]:
    """The scored rows of a SemEval-2022 Task 8 CSV, in file order.

    A row whose ``Overall`` is empty or not a number, or that lacks one of its two
    texts, is left out (recorded in ``skipped``, else logged): there is no gold score
    to compare with, or nothing to compare. A file without one of
    :data:`PAIR_COLUMNS` is an error (E602) that names the missing columns.
    """
    csv.field_size_limit(sys.maxsize)
    rows: list[NewsPair] = []
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in PAIR_COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise EvalError(
                f"{path} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                f"(a SemEval-2022 Task 8 CSV has {', '.join(PAIR_COLUMNS)})",
                code="E602",
            )
        for index, rec in enumerate(reader):
            pair_id = rec.get("pair_id") or ""
            where = f"{path} row {index} (pair_id {pair_id!r})"
            if any(has_surrogates(str(v)) for v in rec.values() if v):  # surrogateescape: not UTF-8
                skip(skipped, f"{where}: not UTF-8 text, skipped")
                continue
            try:
                overall = float(rec.get("Overall") or "")
            except (TypeError, ValueError):
                overall = math.nan
            if not math.isfinite(overall):
                skip(skipped, f"{where}: Overall {str(rec.get('Overall') or '')[:20]!r} is not a number, left out")
                continue
            text1, text2 = rec.get("text1") or "", rec.get("text2") or ""
            if not text1.strip() or not text2.strip():
                skip(skipped, f"{where}: text{'1' if not text1.strip() else '2'} is empty, left out")
                continue
            rows.append(
                NewsPair(
                    pair_id,
                    rec.get("lang1") or rec.get("url1_lang") or "",  # the official files name them url1_lang, url2_lang
                    rec.get("lang2") or rec.get("url2_lang") or "",
                    text1,
                    text2,
                    overall,
                    index,
                )
            )
    if not rows:
        raise EvalError(f"no scored pairs (pair_id, text1, text2, Overall) in {path}{skipped_suffix(skipped)}", code="E602")
    return rows


def pair_article(pair_id: str, side: int, text: str) -> Article:
    return Article(id=f"{pair_id}#{side}", outlet="", title="", paragraphs=(" ".join(text.split()),))


def _fit_half(pair: NewsPair) -> bool:
    return zlib.crc32(pair.base_id.encode("utf-8")) % 2 == 0


def _same_language(pair: NewsPair, lang: str) -> bool:
    return pair.lang1 == lang and pair.lang2 == lang


def calibrate_pairs(
    path: Path,
    *,
    embedder: Any = None,
    model: str | None = None,
    out: Path | None = None,
    lang: str | None = None,
    write: bool = True,
) -> dict[str, Any]:
    """Fit the story-similarity weights on the fit half of a SemEval training file.

    The half is chosen by a CRC-32 of the original pair id (translated copies of
    a pair stay on its side); those ids are stored, and ``eval pairs`` leaves them
    out of whatever file it scores. The weights hold for the embedding model they
    were fitted with (``model``, recorded in the file): the packaged file is for the
    default model, weights for any other go to ``out``.

    Without ``lang``, 5-fold cross-validation inside the fit half chooses between
    fitting on all rows and on the en-en rows; with ``lang``, only the fit half's
    rows with both texts in that language are embedded and fitted (a monolingual
    model, at a fraction of the time). Either way every pair id of the fit half
    is stored as fitted.
    """
    from sklearn.linear_model import Ridge

    from triangulate.cluster import StorySimilarity
    from triangulate.embed import DEFAULT_MODEL, configured_model

    model_name = configured_model(model)
    if write and out is None and model_name != DEFAULT_MODEL:
        raise EvalError(
            f"the packaged weights are for the default model ({DEFAULT_MODEL}); "
            f"give an output file for the weights of {model_name} (--out FILE)",
            code="E606",
        )
    path = pairs_file(path)
    rows = read_pairs(path)
    fit_half = [p for p in rows if _fit_half(p)]
    fit = [p for p in fit_half if lang is None or _same_language(p, lang)]
    if len(fit) < 10:
        raise EvalError(f"only {len(fit)} fitting pairs{f' in {lang!r}' if lang else ''} in {path}; need at least 10", code="E607")
    embedder = embedder or _load_embedder(model_name)
    sim = StorySimilarity(embedder=embedder, weights={})
    feats = sim.features([(pair_article(p.pair_id, 1, p.text1), pair_article(p.pair_id, 2, p.text2)) for p in fit])
    target = np.asarray([(4.0 - p.overall) / 3.0 for p in fit])
    # Two candidate fits, compared by 5-fold cross-validation inside the fit half
    # (nothing is chosen on the other half): all rows, or English-English rows only
    # (the default embedder is English-only, so other languages blur the weights).
    from sklearn.model_selection import KFold

    gold = np.asarray([-p.overall for p in fit])
    every = np.ones(len(fit), dtype=bool)
    # The rows whose cross-validated Pearson decides: en-en, or all of them with --lang.
    judged = every if lang is not None else np.asarray([_same_language(p, "en") for p in fit])
    if lang is not None:
        candidates: tuple[tuple[str, np.ndarray], ...] = ((f"{lang}_rows", every),)
    else:
        candidates = (("all_rows", every), ("en_rows", judged))
    key = f"pearson_{lang or 'en'}"
    cv: dict[str, dict[str, float]] = {}
    for name, rows_mask in candidates:
        oof = np.full(len(fit), np.nan)
        idx = np.flatnonzero(rows_mask)
        for tr, te in KFold(5, shuffle=True, random_state=0).split(idx):
            model_cv = Ridge(alpha=1.0).fit(feats[idx[tr]], target[idx[tr]])
            oof[idx[te]] = model_cv.predict(feats[idx[te]])
        cv[name] = {key: round(_pearson(oof[judged], gold[judged]), 4), "rows": int(rows_mask.sum())}
    cv["cos_full_only"] = {key: round(_pearson(feats[judged, 0], gold[judged]), 4), "rows": 0}
    choice = max((name for name, _ in candidates), key=lambda k: cv[k][key])
    mask = dict(candidates)[choice]
    ridge = Ridge(alpha=1.0).fit(feats[mask], target[mask])
    weights = {"bias": round(float(ridge.intercept_), 5)}
    weights.update({name: round(float(w), 5) for name, w in zip(StorySimilarity.FEATURES, ridge.coef_)})
    pred = np.clip(ridge.predict(feats[mask]), 0, 1)
    params = {
        "fitted_on": f"{path.name}: rows whose original pair id has an even CRC-32 ({len(fit_half)} of {len(rows)} rows); "
        + (
            f"weights from the {choice} subset ({int(mask.sum())} rows), chosen by cross-validation"
            if lang is None
            else f"weights from its {lang}-{lang} rows ({len(fit)} rows, --lang {lang})"
        ),
        "command": "triangulate calibrate story-pairs --data ../shared/data/semeval2022-task8/training_set.csv"
        + ("" if model_name == DEFAULT_MODEL else f" --model {model_name} --out {out.name if out else 'FILE'}")
        + (f" --lang {lang}" if lang else ""),
        "model": model_name,
        "kind": "linear",
        "target": "(4 - Overall) / 3, clipped to [0, 1]",
        "weights": weights,
        "train_pearson": round(_pearson(pred, gold[mask]), 4),
        "cross_validated_on_fit_half": cv,
        "choice": choice,
        "fitted_pair_ids": sorted({p.base_id for p in fit_half}),
    }
    if write:
        target_file = Path(out) if out is not None else DATA_DIR / PAIR_PARAMS
        target_file.parent.mkdir(parents=True, exist_ok=True)
        target_file.write_text(json.dumps(params, indent=1) + "\n", encoding="utf-8")
    return params


def _embedding_cosines(embedder: Any, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
    va = embedder.encode(list(a))
    vb = embedder.encode(list(b))
    cosines: np.ndarray = np.einsum("ij,ij->i", va, vb)
    return cosines


def _tfidf_cosines(a: Sequence[str], b: Sequence[str]) -> np.ndarray:
    """The TF-IDF baseline of ``eval pairs``: its IDF comes from the scored texts
    themselves (unsupervised, no labels); triangulate sees nothing of DIR before scoring."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(sublinear_tf=True).fit(list(a) + list(b))
    ma = vec.transform(a)
    mb = vec.transform(b)
    return np.asarray(ma.multiply(mb).sum(axis=1)).reshape(-1)


def run_pairs(
    data: Path, *, embedder: Any = None, model: str | None = None, weights: Path | None = None, lang: str | None = None
) -> dict[str, Any]:
    """Score the pairs of ``data`` (leaving out fitting pairs); ``lang`` keeps the pairs
    whose two texts are both in that language.

    ``weights``: a file of ``calibrate story-pairs --out``; without ``model``, the
    model it names is used. Weights fitted for another model than the one that
    scores are used all the same, with a warning in the result (``"warning"``).
    """
    from triangulate.cluster import StorySimilarity, packaged_pair_params, read_pair_weights
    from triangulate.embed import DEFAULT_MODEL, configured_model
    from triangulate.errors import ConfigError

    path = pairs_file(data)
    skipped: list[str] = []
    rows = read_pairs(path, skipped=skipped)
    if weights is not None:
        try:
            params = read_pair_weights(weights)
        except ConfigError as exc:
            raise EvalError(exc.detail, code="E605") from exc
    else:
        packaged = packaged_pair_params()
        if packaged is None:
            raise EvalError(f"data/{PAIR_PARAMS} is missing: run the calibration command first", code="E610")
        params = packaged
    fitted_for = str(params.get("model") or DEFAULT_MODEL)
    model_name = configured_model(model) if model is not None or weights is None else fitted_for
    warning = None
    if model_name != fitted_for:
        warning = (
            f"the weights were fitted for {fitted_for}, not {model_name}: fit weights for {model_name} with "
            f"triangulate calibrate story-pairs --model {model_name} --out FILE, then eval pairs --weights FILE"
        )
    fitted = set(params.get("fitted_pair_ids", []))
    scored = [p for p in rows if p.base_id not in fitted]
    left_out = len(rows) - len(scored)  # over all rows of the file, --lang or not
    if lang is not None:
        if not any(_same_language(p, lang) for p in rows):
            raise EvalError(f"no {lang}-{lang} pairs to score in {path} (--lang {lang})", code="E602")
        scored = [p for p in scored if _same_language(p, lang)]
    if not scored:
        which = f"{lang}-{lang} pair" if lang is not None else "pair"
        raise EvalError(f"every {which} of {path} was used for fitting; score another file", code="E603")
    embedder = embedder or _load_embedder(model_name)
    sim = StorySimilarity.from_params(params, embedder=embedder, model=fitted_for)
    started = time.perf_counter()
    feats = sim.features([(pair_article(p.pair_id, 1, p.text1), pair_article(p.pair_id, 2, p.text2)) for p in scored])
    ours = sim.score_features(feats)
    seconds = time.perf_counter() - started
    a = [" ".join(p.text1.split()) for p in scored]
    b = [" ".join(p.text2.split()) for p in scored]
    # Plain cosine of the two texts in the same model (as it reads them: MiniLM, the first 128 tokens).
    cos = feats[:, StorySimilarity.FEATURES.index("cos_full")]
    tfidf = _tfidf_cosines(a, b)
    gold = np.asarray([-p.overall for p in scored])
    en = np.asarray([_same_language(p, "en") for p in scored])
    results: dict[str, dict[str, float | None]] = {}
    for name, pred in (("triangulate", ours), ("embedding_cosine", cos), ("tfidf_cosine", tfidf)):
        # Over fewer than 2 rows a Pearson is undefined: None (null in the JSON, n/a in the table).
        results[name] = {"pearson": _defined_pearson(pred, gold), "pearson_en": _defined_pearson(pred[en], gold[en])}
    return {
        "path": path,
        "pairs": scored,
        "pred": ours,
        "results": results,
        "left_out": left_out,
        "n_en": int(en.sum()),
        "seconds": seconds,
        "model": model_name,
        "weights": str(weights) if weights is not None else f"data/{PAIR_PARAMS}",
        "warning": warning,
        "skipped": skipped,
    }


@click.command("pairs")
@click.option("--data", "data", type=click.Path(exists=True, path_type=Path), required=True, help="SemEval-2022 Task 8 CSV or its folder.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, callback=out_path, help="Per-pair JSONL.")
@click.option("--model", default=None, help="Embedding model (default: the model the weights were fitted for).")
@click.option(
    "--weights",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Weights of `calibrate story-pairs --out` (default: the packaged ones, for the packaged MiniLM).",
)
@click.option("--lang", default=None, help="Score only the pairs with both texts in this language (e.g. en).")
def pairs_command(data: Path, out: Path | None, model: str | None, weights: Path | None, lang: str | None) -> None:
    """Story similarity of news-article pairs against the human "Overall" score.

    Pairs whose original id was used to fit the weights are left out (their
    number is printed). The baseline "embedding_cosine" is the plain cosine of
    the two texts in the same embedding model; "tfidf_cosine" takes its IDF from
    the scored texts themselves (unsupervised, no labels).
    """
    r = guarded(run_pairs, data, model=model, weights=weights, lang=lang)
    if r["warning"]:
        click.echo(f"warning: {r['warning']}", err=True)
    echo_skipped(r["skipped"])
    rows = [(name, m["pearson"], m["pearson_en"]) for name, m in r["results"].items()]
    _table(
        f"SemEval-2022 Task 8 pairs: {r['path'].name}, {len(r['pairs'])} pairs scored ({r['n_en']} en-en), "
        f"{r['left_out']} left out as fitting pairs; model {r['model']}, weights {r['weights']}; {r['seconds']:.1f}s",
        ["system", "pearson (all)", "pearson (en-en)"],
        rows,
    )
    click.echo(f"  {TFIDF_IDF_NOTE}")
    if r["skipped"]:
        click.echo(f"  {skipped_note(r['skipped'], 'rows', 'Overall not a number, or a text missing')}")
    # ``row`` (0-based data row of the CSV) keys each record: pair ids repeat in the public files.
    write_jsonl(
        out,
        ({"pair_id": p.pair_id, "row": p.row, "similarity": round(float(s), 6)} for p, s in zip(r["pairs"], r["pred"])),
    )
    t = r["results"]
    click.echo(
        json.dumps(
            {
                "task": "pairs",
                "file": r["path"].name,
                "n": len(r["pairs"]),
                "n_en": r["n_en"],
                "left_out": r["left_out"],
                "skipped": len(r["skipped"]),
                "model": r["model"],
                "weights": r["weights"],
                "pearson": _round(t["triangulate"]["pearson"]),
                "pearson_en": _round(t["triangulate"]["pearson_en"]),
                "baselines": {k: {kk: _round(vv) for kk, vv in v.items()} for k, v in t.items() if k != "triangulate"},
            }
        )
    )


# =====================================================================================
# Extraction: trafilatura-eval and ground-truth.json layouts
# =====================================================================================


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        from trafilatura.utils import decode_file

        decoded = decode_file(data)
        return decoded if isinstance(decoded, str) else data.decode("utf-8", errors="replace")


def trafilatura_extract(html: bytes, url: str | None = None) -> str:
    """The baseline: trafilatura's own ``extract`` with its defaults."""
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def our_extractor() -> tuple[str, Callable[[bytes, str | None], str]]:
    """triangulate's extractor: ``clean.clean`` over an html RawDocument when the
    cleaning module is installed, else trafilatura (said in the output)."""
    try:
        from triangulate.clean import clean
    except ImportError:
        return "trafilatura (triangulate.clean not available)", trafilatura_extract
    from triangulate.models import RawDocument, Skipped

    def run(html: bytes, url: str | None = None) -> str:
        doc = RawDocument(origin=url or "page.html", content=_decode(html), kind="html", url=url)
        result = clean(doc)
        if isinstance(result, Skipped):
            return ""
        return "\n".join(result.paragraphs)

    return "triangulate.clean", run


def _snippet_counts(text: str | None, item: dict[str, Any]) -> tuple[int, int, int, int]:
    """(tp, fn, fp, tn) as trafilatura's evaluation counts them (plain substring tests)."""
    with_ = item.get("with", []) or []
    without = item.get("without", []) or []
    if not text:
        return 0, len(with_), 0, len(without)
    tp = sum(1 for s in with_ if s in text)
    fp = sum(1 for s in without if s in text)
    return tp, len(with_) - tp, fp, len(without) - fp


_WORD = re.compile(r"\w+", re.UNICODE)


def _shingle_counts(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    toks = _WORD.findall(text or "")
    if not toks:
        return Counter()
    if len(toks) < n:
        return Counter([tuple(toks)])
    return Counter(tuple(toks[i : i + n]) for i in range(len(toks) - n + 1))


def shingle_pr(true: str, pred: str) -> tuple[float | None, float | None]:
    """Per-document precision and recall over word 4-gram multisets (None = undefined)."""
    t = _shingle_counts(true)
    p = _shingle_counts(pred)
    tp = fp = fn = 0.0
    for key in set(t) | set(p):
        tc, pc = t.get(key, 0), p.get(key, 0)
        tp += min(tc, pc)
        fp += max(0, pc - tc)
        fn += max(0, tc - pc)
    total = tp + fp + fn
    if total:
        tp, fp, fn = tp / total, fp / total, fn / total
    # As the benchmark's own scorer: a document counts towards the mean precision only when
    # something was predicted (tp + fp > 0), towards the mean recall only when there is
    # something to find (tp + fn > 0); both empty counts towards neither.
    prec = tp / (tp + fp) if tp + fp > 0 else None
    rec = tp / (tp + fn) if tp + fn > 0 else None
    return prec, rec


def _read_listing(path: Path) -> dict[str, Any]:
    """``evaldata.json`` or ``ground-truth.json``: one JSON object, or an E602 error naming the file."""
    try:
        meta = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise EvalError(f"{path} is not valid JSON ({exc})", code="E602") from exc
    if not isinstance(meta, dict):
        raise EvalError(f"{path} must hold one JSON object (document key -> entry), not a {type(meta).__name__}", code="E602")
    return meta


def _is_text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _evaldata_entry(data: Path, url: str, item: Any) -> tuple[str, str | None, Path, Any] | str:
    """One evaldata.json entry as an item, or the reason it cannot be scored."""
    if not isinstance(item, dict) or not isinstance(item.get("file"), str) or not item["file"]:
        return f"evaldata.json entry {url!r} has no \"file\" name, skipped"
    if not all(_is_text_list(item.get(k) or []) for k in ("with", "without")):
        return f"evaldata.json entry {url!r}: \"with\" and \"without\" must be lists of strings, skipped"
    path = data / "html" / item["file"]
    if not path.is_file():
        return f"evaldata.json entry {url!r}: {path} is missing, skipped"
    return (item["file"], url, path, item)


def _ground_truth_entry(data: Path, key: str, item: Any) -> tuple[str, str | None, Path, Any] | str:
    """One ground-truth.json entry as an item, or the reason it cannot be scored."""
    if not isinstance(item, dict):
        return f"ground-truth.json entry {key!r} is not an object ({{\"articleBody\", \"url\"}}), skipped"
    if not isinstance(item.get("articleBody", ""), str) or not isinstance(item.get("url") or "", str):
        return f"ground-truth.json entry {key!r}: \"articleBody\" and \"url\" must be strings, skipped"
    path = data / "html" / f"{key}.html"
    if not path.is_file() and (data / "html" / f"{key}.html.gz").is_file():
        path = data / "html" / f"{key}.html.gz"
    if not path.is_file():
        return f"ground-truth.json entry {key!r}: neither {path} nor its .gz is there, skipped"
    return (key, item.get("url"), path, item)


def _extraction_items(
    data: Path, limit: int | None, skipped: list[str] | None = None
) -> tuple[str, list[tuple[str, str | None, Path, Any]]]:
    """The listed documents whose html is there, sorted by key, the first ``limit`` of them.

    An entry that cannot be scored (no html file, no file name, an entry that is not
    an object) is skipped (recorded in ``skipped``, else logged); entries after the
    ``limit``-th scored one are not looked at.
    """
    data = Path(data)
    entry: Callable[[Path, str, Any], tuple[str, str | None, Path, Any] | str]
    if (data / "evaldata.json").is_file():
        meta = _read_listing(data / "evaldata.json")
        layout, entry = "evaldata", _evaldata_entry
    elif (data / "ground-truth.json").is_file():
        meta = _read_listing(data / "ground-truth.json")
        layout, entry = "ground-truth", _ground_truth_entry
    else:
        raise EvalError(f"`eval extraction` expects evaldata.json + html/ or ground-truth.json + html/ in {data}", code="E601")
    items: list[tuple[str, str | None, Path, Any]] = []
    for key in sorted(meta):
        if limit and len(items) >= limit:
            break
        found = entry(data, key, meta[key])
        if isinstance(found, str):
            skip(skipped, found)
        else:
            items.append(found)
    if not items:
        raise EvalError(f"no html files found for the documents listed in {data}{skipped_suffix(skipped)}", code="E602")
    return layout, items


def _read_html(path: Path) -> bytes:
    """The page's bytes (``.gz`` decompressed); OSError, EOFError or zlib.error when it cannot be read."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        import gzip

        data = gzip.decompress(data)
    return data


def extraction_dev_half(doc_id: str) -> bool:
    """True for a document of the development half of an extraction set.

    The split is fixed by the CRC-32 of the document id (the html file name in
    the evaldata layout, the key in the ground-truth layout): even = development
    half, odd = held-out half. Extraction rules may be studied on the development
    half only; scores of changes are reported on the held-out half.
    """
    return zlib.crc32(doc_id.encode("utf-8")) % 2 == 0


#: Parts of an extraction set that ``run_extraction`` can score.
EXTRACTION_SPLITS = ("heldout", "dev", "all")


def _in_split(doc_id: str, split: str) -> bool:
    if split == "all":
        return True
    return extraction_dev_half(doc_id) == (split == "dev")


def _extraction_metrics(layout: str, items: Sequence[tuple[str, str | None, Path, Any]], texts: Sequence[str]) -> dict[str, float]:
    if layout == "evaldata":
        tp = fn_ = fp = tn = 0
        for (_, _, _, item), text in zip(items, texts):
            a, b, c, d = _snippet_counts(text, item)
            tp, fn_, fp, tn = tp + a, fn_ + b, fp + c, tn + d
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn_) if tp + fn_ else 0.0
        return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
                "accuracy": (tp + tn) / max(1, tp + tn + fp + fn_)}
    ps, rs = [], []
    for (_, _, _, item), text in zip(items, texts):
        p_, r_ = shingle_pr(item.get("articleBody", ""), text)
        if p_ is not None:
            ps.append(p_)
        if r_ is not None:
            rs.append(r_)
    p = float(np.mean(ps)) if ps else 0.0
    r = float(np.mean(rs)) if rs else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def run_extraction(data: Path, *, limit: int | None = None, split: str | None = None) -> dict[str, Any]:
    """Extract every page of ``data`` with ours and plain trafilatura; score by part.

    ``split`` is one of :data:`EXTRACTION_SPLITS` (only that part's pages are
    extracted and scored), or None: all pages are extracted once and scored as
    ``"heldout"`` and ``"all"``. ``limit`` keeps the first N documents (sorted by
    URL in the evaldata layout, by id in the ground-truth layout) before the split. Returns ``results[part][system]`` with precision,
    recall, f1 (accuracy in the evaldata layout), ms_per_doc and n.
    """
    if split is not None and split not in EXTRACTION_SPLITS:
        raise EvalError(f"unknown split {split!r}; expected one of {', '.join(EXTRACTION_SPLITS)}", code="E604")
    skipped: list[str] = []
    layout, items = _extraction_items(data, limit, skipped)
    if split is not None:
        items = [it for it in items if _in_split(it[0], split)]
        if not items:
            raise EvalError(f"no documents of {data} fall in the {split} part", code="E602")
    parts = (split,) if split is not None else ("heldout", "all")
    name, ours = our_extractor()
    systems: dict[str, Callable[[bytes, str | None], str]] = {"triangulate": ours, "trafilatura": trafilatura_extract}
    texts: dict[str, list[str]] = {k: [] for k in systems}
    seconds: dict[str, list[float]] = {k: [] for k in systems}
    readable: list[tuple[str, str | None, Path, Any]] = []
    for item in items:
        _, url, path, _ = item
        try:
            html = _read_html(path)
        except (OSError, EOFError, zlib.error) as exc:  # a truncated or mislabelled .gz, an unreadable file
            skipped.append(f"{path} cannot be read ({type(exc).__name__}: {exc}), skipped")
            continue
        readable.append(item)
        for key, fn in systems.items():
            t0 = time.perf_counter()
            try:
                text = fn(html, url)
            except Exception as exc:  # noqa: BLE001 - one bad page must not stop the run
                log.warning("%s failed on %s: %s", key, path.name, exc)
                text = ""
            seconds[key].append(time.perf_counter() - t0)
            texts[key].append(text)
    items = readable
    if not items:
        raise EvalError(f"no html page of {data} could be read{skipped_suffix(skipped)}", code="E602")
    results: dict[str, dict[str, dict[str, float]]] = {}
    for part in parts:
        keep = [i for i, it in enumerate(items) if _in_split(it[0], part)]
        results[part] = {}
        for key in systems:
            m = _extraction_metrics(layout, [items[i] for i in keep], [texts[key][i] for i in keep])
            if not keep:  # no document of this part in DIR: its figures are undefined, not 0
                m = {k: math.nan for k in m}
            m["ms_per_doc"] = 1000.0 * sum(seconds[key][i] for i in keep) / max(1, len(keep))
            m["n"] = len(keep)
            results[part][key] = m
    return {"layout": layout, "items": items, "texts": texts["triangulate"], "results": results,
            "extractor": name, "parts": parts, "skipped": skipped}


_SPLIT_LABELS = {"heldout": "held-out half", "dev": "development half", "all": "all documents"}


@click.command("extraction")
@click.option("--data", "data", type=click.Path(exists=True, path_type=Path), required=True, help="trafilatura-eval or ground-truth.json folder.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, callback=out_path, help="Per-document JSONL.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Score only the first N documents (sorted by key).")
@click.option(
    "--split",
    type=click.Choice(EXTRACTION_SPLITS),
    default=None,
    help="Score one part only: the held-out half, the development half (CRC-32 of the document id) "
    "or all documents. Default: the held-out half and all documents.",
)
def extraction_command(data: Path, out: Path | None, limit: int | None, split: str | None) -> None:
    """Main-text extraction from HTML pages beside plain trafilatura, in the same run.

    Documents are split into a development half and a held-out half by the CRC-32
    of their id; extraction rules are only ever studied on the development half.
    """
    r = guarded(run_extraction, data, limit=limit, split=split)
    echo_skipped(r["skipped"])
    res = r["results"]
    rows = [
        (f"{key} [{part}]", m["precision"], m["recall"], m["f1"], f"{m['ms_per_doc']:.1f}", m["n"])
        for part in r["parts"]
        for key, m in res[part].items()
    ]
    _table(
        f"Extraction ({r['layout']} layout): {len(r['items'])} documents; ours = {r['extractor']}; "
        + ", ".join(f"{p} = {_SPLIT_LABELS[p]}" for p in r["parts"]),
        ["system [part]", "precision", "recall", "f1", "ms/doc", "n"],
        rows,
    )
    if r["skipped"]:
        click.echo(f"  {skipped_note(r['skipped'], 'listed documents', 'html missing or unreadable, or a malformed entry')}")
    write_jsonl(out, ({"id": key, "text": text} for (key, _, _, _), text in zip(r["items"], r["texts"])))
    main_part = r["parts"][-1]
    t = res[main_part]["triangulate"]
    summary: dict[str, Any] = {
        "task": "extraction",
        "layout": r["layout"],
        "split": main_part,
        "n": t["n"],
        "skipped": len(r["skipped"]),
        "extractor": r["extractor"],
        "precision": _round(t["precision"]),
        "recall": _round(t["recall"]),
        "f1": _round(t["f1"]),
        "ms_per_doc": round(t["ms_per_doc"], 2),
    }
    if split is None:
        # null figures when no document of DIR falls in the held-out half
        h = res["heldout"]["triangulate"]
        summary["held_out"] = {k: _round(h[k]) for k in ("precision", "recall", "f1")} | {"n": h["n"]}
    summary["baselines"] = {
        "trafilatura": {k: _round(v) for k, v in res[main_part]["trafilatura"].items() if k != "n"}
        | ({"held_out": {k: _round(res["heldout"]["trafilatura"][k]) for k in ("precision", "recall", "f1")}} if split is None else {})
    }
    click.echo(json.dumps(summary))


# =====================================================================================
# Registration and stand-alone entry point
# =====================================================================================

COMMANDS = (clustering_command, pairs_command, extraction_command)


@click.command("clustering")
@click.option("--data", "data", type=click.Path(exists=True, path_type=Path), required=True, help="ECB+ folder.")
@click.option("--dry-run", is_flag=True, help="Print the fitted parameters without writing them.")
def calibrate_clustering_command(data: Path, dry_run: bool) -> None:
    """Fit the story-clustering weights and thresholds on ECB+ topics 1-25 (data/cluster_params.json)."""
    params = guarded(calibrate_clustering, data, write=not dry_run)
    click.echo(json.dumps(params, indent=2))


@click.command("story-pairs")
@click.option("--data", "data", type=click.Path(exists=True, path_type=Path), required=True, help="SemEval training CSV (or its folder: training_set.csv).")
@click.option("--model", default=None, help="Embedding model to fit the weights for (default: the packaged MiniLM).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the weights (required with another model than the default; default: data/cluster_pairs.json).",
)
@click.option("--lang", default=None, help="Fit on the pairs with both texts in this language only (e.g. en).")
@click.option("--dry-run", is_flag=True, help="Print the fitted parameters without writing them.")
def calibrate_pairs_command(data: Path, model: str | None, out: Path | None, lang: str | None, dry_run: bool) -> None:
    """Fit the story-similarity weights on half of SemEval-2022 Task 8 training_set.csv.

    For the default model the weights go to the package (data/cluster_pairs.json);
    for another model (--model st:NAME) to --out FILE, which `eval pairs --weights
    FILE` and `StorySimilarity.from_file(FILE)` read.
    """
    path = Path(data)
    if path.is_dir():
        nested = path / "semeval2022-task8" / "training_set.csv"
        path = nested if nested.is_file() else path / "training_set.csv"
    params = guarded(calibrate_pairs, path, model=model, out=out, lang=lang, write=not dry_run)
    shown = {k: v for k, v in params.items() if k != "fitted_pair_ids"}
    click.echo(json.dumps(shown, indent=2))


def register(group: click.Group) -> None:
    """Attach ``clustering``, ``pairs`` and ``extraction`` to an ``eval`` group."""
    for command in COMMANDS:
        if command.name not in group.commands:
            group.add_command(command)


def register_calibration(group: click.Group) -> None:
    """Attach ``clustering`` and ``story-pairs`` to a ``calibrate`` group."""
    for command in (calibrate_clustering_command, calibrate_pairs_command):
        if command.name not in group.commands:
            group.add_command(command)


def _register_with_cli() -> None:
    # triangulate.evaluate.cli imports this module (its EXTENSIONS) and expects it to
    # add its commands to ``eval`` and ``calibrate``; whichever module loads first,
    # the groups exist by the time this runs.
    try:
        from triangulate.evaluate import cli as eval_cli
    except ImportError:  # pragma: no cover - the eval CLI is not installed
        return
    group = getattr(eval_cli, "eval_group", None)
    if isinstance(group, click.Group):
        register(group)
    calibrate = getattr(eval_cli, "calibrate", None)
    if isinstance(calibrate, click.Group):
        register_calibration(calibrate)


@click.group()
def main() -> None:
    """Corpus evaluations and their calibration, stand-alone."""


for _cmd in COMMANDS:
    main.add_command(_cmd)
main.add_command(calibrate_clustering_command, "calibrate-clustering")
main.add_command(calibrate_pairs_command, "calibrate-pairs")

_register_with_cli()

if __name__ == "__main__":
    main()
