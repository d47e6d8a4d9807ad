"""Ingest: inputs -> clean -> deduplicate -> cluster -> store, in batches.

One :class:`Ingester` holds the live indexes of a corpus (the near-duplicate
index and the story clusterer) next to its :class:`~triangulate.corpus.store.Store`.
Items are processed in batches: cleaning happens outside the write lock, then
one ``BEGIN IMMEDIATE`` transaction per batch decides, for every article in
input order, whether it is

* a **duplicate**: the same cleaned text already stored for its URL, or for its
  outlet (re-ingesting a file changes nothing);
* an **update**: its URL is stored with other text, so it becomes version N+1
  (the old version is kept, marked superseded, and leaves its story);
* **new**: stored, linked to the article it reprints when the dedup index finds
  one (a wire copy), and placed into a story by the clusterer;

and writes rows, memberships, merges and story counts. A killed process loses
at most the open batch; re-running the same ingest completes it (every check is
against committed rows, and the in-memory indexes are rebuilt from the store).

Index state: dedup signatures are stored per article (rebuilding the index needs
no text processing); the clusterer is snapshotted every ``snapshot_every``
articles and on close, and articles added after the last snapshot are replayed
into it, forced into their stored stories. Before each batch, articles that
another process committed meanwhile are replayed too, so several writers on one
database stay consistent.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

from triangulate.corpus.outlets import OutletResolver, Outlet
from triangulate.corpus.store import ArticleRow, Store, now_iso
from triangulate.corpus.warc import is_warc, read_warc
from triangulate.models import Article, RawDocument, Skipped, stable_id
from triangulate.text import has_surrogates, normalize, without_surrogates
from triangulate.times import normalize_time, parse_time, publication_key

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

Item = RawDocument | Article | Skipped

#: Query parameters that only track the reader; dropped from canonical URLs.
_TRACKING = re.compile(r"^(utm_[a-z_]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|_ga|cmpid|ocid|smid|sr_share)$", re.I)
_RECORD_SUFFIX = re.compile(r"^(.*?)([:#]\d+)$")
_FILE_KINDS = ("txt", "text", "html", "htm", "xhtml", "md", "markdown", "json", "jsonl", "ndjson")


def canonical_url(url: str | None, *, query_as_written: bool = False) -> str | None:
    """A URL without fragment, tracking parameters, default port or upper-case host.

    ``query_as_written``: the other query parameters keep their spelling (``?rss``,
    ``a=1;b=2``), for a URL that is fetched in this form (a feed's); otherwise they are
    re-encoded, as the stored article URLs have always been.

    >>> canonical_url("HTTPS://www.Example.com:443/a/b?utm_source=x&id=3#top")
    'https://www.example.com/a/b?id=3'
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return url.strip()
    if not parts.scheme or not host:
        return url.strip()
    scheme = parts.scheme.lower()
    netloc = host if ":" not in host else f"[{host}]"
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc += f":{port}"
    if query_as_written:
        query = "&".join(p for p in parts.query.split("&") if p and not _TRACKING.match(unquote_plus(p.split("=", 1)[0])))
    else:
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def content_hash(text: str) -> str:
    """Hash of the normalised cleaned text: equal for the same article however it was spaced."""
    return stable_id(normalize(text).lower(), length=32)


def raw_hash(doc: RawDocument, fallback_source: str | None) -> str:
    """Hash of everything that determines what one raw input becomes."""
    return stable_id(doc.kind, doc.source, doc.url, doc.title, doc.published, fallback_source, doc.content, length=32)


#: A record identified by its outlet and title (no URL) is a new version of the stored one
#: only when their texts share this much (estimated Jaccard of word shingles) or one mostly
#: contains the other: a correction changes a few words, another story under a generic title
#: ("Live updates") shares next to none.
VERSION_MIN_JACCARD = 0.2


#: A publication time further than this after the article was fetched or stored (whichever is
#: later) is a mistake or a placeholder ("9999-12-31", "2062" for "2026"): kept, it would sort
#: first in every list and move the story clusterer's clock ahead, which ends every story it
#: holds. Two days leave room for time zones and an embargoed release.
FUTURE_TOLERANCE = timedelta(days=2)


def _too_late(published: str, fetched: object, stamp: str) -> bool:
    """Whether ``published`` is more than :data:`FUTURE_TOLERANCE` after the article was read."""
    at = parse_time(published)
    read = [t for t in (parse_time(fetched), parse_time(stamp)) if t is not None]
    return at is not None and bool(read) and at > max(read) + FUTURE_TOLERANCE


def _weak_key(key: str) -> bool:
    """A key made of an outlet and a title (records and pasted text), not of a URL or a file."""
    return key.startswith("text:") or (key.startswith("file:") and "|" in key)


def url_key(article: Article, doc_url: str | None, origin: str) -> tuple[str, str | None]:
    """What versions of one article share, and its canonical URL.

    The canonical URL when there is one; for a file, its absolute path; for a
    record of a JSON / JSONL file (or of a request) without URL, the file plus the
    record's outlet and title (line numbers move when a file is edited; two outlets'
    articles of one title are two articles); for text that is neither (pasted into
    a form), its outlet and title, else its content.
    """
    canon = canonical_url(doc_url or article.url)
    if canon:
        return canon, canon
    match = _RECORD_SUFFIX.match(origin)
    base = match.group(1) if match else origin
    is_file = bool(base) and base not in ("<stdin>", "-") and os.path.exists(base)
    if is_file:
        base = os.path.abspath(base)
    title = normalize(article.title).lower()
    named = f"{normalize(article.outlet).lower()}|{title}"
    if match:
        return (f"file:{base}|{named}" if title else f"file:{base}{match.group(2)}"), None
    if is_file:
        return f"file:{base}", None
    return (f"text:{named}" if title else f"text:{content_hash(article.text)}"), None


# --- results ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What happened to one input item.

    ``status`` is ``new``, ``updated`` (a new version of a stored URL),
    ``duplicate`` (already stored: nothing changed) or ``skipped``.
    ``duplicate_of`` names the stored article for a duplicate, or the earlier
    article a new one reprints (a wire copy, with ``similarity``).
    """

    status: str
    origin: str
    article_id: str | None = None
    story_id: str | None = None
    outlet: str | None = None
    version: int = 1
    duplicate_of: str | None = None
    similarity: float | None = None
    merged: tuple[str, ...] = ()
    skipped: Skipped | None = None

    @property
    def reprint(self) -> bool:
        """A new article that copies an earlier one (wire copy or light rewrite)."""
        return self.status in ("new", "updated") and self.duplicate_of is not None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": self.status,
            "origin": self.origin,
            "article_id": self.article_id,
            "story_id": self.story_id,
            "outlet": self.outlet,
            "version": self.version,
            "duplicate_of": self.duplicate_of,
            "similarity": self.similarity,
            "merged": list(self.merged),
        }
        if self.skipped:
            out["reason"] = self.skipped.reason
            out["detail"] = self.skipped.detail
            out["stage"] = self.skipped.stage
        return out


#: The signals that stop a run: Ctrl-C, and what `timeout`, systemd or `docker stop` send.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, name))


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back for the block: they take effect when the block ends.

    A batch's commit and the counting of its results happen inside, so an
    interrupted run reports exactly what it stored. Signal handlers belong to the
    main thread; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[tuple[int, Any]] = []
    previous = {sig: signal.signal(sig, lambda signum, frame: pending.append((signum, frame))) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if pending:
            signum, frame = pending[0]
            handler = previous[signum]
            if callable(handler):
                handler(signum, frame)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), signum)


def _reported(results: list[IngestResult | None], on_batch: Callable[[list[IngestResult]], None] | None) -> list[IngestResult]:
    """A batch's results, handed to ``on_batch`` (call it with interrupts held: after the commit)."""
    done = [r for r in results if r is not None]
    if on_batch is not None:
        on_batch(done)
    return done




def _escaped(text: str) -> str:
    """A name with lone surrogates (an undecodable file name, as Python reads it) in a form
    SQLite can store, still telling two such names apart: ``caf\\xe9.txt``."""
    try:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    except UnicodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def writable(item: Item) -> Item:
    """``item`` with every lone surrogate replaced, since no encoder can write one: escaped in
    its origin (a file name that is not UTF-8), U+FFFD elsewhere, as JSON input gets."""

    def fix(value: str | None) -> str | None:
        return without_surrogates(value) if value else value

    if isinstance(item, Skipped):
        if not has_surrogates(item.origin + item.detail):
            return item
        return replace(item, origin=_escaped(item.origin), detail=fix(item.detail) or "")
    fields = [item.origin, item.title, item.url, *item.authors]
    fields += [item.content, item.source, item.published, item.fetched] if isinstance(item, RawDocument) else [item.outlet, *item.paragraphs]
    if not any(value and has_surrogates(value) for value in fields):
        return item
    if isinstance(item, RawDocument):
        return replace(
            item, origin=_escaped(item.origin), content=fix(item.content) or "", source=fix(item.source), url=fix(item.url),
            title=fix(item.title), published=fix(item.published), fetched=fix(item.fetched),
            authors=tuple(fix(a) or "" for a in item.authors),
        )
    return replace(
        item, origin=_escaped(item.origin), outlet=fix(item.outlet) or "", title=fix(item.title) or "", url=fix(item.url),
        paragraphs=tuple(fix(p) or "" for p in item.paragraphs), authors=tuple(fix(a) or "" for a in item.authors),
    )


def _reprints(n: int) -> str:
    return f" ({n} reprint{'s' if n != 1 else ''})" if n else ""


@dataclass(slots=True)
class IngestSummary:
    """Counts of one ingest run, and the skips (first ``keep_skips`` kept in full)."""

    new: int = 0
    updated: int = 0
    duplicate: int = 0
    skipped: int = 0
    reprints: int = 0  # new and updated articles that reprint a stored one
    updated_reprints: int = 0
    stories: set[str] = field(default_factory=set)
    reasons: Counter[str] = field(default_factory=Counter)
    skips: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
    keep_skips: int = 1000

    def count(self, result: IngestResult) -> None:
        """Add one result to the counts."""
        if result.status == "skipped":
            self.skipped += 1
            if result.skipped is not None:
                self.reasons[result.skipped.reason] += 1
                if len(self.skips) < self.keep_skips:
                    self.skips.append(result.skipped)
            return
        setattr(self, result.status, getattr(self, result.status) + 1)
        if result.reprint:
            self.reprints += 1
            if result.status == "updated":
                self.updated_reprints += 1
        if result.story_id and result.status != "duplicate":
            self.stories.add(result.story_id)

    @property
    def total(self) -> int:
        return self.new + self.updated + self.duplicate + self.skipped

    def line(self) -> str:
        """The closing line: ``12 new (3 reprints), 4 duplicate, 1 updated, 2 skipped (http-500: 1, ...)``."""
        new = f"{self.new} new" + _reprints(self.reprints - self.updated_reprints)
        updated = f"{self.updated} updated" + _reprints(self.updated_reprints)
        skipped = f"{self.skipped} skipped"
        if self.reasons:
            skipped += " (" + ", ".join(f"{r}: {n}" for r, n in self.reasons.most_common()) + ")"
        rate = f" in {self.seconds:.1f} s" if self.seconds else ""
        return f"{new}, {self.duplicate} duplicate, {updated}, {skipped}{rate}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "updated": self.updated,
            "duplicate": self.duplicate,
            "skipped": self.skipped,
            "reprints": self.reprints,
            "updated_reprints": self.updated_reprints,
            "stories_touched": len(self.stories),
            "skip_reasons": dict(self.reasons),
            "skips": [{"origin": s.origin, "reason": s.reason, "detail": s.detail, "stage": s.stage} for s in self.skips],
            "seconds": round(self.seconds, 3),
        }


