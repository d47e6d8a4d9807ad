"""Named schema migrations of the corpus database.

Each migration has a stable name and is applied at most once; the names of the
applied ones are logged in the ``migrations`` table with the time they ran. A
schema change is always a new entry appended to :data:`MIGRATIONS`, never an edit
of an old one, so that any older database can be brought up to date by
:func:`migrate`.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timezone

from triangulate.errors import StoreError

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

_0001_core = """
CREATE TABLE articles (
    seq           INTEGER PRIMARY KEY,       -- insertion order, also the FTS rowid
    id            TEXT NOT NULL UNIQUE,      -- stable article id
    url_key       TEXT NOT NULL,             -- canonical URL, else URL, else origin: what versions share
    version       INTEGER NOT NULL DEFAULT 1,
    superseded_by TEXT,                      -- id of the next version; NULL for the current one
    outlet        TEXT NOT NULL,
    title         TEXT NOT NULL DEFAULT '',
    authors       TEXT NOT NULL DEFAULT '[]',   -- JSON list
    url           TEXT,
    canonical_url TEXT,
    origin        TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL DEFAULT 'text',
    language      TEXT,
    dateline      TEXT,
    published     TEXT,                      -- ISO 8601 as given (normalised to UTC when parseable)
    fetched       TEXT,
    added         TEXT NOT NULL,
    content_hash  TEXT NOT NULL,             -- hash of the cleaned text
    raw_hash      TEXT NOT NULL,             -- hash of the raw input
    raw           TEXT NOT NULL DEFAULT '',
    text          TEXT NOT NULL DEFAULT '',  -- cleaned paragraphs joined by blank lines
    removed       TEXT NOT NULL DEFAULT '[]',   -- JSON [{"text":..., "reason":...}]
    story_id      TEXT
);
CREATE INDEX articles_url_key ON articles(url_key, version);
CREATE INDEX articles_content ON articles(content_hash);
CREATE INDEX articles_raw ON articles(url_key, raw_hash);
CREATE INDEX articles_outlet ON articles(outlet);
CREATE INDEX articles_published ON articles(published);
CREATE INDEX articles_story ON articles(story_id);

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, text, content='articles', content_rowid='seq', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.seq, new.title, new.text);
END;
CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.seq, old.title, old.text);
END;
CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, text ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.seq, old.title, old.text);
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.seq, new.title, new.text);
END;

CREATE TABLE stories (
    id              TEXT PRIMARY KEY,
    title           TEXT NOT NULL DEFAULT '',
    created         TEXT NOT NULL,
    updated         TEXT NOT NULL,
    first_published TEXT,
    last_published  TEXT,
    articles        INTEGER NOT NULL DEFAULT 0,
    outlets         INTEGER NOT NULL DEFAULT 0,
    sources         INTEGER NOT NULL DEFAULT 0,   -- independent sources: reprints fold into their origin
    version         INTEGER NOT NULL DEFAULT 0,   -- bumped whenever membership changes
    merged_into     TEXT                           -- set when a bridging article merged it away
);
CREATE INDEX stories_updated ON stories(updated);
CREATE INDEX stories_last_published ON stories(last_published);
CREATE INDEX stories_merged ON stories(merged_into);

CREATE TABLE story_articles (
    story_id   TEXT NOT NULL,
    article_id TEXT NOT NULL,
    added      TEXT NOT NULL,
    PRIMARY KEY (story_id, article_id)
) WITHOUT ROWID;
CREATE INDEX story_articles_article ON story_articles(article_id);

