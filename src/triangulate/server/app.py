"""The ASGI application: :func:`create_app` and the corpus service behind it.

One process serves the HTTP API (``/api/...``, JSON only) and the web UI (HTML
pages rendered on the server with Jinja2, autoescaping on). Both read the corpus
through :class:`CorpusService`, which

* keeps one read-only SQLite connection per worker thread (WAL: readers never
  block the writer) and one writer connection behind a lock (the store's
  one-writer rule); a database file replaced under the server is reopened once
  no request is using the old file's connections (:meth:`CorpusService._lease`);
* computes a story's report once per story version and caches it in the store
  (``reports`` table), so a cached report is served without recomputation;
* keeps the last rendered responses in memory, keyed by the story version or by
  a corpus fingerprint, which is what makes repeated page views cheap;
* loads the embedding model once, lazily, on the first compare or report.

Errors have one shape everywhere under ``/api``:
``{"ok": false, "error": str, "errors": [str], "status": int}`` (issue 4).
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import queue
import re
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from triangulate.corpus import SearchHit
from triangulate.corpus.store import StoredArticle, Store, StoryInfo
from triangulate.errors import FetchError, InputError, StoreError, TriangulateError
from triangulate.models import RawDocument, Report, Skipped
from triangulate.text import without_surrogates

log = logging.getLogger(__name__)
_T = TypeVar("_T")
_P = ParamSpec("_P")
log.addHandler(logging.NullHandler())

HERE = Path(__file__).resolve().parent

#: Largest request body accepted (bytes); larger ones get a 413.
DEFAULT_MAX_BODY = 5_000_000
#: At most this many articles in one ad-hoc compare request (a story, not a corpus).
MAX_COMPARE_ARTICLES = 50
#: At most this many URLs fetched for one request.
MAX_URLS = 20
#: At most this many items in one ingest request.
MAX_INGEST_ITEMS = 1000
#: Story reports computed at once (CPU bound: embedding and alignment).
REPORT_WORKERS = 2
#: How long a request waits for a story's report being computed before it is answered 503
#: with ``Retry-After`` (the computation goes on; a later request gets the report).
REPORT_WAIT = 20.0

try:  # the package version ends up in ETags: a new release never matches old pages
    from triangulate import __version__ as _VERSION
except ImportError:  # pragma: no cover
    _VERSION = "0"


# --- errors -------------------------------------------------------------------------


class ApiError(Exception):
    """An error answered in the one error shape with ``status``."""

    def __init__(self, status: int, message: str, errors: Sequence[str] = (), headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = list(errors) or [message]
        self.headers = headers or {}


class BodyTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than the limit of {limit:,} bytes")


class ReportPending(ApiError):
    """A story's report is still being computed after the request's wait: 503, try again."""

    def __init__(self, story_id: str, seconds: float) -> None:
        super().__init__(
            503,
            f"the report of story {story_id} is still being computed ({seconds:.0f} s so far); try again in a moment",
            headers={"Retry-After": "10"},
        )


def error_payload(status: int, message: str, errors: Iterable[str] = ()) -> dict[str, Any]:
    """The one error shape: ``{"ok": false, "error": str, "errors": [str], "status": int}``."""
    # A message may echo a JSON "\ud800" escape: no encoder writes a lone surrogate.
    errs = [without_surrogates(str(e)) for e in errors] or [without_surrogates(message)]
    return {"ok": False, "error": without_surrogates(message), "errors": errs, "status": status}




_STATUS_TEXT = {
    400: "bad request",
    401: "authentication required",
    403: "forbidden",
    404: "not found",
    405: "method not allowed",
    413: "request body too large",
    415: "unsupported media type",
    422: "invalid request",
    429: "too many requests",
    500: "internal server error",
    503: "service unavailable",
}


def status_for(exc: TriangulateError) -> int:
    """The HTTP status a library error is answered with."""
    if isinstance(exc, FetchError):
        return 422
    if isinstance(exc, InputError):
        # A story that lost all its articles (an update moved its only one) is gone: 404.
        return 404 if exc.code == "E121" else 422
    if isinstance(exc, StoreError):
        return 503
    return 500


# --- small caches -------------------------------------------------------------------


class LRU:
    """A small thread-safe LRU mapping (rendered pages, parsed reports)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Any) -> Any:
        with self._lock:
            try:
                value = self._data.pop(key)
            except KeyError:
                self.misses += 1
                return None
            self._data[key] = value
            self.hits += 1
            return value

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._data.pop(key, None)
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


# --- the corpus service ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Meter:
    """Corroboration of one analysed story: facts confirmed by 2+ independent outlets, single-source, conflicting."""

    confirmed: int
    single: int
    conflicting: int

    @property
    def total(self) -> int:
        return self.confirmed + self.single + self.conflicting

    def to_dict(self) -> dict[str, int]:
        return {"confirmed": self.confirmed, "single_source": self.single, "conflicting": self.conflicting}


def meter_of(report: dict[str, Any]) -> Meter:
    """The corroboration meter of a report dictionary (``report_to_dict`` layout)."""
    stats = report.get("stats") or {}
    facts = report.get("facts") or []
    confirmed = int(stats.get("corroborated", sum(1 for f in facts if f.get("independent_sources", 0) >= 2)))
    single = int(stats.get("single_source", len(report.get("single_source") or [])))
    conflicting = int(stats.get("conflicts", len(report.get("conflicts") or [])))
    return Meter(confirmed, single, conflicting)


