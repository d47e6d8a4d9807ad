"""The HTTP API of `triangulate serve`, through the in-process client.

The corpus is built from the bundled example story (examples/harbour-fire/) with
the real ingest (which keeps the example's five articles in one story), plus one
hostile article whose text holds markup.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from markupsafe import escape

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from triangulate.corpus import Corpus  # noqa: E402
from triangulate.models import RawDocument  # noqa: E402
from triangulate.server import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "harbour-fire"
HOSTILE_TITLE = 'Harbour <script>alert("title")</script> notice'
HOSTILE_TEXT = (
    'A notice from the port authority of Porthaven <script>alert("xss")</script> about new berths. '
    'Ships may dock at <img src=x onerror="alert(1)"> Quay 9 from Monday.\n\n'
    "The port authority said the berths would open at 6 a.m. on Monday."
)

#: A small fictional story used when the bundled example is not there.
FALLBACK = [
    {
        "source": "North Herald",
        "title": "Bridge in Porthaven closed after crack found",
        "published": "2025-03-02T08:00:00Z",
        "text": "The Elm Street bridge in Porthaven was closed on Monday after inspectors found a crack in a main girder, city officials said.\n\n"
        "About 20,000 vehicles cross the bridge each day. The closure will last at least two weeks, the transport department said.\n\n"
        '"Safety comes first," Mayor Lina Ortiz said.',
    },
    {
        "source": "South Gazette",
        "title": "Porthaven shuts Elm Street bridge over cracked girder",
        "published": "2025-03-02T09:30:00Z",
        "text": "Inspectors found a crack in a main girder of the Elm Street bridge in Porthaven, and the city closed it on Monday.\n\n"
        "About 25,000 vehicles use the bridge every day. The closure will last at least three weeks, the transport department said.\n\n"
        '"Safety comes first," Mayor Lina Ortiz told reporters.',
    },
]


def example_inputs() -> list[str]:
    """The example's article files (not its README), or [] when the example is missing."""
    if not EXAMPLE.is_dir():
        return []
    files = [p for p in sorted(EXAMPLE.iterdir()) if p.suffix in (".txt", ".html", ".json") and p.name.lower() != "readme.md"]
    return [str(p) for p in files] if len(files) >= 2 else []


def build_example_corpus(db: Path, embedder: object) -> dict[str, object]:
    """Ingest the example (or the fallback story) and one hostile article into ``db``.

    Returns the ids a test needs: ``story`` (the example story), ``articles`` (its
    article ids), ``hostile_article`` and ``hostile_story``.
    """
    with Corpus.open(db, embedder=embedder) as corpus:
        inputs = example_inputs()
        if inputs:
            results = list(corpus.ingest_iter(inputs))
        else:
            docs = [RawDocument(origin=f"fallback-{i}.json", content=r["text"], source=r["source"], title=r["title"], published=r["published"]) for i, r in enumerate(FALLBACK)]
            results = corpus.add_many(docs)
        ids = [r.article_id for r in results if r.article_id]
        stories = [r.story_id for r in results if r.story_id]
        assert ids, [r.to_dict() for r in results]
        store = corpus.store
        into = max(set(stories), key=stories.count)
        # The clusterer keeps apart a report that shares only the town's name with the
        # others (the example's lowland-herald report, see docs/clustering.md): the pages
        # are tested on the whole event, joined as a user would correct it.
        assert len(set(stories)) <= 2 and stories.count(into) >= len(stories) - 1, stories
        store.merge_stories(into, sorted(set(stories) - {into}))
        store.refresh_stories([into])
        hostile = corpus.add(
            RawDocument(origin="hostile.txt", content=HOSTILE_TITLE + "\n\n" + HOSTILE_TEXT, source="Port Bulletin", title=HOSTILE_TITLE, published="2025-11-01T10:00:00Z")
        )
        assert hostile.article_id, hostile.to_dict()
        return {"story": into, "articles": ids, "hostile_article": hostile.article_id, "hostile_story": hostile.story_id, "example": bool(inputs)}


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory: pytest.TempPathFactory, embedder: object) -> tuple[Path, dict[str, object]]:
    db = tmp_path_factory.mktemp("server") / "corpus.db"
    ids = build_example_corpus(db, embedder)
    return db, ids


@pytest.fixture(scope="module")
def app(corpus_db: tuple[Path, dict[str, object]], embedder: object):  # type: ignore[no-untyped-def]
    return create_app(corpus_db[0], embedder=embedder)


@pytest.fixture(scope="module")
def client(app):  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def ids(corpus_db: tuple[Path, dict[str, object]]) -> dict[str, object]:
    return corpus_db[1]


@pytest.fixture(scope="module")
def story_json(client: TestClient, ids: dict[str, object]) -> dict:
    response = client.get(f"/api/stories/{ids['story']}")
    assert response.status_code == 200, response.text
    return response.json()


# --- stories ------------------------------------------------------------------------------


def test_story_list_is_newest_first_and_says_its_total(client: TestClient, ids: dict) -> None:
    body = client.get("/api/stories").json()
    assert body["ok"] is True
    assert body["total"] == len(body["stories"]) >= 2
    times = [s["last_published"] or s["updated"] for s in body["stories"]]
    assert times == sorted(times, reverse=True)
    story = next(s for s in body["stories"] if s["id"] == ids["story"])
    assert len(story["outlet_names"]) >= 2
    assert story["page"] == f"/stories/{ids['story']}"


def test_story_list_pages_with_limit_and_offset(client: TestClient) -> None:
    everything = client.get("/api/stories").json()
    first = client.get("/api/stories?limit=1").json()
    second = client.get("/api/stories?limit=1&offset=1").json()
    assert first["total"] == second["total"] == everything["total"]
    assert [s["id"] for s in first["stories"] + second["stories"]] == [s["id"] for s in everything["stories"][:2]]
    assert first["next"] is not None and "offset=1" in first["next"]
    assert first["prev"] is None and second["prev"] is not None


def test_the_previous_page_of_an_offset_past_the_end_is_the_last_page(client: TestClient) -> None:
    total = client.get("/api/stories").json()["total"]
    past = client.get(f"/api/stories?limit=1&offset={total + 10}").json()
    assert past["stories"] == [] and past["next"] is None
    back = client.get(past["prev"]).json()
    assert back["offset"] == total - 1 and len(back["stories"]) == 1
    page = client.get(f"/?limit=1&offset={total + 10}", headers={"accept": "text/html"}).text
    assert re.search(rf'href="/\?offset={total - 1}&amp;limit=1" rel="prev"', page), page