CREATE TABLE duplicates (
    article_id TEXT PRIMARY KEY,   -- the later copy
    of_id      TEXT NOT NULL,      -- the earlier article it copies (the origin)
    kind       TEXT NOT NULL,      -- exact | near
    similarity REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX duplicates_of ON duplicates(of_id);

CREATE TABLE reports (
    story_id      TEXT PRIMARY KEY,
    story_version INTEGER NOT NULL,
    created       TEXT NOT NULL,
    report        TEXT NOT NULL     -- Report.to_dict() as JSON
);

CREATE TABLE feeds (
    url           TEXT PRIMARY KEY,
    title         TEXT NOT NULL DEFAULT '',
    added         TEXT NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    last_polled   TEXT,
    last_status   TEXT,
    last_error    TEXT,
    error_count   INTEGER NOT NULL DEFAULT 0,
    next_poll     TEXT
);

CREATE TABLE feed_entries (
    feed_url   TEXT NOT NULL,
    entry_key  TEXT NOT NULL,
    article_id TEXT,
    seen       TEXT NOT NULL,
    PRIMARY KEY (feed_url, entry_key)
) WITHOUT ROWID;

CREATE TABLE skips (
    id     INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    stage  TEXT NOT NULL DEFAULT 'read',
    time   TEXT NOT NULL
);
CREATE INDEX skips_reason ON skips(reason);

CREATE TABLE outlets (
    name    TEXT PRIMARY KEY,
    domain  TEXT,
    country TEXT,
    kind    TEXT NOT NULL DEFAULT 'original'   -- wire | original
);
CREATE INDEX outlets_domain ON outlets(domain);

CREATE TABLE signatures (
    article_id TEXT PRIMARY KEY,   -- dedup signature (format byte + parameters inside), to rebuild the index
    data       BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE state (
    name    TEXT PRIMARY KEY,   -- e.g. 'dedup', 'cluster'
    seq     INTEGER NOT NULL,   -- last articles.seq the snapshot includes
    data    BLOB NOT NULL,
    updated TEXT NOT NULL
);
"""

# Re-ingesting an item looks its raw input up by (raw hash, origin) before cleaning
# it: without this index every lookup scanned the whole articles table, and ingest
# slowed down as the corpus grew.
_0002_raw_origin_index = """
CREATE INDEX IF NOT EXISTS articles_raw_origin ON articles(raw_hash, origin);
"""

# Story lists are ordered by the last activity: with this index a page of the newest
# stories is read in order instead of sorting every story of the corpus.
_0003_story_activity_index = """
CREATE INDEX IF NOT EXISTS stories_activity ON stories(COALESCE(last_published, updated) DESC, id);
"""

# A story's counts, time span and title are recomputed whenever it gains articles.
# Read through articles and duplicates, that cost a random row lookup per member (the
# members of a long story are spread over the whole file), so the write path slowed
# down as stories and the file grew. The members now carry what the recount needs,
# next to each other in story_articles' primary key order.
_0004_story_member_columns = """
ALTER TABLE story_articles ADD COLUMN seq INTEGER;         -- articles.seq
ALTER TABLE story_articles ADD COLUMN outlet TEXT;
ALTER TABLE story_articles ADD COLUMN published TEXT;
ALTER TABLE story_articles ADD COLUMN sort_time TEXT;      -- COALESCE(published, articles.added)
ALTER TABLE story_articles ADD COLUMN titled INTEGER;      -- 1 when the article has a title
ALTER TABLE story_articles ADD COLUMN of_id TEXT;          -- duplicates.of_id: the article it copies
UPDATE story_articles SET seq = a.seq, outlet = a.outlet, published = a.published,
    sort_time = COALESCE(a.published, a.added), titled = (a.title != '')
    FROM articles a WHERE a.id = story_articles.article_id;
UPDATE story_articles SET of_id = d.of_id FROM duplicates d WHERE d.article_id = story_articles.article_id;
"""

# Story search (`stories --query`) goes from the full-text matches (article seqs) to
# their stories. Through articles, that read a row of the article table per match, a
# random page each (hundreds of ms for a common word in a large corpus); this index
# answers it from story_articles alone. Seqs only grow, so it is appended to cheaply.
_0005_story_member_seq_index = """
CREATE INDEX IF NOT EXISTS story_articles_seq ON story_articles(seq);
"""

# Every index on a random key (a hash, an id) costs the write path a page of its own
# per article: SQLite reads it (once the index outgrows the page cache) and writes it
# to the log and again into the file at a checkpoint, so ingest slowed down as the
# corpus grew. Two indexes only repeated others: a URL's few versions are found
# through articles_url_key, whatever their raw hash, and a merge finds a story's
# articles through story_articles. Signatures were the largest table keyed at random
# (by article id, about 550 bytes a row); keyed by articles.seq they are appended.
_0006_lean_write_indexes = """
DROP INDEX IF EXISTS articles_raw;
DROP INDEX IF EXISTS articles_story;
CREATE TABLE signatures_by_seq (
    seq  INTEGER PRIMARY KEY,   -- articles.seq of the article the signature belongs to
    data BLOB NOT NULL          -- dedup signature (format byte + parameters inside), to rebuild the index
);
INSERT INTO signatures_by_seq (seq, data)
    SELECT a.seq, s.data FROM signatures s JOIN articles a ON a.id = s.article_id ORDER BY a.seq;
DROP TABLE signatures;
ALTER TABLE signatures_by_seq RENAME TO signatures;
"""

# A feed's title is either one the user gave (--title, an OPML outline), which stays, or
# the feed's own, which follows the feed when it renames itself. The two could not be told
# apart before this column; titles stored before it are kept as given.
_0007_feed_title_given = """
ALTER TABLE feeds ADD COLUMN title_given INTEGER NOT NULL DEFAULT 0;
UPDATE feeds SET title_given = 1 WHERE title != '';
"""

# Chinese and Japanese are written without spaces between words, so the word index holds a
# whole run of their characters as one word, and a word inside it was never found. A side
# index holds each run's neighbouring character pairs (store.cjk_bigrams; it and
# triangulate_has_cjk are functions the store registers on its connection before it
# migrates: 1 to 4 s per 100,000 stored articles, by their length), for the articles that have such text
# only. Its rows are written with the articles'; a trigger drops them with theirs.
_0008_cjk_search = """
CREATE VIRTUAL TABLE articles_cjk USING fts5(title, text, tokenize='unicode61 remove_diacritics 2');
INSERT INTO articles_cjk (rowid, title, text)
    SELECT seq, triangulate_cjk_bigrams(title), triangulate_cjk_bigrams(text) FROM articles
    WHERE triangulate_has_cjk(title) OR triangulate_has_cjk(text);
CREATE TRIGGER articles_cjk_ad AFTER DELETE ON articles BEGIN
    DELETE FROM articles_cjk WHERE rowid = old.seq;
END;
CREATE TRIGGER articles_cjk_au AFTER UPDATE OF title, text ON articles BEGIN
    DELETE FROM articles_cjk WHERE rowid = old.seq;
END;
"""

#: (name, SQL) in the order they must run. Append only.
MIGRATIONS: tuple[tuple[str, str], ...] = (
    ("0001_core", _0001_core),
    ("0002_raw_origin_index", _0002_raw_origin_index),
    ("0003_story_activity_index", _0003_story_activity_index),
    ("0004_story_member_columns", _0004_story_member_columns),
    ("0005_story_member_seq_index", _0005_story_member_seq_index),
    ("0006_lean_write_indexes", _0006_lean_write_indexes),
    ("0007_feed_title_given", _0007_feed_title_given),
    ("0008_cjk_search", _0008_cjk_search),
)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def check_database(conn: sqlite3.Connection) -> None:
    """Refuse, before anything is written to it, a database that is not a corpus this
    version can open: one holding another application's tables (a mistyped ``--db``), or
    one migrated by a newer triangulate.

    Raises:
        StoreError: ``[E510]`` not a triangulate corpus; ``[E501]`` a newer schema.
    """
    tables = [str(row[0]) for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    if not tables:
        return  # a new, empty database
    if "migrations" not in tables:
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise StoreError(
            f"this SQLite database is not a triangulate corpus (its tables: {shown}); it was left as it is: "
            "give --db a new file or a corpus",
            code="E510",
        )
    _refuse_unknown([str(row[0]) for row in conn.execute("SELECT name FROM migrations ORDER BY rowid")])


def _refuse_unknown(done: list[str]) -> None:
    known = {name for name, _ in MIGRATIONS}
    unknown = [name for name in done if name not in known]
    if unknown:
        raise StoreError(
            f"the corpus database has schema migrations this version does not know ({', '.join(unknown)}); "
            "upgrade triangulate or open another --db",
            code="E501",
        )


def applied(conn: sqlite3.Connection) -> list[str]:
    """Names of the migrations already applied to ``conn``'s database, in order."""
    conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)")
    return [row[0] for row in conn.execute("SELECT name FROM migrations ORDER BY rowid")]


def pending(conn: sqlite3.Connection) -> list[str]:
    """Names of the migrations not yet applied to ``conn``'s database, in order; it only
    reads (for a database opened read-only)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'").fetchone():
        return [name for name, _ in MIGRATIONS]
    done = {str(row[0]) for row in conn.execute("SELECT name FROM migrations")}
    return [name for name, _ in MIGRATIONS if name not in done]


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply every migration of :data:`MIGRATIONS` not yet logged; return the names applied.

    Each migration runs in its own transaction together with its log entry, so a
    crash leaves the database either before or after it, never half-way.

    Raises:
        StoreError: when the database holds migrations this version does not know
            (it was written by a newer triangulate) or a migration fails.
    """
    done = applied(conn)
    _refuse_unknown(done)
    ran: list[str] = []
    for name, sql in MIGRATIONS:
        if name in done:
            continue
        try:
            conn.execute("BEGIN IMMEDIATE")
            # Re-check inside the write lock: another process may have just migrated.
            if conn.execute("SELECT 1 FROM migrations WHERE name = ?", (name,)).fetchone():
                conn.execute("COMMIT")
                continue
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute("INSERT INTO migrations(name, applied) VALUES (?, ?)", (name, _now()))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StoreError(f"schema migration {name} failed: {exc}", code="E502") from exc
        log.info("applied migration %s", name)
        ran.append(name)
    return ran


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements (``executescript`` would commit on its own)."""
    out: list[str] = []
    buf = ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
