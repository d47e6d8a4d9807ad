"""Ingest: files, folders, globs, JSONL, WARC archives and URLs into a corpus; bad input is a skip, never a stop."""

from __future__ import annotations

import gzip
import io
import json
import re
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from triangulate.corpus import Corpus
from triangulate.corpus.ingest import canonical_url, iter_inputs
from triangulate.corpus.warc import read_warc
from triangulate.models import Article, RawDocument, Skipped

QUAKE = (
    "Quake shakes Marrow Valley, toppling the old clock tower",
    [
        "An earthquake of magnitude 6.1 struck the Marrow Valley early on Tuesday, toppling the 19th-century clock tower in Aldersby and cutting power to 40,000 homes, the regional civil protection agency said.",
        "The quake hit at 4:12 a.m. at a depth of 10 kilometres, about 15 kilometres north of Aldersby, according to the national seismology institute.",
        "Mayor Ilse Varga said three people were taken to hospital with light injuries and that schools would stay closed on Wednesday while engineers inspected the buildings.",
        "Aftershocks of up to magnitude 4.2 were felt through the morning, and the rail line to Pembrook was suspended while crews checked two bridges.",
    ],
)
RULING = (
    "Court strikes down Harbour Authority fishing ban",
    [
        "The High Court in Calloway on Thursday struck down a fishing ban imposed by the Harbour Authority last spring, ruling that the authority had exceeded its powers.",
        "Judge Maren Oduya said the ban, which closed the northern bay to trawlers for two years, had been decided without the consultation the port statute requires.",
        "The fishermen's cooperative, which brought the case, welcomed the judgment and said boats would return to the bay next week.",
        "The Harbour Authority said it would study the ruling and could appeal within 28 days.",
    ],
)