def test_story_list_filters_by_outlet_sources_query_and_time(client: TestClient, ids: dict) -> None:
    story = client.get(f"/api/stories/{ids['story']}").json()["story"]
    outlet = story["outlet_names"][0]
    by_outlet = client.get("/api/stories", params={"outlet": outlet}).json()
    assert ids["story"] in [s["id"] for s in by_outlet["stories"]]
    assert all(outlet in s["outlet_names"] for s in by_outlet["stories"])
    assert client.get("/api/stories", params={"outlet": "No Such Outlet"}).json()["total"] == 0
    many = client.get("/api/stories", params={"min_sources": 2}).json()
    assert ids["story"] in [s["id"] for s in many["stories"]]
    assert all(s["independent_sources"] >= 2 for s in many["stories"])
    assert ids["hostile_story"] not in [s["id"] for s in many["stories"]]
    found = client.get("/api/stories", params={"q": "berths"}).json()
    assert [s["id"] for s in found["stories"]] == [ids["hostile_story"]]
    assert client.get("/api/stories", params={"since": "2999-01-01"}).json()["total"] == 0
    recent = [s["id"] for s in client.get("/api/stories", params={"since": "2025-10-25"}).json()["stories"]]
    assert ids["hostile_story"] in recent and ids["story"] not in recent  # published Nov. 1 vs mid-October