# --- inputs -----------------------------------------------------------------------


def is_url(target: str) -> bool:
    return bool(re.match(r"^https?://", target.strip(), re.I))


def _expand(target: str) -> Iterator[Path | Skipped]:
    from triangulate.readers import expand_path

    return expand_path(
        target, lambda c: is_warc(c) or c.suffix.lower().lstrip(".") in _FILE_KINDS, what="txt, html, md, json, jsonl or WARC"
    )


def iter_inputs(
    targets: Iterable[str | os.PathLike[str]],
    *,
    source: str | None = None,
    fetch: Callable[[str], list[RawDocument] | Skipped] | None = None,
    max_bytes: int | None = None,
) -> Iterator[RawDocument | Skipped]:
    """Every document (or skip) named by ``targets``: files, folders, globs, WARC archives, URLs.

    Args:
        targets: paths, folders (recursive, hidden entries ignored), glob patterns,
            ``.warc`` / ``.warc.gz`` archives, ``http(s)://`` URLs.
        source: fallback outlet name.
        fetch: turns a URL into documents (see :meth:`Ingester.fetch_documents`);
            URLs are skipped as ``no-fetcher`` without it.
        max_bytes: the largest file read (default: the readers' limit).
    """
    from triangulate.readers import DEFAULT_MAX_BYTES, read_inputs

    limit = max_bytes or DEFAULT_MAX_BYTES
    for raw_target in targets:
        target = os.fspath(raw_target)
        if target == "-":
            yield from read_inputs(["-"], source=source, max_bytes=limit)
            continue
        if is_url(target):
            if fetch is None:
                yield Skipped(target, "no_fetcher", "URLs need a fetcher", "fetch")
                continue
            got = fetch(target)
            if isinstance(got, Skipped):
                yield got
            else:
                yield from got
            continue
        for path in _expand(target):
            if isinstance(path, Skipped):
                yield path
            elif is_warc(path):
                yield from read_warc(path, source=source, max_record_bytes=limit)
            else:
                yield from read_inputs([path], source=source, max_bytes=limit)