def text_file(path: Path, title: str, paragraphs: list[str]) -> Path:
    path.write_text(title + "\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def corpus(tmp_path: Path, embedder: object) -> Iterator[Corpus]:
    with Corpus.open(tmp_path / "corpus.db", embedder=embedder, batch_size=8) as c:
        yield c


def test_a_folder_of_mixed_files_is_ingested_and_counted(tmp_path: Path, corpus: Corpus) -> None:
    src = tmp_path / "in"
    src.mkdir()
    text_file(src / "valley-times.txt", *QUAKE)
    (src / "bay-post.html").write_text(
        "<html><head><title>{0}</title></head><body><article><h1>{0}</h1>{1}</article></body></html>".format(
            RULING[0], "".join(f"<p>{p}</p>" for p in RULING[1])
        ),
        encoding="utf-8",
    )
    (src / "wire.jsonl").write_text(
        json.dumps({"source": "Wire Agency", "url": "https://wire.example/quake", "title": QUAKE[0], "text": "\n\n".join(QUAKE[1])}) + "\n"
        + "{not json\n",
        encoding="utf-8",
    )
    (src / ".hidden.txt").write_text("ignored", encoding="utf-8")
    summary = corpus.ingest([src])
    assert (summary.new, summary.duplicate, summary.updated) == (3, 0, 0)
    assert summary.skipped == 1 and summary.reasons == {"bad_json": 1}
    assert corpus.stats()["articles"] == 3
    assert {s.reason for s in corpus.skips()} == {"bad_json"}
    line = summary.line()
    assert line.startswith("3 new (1 reprint), 0 duplicate, 0 updated, 1 skipped (bad_json: 1)")


def test_a_wire_copy_is_linked_to_its_origin_and_joins_its_story(tmp_path: Path, corpus: Corpus) -> None:
    a = text_file(tmp_path / "valley-times.txt", *QUAKE)
    b = text_file(tmp_path / "county-echo.txt", *QUAKE)
    first = corpus.ingest([a])
    second = corpus.ingest([b])
    assert first.new == 1 and second.new == 1 and second.reprints == 1
    origin, copy = sorted(corpus.articles(limit=None), key=lambda x: x.seq)
    assert copy.duplicate_of == origin.id and copy.duplicate_kind == "exact"
    assert copy.story_id == origin.story_id
    story = corpus.story(origin.story_id)
    assert story is not None
    assert story.info.articles == 2 and story.info.outlets == 2
    assert story.info.sources == 1  # a reprint is not an independent source


@pytest.mark.parametrize("together", [False, True], ids=["two runs", "one batch"])
def test_the_earliest_published_copy_is_the_origin_whatever_arrives_first(tmp_path: Path, corpus: Corpus, together: bool) -> None:
    body = "\n\n".join(QUAKE[1])

    def record(outlet: str, published: str) -> str:
        return json.dumps({"source": outlet, "title": QUAKE[0], "published": published, "text": body})

    late, early = tmp_path / "late.jsonl", tmp_path / "early.jsonl"
    late.write_text(record("County Echo", "2025-10-16T09:00:00+00:00") + "\n", encoding="utf-8")
    early.write_text(record("Valley Times", "2025-10-15T06:00:00+00:00") + "\n", encoding="utf-8")
    if together:
        summary = corpus.ingest([late, early])
        assert summary.line().startswith("2 new (1 reprint)")  # the later one, though it came first
    else:
        corpus.ingest([late])
        corpus.ingest([early])
    by_outlet = {a.outlet: a for a in corpus.articles(limit=None)}
    echo, times = by_outlet["County Echo"], by_outlet["Valley Times"]
    assert echo.duplicate_of == times.id and times.duplicate_of is None
    story = corpus.story(times.story_id)
    assert story is not None and story.info.sources == 1
    (group,) = corpus.report(times.story_id).syndication
    assert group.origin == "Valley Times"  # the report and the corpus name the same origin


@pytest.mark.parametrize("first", ["the day alone", "the time of day"])
def test_a_copy_dated_by_its_day_alone_is_not_the_origin_of_a_copy_of_that_day_with_a_time(
    tmp_path: Path, corpus: Corpus, embedder: object, first: str
) -> None:
    """A day alone counts as the end of that day, in the corpus as in ``compare``: the copy
    that gives its time of day is known to be out by then, the other one is not."""
    import triangulate

    body = "\n\n".join(QUAKE[1])
    dated, timed = tmp_path / "dated.jsonl", tmp_path / "timed.jsonl"
    dated.write_text(json.dumps({"source": "County Echo", "title": QUAKE[0], "published": "2025-10-15", "text": body}) + "\n", encoding="utf-8")
    timed.write_text(json.dumps({"source": "Valley Times", "title": QUAKE[0], "published": "2025-10-15T18:00:00+00:00", "text": body}) + "\n", encoding="utf-8")
    for path in [dated, timed] if first == "the day alone" else [timed, dated]:
        corpus.ingest([path])
    by_outlet = {a.outlet: a for a in corpus.articles(limit=None)}
    echo, times = by_outlet["County Echo"], by_outlet["Valley Times"]
    assert echo.published == "2025-10-15"  # stored as the day it is, not as its midnight
    assert echo.duplicate_of == times.id and times.duplicate_of is None
    (stored,) = corpus.report(times.story_id or "").syndication
    (compared,) = triangulate.compare([dated, timed], embedder=embedder).syndication  # type: ignore[arg-type]
    assert stored.origin == compared.origin == "Valley Times"


def test_two_copies_of_a_web_page_published_the_same_day_are_ordered_by_the_time_their_tags_give(tmp_path: Path, corpus: Corpus) -> None:
    def page(published: str) -> str:
        paragraphs = "".join(f"<p>{p}</p>" for p in QUAKE[1])
        return (
            f'<html><head><title>{QUAKE[0]}</title><meta property="article:published_time" content="{published}"></head>'
            f"<body><article><h1>{QUAKE[0]}</h1>{paragraphs}</article></body></html>"
        )

    (tmp_path / "courier.html").write_text(page("2026-12-03T11:00:00+01:00"), encoding="utf-8")  # 10:00 UTC
    (tmp_path / "standard.html").write_text(page("2026-12-03T08:00:00Z"), encoding="utf-8")
    corpus.ingest([tmp_path / "courier.html"])
    corpus.ingest([tmp_path / "standard.html"])
    by_file = {Path(a.origin).name: a for a in corpus.articles(limit=None)}
    courier, standard = by_file["courier.html"], by_file["standard.html"]
    assert (courier.published, standard.published) == ("2026-12-03T10:00:00+00:00", "2026-12-03T08:00:00+00:00")
    assert courier.duplicate_of == standard.id and standard.duplicate_of is None


def test_reingesting_the_same_files_changes_nothing(tmp_path: Path, corpus: Corpus) -> None:
    text_file(tmp_path / "valley-times.txt", *QUAKE)
    text_file(tmp_path / "bay-post.txt", *RULING)
    assert corpus.ingest([tmp_path / "*.txt"]).new == 2
    before = corpus.store._query("SELECT id, story_id, version FROM articles ORDER BY seq")
    stories_before = [(s.id, s.version) for s in corpus.stories()]
    again = corpus.ingest([str(tmp_path / "*.txt")])
    assert (again.new, again.duplicate, again.updated, again.skipped) == (0, 2, 0, 0)
    assert corpus.store._query("SELECT id, story_id, version FROM articles ORDER BY seq") == before
    assert [(s.id, s.version) for s in corpus.stories()] == stories_before


def test_a_file_name_that_is_not_utf8_is_stored_escaped_and_the_run_goes_on(tmp_path: Path, corpus: Corpus) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "good.txt").write_text("Bridge budget\n\nThe council met on Tuesday to discuss the bridge budget, officials said.\n")
    odd = os.fsdecode(b"caf\xe9.txt")  # a Latin-1 file name, as Python reads it: "caf\udce9.txt"
    (folder / odd).write_text("Harbour fire\n\nA fire broke out at the harbour warehouse on Monday, injuring six workers.\n")
    (folder / os.fsdecode(b"empt\xe9.txt")).write_text("")
    results = list(corpus.ingest_iter([folder]))
    assert sorted(r.status for r in results) == ["new", "new", "skipped"]
    assert {r.origin.rsplit("/", 1)[-1] for r in results} == {"good.txt", "caf\\xe9.txt", "empt\\xe9.txt"}
    assert [r.status for r in corpus.ingest_iter([folder])].count("duplicate") == 2  # the escaped name is stable


def test_lone_surrogates_in_a_document_from_python_are_replaced_not_a_crash(corpus: Corpus) -> None:
    doc = RawDocument(origin="caf\udce9.txt", content="Harbour fire\n\nA fire broke out at the harbour warehouse \ud800 on Monday.", title="Fire \udfff")
    result = corpus.add(doc)
    assert result.status == "new" and result.origin == "caf\\xe9.txt"
    stored = corpus.article(result.article_id or "")
    assert stored is not None and stored.title == "Fire \ufffd"


