"""The corpus database: SQLite in WAL mode, one writer, named migrations, FTS5.

:class:`Store` is the data layer only: it knows tables and rows, not cleaning,
deduplication or clustering (those live in :mod:`triangulate.corpus.ingest`).
All writes of one batch go through :meth:`Store.transaction`, an explicit
``BEGIN IMMEDIATE`` transaction, so a killed process leaves the database either
before or after a batch and readers never see half of one. WAL with
``synchronous=NORMAL`` means a commit does not fsync; a power cut can lose the
last batches but never corrupts the file (sqlite.org/wal.html).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from triangulate.corpus.migrations import check_database, migrate, pending
from triangulate.errors import StoreError
from triangulate.models import Article, Removed, Skipped
from triangulate.times import parse_time

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

#: Environment variable naming the default database.
DB_ENV = "TRIANGULATE_DB"
DEFAULT_DB = "triangulate.db"
#: The message of an empty database path (``--db ""``, ``TRIANGULATE_DB=``).
EMPTY_DB_PATH = "no corpus database named: give a file path (--db PATH or $TRIANGULATE_DB)"


def default_db_path() -> Path:
    """``$TRIANGULATE_DB`` when set, else ``./triangulate.db``.

    Raises:
        StoreError: ``E504`` when ``$TRIANGULATE_DB`` is set but empty, as ``--db ""`` is
            refused (it names no database; ``./triangulate.db`` is not what was asked for).
    """
    value = os.environ.get(DB_ENV)
    if value is not None and not value.strip():
        raise StoreError(EMPTY_DB_PATH, code="E504")
    return Path(value or DEFAULT_DB)


def now_iso() -> str:
    """The current UTC time as an ISO 8601 string with seconds."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _is_busy(exc: sqlite3.Error) -> bool:
    """Whether SQLite refused because another connection holds a lock (SQLITE_BUSY or
    SQLITE_LOCKED), not because the file cannot be written."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return "locked" in str(exc) or "busy" in str(exc)
    return (code & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


#: What SQLite says of a full-text index (a virtual table) whose tables are damaged or gone:
#: an FTS5 table that cannot be built from its shadow tables, or whose format record is wrong.
_INDEX_DAMAGED = re.compile(r"vtable constructor failed|invalid fts5 file format|fts5: corrupt")


def damaged(exc: BaseException) -> bool:
    """Whether an SQLite error says the database file is damaged (or not a database),
    its full-text index included."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and (code & 0xFF) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return True  # SQLITE_CORRUPT_VTAB ("vtable constructor failed") too
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text or bool(_INDEX_DAMAGED.search(text))


def damaged_message(path: str, exc: BaseException) -> str:
    return (
        f"the corpus database {path} is damaged ({exc}). Check it with "
        f"`sqlite3 {path} 'PRAGMA integrity_check'`, save what is left with `sqlite3 {path} .recover`, "
        "or restore a backup"
    )


def _cannot_open_here(exc: sqlite3.Error) -> bool:
    """Whether SQLite could not open or read the file as asked for reasons of where it is
    (a file or folder that cannot be written, a ``-shm`` that cannot be created), so that
    another way of opening it may work."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return bool(re.search(r"unable to open|readonly|read-only", str(exc)))
    return (code & 0xFF) in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM)


#: SQLite errors that say the file cannot take writes (permissions, a full disk, I/O), not a bug.
_WRITE_REFUSED = re.compile(r"readonly|read-only|disk is full|disk I/O error", re.I)

#: What the store's search wraps matches in: control characters that cleaned text does not hold.
MATCH_START, MATCH_END = "\x02", "\x03"


def split_snippet(marked: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A snippet of :meth:`Store.search` as (plain text, (start, end) of each match in it).

    A stray marker (one without its partner) is dropped.
    """
    text: list[str] = []
    matches: list[tuple[int, int]] = []
    size = 0
    start: int | None = None
    for piece in re.split(f"([{MATCH_START}{MATCH_END}])", marked):
        if piece == MATCH_START:
            start = size
        elif piece == MATCH_END:
            if start is not None and size > start:
                matches.append((start, size))
            start = None
        elif piece:
            text.append(piece)
            size += len(piece)
    return "".join(text), tuple(matches)


_RELATIVE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")


#: The files already said to be open immutable in this process.
_IMMUTABLE_TOLD: set[str] = set()
_IMMUTABLE_LOCK = threading.Lock()


def missing_corpus(path: str) -> StoreError | None:
    """E508 when a command that only reads is pointed at no corpus: no file at ``path``, or
    an empty one (which opening would turn into a new, empty corpus); None otherwise."""
    if path == ":memory:" or not path.strip():
        return None  # opening says what is wrong with an empty path (E504)
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        return StoreError(f"no corpus database at {path}: create one with `triangulate ingest PATH... --db {path}`", code="E508")
    except OSError:
        return None  # opening it says what is wrong
    if size == 0 and Path(path).is_file():
        return StoreError(f"no corpus database at {path}: it is an empty file (a corpus is made by `triangulate ingest PATH... --db {path}`)", code="E508")
    return None


def parse_since(value: str) -> str:
    """``--since`` values: an ISO date/time or a relative age such as ``30m``, ``24h``, ``7d``, ``2w``.

    Returns a UTC ISO string comparable with stored times.

    Raises:
        ValueError: when the value is neither.
    """
    match = _RELATIVE.match(value)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        try:
            delta = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount), "w": timedelta(weeks=amount)}[unit]
            return (datetime.now(timezone.utc) - delta).isoformat(timespec="seconds")
        except OverflowError:  # an age older than the calendar: everything
            return datetime.min.replace(tzinfo=timezone.utc).isoformat(timespec="seconds")
    digits = value.strip()
    # A bare number is a date only as YYYYMMDD; 1733011200 is not the year 1733 (nor, here, a Unix time).
    dt = None if digits.isdigit() and len(digits) != 8 else parse_time(value)
    if dt is None:
        raise ValueError(f"not a date or an age like 24h / 7d: {value!r}")
    return dt.isoformat(timespec="seconds")


# --- records ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """One stored article version with its metadata (``text``/``raw``/``removed`` only when loaded)."""

    seq: int
    id: str
    outlet: str
    title: str
    url: str | None
    canonical_url: str | None
    url_key: str
    version: int
    superseded_by: str | None
    origin: str
    kind: str
    language: str | None
    dateline: str | None
    published: str | None
    fetched: str | None
    added: str
    content_hash: str
    story_id: str | None
    authors: tuple[str, ...] = ()
    text: str = ""
    raw: str = ""
    removed: tuple[Removed, ...] = ()
    duplicate_of: str | None = None
    duplicate_kind: str | None = None
    similarity: float | None = None

    @property
    def current(self) -> bool:
        """Whether this is the newest version of its URL."""
        return self.superseded_by is None

    def to_article(self) -> Article:
        """The stored version as an :class:`Article` (paragraphs split at blank lines)."""
        paragraphs = tuple(p for p in self.text.split("\n\n") if p.strip())
        return Article(
            id=self.id,
            outlet=self.outlet,
            title=self.title,
            paragraphs=paragraphs,
            removed=self.removed,
            url=self.url,
            published=self.published,
            authors=self.authors,
            dateline=self.dateline,
            origin=self.origin,
            raw=self.raw,
            kind=self.kind,
            language=self.language,
        )

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """Plain JSON-ready dict; ``full`` adds the text, raw input and removed boilerplate."""
        out: dict[str, Any] = {
            "id": self.id,
            "outlet": self.outlet,
            "title": self.title,
            "url": self.url,
            "canonical_url": self.canonical_url,
            "version": self.version,
            "current": self.current,
            "superseded_by": self.superseded_by,
            "origin": self.origin,
            "kind": self.kind,
            "language": self.language,
            "published": self.published,
            "fetched": self.fetched,
            "added": self.added,
            "authors": list(self.authors),
            "story_id": self.story_id,
            "content_hash": self.content_hash,
            "duplicate_of": self.duplicate_of,
            "duplicate_kind": self.duplicate_kind,
            "similarity": self.similarity,
        }
        if full:
            out["text"] = self.text
            out["raw"] = self.raw
            out["removed"] = [{"text": r.text, "reason": r.reason} for r in self.removed]
        return out


@dataclass(frozen=True, slots=True)
class StoryInfo:
    """A story of the corpus: its counts, time span and outlets."""

    id: str
    title: str
    created: str
    updated: str
    first_published: str | None
    last_published: str | None
    articles: int
    outlets: int
    sources: int
    version: int
    outlet_names: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "created": self.created,
            "updated": self.updated,
            "first_published": self.first_published,
            "last_published": self.last_published,
            "articles": self.articles,
            "outlets": self.outlets,
            "independent_sources": self.sources,
            "outlet_names": list(self.outlet_names),
            "version": self.version,
        }


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """A followed feed and its polling state."""

    url: str
    title: str
    added: str
    etag: str | None
    last_modified: str | None
    last_polled: str | None
    last_status: str | None
    last_error: str | None
    error_count: int
    next_poll: str | None
    #: True when the title was given by the user (kept), False when it is the feed's own (followed).
    title_given: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def _feed_info(row: Sequence[Any]) -> FeedInfo:
    url, title, added, etag, last_modified, last_polled, last_status, last_error, error_count, next_poll, given = row
    return FeedInfo(url, title, added, etag, last_modified, last_polled, last_status, last_error, error_count, next_poll, bool(given))