# --- the ingester -----------------------------------------------------------------


def _make_dedup(settings: dict[str, Any]) -> Any:
    from triangulate.dedup import DedupIndex

    return DedupIndex(**settings)


def _make_clusterer(embedder: Any, settings: dict[str, Any]) -> Any:
    from triangulate.cluster import StoryClusterer

    return StoryClusterer(embedder=embedder, **settings)


def _restore_clusterer(data: bytes, embedder: Any) -> Any:
    from triangulate.cluster import StoryClusterer

    return StoryClusterer.from_state(data, embedder=embedder)


#: One item of a batch after cleaning: (article, raw hash, document URL, origin), or its final result.
Prepared = tuple[Article, str, str | None, str] | IngestResult


class _Ahead:
    """The embedding-ahead state of one :meth:`Ingester.pipeline` run: its prefetcher
    (made on first use from the clusterer's embedder) and the ticket of the batch
    whose leads it is embedding."""

    def __init__(self) -> None:
        self.prefetcher: Any = None
        self._blas: Any = None  # the matrix library held to one thread while the prefetcher runs
        self.usable = True  # until the embedder turns out to have no prefetcher
        self.current: int | None = None  # the ticket of the batch being written
        self.following: int | None = None  # the ticket of the batch after it

    def submit_next(self, ingester: Ingester, upcoming: list[Prepared]) -> None:
        if not self.usable:
            return
        if self.prefetcher is None:
            make = getattr(getattr(ingester._clusterer, "embedder", None), "prefetcher", None)
            self.prefetcher = make() if make is not None else None
            if self.prefetcher is None:
                self.usable = False
                return
            # numpy's products (the batch against the hot stories) would run on two
            # threads beside the prefetch thread, three on two cores: one thread each.
            from threadpoolctl import threadpool_limits

            self._blas = threadpool_limits(limits=1, user_api="blas")
        self.following = self.prefetcher.submit(ingester._leads_ahead(upcoming))

    def collect(self) -> None:
        """Wait for the leads of the batch being written (they go into the embedder's cache)."""
        if self.prefetcher is not None and self.current is not None:
            self.prefetcher.collect(self.current)

    def advance(self) -> None:
        """The next batch is the one being written now."""
        self.current, self.following = self.following, None

    def close(self) -> None:
        if self.prefetcher is not None:
            self.prefetcher.close()
            self.prefetcher = None
        if self._blas is not None:
            self._blas.restore_original_limits()
            self._blas = None