def test_the_same_article_under_another_file_name_of_one_outlet_is_a_duplicate(tmp_path: Path, corpus: Corpus) -> None:
    text_file(tmp_path / "a.txt", *QUAKE)
    text_file(tmp_path / "b.txt", *QUAKE)
    summary = corpus.ingest([tmp_path / "a.txt", tmp_path / "b.txt"], source="Valley Times")
    # Neither file names an outlet, so --source does; the same text from the same outlet is stored once.
    assert (summary.new, summary.duplicate) == (1, 1)


def test_a_changed_article_at_the_same_url_is_a_new_version_and_leaves_the_old_one(corpus: Corpus) -> None:
    url = "https://valley.example/news/quake?utm_source=feed"
    v1 = RawDocument(origin=url, content=QUAKE[0] + "\n\n" + "\n\n".join(QUAKE[1]), url=url)
    fixed = [p.replace("three people", "five people") for p in QUAKE[1]]
    v2 = RawDocument(origin=url, content=QUAKE[0] + "\n\n" + "\n\n".join(fixed), url="https://valley.example/news/quake")
    r1 = corpus.add(v1)
    r2 = corpus.add(v2)
    assert (r1.status, r1.version) == ("new", 1)
    assert (r2.status, r2.version) == ("updated", 2)
    old = corpus.article(r1.article_id or "")
    assert old is not None and old.superseded_by == r2.article_id
    assert [a.id for a in corpus.articles(limit=None)] == [r2.article_id]
    assert len(corpus.articles(limit=None, include_superseded=True)) == 2
    # Listed by story, the earlier version is there too (it is no member of the story).
    assert [a.version for a in corpus.articles(story=r2.story_id, include_superseded=True)] == [2, 1]
    assert [a.version for a in corpus.articles(story=r2.story_id)] == [2]
    diff = corpus.diff(r2.article_id or "")
    assert "-Mayor Ilse Varga said three people" in diff and "+Mayor Ilse Varga said five people" in diff
    assert corpus.add(v2).status == "duplicate"
    story = corpus.story(r2.story_id or "")
    assert story is not None and [a.id for a in story.corrections] == [r2.article_id]


def test_records_without_url_are_told_apart_by_outlet_and_title(tmp_path: Path, corpus: Corpus) -> None:
    def write(records: list[dict[str, str]]) -> str:
        path = tmp_path / "feed.jsonl"
        path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
        return str(path)

    body = "\n\n".join(QUAKE[1])
    # Two outlets' articles under one title are two articles, not versions of one.
    first = corpus.ingest([write([{"source": "Bay Post", "title": QUAKE[0], "text": body},
                                  {"source": "Hill Times", "title": QUAKE[0], "text": body.replace("three people", "four people")}])])
    assert (first.new, first.updated) == (2, 0)
    # The same outlet and title with other text is a correction: a new version.
    second = corpus.ingest([write([{"source": "Bay Post", "title": QUAKE[0], "text": body.replace("6.1", "6.2")}])])
    assert (second.new, second.updated) == (0, 1)
    # ... unless the text is another story altogether under a generic title.
    ruling = "\n\n".join(RULING[1])
    ferry = "The ferry to Pembrook resumed service on Friday after the storm, the operator said, with extra crossings all weekend."
    live = corpus.ingest([write([{"source": "Bay Post", "title": "Live updates", "text": ferry},
                                 {"source": "Bay Post", "title": "Live updates", "text": ruling}])])
    assert (live.new, live.updated) == (2, 0)
    assert sum(a.title == "Live updates" for a in corpus.articles()) == 2


def test_one_url_twice_in_one_batch_leaves_only_the_later_version_current(tmp_path: Path, corpus: Corpus) -> None:
    body = "\n\n".join(QUAKE[1])
    records = tmp_path / "revisions.jsonl"
    records.write_text("\n".join(json.dumps({"url": "https://baypost.example/quake", "source": "Bay Post", "title": QUAKE[0], "text": text})
                                   for text in (body, body.replace("6.1", "6.2"))), encoding="utf-8")
    summary = corpus.ingest([str(records)])  # both lines in one batch
    assert (summary.new, summary.updated) == (1, 1)
    (current,) = corpus.articles()
    assert current.version == 2 and "6.2" in (corpus.article(current.id).text or "")
    assert [a.version for a in corpus.articles(include_superseded=True)] == [2, 1]
    (story,) = corpus.stories()
    assert story.articles == 1


def test_an_input_holding_several_versions_of_one_url_read_again_changes_nothing(tmp_path: Path, corpus: Corpus) -> None:
    body = "\n\n".join(QUAKE[1])
    records = tmp_path / "revisions.jsonl"
    records.write_text("\n".join(json.dumps({"url": "https://baypost.example/quake", "source": "Bay Post", "title": QUAKE[0], "text": text})
                                   for text in (body, body.replace("6.1", "6.2"), body.replace("6.1", "6.3"))), encoding="utf-8")
    first = corpus.ingest([str(records)])
    assert (first.new, first.updated) == (1, 2)
    for _ in range(2):  # a re-run (after a kill, or by a cron job) of the same archive
        again = corpus.ingest([str(records)])
        assert (again.new, again.updated, again.duplicate) == (0, 0, 3)
    assert [a.version for a in corpus.articles(include_superseded=True)] == [3, 2, 1]
    (current,) = corpus.articles()
    assert "6.3" in (corpus.article(current.id).text or "")  # the last record stays the current version