@dataclass(frozen=True, slots=True)
class SkipRecord:
    """A stored skip: an input that could not be used, and why."""

    id: int
    origin: str
    reason: str
    detail: str
    stage: str
    time: str

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """Everything :meth:`Store.insert_articles` writes for one new article version."""

    id: str
    url_key: str
    version: int
    outlet: str
    title: str
    authors: tuple[str, ...]
    url: str | None
    canonical_url: str | None
    origin: str
    kind: str
    language: str | None
    dateline: str | None
    published: str | None
    fetched: str | None
    added: str
    content_hash: str
    raw_hash: str
    raw: str
    text: str
    removed: tuple[Removed, ...]
    story_id: str | None = None


#: The columns of a story_articles row after its story id (what a membership carries along).
_MEMBER_FIELDS = "article_id, added, seq, outlet, published, sort_time, titled, of_id"
_MEMBER_COLUMNS = f"story_id, {_MEMBER_FIELDS}"

_ARTICLE_COLS = (
    "a.seq, a.id, a.outlet, a.title, a.url, a.canonical_url, a.url_key, a.version, a.superseded_by, "
    "a.origin, a.kind, a.language, a.dateline, a.published, a.fetched, a.added, a.content_hash, a.story_id, "
    "a.authors, d.of_id, d.kind, d.similarity"
)
_ARTICLE_FULL = _ARTICLE_COLS + ", a.text, a.raw, a.removed"
_ARTICLE_FROM = "articles a LEFT JOIN duplicates d ON d.article_id = a.id"


def _article(row: Sequence[Any], *, full: bool = False) -> StoredArticle:
    removed: tuple[Removed, ...] = ()
    text = raw = ""
    if full:
        text, raw = row[22], row[23]
        removed = tuple(Removed(text=r.get("text", ""), reason=r.get("reason", "")) for r in json.loads(row[24] or "[]"))
    return StoredArticle(
        seq=row[0],
        id=row[1],
        outlet=row[2],
        title=row[3],
        url=row[4],
        canonical_url=row[5],
        url_key=row[6],
        version=row[7],
        superseded_by=row[8],
        origin=row[9],
        kind=row[10],
        language=row[11],
        dateline=row[12],
        published=row[13],
        fetched=row[14],
        added=row[15],
        content_hash=row[16],
        story_id=row[17],
        authors=tuple(json.loads(row[18] or "[]")),
        duplicate_of=row[19],
        duplicate_kind=row[20],
        similarity=row[21],
        text=text,
        raw=raw,
        removed=removed,
    )


_STORY_COLS = "s.id, s.title, s.created, s.updated, s.first_published, s.last_published, s.articles, s.outlets, s.sources, s.version"


def _text_query(query: str) -> _TextQuery | None:
    """Turn what a user types into a safe FTS5 query.

    Every term must match (``AND`` between two terms says so again), the last plain word as a
    prefix (and any word typed with a ``*`` at its end); ``"port strike"`` in quotes is a phrase;
    ``OR`` between two terms takes either; ``-word`` (or ``NOT word``) leaves out what has it.
    A term written with punctuation ("6.5%", "3,500", "Halden's", "C++") is the phrase of its
    parts, found as written, so "6.5%" finds 6.5 and not every text with a 6 and a 5, and "C++"
    does not find every word that starts with a c. Anything else the FTS5 syntax would read
    (parentheses, ``NEAR``, column filters) is taken as words.

    A term in Chinese or Japanese (or Hangul) is looked up in the side index of those
    scripts (:func:`cjk_bigrams`): ``罢工`` is found inside ``工人星期一开始罢工``. None
    when there is nothing to look for.
    """
    groups: list[list[tuple[str, str]]] = []  # (index, term): terms ANDed; each group's members ORed
    excluded: list[tuple[str, str]] = []
    needles: list[str] = []  # what a snippet made in Python marks
    last_plain: tuple[int, int] | None = None  # where the last unquoted term sits, for its prefix
    joining = negate = False
    for minus, quoted, word in re.findall(r'(-?)"([^"]*)"?|(\S+)', query):
        if word in ("OR", "|") and groups:
            joining = True
            continue
        if word == "NOT":
            negate = True
            continue
        if word == "AND" and groups:
            continue
        text = quoted if not word else word
        if minus or (word.startswith("-") and len(word) > 1):
            negate, text = True, text if minus else word[1:]
        parts = re.findall(r"[^\W_]+", text, flags=re.UNICODE)
        if not parts:
            joining = negate = False
            continue
        runs = _CJK_RUN.findall(text)
        if runs:
            # Chinese or Japanese: the side index, whole words or not (see cjk_bigrams).
            item = (_CJK, " AND ".join(_cjk_term(run) for run in runs))
            plain = True
        else:
            # Only a plain word is a prefix: a phrase, or a word written with punctuation
            # ("6.5" is not "6.55", "C++" is not "cargo"), is found as written.
            plain = not word or len(parts) > 1 or not re.fullmatch(r"-?[^\W_]+\*?", word)
            item = (_WORDS, '"' + " ".join(parts) + '"')
            if word.endswith("*") and not plain:
                item = (_WORDS, item[1] + "*")
                plain = True  # a prefix already
        term = item
        if not negate:
            needles.extend(runs or parts)
        if negate:
            excluded.append(term)
        elif joining:
            groups[-1].append(term)
            last_plain = None if plain else (len(groups) - 1, len(groups[-1]) - 1)
        else:
            groups.append([term])
            last_plain = None if plain else (len(groups) - 1, 0)
        joining = negate = False
    if not groups:
        return None  # nothing to look for: what to leave out alone finds nothing
    if last_plain is not None:
        g, i = last_plain
        groups[g][i] = (groups[g][i][0], groups[g][i][1] + "*")
    return _TextQuery(tuple(tuple(g) for g in groups), tuple(excluded), tuple(needles))


_WORDS, _CJK = "articles_fts", "articles_cjk"
#: Chinese characters, Japanese kana and Hangul: scripts written without spaces between
#: words (and Korean words, which take their particles in the same word).
_CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
#: A run of those characters, with the Latin letters and digits written against it ("5月",
#: "2024年", "C罗", "GDP增长"): the word index holds such a run as one word too.
_CJK_RUN = re.compile(f"[0-9A-Za-z]*(?:[{_CJK_CHARS}]+[0-9A-Za-z]*)+")


def has_cjk(text: str | None) -> bool:
    """Whether ``text`` has Chinese, Japanese or Hangul characters (and so rows in the side index)."""
    return bool(_CJK_RUN.search(text or ""))


def cjk_bigrams(text: str | None) -> str:
    """The words of ``text``'s side index: every pair of neighbouring characters of each run of
    Chinese, Japanese or Hangul characters (with the Latin letters and digits written against
    it), and the run's last character, space-separated.

    The search index splits text at spaces and punctuation, which these scripts do not
    write between words: a sentence would be one word. Indexed by pairs, a word of any
    length is the phrase of its pairs, found wherever it stands.

    >>> cjk_bigrams("上海港口的工人, and more")
    '上海 海港 港口 口的 的工 工人 人'
    """
    out: list[str] = []
    for run in _CJK_RUN.findall(text or ""):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
        out.append(run[-1])
    return " ".join(out)


def _cjk_term(run: str) -> str:
    """The side index's query of one run: the phrase of its pairs (one character: any pair it starts)."""
    if len(run) == 1:
        return f'"{run}"*'
    return '"' + " ".join(run[i : i + 2] for i in range(len(run) - 1)) + '"'