class _Workers:
    """A few daemon threads that run submitted calls, each answered through a future.

    Not a ``ThreadPoolExecutor``: its threads are waited for when the process exits, so a
    computation that never ends (a story report) would keep a stopped server running.
    """

    def __init__(self, count: int, name: str) -> None:
        self._count = count
        self._name = name
        self._queue: queue.SimpleQueue[tuple[concurrent.futures.Future[Any], Callable[[], Any]] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, call: Callable[[], _T]) -> concurrent.futures.Future[_T]:
        future: concurrent.futures.Future[_T] = concurrent.futures.Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the workers were shut down")
            if len(self._threads) < self._count:
                thread = threading.Thread(target=self._run, name=f"{self._name}-{len(self._threads) + 1}", daemon=True)
                thread.start()
                self._threads.append(thread)
            self._queue.put((future, call))
        return future

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            future, call = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(call())
            except BaseException as exc:
                future.set_exception(exc)

    def shutdown(self) -> None:
        """Stop taking calls; idle threads end, a running call is left to finish."""
        with self._lock:
            self._closed = True
            for _ in self._threads:
                self._queue.put(None)


@dataclass(slots=True)
class _Reader:
    store: Store
    generation: int = 0
    data_version: int = -1
    fingerprint: str = ""


def _file_identity(path: str) -> tuple[int, int] | None:
    """The device and inode of the database file (``None`` for an in-memory database).

    Raises:
        FileNotFoundError: when no file is at ``path``.
    """
    if path == ":memory:":
        return None
    st = os.stat(path)
    return (st.st_dev, st.st_ino)


class _ReportStore(Store):
    """The connection of a report worker to the file of one generation of a :class:`CorpusService`.

    Each statement holds a lease of the service, so a reopening closes this connection between
    two statements, never under one. Once its file was replaced, a read is ``[E511]`` (the
    worker begins again on the new file) and a report is not cached: it is the old file's.
    """

    def __init__(self, path: str, service: CorpusService, generation: int) -> None:
        super().__init__(path)
        self._service = service
        self._opened_in = generation

    def _replaced(self) -> bool:
        return self._service._generation != self._opened_in

    def _closed_error(self) -> StoreError:
        return StoreError(f"the corpus {self.path} was replaced while the server ran; open it again", code="E511")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._service._lease():
            if self._replaced():
                raise self._closed_error()
            return super()._query(sql, params)

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._service._lease():
            if self._replaced():
                raise self._closed_error()
            return super()._one(sql, params)

    def save_report(self, story_id: str, story_version: int, report: dict[str, Any], *, wait: float = 1.0) -> None:
        with self._service._lease():
            if self._replaced():
                log.info("report of story %s not cached: the database file was replaced while it was computed", story_id)
                return
            super().save_report(story_id, story_version, report, wait=wait)


@dataclass(slots=True)
class StoryReport:
    """A story's report as served: the story row, the report dict and its parsed form."""

    story: StoryInfo
    data: dict[str, Any]
    report: Report
    computed: bool
    seconds: float = 0.0
    timeline: list[dict[str, Any]] = field(default_factory=list)