def test_a_correction_taken_back_through_repeated_record_origins_is_a_new_version(corpus: Corpus) -> None:
    # The API numbers its records api#0, api#1, ... on every call: the same origin is not the same input.
    body = "\n\n".join(QUAKE[1])
    texts = [body, body.replace("6.1", "6.4"), body]
    statuses = [corpus.add(RawDocument(origin="api#0", content=t, url="https://baypost.example/quake", title=QUAKE[0])).status for t in texts]
    assert statuses == ["new", "updated", "updated"]
    (current,) = corpus.articles()
    assert current.version == 3 and "6.1" in (corpus.article(current.id).text or "")


def test_two_crawls_of_one_url_in_a_warc_read_again_change_nothing(tmp_path: Path, corpus: Corpus) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    archive = tmp_path / "crawls.warc"
    with open(archive, "wb") as fh:
        writer = WARCWriter(fh, gzip=False)
        for figure in ("40", "45"):
            page = f"<html><body><article><h1>{QUAKE[0]}</h1>" + "".join(
                f"<p>{p.replace('6.1', figure)}</p>" for p in QUAKE[1]) + "</article></body></html>"
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record("https://baypost.example/quake", "response", payload=io.BytesIO(page.encode()), http_headers=headers))
    assert corpus.ingest([str(archive)]).updated == 1
    assert corpus.ingest([str(archive)]).duplicate == 2
    (current,) = corpus.articles()
    assert current.version == 2 and "45" in (corpus.article(current.id).text or "")


def test_a_correction_taken_back_is_a_third_version_not_a_duplicate(tmp_path: Path, corpus: Corpus) -> None:
    page = tmp_path / "quake.txt"
    texts = [QUAKE[1], [p.replace("6.1", "6.4") for p in QUAKE[1]], QUAKE[1]]  # corrected, then the correction withdrawn
    counts = []
    for paragraphs in texts:
        text_file(page, QUAKE[0], paragraphs)
        summary = corpus.ingest([str(page)])
        counts.append((summary.new, summary.updated, summary.duplicate, summary.reprints))
    assert counts == [(1, 0, 0, 0), (0, 1, 0, 0), (0, 1, 0, 0)]  # and not a reprint of its own first version
    (current,) = corpus.articles()
    assert current.version == 3 and "magnitude 6.1" in (corpus.article(current.id).text or "")
    assert corpus.ingest([str(page)]).duplicate == 1  # now it is the current text
    assert corpus.stories()[0].articles == 1


def test_a_corrected_reprint_still_reprints_its_wire_story(tmp_path: Path, corpus: Corpus) -> None:
    wire = text_file(tmp_path / "meridian-wire.txt", QUAKE[0], QUAKE[1])
    copy = text_file(tmp_path / "valley-daily.txt", QUAKE[0], [QUAKE[1][0].replace("early on Tuesday", "on Tuesday"), *QUAKE[1][1:]])
    corpus.ingest([str(wire), str(copy)])
    origin = next(a for a in corpus.articles() if a.outlet == "meridian-wire")
    text_file(copy, QUAKE[0], [QUAKE[1][0].replace("early on Tuesday", "on Tuesday"), QUAKE[1][1].replace("4:12", "4:13"), *QUAKE[1][2:]])
    assert corpus.ingest([str(copy)]).updated == 1
    corrected = next(a for a in corpus.articles() if a.outlet == "valley-daily")
    assert corrected.version == 2 and corrected.duplicate_of == origin.id  # not its own first version, not nothing
    assert corpus.stories()[0].sources == 1


def test_cleaned_articles_can_be_added_directly(corpus: Corpus) -> None:
    art = Article(id="art-1", outlet="Bay Post", title=RULING[0], paragraphs=tuple(RULING[1]), url="https://baypost.example/ruling")
    result = corpus.add(art)
    assert result.status == "new" and result.outlet == "Bay Post"
    stored = corpus.article("art-1")
    assert stored is not None and stored.text == "\n\n".join(RULING[1])


def test_a_published_value_that_is_no_date_is_not_stored_as_a_time(
    tmp_path: Path, corpus: Corpus, caplog: pytest.LogCaptureFixture
) -> None:
    records = tmp_path / "dated.jsonl"
    lines = [
        {"url": "https://baypost.example/q", "source": "Bay Post", "title": QUAKE[0], "published": "2026-13-45", "text": "\n\n".join(QUAKE[1])},
        {"url": "https://baypost.example/r", "source": "Bay Post", "title": RULING[0], "published": "Thu, 02 Oct 2025 09:30:00 +0200", "text": "\n\n".join(RULING[1])},
    ]
    records.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    assert corpus.ingest([str(records)]).new == 2
    by_title = {a.title: a for a in corpus.articles()}
    assert by_title[QUAKE[0]].published is None  # would sort before every real date and pass every --since
    assert "published '2026-13-45' is not a date" in caplog.text
    assert by_title[RULING[0]].published == "2025-10-02T07:30:00+00:00"