@dataclass(frozen=True, slots=True)
class _TextQuery:
    """A search: groups of (index, FTS5 term) ANDed, each group's terms ORed, then the terms to leave out."""

    groups: tuple[tuple[tuple[str, str], ...], ...]
    excluded: tuple[tuple[str, str], ...]
    needles: tuple[str, ...] = ()  # the words and runs looked for, as typed

    def snippet(self, text: str, *, before: int = 30, after: int = 90) -> str:
        """A snippet of ``text`` around the first thing looked for, each one marked as
        ``snippet()`` of the word index marks its matches (for a search that used the side index)."""
        if not self.needles:
            return text[: before + after]
        pattern = re.compile("|".join(re.escape(n) for n in sorted(set(self.needles), key=len, reverse=True)), re.IGNORECASE)
        first = pattern.search(text)
        if first is None:
            return text[: before + after] + (" … " if len(text) > before + after else "")
        lo, hi = max(0, first.start() - before), min(len(text), first.start() + after)
        marked = pattern.sub(lambda m: f"{MATCH_START}{m.group(0)}{MATCH_END}", text[lo:hi])
        return ("… " if lo else "") + marked + (" … " if hi < len(text) else "")

    @property
    def words_only(self) -> str | None:
        """The one MATCH expression of the word index when every term is in it, else None."""
        if any(index != _WORDS for group in self.groups for index, _ in group) or any(i != _WORDS for i, _ in self.excluded):
            return None
        text = " AND ".join(g[0][1] if len(g) == 1 else "(" + " OR ".join(t for _, t in g) + ")" for g in self.groups)
        return text + "".join(f" NOT {term}" for _, term in self.excluded)

    def condition(self, column: str) -> tuple[str, list[str]]:
        """A WHERE condition on ``column`` (an article's ``seq``) over both indexes, and its parameters."""
        params: list[str] = []

        def found_in(terms: Sequence[tuple[str, str]]) -> str:
            ors = []
            for index in (_WORDS, _CJK):
                mine = [t for i, t in terms if i == index]
                if mine:
                    ors.append(f"{column} IN (SELECT rowid FROM {index} WHERE {index} MATCH ?)")
                    params.append(" OR ".join(mine))
            return ors[0] if len(ors) == 1 else "(" + " OR ".join(ors) + ")"

        parts = [found_in(group) for group in self.groups]
        if self.excluded:
            parts.append(f"NOT {found_in(self.excluded)}")
        return " AND ".join(parts), params


# A member of a story that is not a copy of another member of the same story (a copy of
# an article elsewhere is this story's own source). ``sa`` is the member's row.
_ORIGINAL_MEMBER = (
    "(sa.of_id IS NULL OR NOT EXISTS (SELECT 1 FROM story_articles s2 WHERE s2.story_id = sa.story_id AND s2.article_id = sa.of_id))"
)


@dataclass
class _StoryCounts:
    """What ``stories`` shows of one story, kept in a form that a new member can update.

    ``outlets`` counts the members per outlet, ``originals`` those of them that are
    not a copy of another member of the story; ``title_key`` is the order of the
    member that names the story (copies last, then by time, then by arrival).
    """

    articles: int = 0
    first: str | None = None
    last: str | None = None
    outlets: dict[str, int] = field(default_factory=dict)
    originals: dict[str, int] = field(default_factory=dict)
    title_key: tuple[int, str, int] | None = None
    title: str = ""

    def add(self, outlet: str | None, members: int, originals: int, first: str | None, last: str | None) -> None:
        """Count ``members`` more articles of ``outlet`` (``originals`` of them not copies of another member)."""
        self.articles += members
        if first is not None:
            self.first = first if self.first is None else min(self.first, first)
        if last is not None:
            self.last = last if self.last is None else max(self.last, last)
        if outlet is not None:
            self.outlets[outlet] = self.outlets.get(outlet, 0) + members
            self.originals[outlet] = self.originals.get(outlet, 0) + originals

    def offer_title(self, key: tuple[int, str, int], title: str) -> None:
        """Let the member ordered ``key`` name the story if it comes before the one that does."""
        if self.title_key is None or key < self.title_key:
            self.title_key, self.title = key, title

    def row(self) -> tuple[int, int, int, str | None, str | None, str]:
        """(articles, outlets, sources, first_published, last_published, title)."""
        sources = sum(1 for n in self.originals.values() if n > 0)
        return (self.articles, len(self.outlets), sources, self.first, self.last, self.title)