def _leased(method: Callable[Concatenate[CorpusService, _P], _T]) -> Callable[Concatenate[CorpusService, _P], _T]:
    """Run a :class:`CorpusService` method under a lease on the connections it reads through."""

    @wraps(method)
    def leased(self: CorpusService, /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        with self._lease():
            return method(self, *args, **kwargs)

    return leased


class CorpusService:
    """Everything the API and the UI ask of the corpus, thread-safe.

    Args:
        db_path: the corpus database (created and migrated when missing).
        embedder: a loaded embedder; loaded lazily on first need when ``None``.
        allow_private: let URL fetches reach loopback / private addresses (local testing only).
    """

    def __init__(self, db_path: str | Path, *, embedder: Any = None, allow_private: bool = False) -> None:
        from triangulate.corpus import Corpus

        self.db_path = str(db_path)
        self.allow_private = allow_private
        self._embedder = embedder
        # The Corpus owns the writer connection, the ingester, the fetcher and the
        # report cache; reads go through per-thread read-only connections.
        self.corpus = Corpus.open(self.db_path, allow_private=allow_private, embedder=embedder)
        self._writer = self.corpus.store
        self._write_lock = threading.RLock()
        # The file the connections have open: a file deleted or replaced under the server
        # is noticed at the next request (see _check_file). Bumped at each reopening.
        self._identity = _file_identity(self.db_path)
        self._generation = 0
        # Leases on the current generation's connections (see _lease): a reopening waits
        # until none is held, and no new one is given while it waits.
        self._leases = 0
        self._replacing = False
        self._leases_changed = threading.Condition()
        self._local = threading.local()
        self._readers: list[Store] = []
        self._readers_lock = threading.Lock()
        # Story reports are computed by their own workers, each with its own connection.
        self._report_pool = _Workers(REPORT_WORKERS, "triangulate-report")
        self._report_corpora: list[Any] = []
        self._computing: dict[tuple[int, str, int], tuple[concurrent.futures.Future[StoryReport], float]] = {}
        self._computing_lock = threading.Lock()
        #: How long a request waits for a report being computed (seconds) before a 503.
        self.report_wait = REPORT_WAIT
        self.pages = LRU(2048)
        self.reports = LRU(128)
        self.meters = LRU(100_000)
        #: Story reports computed since the start (counted under ``_computing_lock``).
        self.report_computations = 0

    # --- connections ---------------------------------------------------------------

    @contextmanager
    def _lease(self) -> Iterator[None]:
        """Keep the connections of the current generation open while this thread uses them.

        The first lease of a thread looks at the database file (a replaced file is reopened
        here, once every other lease has ended); a reopening waits for the leases held, and
        no new lease is given while it waits, so a request never finds a connection closed
        under it by another request that noticed the file change. A lease taken inside
        another is the same lease. Hold one only around database work, never while waiting
        for another thread (a report computation): a reopening would wait as long.
        """
        depth: int = getattr(self._local, "depth", 0)
        if depth:
            self._local.depth = depth + 1
            try:
                yield
            finally:
                self._local.depth = depth
            return
        self._check_file()
        with self._leases_changed:
            while self._replacing:
                self._leases_changed.wait()
            self._leases += 1
        self._local.depth = 1
        try:
            yield
        finally:
            self._local.depth = 0
            with self._leases_changed:
                self._leases -= 1
                self._leases_changed.notify_all()

    @contextmanager
    def _no_leases(self) -> Iterator[None]:
        """Wait until no lease is held and give none until the block ends (closing connections)."""
        with self._leases_changed:
            while self._replacing:
                self._leases_changed.wait()
            self._replacing = True
            while self._leases:
                self._leases_changed.wait()
        try:
            yield
        finally:
            with self._leases_changed:
                self._replacing = False
                self._leases_changed.notify_all()

    def _reader(self) -> _Reader:
        if not getattr(self._local, "depth", 0):
            self._check_file()  # used without a lease (a test's look at the store)
        reader: _Reader | None = getattr(self._local, "reader", None)
        if reader is None or reader.generation != self._generation:
            store = self._writer.reader()
            reader = _Reader(store, generation=self._generation)
            self._local.reader = reader
            if store is not self._writer:
                with self._readers_lock:
                    self._readers.append(store)
        return reader

    @property
    def store(self) -> Store:
        """This thread's read connection (the service's methods use it under a lease)."""
        return self._reader().store

    def _check_file(self) -> None:
        """Refuse to serve a database file deleted while the server ran; reopen one replaced.

        The connections keep the file they opened: a deleted one would be read, and written
        to, with nothing of it kept; a replaced one (a backup put back) would never be seen.

        Raises:
            StoreError: E508 when no file is at the path any more (the server answers 503).
        """
        if self._identity is None:
            return
        try:
            identity = _file_identity(self.db_path)
        except FileNotFoundError:
            raise StoreError(
                f"no corpus database at {self.db_path} any more: it was deleted or moved while the server ran; "
                "put it back, or restart `triangulate serve`",
                code="E508",
            ) from None
        if identity != self._identity:
            self._reopen()

    def _reopen(self) -> None:
        """Close every connection to the file that was replaced and open the one now at the path."""
        from triangulate.corpus import Corpus

        with self._write_lock:
            try:
                identity = _file_identity(self.db_path)
            except FileNotFoundError:
                return  # gone since the caller looked: the next look says so
            if identity == self._identity:
                return  # another request reopened it
            log.warning("the corpus database %s was replaced while the server ran: reading the new file", self.db_path)
            # The old file's write-ahead log is emptied into it and every connection to it is
            # closed before one to the new file opens: SQLite does not remove the log of a file
            # that was moved or deleted, and would read it as the new file's log. The readers
            # are closed once no request uses them (the lease); a report worker's connection is
            # closed under it (its report is left to finish without a cache, then it opens the
            # new file).
            with self._no_leases():
                self._close_connections()
                try:
                    self._writer._one("PRAGMA wal_checkpoint(TRUNCATE)")
                except (sqlite3.Error, StoreError) as exc:
                    log.warning("could not empty the write-ahead log of the replaced database: %s", exc)
                self.corpus.close()
                corpus = Corpus.open(self.db_path, allow_private=self.allow_private, embedder=self._embedder)
                corpus.embedder, corpus.cluster_embedder = self.corpus.embedder, self.corpus.cluster_embedder  # models stay loaded
                self.corpus = corpus
                self._writer = corpus.store
                self._generation += 1
                self._identity = _file_identity(self.db_path)
                self.pages.clear()
                self.reports.clear()
                self.meters.clear()

    def close(self) -> None:
        """Close every connection once no request uses it (a report being computed is left to
        finish without a cache)."""
        self._report_pool.shutdown()
        with self._write_lock, self._no_leases():
            self._close_connections()
            self.corpus.close()

    def _close_connections(self) -> None:
        """Close the readers' and the report workers' connections (with no lease held: a
        report worker's connection may be in use, and its report is then not cached)."""
        with self._readers_lock:
            for store in self._readers:
                store.close()
            self._readers.clear()
            for corpus in self._report_corpora:
                corpus.close()
            self._report_corpora.clear()

    @_leased
    def fingerprint(self) -> str:
        """A short value that changes whenever the corpus changes (for list ETags and caches).

        ``PRAGMA data_version`` tells, per connection, whether another connection
        committed since the last look; only then are the (cheap) aggregates re-read.
        """
        reader = self._reader()
        store = reader.store
        version = int(store._one("PRAGMA data_version")[0])
        if version != reader.data_version or not reader.fingerprint or store is self._writer:
            seq = store._one("SELECT COALESCE(MAX(seq), 0) FROM articles")[0]
            agg = store._one("SELECT COUNT(*), COALESCE(MAX(updated), ''), COALESCE(SUM(version), 0) FROM stories")
            # A newly cached report changes the meters shown in lists (INSERT OR REPLACE: rowid grows).
            reports = store._one("SELECT COALESCE(MAX(rowid), 0) FROM reports")[0]
            parts = f"{self._generation}|{seq}|{agg[0]}|{agg[1]}|{agg[2]}|{reports}"
            reader.fingerprint = hashlib.sha1(parts.encode()).hexdigest()[:16]
            reader.data_version = version
        return reader.fingerprint

    # --- embedder ------------------------------------------------------------------------

    def embedder(self) -> Any:
        """The embedding model, loaded once per app on first use (the corpus's lazy embedder)."""
        return self.corpus.embedder

    # --- stories -------------------------------------------------------------------------

    @_leased
    def stories(
        self,
        *,
        since: str | None = None,
        outlet: str | None = None,
        min_sources: int = 1,
        query: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[StoryInfo], int]:
        """Live stories, most recently active first, and how many match in all."""
        store = self.store
        outlet = store.outlet_filter(outlet)
        items = store.stories(since=since, outlet=outlet, min_sources=min_sources, query=query, limit=limit, offset=offset)
        total = store.count_stories(since=since, outlet=outlet, min_sources=min_sources, query=query)
        return items, total

    @_leased
    def story(self, story_id: str) -> StoryInfo | None:
        return self.store.story(story_id)

    @_leased
    def unknown_id(self, kind: str, given: str) -> str:
        """Why ``given`` names no article (``kind="article"``) or story (``"story"``)."""
        return self.store.unknown_id(kind, given)

    @_leased
    def cached_report(self, story_id: str) -> dict[str, Any] | None:
        """The report the store cached for the story's current version, if any."""
        return self.store.cached_report(story_id)

    @_leased
    def meter(self, story: StoryInfo) -> Meter | None:
        """The corroboration meter of a story whose report is cached for its current version, else ``None``."""
        key = (story.id, story.version)
        found = self.meters.get(key)
        if found is not None:
            return found if isinstance(found, Meter) else None
        data = self.store.cached_report(story.id)
        meter: Meter | bool = meter_of(data) if data is not None else False
        if data is not None:
            self.meters.put(key, meter)
        return meter if isinstance(meter, Meter) else None

    def _outlet_of(self, article_id: str | None, known: dict[str, str]) -> str | None:
        """The outlet of ``article_id``: from ``known`` (this story) or the store (an origin elsewhere)."""
        if not article_id:
            return None
        if article_id in known:
            return known[article_id]
        stored = self.store.article(article_id, full=False)
        return stored.outlet if stored else None

    @_leased
    def timeline(self, story: StoryInfo, report: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Who published when: the story's articles, oldest first (a day alone at the end of
        its day), with reprint links."""
        from triangulate.times import publication_key

        sources = (report or {}).get("sources", [])
        numbers = {s["article_id"]: s["number"] for s in sources}
        rows = self.store.articles(story=story.id, limit=None, newest_first=False)
        # The names the report gives ("Outlet (2)" for an outlet's second article), so the
        # timeline and the sources list agree.
        outlet_of = {a.id: a.outlet for a in rows} | {s["article_id"]: s["outlet"] for s in sources}
        out = []
        for a in rows:
            out.append(
                {
                    "article_id": a.id,
                    "outlet": a.outlet,
                    "label": outlet_of[a.id],
                    "title": a.title,
                    "published": a.published,
                    "added": a.added,
                    "time": a.published or a.added,
                    "url": a.url,
                    "version": a.version,
                    "source": numbers.get(a.id),
                    "reprint_of": a.duplicate_of,
                    "reprint_of_outlet": self._outlet_of(a.duplicate_of, outlet_of),
                    "reprint_kind": a.duplicate_kind,
                    "similarity": a.similarity,
                }
            )
        # As copies are ordered (publication_key): a day alone at the end of its day.
        out.sort(key=lambda r: (publication_key(r["time"]), r["outlet"]))
        return out

    def story_report(self, story_id: str, *, wait: float | None = None) -> StoryReport | None:
        """A story and its report: from the cache when computed for the current version, else computed and cached.

        A report to compute is computed by the report workers, once however many requests
        ask for it. ``wait`` bounds how long this call waits for it (``None``: until it is
        done); past it, :class:`ReportPending` is raised and the computation goes on, so a
        later call gets the report.
        """
        found = self._stored_report(story_id)
        if found is None or isinstance(found, StoryReport):
            return found
        story, generation = found
        future, started = self._computation(story, generation)
        try:
            return future.result(timeout=wait)
        except concurrent.futures.TimeoutError:
            raise ReportPending(story.id, time.monotonic() - started) from None

    @_leased
    def _stored_report(self, story_id: str) -> StoryReport | tuple[StoryInfo, int] | None:
        """A story's cached report; else the story and the generation it was read in (its
        report is to compute); ``None`` for no such story."""
        from triangulate.report_json import ReportSchemaError, report_from_dict

        story = self.story(story_id)
        if story is None:
            return None
        key = (story.id, story.version)
        hit = self.reports.get(key)
        if hit is not None:
            return StoryReport(story, hit[0], hit[1], computed=False, timeline=hit[2])
        data = self.store.cached_report(story.id)
        if data is not None:
            try:
                report = report_from_dict(data)
            except ReportSchemaError:
                pass  # written by an incompatible release: recompute
            else:
                timeline = self.timeline(story, data)
                self.reports.put(key, (data, report, timeline))
                self.meters.put(key, meter_of(data))
                return StoryReport(story, data, report, computed=False, timeline=timeline)
        return story, self._generation

    def _computation(self, story: StoryInfo, generation: int) -> tuple[concurrent.futures.Future[StoryReport], float]:
        """The computation of ``story``'s report (started now unless one runs) and when it started."""
        key = (generation, story.id, story.version)
        with self._computing_lock:
            running = self._computing.get(key)
            if running is not None:
                return running
            hit = self.reports.get(key[1:])  # computed between the caller's look and this one
            if hit is not None and generation == self._generation:
                done: concurrent.futures.Future[StoryReport] = concurrent.futures.Future()
                done.set_result(StoryReport(story, hit[0], hit[1], computed=False, timeline=hit[2]))
                return done, time.monotonic()
            future = self._report_pool.submit(lambda: self._compute(story, generation))
            self._computing[key] = (future, time.monotonic())
            return future, self._computing[key][1]

    def _compute(self, story: StoryInfo, generation: int) -> StoryReport:
        """Compute and cache ``story``'s report (in a report worker); a report of a file
        replaced meanwhile is not cached."""
        from triangulate.report_json import report_to_dict

        key = (story.id, story.version)
        try:
            started = time.perf_counter()
            report = self._report_corpus_report(story.id)
            seconds = time.perf_counter() - started
            with self._computing_lock:  # two report workers count
                self.report_computations += 1
            data = report_to_dict(report)
            timeline = self.timeline(story, data)
            if generation == self._generation:
                self.reports.put(key, (data, report, timeline))
                self.meters.put(key, meter_of(data))
            return StoryReport(story, data, report, computed=True, seconds=seconds, timeline=timeline)
        finally:
            with self._computing_lock:
                self._computing.pop((generation, *key), None)

    def _report_corpus_report(self, story_id: str) -> Report:
        """``Corpus.report`` (computed and cached in the store) on this worker's own connection.

        Not on the writer of ingest and feeds: a long computation holds no lock that a
        write needs. An in-memory database has one connection only: it is shared.
        """
        from triangulate.corpus import Corpus

        if self.db_path == ":memory:":
            with self._write_lock:
                return self.corpus.report(story_id, refresh=True)
        retried = False
        while True:
            self._check_file()
            mine: tuple[Corpus, int] | None = getattr(self._local, "report_corpus", None)
            if mine is None or mine[1] != self._generation:
                with self._lease():  # opened while no reopening can run
                    generation = self._generation
                    store = _ReportStore(self.db_path, self, generation)
                mine = (Corpus(store, embedder=self.corpus.embedder), generation)
                self._local.report_corpus = mine
                with self._readers_lock:
                    self._report_corpora.append(mine[0])
            try:
                # A file replaced during the computation: the report is still the answer,
                # not cached (_ReportStore).
                return mine[0].report(story_id, refresh=True)
            except StoreError as exc:
                # Replaced before the story was read: once more, on the file now at the path.
                if exc.code != "E511" or retried or mine[1] == self._generation:
                    raise
                retried = True

    # --- articles, outlets, search ----------------------------------------------------------

    @_leased
    def articles(
        self, *, story: str | None = None, outlet: str | None = None, since: str | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[list[StoredArticle], int]:
        store = self.store
        outlet = self.store.outlet_filter(outlet)
        if story:
            found = store.resolve_story(story)
            if found is None:
                raise ApiError(404, store.unknown_id("story", story))
            story = found
        items = store.articles(story=story, outlet=outlet, since=since, limit=limit, offset=offset)
        return items, store.count_articles(story=story, outlet=outlet, since=since)

    @_leased
    def article(self, article_id: str) -> StoredArticle | None:
        return self.store.article(article_id, full=True)

    @_leased
    def versions(self, article: StoredArticle) -> list[StoredArticle]:
        return self.store.versions(article.url_key)

    @_leased
    def outlets(self) -> list[dict[str, Any]]:
        return self.store.outlet_counts()

    @_leased
    def search(self, query: str, *, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        return [SearchHit.of(a, marked) for a, marked in self.store.search(query, limit=limit, offset=offset)]

    @_leased
    def count_search(self, query: str) -> int:
        """How many articles :meth:`search` finds, over all its pages."""
        return self.store.count_search(query)

    @_leased
    def feeds(self) -> list[Any]:
        return self.store.feeds()

    @_leased
    def stats(self) -> dict[str, int]:
        return self.store.stats()

    # --- user input: records, text, uploads, URLs --------------------------------------------

    def fetch_documents(self, urls: Sequence[str]) -> tuple[list[RawDocument], list[Skipped]]:
        """Fetch user-submitted URLs through the corpus fetcher: its private-address guard
        (every address, every redirect hop) applies unless the server runs with ``allow_private``."""
        docs: list[RawDocument] = []
        skips: list[Skipped] = []
        for url in urls:
            url = url.strip()
            if not url:
                continue
            got = self.corpus.fetch_documents(url)
            if isinstance(got, Skipped):
                skips.append(got)
            else:
                docs.extend(got)
        return docs, skips

    def compare(self, docs: Sequence[RawDocument], skips: Sequence[Skipped] = ()) -> Report:
        """An ad-hoc compare of ``docs`` (nothing stored)."""
        from triangulate.compare import compare_articles, load_articles, with_events_warning

        if len(docs) > MAX_COMPARE_ARTICLES:
            raise ApiError(413, f"{len(docs)} articles is more than the {MAX_COMPARE_ARTICLES} one compare request may hold")
        articles, skipped = load_articles(docs)
        skipped = [*skips, *skipped]
        if not articles:
            reasons = "; ".join(f"{s.origin}: {s.reason} ({s.detail})" for s in skipped) or "no inputs given"
            raise ApiError(422, f"no readable article among the inputs ({reasons})", [f"{s.origin}: {s.reason}: {s.detail}" for s in skipped])
        embedder = self.embedder()
        report = compare_articles(articles, skipped=skipped, embedder=embedder)
        return with_events_warning(report, articles, embedder=embedder)

    def ingest(self, docs: Sequence[RawDocument], skips: Sequence[Skipped] = ()) -> dict[str, Any]:
        """Add documents to the corpus (one writer at a time); counts and per-item results."""
        from triangulate.corpus.ingest import IngestSummary

        self._check_file()
        summary = IngestSummary()
        results = []
        started = time.perf_counter()
        with self._write_lock:
            for result in self.corpus.add_many([*skips, *docs]):
                summary.count(result)
                results.append(result.to_dict())
            self.corpus.ingester.snapshot()
        summary.seconds = time.perf_counter() - started
        self.pages.clear()
        return {**summary.to_dict(), "results": results}

    def add_feed(self, url: str) -> bool:
        """Follow a feed (the URL guard applies: it is checked now and on every poll)."""
        check_url(url, allow_private=self.allow_private)
        self._check_file()
        with self._write_lock:
            return self.corpus.add_feed(url)

    def poll_feeds(self) -> list[dict[str, Any]]:
        """Poll every followed feed once now and ingest new entries."""
        self._check_file()
        with self._write_lock:
            results = self.corpus.poll(due_only=False)
        self.pages.clear()
        return [r.to_dict() for r in results]


def service_of(request: Request) -> CorpusService:
    """The corpus service of the app serving ``request``."""
    service: CorpusService = request.app.state.service
    return service


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse a URL a web user submitted unless it is http(s) to a public address.

    Raises:
        ApiError: 422 naming the reason.
    """
    from urllib.parse import urlsplit

    from triangulate.corpus.fetch import check_host

    try:
        parts = urlsplit(url.strip())
        hostname = parts.hostname
    except ValueError as exc:  # "http://[::1"
        raise ApiError(422, f"not a valid URL: {url!r}") from exc
    if parts.scheme not in ("http", "https") or not hostname:
        raise ApiError(422, f"not an http(s) URL: {url!r}")
    if allow_private:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        check_host(hostname, port)
    except ValueError as exc:
        raise ApiError(422, f"bad port in {url!r}") from exc
    except FetchError as exc:
        raise ApiError(422, str(exc)) from exc


# --- documents from request data ----------------------------------------------------------


def documents_from_records(records: Sequence[Any], *, origin: str = "request") -> tuple[list[RawDocument], list[Skipped]]:
    """JSON article records (``text``/``html``/``markdown`` plus ``title``, ``source``, ``url``, ``published``...)."""
    from triangulate.readers import read_items

    if not records:
        return [], []
    items = read_items(json.dumps(list(records)).encode("utf-8"), origin=origin, kind="json", max_bytes=None)
    return [i for i in items if isinstance(i, RawDocument)], [i for i in items if isinstance(i, Skipped)]


def documents_from_texts(texts: Sequence[tuple[str, str | None]], *, first: int = 1) -> tuple[list[RawDocument], list[Skipped]]:
    """Pasted texts, each with an optional outlet name (``Text N`` when none is given)."""
    from triangulate.readers import read_items

    docs: list[RawDocument] = []
    skips: list[Skipped] = []
    for n, (raw_text, outlet) in enumerate(texts, start=first):
        text = without_surrogates(raw_text)
        if not text.strip():
            continue
        name = without_surrogates(outlet or "").strip() or f"Text {n}"
        for item in read_items(text.encode("utf-8"), origin=f"pasted text {n}", source=name, max_bytes=None):
            if isinstance(item, Skipped):
                skips.append(item)
            else:
                docs.append(item)
    return docs, skips


#: How a paste meant as JSON opens (``{"``, ``[{``, ``["``, ``[]``); a headline never does
#: ("[Update] Ferry strike ends", "{Breaking} ..."): such text is an article.
_JSON_OPENING = re.compile(r'\s*(?:\{\s*"|\[\s*[{"\]])')


def documents_from_paste(text: str, outlet: str | None) -> tuple[list[RawDocument], list[Skipped]]:
    """What was pasted into the Add form: JSON records or JSON Lines when it reads as such,
    else one article (headline on the first line), as a file of unknown kind is sniffed.

    A paste that opens as JSON does but does not parse is skipped as ``bad_json`` (one skip per
    bad line of JSON Lines), not stored as an article.

    ``outlet`` is the outlet of the text and of each record with neither ``source`` nor URL (as
    ``--source`` is on the command line). Without it such a document has no ``source`` (and no
    URL): the caller asks for the outlet rather than invent one that other pastes would share.
    """
    from triangulate.readers import read_items, sniff_kind

    text = without_surrogates(text)
    name = without_surrogates(outlet or "").strip() or None
    kind = sniff_kind(text)
    if kind not in ("json", "jsonl") and _JSON_OPENING.match(text):
        kind = "json"
    origin = {"json": "form", "jsonl": "pasted.jsonl"}.get(kind, "pasted text")
    items = read_items(text.encode("utf-8"), origin=origin, kind=kind, source=name, max_bytes=None)
    return [i for i in items if isinstance(i, RawDocument)], [i for i in items if isinstance(i, Skipped)]


def documents_from_upload(name: str, data: bytes) -> tuple[list[RawDocument], list[Skipped]]:
    """An uploaded file (txt, html, md, json, jsonl): the kind is guessed from its name, else sniffed."""
    from triangulate.readers import read_items

    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = {"txt": "text", "text": "text", "html": "html", "htm": "html", "md": "markdown", "markdown": "markdown", "json": "json", "jsonl": "jsonl", "ndjson": "jsonl"}.get(suffix)
    stem = Path(name).stem or "upload"
    items = read_items(data, origin=name, kind=kind, source=stem)
    return [i for i in items if isinstance(i, RawDocument)], [i for i in items if isinstance(i, Skipped)]


# --- middleware: body size limit ------------------------------------------------------------


class BodyLimit:
    """Refuse request bodies above ``max_body`` bytes with a 413 in the error shape.

    A declared ``Content-Length`` is checked before anything is read; a chunked
    body is counted while it streams and stopped at the limit.
    """

    def __init__(self, app: ASGIApp, max_body: int, respond: Callable[[Request, int, str], Response] | None = None) -> None:
        self.app = app
        self.max_body = max_body
        self.respond = respond

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = BodyTooLarge(self.max_body).message
        if self.respond is None:
            await _send_json(send, 413, error_payload(413, message))
            return
        await self.respond(Request(scope), 413, message)(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared: int | None = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = None
        if declared is not None:
            if declared > self.max_body:
                await self._refuse(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        # No declared length (chunked): read the body here, up to the limit, then replay it.
        parts: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_body:
                await self._refuse(scope, receive, send)
                return
            parts.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(parts)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


#: Everything is served from here: no external asset, no inline script or style.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


#: The headers every answer carries: the Content-Security-Policy, no MIME sniffing, no
#: referrer to other sites, no framing.
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
_SECURITY_HEADER_BYTES = tuple((k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items())


class SecurityHeaders:
    """Add the Content-Security-Policy and related headers to every answer (plain ASGI: cheap).

    ``Referrer-Policy: same-origin``: nothing is sent to other sites, and a form posted
    from our own pages carries its real ``Origin`` (under ``no-referrer`` browsers send
    ``Origin: null``, which the cross-site check refuses).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                for name, value in _SECURITY_HEADER_BYTES:
                    if name not in names:
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


#: The names a server listening on loopback answers to. Any other ``Host`` is a page of
#: another site whose name was pointed at 127.0.0.1 (DNS rebinding): refused.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


class AllowedHosts:
    """Refuse a request whose ``Host`` header names no allowed host (400, the API's error shape)."""

    def __init__(self, app: ASGIApp, *, hosts: Sequence[str]) -> None:
        self.app = app
        self.hosts = {h.lower().strip("[]") for h in hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "*" in self.hosts:
            await self.app(scope, receive, send)
            return
        raw = dict(scope.get("headers") or ()).get(b"host", b"").decode("latin-1").strip().lower()
        name = raw[1:].partition("]")[0] if raw.startswith("[") else raw.rpartition(":")[0] if raw.count(":") == 1 else raw
        if name in self.hosts:
            await self.app(scope, receive, send)
            return
        message = f"host {raw or '(none)'!r} is not one this server answers to; start it with --allowed-host {name or 'NAME'} to allow it"
        response = JSONResponse(error_payload(400, message), status_code=400)
        await response(scope, receive, send)


class HeadAsGet:
    """Answer ``HEAD`` wherever ``GET`` is answered: the same status and headers, no body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


async def _send_json(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


# --- auth -------------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a listen address) is reachable from this machine only."""
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def token_matches(given: str | None, expected: str | None) -> bool:
    if expected is None:
        return True
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


# --- the app ------------------------------------------------------------------------------------


def wants_html(request: Request) -> bool:
    """Pages outside ``/api`` answer errors as HTML to browsers."""
    return not request.url.path.startswith("/api") and "text/html" in request.headers.get("accept", "")


def create_app(
    db_path: str | Path,
    *,
    token: str | None = None,
    allow_private: bool = False,
    max_body: int = DEFAULT_MAX_BODY,
    embedder: Any = None,
    warm: int = 0,
    allowed_hosts: Sequence[str] = ("*",),
) -> FastAPI:
    """Build the web UI + HTTP API over the corpus at ``db_path``.

    Args:
        db_path: the corpus database (created when missing).
        token: when set, write endpoints (ingest, feeds) need ``Authorization: Bearer <token>``
            (or the token in the form of the UI's ingest page). ``triangulate serve`` refuses
            to listen beyond loopback without one.
        allow_private: let user-submitted URLs reach loopback / private addresses (testing only).
        max_body: largest request body in bytes (413 above it).
        embedder: a loaded embedder to share (default: loaded on first need).
        warm: analyse the reports of this many newest stories in a background thread at start.
        allowed_hosts: the names the ``Host`` header may give (``"*"``: any); others get 400.
            ``triangulate serve`` on loopback allows :data:`LOOPBACK_HOSTS` only.

    Returns:
        The FastAPI application; ``app.state.service`` is its :class:`CorpusService`.

    Example:
        >>> from fastapi.testclient import TestClient     # doctest: +SKIP
        >>> client = TestClient(create_app("corpus.db"))  # doctest: +SKIP
        >>> client.get("/api/stories").json()["total"]    # doctest: +SKIP
    """
    from contextlib import asynccontextmanager

    service = CorpusService(db_path, embedder=embedder, allow_private=allow_private)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        if warm > 0:
            threading.Thread(target=_warm, args=(service, warm), name="triangulate-warm", daemon=True).start()
        yield
        service.close()

    app = FastAPI(
        title="triangulate",
        version=_VERSION,
        description=(
            "How different outlets report the same event: stories of the corpus, each story's "
            "triangulation report (facts with independent-source counts, single-source claims, "
            "conflicts, aligned quotes, a cited summary, a timeline), articles, outlets, search, "
            "ingest and ad-hoc compare. Every error has the shape "
            '`{"ok": false, "error": str, "errors": [str], "status": int}`.'
        ),
        docs_url=None,  # /docs is a page of this server (views.api_docs): it works offline
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.service = service
    app.state.token = token
    app.state.max_body = max_body
    app.state.version = _VERSION

    from triangulate.server import api, views

    app.include_router(api.router)
    app.include_router(views.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    def _respond(request: Request, status: int, message: str, errors: Sequence[str] = (), headers: dict[str, str] | None = None) -> Response:
        if wants_html(request):
            return views.error_page(request, status, message, errors, headers=headers)
        return JSONResponse(error_payload(status, message, errors), status_code=status, headers=headers)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return _respond(request, exc.status, exc.message, exc.errors, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        message = detail or _STATUS_TEXT.get(exc.status_code, "error")
        if exc.status_code == 404 and detail == "Not Found":
            message = f"no such page or endpoint: {request.url.path}"
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            if detail == "Method Not Allowed":
                message = f"method {request.method} not allowed on {request.url.path}"
            allowed = _allowed_methods(app, request.url.path)
            if allowed:
                headers["Allow"] = ", ".join(allowed)
        if exc.status_code == 400:
            # A body that cannot be parsed (JSON that is not UTF-8 or nested too deeply, broken
            # multipart data) is unusable input, as JSON with a syntax error is: 422.
            return _respond(request, 422, _unreadable_body(detail, exc.__cause__))
        return _respond(request, exc.status_code, message, headers=headers or None)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = []
        for err in exc.errors():
            loc = tuple(err.get("loc", ()))
            if loc == ("body",) or (len(loc) == 2 and loc[0] == "body" and isinstance(loc[1], int)):  # the body as a whole
                status, problem = _body_problem(request, err)
                if status == 415:
                    return _respond(request, 415, problem)
                errors.append(problem)
                continue
            where = ".".join(str(p) for p in loc if p != "body") or "request"
            # A check of ours (a ValueError) in its own words, without pydantic's "Value error, ".
            own = (err.get("ctx") or {}).get("error") if err.get("type") == "value_error" else None
            errors.append(f"{where}: {own if own is not None else err.get('msg', 'invalid')}")
        return _respond(request, 422, "invalid request: " + "; ".join(errors), errors)

    @app.exception_handler(TriangulateError)
    async def _triangulate_error(request: Request, exc: TriangulateError) -> Response:
        status = status_for(exc)
        return _respond(request, status, str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        # Answered outside every middleware (Starlette's error layer): the headers are set here.
        return _respond(request, 500, f"internal server error ({type(exc).__name__})", headers=dict(SECURITY_HEADERS))

    # The last added runs first: the security headers go on every answer, the host and
    # body checks' refusals included.
    app.add_middleware(BodyLimit, max_body=max_body, respond=_respond)
    app.add_middleware(HeadAsGet)
    app.add_middleware(AllowedHosts, hosts=tuple(allowed_hosts))
    app.add_middleware(SecurityHeaders)
    return app


def _body_problem(request: Request, err: Any) -> tuple[int, str]:
    """What is wrong with a request body as a whole: not JSON, missing, or not an object."""
    content_type = request.headers.get("content-type", "")
    if err.get("type") == "json_invalid":
        loc = tuple(err.get("loc", ()))
        where = f" at character {loc[1]}" if len(loc) == 2 else ""
        reason = (err.get("ctx") or {}).get("error", "")
        return 422, f"body: not valid JSON{where}" + (f" ({reason})" if reason else "")
    if err.get("type") == "missing":
        return 422, "body: missing; send a JSON object with `Content-Type: application/json`"
    if isinstance(err.get("input"), (bytes, bytearray)):  # not parsed: not sent as JSON
        sent = f"`{content_type}`" if content_type else "no Content-Type"
        return 415, f"send the body as JSON with `Content-Type: application/json` (it came with {sent})"
    kind = {dict: "an object", list: "a list", str: "a string", bool: "true or false", type(None): "null"}.get(type(err.get("input")), "a number")
    return 422, f"body: must be a JSON object, not {kind}"


def _unreadable_body(detail: str, cause: BaseException | None) -> str:
    """The message of a body the parser gave up on."""
    if isinstance(cause, UnicodeDecodeError):
        return "body: not valid JSON (it is not UTF-8 text)"
    if isinstance(cause, RecursionError):
        return "body: not valid JSON (nested too deeply)"
    return f"the request body cannot be read: {detail.rstrip('.') or 'malformed'}"


def _allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method some route answers at ``path`` (a path can have a GET and a POST route)."""
    from starlette.routing import Match

    methods: set[str] = set()
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        scope: Scope = {"type": "http", "path": path, "method": method, "root_path": "", "headers": []}
        if any(route.matches(scope)[0] == Match.FULL for route in app.routes):
            methods.add(method)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def _warm(service: CorpusService, count: int) -> None:
    """Analyse the newest stories in the background, so their pages and meters are ready."""
    try:
        stories, _ = service.stories(limit=count, min_sources=2)
        for story in stories:
            if service.meter(story) is None:
                service.story_report(story.id)
    except Exception as exc:  # never take the server down for a cache warmer
        log.warning("warming story reports stopped: %s", exc)


def story_key(story: Any) -> tuple[object, ...]:
    """What a story's cached pages and their ETags stand for: the story at its version, in
    the file it was read from (a file put in place under the server has stories of the same
    ids and versions with other articles: their created and updated times tell them apart)."""
    return (story.id, story.version, story.created, story.updated)


def etag_for(*parts: object) -> str:
    """A weak ETag of ``parts`` plus the package version."""
    digest = hashlib.sha1("|".join(str(p) for p in (_VERSION, *parts)).encode()).hexdigest()[:20]
    return f'W/"{digest}"'


def not_modified(request: Request, etag: str) -> Response | None:
    """A 304 when the client's ``If-None-Match`` holds ``etag``.

    The comparison is the weak one (RFC 9110, 13.1.2): ``"x"`` matches ``W/"x"``, as a
    proxy or client that drops the ``W/`` sends it back.
    """
    header = request.headers.get("if-none-match")
    if header and (header.strip() == "*" or _opaque(etag) in [_opaque(t) for t in header.split(",")]):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    return None


def _opaque(tag: str) -> str:
    """An entity tag without its weakness mark: ``W/"x"`` and ``"x"`` are ``"x"``."""
    tag = tag.strip()
    return tag[2:] if tag[:2] in ("W/", "w/") else tag


def cached_response(body: bytes, media_type: str, etag: str, status: int = 200) -> Response:
    return Response(content=body, media_type=media_type, status_code=status, headers={"ETag": etag, "Cache-Control": "no-cache"})


async def cached_page(request: Request, key: tuple[object, ...], media_type: str, build: Callable[[], bytes]) -> Response:
    """A page keyed by ``key``: 304 when the client has it, else from the page cache,
    else built in a worker thread and cached. A cached answer is a dictionary lookup,
    served without a thread hop."""
    from starlette.concurrency import run_in_threadpool

    # The query as written is part of the key: a page echoes it (in its links, in its form),
    # so two spellings of one filter (since=24h, since=1d) are two pages.
    key = (*key, request.url.query)
    etag = etag_for(*key)
    if (hit := not_modified(request, etag)) is not None:
        return hit
    service: CorpusService = request.app.state.service
    body = service.pages.get(key)
    if body is None:
        body = await run_in_threadpool(build)
        service.pages.put(key, body)
    return cached_response(body, media_type, etag)


__all__ = [
    "ApiError",
    "CorpusService",
    "DEFAULT_MAX_BODY",
    "Meter",
    "create_app",
    "error_payload",
    "is_loopback",
]
