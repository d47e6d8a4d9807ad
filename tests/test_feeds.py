"""Feeds: canonical feed URLs, conditional polling, following entries to their pages, fallbacks, retries, errors with backoff, OPML."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from triangulate.corpus import Corpus, IngestResult
from triangulate.corpus.feeds import canonical_feed_url, next_poll_time, parse_opml_feeds
from triangulate.corpus.fetch import FetchSettings
from triangulate.times import parse_time
from triangulate.errors import InputError

Handler = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]

QUAKE = [
    "An earthquake of magnitude 6.1 struck the Marrow Valley early on Tuesday, toppling the 19th-century clock tower in Aldersby and cutting power to 40,000 homes, the regional civil protection agency said.",
    "The quake hit at 4:12 a.m. at a depth of 10 kilometres, about 15 kilometres north of Aldersby, according to the national seismology institute.",
    "Mayor Ilse Varga said three people were taken to hospital with light injuries and that schools would stay closed on Wednesday.",
]
RULING = [
    "The High Court in Calloway on Thursday struck down a fishing ban imposed by the Harbour Authority last spring, ruling that the authority had exceeded its powers.",
    "Judge Maren Oduya said the ban, which closed the northern bay to trawlers for two years, had been decided without the consultation the port statute requires.",
    "The fishermen's cooperative, which brought the case, welcomed the judgment and said boats would return to the bay next week.",
]


class Site:
    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: list[str] = []
        site = self

        class H(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                site.hits.append(self.path)
                route = site.routes.get(self.path)
                status, headers, body = route(self) if route else (404, {}, b"not found")
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout test)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture()
def site() -> Iterator[Site]:
    s = Site()
    s.thread.start()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


@pytest.fixture()
def corpus(tmp_path: Path, embedder: object) -> Iterator[Corpus]:
    settings = FetchSettings(delay=0.0, retries=0, backoff=0.01, timeout=1.0)
    with Corpus.open(tmp_path / "c.db", embedder=embedder, allow_private=True, fetch_settings=settings) as c:
        yield c


def interrupt_at(n: int) -> Callable[[IngestResult], None]:
    """An ``on_result`` that stops the run (as Ctrl-C does) once the ``n``-th article is stored."""
    stored: list[str] = []

    def on_result(result: IngestResult) -> None:
        stored.append(result.status)
        if len(stored) == n:
            raise KeyboardInterrupt

    return on_result


def article_html(title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>".encode()


def rss(base: str, items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{t}</title><link>{base}{path}</link><guid>{base}{path}</guid>"
        f"<pubDate>Tue, 14 Oct 2025 08:00:00 GMT</pubDate><description>{desc}</description></item>"
        for t, path, desc in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Valley Times</title>{entries}</channel></rss>'.encode()


def test_a_feed_is_polled_its_entries_followed_and_a_304_costs_nothing(site: Site, corpus: Corpus) -> None:
    feed_body = rss(site.base, [("Quake shakes Marrow Valley", "/quake", "A quake struck.")])

    def feed(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if h.headers.get("If-None-Match") == '"f1"':
            return 304, {"ETag": '"f1"'}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": '"f1"'}, feed_body

    site.routes["/feed.xml"] = feed
    site.routes["/quake"] = lambda h: (200, {"Content-Type": "text/html"}, article_html("Quake shakes Marrow Valley", QUAKE))
    corpus.add_feed(site.base + "/feed.xml")
    first = corpus.poll(due_only=False)
    assert [(p.status, p.new_entries) for p in first] == [("ok", 1)]
    assert [r.status for r in first[0].results] == ["new"]
    stored = corpus.articles()[0]
    assert stored.url == site.base + "/quake" and "clock tower" in (corpus.article(stored.id) or stored).text
    assert stored.published == "2025-10-14T08:00:00+00:00"  # from the feed when the page has none
    second = corpus.poll(due_only=False)
    assert [p.status for p in second] == ["not-modified"]
    assert site.hits.count("/quake") == 1
    info = corpus.feeds()[0]
    assert info.etag == '"f1"' and info.title == "Valley Times" and info.error_count == 0


def test_entries_already_taken_are_not_fetched_again(site: Site, corpus: Corpus) -> None:
    site.routes["/feed.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, rss(site.base, [("Quake", "/quake", "x")]))
    site.routes["/quake"] = lambda h: (200, {"Content-Type": "text/html"}, article_html("Quake shakes Marrow Valley", QUAKE))
    corpus.add_feed(site.base + "/feed.xml")
    corpus.poll(due_only=False)
    again = corpus.poll(due_only=False)
    assert again[0].status == "ok" and again[0].new_entries == 0
    assert site.hits.count("/quake") == 1


def test_when_the_article_page_fails_the_entry_text_is_used(site: Site, corpus: Corpus) -> None:
    summary = " ".join(RULING)
    site.routes["/feed.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, rss(site.base, [("Court strikes down fishing ban", "/ruling", summary)]))
    site.routes["/ruling"] = lambda h: (500, {}, b"server error")
    corpus.add_feed(site.base + "/feed.xml")
    result = corpus.poll(due_only=False)[0]
    assert [r.status for r in result.results] == ["new"]
    stored = corpus.article(result.results[0].article_id or "")
    assert stored is not None and "Judge Maren Oduya" in stored.text and stored.title == "Court strikes down fishing ban"


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        (lambda h: (500, {}, b"boom"), "http_500"),
        (lambda h: (200, {"Content-Type": "text/html"}, b"<html><body><h1>Welcome</h1><p>Our home page.</p></body></html>"), "not_a_feed"),
        (lambda h: (302, {"Location": "/feed.xml"}, b""), "redirect_loop"),
    ],
)
def test_a_failing_feed_is_recorded_and_polled_later_and_later(site: Site, corpus: Corpus, route: Handler, reason: str) -> None:
    site.routes["/feed.xml"] = route
    corpus.add_feed(site.base + "/feed.xml")
    first = corpus.poll(due_only=False, interval=60)[0]
    assert (first.status, first.error) == ("error", reason)
    second = corpus.poll(due_only=False, interval=60)[0]
    info = corpus.feeds()[0]
    assert info.error_count == 2 and info.last_error is not None and info.last_error.startswith(reason)
    wait1 = (parse_time(first.next_poll) or 0).timestamp() - time.time()  # type: ignore[union-attr]
    wait2 = (parse_time(second.next_poll) or 0).timestamp() - time.time()  # type: ignore[union-attr]
    assert 100 < wait1 < 130 and 220 < wait2 < 250  # 60 s x 2^errors
    assert corpus.poll(due_only=True) == []  # not due yet
    assert [s.reason for s in corpus.skips()] == [reason, reason]


def test_a_feed_that_times_out_is_an_error_and_the_next_feed_still_runs(site: Site, corpus: Corpus) -> None:
    def slow(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        time.sleep(1.5)
        return 200, {}, b""

    site.routes["/slow.xml"] = slow
    site.routes["/ok.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, rss(site.base, []))
    corpus.add_feed(site.base + "/slow.xml")
    corpus.add_feed(site.base + "/ok.xml")
    results = {p.url.rsplit("/", 1)[1]: p for p in corpus.poll(due_only=False)}
    assert results["slow.xml"].error == "timeout"
    assert results["ok.xml"].status == "ok"


def test_backoff_is_capped_at_a_day() -> None:
    from datetime import datetime, timezone

    now = datetime(2025, 1, 1, tzinfo=timezone.utc)
    assert next_poll_time(900, 0, now=now) == "2025-01-01T00:15:00+00:00"
    assert next_poll_time(900, 30, now=now) == "2025-01-02T00:00:00+00:00"


def test_opml_import_follows_every_listed_feed(tmp_path: Path, corpus: Corpus) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body><outline text="News">'
        '<outline text="Valley Times" type="rss" xmlUrl="https://valley.example/rss"/>'
        '<outline text="Bay Post" type="rss" xmlUrl="https://baypost.example/atom.xml"/>'
        '</outline><outline text="Dup" xmlUrl="https://valley.example/rss"/></body></opml>',
        encoding="utf-8",
    )
    assert corpus.import_opml(opml) == (2, 0, ())
    assert corpus.import_opml(opml) == (0, 2, ())
    assert sorted(f.url for f in corpus.feeds()) == ["https://baypost.example/atom.xml", "https://valley.example/rss"]
    assert parse_opml_feeds(opml.read_bytes()).feeds[0] == ("https://valley.example/rss", "Valley Times")


def test_watch_once_polls_every_feed(site: Site, corpus: Corpus) -> None:
    site.routes["/feed.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, rss(site.base, [("Quake", "/quake", "x")]))
    site.routes["/quake"] = lambda h: (200, {"Content-Type": "text/html"}, article_html("Quake shakes Marrow Valley", QUAKE))
    corpus.add_feed(site.base + "/feed.xml")
    seen: list[str] = []
    assert corpus.watch(once=True, on_poll=lambda p: seen.append(p.status)) == 1
    assert seen == ["ok"] and corpus.stats()["articles"] == 1


def test_watch_stopped_by_a_service_stop_says_so_and_exits_cleanly(site: Site, tmp_path: Path) -> None:
    # systemd, docker stop and `timeout` send SIGTERM: it ends the watch as Ctrl-C does.
    import signal
    import subprocess
    import sys
    import threading

    site.routes["/feed.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, rss(site.base, [("Quake", "/quake", " ".join(QUAKE))]))
    db = str(tmp_path / "w.db")
    command = [sys.executable, "-m", "triangulate"]
    subprocess.run([*command, "feeds", "add", site.base + "/feed.xml", "--db", db], check=True, capture_output=True)
    watcher = subprocess.Popen([*command, "watch", "--db", db, "--allow-private", "--no-follow", "--interval", "60"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert watcher.stdout is not None
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(watcher.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout=120)  # the first poll is done; the watch waits for the next
        assert lines, "the watch printed no poll line in 120 s"
        watcher.send_signal(signal.SIGTERM)
        _, err = watcher.communicate(timeout=60)
    finally:
        watcher.kill()
    assert "1 new" in lines[0]
    assert watcher.returncode == 0, err
    assert "stopped (SIGTERM)" in err and "Traceback" not in err


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_watch_stopped_half_way_through_a_feed_says_what_of_it_is_stored(site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    from click.testing import CliRunner

    from triangulate.cli import cli

    items = [(f"Report {i}", f"/r{i}", f"Report {i}: the river in the Marrow Valley rose {i + 1} metres overnight, the agency said.") for i in range(3)]
    site.routes["/feed.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, rss(site.base, items))
    db = str(tmp_path / "w.db")
    assert CliRunner().invoke(cli, ["feeds", "add", site.base + "/feed.xml", "--db", db]).exit_code == 0
    real = Corpus.add_many
    calls: list[int] = []

    def add_many(self: Corpus, *args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:  # Ctrl-C after the feed's first entry is stored
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Corpus, "add_many", add_many)
    result = CliRunner().invoke(cli, ["watch", "--once", "--no-follow", "--allow-private", "--db", db, "-f", fmt])
    assert result.exit_code == 0 and "stopped" in result.stderr
    if fmt == "json":
        assert json.loads(result.stdout) | {"status": "stopped", "new": 1} == json.loads(result.stdout)
    else:
        assert result.stdout.startswith("(the feed being polled when stopped): 1 new,")


def test_each_feeds_poll_is_reported_as_soon_as_it_is_done(site: Site, corpus: Corpus) -> None:
    # A watch stopped at its second feed still says what the first one stored.
    site.routes["/a.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, rss(site.base, [("Quake", "/quake", " ".join(QUAKE))]))
    site.routes["/b.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, rss(site.base, [("Other", "/other", " ".join(QUAKE[:2]) + " Roads were closed.")]))
    corpus.add_feed(site.base + "/a.xml")
    corpus.add_feed(site.base + "/b.xml")
    reported: list[str] = []
    with pytest.raises(KeyboardInterrupt):  # at the second feed's entry
        corpus.watch(once=True, follow=False, on_result=interrupt_at(2), on_poll=lambda p: reported.append(p.url))
    assert reported == [site.base + "/a.xml"]


def test_a_title_given_to_a_feed_stays_and_a_feed_given_none_follows_its_own_title(site: Site, corpus: Corpus) -> None:
    channel = ["Valley Times"]
    for path in ("/mine.xml", "/theirs.xml"):
        site.routes[path] = lambda h: (
            200,
            {"Content-Type": "application/rss+xml"},
            rss(site.base, [("Quake", "/quake", "x")]).replace(b"Valley Times", channel[0].encode()),
        )
    site.routes["/quake"] = lambda h: (200, {"Content-Type": "text/html"}, article_html("Quake shakes Marrow Valley", QUAKE))
    corpus.add_feed(site.base + "/mine.xml", title="Mine")
    corpus.add_feed(site.base + "/theirs.xml")
    assert corpus.watch(once=True) == 2

    def titles() -> dict[str, tuple[str, bool]]:
        return {f.url.rsplit("/", 1)[-1]: (f.title, f.title_given) for f in corpus.feeds()}

    assert titles() == {"mine.xml": ("Mine", True), "theirs.xml": ("Valley Times", False)}
    channel[0] = "The Valley Times & Star"  # the feed renames itself
    assert [p.status for p in corpus.poll(due_only=False)] == ["ok", "ok"]
    assert titles() == {"mine.xml": ("Mine", True), "theirs.xml": ("The Valley Times & Star", False)}
    channel[0] = ""  # a feed that drops its title keeps the last one it had
    corpus.poll(due_only=False)
    assert titles()["theirs.xml"] == ("The Valley Times & Star", False)


def test_feed_titles_stored_before_given_titles_were_told_apart_are_kept_as_given(tmp_path: Path, embedder: object) -> None:
    from triangulate.corpus.migrations import MIGRATIONS

    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)")
    for name, sql in MIGRATIONS[:6]:  # the schema before 0007_feed_title_given
        conn.executescript(sql)
        conn.execute("INSERT INTO migrations VALUES (?, '2026-01-01')", (name,))
    conn.executemany("INSERT INTO feeds (url, title, added) VALUES (?, ?, '2026-01-01')", [("https://a.example/feed", "Kept"), ("https://b.example/feed", "")])
    conn.commit()
    conn.close()
    with Corpus.open(db, embedder=embedder) as old:
        assert [(f.title, f.title_given) for f in old.feeds()] == [("Kept", True), ("", False)]


def test_an_entry_whose_page_failed_transiently_is_retried_while_the_feed_answers_304(site: Site, corpus: Corpus) -> None:
    def feed(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if h.headers.get("If-None-Match") == '"f1"':
            return 304, {"ETag": '"f1"'}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": '"f1"'}, rss(site.base, [("Quake", "/quake", "")])

    answers = iter([(500, {}, b"server error"), (200, {"Content-Type": "text/html"}, article_html("Quake shakes Marrow Valley", QUAKE))])
    site.routes["/feed.xml"] = feed
    site.routes["/quake"] = lambda h: next(answers)
    corpus.add_feed(site.base + "/feed.xml")
    first = corpus.poll(due_only=False)[0]
    assert [r.skipped.reason for r in first.results if r.skipped] == ["http_500"]
    second = corpus.poll(due_only=False)[0]
    assert second.status == "ok" and [r.status for r in second.results] == ["new"]
    third = corpus.poll(due_only=False)[0]
    assert third.status == "not-modified"  # nothing pending any more: validators are sent again
    assert site.hits.count("/quake") == 2


def test_a_followed_page_keeps_its_own_headline_and_is_the_article_its_url_gives(site: Site, corpus: Corpus) -> None:
    site.routes["/feed.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, rss(site.base, [("Item 1", "/quake", "")]))
    site.routes["/quake"] = lambda h: (200, {"Content-Type": "text/html"}, article_html("Quake shakes Marrow Valley", QUAKE))
    corpus.add_feed(site.base + "/feed.xml")
    article_id = corpus.poll(due_only=False)[0].results[0].article_id
    stored = corpus.article(article_id or "")
    assert stored is not None and stored.title == "Quake shakes Marrow Valley"
    assert stored.text.startswith(QUAKE[0])  # the headline is not a body paragraph
    direct = corpus.ingest([site.base + "/quake"])
    assert direct.duplicate == 1 and direct.new == 0


def test_a_page_that_gives_its_day_alone_takes_the_entrys_time_of_that_day(site: Site, corpus: Corpus) -> None:
    dated = article_html("Quake shakes Marrow Valley", QUAKE).replace(b"</head>", b'<meta name="date" content="2025-10-14"></head>')
    timed = article_html("Court strikes down fishing ban", RULING).replace(
        b"</head>", b'<meta property="article:published_time" content="2025-10-14T06:30:00Z"></head>'
    )
    feed = rss(site.base, [("Quake", "/quake", ""), ("Ruling", "/ruling", "")])  # both entries: 08:00 GMT that day
    site.routes["/feed.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, feed)
    site.routes["/quake"] = lambda h: (200, {"Content-Type": "text/html"}, dated)
    site.routes["/ruling"] = lambda h: (200, {"Content-Type": "text/html"}, timed)
    corpus.add_feed(site.base + "/feed.xml")
    corpus.poll(due_only=False)
    published = {a.title: a.published for a in corpus.articles()}
    assert published == {
        "Quake shakes Marrow Valley": "2025-10-14T08:00:00+00:00",  # the page's day, the entry's time
        "Court strikes down fishing ban": "2025-10-14T06:30:00+00:00",  # the page's own time wins
    }


@pytest.mark.parametrize("listed", ["newest first", "oldest first"])
def test_entries_are_ingested_oldest_first_however_the_feed_lists_them(site: Site, corpus: Corpus, listed: str) -> None:
    items = [
        f"<item><title>{title}</title><link>{site.base}{path}</link><pubDate>Tue, 14 Oct 2025 {hour}:00:00 GMT</pubDate></item>"
        for title, path, hour in (("Quake", "/quake", "08"), ("Ruling", "/ruling", "09"))
    ]
    if listed == "newest first":
        items.reverse()
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Valley Times</title>{"".join(items)}</channel></rss>'.encode()
    site.routes["/feed.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, feed)
    site.routes["/quake"] = lambda h: (200, {"Content-Type": "text/html"}, article_html("Quake shakes Marrow Valley", QUAKE))
    site.routes["/ruling"] = lambda h: (200, {"Content-Type": "text/html"}, article_html("Court strikes down fishing ban", RULING))
    corpus.add_feed(site.base + "/feed.xml")
    corpus.poll(due_only=False)
    assert [p for p in site.hits if p in ("/quake", "/ruling")] == ["/quake", "/ruling"]


def test_the_entry_title_names_a_page_that_has_none(site: Site, corpus: Corpus) -> None:
    untitled = ("<html><body><article>" + "".join(f"<p>{p}</p>" for p in QUAKE) + "</article></body></html>").encode()
    site.routes["/feed.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, rss(site.base, [("Quake shakes Marrow Valley", "/quake", "")]))
    site.routes["/quake"] = lambda h: (200, {"Content-Type": "text/html"}, untitled)
    corpus.add_feed(site.base + "/feed.xml")
    corpus.poll(due_only=False)
    assert [a.title for a in corpus.articles()] == ["Quake shakes Marrow Valley"]


def test_when_the_article_page_holds_no_article_the_entry_text_is_used(site: Site, corpus: Corpus) -> None:
    home = b"<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav><p>Welcome.</p></body></html>"
    site.routes["/feed.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, rss(site.base, [("Court strikes down fishing ban", "/ruling", " ".join(RULING))]))
    site.routes["/ruling"] = lambda h: (200, {"Content-Type": "text/html"}, home)
    corpus.add_feed(site.base + "/feed.xml")
    result = corpus.poll(due_only=False)[0]
    assert [r.status for r in result.results] == ["new"]
    stored = corpus.article(result.results[0].article_id or "")
    assert stored is not None and "Judge Maren Oduya" in stored.text


def test_one_feed_written_several_ways_is_one_canonical_feed_url() -> None:
    written = ["https://example.org/rss", "https://Example.ORG/rss", "https://example.org/rss#top", "https://example.org/rss?utm_source=x"]
    assert {canonical_feed_url(u) for u in written} == {"https://example.org/rss"}
    assert canonical_feed_url("https://example.org/rss?page=2&utm_medium=feed") == "https://example.org/rss?page=2"
    # The rest of the query is fetched as written: "?rss" is not "?rss=", nor "a=1;b=2" "a=1%3Bb%3D2".
    assert canonical_feed_url("https://example.org/feed.php?rss") == "https://example.org/feed.php?rss"
    assert canonical_feed_url("https://example.org/x?a=1;b=2&utm_source=y&q=caf%C3%A9") == "https://example.org/x?a=1;b=2&q=caf%C3%A9"


def test_a_feed_stored_with_its_query_re_encoded_is_found_again_by_the_url_given(corpus: Corpus) -> None:
    # Stored before the query was kept as written: "?rss" as "?rss=".
    corpus.store.add_feed("https://example.org/feed?rss=")
    corpus.store.mark_entries("https://example.org/feed?rss=", [("e1", None)])
    assert corpus.add_feed("https://example.org/feed?rss") is False  # followed already: now under the URL as given
    assert [f.url for f in corpus.feeds()] == ["https://example.org/feed?rss"]
    assert corpus.store.seen_entries("https://example.org/feed?rss", ["e1"]) == {"e1"}  # what was taken stays taken
    corpus.store.add_feed("https://example.org/other?a=1%3Bb%3D2")
    assert corpus.remove_feed("https://example.org/other?a=1;b=2") is True
    assert [f.url for f in corpus.feeds()] == ["https://example.org/feed?rss"]


def test_a_feed_is_fetched_at_the_url_it_was_added_with(site: Site, corpus: Corpus) -> None:
    body = rss(site.base, [("Storm closes the port", "/storm", "The port of Kessmar closed on Monday as a storm came in.")])
    site.routes["/feed.php?rss"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, body)
    corpus.add_feed(site.base + "/feed.php?rss")
    corpus.poll(due_only=False)
    assert "/feed.php?rss" in site.hits


@pytest.mark.parametrize(("url", "why"), [("http://", "without a host"), ("ftp://example.org/rss", "ftp: scheme"), ("/rss", "relative"), ("example.org/rss", "relative")])
def test_a_feed_url_that_cannot_be_fetched_is_refused_at_once(url: str, why: str) -> None:
    with pytest.raises(InputError, match=r"^\[E112\]") as caught:
        canonical_feed_url(url)
    assert why in str(caught.value)


def test_opml_import_follows_each_feed_once_and_reports_the_outlines_it_skips(tmp_path: Path, corpus: Corpus) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        '<outline text="Valley Times" xmlUrl="https://valley.example/rss"/>'
        '<outline text="Valley Times again" xmlUrl="https://Valley.EXAMPLE/rss?utm_source=opml#top"/>'
        '<outline text="Old FTP" xmlUrl="ftp://files.example/news.xml"/>'
        '<outline text="Relative" xmlUrl="/feeds/local.xml"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    listed = parse_opml_feeds(opml.read_bytes())
    assert listed.feeds == (("https://valley.example/rss", "Valley Times"),)
    assert [(url, "ftp: scheme" in why or "relative" in why) for url, why in listed.skipped] == [
        ("ftp://files.example/news.xml", True),
        ("/feeds/local.xml", True),
    ]
    assert corpus.import_opml(opml) == (1, 0, listed.skipped)  # the skipped outlines, with why, for the caller to show
    assert [f.url for f in corpus.feeds()] == ["https://valley.example/rss"]


def test_a_long_feed_is_taken_a_part_at_a_time_oldest_first_and_nothing_is_left_out(site: Site, corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    import triangulate.corpus as corpus_module

    items = "".join(
        f"<item><title>Item {i}</title><guid>item-{i}</guid><pubDate>Tue, 14 Oct 2025 {8 + i:02d}:00:00 GMT</pubDate>"
        f"<description>Report number {i} from the Marrow Valley says the river rose {i + 1} metres overnight.</description></item>"
        for i in range(5)
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Valley Times</title>{items}</channel></rss>'.encode()
    site.routes["/feed.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml", "ETag": '"v1"'}, body)
    real = corpus_module.poll_feed
    monkeypatch.setattr(corpus_module, "poll_feed", lambda *a, **k: real(*a, **{**k, "max_entries": 2}))
    corpus.add_feed(site.base + "/feed.xml")
    taken = [[r.status for r in corpus.poll(due_only=False, follow=False)[0].results] for _ in range(4)]
    assert taken == [["new", "new"], ["new", "new"], ["new"], []]
    assert sorted(a.title for a in corpus.articles(limit=None)) == [f"Item {i}" for i in range(5)]


def test_a_poll_stopped_half_way_goes_on_from_the_next_entry(site: Site, corpus: Corpus) -> None:
    # A `timeout ... watch --once` or a Ctrl-C in the middle of a long first poll: the entries
    # already stored are not taken again, or such a run would never get past them.
    items = "".join(
        f"<item><title>Item {i}</title><guid>item-{i}</guid><pubDate>Tue, 14 Oct 2025 {8 + i:02d}:00:00 GMT</pubDate>"
        f"<description>Report number {i} from the Marrow Valley says the river rose {i + 1} metres overnight.</description></item>"
        for i in range(3)
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Valley Times</title>{items}</channel></rss>'.encode()
    site.routes["/feed.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, body)
    corpus.add_feed(site.base + "/feed.xml")
    with pytest.raises(KeyboardInterrupt):
        corpus.poll(due_only=False, follow=False, on_result=interrupt_at(2))
    again = corpus.poll(due_only=False, follow=False)
    # The first entry is not read again; the second, stopped right after it was stored, is
    # read again and found to be stored already; the third is new.
    assert [r.status for r in again[0].results] == ["duplicate", "new"]
    assert sorted(a.title for a in corpus.articles(limit=None)) == ["Item 0", "Item 1", "Item 2"]


def test_watch_waits_out_a_database_another_process_keeps_busy(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    # A long ingest, a VACUUM or a backup holding the write lock past the store's timeout: a
    # watcher logs it and polls again, where `watch --once` reports the error.
    import threading

    from triangulate.errors import StoreError

    waits: list[float | None] = []

    class Stop(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            waits.append(timeout)  # and do not wait: the test would take a minute
            return self.is_set()

    stop = Stop()
    calls: list[int] = []

    def poll(**_: object) -> list[object]:
        calls.append(1)
        if len(calls) == 1:
            raise StoreError("the corpus database is busy (database is locked); is another process writing?", code="E512")
        stop.set()
        return []

    monkeypatch.setattr(corpus, "poll", poll)
    assert corpus.watch(interval=900, stop=stop) == 0
    assert len(calls) == 2 and waits[0] == 60.0  # a minute, not the 15-minute interval
    calls.clear()
    with pytest.raises(StoreError, match="busy"):
        corpus.watch(interval=0.01, once=True)


def test_an_entry_without_a_link_is_the_feeds_outlet_not_a_name_made_of_its_id(site: Site, corpus: Corpus) -> None:
    items = "".join(
        f"<item><title>Item {i}</title><guid isPermaLink='false'>{guid}</guid>"
        f"<description>Report {i}: the river in the Marrow Valley rose {i + 1} metres overnight, the agency said.</description></item>"
        for i, guid in enumerate(["tag:news.example,2026:abc", "urn:uuid:1111"])
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Valley Times</title>{items}</channel></rss>'.encode()
    site.routes["/nolinks.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, body)
    corpus.add_feed(site.base + "/nolinks.xml")
    corpus.poll(due_only=False)
    assert {a.outlet for a in corpus.articles(limit=None)} == {"127.0.0.1"}


def test_a_guid_that_is_no_url_is_not_fetched_as_a_page_nor_stored_as_the_articles_url(site: Site, corpus: Corpus) -> None:
    # No <link>, and a <guid> without isPermaLink="false": feed readers take it for the link.
    items = (
        "<item><title>Opaque</title><guid>abc-123</guid><description>The river in the Marrow Valley rose two metres "
        "overnight, the agency said on Monday.</description></item>"
        "<item><title>Mail</title><link>mailto:desk@news.example</link><description>The ferry to Kessmar was cancelled "
        "on Tuesday after a storm warning, the operator said.</description></item>"
    )
    items += f"<item><title>Permalink</title><guid>{site.base}/a/9.html</guid></item>"  # a guid that is a URL is followed
    page = article_html("Dam inspected", ["Engineers inspected the Marrow Valley dam on Wednesday and found no damage, the agency said."])
    site.routes["/a/9.html"] = lambda h: (200, {"Content-Type": "text/html"}, page)
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Valley Times</title>{items}</channel></rss>'.encode()
    site.routes["/guid.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, body)
    corpus.add_feed(site.base + "/guid.xml")
    corpus.poll(due_only=False)
    assert "/abc-123" not in site.hits and "/a/9.html" in site.hits
    urls = sorted(str(a.url) for a in corpus.articles(limit=None))
    assert urls == ["None", "None", site.base + "/a/9.html"]


def test_a_page_fetched_by_url_is_read_in_the_charset_its_http_header_declares(site: Site, corpus: Corpus) -> None:
    page = (
        "<html><head><title>Пожар в порту Вельдхафена</title></head><body><article><h1>Пожар в порту Вельдхафена</h1>"
        "<p>Ночью в порту Вельдхафена сгорел деревянный склад, сообщили власти города.</p>"
        "<p>Двенадцать человек получили лёгкие травмы, паромное сообщение было остановлено.</p></article></body></html>"
    )
    site.routes["/ru"] = lambda h: (200, {"Content-Type": "text/html; charset=koi8-r"}, page.encode("koi8-r"))
    assert corpus.ingest([site.base + "/ru"]).new == 1
    (stored,) = corpus.articles()
    assert stored.title == "Пожар в порту Вельдхафена"


def test_watch_says_a_refused_private_feed_once_counts_no_error_of_the_feed_and_fails_when_all_fail(
    site: Site, tmp_path: Path, embedder: object
) -> None:
    from click.testing import CliRunner

    from triangulate.cli import cli

    site.routes["/feed.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, rss(site.base, [("Quake", "/quake", "x")]))
    db = tmp_path / "w.db"
    with Corpus.open(db, embedder=embedder) as corpus:
        corpus.add_feed(site.base + "/feed.xml")
    result = CliRunner().invoke(cli, ["watch", "--once", "--db", str(db)])  # no --allow-private: 127.0.0.1 is refused
    assert result.exit_code == 4
    lines = [line for line in result.output.splitlines() if "private_address" in line]
    assert len(lines) == 1 and lines[0].count(site.base + "/feed.xml") == 1 and "--allow-private" in lines[0]
    with Corpus.open(db, embedder=embedder) as corpus:
        (feed,) = corpus.feeds()
        assert feed.error_count == 0 and feed.last_error and feed.last_error.startswith("private_address")
        wait = (parse_time(feed.next_poll) - parse_time(feed.last_polled)).total_seconds()  # type: ignore[operator]
        assert wait <= 900 * 1.25  # the usual interval, not a back-off