class Store:
    """The corpus database.

    One connection, guarded by a lock, used for writes and for reads of the
    process that writes; :meth:`reader` opens extra read-only connections for
    concurrent readers (the web server). Several processes may open the same
    database: SQLite serialises their write transactions.

    Example:
        >>> with Store.open(":memory:") as store:        # doctest: +SKIP
        ...     store.stories()
        []
    """

    def __init__(self, path: str | os.PathLike[str], *, readonly: bool = False, timeout: float = 30.0) -> None:
        self.path = str(path)
        #: How the file is open: ``"read-write"``; ``"read-only"`` (``mode=ro``: asked for, or
        #: a file or folder that cannot be written); ``"immutable"`` (``immutable=1``: a
        #: read-only folder without the WAL's shared-memory file, see :meth:`_connect`).
        self.access = "read-write"
        self._busy_ms = int(timeout * 1000)
        self._lock = threading.RLock()
        # Story counts of recently refreshed stories, updated by the members appended since
        # (see refresh_stories); anything else that changes a story's members forgets them.
        self._counts: OrderedDict[str, _StoryCounts] = OrderedDict()
        self._appended: dict[str, set[str]] = {}
        self._data_version: int | None = None
        memory = self.path == ":memory:"
        if not self.path.strip():
            # SQLite would open a temporary database for "": what is written there is lost.
            raise StoreError(EMPTY_DB_PATH, code="E504")
        if not memory and not readonly:
            parent = Path(self.path).parent
            if not parent.exists():
                raise StoreError(f"the folder of the corpus database does not exist: {parent}", code="E503")
        if memory:
            tries = ["read-write"]
        elif readonly:
            tries = ["read-only", "immutable"]
        else:
            # A corpus that is there but cannot be written (a read-only mount, an immutable
            # folder, another user's files) is still read; its writes fail with E505.
            tries = ["read-write", "read-only", "immutable"] if Path(self.path).is_file() else ["read-write"]
        first: sqlite3.DatabaseError | None = None
        for access in tries:
            try:
                self._connect(access, memory=memory)
            except sqlite3.DatabaseError as exc:
                if damaged(exc):
                    raise StoreError(damaged_message(self.path, exc), code="E509") from exc
                first = first or exc
                if _cannot_open_here(exc):
                    continue
                raise StoreError(f"cannot open the corpus database {self.path}: {exc}", code="E504") from exc
            # SQLite itself opens a file it may not write read-only, also when asked for
            # read-write (then the -shm it needs is there, or it could create it).
            self.access = "read-only" if access == "read-write" and not memory and not os.access(self.path, os.W_OK) else access
            if access == "immutable":
                # No lock and no log: a process that writes to the file meanwhile is not seen,
                # and may be read half-written (docs/corpus.md, "A corpus where it cannot be written").
                # Said once per file and process (a server opens it once per thread).
                with _IMMUTABLE_LOCK:
                    told = self.path in _IMMUTABLE_TOLD
                    _IMMUTABLE_TOLD.add(self.path)
                (log.info if told else log.warning)(
                    "the corpus database %s is open immutable (its folder cannot be written): "
                    "stop every process that writes to it while this one reads", self.path
                )
            elif access != tries[0]:
                log.info("the corpus database %s cannot be written here: it is open %s", self.path, access)
            return
        raise StoreError(f"cannot open the corpus database {self.path}: {first}", code="E504") from first

    @property
    def readonly(self) -> bool:
        """Whether this connection cannot write (asked for, or a file or folder that cannot be written)."""
        return self.access != "read-write"

    def _connect(self, access: str, *, memory: bool) -> None:
        """Open ``self.conn`` as ``access`` and set it up; the connection is closed again when
        that fails (a refused file is not kept open, nor locked, by this process).

        ``read-only`` opens the file with ``mode=ro``: it sees what other connections commit,
        but in WAL mode SQLite needs the shared-memory file beside the database (``-shm``),
        and creates it when it is not there. In a folder that cannot be written and holds no
        ``-shm`` (a corpus copied or mounted read-only after its last writer closed it) that
        fails, and ``immutable`` opens the file with ``immutable=1``: SQLite then takes no
        locks and assumes that nothing changes the file while it is open. It does not read a
        ``-wal`` file either: transactions left in one (a writer that did not close) are not
        seen, which is logged as a warning.
        """
        if access == "read-write":
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=self._busy_ms / 1000, cached_statements=256)
        else:
            query = "?mode=ro" if access == "read-only" else "?immutable=1"
            uri = Path(self.path).resolve().as_uri() + query
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=self._busy_ms / 1000, cached_statements=256)
        self.conn = conn
        try:
            self._set_up(readonly=access != "read-write", memory=memory)
        except BaseException:
            conn.close()
            raise
        if access == "immutable":
            wal = Path(self.path + "-wal")
            if wal.is_file() and wal.stat().st_size > 0:
                log.warning(
                    "the corpus database %s is read without its log %s (a read-only folder without %s-shm): "
                    "what was written to the log and not yet copied into the database is not seen",
                    self.path, wal.name, Path(self.path).name,
                )

    def _set_up(self, *, readonly: bool, memory: bool) -> None:
        """Pragmas and migrations of a new connection (the file checked first)."""
        self.conn.execute(f"PRAGMA busy_timeout = {self._busy_ms}")
        check_database(self.conn)  # before anything is written: another app's file stays as it is
        if readonly:
            missing = pending(self.conn)
            wal = Path(self.path + "-wal")
            if missing and not memory and wal.is_file() and wal.stat().st_size > 0 and not self.conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
                # The file holds nothing yet: all of it is in the log, which cannot be read here.
                raise StoreError(
                    f"the corpus database {self.path} holds nothing yet but its log {wal.name} does, and the log cannot "
                    f"be read here (a read-only folder without {Path(self.path).name}-shm): open it once where it can be "
                    "written, or copy it after a checkpoint",
                    code="E502",
                )
            if missing:
                raise StoreError(
                    f"the corpus database {self.path} needs schema migration {missing[0]}, and it cannot be written: "
                    "open it once where it can be written, with this version",
                    code="E502",
                )
        else:
            if not memory:
                mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    log.warning("could not switch %s to WAL mode (got %s)", self.path, mode)
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA temp_store = MEMORY")
            self.conn.execute("PRAGMA cache_size = -65536")
            # Copy the log into the database every 40,000 pages (about 160 MB), not 1,000:
            # an ingest batch dirties about a thousand index pages, and a page changed by
            # several batches between two checkpoints is copied once (docs/benchmarks.md:
            # COMMIT 0.21-0.27 ms an article at 400k with 10,000 pages, 0.13-0.16 with
            # 40,000). The log file keeps its largest size until the last connection closes.
            self.conn.execute("PRAGMA wal_autocheckpoint = 40000")
            # For the migration that builds the side index of Chinese and Japanese text.
            self.conn.create_function("triangulate_cjk_bigrams", 1, cjk_bigrams, deterministic=True)
            self.conn.create_function("triangulate_has_cjk", 1, has_cjk, deterministic=True)
            migrate(self.conn)

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, **kwargs: Any) -> Store:
        """Open (creating and migrating when needed) the database at ``path`` (default: :func:`default_db_path`)."""
        return cls(default_db_path() if path is None else path, **kwargs)

    def reader(self) -> Store:
        """A separate read-only connection to the same database (for concurrent readers)."""
        if self.path == ":memory:":
            return self
        return Store(self.path, readonly=True)

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            try:
                self.conn.close()
            except sqlite3.Error:  # pragma: no cover - closing twice
                pass

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transactions --------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One explicit write transaction (``BEGIN IMMEDIATE``); nested uses join the outer one."""
        with self._lock:
            with self._damage_reported():  # a closed store says so
                nested = self.conn.in_transaction
            if nested:
                yield self.conn
                return
            try:
                with self._damage_reported():
                    self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise self._begin_refused(exc) from exc
            try:
                yield self.conn
            except BaseException as exc:
                self._forget_counts()  # they may hold what the rollback undoes
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.OperationalError) and _WRITE_REFUSED.search(str(exc)):
                    raise StoreError(f"cannot write to the corpus database {self.path}: {exc}", code="E505") from exc
                if damaged(exc):  # a write that reaches a damaged table (the full-text index, by its triggers)
                    raise StoreError(damaged_message(self.path, exc), code="E509") from exc
                raise
            else:
                try:
                    self.conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    self._forget_counts()
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    raise StoreError(f"could not commit to the corpus database: {exc}", code="E506") from exc

    def _begin_refused(self, exc: sqlite3.OperationalError) -> StoreError:
        """What a refused ``BEGIN IMMEDIATE`` means: another process holds the write lock
        (``[E512]``, worth waiting for), or the file cannot take writes (``[E505]``)."""
        if _is_busy(exc):
            return StoreError(f"the corpus database is busy ({exc}); is another process writing?", code="E512")
        return StoreError(f"cannot write to the corpus database {self.path}: {exc}", code="E505")

    def wait_for_write_lock(self, timeout: float | None = None, *, step: float = 0.2) -> None:
        """Wait until no other process holds the write lock (at most ``timeout`` seconds,
        default the store's), in short tries that a Ctrl-C can interrupt: SQLite's own wait
        is one C call that holds a signal back until it ends.

        Raises:
            StoreError: ``[E512]`` still busy after ``timeout``; ``[E505]`` the file cannot
                be written.
        """
        deadline = time.monotonic() + (self._busy_ms / 1000 if timeout is None else timeout)
        with self._lock:
            if self.conn.in_transaction:
                return
            self.conn.execute(f"PRAGMA busy_timeout = {int(step * 1000)}")
            try:
                while True:
                    try:
                        self.conn.execute("BEGIN IMMEDIATE")
                    except sqlite3.OperationalError as exc:
                        if not _is_busy(exc) or time.monotonic() >= deadline:
                            raise self._begin_refused(exc) from exc
                        continue  # SQLite waited `step` before saying busy
                    self.conn.execute("ROLLBACK")
                    return
            finally:
                if self.conn.in_transaction:  # a signal between BEGIN and ROLLBACK
                    self.conn.execute("ROLLBACK")
                self.conn.execute(f"PRAGMA busy_timeout = {self._busy_ms}")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock, self._damage_reported():
            return self.conn.execute(sql, params).fetchall()

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._lock, self._damage_reported():
            return self.conn.execute(sql, params).fetchone()

    @contextmanager
    def _damage_reported(self) -> Iterator[None]:
        """A damaged file found while reading is a coded error, not a traceback."""
        try:
            yield
        except sqlite3.ProgrammingError as exc:
            if "closed" in str(exc):
                raise StoreError(f"the corpus {self.path} is closed; open it again (Corpus.open)", code="E511") from exc
            raise
        except sqlite3.DatabaseError as exc:
            if damaged(exc):
                raise StoreError(damaged_message(self.path, exc), code="E509") from exc
            raise

    def integrity_check(self) -> list[str]:
        """``PRAGMA integrity_check`` lines (``["ok"]`` for a sound file)."""
        return [row[0] for row in self._query("PRAGMA integrity_check")]

    def migrations(self) -> list[tuple[str, str]]:
        """(name, applied) of every applied migration."""
        return [(r[0], r[1]) for r in self._query("SELECT name, applied FROM migrations ORDER BY rowid")]

    # --- articles ------------------------------------------------------------

    def max_seq(self) -> int:
        """The highest article sequence number (0 when empty)."""
        row = self._one("SELECT COALESCE(MAX(seq), 0) FROM articles")
        return int(row[0])

    def has_raw(self, url_key: str, raw_hash: str) -> str | None:
        """Id of a stored version of ``url_key`` with exactly this raw input, if any."""
        row = self._one("SELECT id FROM articles WHERE url_key = ? AND raw_hash = ? LIMIT 1", (url_key, raw_hash))
        return row[0] if row else None

    def _in_chunks(self, sql: str, values: Sequence[Any], *, size: int = 500) -> list[Any]:
        """Rows of ``sql`` (one ``{marks}`` placeholder list) over ``values``, 500 at a time."""
        rows: list[Any] = []
        distinct = list(dict.fromkeys(values))
        for lo in range(0, len(distinct), size):
            chunk = distinct[lo : lo + size]
            rows += self._query(sql.format(marks=",".join("?" * len(chunk))), chunk)
        return rows

    def current_versions(self, url_keys: Sequence[str]) -> dict[str, tuple[str, int, str]]:
        """(id, version, content_hash) of the newest stored version of each URL key (keys with none are left out)."""
        out: dict[str, tuple[str, int, str]] = {}
        for key, aid, version, chash in self._in_chunks(
            "SELECT url_key, id, version, content_hash FROM articles WHERE url_key IN ({marks})", url_keys
        ):
            if key not in out or int(version) > out[key][1]:
                out[key] = (aid, int(version), chash)
        return out

    def find_contents(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Id of a current article of ``outlet`` with exactly this cleaned text, per (outlet, content_hash) pair
        (pairs with no such article are left out)."""
        wanted = set(keys)
        out: dict[tuple[str, str], str] = {}
        for chash, outlet, aid in self._in_chunks(
            "SELECT content_hash, outlet, id FROM articles WHERE content_hash IN ({marks}) AND superseded_by IS NULL ORDER BY seq",
            [h for _, h in keys],
        ):
            if (outlet, chash) in wanted:
                out.setdefault((outlet, chash), aid)
        return out

    def existing_ids(self, article_ids: Sequence[str]) -> set[str]:
        """Which of ``article_ids`` are stored."""
        return {r[0] for r in self._in_chunks("SELECT id FROM articles WHERE id IN ({marks})", article_ids)}

    def resolve_stories(self, story_ids: Sequence[str]) -> dict[str, str]:
        """Where each of ``story_ids`` lives now (following merges); exact ids only, unknown ids map to themselves."""
        found = {
            r[0]: str(r[1] or r[0])
            for r in self._in_chunks("SELECT id, merged_into FROM stories WHERE id IN ({marks})", story_ids)
        }
        return {sid: found.get(sid, sid) for sid in story_ids}

    def insert_articles(self, rows: Sequence[ArticleRow]) -> None:
        """Insert new article versions (one prepared statement, many rows)."""
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO articles (id, url_key, version, outlet, title, authors, url, canonical_url, origin, "
                "kind, language, dateline, published, fetched, added, content_hash, raw_hash, raw, text, removed, story_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        r.id, r.url_key, r.version, r.outlet, r.title, json.dumps(list(r.authors), ensure_ascii=False),
                        r.url, r.canonical_url, r.origin, r.kind, r.language, r.dateline, r.published, r.fetched,
                        r.added, r.content_hash, r.raw_hash, r.raw, r.text,
                        json.dumps([{"text": x.text, "reason": x.reason} for x in r.removed], ensure_ascii=False),
                        r.story_id,
                    )
                    for r in rows
                ],
            )
            # Chinese, Japanese and Korean text also goes into the side index of those scripts.
            cjk = [(cjk_bigrams(r.title), cjk_bigrams(r.text), r.id) for r in rows if has_cjk(r.title) or has_cjk(r.text)]
            if cjk:
                conn.executemany("INSERT OR REPLACE INTO articles_cjk (rowid, title, text) SELECT seq, ?, ? FROM articles WHERE id = ?", cjk)

    def supersede(self, old_id: str, new_id: str) -> str | None:
        """Mark ``old_id`` as replaced by ``new_id``; it leaves its story. Returns that story's id."""
        with self.transaction() as conn:
            row = conn.execute("SELECT story_id FROM articles WHERE id = ?", (old_id,)).fetchone()
            conn.execute("UPDATE articles SET superseded_by = ? WHERE id = ?", (new_id, old_id))
            if conn.execute("DELETE FROM story_articles WHERE article_id = ?", (old_id,)).rowcount:
                self._forget_counts()  # a member left (and its copies may count as originals now)
            return row[0] if row else None

    def article(self, article_id: str, *, full: bool = True) -> StoredArticle | None:
        """One article by id, or by a unique id prefix of at least 4 characters."""
        cols = _ARTICLE_FULL if full else _ARTICLE_COLS
        row = self._one(f"SELECT {cols} FROM {_ARTICLE_FROM} WHERE a.id = ?", (article_id,))
        if row is None and len(article_id) >= 4:
            rows = self._query(f"SELECT {cols} FROM {_ARTICLE_FROM} WHERE a.id >= ? AND a.id < ? LIMIT 2", (article_id, article_id + "\uffff"))
            if len(rows) == 1:
                row = rows[0]
        return _article(row, full=full) if row else None

    def unknown_id(self, kind: str, given: str) -> str:
        """Why ``given`` names no article (``kind="article"``) or story (``"story"``): unknown,
        a prefix shorter than 4 characters, or the start of several ids."""
        table = "articles" if kind == "article" else "stories"
        if len(given) >= 4:
            ids = [r[0] for r in self._query(f"SELECT id FROM {table} WHERE id >= ? AND id < ? ORDER BY id LIMIT 4", (given, given + "\uffff"))]
            if len(ids) > 1:
                shown = ", ".join(ids[:3]) + (", ..." if len(ids) > 3 else "")
                return f"{given!r} is the start of several {kind} ids ({shown}): give more characters"
            return f"no {kind} {given!r}"
        return f"no {kind} {given!r} (an id prefix needs at least 4 characters)"

    def versions(self, url_key: str, *, full: bool = False) -> list[StoredArticle]:
        """Every stored version of ``url_key``, oldest first."""
        cols = _ARTICLE_FULL if full else _ARTICLE_COLS
        rows = self._query(f"SELECT {cols} FROM {_ARTICLE_FROM} WHERE a.url_key = ? ORDER BY a.version", (url_key,))
        return [_article(r, full=full) for r in rows]

    def articles(
        self,
        *,
        story: str | None = None,
        outlet: str | None = None,
        since: str | None = None,
        include_superseded: bool = False,
        limit: int | None = 50,
        offset: int = 0,
        full: bool = False,
        newest_first: bool = True,
    ) -> list[StoredArticle]:
        """Articles, newest first, filtered by story, outlet or time (published, else added)."""
        where, params = _article_filter(story, outlet, since, include_superseded)
        sql = f"SELECT {_ARTICLE_FULL if full else _ARTICLE_COLS} FROM {_ARTICLE_FROM}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        order = "DESC" if newest_first else "ASC"
        sql += f" ORDER BY COALESCE(a.published, a.added) {order}, a.seq {order}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [_sql_int(limit), _sql_int(offset)]
        return [_article(r, full=full) for r in self._query(sql, params)]

    def count_articles(
        self,
        *,
        story: str | None = None,
        outlet: str | None = None,
        since: str | None = None,
        include_superseded: bool = False,
    ) -> int:
        """How many articles :meth:`articles` would list without a limit."""
        where, params = _article_filter(story, outlet, since, include_superseded)
        sql = "SELECT COUNT(*) FROM articles a" + (" WHERE " + " AND ".join(where) if where else "")
        return int(self._one(sql, params)[0])

    def articles_after(self, seq: int, *, upto: int | None = None, batch: int = 2000) -> Iterator[StoredArticle]:
        """Every article version with ``seq`` above the given one (and at most ``upto``), in
        insertion order (for replays)."""
        last = seq
        top = upto if upto is not None else 2**63 - 1
        while True:
            rows = self._query(
                f"SELECT {_ARTICLE_FULL} FROM {_ARTICLE_FROM} WHERE a.seq > ? AND a.seq <= ? ORDER BY a.seq LIMIT ?", (last, top, batch)
            )
            if not rows:
                return
            for row in rows:
                yield _article(row, full=True)
            last = rows[-1][0]

    def search(self, query: str, *, limit: int = 20, offset: int = 0, include_superseded: bool = False) -> list[tuple[StoredArticle, str]]:
        """Full-text search over titles and cleaned text: (article, snippet) best first.

        The snippet's matches are wrapped in :data:`MATCH_START` and :data:`MATCH_END`
        (control characters, so that brackets in the text stay text); :func:`split_snippet`
        turns it into plain text and match offsets.
        """
        found = _text_query(query)
        if found is None:
            return []
        extra = "" if include_superseded else " AND a.superseded_by IS NULL"
        match = found.words_only
        try:
            if match is None:
                # Chinese or Japanese words (the side index): newest first, a snippet made here.
                where, params = found.condition("a.seq")
                rows = self._query(
                    f"SELECT {_ARTICLE_COLS}, a.text FROM {_ARTICLE_FROM} WHERE {where}{extra} "
                    "ORDER BY COALESCE(a.published, a.added) DESC, a.seq DESC LIMIT ? OFFSET ?",
                    (*params, _sql_int(limit), _sql_int(offset)),
                )
                return [(_article(r), found.snippet(r[22] or "")) for r in rows]
            rows = self._query(
                f"SELECT {_ARTICLE_COLS}, snippet(articles_fts, 1, char(2), char(3), ' … ', 12) FROM articles_fts "
                f"JOIN articles a ON a.seq = articles_fts.rowid LEFT JOIN duplicates d ON d.article_id = a.id "
                f"WHERE articles_fts MATCH ?{extra} ORDER BY bm25(articles_fts, 3.0, 1.0) LIMIT ? OFFSET ?",
                (match, _sql_int(limit), _sql_int(offset)),
            )
        except sqlite3.OperationalError as exc:
            raise StoreError(f"search failed for {query!r}: {exc}", code="E507") from exc
        return [(_article(r), r[22]) for r in rows]

    def count_search(self, query: str, *, include_superseded: bool = False) -> int:
        """How many articles :meth:`search` finds for ``query``, over all its pages."""
        found = _text_query(query)
        if found is None:
            return 0
        extra = "" if include_superseded else " AND a.superseded_by IS NULL"
        match = found.words_only
        try:
            if match is None:
                where, params = found.condition("a.seq")
                row = self._one(f"SELECT COUNT(*) FROM articles a WHERE {where}{extra}", params)
            else:
                row = self._one(
                    f"SELECT COUNT(*) FROM articles_fts JOIN articles a ON a.seq = articles_fts.rowid WHERE articles_fts MATCH ?{extra}",
                    (match,),
                )
        except sqlite3.OperationalError as exc:
            raise StoreError(f"search failed for {query!r}: {exc}", code="E507") from exc
        return int(row[0])

    # --- stories ---------------------------------------------------------------

    def assign(self, pairs: Iterable[tuple[str, str]], *, added: str | None = None, rows: bool = True) -> None:
        """Put stored articles into stories: (article_id, story_id) pairs.

        ``rows=False`` leaves the articles' own ``story_id`` column alone, for rows just
        inserted with it (an update would rewrite each whole row, its text included).
        """
        stamp = added or now_iso()
        pairs = list(pairs)
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO stories (id, created, updated) VALUES (?, ?, ?)", [(s, stamp, stamp) for _, s in pairs]
            )
            moved = conn.executemany("DELETE FROM story_articles WHERE article_id = ?", [(a,) for a, _ in pairs]).rowcount
            if moved:
                self._forget_counts()  # members moved between stories: recount
            else:
                for a, s in pairs:
                    self._appended.setdefault(s, set()).add(a)
            conn.executemany(
                "INSERT OR IGNORE INTO story_articles "
                f"({_MEMBER_COLUMNS}) SELECT ?, a.id, ?, a.seq, a.outlet, a.published, "
                "COALESCE(a.published, a.added), a.title != '', d.of_id "
                "FROM articles a LEFT JOIN duplicates d ON d.article_id = a.id WHERE a.id = ?",
                [(s, stamp, a) for a, s in pairs],
            )
            if rows:
                conn.executemany("UPDATE articles SET story_id = ? WHERE id = ?", [(s, a) for a, s in pairs])

    def merge_stories(self, into: str, merged: Iterable[str]) -> str:
        """Move every article of the ``merged`` stories into ``into``; the old ids point to it.

        Returns the id merged into: ``into``, or the story ``into`` was merged into since.
        """
        stamp = now_iso()
        with self.transaction() as conn:
            # Ids as they are now, inside the write lock: another process may have merged one of
            # them since the caller looked, and a story must never end up merged into itself.
            into = self.resolve_story(into) or into
            merged = [m for m in dict.fromkeys(merged) if m != into and (self.resolve_story(m) or m) != into]
            self._forget_counts([into, *merged])
            conn.execute("INSERT OR IGNORE INTO stories (id, created, updated) VALUES (?, ?, ?)", (into, stamp, stamp))
            for old in merged:
                # A story born and merged within one batch still gets a row, so its id resolves.
                conn.execute("INSERT OR IGNORE INTO stories (id, created, updated) VALUES (?, ?, ?)", (old, stamp, stamp))
                conn.execute(
                    f"INSERT OR IGNORE INTO story_articles ({_MEMBER_COLUMNS}) "
                    f"SELECT ?, {_MEMBER_FIELDS} FROM story_articles WHERE story_id = ?",
                    (into, old),
                )
                # The members, through story_articles (no index on articles.story_id). A version
                # superseded earlier keeps the old id, which resolves to `into` like any merged id.
                conn.execute(
                    "UPDATE articles SET story_id = ? WHERE id IN (SELECT article_id FROM story_articles WHERE story_id = ?)",
                    (into, old),
                )
                conn.execute("DELETE FROM story_articles WHERE story_id = ?", (old,))
                conn.execute(
                    "UPDATE stories SET merged_into = ?, articles = 0, outlets = 0, sources = 0, version = version + 1, updated = ? WHERE id = ?",
                    (into, stamp, old),
                )
                # Earlier merges into `old` now point to `into` (no chains to follow).
                conn.execute("UPDATE stories SET merged_into = ? WHERE merged_into = ? AND id != ?", (into, old, into))
                conn.execute("DELETE FROM reports WHERE story_id = ?", (old,))
        return into

    def move_articles(self, article_ids: Sequence[str], into: str) -> list[str]:
        """Move stored articles into the story ``into`` (created when there is none); the undo of
        a wrong grouping, where :meth:`merge_stories` joins whole stories.

        ``article_ids`` are exact ids and move exactly as given: current versions leave the
        story they are members of, earlier versions (no members) get ``into`` as their story
        id. What belongs together (every version of a URL, the copies of an article) is the
        caller's to add (:meth:`Corpus.move_articles <triangulate.corpus.Corpus.move_articles>`
        does). Every story that loses or gains a member has its cached report dropped and its
        version bumped; :meth:`refresh_stories` of ``into`` and the returned ids recounts them.

        Returns:
            The stories the articles left (sorted; ``into`` never among them).
        """
        stamp = now_iso()
        ids = list(dict.fromkeys(article_ids))
        with self.transaction() as conn:
            into = self.resolve_stories([into])[into]  # exact ids only: a new id is no prefix of an old one
            left = sorted({str(r[0]) for r in self._in_chunks("SELECT story_id FROM story_articles WHERE article_id IN ({marks})", ids)} - {into})
            # Members leave stories: both sides are counted again, not updated (see refresh_stories).
            self._forget_counts([into, *left])
            conn.execute("INSERT OR IGNORE INTO stories (id, created, updated) VALUES (?, ?, ?)", (into, stamp, stamp))
            for lo in range(0, len(ids), 500):
                chunk = ids[lo : lo + 500]
                marks = ",".join("?" * len(chunk))
                conn.execute(f"UPDATE OR REPLACE story_articles SET story_id = ?, added = ? WHERE article_id IN ({marks})", (into, stamp, *chunk))
                conn.execute(f"UPDATE articles SET story_id = ? WHERE id IN ({marks})", (into, *chunk))
            touched = [into, *left]
            marks = ",".join("?" * len(touched))
            conn.execute(f"UPDATE stories SET version = version + 1, updated = ? WHERE id IN ({marks})", (stamp, *touched))
            conn.execute(f"DELETE FROM reports WHERE story_id IN ({marks})", touched)
        return left

    # Stories whose counts are kept between refreshes (the most recently refreshed).
    COUNTS_KEPT = 10_000

    def _forget_counts(self, story_ids: Iterable[str] | None = None) -> None:
        """Drop kept story counts (all of them by default): the next refresh recounts."""
        if story_ids is None:
            self._counts.clear()
            self._appended.clear()
            return
        for sid in story_ids:
            self._counts.pop(sid, None)
            self._appended.pop(sid, None)

    def refresh_stories(self, story_ids: Iterable[str]) -> None:
        """Recompute counts, time span and title of stories whose membership changed; bump their version.

        A story refreshed recently is updated from the members appended to it since
        (``assign`` notes them): the work is that of the new members, however large the
        story. Anything else that changes a story's members (a move, a merge, a new
        version, a member turned copy, a rollback, another connection's commit) makes
        the next refresh recount the story from ``story_articles``, in grouped queries
        of 500 stories. Either way the figures are those of a full recount (a test
        compares the two).
        """
        stamp = now_iso()
        ids = sorted(set(story_ids))
        with self.transaction() as conn:
            version = int(conn.execute("PRAGMA data_version").fetchone()[0])
            if version != self._data_version:  # another connection wrote since: trust nothing kept
                self._forget_counts()
                self._data_version = version
            if len(self._appended) > 4 * self.COUNTS_KEPT:  # appends to stories never refreshed
                self._forget_counts()
            kept = [sid for sid in ids if sid in self._counts]
            recount = set(ids) - set(kept) | self._add_appended(conn, kept)
            self._recount(conn, sorted(recount))
            rows = []
            for sid in ids:
                self._appended.pop(sid, None)
                counts = self._counts[sid]  # kept, or just recounted (an unknown id: all zero)
                self._counts.move_to_end(sid)
                rows.append((*counts.row(), stamp, sid))
            while len(self._counts) > self.COUNTS_KEPT:
                self._counts.popitem(last=False)
            conn.executemany(
                "UPDATE stories SET articles = ?, outlets = ?, sources = ?, first_published = ?, last_published = ?, "
                "title = ?, updated = ?, version = version + 1 WHERE id = ?",
                rows,
            )

    def _add_appended(self, conn: sqlite3.Connection, story_ids: Sequence[str]) -> set[str]:
        """Update kept counts with the members appended since; the stories that need a recount instead."""
        wanted = {(sid, aid) for sid in story_ids for aid in self._appended.get(sid, ())}
        if not wanted:
            return set()
        aids = sorted({aid for _, aid in wanted})
        recount: set[str] = set()
        for lo in range(0, len(aids), 500):
            chunk = aids[lo : lo + 500]
            marks = ",".join("?" * len(chunk))
            for sid, aid, seq, outlet, published, sort_time, titled, of_id, original, has_copies, title in conn.execute(
                "SELECT sa.story_id, sa.article_id, sa.seq, sa.outlet, sa.published, sa.sort_time, sa.titled, sa.of_id, "
                f"{_ORIGINAL_MEMBER}, "
                "EXISTS (SELECT 1 FROM duplicates d JOIN story_articles s3 ON s3.story_id = sa.story_id AND s3.article_id = d.article_id "
                "WHERE d.of_id = sa.article_id), "
                "CASE WHEN sa.titled THEN (SELECT a.title FROM articles a WHERE a.seq = sa.seq) END "
                f"FROM story_articles sa WHERE sa.article_id IN ({marks})",
                chunk,
            ):
                if (sid, aid) not in wanted or sid in recount:
                    continue
                if has_copies:  # earlier members copy this one: they stop counting as originals
                    recount.add(sid)
                    continue
                counts = self._counts[sid]
                counts.add(outlet, int(seq is not None), int(bool(original)), published, published)
                if titled and title is not None:
                    counts.offer_title((int(of_id is not None), str(sort_time), int(seq)), str(title))
        return recount

    def _recount(self, conn: sqlite3.Connection, story_ids: Sequence[str]) -> None:
        """Count the members of these stories from scratch, 500 stories a query, and keep the counts.

        The members' rows carry what the counts need, next to each other: a story is one
        range of story_articles, not a random lookup in articles per member.
        """
        for lo in range(0, len(story_ids), 500):
            chunk = story_ids[lo : lo + 500]
            marks = ",".join("?" * len(chunk))
            found = {sid: _StoryCounts() for sid in chunk}
            # Sources: outlets with an original member (see _ORIGINAL_MEMBER).
            for sid, outlet, n, originals, first, last in conn.execute(
                f"SELECT sa.story_id, sa.outlet, COUNT(sa.seq), SUM({_ORIGINAL_MEMBER}), MIN(sa.published), MAX(sa.published) "
                f"FROM story_articles sa WHERE sa.story_id IN ({marks}) GROUP BY sa.story_id, sa.outlet",
                chunk,
            ):
                found[sid].add(outlet, int(n), int(originals or 0), first, last)
            # The title of the earliest original (non-copy) article names the story:
            # found among the members, then read from articles (one row per story).
            # A subquery per story, not a window over all members of the chunk: on a
            # 3.1 GB corpus with stories of up to 3,862 members it took 1.2 ms per 100
            # stories against 4.5 ms (docs/benchmarks.md).
            for sid, copy, sort_time, seq, title in conn.execute(
                "SELECT x.id, sa.of_id IS NOT NULL, sa.sort_time, sa.seq, a.title FROM ("
                "SELECT st.id AS id, (SELECT sa.article_id FROM story_articles sa WHERE sa.story_id = st.id AND sa.titled "
                f"ORDER BY sa.of_id IS NOT NULL, sa.sort_time, sa.seq LIMIT 1) AS aid FROM stories st WHERE st.id IN ({marks})) x "
                "JOIN story_articles sa ON sa.story_id = x.id AND sa.article_id = x.aid JOIN articles a ON a.seq = sa.seq",
                chunk,
            ):
                if title is not None:
                    found[sid].offer_title((int(copy), str(sort_time), int(seq)), str(title))
            for sid, counts in found.items():
                self._appended.pop(sid, None)
                self._counts[sid] = counts

    def resolve_story(self, story_id: str) -> str | None:
        """The id a story lives under now (following a merge), or ``None`` when unknown. Accepts unique prefixes."""
        row = self._one("SELECT id, merged_into FROM stories WHERE id = ?", (story_id,))
        if row is None and len(story_id) >= 4:
            rows = self._query("SELECT id, merged_into FROM stories WHERE id >= ? AND id < ? LIMIT 2", (story_id, story_id + "\uffff"))
            row = rows[0] if len(rows) == 1 else None
        if row is None:
            return None
        return str(row[1] or row[0])

    def story(self, story_id: str) -> StoryInfo | None:
        """One story (after following merges), with its outlet names."""
        sid = self.resolve_story(story_id)
        if sid is None:
            return None
        row = self._one(f"SELECT {_STORY_COLS} FROM stories s WHERE s.id = ?", (sid,))
        return self._story(row) if row else None

    def _story(self, row: Sequence[Any]) -> StoryInfo:
        names = tuple(
            r[0]
            for r in self._query(
                "SELECT a.outlet FROM story_articles sa JOIN articles a ON a.id = sa.article_id WHERE sa.story_id = ? "
                "GROUP BY a.outlet ORDER BY MIN(COALESCE(a.published, a.added)), a.outlet",
                (row[0],),
            )
        )
        return StoryInfo(
            id=row[0], title=row[1], created=row[2], updated=row[3], first_published=row[4], last_published=row[5],
            articles=row[6], outlets=row[7], sources=row[8], version=row[9], outlet_names=names,
        )

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
        """Live stories, most recently active first.

        Args:
            since: only stories with an article published (or added) at or after this UTC ISO time.
            min_sources: only stories with at least this many independent sources.
            query: only stories with an article matching this full-text query.
            outlet: only stories covered by this outlet.
        """
        found = _story_filter(since, min_sources, query, outlet)
        if found is None:
            return []
        where, params = found
        sql = f"SELECT {_STORY_COLS} FROM stories s WHERE {' AND '.join(where)} ORDER BY COALESCE(s.last_published, s.updated) DESC, s.id"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [_sql_int(limit), _sql_int(offset)]
        return [self._story(r) for r in self._query(sql, params)]

    def count_stories(
        self, *, since: str | None = None, min_sources: int = 0, query: str | None = None, outlet: str | None = None
    ) -> int:
        """How many live stories :meth:`stories` would list with these filters (all of them by default)."""
        found = _story_filter(since, min_sources, query, outlet)
        if found is None:
            return 0
        where, params = found
        return int(self._one(f"SELECT COUNT(*) FROM stories s WHERE {' AND '.join(where)}", params)[0])

    # --- duplicates --------------------------------------------------------------

    def add_duplicates(self, links: Iterable[tuple[str, str, str, float]]) -> None:
        """Record (article_id, of_id, kind, similarity) reprint links."""
        with self.transaction() as conn:
            links = list(links)
            conn.executemany("INSERT OR REPLACE INTO duplicates (article_id, of_id, kind, similarity) VALUES (?, ?, ?, ?)", links)
            # An article already in a story: its membership row carries the link too.
            if conn.executemany("UPDATE story_articles SET of_id = ? WHERE article_id = ?", [(link[1], link[0]) for link in links]).rowcount:
                self._forget_counts()  # a member became a copy: originals and titles change

    def copies_of(self, article_id: str) -> list[tuple[str, str, float]]:
        """(article_id, kind, similarity) of the stored copies of an article."""
        return [(r[0], r[1], r[2]) for r in self._query("SELECT article_id, kind, similarity FROM duplicates WHERE of_id = ?", (article_id,))]

    # --- reports -------------------------------------------------------------------

    def cached_report(self, story_id: str) -> dict[str, Any] | None:
        """The cached report of a story when it was computed for the story's current version
        by a release that writes the same report schema (an older one lacks what this one
        reports, so it is computed again)."""
        from triangulate.models import REPORT_SCHEMA_VERSION

        row = self._one(
            "SELECT r.report FROM reports r JOIN stories s ON s.id = r.story_id WHERE r.story_id = ? AND r.story_version = s.version",
            (story_id,),
        )
        if not row:
            return None
        report: dict[str, Any] = json.loads(row[0])
        return report if report.get("schema_version") == REPORT_SCHEMA_VERSION else None

    def save_report(self, story_id: str, story_version: int, report: dict[str, Any], *, wait: float = 1.0) -> None:
        """Cache a report computed for ``story_version`` of the story.

        A cache is not worth a wait: when another process holds the write lock for more than
        ``wait`` seconds, this raises ``StoreError [E512]`` (busy) instead of waiting the
        store's whole timeout with the report ready.
        """
        with self._lock:
            self.conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
            try:
                with self.transaction() as conn:
                    conn.execute(
                        "INSERT OR REPLACE INTO reports (story_id, story_version, created, report) VALUES (?, ?, ?, ?)",
                        (story_id, story_version, now_iso(), json.dumps(report, ensure_ascii=False)),
                    )
            finally:
                self.conn.execute(f"PRAGMA busy_timeout = {self._busy_ms}")

    # --- skips -----------------------------------------------------------------------

    def add_skips(self, skips: Iterable[Skipped]) -> None:
        stamp = now_iso()
        rows = [(s.origin, s.reason, s.detail, s.stage, stamp) for s in skips]
        if not rows:
            return
        with self.transaction() as conn:
            conn.executemany("INSERT INTO skips (origin, reason, detail, stage, time) VALUES (?, ?, ?, ?, ?)", rows)

    def skips(self, *, limit: int = 50, reason: str | None = None) -> list[SkipRecord]:
        sql = "SELECT id, origin, reason, detail, stage, time FROM skips"
        params: list[Any] = []
        if reason:
            sql += " WHERE reason = ?"
            params.append(reason)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        return [SkipRecord(*r) for r in self._query(sql, params)]

    def skip_counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self._query("SELECT reason, COUNT(*) FROM skips GROUP BY reason ORDER BY 2 DESC")}

    # --- feeds ------------------------------------------------------------------------

    _FEED_COLS = "url, title, added, etag, last_modified, last_polled, last_status, last_error, error_count, next_poll, title_given != 0"

    def add_feed(self, url: str, *, title: str = "") -> bool:
        """Follow a feed; ``False`` when it was already followed."""
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO feeds (url, title, added, title_given) VALUES (?, ?, ?, ?)", (url, title, now_iso(), int(bool(title)))
            )
            return cur.rowcount > 0

    def rename_feed(self, old: str, new: str) -> bool:
        """Follow the feed stored as ``old`` under ``new`` (its entries taken stay taken);
        ``False`` when there is no ``old`` or a feed ``new`` already."""
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM feeds WHERE url = ?", (new,)).fetchone():
                return False
            if not conn.execute("UPDATE feeds SET url = ? WHERE url = ?", (new, old)).rowcount:
                return False
            conn.execute("UPDATE feed_entries SET feed_url = ? WHERE feed_url = ?", (new, old))
            return True

    def remove_feed(self, url: str) -> bool:
        with self.transaction() as conn:
            cur = conn.execute("DELETE FROM feeds WHERE url = ?", (url,))
            conn.execute("DELETE FROM feed_entries WHERE feed_url = ?", (url,))
            return cur.rowcount > 0

    def feeds(self) -> list[FeedInfo]:
        return [_feed_info(r) for r in self._query(f"SELECT {self._FEED_COLS} FROM feeds ORDER BY rowid")]

    def feed(self, url: str) -> FeedInfo | None:
        row = self._one(f"SELECT {self._FEED_COLS} FROM feeds WHERE url = ?", (url,))
        return _feed_info(row) if row else None

    def due_feeds(self, now: str) -> list[FeedInfo]:
        return [
            _feed_info(r)
            for r in self._query(f"SELECT {self._FEED_COLS} FROM feeds WHERE next_poll IS NULL OR next_poll <= ? ORDER BY next_poll, url", (now,))
        ]

    def update_feed(self, url: str, **fields: Any) -> None:
        allowed = {"title", "etag", "last_modified", "last_polled", "last_status", "last_error", "error_count", "next_poll"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"unknown feed fields: {sorted(bad)}")
        if not fields:
            return
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self.transaction() as conn:
            conn.execute(f"UPDATE feeds SET {sets} WHERE url = ?", [*fields.values(), url])

    def seen_entries(self, feed_url: str, keys: Iterable[str]) -> set[str]:
        """Which of these entry keys were already taken from the feed."""
        keys = list(keys)
        seen: set[str] = set()
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._query(f"SELECT entry_key FROM feed_entries WHERE feed_url = ? AND entry_key IN ({marks})", [feed_url, *chunk])
            seen.update(r[0] for r in rows)
        return seen

    def mark_entries(self, feed_url: str, entries: Iterable[tuple[str, str | None]]) -> None:
        stamp = now_iso()
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO feed_entries (feed_url, entry_key, article_id, seen) VALUES (?, ?, ?, ?)",
                [(feed_url, key, aid, stamp) for key, aid in entries],
            )

    # --- outlets ------------------------------------------------------------------------

    def upsert_outlets(self, outlets: Iterable[tuple[str, str | None, str | None, str]]) -> None:
        """Add or replace registry entries: (name, domain, country, kind)."""
        with self.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO outlets (name, domain, country, kind) VALUES (?, ?, ?, ?)", list(outlets))

    def remove_outlet(self, name: str) -> bool:
        with self.transaction() as conn:
            return conn.execute("DELETE FROM outlets WHERE name = ?", (name,)).rowcount > 0

    def registry(self) -> list[tuple[str, str | None, str | None, str]]:
        return [(r[0], r[1], r[2], r[3]) for r in self._query("SELECT name, domain, country, kind FROM outlets ORDER BY name")]

    def outlet_named(self, given: str) -> str | None:
        """The outlet name of stored articles that ``given`` means: that name itself, else the
        one it is ignoring case and surrounding spaces; ``None`` when no article has such an outlet."""
        name = given.strip()
        if self._one("SELECT 1 FROM articles WHERE outlet = ? LIMIT 1", (name,)):
            return name
        wanted = name.casefold()
        # The distinct names come from the outlet index, not from the articles.
        return next((str(r[0]) for r in self._query("SELECT DISTINCT outlet FROM articles ORDER BY outlet") if str(r[0]).casefold() == wanted), None)

    def outlet_filter(self, given: str | None) -> str | None:
        """The outlet name a filter (``--outlet``, ``?outlet=``) means: :meth:`outlet_named`,
        else ``given`` stripped, which then matches nothing; ``None`` (no filter) for none or
        spaces only."""
        if given is None or not given.strip():
            return None
        return self.outlet_named(given) or given.strip()

    def outlet_for_domain(self, domain: str) -> str | None:
        """The registry name of the outlet at ``domain`` (or a parent domain of it)."""
        parts = domain.lower().split(".")
        for i in range(len(parts) - 1):
            row = self._one("SELECT name FROM outlets WHERE domain = ?", (".".join(parts[i:]),))
            if row:
                return str(row[0])
        return None

    def outlet_counts(self) -> list[dict[str, Any]]:
        """Per outlet (stored articles or registry): counts of articles, stories and reprints, plus registry data."""
        rows = self._query(
            "SELECT a.outlet, COUNT(*), COUNT(DISTINCT a.story_id), SUM(d.of_id IS NOT NULL), MIN(COALESCE(a.published, a.added)), "
            "MAX(COALESCE(a.published, a.added)) FROM articles a LEFT JOIN duplicates d ON d.article_id = a.id "
            "WHERE a.superseded_by IS NULL GROUP BY a.outlet"
        )
        registry = {r[0]: r for r in self.registry()}
        out: dict[str, dict[str, Any]] = {}
        for name, n, stories, copies, first, last in rows:
            reg = registry.get(name)
            out[name] = {
                "name": name,
                "articles": n,
                "stories": stories,
                "reprints": int(copies or 0),
                "first": first,
                "last": last,
                "domain": reg[1] if reg else None,
                "country": reg[2] if reg else None,
                "kind": reg[3] if reg else None,
            }
        for name, domain, country, kind in registry.values():
            out.setdefault(
                name,
                {"name": name, "articles": 0, "stories": 0, "reprints": 0, "first": None, "last": None, "domain": domain, "country": country, "kind": kind},
            )
        return sorted(out.values(), key=lambda d: (-d["articles"], d["name"]))

    # --- index snapshots ------------------------------------------------------------------

    def load_state(self, name: str) -> tuple[int, bytes] | None:
        """(seq, data) of the named index snapshot, if any."""
        row = self._one("SELECT seq, data FROM state WHERE name = ?", (name,))
        return (int(row[0]), bytes(row[1])) if row else None

    def save_state(self, name: str, seq: int, data: bytes) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO state (name, seq, data, updated) VALUES (?, ?, ?, ?)", (name, seq, sqlite3.Binary(data), now_iso())
            )

    def drop_state(self, name: str | None = None) -> None:
        with self.transaction() as conn:
            if name is None:
                conn.execute("DELETE FROM state")
            else:
                conn.execute("DELETE FROM state WHERE name = ?", (name,))

    def stats(self) -> dict[str, int]:
        """Row counts of the main tables."""
        return {
            "articles": self.count_articles(),
            "versions": self.count_articles(include_superseded=True),
            "stories": self.count_stories(),
            "duplicates": int(self._one("SELECT COUNT(*) FROM duplicates")[0]),
            "feeds": int(self._one("SELECT COUNT(*) FROM feeds")[0]),
            "skips": int(self._one("SELECT COUNT(*) FROM skips")[0]),
            "outlets": int(self._one("SELECT COUNT(DISTINCT outlet) FROM articles")[0]),
        }