def test_a_publication_time_far_ahead_of_the_reading_is_not_stored_and_does_not_end_stories(
    tmp_path: Path, corpus: Corpus, caplog: pytest.LogCaptureFixture
) -> None:
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)

    def record(name: str, outlet: str, title: str, paragraphs: list[str], published: str) -> str:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"source": outlet, "title": title, "published": published, "text": "\n\n".join(paragraphs)}), encoding="utf-8")
        return str(path)

    assert corpus.ingest([record("quake", "Valley Times", *QUAKE, (now - timedelta(hours=1)).isoformat())]).new == 1
    assert corpus.ingest([record("ruling", "Bay Post", *RULING, "9999-12-31")]).new == 1
    follow_up = [QUAKE[1][0], QUAKE[1][2]]  # another outlet's shorter report of the quake
    tomorrow = (now + timedelta(days=1)).replace(microsecond=0)
    assert corpus.ingest([record("courier", "Marrow Courier", QUAKE[0], follow_up, tomorrow.isoformat())]).new == 1
    by_outlet = {a.outlet: a for a in corpus.articles()}
    assert by_outlet["Bay Post"].published is None  # not a date in the year 9999 that sorts first for ever
    assert "published '9999-12-31' is more than 2 days after the article was read" in caplog.text
    assert by_outlet["Marrow Courier"].published == tomorrow.isoformat()  # a day ahead (time zones, embargoes) is kept
    # The year 9999 did not move the clusterer's clock past the quake story: the follow-up joins it.
    assert by_outlet["Marrow Courier"].story_id == by_outlet["Valley Times"].story_id


def test_records_whose_url_is_no_web_address_are_two_articles_not_two_versions_of_one(tmp_path: Path, corpus: Corpus, caplog: pytest.LogCaptureFixture) -> None:
    records = tmp_path / "placeholders.jsonl"
    lines = [
        {"url": "n/a", "source": "Bay Post", "title": QUAKE[0], "text": "\n\n".join(QUAKE[1])},
        {"url": "n/a", "source": "Bay Post", "title": RULING[0], "text": "\n\n".join(RULING[1])},
        {"url": "not a url", "title": "Harbour crane repaired", "text": "The harbour crane was repaired on Wednesday after a week out of service."},
    ]
    records.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    summary = corpus.ingest([str(records)])
    assert (summary.new, summary.updated) == (3, 0)  # the ruling did not replace the quake story
    stored = {a.title: a for a in corpus.articles()}
    assert all(a.url is None and a.version == 1 for a in stored.values())
    assert stored["Harbour crane repaired"].outlet == "placeholders"  # the file, not an outlet named "not a url"
    assert "url 'n/a' is not a web address" in caplog.text


def test_skips_are_recorded_and_the_run_goes_on(tmp_path: Path, corpus: Corpus) -> None:
    good = text_file(tmp_path / "valley-times.txt", *QUAKE)
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "bad-utf8.txt").write_bytes(b"Broken bytes\n\n" + "\n\n".join(RULING[1]).encode("utf-8").replace(b"e", b"\xff", 3))
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as fh:  # a sparse 200 MB file: refused from its size, never read
        fh.truncate(200 * 1024 * 1024)
    summary = corpus.ingest([tmp_path / "binary.txt", huge, tmp_path / "missing.txt", tmp_path / "bad-utf8.txt", good])
    assert summary.reasons["binary"] == 1
    assert summary.reasons["too_large"] == 1
    assert summary.reasons["not_found"] == 1
    assert summary.new == 2  # invalid UTF-8 is decoded with a fallback, not lost
    recorded = {s.reason for s in corpus.skips(limit=10)}
    assert {"binary", "too_large", "not_found"} <= recorded


def test_an_html_page_without_an_article_is_skipped(tmp_path: Path, corpus: Corpus) -> None:
    (tmp_path / "nav.html").write_text("<html><body><nav><a href='/'>Home</a> <a href='/b'>News</a></nav></body></html>", encoding="utf-8")
    summary = corpus.ingest([tmp_path / "nav.html"])
    assert summary.new == 0 and summary.skipped == 1
    assert summary.skips[0].stage == "clean"


# --- WARC -------------------------------------------------------------------------------------


def write_warc(path: Path, pages: list[tuple[str, str]], *, gz: bool) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        for url, html in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(html.encode()), http_headers=headers))
        img = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://x.example/a.png", "response", payload=io.BytesIO(b"\x89PNG"), http_headers=img))


def html_page(title: str, paragraphs: list[str]) -> str:
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article></body></html>"


@pytest.mark.parametrize("gz", [False, True])
def test_html_responses_of_a_warc_archive_are_ingested(tmp_path: Path, corpus: Corpus, gz: bool) -> None:
    path = tmp_path / ("news.warc.gz" if gz else "news.warc")
    write_warc(path, [("https://valley.example/quake", html_page(*QUAKE)), ("https://baypost.example/ruling", html_page(*RULING))], gz=gz)
    summary = corpus.ingest([path])
    assert summary.new == 2 and summary.skipped == 0
    urls = sorted(a.url or "" for a in corpus.articles())
    assert urls == ["https://baypost.example/ruling", "https://valley.example/quake"]
    assert {a.outlet for a in corpus.articles()} == {"valley.example", "baypost.example"}


@pytest.mark.parametrize("keep", [0.3, 0.5, 0.75, 0.97])
def test_a_truncated_warc_keeps_the_whole_pages_before_the_damage_and_records_a_skip(tmp_path: Path, keep: float) -> None:
    path = tmp_path / "news.warc.gz"
    write_warc(path, [("https://valley.example/quake", html_page(*QUAKE)), ("https://baypost.example/ruling", html_page(*RULING))], gz=True)
    full = [d for d in read_warc(path) if isinstance(d, RawDocument)]
    data = path.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: int(len(data) * keep)])
    items = list(read_warc(cut))
    docs = [i for i in items if isinstance(i, RawDocument)]
    skips = [i for i in items if isinstance(i, Skipped)]
    assert [(d.url, d.content) for d in docs] == [(d.url, d.content) for d in full[: len(docs)]]  # whole pages only
    assert [s.reason for s in skips] == ["truncated_archive"]
    assert isinstance(items[-1], Skipped)


