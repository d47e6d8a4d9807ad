"""A living corpus: ingest files, archives, pages and feeds; deduplicate; group into stories.

>>> from triangulate.corpus import Corpus
>>> with Corpus.open("news.db") as corpus:                       # doctest: +SKIP
...     summary = corpus.ingest(["articles/", "https://example.com/a"])
...     print(summary.line())
...     for story in corpus.stories(min_sources=2):
...         report = corpus.report(story.id)

The store is SQLite (:mod:`triangulate.corpus.store`); writes go through the
:class:`~triangulate.corpus.ingest.Ingester`; URLs through the
:class:`~triangulate.corpus.fetch.Fetcher`. See docs/corpus.md.
"""

from __future__ import annotations

import difflib
import inspect
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from triangulate.corpus.fetch import FetchFailure, Fetcher, FetchSettings
from triangulate.corpus.feeds import PollResult, canonical_feed_url, feed_url_problem, poll_feed, read_opml
from triangulate.corpus.ingest import Ingester, IngestResult, IngestSummary, iter_inputs
from triangulate.corpus.outlets import Outlet, load_registry, save_registry
from triangulate.corpus.store import FeedInfo, SkipRecord, Store, StoredArticle, StoryInfo, default_db_path, now_iso, split_snippet
from triangulate.errors import InputError, StoreError
from triangulate.models import Article, RawDocument, Report, Skipped, stable_id

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