def test_story_list_answers_304_to_a_matching_etag(client: TestClient) -> None:
    first = client.get("/api/stories")
    etag = first.headers["etag"]
    again = client.get("/api/stories", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    other = client.get("/api/stories?limit=1", headers={"If-None-Match": etag})
    assert other.status_code == 200


def test_an_etag_sent_back_without_its_weakness_mark_still_matches(client: TestClient, ids: dict) -> None:
    # If-None-Match compares weakly (RFC 9110): a proxy or client that drops the W/ gets its 304.
    for path in ("/api/stories", f"/api/stories/{ids['story']}", f"/stories/{ids['story']}", "/"):
        etag = client.get(path).headers["etag"]
        assert etag.startswith('W/"')
        assert client.get(path, headers={"If-None-Match": etag[2:]}).status_code == 304, path
        assert client.get(path, headers={"If-None-Match": f'"other", {etag[2:]}'}).status_code == 304, path
        assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200, path


# --- one story's report ----------------------------------------------------------------------


def test_story_report_has_facts_with_outlets_and_independent_counts(story_json: dict) -> None:
    report = story_json["report"]
    assert report["facts"], "the example's outlets share facts"
    for fact in report["facts"]:
        assert len(fact["outlets"]) >= 2
        assert 1 <= fact["independent_sources"] <= len(fact["outlets"])
        assert {c["outlet"] for c in fact["claims"]} == set(fact["outlets"])
    numbers = {s["number"] for s in report["sources"]}
    for sentence in report["summary"]:
        assert set(sentence["citations"]) <= numbers


def test_story_report_shows_conflicts_and_single_source_claims(story_json: dict, ids: dict) -> None:
    report = story_json["report"]
    assert report["single_source"]
    if ids["example"]:
        # The example disagrees on the number of injured and on the day of the fire.
        assert report["conflicts"]
        for conflict in report["conflicts"]:
            assert conflict["a"]["outlet"] != conflict["b"]["outlet"]
            assert conflict["a"]["value"] != conflict["b"]["value"]


def test_story_report_has_a_timeline_of_who_published_when(story_json: dict, ids: dict) -> None:
    timeline = story_json["timeline"]
    assert sorted(t["article_id"] for t in timeline) == sorted(ids["articles"])
    assert [t["time"] for t in timeline] == sorted(t["time"] for t in timeline)
    sources = {s["article_id"]: s["number"] for s in story_json["report"]["sources"]}
    assert all(t["source"] == sources[t["article_id"]] for t in timeline)
    labels = {s["article_id"]: s["outlet"] for s in story_json["report"]["sources"]}
    assert all(t["label"] == labels[t["article_id"]] for t in timeline)  # the sources list's names
    assert story_json["story"]["meter"] is not None
    assert story_json["story"]["meter"]["confirmed"] == sum(1 for f in story_json["report"]["facts"] if f["independent_sources"] >= 2)


def test_a_cached_report_is_served_without_recomputation(client: TestClient, app, ids: dict, story_json: dict) -> None:  # type: ignore[no-untyped-def]
    service = app.state.service
    before = service.report_computations
    for _ in range(3):
        response = client.get(f"/api/stories/{ids['story']}")
        assert response.headers["x-report-cache"] == "hit"
        assert response.json()["report"] == story_json["report"]
    assert client.get(f"/stories/{ids['story']}").status_code == 200
    assert service.report_computations == before
    etag = response.headers["etag"]
    assert client.get(f"/api/stories/{ids['story']}", headers={"If-None-Match": etag}).status_code == 304


def test_a_new_server_reads_the_report_the_store_cached(corpus_db, embedder, story_json: dict, ids: dict) -> None:  # type: ignore[no-untyped-def]
    app = create_app(corpus_db[0], embedder=embedder)
    with TestClient(app) as fresh:
        response = fresh.get(f"/api/stories/{ids['story']}")
    assert response.headers["x-report-cache"] == "stored"
    assert app.state.service.report_computations == 0
    assert response.json()["report"]["facts"] == story_json["report"]["facts"]


def test_a_story_id_prefix_finds_the_story(client: TestClient, ids: dict) -> None:
    response = client.get(f"/api/stories/{str(ids['story'])[:8]}")
    assert response.status_code == 200
    assert response.json()["story"]["id"] == ids["story"]


def test_a_report_that_takes_long_is_a_503_to_try_again_and_holds_up_no_write(
    tmp_path: Path, embedder: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A report computation may take minutes (a big story): the request waits a bounded time,
    # then answers 503 with Retry-After while the computation goes on; writes go on meanwhile.
    release = threading.Event()
    original = Corpus.report

    def slow_report(self: Corpus, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        release.wait(timeout=10)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Corpus, "report", slow_report)
    app = create_app(tmp_path / "c.db", embedder=embedder)
    app.state.service.report_wait = 0.2
    with TestClient(app, raise_server_exceptions=False) as c:
        story = c.post("/api/ingest", json={"articles": FALLBACK}).json()["results"][0]["story_id"]
        started = time.monotonic()
        pending = c.get(f"/api/stories/{story}")
        assert time.monotonic() - started < 5
        assert pending.status_code == 503 and int(pending.headers["retry-after"]) > 0
        assert "still being computed" in pending.json()["error"]
        page = c.get(f"/stories/{story}", headers={"accept": "text/html"})
        assert page.status_code == 503 and "still being computed" in page.text
        chess = {"source": "Lonely Gazette", "title": "Chess club in Wexley celebrates centenary",
                 "text": "The chess club of Wexley celebrated its hundredth anniversary on Saturday with a tournament for 64 players."}
        assert c.post("/api/ingest", json={"articles": [chess]}).json()["new"] == 1
        assert time.monotonic() - started < 5  # the write did not wait for the report
        release.set()
        deadline = time.monotonic() + 30
        while (answer := c.get(f"/api/stories/{story}")).status_code == 503 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert answer.status_code == 200 and answer.json()["report"]["facts"]
        assert app.state.service.report_computations == 1  # one computation for every request


def test_a_server_stops_even_while_a_report_is_being_computed(tmp_path: Path, embedder: object) -> None:
    # A computation that never ends must not keep a stopped server's process alive.
    db = tmp_path / "c.db"
    with Corpus.open(db, embedder=embedder) as corpus:
        corpus.add_many([RawDocument(origin=f"{i}.json", content=r["text"], source=r["source"], title=r["title"]) for i, r in enumerate(FALLBACK)])
    script = tmp_path / "stop.py"
    script.write_text(
        "import sys, threading\n"
        "from fastapi.testclient import TestClient\n"
        "from triangulate.corpus import Corpus\n"
        "from triangulate.server import create_app\n"
        "Corpus.report = lambda self, *a, **k: threading.Event().wait()  # never returns\n"
        "app = create_app(sys.argv[1])\n"
        "app.state.service.report_wait = 0.1\n"
        "with TestClient(app) as c:\n"
        "    story = c.get('/api/stories').json()['stories'][0]['id']\n"
        "    print(c.get('/api/stories/' + story).status_code, flush=True)\n"
    )
    done = subprocess.run([sys.executable, str(script), str(db)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.split() == ["503"], done.stderr


def test_a_story_read_again_from_a_file_put_in_place_is_not_answered_304_with_the_old_etag(tmp_path: Path, embedder: object) -> None:
    import time

    path, other = tmp_path / "c.db", tmp_path / "other.db"
    for db in (path, other):  # the same story id and version in both, stored at other times
        with Corpus.open(db, embedder=embedder) as corpus:
            corpus.add_many([RawDocument(origin=f"{i}.json", content=r["text"], source=r["source"], title=r["title"]) for i, r in enumerate(FALLBACK)])
        time.sleep(1.1)
    app = create_app(path, embedder=embedder)
    with TestClient(app, raise_server_exceptions=False) as c:
        story = c.get("/api/stories").json()["stories"][0]["id"]
        first = {p: c.get(p) for p in (f"/api/stories/{story}", f"/stories/{story}")}
        other.replace(path)
        for page, response in first.items():
            again = c.get(page, headers={"If-None-Match": response.headers["etag"]})
            assert again.status_code == 200 and again.headers["etag"] != response.headers["etag"], page


def test_a_database_deleted_under_the_server_is_a_503_and_one_put_in_its_place_is_read(tmp_path: Path, embedder: object) -> None:
    # The connections keep the file they opened: without a look at the path, a deleted
    # corpus would still be read and written to (and the writes lost), a restored one never seen.
    path, other = tmp_path / "c.db", tmp_path / "other.db"
    with Corpus.open(other, embedder=embedder) as corpus:
        corpus.add(RawDocument(origin="chess.txt", source="Lonely Gazette", title="Chess club in Wexley celebrates centenary",
                               content="The chess club of Wexley celebrated its hundredth anniversary on Saturday with a tournament for 64 players."))
    app = create_app(path, embedder=embedder)
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.post("/api/ingest", json={"articles": FALLBACK}).json()["new"] == 2
        before = c.get("/api/stories")
        assert before.json()["total"] == 1
        path.rename(tmp_path / "moved.db")
        for response in (c.get("/api/stories"), c.get("/api/articles"), c.post("/api/ingest", json={"articles": [{"text": "A new article about the Wexley chess club."}]})):
            assert response.status_code == 503, response.text
            assert "[E508]" in response.json()["error"] and "deleted or moved while the server ran" in response.json()["error"]
        assert not path.exists()  # nothing written, no empty corpus left behind
        other.rename(path)
        after = c.get("/api/stories", headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200
        assert [s["title"] for s in after.json()["stories"]] == ["Chess club in Wexley celebrates centenary"]
        assert "Wexley" in c.get("/").text
    with sqlite3.connect(tmp_path / "moved.db") as moved:  # what was written before the move is in the moved file
        assert moved.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 2


CHESS = {"source": "Lonely Gazette", "title": "Chess club in Wexley celebrates centenary",
         "text": "The chess club of Wexley celebrated its hundredth anniversary on Saturday with a tournament for 64 players."}


def test_a_request_in_flight_when_the_database_is_replaced_is_answered_from_the_file_it_began_on(
    tmp_path: Path, embedder: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another request that notices the new file must not close the connection this one reads through.
    from triangulate.corpus.store import Store

    path, other = tmp_path / "c.db", tmp_path / "other.db"
    with Corpus.open(other, embedder=embedder) as corpus:
        corpus.add(RawDocument(origin="chess.txt", source=CHESS["source"], title=CHESS["title"], content=CHESS["text"]))
    app = create_app(path, embedder=embedder)
    service = app.state.service
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.post("/api/ingest", json={"articles": FALLBACK}).json()["new"] == 2
        reading, release = threading.Event(), threading.Event()
        original = Store.count_stories

        def held_count(self: Store, **kwargs: object) -> int:
            if threading.current_thread().name == "in-flight":
                reading.set()
                release.wait(timeout=10)
            return original(self, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(Store, "count_stories", held_count)
        answers: dict[str, object] = {}

        def ask(name: str) -> None:
            try:
                answers[name] = service.stories()
            except Exception as exc:  # what the request would answer 503 or 500 for
                answers[name] = exc

        in_flight = threading.Thread(target=ask, args=("in-flight",), name="in-flight")
        in_flight.start()
        assert reading.wait(timeout=10)
        path.rename(tmp_path / "moved.db")
        other.rename(path)
        noticing = threading.Thread(target=ask, args=("noticing",), name="noticing")
        noticing.start()
        noticing.join(timeout=0.5)  # the old code reopened (and closed every reader) here
        release.set()
        in_flight.join(timeout=10)
        noticing.join(timeout=10)
        first, second = answers["in-flight"], answers["noticing"]
        assert isinstance(first, tuple), first
        assert first[1] == 1 and first[0][0].title != CHESS["title"]  # the file it began on
        assert isinstance(second, tuple), second
        assert [s.title for s in second[0]] == [CHESS["title"]]
        assert [s["title"] for s in c.get("/api/stories").json()["stories"]] == [CHESS["title"]]


def test_a_report_computed_while_the_database_is_replaced_is_answered_and_not_cached(
    tmp_path: Path, embedder: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    compare_module = importlib.import_module("triangulate.compare")  # triangulate.compare is also a function
    path, other = tmp_path / "c.db", tmp_path / "other.db"
    with Corpus.open(other, embedder=embedder) as corpus:
        corpus.add(RawDocument(origin="chess.txt", source=CHESS["source"], title=CHESS["title"], content=CHESS["text"]))
    app = create_app(path, embedder=embedder)
    service = app.state.service
    with TestClient(app, raise_server_exceptions=False) as c:
        story = c.post("/api/ingest", json={"articles": FALLBACK}).json()["results"][0]["story_id"]
        computing, release = threading.Event(), threading.Event()
        original = compare_module.compare_articles

        def held_compare(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
            computing.set()
            release.wait(timeout=10)
            return original(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(compare_module, "compare_articles", held_compare)
        answers: list[object] = []

        def ask() -> None:
            try:
                answers.append(service.story_report(story))
            except Exception as exc:
                answers.append(exc)

        waiting = threading.Thread(target=ask)
        waiting.start()
        assert computing.wait(timeout=10)
        path.rename(tmp_path / "moved.db")
        other.rename(path)
        assert [s["title"] for s in c.get("/api/stories").json()["stories"]] == [CHESS["title"]]
        release.set()
        waiting.join(timeout=30)
        assert len(answers) == 1 and not isinstance(answers[0], Exception), answers
        assert answers[0].report.facts  # type: ignore[union-attr]
        assert c.get(f"/api/stories/{story}").status_code == 404  # not a story of the file now served
    for db in (path, tmp_path / "moved.db"):  # cached in neither file
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 0


# --- articles, outlets, search ---------------------------------------------------------------------


def test_articles_list_of_a_story(client: TestClient, ids: dict) -> None:
    body = client.get("/api/articles", params={"story": ids["story"]}).json()
    assert body["total"] == len(ids["articles"])
    assert sorted(a["id"] for a in body["articles"]) == sorted(ids["articles"])
    assert "text" not in body["articles"][0]


def test_an_article_has_raw_input_cleaned_text_and_removed_boilerplate(client: TestClient, ids: dict) -> None:
    removed_any = False
    for article_id in ids["articles"]:
        body = client.get(f"/api/articles/{article_id}").json()
        article = body["article"]
        assert article["raw"] and article["text"]
        for piece in article["removed"]:
            assert piece["reason"] and piece["text"]
            removed_any = True
        assert body["versions"][0]["id"] == article_id
    if ids["example"]:
        assert removed_any, "the example's web page carries boilerplate"


def test_outlets_have_counts(client: TestClient, ids: dict) -> None:
    outlets = client.get("/api/outlets").json()["outlets"]
    names = {o["name"]: o for o in outlets}
    assert "Port Bulletin" in names and names["Port Bulletin"]["articles"] == 1
    assert sum(o["articles"] for o in outlets) == len(ids["articles"]) + 1


def test_search_finds_articles_and_their_stories(client: TestClient, ids: dict) -> None:
    body = client.get("/api/search", params={"q": "berths"}).json()
    assert [a["id"] for a in body["articles"]] == [ids["hostile_article"]]
    assert "[" in body["articles"][0]["snippet"]
    assert [s["id"] for s in body["stories"]] == [ids["hostile_story"]]
    assert client.get("/api/search", params={"q": "zzzunknownword"}).json()["articles"] == []


def test_search_marks_only_the_matches_when_the_text_has_brackets_of_its_own(tmp_path: Path, embedder: object) -> None:
    text = "The [update] notice: new berths open at [Quay 9] on Monday, the port authority said."
    with Corpus.open(tmp_path / "brackets.db", embedder=embedder) as corpus:
        corpus.add(RawDocument(origin="b.txt", content="Berths notice\n\n" + text, source="Port Bulletin"))
        (hit,) = corpus.search("berths")
        assert "[Quay 9]" in hit.text and [hit.text[a:b].lower() for a, b in hit.matches] == ["berths"]
    with TestClient(create_app(tmp_path / "brackets.db", embedder=embedder)) as client:
        (found,) = client.get("/api/search", params={"q": "berths"}).json()["articles"]
        assert found["snippet_text"] == hit.text and found["matches"] == [list(m) for m in hit.matches]
        assert "[berths]" in found["snippet"]
        page = client.get("/search", params={"q": "berths"}).text
        assert page.count("<mark>") == 1 and "<mark>berths</mark>" in page and "[Quay 9]" in page


# --- compare and ingest ------------------------------------------------------------------------------


def test_compare_two_records_answers_a_report_and_stores_nothing(client: TestClient) -> None:
    before = client.get("/api").json()["corpus"]
    response = client.post("/api/compare", json={"articles": FALLBACK})
    assert response.status_code == 200, response.text
    report = response.json()["report"]
    assert {s["outlet"] for s in report["sources"]} == {"North Herald", "South Gazette"}
    assert report["facts"]
    values = {(c["a"]["value"], c["b"]["value"]) for c in report["conflicts"]}
    assert values, "20,000 vs 25,000 vehicles and two vs three weeks disagree"
    assert client.get("/api").json()["corpus"] == before


def test_compare_pasted_texts_names_them_by_outlet(client: TestClient) -> None:
    texts = [{"text": FALLBACK[0]["title"] + "\n\n" + FALLBACK[0]["text"], "outlet": "Herald"}, FALLBACK[1]["title"] + "\n\n" + FALLBACK[1]["text"]]
    response = client.post("/api/compare", json={"texts": texts})
    assert response.status_code == 200, response.text
    assert [s["outlet"] for s in response.json()["report"]["sources"]] == ["Herald", "Text 2"]


def test_compare_of_texts_that_read_like_two_events_says_so_in_the_report_and_the_page(client: TestClient) -> None:
    texts = [
        "Quake in Marrow Valley\n\nAn earthquake of magnitude 6.1 struck the Marrow Valley early on Tuesday, toppling the clock tower in Aldersby.",
        "Court ruling in Lenholm\n\nA court in Lenholm struck down the regional fishing ban on Thursday, ruling that the ministry had exceeded its powers.",
    ]
    response = client.post("/api/compare", json={"texts": texts})
    assert response.status_code == 200, response.text
    (warning,) = response.json()["report"]["warnings"]
    assert "read like 2 different events" in warning
    page = client.post("/compare", data={"text": texts})
    assert page.status_code == 200 and "read like 2 different events" in page.text


def test_the_compare_example_of_the_server_docs_works_as_written(client: TestClient) -> None:
    docs = (ROOT / "docs" / "server.md").read_text(encoding="utf-8")
    example = re.search(r"curl -s -X POST localhost:8000/api/compare .*?-d '(.*?)'", docs, re.S)
    assert example, "docs/server.md shows a compare request"
    response = client.post("/api/compare", json=json.loads(example.group(1)))
    assert response.status_code == 200, response.text
    promised = re.search(r"jq '\.report\.conflicts\[\]\.explanation'\s+# (\".*\")", docs)
    assert promised and json.loads(promised.group(1)) in [c["explanation"] for c in response.json()["report"]["conflicts"]]


def test_compare_refuses_private_addresses_by_default(client: TestClient) -> None:
    response = client.post("/api/compare", json={"urls": ["http://127.0.0.1:9/article", "http://10.0.0.1/a"]})
    assert response.status_code == 422
    body = response.json()
    assert len(body["errors"]) == 2
    assert all(re.search(r"private[-_]address", e) for e in body["errors"]), body


def test_ingest_adds_records_once(tmp_path: Path, embedder: object) -> None:
    app = create_app(tmp_path / "new.db", embedder=embedder)
    with TestClient(app) as client:
        first = client.post("/api/ingest", json={"articles": FALLBACK})
        assert first.status_code == 200, first.text
        assert first.json()["new"] == 2
        again = client.post("/api/ingest", json={"articles": FALLBACK}).json()
        assert again["new"] == 0 and again["duplicate"] == 2
        listed = client.get("/api/stories").json()
        assert sum(s["articles"] for s in listed["stories"]) == 2


def test_ingest_records_a_private_url_as_a_skip(tmp_path: Path, embedder: object) -> None:
    app = create_app(tmp_path / "guard.db", embedder=embedder)
    with TestClient(app) as client:
        body = client.post("/api/ingest", json={"urls": ["http://localhost:9/a", "http://192.168.1.1/b"]}).json()
    assert body["new"] == 0 and body["skipped"] == 2
    assert [re.sub("-", "_", k) for k in body["skip_reasons"]] == ["private_address"]


def test_write_endpoints_need_the_token_when_the_server_has_one(tmp_path: Path, embedder: object) -> None:
    app = create_app(tmp_path / "auth.db", token="s3cret", embedder=embedder)
    with TestClient(app) as client:
        assert client.post("/api/ingest", json={"articles": FALLBACK}).status_code == 401
        wrong = client.post("/api/ingest", json={"articles": FALLBACK}, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Bearer")
        assert client.post("/api/feeds", json={"url": "https://example.com/rss"}).status_code == 401
        ok = client.post("/api/ingest", json={"articles": FALLBACK}, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200 and ok.json()["new"] == 2
        assert client.get("/api/stories").status_code == 200  # reading needs no token


def test_feeds_are_followed_through_the_private_address_guard(tmp_path: Path, embedder: object) -> None:
    app = create_app(tmp_path / "feeds.db", embedder=embedder)
    with TestClient(app) as client:
        refused = client.post("/api/feeds", json={"url": "http://127.0.0.1:8080/rss"})
        assert refused.status_code == 422
        assert client.post("/api/feeds", json={"url": "ftp://example.com/rss"}).status_code == 422
        assert client.get("/api/feeds").json()["feeds"] == []


# --- HTML pages, escaping ---------------------------------------------------------------------------------


def test_story_page_shows_summary_facts_conflicts_and_timeline(client: TestClient, ids: dict, story_json: dict) -> None:
    html = client.get(f"/stories/{ids['story']}").text
    for section in ("h-summary", "h-facts", "h-conflicts", "h-quotes", "h-single", "h-timeline", "h-sources"):
        assert f'id="{section}"' in html
    for fact in story_json["report"]["facts"]:
        assert f'id="fact-{fact["id"]}"' in html
    assert html.count('class="cite"') == sum(len(s["citations"]) for s in story_json["report"]["summary"])
    assert html.count("<mark>") >= 2 * len(story_json["report"]["conflicts"])


def test_article_markup_is_escaped_in_every_page(client: TestClient, ids: dict) -> None:
    pages = [f"/articles/{ids['hostile_article']}", f"/stories/{ids['hostile_story']}", "/search?q=berths", "/"]
    for path in pages:
        html = client.get(path).text
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html, path
    article = client.get(f"/articles/{ids['hostile_article']}").text
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in article or "&lt;script&gt;" in article


def test_pages_forbid_inline_scripts(client: TestClient) -> None:
    policy = client.get("/").headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_serve_get_prints_one_response_in_process(corpus_db) -> None:  # type: ignore[no-untyped-def]
    from triangulate.server.cli import serve

    result = CliRunner().invoke(serve, ["--db", str(corpus_db[0]), "--get", "/api/stories?limit=1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["limit"] == 1
    missing = CliRunner().invoke(serve, ["--db", str(corpus_db[0]), "--get", "/api/stories/nope", "-i"])
    assert missing.exit_code == 1
    assert missing.output.startswith("HTTP/1.1 404")


def test_serve_get_refuses_a_database_that_is_not_there_as_the_other_read_commands_do(tmp_path: Path) -> None:
    from triangulate.server.cli import serve

    result = CliRunner().invoke(serve, ["--db", str(tmp_path / "typo.db"), "--get", "/api/stories"])
    assert result.exit_code == 5 and "E508" in result.output
    assert not (tmp_path / "typo.db").exists()
    (tmp_path / "empty.db").touch()
    result = CliRunner().invoke(serve, ["--db", str(tmp_path / "empty.db"), "--get", "/api/stories"])
    assert result.exit_code == 5 and "E508" in result.output and (tmp_path / "empty.db").stat().st_size == 0


def test_serve_refuses_to_listen_beyond_loopback_without_a_token(tmp_path: Path) -> None:
    from triangulate.server.cli import serve

    result = CliRunner().invoke(serve, ["--db", str(tmp_path / "x.db"), "--host", "0.0.0.0"], env={"TRIANGULATE_TOKEN": ""})
    assert result.exit_code != 0
    assert "without a token" in result.output


def test_every_page_of_the_ui_renders(client: TestClient, ids: dict) -> None:
    for path in ("/", "/?min_sources=2", "/search", "/search?q=Veldhaven", "/compare", "/ingest", "/outlets", f"/articles/{ids['articles'][0]}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert "<main" in response.text and "</html>" in response.text
    assert "Veldhaven" in client.get("/search?q=Veldhaven").text


def test_a_cached_list_answers_each_request_with_its_own_links(client: TestClient) -> None:
    odd = client.get("/api/stories", params={"limit": 1, "utm": "evil"}).json()
    plain = client.get("/api/stories", params={"limit": 1}).json()
    assert "utm=evil" in (odd["next"] or "") and "utm" not in (plain["next"] or "")
    client.get("/", params={"since": "24h"})
    assert 'value="1d"' in client.get("/", params={"since": "1d"}).text  # the form shows what this request asked


def test_json_with_lone_surrogate_escapes_is_no_server_error(client: TestClient) -> None:
    text = "Bridge \\ud800 closed\\n\\nThe Elm Street bridge in Porthaven was closed on Monday after inspectors found a crack."
    for path, body in (
        ("/api/compare", '{"texts": ["' + text + '"]}'),
        ("/api/compare", '{"texts": [{"text": "' + text + '", "outlet": "A\\ud800"}]}'),
        ("/api/compare", '{"urls": ["http://\\ud800.example/"]}'),
        ("/api/feeds", '{"url": "http://ex\\ud800ample.com/feed"}'),
    ):
        response = client.post(path, content=body.encode(), headers={"Content-Type": "application/json"})
        assert response.status_code in (200, 401, 422), (path, body, response.text)
        assert response.json()["ok"] == (response.status_code == 200)


def test_the_outlet_filter_ignores_case_and_the_spaces_around_the_name(client: TestClient, ids: dict) -> None:
    name = next(s for s in client.get("/api/stories").json()["stories"] if s["id"] == ids["story"])["outlet_names"][0]
    exact = client.get("/api/stories", params={"outlet": name}).json()
    articles = client.get("/api/articles", params={"outlet": name}).json()
    assert exact["total"] >= 1 and articles["total"] >= 1
    for given in (name.upper(), f"  {name.lower()} "):
        assert [s["id"] for s in client.get("/api/stories", params={"outlet": given}).json()["stories"]] == [s["id"] for s in exact["stories"]], given
        assert client.get("/api/articles", params={"outlet": given}).json()["total"] == articles["total"], given
        page = client.get("/", params={"outlet": given}).text
        assert f'<p class="count">{exact["total"]} stor' in page and f'href="/stories/{ids["story"]}"' in page, given
    assert client.get("/api/stories", params={"outlet": name + "x"}).json()["total"] == 0


def test_the_story_form_with_its_min_sources_field_emptied_lists_as_by_default(client: TestClient) -> None:
    emptied = client.get("/", params={"q": "", "outlet": "", "min_sources": "", "since": ""})
    assert emptied.status_code == 200 and emptied.text == client.get("/").text
    for bad in ("two", "0", "1001"):
        assert client.get("/", params={"min_sources": bad}).status_code == 422, bad


def test_the_add_page_ingests_pasted_text_and_follows_feeds_only_when_public(tmp_path: Path, embedder: object) -> None:
    app = create_app(tmp_path / "form.db", embedder=embedder)
    with TestClient(app) as client:
        text = FALLBACK[0]["title"] + "\n\n" + FALLBACK[0]["text"]
        page = client.post("/ingest", data={"action": "articles", "records": text, "outlet": "North Herald"})
        assert page.status_code == 200
        assert "1 new, 0 duplicate, 0 updated, 0 skipped." in page.text  # the command line's words: no "(0 reprints)"
        assert client.get("/api/stories").json()["stories"][0]["outlet_names"] == ["North Herald"]
        # Another pasted article is another article, not a new version of the first.
        other = FALLBACK[1]["title"] + "\n\n" + FALLBACK[1]["text"]
        assert "1 new" in client.post("/ingest", data={"action": "articles", "records": other, "outlet": "South Gazette"}).text
        listed = client.get("/api/articles").json()["articles"]
        assert sorted(a["outlet"] for a in listed) == ["North Herald", "South Gazette"]
        assert all(a["version"] == 1 and a["current"] for a in listed)
        refused = client.post("/ingest", data={"action": "feed", "feed": "http://127.0.0.1/rss"})
        assert refused.status_code == 422 and "non-public" in refused.text
        assert client.get("/api/feeds").json()["feeds"] == []


def test_the_add_page_reads_pasted_text_whose_headline_opens_with_a_bracket_as_an_article(tmp_path: Path, embedder: object) -> None:
    app = create_app(tmp_path / "form.db", embedder=embedder)
    with TestClient(app) as client:
        for n, headline in enumerate(("[Update] Elm Street bridge in Porthaven stays shut", "{Live} Elm Street bridge in Porthaven stays shut")):
            text = headline + "\n\n" + FALLBACK[n]["text"]
            page = client.post("/ingest", data={"action": "articles", "records": text, "outlet": FALLBACK[n]["source"]})
            assert page.status_code == 200 and "1 new" in page.text and "bad_json" not in page.text, headline
        titles = sorted(a["title"] for a in client.get("/api/articles").json()["articles"])
        assert titles == ["[Update] Elm Street bridge in Porthaven stays shut", "{Live} Elm Street bridge in Porthaven stays shut"]
        # A paste that opens as JSON is still read as JSON: broken, it is one bad_json skip.
        broken = client.post("/ingest", data={"action": "articles", "records": '[{"title": "Bridge", "text": "The bridge\nis shut', "outlet": "A"})
        assert "1 skipped" in broken.text and broken.text.count("bad_json") == 1


def test_the_add_page_takes_the_outlet_of_pasted_text_and_records_from_its_field_and_never_invents_one(tmp_path: Path, embedder: object) -> None:
    app = create_app(tmp_path / "form.db", embedder=embedder)
    with TestClient(app) as client:
        texts = [r["title"] + "\n\n" + r["text"] for r in FALLBACK]
        # No outlet for a pasted article: the form again, with the error and the text as typed.
        for text in texts:
            refused = client.post("/ingest", data={"action": "articles", "records": text, "outlet": "  "})
            assert refused.status_code == 422 and "give the outlet of the pasted article" in refused.text
            assert f'<textarea name="records" rows="8">{escape(text)}</textarea>' in refused.text
        record = {k: v for k, v in FALLBACK[1].items() if k != "source"}
        refused = client.post("/ingest", data={"action": "articles", "records": json.dumps([record, {**record, "url": "https://south.example/b"}])})
        assert refused.status_code == 422 and "give the outlet of 1 pasted record without source or url" in refused.text
        assert client.get("/api/articles").json()["total"] == 0
        # The field names the outlet of the text, and of a record that names none; a record's own source wins.
        own = {"source": "North Herald", "title": "Porthaven ferry to run extra trips", "text": "The Porthaven ferry will run four extra trips a day while the Elm Street bridge is closed, the harbour office said on Tuesday."}
        assert "1 new" in client.post("/ingest", data={"action": "articles", "records": texts[0], "outlet": "North Herald"}).text
        assert "1 new" in client.post("/ingest", data={"action": "articles", "records": json.dumps(record), "outlet": "South Gazette"}).text
        assert "1 new" in client.post("/ingest", data={"action": "articles", "records": json.dumps(own), "outlet": "South Gazette"}).text
        listed = client.get("/api/articles").json()["articles"]
        assert sorted(a["outlet"] for a in listed) == ["North Herald", "North Herald", "South Gazette"]


def test_the_article_link_of_a_claim_marks_it_when_the_article_writes_curly_or_low_quotes(tmp_path: Path, embedder: object) -> None:
    records = [
        {"source": "North Herald", "title": "Storm cuts power in Porthaven",
         "text": "A storm cut power to 4,000 homes in Porthaven on Monday night, the grid operator said.\n\n"
                 "\u201cWe expect to restore power by Thursday,\u201d a spokeswoman for the operator said."},
        {"source": "Grenzland Bote", "title": "Storm leaves Porthaven homes without power",
         "text": "The storm left 4,000 homes in Porthaven without power on Monday night, the grid operator said.\n\n"
                 "\u201eWe expect to restore power by Thursday,\u201c a spokeswoman  for the operator said."},
    ]
    with TestClient(create_app(tmp_path / "quotes.db", embedder=embedder)) as c:
        results = c.post("/api/ingest", json={"articles": records}).json()["results"]
        story = results[0]["story_id"]
        assert story == results[1]["story_id"]
        claims = c.get(f"/api/stories/{story}").json()["report"]["claims"]
        quoted = [k for k in claims if k["text"].startswith('"We expect')]
        assert len(quoted) == 2, [k["text"] for k in claims]
        for claim in quoted:
            page = c.get(f"/articles/{claim['article_id']}", params={"story": story, "claim": claim["id"]}).text
            (marked,) = re.findall(r"<mark>(.*?)</mark>", page, re.S)
            assert marked.startswith(("&#8220;We expect", "\u201cWe expect", "\u201eWe expect")) and marked.endswith("operator said."), marked


def test_the_add_page_keeps_what_was_typed_when_something_was_skipped(tmp_path: Path, embedder: object) -> None:
    with TestClient(create_app(tmp_path / "form.db", embedder=embedder)) as client:
        typed = '{"title": "Quay 4 reopens", "text": "Quay 4 reopened."}\n{"title": "Quay 5", "text": "'
        page = client.post("/ingest", data={"action": "articles", "records": typed, "outlet": "Quay News"})
        assert page.status_code == 200 and "skipped" in page.text
        assert f"{escape(typed)}</textarea>" in page.text and 'value="Quay News"' in page.text
        added = client.post("/ingest", data={"action": "articles", "records": FALLBACK[0]["title"] + "\n\n" + FALLBACK[0]["text"], "outlet": "North Herald"})
        assert "1 new" in added.text and '<textarea name="records" rows="8"></textarea>' in added.text  # all added: the form is empty again


def test_the_add_page_keeps_what_was_typed_when_the_corpus_is_busy(tmp_path: Path, embedder: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from triangulate.errors import StoreError

    app = create_app(tmp_path / "busy.db", embedder=embedder)
    with TestClient(app) as client:
        def busy(*args: object, **kwargs: object) -> object:
            raise StoreError("the corpus database busy.db is busy (database is locked); is another process writing?", code="E512")

        monkeypatch.setattr(app.state.service, "ingest", busy)
        typed = FALLBACK[0]["title"] + "\n\n" + FALLBACK[0]["text"]
        page = client.post("/ingest", data={"action": "articles", "records": typed, "outlet": "North Herald"}, headers={"accept": "text/html"})
        assert page.status_code == 503 and "[E512]" in page.text
        assert f"{escape(typed)}</textarea>" in page.text and 'value="North Herald"' in page.text  # not a bare error page
        script = client.post("/ingest", data={"action": "articles", "records": typed, "outlet": "North Herald"})
        assert script.status_code == 503


def test_polling_from_the_add_page_lists_each_feed_in_words(tmp_path: Path, embedder: object) -> None:
    app = create_app(tmp_path / "poll.db", embedder=embedder, allow_private=True)
    with TestClient(app) as client:
        app.state.service.corpus.add_feed("http://127.0.0.1:9/feed.xml")  # nothing listens there
        page = client.post("/ingest", data={"action": "poll"})
        assert page.status_code == 200
        assert "<li>http://127.0.0.1:9/feed.xml: error connection_error" in page.text
        assert "{&#39;url&#39;" not in page.text  # not the result's Python dictionary


def test_compare_page_reports_uploaded_files(client: TestClient) -> None:
    files = [
        ("files", (f"{r['source'].lower().replace(' ', '-')}.txt", (r["title"] + "\n\n" + r["text"]).encode(), "text/plain"))
        for r in FALLBACK
    ]
    response = client.post("/compare", files=files)
    assert response.status_code == 200, response.text
    assert "north-herald" in response.text and "south-gazette" in response.text
    assert "20,000" in response.text


def test_articles_of_an_unknown_story_are_a_404_as_in_the_cli(client: TestClient) -> None:
    response = client.get("/api/articles?story=nosuchstory")
    assert response.status_code == 404 and "no story" in response.json()["error"]


def test_a_story_emptied_by_a_correction_is_gone_and_the_report_is_served_from_a_read_only_database(
    tmp_path: Path, embedder: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from triangulate.errors import StoreError

    app = create_app(tmp_path / "c.db", embedder=embedder)
    with TestClient(app) as c:
        record = {"url": "https://lonely.example/a", "source": "Lonely Gazette", "title": "Chess club in Wexley celebrates centenary",
                  "text": "The chess club of Wexley celebrated its hundredth anniversary on Saturday with a tournament for 64 players."}
        first = c.post("/api/ingest", json={"articles": [record]}).json()["results"][0]["story_id"]
        moved = {**record, "title": "Harbour fire in Veldhaven",
                 "text": "A fire gutted a timber warehouse in the harbour of Veldhaven overnight, halting ferry traffic, officials said."}
        second = c.post("/api/ingest", json={"articles": [moved]}).json()["results"][0]["story_id"]
        assert second != first
        assert c.get(f"/api/stories/{first}").status_code == 404

        def refuse(*args: object, **kwargs: object) -> None:
            raise StoreError("cannot write to the corpus database: attempt to write a readonly database", code="E505")

        monkeypatch.setattr(app.state.service.store, "save_report", refuse)
        answer = c.get(f"/api/stories/{second}")
        assert answer.status_code == 200 and answer.json()["report"]["facts"] == []


def test_the_search_page_offers_a_next_page_only_when_there_is_one(tmp_path: Path, embedder: object) -> None:
    app = create_app(tmp_path / "c.db", embedder=embedder)
    records = [
        {"url": f"https://twenty.example/{i}", "source": f"Twenty {i}", "title": f"Zebrafish count {i}",
         "text": f"Zebrafish were counted in pond {i} on day {i * 7} of the survey. The team recorded {i * 3 + 5} animals."}
        for i in range(20)
    ]
    with TestClient(app) as c:
        assert c.post("/api/ingest", json={"articles": records}).json()["new"] == 20
        first = c.get("/search?q=zebrafish", headers={"accept": "text/html"}).text
        assert 'rel="next"' not in first  # exactly 20 hits: one page
        later = c.get("/search?q=zebrafish&offset=10", headers={"accept": "text/html"}).text
        assert 'rel="prev"' in later and 'rel="next"' not in later


def test_the_search_and_story_pages_take_a_limit_and_send_a_page_past_the_end_to_the_last_page(tmp_path: Path, embedder: object) -> None:
    app = create_app(tmp_path / "c.db", embedder=embedder)
    records = [
        {"url": f"https://five.example/{i}", "source": f"Five {i}", "title": f"Otter count {i}",
         "text": f"Otters were counted on river {i} on day {i * 7} of the survey. The team recorded {i * 3 + 5} animals."}
        for i in range(5)
    ]
    html = {"accept": "text/html"}
    with TestClient(app) as c:
        assert c.post("/api/ingest", json={"articles": records}).json()["new"] == 5
        first = c.get("/search?q=otters&limit=2", headers=html).text
        assert first.count('<p class="snippet">') == 2 and "Articles (5)" in first
        assert 'href="/search?q=otters&amp;limit=2&amp;offset=2" rel="next"' in first
        beyond = c.get("/search?q=otters&limit=2&offset=40", headers=html).text
        assert '<p class="snippet">' not in beyond and "No article matches" not in beyond and 'rel="next"' not in beyond
        assert 'href="/search?q=otters&amp;limit=2&amp;offset=4" rel="prev"' in beyond and "go to the last page" in beyond
        assert 'href="/search?q=otters&amp;offset=0" rel="prev"' in c.get("/search?q=otters&offset=40", headers=html).text
        total = c.get("/api/stories").json()["total"]
        past = c.get("/?offset=100&limit=2", headers=html).text
        assert "No story matches" not in past and "go to the last page" in past
        assert f'href="/?offset={(total - 1) // 2 * 2}&amp;limit=2" rel="prev"' in past


def test_search_is_paginated_as_the_other_lists_with_total_next_and_prev(tmp_path: Path, embedder: object) -> None:
    app = create_app(tmp_path / "c.db", embedder=embedder)
    records = [
        {"url": f"https://five.example/{i}", "source": f"Five {i}", "title": f"Otter count {i}",
         "text": f"Otters were counted on river {i} on day {i * 7} of the survey. The team recorded {i * 3 + 5} animals."}
        for i in range(5)
    ]
    with TestClient(app) as c:
        assert c.post("/api/ingest", json={"articles": records}).json()["new"] == 5
        first = c.get("/api/search", params={"q": "otters", "limit": 2}).json()
        assert (first["total"], first["limit"], first["offset"], first["prev"]) == (5, 2, 0, None)
        assert first["next"] == "/api/search?q=otters&limit=2&offset=2" and len(first["articles"]) == 2
        last = c.get(first["next"].replace("offset=2", "offset=4")).json()
        assert len(last["articles"]) == 1 and last["next"] is None and last["prev"] == "/api/search?q=otters&limit=2&offset=2"
        beyond = c.get("/api/search", params={"q": "otters", "limit": 2, "offset": 40}).json()
        assert beyond["articles"] == [] and beyond["prev"] == "/api/search?q=otters&limit=2&offset=4"  # the last page
        none = c.get("/api/search", params={"q": "zzzunknownword"}).json()
        assert (none["total"], none["next"], none["prev"]) == (0, None, None)
        stories = c.get("/api/stories", params={"limit": 2}).json()
        assert set(stories) - {"stories"} <= set(first) - {"articles"}  # the same page keys as the story list
        described = c.get("/api/openapi.json").json()["paths"]["/api/search"]["get"]["description"]
        assert "total" in described and "next" in described


def test_the_add_form_keeps_the_apis_limits_and_names_an_unknown_action(tmp_path: Path, embedder: object) -> None:
    app = create_app(tmp_path / "c.db", embedder=embedder)
    with TestClient(app) as c:
        headers = {"origin": "http://testserver", "accept": "text/html"}
        many = json.dumps([{"title": f"t{i}", "text": "x"} for i in range(1001)])
        assert c.post("/ingest", data={"records": many}, headers=headers).status_code == 413
        unknown = c.post("/ingest", data={"action": "bogus"}, headers=headers)
        assert unknown.status_code == 422 and "unknown action" in unknown.text
        # A pasted article over 1 MB is within the body limit (5 MB): no multipart part limit of its own.
        big = c.post("/compare", data={"text": "x" * 1_100_000, "outlet": "A"}, headers=headers)
        assert big.status_code == 422 and "Part exceeded" not in big.text  # one word: too short, not a refused part


def test_a_day_alone_is_shown_as_the_day_and_comes_last_in_its_day_on_the_timeline(tmp_path: Path, embedder: object) -> None:
    # As copies are ordered (triangulate.times.publication_key): a day alone is not known to be
    # earlier than a copy of that day that gives its hour.
    from triangulate.server.views import _when

    assert _when("2025-03-02") == "2025-03-02"
    assert _when("2025-03-02T09:30:00+00:00") == "2025-03-02 09:30 UTC"
    records = [{**FALLBACK[0], "published": "2025-03-02"}, {**FALLBACK[1], "published": "2025-03-02T09:30:00Z"}]
    app = create_app(tmp_path / "c.db", embedder=embedder)
    with TestClient(app) as c:
        story = c.post("/api/ingest", json={"articles": records}).json()["results"][0]["story_id"]
        timeline = c.get(f"/api/stories/{story}").json()["timeline"]
        assert [(t["outlet"], t["time"]) for t in timeline] == [("South Gazette", "2025-03-02T09:30:00+00:00"), ("North Herald", "2025-03-02")]
        page = c.get(f"/stories/{story}", headers={"accept": "text/html"}).text
        assert '<time datetime="2025-03-02">2025-03-02</time>' in page and "00:00 UTC" not in page