def _since_bound(since: str) -> str:
    """A ``since`` time as the bound of a comparison with stored times, where a day alone is
    stored as the day (``2026-03-04``, which sorts before every time of that day): from midnight
    UTC is from the day itself, so that ``--since 2026-03-04`` keeps the articles of that day."""
    return since[:10] if since.endswith("T00:00:00+00:00") else since


def _sql_int(value: int) -> int:
    """``value`` held to SQLite's 64-bit integers (a larger limit or count means "all")."""
    return max(-(2**63), min(int(value), 2**63 - 1))


def _story_filter(
    since: str | None, min_sources: int, query: str | None, outlet: str | None
) -> tuple[list[str], list[Any]] | None:
    """WHERE clauses and parameters shared by listing and counting stories; None when
    the full-text query can match nothing."""
    # "+merged_into": the merged-story index must not win over the activity index that
    # gives the listing its order (a page of stories would otherwise sort them all).
    where = ["+s.merged_into IS NULL", "s.articles > 0", "s.sources >= ?"]
    params: list[Any] = [_sql_int(min_sources)]
    if since:
        where.append("COALESCE(s.last_published, s.updated) >= ?")
        params.append(_since_bound(since))
    if query:
        found = _text_query(query)
        if found is None:
            return None
        match = found.words_only
        if match is None:
            condition, more = found.condition("sa.seq")
            where.append(f"s.id IN (SELECT sa.story_id FROM story_articles sa WHERE {condition})")
            params.extend(more)
        else:
            where.append(
                "s.id IN (SELECT sa.story_id FROM articles_fts JOIN story_articles sa ON sa.seq = articles_fts.rowid "
                "WHERE articles_fts MATCH ?)"
            )
            params.append(match)
    if outlet:
        where.append("s.id IN (SELECT sa.story_id FROM story_articles sa JOIN articles a ON a.id = sa.article_id WHERE a.outlet = ?)")
        params.append(outlet)
    return where, params


def _article_filter(
    story: str | None, outlet: str | None, since: str | None, include_superseded: bool
) -> tuple[list[str], list[Any]]:
    """WHERE clauses and parameters shared by listing and counting articles."""
    where: list[str] = []
    params: list[Any] = []
    if not include_superseded:
        where.append("a.superseded_by IS NULL")
    if story and include_superseded:
        # Earlier versions are no members of a story: they are the versions of its members' URLs.
        where.append(
            "(a.id IN (SELECT article_id FROM story_articles WHERE story_id = ?) OR (a.superseded_by IS NOT NULL AND a.url_key IN "
            "(SELECT m.url_key FROM story_articles sa JOIN articles m ON m.id = sa.article_id WHERE sa.story_id = ? AND m.url_key IS NOT NULL)))"
        )
        params.extend([story, story])
    elif story:
        where.append("a.id IN (SELECT article_id FROM story_articles WHERE story_id = ?)")
        params.append(story)
    if outlet:
        where.append("a.outlet = ?")
        params.append(outlet)
    if since:
        where.append("COALESCE(a.published, a.added) >= ?")
        params.append(_since_bound(since))
    return where, params