class Ingester:
    """The write path of a corpus: owns the dedup index and the story clusterer.

    Args:
        store: the open store.
        embedder: shared embedder (loaded on first use when ``None``).
        dedup_settings: keyword arguments of :class:`triangulate.dedup.DedupIndex`.
        cluster_settings: keyword overrides of :class:`triangulate.cluster.StoryClusterer`.
        batch_size: items per write transaction.
        snapshot_every: save the clusterer state after at least this many new articles,
            and not before the ingest work since the last save is ``snapshot_ratio``
            times what that save took (the state grows with the hot stories: this
            keeps saving it under ~2.5% of the ingest time on a large corpus, for a
            replay of at most that much work when the process is restarted).
        dedup_factory, clusterer_factory: replace the default components (tests).
        prefetch: in :meth:`pipeline`, embed the next batch's leads on a background
            thread while the current batch is placed and stored (when the embedder
            supports it: :meth:`triangulate.embed.OnnxMiniLM.prefetcher`). Changes
            speed only.
    """

    def __init__(
        self,
        store: Store,
        *,
        embedder: Any = None,
        dedup_settings: dict[str, Any] | None = None,
        cluster_settings: dict[str, Any] | None = None,
        batch_size: int = 128,
        snapshot_every: int = 5000,
        snapshot_ratio: float = 40.0,
        dedup_factory: Callable[[], Any] | None = None,
        clusterer_factory: Callable[[], Any] | None = None,
        prefetch: bool = True,
    ) -> None:
        self.store = store
        self.prefetch = prefetch
        self.embedder = embedder
        self.dedup_settings = {"max_items": 200_000, **(dedup_settings or {})}
        self.cluster_settings = dict(cluster_settings or {})
        self.batch_size = max(1, batch_size)
        self.snapshot_every = snapshot_every
        self.snapshot_ratio = snapshot_ratio
        self._snapshot_seconds = 0.0  # what the last save took
        self._work_seconds = 0.0  # batch time since the last save
        self._dedup_factory = dedup_factory
        self._clusterer_factory = clusterer_factory
        self._dedup: Any = None
        self._clusterer: Any = None
        self._seen_seq = 0
        self._since_snapshot = 0
        self._ahead_signatures: dict[str, Any] = {}  # by text: the next batch's, computed ahead
        self._outlets = OutletResolver([])
        self.reload_registry()

    # --- index state ---------------------------------------------------------------

    def reload_registry(self) -> None:
        """Re-read the outlet registry from the store (after ``sources --registry``)."""
        self._outlets = OutletResolver(Outlet(n, d, c, k) for n, d, c, k in self.store.registry())

    @property
    def loaded(self) -> bool:
        return self._dedup is not None

    def _new_dedup(self) -> Any:
        return self._dedup_factory() if self._dedup_factory else _make_dedup(self.dedup_settings)

    def _new_clusterer(self) -> Any:
        return self._clusterer_factory() if self._clusterer_factory else _make_clusterer(self.embedder, self.cluster_settings)

    def load(self) -> None:
        """Build the indexes from the store: signatures into the dedup index, the clusterer from its snapshot plus a replay."""
        started = time.perf_counter()
        self._dedup = self._new_dedup()
        self._clusterer = None
        snapshot = self.store.load_state("cluster") if self._clusterer_factory is None else None
        from_seq = 0
        if snapshot is not None:
            try:
                self._clusterer = _restore_clusterer(snapshot[1], self.embedder)
                from_seq = snapshot[0]
            except Exception as exc:  # an unreadable snapshot is rebuilt, never fatal
                log.warning("cluster snapshot unreadable (%s): rebuilding from the stored articles", exc)
                self._clusterer = None
        if self._clusterer is None:
            self._clusterer = self._new_clusterer()
            from_seq = 0
        # Up to the last article committed now: other writers may add more while this runs
        # (outside the write lock), and those are replayed by the next sync.
        top = self.store.max_seq()
        self._load_signatures(upto=top)
        self._replay_clusterer(from_seq, upto=top)
        self._seen_seq = top
        self._since_snapshot = 0
        log.info("corpus indexes loaded in %.2f s (%d articles)", time.perf_counter() - started, self._seen_seq)

    def _load_signatures(self, after: int = 0, upto: int | None = None) -> None:
        limit = self.dedup_settings.get("max_items") if self._dedup_factory is None else None
        from_signature = getattr(self._dedup, "add", None)
        sig_cls = None
        try:
            from triangulate.dedup import Signature

            sig_cls = Signature
        except ImportError:  # pragma: no cover
            pass
        sql = (
            "SELECT a.seq, a.id, s.data, a.text FROM articles a LEFT JOIN signatures s ON s.seq = a.seq "
            "WHERE a.seq > ? AND a.seq <= ? ORDER BY a.seq"
        )
        params: list[Any] = [after, upto if upto is not None else 2**63 - 1]
        if limit:
            sql = f"SELECT * FROM ({sql} DESC LIMIT ?) ORDER BY seq"
            params.append(int(limit))
        assert from_signature is not None
        for _seq, aid, data, text in self.store._query(sql, params):
            sig = None
            if data is not None and sig_cls is not None:
                try:
                    sig = sig_cls.from_bytes(bytes(data))
                except Exception:  # other parameters or format: recompute from the text
                    sig = None
            try:
                if sig is not None:
                    self._dedup.add(aid, signature=sig)
                else:
                    self._dedup.add(aid, text)
            except Exception:  # parameters changed since the signature was stored
                self._dedup.add(aid, text)

    def _replay_clusterer(self, after: int, upto: int | None = None) -> None:
        batch: list[Any] = []
        for stored in self.store.articles_after(after, upto=upto):
            batch.append(stored)
            if len(batch) >= 256:
                self._replay_batch(batch)
                batch = []
        if batch:
            self._replay_batch(batch)

    def _replay_batch(self, batch: Sequence[Any]) -> None:
        articles = [s.to_article() for s in batch]
        vectors_of = getattr(self._clusterer, "vectors", None)
        vecs = vectors_of(articles) if vectors_of is not None else [None] * len(articles)
        for stored, article, vec in zip(batch, articles, vecs):
            kwargs: dict[str, Any] = {"published": parse_time(stored.published)}
            if vec is not None:
                kwargs["vector"] = vec
            if stored.story_id:
                kwargs["story_id"] = stored.story_id
            self._clusterer.add(article, **kwargs)

    def _sync(self) -> None:
        """Replay articles other writers committed since this process last looked."""
        if not self.loaded:
            self.load()
            return
        top = self.store.max_seq()
        if top > self._seen_seq:
            log.info("replaying %d article(s) written by another process", top - self._seen_seq)
            self._load_signatures(after=self._seen_seq, upto=top)
            self._replay_clusterer(self._seen_seq, upto=top)
            self._seen_seq = top

    def snapshot(self) -> None:
        """Save the clusterer state (called every ``snapshot_every`` articles and on close)."""
        state = getattr(self._clusterer, "state", None)
        if state is None or self._since_snapshot == 0:
            return
        started = time.perf_counter()
        try:
            data = state()
        except Exception as exc:  # pragma: no cover - a snapshot is an optimisation
            log.warning("could not snapshot the clusterer: %s", exc)
            return
        self.store.save_state("cluster", self._seen_seq, data)
        self._since_snapshot = 0
        self._work_seconds = 0.0
        self._snapshot_seconds = time.perf_counter() - started

    # --- processing ------------------------------------------------------------------

    def add_items(
        self,
        items: Iterable[Item],
        *,
        source: str | None = None,
        on_batch: Callable[[list[IngestResult]], None] | None = None,
    ) -> Iterator[IngestResult]:
        """Ingest items (raw documents, cleaned articles or skips), yielding one result each, in order.

        ``on_batch`` gets each batch's results right after its commit, with Ctrl-C
        held back until it returns: what it counts is exactly what is stored.
        """
        yield from self.pipeline(self.batches(items), source=source, on_batch=on_batch)

    def pipeline(
        self,
        batches: Iterable[Sequence[Item]],
        *,
        source: str | None = None,
        on_batch: Callable[[list[IngestResult]], None] | None = None,
        lock: AbstractContextManager[Any] | None = None,
    ) -> Iterator[IngestResult]:
        """Process batches in order, one write transaction each, yielding each one's results.

        One batch ahead: the next batch is read and cleaned before the current one is
        written, and once the current batch's copies are known, the leads the next
        batch will embed are handed to a background thread
        (:class:`triangulate.embed.Prefetcher`), which embeds them while this thread
        places and stores the current batch: the model and the Python work of the
        write path run on two cores side by side. Stories, copies and results are
        those of :meth:`process_batch` one batch after another (a lead's vector is the
        same embedded ahead or not). With an embedder that cannot embed ahead (one that
        runs several texts at a time), the batches after the first are read and
        written one after another. ``lock`` is held while a batch is cleaned and
        written, not while its results are yielded.
        """
        if not self.prefetch:
            yield from self._one_by_one(batches, source, on_batch, lock)
            return
        ahead = _Ahead()
        batches = iter(batches)
        current = next(batches, None)
        prepared: list[Prepared] | None = None
        try:
            while current is not None:
                if not ahead.usable:  # an embedder that cannot embed ahead: no batch is read ahead
                    with lock if lock is not None else nullcontext():
                        results = self._process(current, source, on_batch, prepared)
                    yield from results
                    yield from self._one_by_one(batches, source, on_batch, lock)
                    return
                following = next(batches, None)
                with lock if lock is not None else nullcontext():
                    upcoming = None
                    if following is not None:
                        upcoming = [self._prepare(item, source) for item in following]
                    results = self._process(current, source, on_batch, prepared, ahead, upcoming)
                ahead.advance()
                yield from results
                current, prepared = following, upcoming
        finally:
            ahead.close()

    def _one_by_one(
        self,
        batches: Iterable[Sequence[Item]],
        source: str | None,
        on_batch: Callable[[list[IngestResult]], None] | None,
        lock: AbstractContextManager[Any] | None,
    ) -> Iterator[IngestResult]:
        for batch in batches:
            with lock if lock is not None else nullcontext():
                results = self._process(batch, source, on_batch)
            yield from results

    def batches(self, items: Iterable[Item]) -> Iterator[list[Item]]:
        """The items in batches of :attr:`batch_size` (the last one shorter), read as they are needed."""
        batch: list[Item] = []
        for item in items:
            batch.append(writable(item))
            if len(batch) >= self.batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def _prepare(self, item: Item, source: str | None) -> Prepared:
        """Clean one item outside the write lock: (article, raw hash, document URL, origin) or a final result."""
        if isinstance(item, Skipped):
            return IngestResult("skipped", item.origin, skipped=item)
        if isinstance(item, Article):
            if not item.paragraphs:
                skip = Skipped(item.origin or item.id, "no_text", "the article has no text", "clean")
                return IngestResult("skipped", skip.origin, skipped=skip)
            rhash = stable_id(item.outlet, item.url, item.title, item.raw or item.text, length=32)
            return self._outlet(item), rhash, item.url, item.origin or item.id
        rhash = raw_hash(item, source)
        stored = self._stored_input(rhash, item.origin)
        if stored is not None:
            return stored
        from triangulate.clean import clean

        try:
            cleaned = clean(item, fallback_source=source)
        except Exception as exc:  # a bad item is data, never a crash of the whole run
            log.warning("cleaning %s failed: %s", item.origin, exc, exc_info=True)
            cleaned = Skipped(item.origin, "clean_error", f"{type(exc).__name__}: {exc}", "clean")
        if isinstance(cleaned, Skipped):
            return IngestResult("skipped", cleaned.origin, skipped=cleaned)
        if not cleaned.paragraphs:
            skip = Skipped(item.origin, "no_text", "nothing left after removing boilerplate", "clean")
            return IngestResult("skipped", item.origin, skipped=skip)
        return self._outlet(cleaned), rhash, item.url, item.origin

    def _recheck(self, items: Sequence[Item], prepared: list[Prepared]) -> list[Prepared]:
        """A batch cleaned ahead, with the inputs the batch before it stored now answered as
        duplicates (as :meth:`_prepare` would have, had it run after that batch)."""
        out: list[Prepared] = []
        for item, p in zip(items, prepared):
            if not isinstance(p, IngestResult) and isinstance(item, RawDocument):
                p = self._stored_input(p[1], item.origin) or p
            out.append(p)
        return out

    def _stored_input(self, rhash: str, origin: str) -> IngestResult | None:
        """The same input as a stored article: nothing to do.

        The same input as the current version of its article is a duplicate. As an older
        version's, it is a correction taken back, and becomes a new version; unless it is
        a record of a file that holds several (a WARC record ``PATH#OFFSET``, a JSON list
        item ``PATH#I``, a JSONL line ``PATH:N``) whose current version came from a later
        record of the same file: that file is being read again (an archive with two crawls
        of one URL, an export of revisions), and reading it again changes nothing.
        """
        known = self.store._one(
            "SELECT id, story_id, outlet, version, superseded_by FROM articles WHERE raw_hash = ? AND origin = ? "
            "ORDER BY superseded_by IS NOT NULL LIMIT 1",
            (rhash, origin),
        )
        if known is None:
            return None
        if known[4] is not None and not self._later_record_is_current(known[0], origin):
            return None
        return IngestResult("duplicate", origin, article_id=known[0], story_id=known[1], outlet=known[2], version=known[3], duplicate_of=known[0])

    def _later_record_is_current(self, article_id: str, origin: str) -> bool:
        """Whether the current version of ``article_id``'s URL came from a later record of the
        file ``origin`` is a record of."""
        mine = _RECORD_SUFFIX.match(origin)
        if mine is None or is_url(origin):
            return False
        row = self.store._one(
            "SELECT origin FROM articles WHERE url_key = (SELECT url_key FROM articles WHERE id = ?) AND superseded_by IS NULL LIMIT 1",
            (article_id,),
        )
        current = _RECORD_SUFFIX.match(str(row[0])) if row is not None else None
        return current is not None and current.group(1) == mine.group(1) and int(current.group(2)[1:]) > int(mine.group(2)[1:])

    def _leads_ahead(self, upcoming: list[Prepared]) -> list[str]:
        """The leads the clusterer will embed for ``upcoming`` if it comes next, as far as the
        copy index and the stories placed so far tell (copies within the batch are not
        known yet: those leads are fetched though not needed). Their signatures are kept
        for the batch's write."""
        clusterer = self._clusterer
        lead = getattr(clusterer, "lead", None)
        if lead is None:
            return []
        articles = [p[0] for p in upcoming if not isinstance(p, IngestResult)]
        would_embed = getattr(clusterer, "would_embed", None)
        signatures = getattr(self._dedup, "signatures", None)
        query = getattr(self._dedup, "query_signature", None)
        self._ahead_signatures.clear()
        if signatures is None or query is None or would_embed is None:
            return [lead(a) for a in articles]
        leads = []
        for article, sig in zip(articles, signatures([a.text for a in articles])):
            self._ahead_signatures[article.text] = sig
            matches = query(sig)
            if would_embed(article, matches[0].of if matches else None):
                leads.append(lead(article))
        return leads

    def _outlet(self, article: Article) -> Article:
        """Apply the outlet registry: a known domain gets its registry name."""
        if not self._outlets:
            return article
        host = urlsplit(article.url).hostname if article.url else None
        found = self._outlets.for_host(host) or self._outlets.for_host(article.outlet if "." in article.outlet else None)
        if found and found.name != article.outlet:
            return replace(article, outlet=found.name)
        return article

    def process_batch(
        self,
        items: Sequence[Item],
        *,
        source: str | None = None,
        on_batch: Callable[[list[IngestResult]], None] | None = None,
    ) -> list[IngestResult]:
        """Ingest one batch in one write transaction; results in input order (see :meth:`add_items`)."""
        return self._process(items, source, on_batch)

    def _process(
        self,
        items: Sequence[Item],
        source: str | None,
        on_batch: Callable[[list[IngestResult]], None] | None,
        prepared: list[Prepared] | None = None,
        ahead: _Ahead | None = None,
        upcoming: list[Prepared] | None = None,
    ) -> list[IngestResult]:
        """:meth:`process_batch`, given the batch cleaned ahead (``prepared``), and the next
        batch cleaned (``upcoming``), whose leads are embedded ahead through ``ahead``."""
        started = time.perf_counter()
        fetched_of = {id(it): it.fetched for it in items if isinstance(it, RawDocument)}
        if prepared is None:
            prepared = [self._prepare(item, source) for item in items]
        else:
            prepared = self._recheck(items, prepared)
        results: list[IngestResult | None] = [p if isinstance(p, IngestResult) else None for p in prepared]
        skips = [r.skipped for r in results if r is not None and r.skipped is not None]
        todo = [(i, p) for i, p in enumerate(prepared) if not isinstance(p, IngestResult)]
        if not todo:
            if ahead is not None and upcoming is not None and self.loaded:
                ahead.submit_next(self, upcoming)
            with interrupts_held():
                if skips:
                    self.store.add_skips(skips)
                return _reported(results, on_batch)
        # Catching up with other writers (loading the indexes, replaying what they added)
        # happens before the write lock is taken; inside it only what they committed since.
        with self._indexes_dropped_on_error():
            self._sync()
        # Waiting for another writer is interruptible, and changes nothing: the indexes stay.
        # From here on, a Ctrl-C lets the batch finish (it is counted, then the run stops);
        # another writer that takes the lock between the two is waited for inside, as before.
        self.store.wait_for_write_lock()
        with self._indexes_dropped_on_error():
            with interrupts_held():
                with self.store.transaction():
                    self._sync()
                    self._write(items, todo, results, fetched_of, ahead, upcoming)
                    if skips:
                        self.store.add_skips(skips)
                    # Read under the lock: what another writer commits right after this
                    # batch is above it, and replayed by the next sync.
                    seen = self.store.max_seq()
                done = _reported(results, on_batch)
        self._seen_seq = seen
        self._work_seconds += time.perf_counter() - started
        if (
            self._since_snapshot >= self.snapshot_every
            and self._work_seconds >= self.snapshot_ratio * self._snapshot_seconds
        ):
            self.snapshot()
        return done

    @contextmanager
    def _indexes_dropped_on_error(self) -> Iterator[None]:
        """On any error, drop the in-memory indexes: they may hold articles that were rolled
        back, or a half-done catch-up. They are rebuilt at the next batch."""
        try:
            yield
        except BaseException:
            self._dedup = None
            self._clusterer = None
            raise

    def _write(
        self,
        items: Sequence[Item],
        todo: list[tuple[int, Any]],
        results: list[IngestResult | None],
        fetched_of: dict[int, str | None],
        ahead: _Ahead | None = None,
        upcoming: list[Prepared] | None = None,
    ) -> None:
        store = self.store
        stamp = now_iso()
        new: list[tuple[int, Article, str | None, int, Any, str]] = []  # (index, article, prev id, version, match, origin)
        rows_new: list[ArticleRow] = []
        touched: set[str] = set()
        signature_of = getattr(self._dedup, "signature", None)
        # The store's answers for the whole batch in a few queries; what this batch
        # adds is kept up to date in the same maps as the loop goes.
        keyed = [
            (i, article, rhash, doc_url, origin, *url_key(article, doc_url, origin), content_hash(article.text))
            for i, (article, rhash, doc_url, origin) in todo
        ]
        currents = store.current_versions([k[5] for k in keyed])
        contents = store.find_contents([(k[1].outlet, k[7]) for k in keyed])
        known_ids = store.existing_ids([k[1].id for k in keyed])
        duplicates: list[tuple[int, str, str]] = []  # (index, origin, stored id): answered once the batch is written
        signatures: list[tuple[bytes, str]] = []
        supersedes: list[tuple[str, str]] = []
        links: list[tuple[str, str, str, float]] = []
        for i, article, rhash, doc_url, origin, key, canon, chash in keyed:
            current = currents.get(key)
            if current is not None and current[2] == chash:
                duplicates.append((i, origin, current[0]))
                continue
            same = contents.get((article.outlet, chash))
            version = current[1] + 1 if current else 1
            if same is None and article.id in known_ids and current is not None and current[0] != article.id:
                # The text of an earlier version of this URL, no longer current (a correction
                # taken back): a new version, under an id of its own.
                article = replace(article, id=stable_id(article.id, f"version {version}", length=len(article.id)))
            if same is not None or article.id in known_ids:
                duplicates.append((i, origin, same or article.id))
                continue
            sig = self._ahead_signatures.pop(article.text, None)
            if sig is None and signature_of is not None:
                sig = signature_of(article.text)
            if current is not None and _weak_key(key) and self._unrelated(current[0], sig):
                # A record without URL whose outlet and title another, different text already
                # uses ("Live updates"): an article of its own, not a version of that one.
                key, current, version = f"{key}|{article.id}", None, 1
            match = self._dedup.add(article.id, signature=sig) if sig is not None else self._dedup.add(article.id, article.text)
            if match is not None and current is not None:
                match = self._copied_beyond_versions(match, sig, article.id, {current[0]} | {a.id for a in store.versions(key)})
            fetched = fetched_of.get(id(items[i]))
            published = normalize_time(article.published)
            if published is None and article.published:
                log.warning("%s: published %r is not a date; stored without a publication time", origin, article.published)
            elif published is not None and _too_late(published, fetched, stamp):
                log.warning(
                    "%s: published %r is more than %d days after the article was read; stored without a publication time",
                    origin, article.published, FUTURE_TOLERANCE.days,
                )  # fmt: skip
                published, article = None, replace(article, published=None)  # the clusterer reads it too
            row = ArticleRow(
                id=article.id,
                url_key=key,
                version=version,
                outlet=article.outlet,
                title=article.title,
                authors=tuple(article.authors),
                url=doc_url or article.url,
                canonical_url=canon,
                origin=origin,
                kind=article.kind,
                language=article.language,
                dateline=article.dateline,
                published=published,
                fetched=normalize_time(fetched),
                added=stamp,
                content_hash=chash,
                raw_hash=rhash,
                raw=article.raw,
                text=article.text,
                removed=tuple(article.removed),
            )
            if sig is not None and hasattr(sig, "to_bytes"):
                signatures.append((sig.to_bytes(), article.id))
            if current is not None:
                supersedes.append((current[0], article.id))
                contents = {k: v for k, v in contents.items() if v != current[0]}  # no longer current
            if match is not None:
                links.append((article.id, match.of, match.kind, float(match.similarity)))
            currents[key] = (article.id, version, chash)
            contents[(article.outlet, chash)] = article.id
            known_ids.add(article.id)
            new.append((i, article, current[0] if current else None, version, match, origin))
            rows_new.append(row)
        self._ahead_signatures.clear()
        if ahead is not None and upcoming is not None:
            # This batch's copies are in the copy index now: what the next batch will
            # embed is known well enough to start on it while this one is placed.
            ahead.submit_next(self, upcoming)
        # A version this batch itself adds (one URL twice in a file or an archive) is only
        # stored by _cluster_batch: it is superseded once it is there.
        batch_ids = {n[1].id for n in new}
        later = [(old, new_id) for old, new_id in supersedes if old in batch_ids]
        for old_id, new_id in supersedes:
            if old_id not in batch_ids:
                self._supersede(old_id, new_id, touched)
        relinked: dict[str, tuple[str, float] | None] = {}
        if links:
            links, relinked = self._earliest_first(links, rows_new, touched)
            store.add_duplicates(links)
        if ahead is not None:
            ahead.collect()  # this batch's leads, embedded ahead while the last batch was written
        self._cluster_batch(new, rows_new, touched, results, stamp, relinked)
        for old_id, new_id in later:
            self._supersede(old_id, new_id, touched)
        if new:
            # A story merged away later in the batch is resolved to where it lives now.
            store.refresh_stories(set(store.resolve_stories(sorted(touched)).values()))
            self._since_snapshot += len(new)
        if signatures:  # keyed by the seqs the rows just got: appended, not inserted at random
            store.conn.executemany(
                "INSERT OR REPLACE INTO signatures (seq, data) SELECT seq, ? FROM articles WHERE id = ?", signatures
            )
        # Copies of stored articles (or of earlier ones in this batch, now placed).
        for i, origin, stored in duplicates:
            results[i] = self._duplicate(origin, stored)

    def _unrelated(self, stored_id: str, sig: Any) -> bool:
        """Whether a text (its signature) shares too little with a stored article to be a
        version of it; ``False`` when that cannot be told (no signature at hand)."""
        before = getattr(self._dedup, "get_signature", lambda _: None)(stored_id)
        if sig is None or before is None:
            return False
        return bool(sig.jaccard(before) < VERSION_MIN_JACCARD and max(sig.containment(before), before.containment(sig)) < 0.5)

    def _copied_beyond_versions(self, match: Any, sig: Any, article_id: str, versions: set[str]) -> Any:
        """What a new version of a URL copies, its own earlier versions left out: a corrected
        reprint still reprints its wire story (the best match is usually its previous version)."""
        if match.of not in versions:
            return match
        query = getattr(self._dedup, "query_signature", None)
        if sig is None or query is None:
            return None
        return next((m for m in query(sig) if m.of not in versions and m.of != article_id), None)

    def _supersede(self, old_id: str, new_id: str, touched: set[str]) -> None:
        old_story = self.store.supersede(old_id, new_id)
        if old_story:
            touched.add(old_story)

    def _earliest_first(
        self, links: list[tuple[str, str, str, float]], rows_new: list[ArticleRow], touched: set[str]
    ) -> tuple[list[tuple[str, str, str, float]], dict[str, tuple[str, float] | None]]:
        """The earliest published copy is the origin, whatever order the copies arrive in: a
        copy published before the origin of the group it joins becomes the group's origin,
        and that origin is recorded as its copy. Returns the links, and for each article of
        the batch whose link changed so, what it copies now (``None``: it is an origin)."""
        store = self.store
        published = {r.id: r.published for r in rows_new}
        link_of = {aid: of for aid, of, _, _ in links}
        out: list[tuple[str, str, str, float]] = []
        relinked: dict[str, tuple[str, float] | None] = {}
        for aid, of, kind, similarity in links:
            root, seen, looped = of, {aid}, False
            for _ in range(50):  # follow the copies back to the origin
                if root in seen:
                    looped = True
                    break
                seen.add(root)
                nxt = self._copied_from(root, link_of, published)
                if nxt is None:
                    break
                root = nxt
            if looped:
                out.append((aid, of, kind, similarity))  # a loop in old links: leave them be
                continue
            if root in published:
                root_time = published[root]
                root_story = None
            else:
                row = store._one("SELECT published, story_id FROM articles WHERE id = ? AND superseded_by IS NULL", (root,))
                if row is None:
                    out.append((aid, of, kind, similarity))
                    continue
                root_time, root_story = row
            if publication_key(published.get(aid)) < publication_key(root_time):
                out.append((root, aid, kind, similarity))
                link_of.pop(aid, None)
                link_of[root] = aid
                relinked[aid] = None
                if root in published:
                    relinked[root] = (aid, similarity)
                if root_story:
                    touched.add(str(root_story))
            else:
                out.append((aid, of, kind, similarity))
        return out, relinked

    def _copied_from(self, article_id: str, link_of: dict[str, str], batch: dict[str, str | None]) -> str | None:
        """The article a copy copies: from this batch's links, else from the store."""
        if article_id in batch or article_id in link_of:
            return link_of.get(article_id)
        row = self.store._one("SELECT of_id FROM duplicates WHERE article_id = ?", (article_id,))
        return str(row[0]) if row is not None and row[0] else None

    def _cluster_batch(
        self,
        new: list[tuple[int, Article, str | None, int, Any, str]],
        rows_new: list[ArticleRow],
        touched: set[str],
        results: list[IngestResult | None],
        stamp: str,
        relinked: Mapping[str, tuple[str, float] | None] | None = None,
    ) -> None:
        """Place the batch's new articles into stories (one embedding call) and store where they went."""
        store = self.store
        if not new:
            return
        # Cluster the whole batch at once: one embedding call for all leads.
        arts = [n[1] for n in new]
        times = [parse_time(r.published) for r in rows_new]
        dups = [n[4].of if n[4] is not None else None for n in new]
        forced = self._moved_anchors(new, dups)
        add_many = getattr(self._clusterer, "add_many", None)
        if add_many is not None:
            extra = {"stories": forced} if any(forced) else {}
            assignments = add_many(arts, published=times, duplicates=dups, **extra)
        else:
            assignments = [
                self._clusterer.add(a, published=t, **({"story_id": f} if f else {})) for a, t, f in zip(arts, times, forced)
            ]
        # Merges first (they move stored memberships), then every article of the
        # batch into the story it ends in: one statement per table per batch.
        redirect: dict[str, str] = {}
        for assignment in assignments:
            sid = assignment.story_id
            merged = tuple(m for m in getattr(assignment, "merged", ()) if m != sid)
            if merged:
                store.merge_stories(sid, merged)
                for m in merged:
                    redirect[m] = sid

        def follow(sid: str) -> str:
            while sid in redirect:
                sid = redirect[sid]
            return sid

        # An id merged away in an earlier batch resolves to where that story lives now.
        resolved = store.resolve_stories([follow(a.story_id) for a in assignments])
        pairs = [(n[1].id, resolved[follow(a.story_id)]) for n, a in zip(new, assignments)]
        # The rows are inserted once their story is known: setting story_id afterwards
        # rewrote every row (raw and cleaned text included) a second time.
        store.insert_articles([replace(row, story_id=sid) for row, (_, sid) in zip(rows_new, pairs)])
        store.assign(pairs, added=stamp, rows=False)
        for (i, article, prev, version, match, origin), assignment, (_, sid) in zip(new, assignments, pairs):
            merged = tuple(m for m in getattr(assignment, "merged", ()) if m != assignment.story_id)
            if relinked and article.id in relinked:
                link = relinked[article.id]
            else:
                link = (match.of, float(match.similarity)) if match is not None else None
            touched.add(sid)
            results[i] = IngestResult(
                "updated" if prev else "new",
                origin,
                article_id=article.id,
                story_id=sid,
                outlet=article.outlet,
                version=version,
                duplicate_of=link[0] if link else None,
                similarity=link[1] if link else None,
                merged=merged,
            )

    def _moved_anchors(self, new: list[tuple[int, Article, str | None, int, Any, str]], dups: Sequence[str | None]) -> list[str | None]:
        """Per new article, the story it is forced into because the article it follows was
        moved by hand (``Corpus.move_articles``), else ``None``.

        A new version follows its previous version, a copy the article it copies: where the
        clusterer would put it (its own memory of that article's story) is where the
        article was, and the stored story is where it is now. They differ only after a
        move, made by this process or another one, so nothing else changes: an article
        that follows nothing moved is placed by the clusterer as before. Two small queries a
        batch that has copies or new versions.
        """
        story_of = getattr(self._clusterer, "story_of", None)
        if story_of is None:
            return [None] * len(new)
        batch = {n[1].id for n in new}
        # The previous version first: a corrected reprint follows its own earlier version,
        # wherever the wire story it copies is.
        anchors = [n[2] if n[2] is not None else dup for n, dup in zip(new, dups)]
        remembered: dict[str, str] = {}
        for aid in {a for a in anchors if a is not None and a not in batch}:
            sid = story_of(aid)
            if sid:
                remembered[aid] = str(sid)
        if not remembered:
            return [None] * len(new)
        stored = {
            str(r[0]): str(r[1])
            for r in self.store._in_chunks("SELECT id, story_id FROM articles WHERE id IN ({marks})", sorted(remembered))
            if r[1]
        }
        resolved = self.store.resolve_stories(sorted(set(stored.values()) | set(remembered.values())))
        moved = {
            aid: resolved[stored[aid]]
            for aid, sid in remembered.items()
            if aid in stored and resolved[stored[aid]] != resolved[sid]
        }
        return [moved.get(a) if a is not None else None for a in anchors]

    def _duplicate(self, origin: str, article_id: str) -> IngestResult:
        row = self.store._one("SELECT story_id, outlet, version FROM articles WHERE id = ?", (article_id,))
        return IngestResult(
            "duplicate",
            origin,
            article_id=article_id,
            story_id=row[0] if row else None,
            outlet=row[1] if row else None,
            version=row[2] if row else 1,
            duplicate_of=article_id,
        )