def test_a_folder_with_warc_files_reads_them_too(tmp_path: Path) -> None:
    write_warc(tmp_path / "a.warc", [("https://valley.example/quake", html_page(*QUAKE))], gz=False)
    text_file(tmp_path / "b.txt", *RULING)
    items = list(iter_inputs([tmp_path]))
    assert sorted(type(i).__name__ for i in items) == ["RawDocument", "RawDocument"]


# --- URLs -------------------------------------------------------------------------------------


@pytest.fixture()
def site() -> Iterator[str]:
    pages = {
        "/quake": (200, html_page(*QUAKE).encode()),
        "/broken": (500, b"error"),
        "/gz": (200, gzip.compress(html_page(*RULING).encode())[:300]),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            status, body = pages.get(self.path, (404, b"nope"))
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if self.path == "/gz":
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_urls_are_fetched_and_failures_become_skips(tmp_path: Path, embedder: object, site: str) -> None:
    from triangulate.corpus.fetch import FetchSettings

    settings = FetchSettings(delay=0.0, retries=0, backoff=0.01)
    with Corpus.open(tmp_path / "c.db", embedder=embedder, allow_private=True, fetch_settings=settings) as corpus:
        summary = corpus.ingest([site + "/quake", site + "/broken", site + "/gz", site + "/nothing"])
        assert summary.new == 1
        assert dict(summary.reasons) == {"http_500": 1, "truncated": 1, "http_404": 1}
        stored = corpus.articles()[0]
        assert stored.url == site + "/quake" and stored.fetched is not None


def test_urls_on_loopback_are_refused_without_allow_private(tmp_path: Path, embedder: object, site: str) -> None:
    with Corpus.open(tmp_path / "c.db", embedder=embedder) as corpus:
        summary = corpus.ingest([site + "/quake"])
    assert summary.new == 0 and dict(summary.reasons) == {"private_address": 1}


# --- several writers, reopening -----------------------------------------------------------------


def test_a_reopened_corpus_still_recognises_copies_of_what_it_stored(tmp_path: Path, embedder: object) -> None:
    db = tmp_path / "c.db"
    with Corpus.open(db, embedder=embedder) as corpus:
        first = corpus.add(RawDocument(origin="valley-times.txt", content=QUAKE[0] + "\n\n" + "\n\n".join(QUAKE[1])))
    with Corpus.open(db, embedder=embedder) as corpus:
        copy = corpus.add(RawDocument(origin="county-echo.txt", content=QUAKE[0] + "\n\n" + "\n\n".join(QUAKE[1])))
    assert copy.status == "new" and copy.duplicate_of == first.article_id
    assert copy.story_id == first.story_id


def test_signatures_stored_under_an_older_hash_scheme_are_recomputed_when_the_corpus_reopens(
    tmp_path: Path, embedder: object
) -> None:
    db = tmp_path / "c.db"
    with Corpus.open(db, embedder=embedder) as corpus:
        first = corpus.add(RawDocument(origin="valley-times.txt", content=QUAKE[0] + "\n\n" + "\n\n".join(QUAKE[1])))
        (data,) = corpus.store.conn.execute("SELECT data FROM signatures").fetchone()
        assert data[8] == 2, "new signatures are written under the CRC-32 scheme (code 2)"
        old = bytearray(data)
        old[8] = 1  # what an older version wrote: SHA-1 shingle hashes, unusable by this index
        corpus.store.conn.execute("UPDATE signatures SET data = ?", (bytes(old),))
        corpus.store.conn.commit()
    rewrite = ["Engineers were still checking the Marrow Valley's bridges on Tuesday evening.", *QUAKE[1][1:]]
    with Corpus.open(db, embedder=embedder) as corpus:
        copy = corpus.add(RawDocument(origin="county-echo.txt", content=QUAKE[0] + "\n\n" + "\n\n".join(rewrite)))
    assert copy.status == "new" and copy.duplicate_of == first.article_id, "the rewrite is still found as a copy"


def test_two_writers_on_one_database_see_each_others_articles(tmp_path: Path, embedder: object) -> None:
    db = tmp_path / "c.db"
    with Corpus.open(db, embedder=embedder) as a, Corpus.open(db, embedder=embedder) as b:
        a.add(RawDocument(origin="bay-post.txt", content=RULING[0] + "\n\n" + "\n\n".join(RULING[1])))  # loads a's indexes
        b.add(RawDocument(origin="valley-times.txt", content=QUAKE[0] + "\n\n" + "\n\n".join(QUAKE[1])))
        copy = a.add(RawDocument(origin="county-echo.txt", content=QUAKE[0] + "\n\n" + "\n\n".join(QUAKE[1])))
        assert copy.duplicate_of is not None  # `a` replayed what `b` committed before deciding
        assert a.stats()["articles"] == 3


def test_a_caller_that_pauses_between_ingest_results_blocks_no_other_writer(tmp_path: Path, embedder: object) -> None:
    # ingest_iter holds the corpus's write lock while a batch is written, not while the
    # caller's loop runs: another thread of the same Corpus, and another connection (as
    # another process would), write in the pause, and the next batch sees what they stored.
    from triangulate.corpus.store import Store

    db = tmp_path / "c.db"
    ruling = text_file(tmp_path / "bay-post.txt", RULING[0], RULING[1])
    copy = text_file(tmp_path / "county-echo.txt", QUAKE[0], QUAKE[1])
    ferry = "Ferry runs aground off Pembrook\n\nThe Zandoog ferry ran aground on a sandbank in fog on Monday, and its 212 passengers were taken ashore by lifeboat, the operator said."
    with Corpus.open(db, embedder=embedder, batch_size=1) as corpus, Corpus(Store(db, timeout=1.0), embedder=embedder) as other:
        results = corpus.ingest_iter([ruling, copy])
        assert next(results).status == "new"  # the first batch is committed; the caller pauses here
        added: list[str | None] = []
        thread = threading.Thread(
            target=lambda: added.append(corpus.add(RawDocument(origin="valley-times.txt", content=QUAKE[0] + "\n\n" + "\n\n".join(QUAKE[1]))).article_id),
            daemon=True,
        )
        thread.start()
        thread.join(timeout=20)
        in_the_pause = not thread.is_alive()
        other.add(RawDocument(origin="island-radio.txt", content=ferry))  # a busy database would fail within a second
        rest = list(results)
        thread.join()
    assert in_the_pause, "another thread of the Corpus waited for the caller's loop"
    (echo,) = rest
    assert echo.status == "new" and echo.duplicate_of == added[0]  # the next batch saw the thread's article
    with Corpus.open(db, embedder=embedder) as corpus:
        assert corpus.stats()["articles"] == 4


def test_a_writer_catches_up_with_another_writer_before_taking_the_write_lock(tmp_path: Path, embedder: object) -> None:
    # Replaying what another process added (embedding every article) inside the write
    # transaction held the lock for minutes after a big ingest: other writers got E505.
    db = tmp_path / "c.db"
    with Corpus.open(db, embedder=embedder) as a, Corpus.open(db, embedder=embedder) as b:
        a.add(RawDocument(origin="bay-post.txt", content=RULING[0] + "\n\n" + "\n\n".join(RULING[1])))
        b.add(RawDocument(origin="valley-times.txt", content=QUAKE[0] + "\n\n" + "\n\n".join(QUAKE[1])))
        replayed_in_transaction: list[bool] = []
        replay = a.ingester._replay_batch

        def watched(batch: object) -> None:
            replayed_in_transaction.append(a.store.conn.in_transaction)
            replay(batch)  # type: ignore[arg-type]

        a.ingester._replay_batch = watched  # type: ignore[method-assign]
        copy = a.add(RawDocument(origin="county-echo.txt", content=QUAKE[0] + "\n\n" + "\n\n".join(QUAKE[1])))
        assert replayed_in_transaction == [False]
        assert copy.duplicate_of is not None and a.stats()["articles"] == 3


def test_the_closing_line_counts_reprints_under_new_and_updated_apart() -> None:
    from triangulate.corpus.ingest import IngestResult, IngestSummary

    summary = IngestSummary()
    summary.count(IngestResult("new", "a", article_id="a", duplicate_of="w", similarity=0.9))
    summary.count(IngestResult("new", "b", article_id="b"))
    for origin in ("c", "d"):
        summary.count(IngestResult("updated", origin, article_id=origin, duplicate_of="w", similarity=0.9))
    assert summary.line() == "2 new (1 reprint), 0 duplicate, 2 updated (2 reprints), 0 skipped"


def test_outlet_registry_names_articles_from_registered_domains(tmp_path: Path, corpus: Corpus) -> None:
    reg = tmp_path / "outlets.toml"
    reg.write_text('[[outlet]]\nname = "Valley Times"\ndomain = "valley.example"\ncountry = "NL"\nkind = "original"\n', encoding="utf-8")
    assert corpus.load_registry(reg) == 1
    result = corpus.add(RawDocument(origin="x", content=html_page(*QUAKE), kind="html", url="https://www.valley.example/quake"))
    assert result.outlet == "Valley Times"
    row = [o for o in corpus.outlets() if o["name"] == "Valley Times"][0]
    assert (row["articles"], row["country"], row["kind"]) == (1, "NL", "original")


def test_canonical_urls_drop_tracking_and_fragments() -> None:
    assert canonical_url("HTTPS://News.Example:443/a?utm_medium=x&id=4&fbclid=z#frag") == "https://news.example/a?id=4"
    assert canonical_url("http://news.example:8080") == "http://news.example:8080/"
    assert canonical_url(None) is None


def test_a_jsonl_record_keeps_its_identity_when_lines_move(tmp_path: Path, corpus: Corpus) -> None:
    path = tmp_path / "feed.jsonl"
    quake = {"source": "Valley Times", "title": QUAKE[0], "text": "\n\n".join(QUAKE[1])}
    ruling = {"source": "Bay Post", "title": RULING[0], "text": "\n\n".join(RULING[1])}
    path.write_text(json.dumps(quake) + "\n" + json.dumps(ruling) + "\n", encoding="utf-8")
    assert corpus.ingest([path]).new == 2
    path.write_text(json.dumps(ruling) + "\n" + json.dumps(quake) + "\n", encoding="utf-8")
    again = corpus.ingest([path])
    assert (again.new, again.updated, again.duplicate) == (0, 0, 2)
    assert os.path.exists(path)


class ScriptedClusterer:
    """Places articles where a script says (by title), to exercise merges deterministically."""

    def __init__(self, script: dict[str, tuple[str, tuple[str, ...]]]) -> None:
        self.script = script

    def add(self, article: Article, **_: object) -> object:
        from triangulate.cluster import Assignment

        sid, merged = self.script[article.title]
        return Assignment(sid, merged)


@pytest.mark.parametrize("batch_size", [1, 8])
def test_a_bridging_article_merges_stories_stored_and_in_the_same_batch(tmp_path: Path, embedder: object, batch_size: int) -> None:
    script = {
        "One": ("s1", ()),
        "Two": ("s2", ()),
        "Bridge": ("s1", ("s2",)),
        "Later": ("s2", ()),  # a stale id from the clusterer still lands in the merged story
    }
    with Corpus.open(tmp_path / "c.db", embedder=embedder, batch_size=batch_size, clusterer_factory=lambda: ScriptedClusterer(script)) as corpus:
        docs = [
            RawDocument(origin=f"outlet{i}.txt", content=f"{title}\n\n" + f"{title} happened in town number {i}. " * 5 + f"Officials counted {i * 17 + 3} people.")
            for i, title in enumerate(script)
        ]
        results = corpus.add_many(docs)
        assert [r.status for r in results] == ["new"] * 4
        assert results[2].merged == ("s2",)
        stories = corpus.stories()
        assert [(s.id, s.articles) for s in stories] == [("s1", 4)]
        assert corpus.story("s2") is not None and corpus.story("s2").id == "s1"  # type: ignore[union-attr]
        assert {a.story_id for a in corpus.articles(limit=None)} == {"s1"}


def test_no_statement_of_the_write_path_reads_the_whole_articles_table(tmp_path: Path, corpus: Corpus) -> None:
    """Every lookup of an ingest goes through an index, so ingest does not slow down as the corpus grows."""
    for i in range(12):  # enough rows for the planner to prefer an index over a scan wherever one fits
        text_file(tmp_path / f"outlet-{i % 3}-{i}.txt", f"{QUAKE[0]} ({i})", [f"Update {i}: {p}" for p in QUAKE[1]])
    corpus.ingest([tmp_path / f"outlet-{i % 3}-{i}.txt" for i in range(6)])
    statements: list[str] = []
    corpus.store.conn.set_trace_callback(statements.append)
    try:
        corpus.ingest([tmp_path / f"outlet-{i % 3}-{i}.txt" for i in range(12)])  # 6 known, 6 new
        corpus.ingest([text_file(tmp_path / "outlet-0-0.txt", QUAKE[0] + " (0)", ["A corrected first paragraph.", *QUAKE[1][1:]])])
    finally:
        corpus.store.conn.set_trace_callback(None)
    scans: list[str] = []
    for sql in {s for s in statements if s.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE"))}:
        plan = corpus.store.conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
        # A full scan, or the outlet index (one outlet holds a large share of the corpus).
        scans += [
            f"{row[3]}: {sql}"
            for row in plan
            if row[3].startswith("SCAN articles") and "INDEX" not in row[3] or "articles_outlet" in row[3]
        ]
    assert statements, "the trace saw the ingest"
    assert scans == []


def test_the_library_refuses_what_it_cannot_store_by_name_and_takes_one_path_as_a_path(tmp_path: Path, corpus: Corpus) -> None:
    good = RawDocument(origin="a.txt", content=QUAKE[0] + "\n\n" + "\n\n".join(QUAKE[1]))
    for bad, words in [
        ("a.txt", "not str (to read a file or a URL, use Corpus.ingest)"),
        (None, "not NoneType"),
        (RawDocument(origin="b.txt", content=b"bytes"), "RawDocument.content must be a str"),  # type: ignore[arg-type]
        (RawDocument(origin="c.txt", content="x y z", published=1700000000), "RawDocument.published"),  # type: ignore[arg-type]
        (RawDocument(origin="d.txt", content="x y z", authors="Jo Smith"), "RawDocument.authors"),  # type: ignore[arg-type]
        (RawDocument(origin="e.txt", content="x y z", kind="pdf"), "RawDocument.kind"),
    ]:
        with pytest.raises(TypeError, match=re.escape(words)):
            corpus.add_many([good, bad])  # type: ignore[list-item]
    assert corpus.stats()["articles"] == 0  # nothing of a refused call is stored
    text_file(tmp_path / "valley-times.txt", *QUAKE)
    assert corpus.ingest(str(tmp_path / "valley-times.txt")).new == 1  # one path, not its letters
    with pytest.raises(TypeError, match="not None"):
        corpus.ingest(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"not bytes \(decode a path given as bytes"):
        corpus.ingest(b"/tmp/news")  # type: ignore[arg-type]


def test_a_wait_for_another_writer_that_gives_up_keeps_the_indexes(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing was written and nothing changed in memory: a watch that tries again a minute
    # later must not reload and replay the whole index each time.
    from triangulate.errors import StoreError

    corpus.add(RawDocument(origin="quake.txt", content="\n\n".join([QUAKE[0], *QUAKE[1]])))
    assert corpus.ingester.loaded

    def busy(*_: object, **__: object) -> None:
        raise StoreError("the corpus database is busy (database is locked); is another process writing?", code="E512")

    monkeypatch.setattr(corpus.store, "wait_for_write_lock", busy)
    with pytest.raises(StoreError, match="E512"):
        corpus.add(RawDocument(origin="ruling.txt", content="\n\n".join([RULING[0], *RULING[1]])))
    assert corpus.ingester.loaded