__all__ = [
    "Article",
    "Corpus",
    "FeedInfo",
    "FetchSettings",
    "IngestResult",
    "IngestSummary",
    "MovedArticles",
    "Outlet",
    "PollResult",
    "RawDocument",
    "SearchHit",
    "StoredArticle",
    "StoryDetail",
    "StoryInfo",
    "default_db_path",
]


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One full-text search result: the article, a snippet of its text, and where in the
    snippet the query matched (``(start, end)`` offsets: brackets in the text stay text)."""

    article: StoredArticle
    text: str
    matches: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, article: StoredArticle, marked: str) -> SearchHit:
        """From a snippet of :meth:`Store.search` (matches wrapped in control characters)."""
        text, matches = split_snippet(marked)
        return cls(article, text, matches)

    def parts(self) -> list[tuple[str, bool]]:
        """The snippet as consecutive (text, is a match) pieces."""
        out: list[tuple[str, bool]] = []
        at = 0
        for start, end in self.matches:
            if start > at:
                out.append((self.text[at:start], False))
            out.append((self.text[start:end], True))
            at = end
        if at < len(self.text):
            out.append((self.text[at:], False))
        return out

    @property
    def snippet(self) -> str:
        """The snippet with each match in ``[brackets]`` (for reading; ``matches`` are exact)."""
        return "".join(f"[{piece}]" if match else piece for piece, match in self.parts())

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.article.to_dict(),
            "snippet": self.snippet,
            "snippet_text": self.text,
            "matches": [list(m) for m in self.matches],
        }


@dataclass(frozen=True, slots=True)
class StoryDetail:
    """A story with its current articles and the corrections among them (articles with several versions)."""

    info: StoryInfo
    articles: tuple[StoredArticle, ...]
    corrections: tuple[StoredArticle, ...] = ()

    @property
    def id(self) -> str:
        return self.info.id

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.info.to_dict(),
            "articles": [a.to_dict() for a in self.articles],
            "corrections": [a.to_dict() for a in self.corrections],
        }


@dataclass(frozen=True, slots=True)
class MovedArticles:
    """What :meth:`Corpus.move_articles` did: the story the articles are in now and the
    stories they left, each as it is after the move (a story left with ``articles == 0``
    was emptied: it is no longer listed, and its report is refused as an emptied story's is)."""

    story: StoryInfo
    #: whether ``story`` was made for them (``to=None``)
    new_story: bool
    #: the current versions that moved, the given ones and the copies taken along, oldest first
    moved: tuple[StoredArticle, ...]
    #: ids among ``moved`` that moved as copies (reprints) of another moved article
    copies: tuple[str, ...] = ()
    #: ids of earlier versions whose story id followed their current version (they are no members)
    versions: tuple[str, ...] = ()
    #: the stories the articles left
    left: tuple[StoryInfo, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "story": self.story.to_dict(),
            "new_story": self.new_story,
            "moved": [a.to_dict() for a in self.moved],
            "copies": list(self.copies),
            "versions": list(self.versions),
            "left": [s.to_dict() for s in self.left],
        }


#: What ``Corpus(..., **ingest_options)`` passes on to :class:`Ingester`.
_INGEST_OPTIONS = frozenset(inspect.signature(Ingester).parameters) - {"self", "store"}


class _LazyEmbedder:
    """Loads an embedding model on first use and shares it between threads.

    ``clustering`` picks the model of story clustering (the int8 MiniLM), else the
    model of the compare reports.
    """

    def __init__(self, model: str | None = None, *, clustering: bool = False) -> None:
        self._model = model
        self._clustering = clustering
        self._inner: Any = None
        self._lock = threading.Lock()

    def _get(self) -> Any:
        with self._lock:
            if self._inner is None:
                from triangulate.embed import load_cluster_embedder, load_embedder

                if self._clustering and self._model is None:
                    self._inner = load_cluster_embedder()
                else:
                    self._inner = load_embedder(self._model)
            return self._inner

    def encode(self, texts: Sequence[str]) -> Any:
        return self._get().encode(texts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)


class Corpus:
    """An open corpus: the library API behind the corpus commands.

    Use :meth:`open` (a context manager). One ``Corpus`` is safe to share between
    threads (writes are serialised); several processes may open one database.

    Args:
        store: an open :class:`Store`.
        allow_private: let the fetcher reach loopback / private addresses (local testing only).
        fetch_settings: fetcher settings (``allow_private`` above wins).
        embedder: a loaded embedder for reports and clustering; otherwise the packaged
            MiniLM (reports) and its int8 version (clustering) are loaded on first use.
        ingest_options: keyword arguments of :class:`~triangulate.corpus.ingest.Ingester`
            (``batch_size``, ``snapshot_every``, ``dedup_settings``, ``cluster_settings``...).
    """

    def __init__(
        self,
        store: Store,
        *,
        allow_private: bool = False,
        fetch_settings: FetchSettings | None = None,
        embedder: Any = None,
        **ingest_options: Any,
    ) -> None:
        unknown = sorted(set(ingest_options) - _INGEST_OPTIONS)
        if unknown:
            # A misspelled option ("batch_sise") would otherwise fail at the first write.
            raise TypeError(f"Corpus got unknown options: {', '.join(unknown)} (see Corpus and Ingester for what it takes)")
        self.store = store
        settings = fetch_settings or FetchSettings()
        if allow_private:
            settings = replace(settings, allow_private=True)
        self.fetch_settings = settings
        self.embedder = embedder if embedder is not None else _LazyEmbedder()
        self.cluster_embedder = embedder if embedder is not None else _LazyEmbedder(clustering=True)
        self._ingest_options = ingest_options
        self._ingester: Ingester | None = None
        self._fetcher: Fetcher | None = None
        self._write_lock = threading.RLock()

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, **options: Any) -> Corpus:
        """Open (creating when needed) the corpus at ``path`` (default ``$TRIANGULATE_DB`` or ``./triangulate.db``).

        Raises:
            StoreError: when the database cannot be opened or migrated.
        """
        store = Store.open(path)
        try:
            return cls(store, **options)
        except BaseException:
            store.close()
            raise

    @property
    def path(self) -> str:
        return self.store.path

    def close(self) -> None:
        """Save index snapshots and close the database and the fetcher."""
        with self._write_lock:
            if self._ingester is not None and self._ingester.loaded:
                try:
                    self._ingester.snapshot()
                except Exception as exc:  # pragma: no cover - a snapshot is an optimisation
                    log.warning("could not save the index snapshot: %s", exc)
            if self._fetcher is not None:
                self._fetcher.close()
                self._fetcher = None
            self.store.close()

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- components ----------------------------------------------------------------

    @property
    def ingester(self) -> Ingester:
        if self._ingester is None:
            self._ingester = Ingester(self.store, embedder=self.cluster_embedder, **self._ingest_options)
        return self._ingester

    @property
    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            self._fetcher = Fetcher(self.fetch_settings)
        return self._fetcher

    def fetch_documents(self, url: str, *, source: str | None = None) -> list[RawDocument] | Skipped:
        """Fetch a URL and read it into documents (an HTML page, a text file, JSON...), or a skip."""
        from triangulate.readers import read_bytes

        try:
            got = self.fetcher.fetch(url)
        except FetchFailure as exc:
            return Skipped(url, exc.reason, exc.detail, "fetch")
        ctype = got.content_type
        kind = "html" if "html" in ctype else "text" if ctype == "text/plain" else None
        docs = read_bytes(
            got.content, origin=got.final_url, url=got.final_url, source=source, kind=kind, max_bytes=self.fetch_settings.max_bytes, charset=got.charset
        )
        if isinstance(docs, Skipped):
            return Skipped(url, docs.reason, docs.detail, docs.stage)
        return [replace(d, fetched=got.fetched) for d in docs]

    # --- writing ---------------------------------------------------------------------

    def add(self, item: RawDocument | Article, *, source: str | None = None) -> IngestResult:
        """Add one document or cleaned article; returns what happened to it.

        Raises:
            TypeError: ``item`` is neither (a path is given to :meth:`ingest`).
        """
        return self.add_many([item], source=source)[0]

    def add_many(self, items: Iterable[RawDocument | Article | Skipped], *, source: str | None = None) -> list[IngestResult]:
        """Add documents / articles (skips are recorded) in batches; one result per item, in order.

        Raises:
            TypeError: an item is none of those, or a field of a document has the wrong type;
                nothing of the call is stored.
        """
        checked = [_checked_item(item) for item in items]
        with self._write_lock:
            return list(self.ingester.add_items(checked, source=source))

    def ingest_iter(
        self, targets: Iterable[str | os.PathLike[str]] | str | os.PathLike[str], *, source: str | None = None
    ) -> Iterator[IngestResult]:
        """Like :meth:`ingest`, yielding each result as soon as its batch is committed.

        Nothing is locked while the caller's loop runs: the corpus's write lock (and
        SQLite's) is held while a batch is written, and released before its results are
        yielded, so other threads of this ``Corpus`` and other processes may write between
        two results (the next batch catches up with what they stored).
        """
        yield from self._ingest_iter(targets, source=source)

    def _ingest_iter(
        self,
        targets: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
        *,
        source: str | None = None,
        on_batch: Callable[[list[IngestResult]], None] | None = None,
    ) -> Iterator[IngestResult]:
        items = iter_inputs(_targets(targets), source=source, fetch=lambda url: self.fetch_documents(url, source=source))
        with self._write_lock:
            ingester = self.ingester
        # The inputs are read (files, archives, URLs) without the lock, and each batch's
        # results are yielded without it: a caller that pauses between them blocks no writer.
        yield from ingester.pipeline(ingester.batches(items), source=source, on_batch=on_batch, lock=self._write_lock)

    def ingest(
        self,
        targets: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
        *,
        source: str | None = None,
        on_result: Callable[[IngestResult], None] | None = None,
    ) -> IngestSummary:
        """Ingest files, folders, globs, WARC archives and URLs.

        Args:
            targets: what to ingest: paths, folders, globs, WARC archives and URLs (one, or several).
            source: outlet name for documents that name none (no source, no URL).
            on_result: called with each result once its batch is committed (progress
                display; an interrupted run has called it for exactly what is stored).

        Returns:
            The counts: new, duplicate, updated, skipped (with reasons).
        """
        started = datetime.now(timezone.utc)
        summary = IngestSummary()

        def counted(results: list[IngestResult]) -> None:
            for result in results:
                summary.count(result)
                if on_result is not None:
                    on_result(result)

        for _ in self._ingest_iter(targets, source=source, on_batch=counted):
            pass
        summary.seconds = (datetime.now(timezone.utc) - started).total_seconds()
        return summary

    # --- reading -----------------------------------------------------------------------

    def stories(
        self,
        *,
        since: str | None = None,
        min_sources: int = 1,
        query: str | None = None,
        outlet: str | None = None,
        limit: int | None = 50,
        offset: int = 0,
    ) -> list[StoryInfo]:
        """Stories, most recently active first (see :meth:`Store.stories`). ``since`` takes ``24h``, ``7d`` or a date;
        ``outlet`` is matched whatever its case and the spaces around it."""
        from triangulate.corpus.store import parse_since

        since_iso = parse_since(since) if since else None
        return self.store.stories(since=since_iso, min_sources=min_sources, query=query, outlet=self.store.outlet_filter(outlet), limit=limit, offset=offset)

    def story(self, story_id: str) -> StoryDetail | None:
        """One story with its current articles (oldest first) and corrections; ``None`` when unknown."""
        info = self.store.story(story_id)
        if info is None:
            return None
        articles = tuple(self.store.articles(story=info.id, limit=None, newest_first=False))
        corrections = tuple(a for a in articles if a.version > 1)
        return StoryDetail(info, articles, corrections)

    def merge_stories(self, into: str, others: Sequence[str] | str) -> StoryDetail:
        """Join stories the clusterer kept apart: every article of ``others`` moves into ``into``.

        Ids may be unique prefixes. The merged ids keep resolving to ``into``, so later
        articles the clusterer places in one of them land in ``into`` too.

        Raises:
            InputError: when a story is unknown, or when nothing is left to merge.
        """
        if isinstance(others, str):
            others = [others]  # one story, not the letters of its id
        # Ids are resolved inside the write transaction: two merges run at once (A into B, B
        # into A) then see each other, and the second has nothing left to merge.
        with self._write_lock, self.store.transaction():
            found: list[str] = []
            for given in (into, *others):
                sid = self.store.resolve_story(given)
                if sid is None:
                    raise InputError(f"{self.store.unknown_id('story', given)} in {self.store.path}; list them with `triangulate stories`", code="E123")
                found.append(sid)
            target = found[0]
            moved = [sid for sid in dict.fromkeys(found[1:]) if sid != target]
            if not moved:
                raise InputError(f"nothing to merge: every story given is already {target}", code="E124")
            self.store.merge_stories(target, moved)
            self.store.refresh_stories([target])
        detail = self.story(target)
        assert detail is not None
        return detail

    def move_articles(self, article_ids: Sequence[str] | str, to: str | None = None, *, copies: bool = True) -> MovedArticles:
        """Take articles out of the story they were wrongly put in: into the story ``to``, or
        (``to=None``) into a new story of their own. The undo of a wrong grouping, by the
        clusterer, a bridging merge or :meth:`merge_stories`.

        Ids may be unique prefixes, of any version of an article. What belongs together moves
        together: every version of the article's URL (corrections are versions of one
        article), and, unless ``copies=False``, its stored copies (wire reprints, light
        rewrites) that are in the same story, with their own versions and copies: a reprint
        belongs with its origin. Moving a copy moves that copy, not the article it copies.
        The stories left and joined are recounted and their cached reports recomputed on
        the next request; a story left without articles is an emptied story. Later copies
        and corrections of a moved article follow it (docs/corpus.md).

        Args:
            article_ids: the articles (ids or unique prefixes of 4+ characters; one string works too).
            to: the story to move them into (id or unique prefix; a merged id means the story
                it was merged into), or ``None`` for a new story, whose id is of the form of
                the clusterer's (16 hex digits, from its earliest article).
            copies: take the articles' copies along (the default).

        Returns:
            Where they went: the story, what moved, and the stories left, after the move.

        Raises:
            ValueError: no article id given.
            InputError: an unknown article (E122) or story (E123); nothing to move (E126):
                every article is in ``to`` already, or (``to=None``) they are their story already.

        Example:
            >>> corpus.move_articles(["3f2a9c01"]).story.id          # doctest: +SKIP
            'b41d0e5a7c2f9e13'
        """
        given_ids = [article_ids] if isinstance(article_ids, str) else list(article_ids)
        if not given_ids:
            raise ValueError("move_articles needs at least one article id")
        store = self.store
        # As for a merge, everything is read inside the write transaction: two moves at once
        # see each other's result.
        with self._write_lock, store.transaction():
            given: list[StoredArticle] = []
            for aid in given_ids:
                art = store.article(aid, full=False)
                if art is None:
                    raise InputError(f"{store.unknown_id('article', aid)} in {store.path}; list them with `triangulate articles`", code="E122")
                given.append(art)
            target: str | None = None
            if to is not None:
                target = store.resolve_story(to)
                if target is None:
                    raise InputError(f"{store.unknown_id('story', to)} in {store.path}; list them with `triangulate stories`", code="E123")
            members, earlier, taken = self._moving(given, copies=copies)
            home = store.resolve_stories(sorted({m.story_id for m in members if m.story_id}))
            source = {m.id: home.get(m.story_id or "", None) for m in members}
            shown = ", ".join(a.id for a in given[:3]) + (", ..." if len(given) > 3 else "")
            if target is not None:
                members = [m for m in members if source[m.id] != target]
                if not members:
                    raise InputError(f"nothing to move: {shown} already in story {target}", code="E126")
            else:
                stories = {source[m.id] for m in members}
                only = next(iter(stories)) if len(stories) == 1 else None
                if only is not None and store.count_articles(story=only) == len(members):
                    raise InputError(
                        f"nothing to move: {shown} and what moves with them are the whole of story {only} already; "
                        "give --to STORY to move them into another",
                        code="E126",
                    )
                target = self._new_story_id(members[0].id)
            moved_keys = {m.url_key for m in members}
            earlier = [v for v in earlier if v.url_key in moved_keys]
            left = store.move_articles([m.id for m in members] + [v.id for v in earlier], target)
            store.refresh_stories([target, *left])
        story = store.story(target)
        assert story is not None
        after = tuple(info for info in (store.story(sid) for sid in left) if info is not None)
        moved = tuple(a for a in (store.article(m.id, full=False) for m in members) if a is not None)
        return MovedArticles(
            story=story,
            new_story=to is None,
            moved=moved,
            copies=tuple(m.id for m in members if m.id in taken),
            versions=tuple(v.id for v in earlier),
            left=after,
        )

    def _moving(self, given: Sequence[StoredArticle], *, copies: bool) -> tuple[list[StoredArticle], list[StoredArticle], set[str]]:
        """What moves with ``given``: the current versions (oldest first), the earlier versions,
        and the ids of the current versions taken along as copies."""
        store = self.store
        versions_of: dict[str, list[StoredArticle]] = {}

        def versions(key: str) -> list[StoredArticle]:
            if key not in versions_of:
                versions_of[key] = store.versions(key)
            return versions_of[key]

        def current(key: str) -> StoredArticle:
            found = versions(key)
            return next((v for v in found if v.current), found[-1])

        def story(art: StoredArticle) -> str | None:
            return store.resolve_story(art.story_id) if art.story_id else None

        members: dict[str, StoredArticle] = {}  # url key -> current version
        taken: set[str] = set()
        queue = [a.url_key for a in given]
        while queue:
            key = queue.pop(0)
            if key in members:
                continue
            head = members[key] = current(key)
            if not copies:
                continue
            home = story(head)
            for version in versions(key):
                for copy_id, _, _ in store.copies_of(version.id):
                    copy = store.article(copy_id, full=False)
                    if copy is None or copy.url_key in members:
                        continue
                    copy_head = current(copy.url_key)
                    # A copy that is elsewhere (moved there on purpose) stays where it is.
                    if story(copy_head) == home:
                        taken.add(copy_head.id)
                        queue.append(copy.url_key)
        heads = sorted(members.values(), key=lambda a: a.seq)
        taken -= {a.id for a in heads if a.url_key in {g.url_key for g in given}}
        earlier = [v for key in members for v in versions(key) if v.id != members[key].id]
        return heads, sorted(earlier, key=lambda a: a.seq), taken

    def _new_story_id(self, article_id: str) -> str:
        """A story id of the clusterer's form for a story started by ``article_id``, not yet taken
        (the article may have started the story it leaves, which has that id)."""
        sid = stable_id("story", article_id)
        n = 0
        while self.store._one("SELECT 1 FROM stories WHERE id = ?", (sid,)) is not None:
            n += 1
            sid = stable_id("story", article_id, f"moved {n}")
        return sid

    def report(self, story_id: str, *, refresh: bool = False, max_articles: int | None = None) -> Report:
        """The compare report of a story, cached until the story gains (or loses) articles.

        Raises:
            InputError: when the story is unknown.
        """
        from triangulate.compare import DEFAULT_MAX_ARTICLES, compare_articles
        from triangulate.report_json import report_from_dict

        info = self.store.story(story_id)
        if info is None:
            raise InputError(f"{self.store.unknown_id('story', story_id)} in {self.store.path}; list them with `triangulate stories`", code="E123")
        if not refresh:
            cached = self.store.cached_report(info.id)
            if cached is not None:
                try:
                    return report_from_dict(cached)
                except Exception as exc:  # an old or damaged cache entry is recomputed
                    log.info("cached report of %s unreadable (%s): recomputing", info.id, exc)
        stored = self.store.articles(story=info.id, limit=None, full=True, newest_first=False)
        cap = max_articles or DEFAULT_MAX_ARTICLES
        if len(stored) > cap:
            # Keep originals before reprints, then the earliest: a big story's report stays bounded.
            stored = sorted(stored, key=lambda a: (a.duplicate_of is not None, a.published or a.added, a.seq))[:cap]
            stored.sort(key=lambda a: (a.published or a.added, a.seq))
        if not stored:
            raise InputError(f"story {info.id} has no articles", code="E121")
        report = compare_articles([a.to_article() for a in stored], embedder=self.embedder)
        if info.title:  # the story's one title (its earliest original article's), as `stories` lists it
            report = replace(report, title=info.title)
        # As the cache keeps it: a story's report carries no raw inputs (`Corpus.article(id).raw`
        # has them), so the second call answers what the first did.
        report = replace(report, articles=tuple(replace(a, raw="") for a in report.articles))
        try:
            self.store.save_report(info.id, info.version, report.to_dict())
        except StoreError as exc:  # a read-only or full database: the report is still the answer
            if exc.code not in ("E505", "E512"):
                raise
            log.warning("report of story %s not cached: %s", info.id, exc)
        return report

    def articles(
        self,
        *,
        story: str | None = None,
        outlet: str | None = None,
        since: str | None = None,
        include_superseded: bool = False,
        limit: int | None = 50,
        offset: int = 0,
    ) -> list[StoredArticle]:
        """Articles, newest first; ``outlet`` is matched whatever its case and the spaces around it."""
        from triangulate.corpus.store import parse_since

        sid = self.store.resolve_story(story) if story else None
        if story and sid is None:
            return []
        return self.store.articles(
            story=sid, outlet=self.store.outlet_filter(outlet), since=parse_since(since) if since else None,
            include_superseded=include_superseded, limit=limit, offset=offset,
        )

    def article(self, article_id: str) -> StoredArticle | None:
        """One article version with its raw input, cleaned text and removed boilerplate (id or unique prefix)."""
        return self.store.article(article_id, full=True)

    def versions(self, article_id: str) -> list[StoredArticle]:
        """Every version stored at the URL of an article, oldest first."""
        art = self.store.article(article_id, full=False)
        return self.store.versions(art.url_key, full=True) if art else []

    def diff(self, article_id: str, *, against: str | None = None, context: int = 2) -> str:
        """A unified diff (by sentence lines) from the previous version of an article to this one.

        Returns an empty string for a first version with nothing to compare.
        """
        from triangulate.text import split_sentences

        art = self.article(article_id)
        if art is None:
            raise InputError(self.store.unknown_id("article", article_id), code="E122")
        if against is not None:
            old = self.article(against)
        else:
            older = [v for v in self.store.versions(art.url_key, full=True) if v.version < art.version]
            old = older[-1] if older else None
        if old is None:
            return ""

        def lines(a: StoredArticle) -> list[str]:
            out = [a.title, ""]
            for para in a.text.split("\n\n"):
                out.extend(split_sentences(para) or [para])
                out.append("")
            return out

        return "\n".join(
            difflib.unified_diff(
                lines(old), lines(art), fromfile=f"v{old.version} {old.id}", tofile=f"v{art.version} {art.id}", n=context, lineterm=""
            )
        )

    def search(self, query: str, *, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        """Full-text search (FTS5) over titles and cleaned text, best first."""
        return [SearchHit.of(a, s) for a, s in self.store.search(query, limit=limit, offset=offset)]

    def outlets(self) -> list[dict[str, Any]]:
        """Outlets with counts (articles, stories, reprints) and their registry entry."""
        return self.store.outlet_counts()

    def skips(self, *, limit: int = 50, reason: str | None = None) -> list[SkipRecord]:
        """The most recent recorded skips."""
        return self.store.skips(limit=limit, reason=reason)

    def stats(self) -> dict[str, int]:
        return self.store.stats()

    # --- outlet registry ------------------------------------------------------------------

    def registry(self) -> list[Outlet]:
        return [Outlet(n, d, c, k) for n, d, c, k in self.store.registry()]

    def load_registry(self, path: str | os.PathLike[str], *, replace_all: bool = False) -> int:
        """Load (merge, or replace) outlet registry entries from a TOML/JSON file; returns how many."""
        outlets = load_registry(path)
        with self._write_lock:
            with self.store.transaction():
                if replace_all:
                    self.store.conn.execute("DELETE FROM outlets")
                self.store.upsert_outlets((o.name, o.domain, o.country, o.kind) for o in outlets)
            if self._ingester is not None:
                self._ingester.reload_registry()
        return len(outlets)

    def set_outlet(self, outlet: Outlet) -> None:
        """Add or replace one registry entry."""
        with self._write_lock:
            self.store.upsert_outlets([(outlet.name, outlet.domain, outlet.country, outlet.kind)])
            if self._ingester is not None:
                self._ingester.reload_registry()

    def save_registry(self, path: str | os.PathLike[str]) -> int:
        """Write the registry to a TOML/JSON file (format from the suffix); returns how many entries."""
        outlets = self.registry()
        save_registry(path, outlets)
        return len(outlets)

    # --- feeds ------------------------------------------------------------------------------

    def add_feed(self, url: str, *, title: str = "") -> bool:
        """Follow a feed under its canonical URL (``False`` if already followed).

        Raises:
            InputError: when ``url`` is not an http(s) URL with a host name (E112).
        """
        canonical = canonical_feed_url(url)
        legacy = _legacy_feed_url(url)
        if legacy != canonical and self.store.rename_feed(legacy, canonical):
            return False  # followed already, under the query spelling of an older version: fetched as given from now on
        return self.store.add_feed(canonical, title=title)

    def remove_feed(self, url: str) -> bool:
        """Stop following a feed, given as followed or in any spelling of its canonical URL."""
        given = url.strip()
        if self.store.remove_feed(given):
            return True
        if feed_url_problem(given) is not None:
            return False
        return self.store.remove_feed(canonical_feed_url(given)) or self.store.remove_feed(_legacy_feed_url(given))

    def feeds(self) -> list[FeedInfo]:
        return self.store.feeds()

    def import_opml(self, path: str | os.PathLike[str]) -> tuple[int, int, tuple[tuple[str, str], ...]]:
        """Follow every feed of an OPML file: (added, already followed, outlines skipped as (xmlUrl, why))."""
        listed = read_opml(path)
        added = known = 0
        for url, title in listed.feeds:
            if self.store.add_feed(url, title=title):
                added += 1
            else:
                known += 1
        return added, known, listed.skipped

    def poll(
        self,
        *,
        due_only: bool = True,
        interval: float = 900.0,
        follow: bool = True,
        source: str | None = None,
        on_result: Callable[[IngestResult], None] | None = None,
        on_poll: Callable[[PollResult], None] | None = None,
    ) -> list[PollResult]:
        """Poll the feeds (those due, or all) once and ingest new entries; ``on_poll`` gets each
        feed's result as soon as that feed is done."""
        feeds = self.store.due_feeds(now_iso()) if due_only else self.store.feeds()
        out: list[PollResult] = []

        def ingest(batch: Sequence[RawDocument | Skipped]) -> list[IngestResult]:
            results = self.add_many(batch, source=source)
            if on_result is not None:
                for r in results:
                    on_result(r)
            return results

        for feed in feeds:
            out.append(poll_feed(self.store, self.fetcher, feed, ingest=ingest, interval=interval, follow=follow))
            if on_poll is not None:
                on_poll(out[-1])
        return out

    def watch(
        self,
        *,
        interval: float = 900.0,
        once: bool = False,
        stop: threading.Event | None = None,
        on_poll: Callable[[PollResult], None] | None = None,
        on_result: Callable[[IngestResult], None] | None = None,
        follow: bool = True,
    ) -> int:
        """Poll feeds until ``stop`` is set (or once); returns the number of polls made.

        While watching, a database that another process keeps busy past the store's
        timeout (a long ingest, a ``VACUUM``, a backup) is logged and tried again a
        minute later (or at ``interval``, when shorter); ``once`` raises it.
        """
        stop = stop or threading.Event()
        polls = 0
        while not stop.is_set():
            try:
                # Each feed's line as soon as it is polled: a poll stopped at a later feed
                # (Ctrl-C, a busy database) still tells what the earlier ones stored.
                results = self.poll(due_only=not once, interval=interval, follow=follow, on_result=on_result, on_poll=on_poll)
                polls += len(results)
                if once:
                    break
                if self._ingester is not None and self._ingester.loaded:
                    self._ingester.snapshot()
            except StoreError as exc:
                if once or not _busy(exc):
                    raise
                log.warning("%s: trying again in %.0f s", exc, min(interval, 60.0))
                stop.wait(min(interval, 60.0))
                continue
            stop.wait(self._seconds_to_next_poll(interval))
        return polls

    def _seconds_to_next_poll(self, interval: float) -> float:
        from triangulate.times import parse_time

        times = [parse_time(f.next_poll) for f in self.store.feeds()]
        known = [t for t in times if t is not None]
        if not known:
            return min(interval, 60.0) if not times else 1.0
        wait = (min(known) - datetime.now(timezone.utc)).total_seconds()
        return max(1.0, min(wait, interval))


def _busy(exc: StoreError) -> bool:
    """Whether a store error is another process holding the write lock (worth waiting for)."""
    return exc.code == "E512"


def _legacy_feed_url(url: str) -> str:
    """How a feed URL was stored before its query was kept as written: re-encoded (``?rss`` as ``?rss=``)."""
    from triangulate.corpus.ingest import canonical_url

    return canonical_url(url) or url.strip()


def _targets(targets: Iterable[str | os.PathLike[str]] | str | os.PathLike[str]) -> list[str | os.PathLike[str]]:
    """What :meth:`Corpus.ingest` takes: one path or URL, or several (never a string's letters)."""
    if isinstance(targets, (str, os.PathLike)):
        return [targets]
    if targets is None or isinstance(targets, (bytes, bytearray)):
        what = "None" if targets is None else f"{type(targets).__name__} (decode a path given as bytes: os.fsdecode(path))"
        raise TypeError(f"Corpus.ingest takes paths, globs or URLs (a list, or one string), not {what}")
    out = list(targets)
    bad = [t for t in out if not isinstance(t, (str, os.PathLike))]
    if bad:
        raise TypeError(f"Corpus.ingest takes paths, globs or URLs as strings or Paths, not {type(bad[0]).__name__}: {bad[0]!r}")
    return out


_DOC_TEXT_FIELDS = ("origin", "content", "kind")
_DOC_OPTIONAL_FIELDS = ("source", "url", "title", "published", "fetched")


def _checked_item(item: object) -> RawDocument | Article | Skipped:
    """``item`` when it is something :meth:`Corpus.add_many` stores; a clear TypeError if not."""
    if isinstance(item, (Article, Skipped)):
        return item
    if not isinstance(item, RawDocument):
        hint = " (to read a file or a URL, use Corpus.ingest)" if isinstance(item, (str, os.PathLike)) else ""
        raise TypeError(f"Corpus.add takes a RawDocument or an Article, not {type(item).__name__}{hint}")
    for name in _DOC_TEXT_FIELDS:
        if not isinstance(getattr(item, name), str):
            raise TypeError(f"RawDocument.{name} must be a str, not {type(getattr(item, name)).__name__}")
    for name in _DOC_OPTIONAL_FIELDS:
        value = getattr(item, name)
        if value is not None and not isinstance(value, str):
            raise TypeError(f"RawDocument.{name} must be a str or None, not {type(value).__name__}")
    if isinstance(item.authors, str) or not all(isinstance(a, str) for a in item.authors):
        raise TypeError("RawDocument.authors must be a tuple of names (str), e.g. ('Ana Holt',)")
    if item.kind not in ("text", "html", "markdown"):
        raise TypeError(f"RawDocument.kind must be 'text', 'html' or 'markdown', not {item.kind!r}")
    return item
