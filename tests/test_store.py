"""The corpus database: migrations, WAL, full-text search, stories, report cache, registry."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triangulate.corpus import Corpus
from triangulate.corpus.migrations import MIGRATIONS
from triangulate.corpus.outlets import Outlet, dump_registry, load_registry, parse_registry
from triangulate.corpus.store import ArticleRow, Store, parse_since, split_snippet
from triangulate.errors import ConfigError, InputError, StoreError
from triangulate.models import REPORT_SCHEMA_VERSION, RawDocument, Removed, Skipped


def row(article_id: str, *, title: str = "Title", text: str = "Body text.", outlet: str = "Outlet", key: str | None = None, **kw: object) -> ArticleRow:
    base = dict(
        id=article_id, url_key=key or f"file:{article_id}", version=1, outlet=outlet, title=title, authors=("A. Writer",),
        url=None, canonical_url=None, origin=f"{article_id}.txt", kind="text", language="en", dateline=None,
        published="2025-10-15T08:00:00+00:00", fetched=None, added="2025-10-15T09:00:00+00:00", content_hash=article_id,
        raw_hash=article_id, raw=text, text=text, removed=(Removed("Share this article", "share"),),
    )
    base.update(kw)
    return ArticleRow(**base)  # type: ignore[arg-type]


def test_a_new_database_is_migrated_once_and_logs_its_migrations(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with Store.open(db) as store:
        names = [name for name, _ in store.migrations()]
    assert names == [name for name, _ in MIGRATIONS]
    with Store.open(db) as store:  # reopening applies nothing twice
        assert [name for name, _ in store.migrations()] == names
        assert store.integrity_check() == ["ok"]


def test_the_database_runs_in_wal_mode_with_normal_sync(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    Store.open(db).close()
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO migrations(name, applied) VALUES ('9999_future', 'now')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="E501"):
        Store.open(db)


def test_a_database_from_a_newer_version_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    Store.open(db).close()
    conn = sqlite3.connect(db, isolation_level=None)
    assert conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
    conn.execute("INSERT INTO migrations(name, applied) VALUES ('9999_future', 'now')")
    conn.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match="E501"):
        Store.open(db)
    assert db.read_bytes() == before  # not even switched to WAL


def test_another_applications_database_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    # A mistyped --db that names a browser's or an app's SQLite file must not gain a schema.
    db = tmp_path / "bookmarks.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE bookmarks (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO bookmarks (url) VALUES ('https://example.org')")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    for readonly in (False, True):
        with pytest.raises(StoreError, match=r"not a triangulate corpus \(its tables: bookmarks\)") as caught:
            Store(db, readonly=readonly)
        assert caught.value.code == "E510"
    assert db.read_bytes() == before


def test_a_damaged_database_is_a_coded_error_not_a_traceback(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with Store.open(db) as store, store.transaction() as conn:
        conn.executemany("INSERT INTO skips (origin, reason, detail, time) VALUES (?, 'empty', ?, 'now')",
                         [(f"file-{i}.txt", "x" * 500) for i in range(2000)])
    size = db.stat().st_size
    with db.open("r+b") as f:  # scribble over the middle of the file, past the schema pages
        f.seek(size // 2)
        f.write(b"\xde\xad\xbe\xef" * 4096)
    with pytest.raises(StoreError, match=r"is damaged .*integrity_check") as caught:
        with Store.open(db) as store:
            store.skips(limit=5000)
    assert caught.value.code == "E509" and caught.value.exit_code == 5


def damage_the_search_index(db: Path, how: str) -> None:
    """Damage the full-text index of ``db`` as a file copied over an open database can:
    a table of the index gone, or its format record wrong."""
    conn = sqlite3.connect(db, isolation_level=None)
    if how == "table gone":
        conn.execute("DROP TABLE articles_fts_data")
    else:
        conn.execute("UPDATE articles_fts_config SET v = 99 WHERE k = 'version'")
    conn.close()


@pytest.mark.parametrize("how", ["table gone", "wrong format"])
def test_a_damaged_search_index_is_a_coded_error_on_every_path_that_reads_or_writes_it(tmp_path: Path, how: str) -> None:
    db = tmp_path / "c.db"
    with Store.open(db) as store:
        store.insert_articles([row("a1", title="Ferry", text="The ferry sailed.")])
        store.assign([("a1", "s1")])
        store.refresh_stories(["s1"])
    damage_the_search_index(db, how)
    with Store.open(db) as store:
        assert [s.id for s in store.stories()] == ["s1"]  # what does not touch the index still reads
        for use in (
            lambda: store.search("ferry"),
            lambda: store.stories(query="ferry"),
            lambda: store.count_stories(query="ferry"),
            lambda: store.insert_articles([row("a2", text="Another ferry.")]),
        ):
            with pytest.raises(StoreError, match=r"is damaged .*integrity_check") as caught:
                use()
            assert caught.value.code == "E509"


def test_a_report_is_not_cached_when_another_process_holds_the_write_lock(tmp_path: Path) -> None:
    # The report is ready: waiting the store's 30 s timeout only to cache it would hold up
    # the reader (and, in the server, every request behind it).
    import time

    db = tmp_path / "c.db"
    with Store.open(db) as store:
        other = sqlite3.connect(db, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(StoreError, match="busy"):
            store.save_report("s1", 1, {"title": "x"})
        assert time.monotonic() - started < 15
        other.execute("ROLLBACK")
        other.close()
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
        store.save_report("s1", 1, {"title": "x"})  # once the lock is free, it is cached
        assert store.conn.execute("SELECT story_version FROM reports WHERE story_id = 's1'").fetchone() == (1,)


def test_waiting_for_another_writers_lock_can_be_interrupted_and_gives_up_when_told(tmp_path: Path) -> None:
    # SQLite's own busy wait is one C call: a Ctrl-C would wait out its 30 s. The store
    # waits in short tries instead.
    import signal
    import threading
    import time

    db = tmp_path / "c.db"
    with Store.open(db) as store:
        other = sqlite3.connect(db, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError, match=r"E512.*busy"):
            store.wait_for_write_lock(timeout=0.5)
        interrupt = threading.Timer(0.5, signal.pthread_kill, (threading.main_thread().ident, signal.SIGINT))
        interrupt.start()
        started = time.monotonic()
        try:
            with pytest.raises(KeyboardInterrupt):
                store.wait_for_write_lock()
        finally:
            interrupt.cancel()  # never a stray Ctrl-C in another test
        assert time.monotonic() - started < 10
        other.execute("ROLLBACK")
        other.close()
        store.wait_for_write_lock(timeout=0.5)  # free: returns, holding nothing
        assert not store.conn.in_transaction
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        Store.open(tmp_path / "nope" / "c.db")


def test_a_failed_batch_leaves_nothing_behind(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        with pytest.raises(RuntimeError):
            with store.transaction():
                store.insert_articles([row("a1")])
                raise RuntimeError("crash in the middle of a batch")
        assert store.count_articles() == 0


def test_full_text_search_ranks_title_matches_and_survives_odd_queries(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        store.insert_articles([
            row("a1", title="Ferry service halted", text="Smoke closed the harbour."),
            row("a2", title="Budget vote", text="The ferry budget passed."),
            row("a3", title="Weather", text="Sunny."),
        ])
        assert [a.id for a, _ in store.search("ferry")] == ["a1", "a2"]
        assert [a.id for a, _ in store.search("ferry", limit=1, offset=1)] == ["a2"]
        assert store.count_search("ferry") == 2 and store.count_search("   ") == 0  # every page's hits
        assert [a.id for a, _ in store.search("harb")] == ["a1"]  # the last word is a prefix
        assert store.search('"unbalanced AND (OR') == []
        assert store.search("   ") == []
        _, snippet = store.search("smoke")[0]
        assert split_snippet(snippet) == ("Smoke closed the harbour.", ((0, 5),))  # the match, by offsets


def found(store: Store, query: str) -> list[str]:
    """The ids of the articles a search finds, sorted."""
    return sorted(a.id for a, _ in store.search(query))


def test_search_reads_phrases_or_exclusions_and_numbers_with_punctuation(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        store.insert_articles([
            row("deal", title="Pay deal", text="Dockers accepted a pay rise of 6.5% after the port strike in Halden."),
            row("vote", title="Count", text="Turnout was 52.4 percent, or 3,500 voters, at the strike vote."),
            row("walk", title="Walkout", text="A walkout at the port of Kessmar stopped the ferries."),
            row("quake", title="Quake", text="A quake in Lorvania damaged the port."),
            row("rate", title="Rates", text="The rate rose to 6.55 percent after the strike."),
        ])

        assert found(store, "6.5%") == ["deal"]  # not every text with a 6 and a 5 in it, nor 6.55
        assert found(store, '"port strike"') == ["deal"] and found(store, "port strike") == ["deal"]
        assert found(store, "strike OR walkout port") == ["deal", "walk"]
        assert found(store, "port -Lorvania") == found(store, "port NOT Lorvania") == ["deal", "walk"]
        assert found(store, 'strike -"port strike"') == ["rate", "vote"]  # the phrase is left out, not "port"
        assert found(store, "-port") == []  # only what to leave out: nothing to look for
        assert found(store, "strike AND Halden") == found(store, "strike Halden") == ["deal"]  # AND is not a word to find
        assert found(store, "Halden strik*") == ["deal"] and found(store, "strik* Halden") == ["deal"]  # a typed * is a prefix anywhere


CJK_ROWS = [
    row("zh", title="上海港口工人罢工", text="上海港口的工人星期一开始罢工，抗议新的劳动改革。工会宣布罢工将持续三天。", published="2026-11-30T10:00:00+00:00"),
    row("ja", title="東京で地震", text="東京で震度5の地震が発生しました。けが人の情報はありません。", published="2026-11-30T11:00:00+00:00"),
    row("ko", title="서울 지하철 파업", text="서울에서 지하철 노조가 월요일에 파업을 시작했다. A strike in Seoul.", published="2026-11-30T12:00:00+00:00"),
    row("en", title="Port strike", text="Dockers in Halden went on strike on Monday.", published="2026-11-30T09:00:00+00:00"),
]


def test_a_chinese_japanese_or_korean_word_is_found_inside_a_run_of_characters(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        store.insert_articles(CJK_ROWS)

        assert found(store, "罢工") == ["zh"]  # "strike", inside 工人星期一开始罢工
        assert found(store, "地震") == found(store, "震度") == ["ja"]
        assert found(store, "파업") == found(store, "서울") == ["ko"]  # a Korean word with its particle attached: 서울에서, 파업을
        assert found(store, "罢") == ["zh"]  # one character
        assert found(store, '"工人星期一"') == ["zh"] and found(store, '"工人星期二"') == []
        assert found(store, "罢工 OR 地震") == ["ja", "zh"]
        assert found(store, "strike 서울") == ["ko"] and found(store, "strike") == ["en", "ko"]  # the two indexes together
        assert found(store, "地震 -東京") == [] and found(store, "strike -서울") == ["en"]
        assert store.count_search("罢工 OR 地震") == 2
        (hit,) = store.search("罢工")
        text, matches = split_snippet(hit[1])
        assert [text[a:b] for a, b in matches] == ["罢工", "罢工"]  # both places marked


def test_a_chinese_term_with_digits_or_latin_letters_is_found_whole(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        store.insert_articles([
            row("may", title="五月", text="工会在5月举行罢工。"),
            row("june", title="六月", text="工会在6月举行罢工。"),
            row("cr", title="球赛", text="C罗在比赛中进球。"),
            row("rome", title="罗马", text="罗马的球队输了比赛。"),
        ])
        assert [a.id for a, _ in store.search("5月")] == ["may"]  # not 6月
        assert [a.id for a, _ in store.search("C罗")] == ["cr"]  # not 罗马
        assert sorted(a.id for a, _ in store.search("罢工")) == ["june", "may"]


def test_stories_filter_by_a_chinese_word_too(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        store.insert_articles(CJK_ROWS)
        store.assign([(r.id, f"s-{r.id}") for r in CJK_ROWS])
        store.refresh_stories([f"s-{r.id}" for r in CJK_ROWS])
        assert [s.id for s in store.stories(query="罢工")] == ["s-zh"]
        assert store.count_stories(query="strike") == 2


def test_a_corpus_from_before_the_side_index_gets_its_chinese_articles_indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import triangulate.corpus.migrations as migrations
    import triangulate.corpus.store as store_module

    db = tmp_path / "c.db"
    before = tuple(m for m in MIGRATIONS if m[0] != "0008_cjk_search")
    with monkeypatch.context() as m:  # the version before: no side index, nothing written to it
        m.setattr(migrations, "MIGRATIONS", before)
        m.setattr(store_module, "_CJK_RUN", re.compile("(?!)"))
        with Store.open(db) as store:
            store.insert_articles(CJK_ROWS)
            assert "0008_cjk_search" not in [name for name, _ in store.migrations()]
    with Store.open(db) as store:
        assert [a.id for a, _ in store.search("罢工")] == ["zh"]
        assert store._one("SELECT COUNT(*) FROM articles_cjk")[0] == 3  # the three articles with such text
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM articles WHERE id = 'zh'")  # a row that goes takes its side-index row along
    conn.close()
    with Store.open(db) as store:
        assert store.search("罢工") == [] and store._one("SELECT COUNT(*) FROM articles_cjk")[0] == 2


def test_a_word_written_with_symbols_is_found_as_written_not_as_a_prefix(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        store.insert_articles([
            row("lang", title="Jobs", text="The plant hires C++ programmers."),
            row("cargo", title="Port", text="Cargo volumes fell; casualties were reported."),
        ])
        assert [a.id for a, _ in store.search("C++")] == ["lang"]
        assert [a.id for a, _ in store.search("carg")] == ["cargo"]  # a plain last word is still a prefix


def test_limits_past_sqlite_integers_mean_all_rows_not_an_overflow(tmp_path: Path) -> None:
    huge = 2**70
    with Store.open(tmp_path / "c.db") as store:
        two_stories(store)
        assert len(store.articles(limit=huge)) == 2 and store.articles(limit=1, offset=huge) == []
        assert len(store.stories(limit=huge)) == 2 and store.stories(min_sources=huge) == []
        assert store.search("a", limit=huge) == store.search("a")


@pytest.mark.parametrize("path", ["", "  "])
def test_an_empty_database_path_is_refused_not_opened_as_a_temporary_database(path: str) -> None:
    with pytest.raises(StoreError, match=r"\[E504\] no corpus database named"):
        Store.open(path)


def two_stories(store: Store) -> None:
    """Stories s1 and s2, one article each, of two outlets."""
    store.insert_articles([row("a1"), row("a2", outlet="Other")])
    store.assign([("a1", "s1"), ("a2", "s2")])
    store.refresh_stories(["s1", "s2"])


def test_merging_stories_moves_their_articles_and_old_ids_follow(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        two_stories(store)
        store.merge_stories("s1", ["s2"])
        store.refresh_stories(["s1"])
        info = store.story("s2")
        assert info is not None and info.id == "s1" and info.articles == 2 and info.outlets == 2
        assert [s.id for s in store.stories()] == ["s1"]


def test_a_merge_given_stale_ids_never_merges_a_story_into_itself(tmp_path: Path) -> None:
    # Two merges at once in opposite directions: the second was given ids before the first ran.
    with Store.open(tmp_path / "c.db") as store:
        two_stories(store)
        store.merge_stories("s1", ["s2"])
        store.merge_stories("s2", ["s1"])
        store.refresh_stories(["s1"])
        assert store._query("SELECT id FROM stories WHERE merged_into = id") == []
        assert [(s.id, s.articles) for s in store.stories()] == [("s1", 2)]
        assert [s.id for s in store.stories(query="Body")] == ["s1"]


def test_moving_articles_changes_both_stories_and_drops_their_reports(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        store.insert_articles([row("a1", outlet="Wire"), row("a2", outlet="Paper"), row("a3", outlet="Radio", title="Other event")])
        store.add_duplicates([("a2", "a1", "exact", 1.0)])
        store.assign([("a1", "s1"), ("a2", "s1"), ("a3", "s1")])
        store.refresh_stories(["s1"])  # the counts are kept from here on: the move must make them recount
        store.insert_articles([row("a1v0", key="file:a1", story_id="s1")])  # an earlier version of a1
        store.supersede("a1v0", "a1")
        store.save_report("s1", store.story("s1").version, {"schema_version": REPORT_SCHEMA_VERSION})  # type: ignore[union-attr]
        before = store.story("s1").version  # type: ignore[union-attr]

        left = store.move_articles(["a1", "a2", "a1v0"], "new1")
        store.refresh_stories(["new1", *left])

        assert left == ["s1"]
        assert store.cached_report("s1") is None and store.story("s1").version > before  # type: ignore[union-attr]
        assert _story_rows(store) == _counted_by_definition(store)
        assert {s.id: (s.articles, s.sources, s.title) for s in store.stories()} == {"new1": (2, 1, "Title"), "s1": (1, 1, "Other event")}
        assert {a.id: a.story_id for a in store.articles(include_superseded=True)} == {"a1": "new1", "a2": "new1", "a1v0": "new1", "a3": "s1"}
        # Moving the last member out empties a story: it is no longer listed.
        assert store.move_articles(["a3"], "new1") == ["s1"]
        store.refresh_stories(["new1", "s1"])
        assert [(s.id, s.articles, s.sources) for s in store.stories()] == [("new1", 3, 2)]
        assert store.story("s1").articles == 0  # type: ignore[union-attr]
        assert _story_rows(store) == _counted_by_definition(store)


def test_independent_sources_fold_a_reprint_into_its_origin(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        store.insert_articles([row("a1", outlet="Wire"), row("a2", outlet="Paper"), row("a3", outlet="Radio")])
        store.add_duplicates([("a2", "a1", "exact", 1.0)])
        store.assign([("a1", "s"), ("a2", "s"), ("a3", "s")])
        store.refresh_stories(["s"])
        info = store.story("s")
        assert info is not None and (info.outlets, info.sources) == (3, 2)
        assert [s.id for s in store.stories(min_sources=3)] == []
        assert [s.id for s in store.stories(min_sources=2)] == ["s"]


def test_a_reprint_link_recorded_after_assignment_still_folds_into_its_origin(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        store.insert_articles([row("a1", outlet="Wire"), row("a2", outlet="Paper")])
        store.assign([("a1", "s"), ("a2", "s")])
        store.refresh_stories(["s"])
        assert store.story("s").sources == 2  # type: ignore[union-attr]
        store.add_duplicates([("a2", "a1", "near", 0.93)])
        store.refresh_stories(["s"])
        assert store.story("s").sources == 1  # type: ignore[union-attr]


def test_the_story_title_is_the_earliest_original_article_title(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        store.insert_articles([
            row("copy", title="Reprinted first", published="2025-10-15T07:00:00+00:00", outlet="Paper"),
            row("late", title="Own report, later", published="2025-10-15T10:00:00+00:00", outlet="Radio"),
            row("wire", title="Wire report", published="2025-10-15T08:00:00+00:00", outlet="Wire"),
            row("untitled", title="", published="2025-10-15T06:00:00+00:00", outlet="Blog"),
        ])
        store.add_duplicates([("copy", "wire", "exact", 1.0)])
        store.assign([("copy", "s"), ("late", "s"), ("wire", "s"), ("untitled", "s")])
        store.refresh_stories(["s"])
        info = store.story("s")
        assert info is not None and info.title == "Wire report" and info.articles == 4
        assert (info.first_published, info.last_published) == ("2025-10-15T06:00:00+00:00", "2025-10-15T10:00:00+00:00")


def test_a_database_from_before_the_member_columns_gets_them_filled(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    names = [name for name, _ in MIGRATIONS]
    with Store.open(path) as store:
        store.insert_articles([row("a1", outlet="Wire"), row("a2", outlet="Paper"), row("a3", outlet="Radio")])
        store.add_duplicates([("a2", "a1", "exact", 1.0)])
        store.assign([("a1", "s"), ("a2", "s"), ("a3", "s")])
    # Undo migrations 0005 and 0004 by hand: the file as an earlier version wrote it.
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX story_articles_seq")
    for column in ("seq", "outlet", "published", "sort_time", "titled", "of_id"):
        conn.execute(f"ALTER TABLE story_articles DROP COLUMN {column}")
    conn.execute("DELETE FROM migrations WHERE name IN (?, ?)", ("0004_story_member_columns", "0005_story_member_seq_index"))
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        # The undone migrations ran again, after the ones the file kept.
        redone = ["0004_story_member_columns", "0005_story_member_seq_index"]
        assert [name for name, _ in store.migrations()] == [n for n in names if n not in redone] + redone
        store.refresh_stories(["s"])
        info = store.story("s")
        assert info is not None and (info.articles, info.outlets, info.sources) == (3, 3, 2)
        assert info.title == "Title"
        # Story search reads the members' seqs, filled and indexed by the migrations.
        assert [s.id for s in store.stories(query="title")] == ["s"]


def test_a_database_from_before_the_lean_indexes_keeps_its_signatures_keyed_by_seq(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with Store.open(path) as store:
        store.insert_articles([row("a1", key="https://x.example/1"), row("a2", key="https://x.example/2")])
        seqs = dict(store.conn.execute("SELECT id, seq FROM articles"))
    # The file as a version before migration 0006 wrote it.
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE signatures")
    conn.execute("CREATE TABLE signatures (article_id TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID")
    conn.executemany("INSERT INTO signatures VALUES (?, ?)", [("a1", b"sig-1"), ("a2", b"sig-2"), ("gone", b"orphan")])
    conn.execute("CREATE INDEX articles_raw ON articles(url_key, raw_hash)")
    conn.execute("CREATE INDEX articles_story ON articles(story_id)")
    conn.execute("DELETE FROM migrations WHERE name = '0006_lean_write_indexes'")
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        assert sorted(store.conn.execute("SELECT seq, data FROM signatures")) == [(seqs["a1"], b"sig-1"), (seqs["a2"], b"sig-2")]
        indexes = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert not indexes & {"articles_raw", "articles_story"}
        # What those indexes answered (a raw-input lookup, a merge) is still answered from an
        # index: the statements these calls run are planned without reading every article.
        ran: list[str] = []
        store.conn.set_trace_callback(ran.append)
        assert store.has_raw("https://x.example/1", "a1") == "a1"
        store.assign([("a1", "s1"), ("a2", "s2")])
        store.merge_stories("s2", ["s1"])
        store.conn.set_trace_callback(None)
        touching = [sql for sql in ran if re.search(r"\b(FROM|UPDATE) articles\b", sql)]
        assert any(sql.startswith("UPDATE articles SET story_id") for sql in touching)
        for sql in touching:
            plan = " ".join(str(r[-1]) for r in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
            assert not re.search(r"\bSCAN (articles|a)\b", plan), (sql, plan)
        assert store.article("a1") is not None and store.article("a1").story_id == "s2"  # type: ignore[union-attr]


def test_story_filters_by_time_query_and_outlet(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        store.insert_articles([
            row("old", title="Harbour fire", published="2020-01-01T00:00:00+00:00"),
            row("new", title="Court ruling", published="2030-01-01T00:00:00+00:00", outlet="Bay Post"),
        ])
        store.assign([("old", "s-old"), ("new", "s-new")])
        store.refresh_stories(["s-old", "s-new"])
        assert [s.id for s in store.stories(since="2025-01-01T00:00:00+00:00")] == ["s-new"]
        assert [s.id for s in store.stories(query="harbour")] == ["s-old"]
        assert [s.id for s in store.stories(outlet="Bay Post")] == ["s-new"]


def test_an_article_dated_by_its_day_alone_is_listed_since_that_day_as_it_was_since_its_midnight(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        store.insert_articles([row("day", title="Harbour fire", published="2026-03-04", added="2026-03-06T09:00:00+00:00")])
        store.assign([("day", "s-day")])
        store.refresh_stories(["s-day"])
        for since, listed in ((parse_since("2026-03-04"), True), ("2026-03-03T23:00:00+00:00", True), ("2026-03-04T06:00:00+00:00", False)):
            assert [a.id for a in store.articles(since=since)] == (["day"] if listed else []), since
            assert [s.id for s in store.stories(since=since)] == (["s-day"] if listed else []), since
            assert store.count_articles(since=since) == store.count_stories(since=since) == int(listed)


def test_since_accepts_ages_and_dates() -> None:
    assert parse_since("2024-05-01") == "2024-05-01T00:00:00+00:00"
    assert parse_since("24h") < parse_since("1h")
    with pytest.raises(ValueError):
        parse_since("yesterday-ish")
    assert parse_since("20240501") == parse_since("2024-05-01")  # a bare number is a date only as YYYYMMDD
    for number in ("1733011200", "1764547200", "2024"):  # not the year 1733, and not a Unix time
        with pytest.raises(ValueError, match="not a date"):
            parse_since(number)
    # An age older than the calendar means everything, not an overflow.
    assert parse_since("999999d") == parse_since("99999999999999999999w") == "0001-01-01T00:00:00+00:00"


def test_skips_feeds_and_registry_round_trip(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        store.add_skips([Skipped("x.txt", "binary", "contains NUL bytes")])
        assert [(s.origin, s.reason) for s in store.skips()] == [("x.txt", "binary")]
        assert store.add_feed("https://a.example/rss") and not store.add_feed("https://a.example/rss")
        store.update_feed("https://a.example/rss", etag='"1"', error_count=2)
        feed = store.feed("https://a.example/rss")
        assert feed is not None and (feed.etag, feed.error_count) == ('"1"', 2)
        with pytest.raises(ValueError):
            store.update_feed("https://a.example/rss", bogus=1)
        store.upsert_outlets([("Associated Press", "apnews.com", "US", "wire")])
        assert store.outlet_for_domain("www.apnews.com") == "Associated Press"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(max_size=80), text=st.text(min_size=1, max_size=400), raw=st.text(max_size=400))
def test_any_text_round_trips_through_the_store(tmp_path: Path, title: str, text: str, raw: str) -> None:
    with Store.open(":memory:") as store:
        store.insert_articles([row("a1", title=title, text=text, raw=raw)])
        got = store.article("a1")
    assert got is not None and (got.title, got.text, got.raw) == (title, text, raw)
    assert got.removed == (Removed("Share this article", "share"),)
    assert got.authors == ("A. Writer",)


# --- registry files ---------------------------------------------------------------------------


def test_registry_files_round_trip_in_toml_and_json(tmp_path: Path) -> None:
    outlets = [Outlet("Associated Press", "apnews.com", "US", "wire"), Outlet('Daily "Quoted"', None, None, "original")]
    for suffix in ("toml", "json"):
        path = tmp_path / f"r.{suffix}"
        path.write_text(dump_registry(outlets, fmt=suffix), encoding="utf-8")
        assert sorted(load_registry(path), key=lambda o: o.name) == sorted(outlets, key=lambda o: o.name)


def test_a_registry_entry_with_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ConfigError, match="kind"):
        parse_registry('[[outlet]]\nname = "X"\nkind = "tabloid"\n', fmt="toml")
    with pytest.raises(ConfigError, match="more than once"):
        parse_registry('{"outlets": [{"name": "X"}, {"name": "X"}]}', fmt="json")


# --- report cache ------------------------------------------------------------------------------


QUAKE = (
    "Quake shakes Marrow Valley",
    "An earthquake of magnitude 6.1 struck the Marrow Valley early on Tuesday, toppling the clock tower in Aldersby, the civil protection agency said.\n\n"
    "Mayor Ilse Varga said three people were taken to hospital with light injuries.",
)


def test_a_story_report_is_cached_and_refreshed_when_the_story_gains_an_article(tmp_path: Path, embedder: object) -> None:
    with Corpus.open(tmp_path / "c.db", embedder=embedder) as corpus:
        first = corpus.add(RawDocument(origin="valley-times.txt", content=QUAKE[0] + "\n\n" + QUAKE[1]))
        sid = first.story_id or ""
        report = corpus.report(sid)
        assert [s.outlet for s in report.sources] == ["valley-times"]
        assert corpus.store.cached_report(sid) is not None
        again = corpus.report(sid)
        assert again.to_dict() == report.to_dict()
        assert again == report  # the cache changes nothing, raw inputs included (none: `article --raw` has them)
        corpus.add(RawDocument(origin="county-echo.txt", content=QUAKE[0] + "\n\n" + QUAKE[1]))  # a copy joins the story
        assert corpus.store.cached_report(sid) is None  # invalidated
        refreshed = corpus.report(sid)
        assert sorted(s.outlet for s in refreshed.sources) == ["county-echo", "valley-times"]


def test_a_report_cached_by_a_release_with_another_schema_is_computed_again(tmp_path: Path, embedder: object) -> None:
    with Corpus.open(tmp_path / "c.db", embedder=embedder) as corpus:
        sid = corpus.add(RawDocument(origin="valley-times.txt", content=QUAKE[0] + "\n\n" + QUAKE[1])).story_id or ""
        old = corpus.report(sid).to_dict() | {"schema_version": "1.0"}
        corpus.store.save_report(sid, corpus.store.story(sid).version, old)  # type: ignore[union-attr]
        assert corpus.store.cached_report(sid) is None
        assert corpus.report(sid).to_dict()["schema_version"] == REPORT_SCHEMA_VERSION


def test_a_database_that_refuses_writes_is_a_store_error_and_keeps_what_it_has(tmp_path: Path, embedder: object) -> None:
    with Corpus.open(tmp_path / "c.db", embedder=embedder) as corpus:
        corpus.add(RawDocument(origin="valley-times.txt", content=QUAKE[0] + "\n\n" + QUAKE[1]))
        corpus.store.conn.execute("PRAGMA query_only = 1")  # what a read-only file or folder gives
        with pytest.raises(StoreError) as caught:
            corpus.add(RawDocument(origin="county-echo.txt", content="Another story\n\nThe ferry to Pembrook resumed on Friday, the operator said."))
        assert caught.value.code == "E505" and "cannot write to the corpus database" in str(caught.value)
        assert len(corpus.articles()) == 1


def test_a_story_has_one_title_in_the_list_and_in_its_report(tmp_path: Path, embedder: object) -> None:
    with Corpus.open(tmp_path / "c.db", embedder=embedder) as corpus:
        first = corpus.add(RawDocument(origin="valley-times.txt", content=QUAKE[0] + "\n\n" + QUAKE[1], published="2025-10-01T08:00:00Z"))
        corpus.add(RawDocument(origin="county-echo.txt", content="Quake\n\n" + QUAKE[1], published="2025-10-01T09:00:00Z"))
        (story,) = corpus.stories()
        assert story.articles == 2 and story.title == QUAKE[0]  # the earliest original's title, not the shortest
        assert corpus.report(first.story_id or "").title == story.title


def test_a_page_of_stories_is_read_in_order_from_an_index_not_sorted(tmp_path: Path) -> None:
    """Listing the newest stories does not sort every story of the corpus."""
    store = Store.open(tmp_path / "plan.db")
    try:
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        store.stories(limit=20)
        store.stories(since="2026-01-01T00:00:00+00:00", limit=20)
        store.conn.set_trace_callback(None)
        listing = [sql for sql in statements if "FROM stories s" in sql]
        assert len(listing) == 2
        for sql in listing:
            plan = " | ".join(row[3] for row in store.conn.execute("EXPLAIN QUERY PLAN " + sql))
            assert "stories_activity" in plan and "TEMP B-TREE" not in plan, plan
    finally:
        store.close()


def _story_rows(store: Store) -> dict[str, tuple[object, ...]]:
    return {
        r[0]: tuple(r[1:])
        for r in store.conn.execute(
            "SELECT id, articles, outlets, sources, first_published, last_published, title FROM stories WHERE merged_into IS NULL"
        )
    }


def _counted_by_definition(store: Store) -> dict[str, tuple[object, ...]]:
    """The story figures from their definitions, member by member, in plain Python."""
    members: dict[str, list[tuple[str, str, str | None, str, int, int, str | None]]] = {}
    for sid, aid, outlet, published, sort_time, titled, seq, of_id in store.conn.execute(
        "SELECT story_id, article_id, outlet, published, sort_time, titled, seq, of_id FROM story_articles"
    ):
        members.setdefault(sid, []).append((aid, outlet, published, sort_time, titled, seq, of_id))
    titles = dict(store.conn.execute("SELECT seq, title FROM articles"))
    out: dict[str, tuple[object, ...]] = {}
    for (sid,) in store.conn.execute("SELECT id FROM stories WHERE merged_into IS NULL"):
        rows = members.get(sid, [])
        ids = {m[0] for m in rows}
        times = [m[2] for m in rows if m[2] is not None]
        originals = {m[1] for m in rows if m[6] is None or m[6] not in ids}
        named = sorted((m[6] is not None, m[3], m[5]) for m in rows if m[4])
        out[sid] = (
            len(rows), len({m[1] for m in rows}), len(originals), min(times, default=None), max(times, default=None),
            titles[named[0][2]] if named else "",
        )
    return out


def test_kept_story_counts_equal_a_recount_after_any_change(tmp_path: Path) -> None:
    # Refreshing a story updates its kept counts with the members appended since; moves,
    # merges, new versions, late reprint links and another connection's writes make it
    # recount. Whatever happens, every story's figures are those of their definitions.
    import random

    rnd = random.Random(7)
    outlets = ["Wire", "Paper", "Radio", "Blog", "Daily"]
    with Store.open(tmp_path / "c.db") as store, Store.open(tmp_path / "c.db") as other:
        placed: dict[str, str] = {}  # article -> story, as this test put it
        stories = ["s0"]
        n = 0

        def new_article(copy_of: str | None = None) -> str:
            nonlocal n
            n += 1
            aid = f"a{n}"
            hour = rnd.randrange(24)
            published = None if rnd.random() < 0.2 else f"2025-10-15T{hour:02d}:00:00+00:00"
            title = "" if rnd.random() < 0.2 else f"Report {n}"
            store.insert_articles([row(aid, outlet=rnd.choice(outlets), title=title, published=published)])
            if copy_of is not None:
                store.add_duplicates([(aid, copy_of, "near", 0.9)])
            return aid

        for step in range(400):
            op = rnd.random()
            touched: set[str] = set()
            if op < 0.6 or not placed:  # a batch of new articles, some copying earlier or same-batch ones
                pairs = []
                for _ in range(rnd.randint(1, 4)):
                    earlier = [a for a, _ in pairs] + list(placed)
                    aid = new_article(rnd.choice(earlier) if earlier and rnd.random() < 0.3 else None)
                    if rnd.random() < 0.15:
                        stories.append(f"s{len(stories)}")
                    sid = rnd.choice(stories[-6:])
                    pairs.append((aid, sid))
                store.assign(pairs)
                for aid, sid in pairs:
                    placed[aid] = sid
                    touched.add(sid)
            elif op < 0.65:  # a reprint link found after both were placed, mostly in one story
                aid = rnd.choice(sorted(placed))
                same = [a for a, s in placed.items() if s == placed[aid] and a != aid]
                of = rnd.choice(same) if same and rnd.random() < 0.8 else rnd.choice(sorted(placed))
                if of == aid:
                    continue
                store.add_duplicates([(aid, of, "near", 0.8)])
                touched.add(placed[aid])
            elif op < 0.7:  # a reprint placed before its origin, which joins the same story later
                origin = new_article()
                copy = new_article(origin)
                sid = rnd.choice(stories[-6:])
                store.assign([(copy, sid)])
                store.refresh_stories([sid])
                store.assign([(origin, sid)])
                placed.update({copy: sid, origin: sid})
                touched.add(sid)
            elif op < 0.8:  # an article moved to another story
                aid = rnd.choice(sorted(placed))
                sid = rnd.choice(stories)
                touched |= {placed[aid], sid}
                store.assign([(aid, sid)])
                placed[aid] = sid
            elif op < 0.9:  # a new version replaces an article
                old = rnd.choice(sorted(placed))
                new = new_article()
                sid = placed.pop(old)
                assert store.supersede(old, new) == sid
                store.assign([(new, sid)])
                placed[new] = sid
                touched.add(sid)
            else:  # a merge, by this connection or by another one
                live = sorted({s for s in placed.values()})
                if len(live) < 2:
                    continue
                into, gone = rnd.sample(live, 2)
                writer = other if rnd.random() < 0.5 else store
                target = writer.merge_stories(into, [gone])  # `into` itself may have been merged away
                writer.refresh_stories([target])
                placed = {a: (target if s == gone else s) for a, s in placed.items()}
                touched |= {into, target}
            store.refresh_stories(sorted(touched))
            assert _story_rows(store) == _counted_by_definition(store), f"step {step}"
        assert len(store._counts) > 0  # the kept counts were in use


def test_kept_story_counts_do_not_outlive_a_rolled_back_batch(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        store.insert_articles([row("a1", outlet="Wire")])
        store.assign([("a1", "s")])
        store.refresh_stories(["s"])
        with pytest.raises(RuntimeError), store.transaction():
            store.insert_articles([row("a2", outlet="Paper")])
            store.assign([("a2", "s")])
            store.refresh_stories(["s"])  # counts a2, inside the batch that fails
            raise RuntimeError("the batch fails after the refresh")
        store.insert_articles([row("a3", outlet="Radio")])
        store.assign([("a3", "s")])
        store.refresh_stories(["s"])
        info = store.story("s")
        assert info is not None and (info.articles, info.outlets, info.sources) == (2, 2, 2)
        assert _story_rows(store) == _counted_by_definition(store)


def test_an_unknown_story_is_the_same_error_everywhere(tmp_path: Path, embedder: object) -> None:
    # E120 belongs to a cached report of another schema; an unknown story id is E123.
    with Corpus.open(tmp_path / "c.db", embedder=embedder) as corpus:
        with pytest.raises(InputError) as reported:
            corpus.report("nope")
        with pytest.raises(InputError) as merged:
            corpus.merge_stories("nope", ["other"])
    assert reported.value.code == merged.value.code == "E123"


def test_a_closed_corpus_says_so_and_a_misspelled_option_is_refused_at_once(tmp_path: Path) -> None:
    corpus = Corpus.open(tmp_path / "c.db")
    corpus.close()
    for call in (corpus.stories, lambda: corpus.add(RawDocument(origin="a.txt", content="Quake\n\nA quake struck the valley on Tuesday."))):
        with pytest.raises(StoreError, match=r"\[E511\] the corpus .* is closed"):
            call()
    with pytest.raises(TypeError, match="unknown options: batch_sise"):
        Corpus.open(tmp_path / "c.db", batch_sise=10)


def test_corpus_merge_takes_one_story_id_as_a_string(tmp_path: Path) -> None:
    with Corpus.open(tmp_path / "c.db") as corpus:
        two_stories(corpus.store)
        merged = corpus.merge_stories("s1", "s2")  # one id, not the letters "s" and "2"
        assert merged.info.id == "s1" and len(merged.articles) == 2


def test_only_another_connections_lock_is_waited_for() -> None:
    # A file that cannot be opened for writing is no reason to wait 30 s and call it busy.
    from triangulate.corpus.store import _is_busy

    def refused(message: str, code: int) -> sqlite3.OperationalError:
        exc = sqlite3.OperationalError(message)
        exc.sqlite_errorcode = code  # type: ignore[attr-defined]
        return exc

    assert _is_busy(refused("database is locked", sqlite3.SQLITE_BUSY))
    assert _is_busy(refused("database table is locked", sqlite3.SQLITE_LOCKED))
    assert not _is_busy(refused("unable to open database file", sqlite3.SQLITE_CANTOPEN))
    assert not _is_busy(refused("attempt to write a readonly database", sqlite3.SQLITE_READONLY))
