"""Taking articles out of a story they were wrongly put in: Corpus.move_articles and `move-articles`.

A wrong grouping (by the clusterer, a bridging merge or a merge the user regrets) is undone by
moving articles: every version of an article and its copies in the same story go with it, both
stories are recounted and their reports recomputed, and later copies and corrections of a moved
article follow it. The cheap bag-of-words embedder keeps these tests fast.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakes import BagEmbedder

from triangulate.cli import cli
from triangulate.corpus import Corpus, IngestResult
from triangulate.errors import InputError
from triangulate.models import REPORT_SCHEMA_VERSION, RawDocument

QUAKE_TITLE = "Quake shakes Marrow Valley, toppling the old clock tower"
QUAKE = [
    "An earthquake of magnitude 6.1 struck the Marrow Valley early on Tuesday, toppling the 19th-century clock tower in Aldersby and cutting power to 40,000 homes, the regional civil protection agency said.",
    "The quake hit at 4:12 a.m. at a depth of 10 kilometres, about 15 kilometres north of Aldersby, according to the national seismology institute.",
    "Mayor Ilse Varga said three people were taken to hospital with light injuries and that schools would stay closed on Wednesday while engineers inspected the buildings.",
    "Aftershocks of up to magnitude 4.2 were felt through the morning, and the rail line to Pembrook was suspended while crews checked two bridges.",
]
RULING_TITLE = "Court strikes down Harbour Authority fishing ban"
RULING = [
    "The High Court in Calloway on Thursday struck down a fishing ban imposed by the Harbour Authority last spring, ruling that the authority had exceeded its powers.",
    "Judge Maren Oduya said the ban, which closed the northern bay to trawlers for two years, had been decided without the consultation the port statute requires.",
    "The fishermen's cooperative, which brought the case, welcomed the judgment and said boats would return to the bay next week.",
    "The Harbour Authority said it would study the ruling and could appeal within 28 days.",
]
STORY_ID = re.compile(r"^[0-9a-f]{16}$")


def quake(outlet: str, *, hour: int, url: str | None = None, corrected: bool = False) -> RawDocument:
    paragraphs = [p.replace("three people", "five people") for p in QUAKE] if corrected else QUAKE
    return RawDocument(
        origin=f"{outlet}.txt", content=QUAKE_TITLE + "\n\n" + "\n\n".join(paragraphs), source=outlet,
        url=url or f"https://{outlet.lower().replace(' ', '')}.example/quake", published=f"2025-10-14T{hour:02d}:00:00Z",
    )


def ruling(outlet: str = "Bay Post", *, hour: int = 10) -> RawDocument:
    return RawDocument(
        origin=f"{outlet}.txt", content=RULING_TITLE + "\n\n" + "\n\n".join(RULING), source=outlet,
        url=f"https://{outlet.lower().replace(' ', '')}.example/ruling", published=f"2025-10-14T{hour:02d}:00:00Z",
    )


@pytest.fixture()
def corpus(tmp_path: Path) -> Iterator[Corpus]:
    with Corpus.open(tmp_path / "c.db", embedder=BagEmbedder()) as c:
        yield c


def wrongly_joined(corpus: Corpus) -> tuple[IngestResult, IngestResult, IngestResult, str]:
    """A wire story (Valley Times), its reprint (County Echo) and an unrelated ruling (Bay Post),
    joined into one story by a merge the user regrets. Returns the three results and the story."""
    wire, reprint, court = corpus.add_many([quake("Valley Times", hour=8), quake("County Echo", hour=9), ruling()])
    assert reprint.duplicate_of == wire.article_id and reprint.story_id == wire.story_id
    assert court.story_id != wire.story_id, "the clusterer keeps the ruling apart"
    assert wire.story_id is not None and court.story_id is not None
    joined = corpus.merge_stories(wire.story_id, [court.story_id])
    assert joined.info.articles == 3
    return wire, reprint, court, joined.id


def test_an_article_moved_out_gets_a_new_story_of_its_own(corpus: Corpus) -> None:
    wire, reprint, court, story = wrongly_joined(corpus)
    assert court.article_id is not None

    moved = corpus.move_articles([court.article_id[:8]])  # a unique prefix, as everywhere

    assert moved.new_story and STORY_ID.match(moved.story.id) and moved.story.id != story
    assert [a.id for a in moved.moved] == [court.article_id] and moved.copies == () and moved.versions == ()
    assert (moved.story.articles, moved.story.sources, moved.story.title) == (1, 1, RULING_TITLE)
    # The story it left is back to the wire story and its reprint: one independent source.
    [left] = moved.left
    assert (left.id, left.articles, left.outlets, left.sources, left.title) == (story, 2, 2, 1, QUAKE_TITLE)
    assert sorted((s.title, s.articles) for s in corpus.stories()) == [(RULING_TITLE, 1), (QUAKE_TITLE, 2)]
    # The article's story id is the new story, which resolves to itself.
    stored = corpus.article(court.article_id)
    assert stored is not None and stored.story_id == moved.story.id
    detail = corpus.story(moved.story.id)
    assert detail is not None and [a.id for a in detail.articles] == [court.article_id]
    assert [a.id for a in corpus.articles(story=moved.story.id)] == [court.article_id]


def test_articles_moved_into_another_story_leave_theirs_emptied(corpus: Corpus) -> None:
    wire, reprint, court = corpus.add_many([quake("Valley Times", hour=8), quake("County Echo", hour=9), ruling()])
    assert wire.story_id and court.story_id and wire.article_id and court.article_id

    moved = corpus.move_articles([court.article_id], to=wire.story_id[:6])

    assert not moved.new_story and moved.story.id == wire.story_id
    assert (moved.story.articles, moved.story.outlets, moved.story.sources) == (3, 3, 2)
    assert moved.story.title == QUAKE_TITLE  # the earliest original still names the story
    assert moved.story.first_published == "2025-10-14T08:00:00+00:00" and moved.story.last_published == "2025-10-14T10:00:00+00:00"
    # The story it left has nothing left: as an emptied story, it is no longer listed and has no report.
    [left] = moved.left
    assert (left.id, left.articles, left.outlets, left.sources) == (court.story_id, 0, 0, 0)
    assert [s.id for s in corpus.stories()] == [wire.story_id]
    emptied = corpus.story(court.story_id)
    assert emptied is not None and emptied.articles == ()
    with pytest.raises(InputError, match=r"\[E121\]"):  # what the server answers with 404
        corpus.report(court.story_id)
    # Moving it back revives the emptied story: a move is undone by another move.
    back = corpus.move_articles([court.article_id], to=court.story_id)
    assert (back.story.id, back.story.articles, back.story.title) == (court.story_id, 1, RULING_TITLE)
    assert back.left[0].articles == 2


def test_every_version_and_every_copy_in_the_story_move_together(corpus: Corpus) -> None:
    wire, reprint, court, story = wrongly_joined(corpus)
    correction = corpus.add(quake("Valley Times", hour=8, corrected=True))
    assert correction.status == "updated" and correction.version == 2
    assert wire.article_id and correction.article_id and reprint.article_id

    # Given by the id of its first version, the article moves whole: both versions, and the
    # County Echo reprint of it.
    moved = corpus.move_articles([wire.article_id])

    assert sorted(a.id for a in moved.moved) == sorted([correction.article_id, reprint.article_id])
    assert moved.copies == (reprint.article_id,) and moved.versions == (wire.article_id,)
    assert (moved.story.articles, moved.story.sources, moved.story.title) == (2, 1, QUAKE_TITLE)
    assert (moved.left[0].id, moved.left[0].articles, moved.left[0].title) == (story, 1, RULING_TITLE)
    everything = corpus.articles(story=moved.story.id, include_superseded=True)
    assert sorted(a.id for a in everything) == sorted([wire.article_id, correction.article_id, reprint.article_id])
    assert {a.story_id for a in everything} == {moved.story.id}  # the earlier version's story id follows it
    assert corpus.articles(story=story, include_superseded=True)[0].id == court.article_id
    detail = corpus.story(moved.story.id)
    assert detail is not None and [a.id for a in detail.corrections] == [correction.article_id]


def test_without_copies_a_reprint_stays_where_it_is(corpus: Corpus) -> None:
    wire, reprint, court, story = wrongly_joined(corpus)
    assert wire.article_id
    moved = corpus.move_articles([wire.article_id], copies=False)
    assert [a.id for a in moved.moved] == [wire.article_id] and moved.copies == ()
    assert (moved.left[0].articles, moved.left[0].sources) == (2, 2)  # the reprint is that story's own source now
    reprint_now = corpus.article(str(reprint.article_id))
    assert reprint_now is not None and reprint_now.story_id == story and reprint_now.duplicate_of == wire.article_id


def test_a_cached_report_is_recomputed_after_a_move(corpus: Corpus) -> None:
    wire, reprint, court, story = wrongly_joined(corpus)
    assert court.article_id
    before = corpus.report(story)
    assert {s.outlet for s in before.sources} == {"Valley Times", "County Echo", "Bay Post"}
    assert corpus.store.cached_report(story) is not None
    version = corpus.store.story(story).version  # type: ignore[union-attr]

    moved = corpus.move_articles([court.article_id])

    assert corpus.store.cached_report(story) is None and moved.left[0].version > version
    after = corpus.report(story)
    assert {s.outlet for s in after.sources} == {"Valley Times", "County Echo"}
    assert {s.outlet for s in corpus.report(moved.story.id).sources} == {"Bay Post"}


def test_a_report_cached_for_the_story_moved_into_is_invalid_too(corpus: Corpus) -> None:
    wire, reprint, court = corpus.add_many([quake("Valley Times", hour=8), quake("County Echo", hour=9), ruling()])
    assert wire.story_id and court.story_id and court.article_id
    for sid in (wire.story_id, court.story_id):
        info = corpus.store.story(sid)
        assert info is not None
        corpus.store.save_report(sid, info.version, {"schema_version": REPORT_SCHEMA_VERSION})
    corpus.move_articles([court.article_id], to=wire.story_id)
    assert corpus.store.cached_report(wire.story_id) is None and corpus.store.cached_report(court.story_id) is None


def test_unknown_ids_and_moves_that_move_nothing_are_clear_errors(corpus: Corpus) -> None:
    wire, reprint, court = corpus.add_many([quake("Valley Times", hour=8), quake("County Echo", hour=9), ruling()])
    assert wire.article_id and wire.story_id and court.article_id and court.story_id
    with pytest.raises(InputError, match=r"\[E122\] no article 'feedface0000'"):
        corpus.move_articles(["feedface0000"])
    with pytest.raises(InputError, match=r"\[E122\] .*at least 4 characters"):
        corpus.move_articles([wire.article_id[:3]])
    with pytest.raises(InputError, match=r"\[E123\] no story 'feedface0000'"):
        corpus.move_articles([court.article_id], to="feedface0000")
    with pytest.raises(InputError, match=rf"\[E126\] nothing to move: {court.article_id} already in story {court.story_id}"):
        corpus.move_articles([court.article_id], to=court.story_id)
    # The wire story with its reprint is the whole of its story: a new story would be the same one.
    with pytest.raises(InputError, match=r"\[E126\] .*the whole of story"):
        corpus.move_articles([wire.article_id])
    with pytest.raises(ValueError, match="at least one article"):
        corpus.move_articles([])
    assert sorted(s.articles for s in corpus.stories()) == [1, 2]  # nothing changed


def test_a_later_copy_and_a_correction_of_a_moved_article_follow_it(corpus: Corpus) -> None:
    wire, reprint, court, story = wrongly_joined(corpus)
    assert court.article_id
    moved = corpus.move_articles([court.article_id])

    # A correction of the moved article, then the same wire story arriving again from another outlet.
    fixed = corpus.add(RawDocument(
        origin="bay-post-2.txt", content=RULING_TITLE + "\n\n" + "\n\n".join(RULING).replace("28 days", "30 days"),
        source="Bay Post", url="https://baypost.example/ruling", published="2025-10-14T10:00:00Z",
    ))
    assert fixed.status == "updated" and fixed.story_id == moved.story.id
    copy = corpus.add(ruling("Harbour Daily", hour=11))
    assert copy.status == "new" and copy.duplicate_of in (court.article_id, fixed.article_id)
    assert copy.story_id == moved.story.id
    assert [(s.title, s.articles) for s in sorted(corpus.stories(), key=lambda s: s.title)] == [(RULING_TITLE, 2), (QUAKE_TITLE, 2)]
    # A copy of an article that was not moved goes where it always went.
    other = corpus.add(quake("Island Radio", hour=12))
    assert other.story_id == story


def test_a_move_made_by_another_process_sticks_for_later_copies(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with Corpus.open(db, embedder=BagEmbedder()) as writer:  # a `watch` that keeps running
        wire, reprint, court, story = wrongly_joined(writer)
        assert court.article_id
        with Corpus.open(db, embedder=BagEmbedder()) as other:  # `triangulate move-articles`
            moved = other.move_articles([court.article_id])
        copy = writer.add(ruling("Harbour Daily", hour=11))
        assert copy.duplicate_of == court.article_id and copy.story_id == moved.story.id
    with Corpus.open(db, embedder=BagEmbedder()) as reopened:  # from the clusterer's snapshot
        again = reopened.add(ruling("Coast FM", hour=12))
        assert again.story_id == moved.story.id


# --- the command ----------------------------------------------------------------------------------


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == code, result.output
    return result.output if code else result.stdout


def test_move_articles_command_prints_where_they_went(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    with Corpus.open(db, embedder=BagEmbedder()) as corpus:
        wire, reprint, court, story = wrongly_joined(corpus)
    assert wire.article_id and court.article_id

    out = json.loads(run("move-articles", court.article_id[:8], "--new", "--db", db, "--format", "json"))
    assert out["new_story"] is True and STORY_ID.match(out["story"]["id"])
    assert [a["id"] for a in out["moved"]] == [court.article_id] and out["moved"][0]["story_id"] == out["story"]["id"]
    assert (out["story"]["articles"], out["story"]["title"]) == (1, RULING_TITLE)
    assert [(s["id"], s["articles"], s["independent_sources"]) for s in out["left"]] == [(story, 2, 1)]
    assert (out["copies"], out["versions"]) == ([], [])

    text = run("move-articles", wire.article_id, "--to", out["story"]["id"], "--db", db)
    assert text.splitlines() == [
        f"Moved 2 articles (1 of them a copy) to story {out['story']['id']}",
        f"  {wire.article_id}  Valley Times: {QUAKE_TITLE}",
        f"  {reprint.article_id}  County Echo: {QUAKE_TITLE} (copy)",
        f"Story {out['story']['id']}: 3 articles, 2 independent sources ({QUAKE_TITLE})",
        f"Story {story}: no articles left",
    ]


def test_move_articles_command_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    with Corpus.open(db, embedder=BagEmbedder()) as corpus:
        wire, reprint, court = corpus.add_many([quake("Valley Times", hour=8), quake("County Echo", hour=9), ruling()])
    assert court.article_id and court.story_id
    assert "give one of --to STORY or --new" in run("move-articles", court.article_id, "--db", db, code=2)
    assert "give one of --to STORY or --new" in run("move-articles", court.article_id, "--new", "--to", "x", "--db", db, code=2)
    assert "[E122] no article 'feedface0000'" in run("move-articles", "feedface0000", "--new", "--db", db, code=2)
    assert "[E123] no story 'feedface0000'" in run("move-articles", court.article_id, "--to", "feedface0000", "--db", db, code=2)
    assert "[E126] nothing to move" in run("move-articles", court.article_id, "--to", court.story_id, "--db", db, code=2)
    assert "Usage:" in run("move-articles", "--help")


def test_a_story_emptied_by_a_move_is_refused_by_story_and_answered_404_by_the_server(tmp_path: Path) -> None:
    pytest.importorskip("fastapi", reason="the server extra is not installed")
    db = str(tmp_path / "c.db")
    with Corpus.open(db, embedder=BagEmbedder()) as corpus:
        wire, reprint, court = corpus.add_many([quake("Valley Times", hour=8), quake("County Echo", hour=9), ruling()])
    assert court.article_id and court.story_id and wire.story_id
    run("move-articles", court.article_id, "--to", wire.story_id, "--db", db)
    assert "[E121]" in run("story", court.story_id, "--db", db, code=2)
    answer = CliRunner().invoke(cli, ["serve", "--db", db, "--get", f"/api/stories/{court.story_id}"])
    assert answer.exit_code == 1 and json.loads(answer.stdout)["status"] == 404
    assert [s["id"] for s in json.loads(run("stories", "--db", db, "-f", "json"))] == [wire.story_id]
