"""The corpus commands, run through the real CLI group: every listing speaks JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from triangulate.cli import COMMANDS, cli

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "harbour-fire"

QUAKE_TITLE = "Quake shakes Marrow Valley, toppling the old clock tower"
QUAKE = [
    "An earthquake of magnitude 6.1 struck the Marrow Valley early on Tuesday, toppling the 19th-century clock tower in Aldersby and cutting power to 40,000 homes, the regional civil protection agency said.",
    "The quake hit at 4:12 a.m. at a depth of 10 kilometres, about 15 kilometres north of Aldersby, according to the national seismology institute.",
    "Mayor Ilse Varga said three people were taken to hospital with light injuries and that schools would stay closed on Wednesday.",
    "Share this article",
]


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, object]:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "valley-times.txt").write_text(QUAKE_TITLE + "\n\n" + "\n\n".join(QUAKE), encoding="utf-8")
    (folder / "county-echo.txt").write_text(QUAKE_TITLE + "\n\n" + "\n\n".join(QUAKE), encoding="utf-8")
    return {"db": str(tmp_path / "c.db"), "folder": folder, "tmp": tmp_path}


def run(*args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result.stdout


def test_every_corpus_command_is_registered_and_has_help() -> None:
    for name in ("ingest", "feeds", "watch", "stories", "story", "merge-stories", "move-articles", "articles", "article", "sources", "search"):
        assert COMMANDS[name][0].startswith("triangulate.commands.corpus:")
        assert "Usage:" in run(name, "--help")


@pytest.mark.parametrize("args", [
    ("stories", "--limit"), ("stories", "--offset"), ("stories", "--min-sources"), ("articles", "--offset"), ("search", "fire", "--limit"),
])
def test_a_count_past_what_sqlite_holds_is_a_usage_error_not_a_traceback(env: dict[str, object], args: tuple[str, ...]) -> None:
    run("ingest", str(env["folder"]), "--db", str(env["db"]))
    result = CliRunner().invoke(cli, [*args, str(2**63), "--db", str(env["db"])])
    assert result.exit_code == 2 and "is not in the range" in result.output and result.exception is not None
    assert not isinstance(result.exception, OverflowError)


def test_an_empty_db_path_is_refused_by_reading_and_writing_commands(env: dict[str, object]) -> None:
    for args in (["ingest", str(env["folder"])], ["stories"], ["serve", "--get", "/api/stories"]):
        result = CliRunner().invoke(cli, [*args, "--db", ""])
        assert result.exit_code != 0 and "[E504] no corpus database named" in result.output, args


def test_an_empty_triangulate_db_is_refused_as_an_empty_db_path_is_and_creates_nothing(env: dict[str, object], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(str(env["tmp"])))
    empty = {"TRIANGULATE_DB": ""}
    for args in (["ingest", str(env["folder"])], ["stories"], ["search", "quake"], ["feeds", "list"], ["sources"], ["serve", "--get", "/api/stories"]):
        result = CliRunner().invoke(cli, args, env=empty)
        assert result.exit_code == 5 and "[E504] no corpus database named" in result.stderr, (args, result.output)
        assert not Path("triangulate.db").exists(), args
    # --db given says which database, whatever the variable holds
    result = CliRunner().invoke(cli, ["ingest", str(env["folder"]), "--db", str(env["db"]), "-q"], env=empty)
    assert result.exit_code == 0 and Path(str(env["db"])).exists()


def test_ingest_then_list_search_and_show(env: dict[str, object]) -> None:
    db = str(env["db"])
    summary = json.loads(run("ingest", str(env["folder"]), "--db", db, "--format", "json"))
    assert (summary["new"], summary["reprints"], summary["skipped"]) == (2, 1, 0)
    again = run("ingest", str(env["folder"]), "--db", db)
    assert again.strip().startswith("0 new, 2 duplicate, 0 updated, 0 skipped")

    stories = json.loads(run("stories", "--db", db, "--format", "json"))
    assert len(stories) == 1 and stories[0]["articles"] == 2 and stories[0]["independent_sources"] == 1
    assert json.loads(run("stories", "--db", db, "--min-sources", "2", "-f", "json")) == []
    assert json.loads(run("stories", "--db", db, "--query", "clock tower", "-f", "json"))[0]["id"] == stories[0]["id"]
    old = CliRunner().invoke(cli, ["stories", "--db", db, "-q", "clock tower", "-f", "json"])  # the old spelling, for now
    assert json.loads(old.stdout)[0]["id"] == stories[0]["id"] and "deprecated" in old.stderr

    arts = json.loads(run("articles", "--db", db, "--format", "json"))
    assert sorted(a["outlet"] for a in arts) == ["county-echo", "valley-times"]
    copy = [a for a in arts if a["duplicate_of"]][0]
    assert copy["duplicate_kind"] == "exact"

    hits = json.loads(run("search", "seismology", "--db", db, "--format", "json"))
    assert len(hits) == 2 and "[seismology]" in hits[0]["snippet"]

    shown = run("article", copy["id"], "--db", db)
    assert shown.startswith(QUAKE_TITLE) and "Mayor Ilse Varga" in shown
    assert "Share this article" not in shown
    assert "[share] Share this article" in run("article", copy["id"], "--db", db, "--removed")
    assert run("article", copy["id"][:8], "--db", db, "--raw").startswith(QUAKE_TITLE)
    assert "first version" in run("article", copy["id"], "--db", db, "--diff")
    both = CliRunner().invoke(cli, ["article", copy["id"], "--db", db, "--raw", "--diff"])
    assert both.exit_code == 2 and "give one of --raw, --removed, --diff" in both.output
    detail = json.loads(run("article", copy["id"], "--db", db, "-f", "json"))
    assert detail["removed"] == [{"text": "Share this article", "reason": "share"}]

    report = json.loads(run("story", stories[0]["id"], "--db", db, "--format", "json"))
    assert sorted(s["outlet"] for s in report["sources"]) == ["county-echo", "valley-times"]
    md = run("story", stories[0]["id"][:6], "--db", db, "--format", "markdown")
    assert md.startswith("# ")


def test_ingest_strict_fails_a_run_with_a_skip_and_still_stores_what_it_read(env: dict[str, object]) -> None:
    db, missing = str(env["db"]), str(env["tmp"]) + "/no-such-folder"
    assert CliRunner().invoke(cli, ["ingest", str(env["folder"]), missing, "--db", db]).exit_code == 0  # skips are data
    strict = CliRunner().invoke(cli, ["ingest", str(env["folder"]), missing, "--db", db, "--strict", "-f", "json"])
    assert strict.exit_code == 2
    summary = json.loads(strict.stdout)
    assert (summary["duplicate"], summary["skipped"]) == (2, 1)
    assert CliRunner().invoke(cli, ["ingest", str(env["folder"]), "--db", db, "--strict"]).exit_code == 0


def test_the_diff_of_a_corrected_first_version_points_to_the_correction(env: dict[str, object]) -> None:
    db, tmp = str(env["db"]), Path(str(env["tmp"]))
    record = {"url": "https://valley.example/quake", "source": "Valley Times", "title": QUAKE_TITLE, "text": "\n\n".join(QUAKE[:3])}
    (tmp / "v1.json").write_text(json.dumps(record), encoding="utf-8")
    (tmp / "v2.json").write_text(json.dumps({**record, "text": record["text"].replace("three people", "five people")}), encoding="utf-8")
    run("ingest", str(tmp / "v1.json"), "--db", db)
    run("ingest", str(tmp / "v2.json"), "--db", db)
    old, new = sorted(json.loads(run("articles", "--all-versions", "--db", db, "-f", "json")), key=lambda a: a["version"])
    assert f"triangulate article {new['id']} --diff" in run("article", old["id"], "--db", db, "--diff")
    assert "+Mayor Ilse Varga said five people" in run("article", new["id"], "--db", db, "--diff")
    shown = run("story", new["story_id"], "--db", db)
    assert "Corrections" in shown and "- Mayor Ilse Varga said three people" in shown and "+ Mayor Ilse Varga said five people" in shown
    assert f"triangulate article {new['id']} --diff" in shown


def test_an_ingest_stopped_by_a_database_error_half_way_says_what_it_stored(env: dict[str, object], monkeypatch: pytest.MonkeyPatch) -> None:
    # A disk that fills up or a lock held by another process after the first batches.
    from triangulate.corpus.ingest import Ingester
    from triangulate.errors import StoreError

    folder = Path(str(env["folder"]))
    (folder / "third.txt").write_text("Ferry strike in Kessmar\n\nFerry crews in Kessmar walked out on Monday over pay, the union said.\n")
    real = Ingester._write
    batches: list[int] = []

    def write(self: Ingester, *args: object, **kwargs: object) -> object:
        batches.append(1)
        if len(batches) == 2:
            raise StoreError("cannot write to the corpus database c.db: database or disk is full", code="E505")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Ingester, "_write", write)
    result = CliRunner().invoke(cli, ["ingest", str(folder), "--db", str(env["db"]), "--batch-size", "1", "-q"])
    assert result.exit_code == 5
    assert result.stdout.startswith("1 new, 0 duplicate, 0 updated, 0 skipped")
    assert "[E505] cannot write" in result.stderr and "what is counted above is stored" in result.stderr


def test_an_ingest_in_json_stopped_by_a_busy_database_before_its_first_batch_still_prints_its_summary(
    env: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    from triangulate.corpus.ingest import Ingester
    from triangulate.errors import StoreError

    def busy(self: Ingester, *args: object, **kwargs: object) -> object:
        raise StoreError("the corpus database c.db is busy (database is locked); is another process writing?", code="E512")

    monkeypatch.setattr(Ingester, "_write", busy)
    result = CliRunner().invoke(cli, ["ingest", str(env["folder"]), "--db", str(env["db"]), "-f", "json"])
    assert result.exit_code == 5 and "[E512]" in result.stderr
    assert json.loads(result.stdout) | {"new": 0, "stopped": "error E512"} == json.loads(result.stdout)  # one JSON object, as ever


def test_search_takes_a_word_to_leave_out_as_written(env: dict[str, object]) -> None:
    db = str(env["db"])
    run("ingest", str(env["folder"]), "--db", db, "-q")
    assert json.loads(run("search", "clock", "tower", "--db", db, "-f", "json"))
    assert json.loads(run("search", "clock", "-Aldersby", "--db", db, "-f", "json")) == []  # not an option


def test_search_reads_a_dashed_word_after_the_first_as_a_word_to_leave_out_even_when_it_starts_like_an_option(env: dict[str, object]) -> None:
    db = str(env["db"])
    run("ingest", str(env["folder"]), "--db", db, "-q")
    assert len(json.loads(run("search", "quake", "--db", db, "-f", "json"))) == 2
    # -h is help and -f is --format, yet -hospital and -fourth are words to leave out
    for word in ("-hospital", "-Hospital", "-fourth"):  # the quake articles have the first, not the second
        found = json.loads(run("search", "quake", word, "--db", db, "-f", "json"))
        assert len(found) == (0 if "ospital" in word else 2), word
    # the options work before and after the query words, in any of their forms
    for args in (["-f", "json", "quake", "-hospital"], ["quake", "-hospital", "-f", "json"], ["quake", "-hospital", "--format=json"],
                 ["--limit", "5", "quake", "-hospital", "--format", "json"], ["-fjson", "quake", "-hospital"]):
        assert json.loads(run("search", *args, "--db", db)) == [], args
    assert len(json.loads(run("search", "quake", "--limit", "1", "-f", "json", "--db", db))) == 1
    assert json.loads(run("search", "quake", "--db", db, "-f", "json", "--", "-hospital")) == []  # after --, every word is the query's
    assert "Usage:" in run("search", "quake", "-h")  # exactly an option: help
    typo = CliRunner().invoke(cli, ["search", "quake", "--limt", "1", "--db", db])
    assert typo.exit_code == 2 and "No such option '--limt'" in typo.output


def test_search_stopped_at_its_limit_says_which_matches_these_are_and_how_to_see_more(env: dict[str, object]) -> None:
    db = str(env["db"])
    run("ingest", str(env["folder"]), "--db", db, "-q")  # two articles mention the quake
    result = CliRunner().invoke(cli, ["search", "quake", "--db", db, "--limit", "1"])
    assert result.exit_code == 0 and "matches 1-1 of 2; the next ones: --offset 1" in result.stderr
    result = CliRunner().invoke(cli, ["search", "quake", "--db", db, "--limit", "5"])
    assert result.exit_code == 0 and "the next ones" not in result.stderr
    for args in (["search", "quake"], ["articles"]):  # JSON on stdout, the page on stderr: a script can tell there is more
        result = CliRunner().invoke(cli, [*args, "--db", db, "--limit", "1", "-f", "json"])
        assert result.exit_code == 0 and len(json.loads(result.stdout)) == 1 and "1-1 of 2; the next ones: --offset 1" in result.stderr, args


def test_unknown_ids_exit_with_status_2(env: dict[str, object]) -> None:
    db = str(env["db"])
    run("ingest", str(env["folder"]), "--db", db, "-q")
    result = CliRunner().invoke(cli, ["story", "nope", "--db", db])
    assert result.exit_code == 2 and "Error: [E123] no story 'nope'" in result.stderr
    result = CliRunner().invoke(cli, ["article", "nope", "--db", db])
    assert result.exit_code == 2 and "Error: [E122] no article 'nope'" in result.stderr
    result = CliRunner().invoke(cli, ["articles", "--story", "zzzzzzzz", "--db", db])
    assert result.exit_code == 2 and "[E123] no story 'zzzzzzzz'" in result.stderr


def test_sources_lists_counts_and_loads_edits_and_exports_the_registry(env: dict[str, object]) -> None:
    db = str(env["db"])
    tmp = Path(str(env["tmp"]))
    run("ingest", str(env["folder"]), "--db", db, "-q")
    reg = tmp / "outlets.json"
    reg.write_text(json.dumps({"outlets": [{"name": "Wire Agency", "domain": "wire.example", "country": "GB", "kind": "wire"}]}), encoding="utf-8")
    rows = json.loads(run("sources", "--db", db, "--registry", str(reg), "--format", "json"))
    by_name = {r["name"]: r for r in rows}
    assert by_name["valley-times"]["articles"] == 1
    # Folders are read in name order: county-echo came first, valley-times reprints it.
    assert (by_name["county-echo"]["reprints"], by_name["valley-times"]["reprints"]) == (0, 1)
    assert by_name["Wire Agency"]["kind"] == "wire" and by_name["Wire Agency"]["articles"] == 0
    out = tmp / "export.toml"
    run("sources", "--db", db, "--set", "Valley Times", "--domain", "www.valley.example", "--country", "NL", "--export", str(out))
    text = out.read_text(encoding="utf-8")
    assert 'name = "Valley Times"' in text and 'domain = "valley.example"' in text and 'kind = "wire"' in text


def test_a_registry_file_without_a_list_of_outlets_is_refused_and_replaces_nothing(env: dict[str, object]) -> None:
    db, tmp = str(env["db"]), Path(str(env["tmp"]))
    run("sources", "--db", db, "--set", "Valley Times", "--domain", "valley.example")
    for name, text in (("other.toml", "x = 1\n"), ("empty.toml", ""), ("object.json", "{}"), ("list.json", "[]")):
        (tmp / name).write_text(text, encoding="utf-8")
        result = CliRunner().invoke(cli, ["sources", "--db", db, "--registry", str(tmp / name), "--replace"])
        assert result.exit_code == 2 and "[E222] the outlet registry holds no list of outlets" in result.stderr, (name, result.output)
        assert [o["name"] for o in json.loads(run("sources", "--db", db, "-f", "json"))] == ["Valley Times"], name
    # A registry of no outlets says so by name; with --replace it empties the registry.
    (tmp / "none.toml").write_text("outlet = []\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["sources", "--db", db, "--registry", str(tmp / "none.toml"), "--replace", "-f", "json"])
    assert result.exit_code == 0 and "0 outlet(s) loaded" in result.stderr and json.loads(result.stdout) == []


def test_feeds_add_list_import_and_remove(env: dict[str, object]) -> None:
    db = str(env["db"])
    tmp = Path(str(env["tmp"]))
    assert "added" in run("feeds", "add", "https://valley.example/rss", "--db", db)
    assert "already followed" in run("feeds", "add", "https://valley.example/rss", "--db", db)
    opml = tmp / "subs.opml"
    opml.write_text('<opml version="2.0"><body><outline text="Bay" xmlUrl="https://bay.example/atom"/></body></opml>', encoding="utf-8")
    assert "1 feed(s) added" in run("feeds", "import", str(opml), "--db", db)
    feeds = json.loads(run("feeds", "list", "--db", db, "--format", "json"))
    assert [f["url"] for f in feeds] == ["https://valley.example/rss", "https://bay.example/atom"]
    run("feeds", "remove", "https://bay.example/atom", "--db", db)
    assert len(json.loads(run("feeds", "list", "--db", db, "-f", "json"))) == 1
    result = CliRunner().invoke(cli, ["feeds", "add", "not a url", "--db", db])
    assert result.exit_code == 2 and "E112" in result.output
    # One refused URL does not stop the others, and every feeds command speaks JSON.
    mixed = CliRunner().invoke(cli, ["feeds", "add", "not a url", "https://cove.example/rss", "--db", db, "-f", "json"])
    assert mixed.exit_code == 2
    assert [(r["url"], r["status"]) for r in json.loads(mixed.stdout)] == [("not a url", "refused"), ("https://cove.example/rss", "added")]
    gone = CliRunner().invoke(cli, ["feeds", "remove", "https://cove.example/rss", "https://never.example/rss", "--db", db, "-f", "json"])
    assert gone.exit_code == 2 and [r["status"] for r in json.loads(gone.stdout)] == ["removed", "not followed"]
    again = json.loads(run("feeds", "import", str(opml), "--db", db, "-f", "json"))
    assert again == {"added": 1, "already_followed": 0, "skipped": []}


def test_a_feed_is_followed_once_however_it_is_written_and_unusable_ones_are_refused(env: dict[str, object]) -> None:
    db = str(env["db"])
    spellings = ["https://Valley.EXAMPLE/rss", "https://valley.example/rss#top", "https://valley.example/rss?utm_source=x"]
    out = run("feeds", "add", "https://valley.example/rss", *spellings, "--db", db)
    assert out.splitlines() == ["added: https://valley.example/rss"] + ["already followed: https://valley.example/rss"] * 3
    hostless = CliRunner().invoke(cli, ["feeds", "add", "http://", "--db", db])
    assert hostless.exit_code == 2 and "E112" in hostless.output and "without a host" in hostless.output
    opml = Path(str(env["tmp"])) / "subs.opml"
    opml.write_text('<opml version="2.0"><body><outline text="Bay" xmlUrl="https://bay.example/atom"/>'
                    '<outline text="Old" xmlUrl="ftp://old.example/feed"/><outline text="Rel" xmlUrl="/relative.xml"/></body></opml>', encoding="utf-8")
    imported = CliRunner().invoke(cli, ["feeds", "import", str(opml), "--db", db])
    assert imported.stdout.strip() == "1 feed(s) added, 0 already followed, 2 skipped"
    assert "skipped ftp://old.example/feed: " in imported.stderr and "skipped /relative.xml: a relative URL" in imported.stderr
    run("feeds", "remove", "https://BAY.example/atom", "--db", db)  # any spelling of a followed feed
    assert [f["url"] for f in json.loads(run("feeds", "list", "--db", db, "-f", "json"))] == ["https://valley.example/rss"]


def test_watch_without_feeds_says_so(env: dict[str, object]) -> None:
    result = CliRunner().invoke(cli, ["watch", "--once", "--db", str(env["db"])])
    assert result.exit_code == 2 and "No feeds" in result.output


def test_the_database_comes_from_the_environment(env: dict[str, object], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIANGULATE_DB", str(env["db"]))
    run("ingest", str(env["folder"]), "-q")
    assert Path(str(env["db"])).exists()
    assert len(json.loads(run("articles", "-f", "json"))) == 2


def test_a_bad_since_value_is_a_usage_error(env: dict[str, object]) -> None:
    run("ingest", str(env["folder"]), "--db", str(env["db"]), "-q")
    result = CliRunner().invoke(cli, ["stories", "--since", "whenever", "--db", str(env["db"])])
    assert result.exit_code == 2 and "--since" in result.output


def test_merge_stories_joins_what_the_clusterer_kept_apart(tmp_path: Path) -> None:
    # The example's lowland-herald report names only the town and starts its own story;
    # joining it by hand brings its "Fourteen people" into the story's conflicts.
    example = Path(__file__).resolve().parents[1] / "examples" / "harbour-fire"
    db = str(tmp_path / "c.db")
    run("ingest", str(example), "--db", db, "--quiet")
    stories = json.loads(run("stories", "--db", db, "--format", "json"))
    assert sorted(s["articles"] for s in stories) == [1, 4]
    main = next(s for s in stories if s["articles"] == 4)["id"]
    apart = next(s for s in stories if s["articles"] == 1)["id"]

    joined = json.loads(run("merge-stories", main[:8], apart, "--db", db, "--format", "json"))
    assert joined["id"] == main and joined["articles"] == 5
    after = json.loads(run("stories", "--db", db, "--format", "json"))
    assert [(s["id"], s["articles"]) for s in after] == [(main, 5)]
    # The merged id still leads to the story, whose report now has the lowland figure.
    report = json.loads(run("story", apart, "--db", db, "--format", "json"))
    lowland = [c for c in report["conflicts"] if c["kind"] == "number" and c["b"]["outlet"] == "lowland-herald"]
    assert lowland and lowland[0]["b"]["value"] == "Fourteen people", report["conflicts"]


def test_merge_stories_refuses_unknown_and_identical_ids(env: dict[str, object]) -> None:
    db = str(env["db"])
    run("ingest", str(env["folder"]), "--db", db, "--quiet")
    sid = json.loads(run("stories", "--db", db, "--format", "json"))[0]["id"]
    unknown = CliRunner().invoke(cli, ["merge-stories", sid, "feedface0000", "--db", db])
    assert unknown.exit_code == 2 and "no story 'feedface0000'" in unknown.output
    same = CliRunner().invoke(cli, ["merge-stories", sid, sid, "--db", db])
    assert same.exit_code == 2 and "nothing to merge" in same.output


def test_text_from_the_corpus_prints_as_written_and_is_never_read_as_markup(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    odd = tmp_path / "["
    odd.mkdir()
    (odd / "draft].txt").write_bytes(b"")  # its path ends in "[/draft].txt", a closing markup tag
    (tmp_path / "[red]quake.txt").write_text("[update] " + QUAKE_TITLE + "\n\n" + "\n\n".join(QUAKE), encoding="utf-8")
    wide = {"COLUMNS": "240"}

    ingest = CliRunner().invoke(cli, ["ingest", str(odd / "draft].txt"), str(tmp_path / "[red]quake.txt"), "--db", db], env=wide)
    assert ingest.exit_code == 0, ingest.output
    assert f"skipped {odd / 'draft].txt'}: empty" in ingest.stderr
    assert ingest.stdout.startswith("1 new")

    listed = CliRunner().invoke(cli, ["articles", "--db", db], env=wide)
    assert "[update] Quake shakes" in listed.stdout and "│ [red]quake │" in listed.stdout  # outlet: the file's stem

    found = CliRunner().invoke(cli, ["search", "seismology", "--db", db], env=wide)
    assert found.exit_code == 0 and "seismology" in found.stdout  # the match, not swallowed as a [tag]


def test_an_id_too_short_or_the_start_of_several_ids_says_so(tmp_path: Path, embedder: object) -> None:
    from triangulate.corpus import Corpus
    from triangulate.models import Article

    db = str(tmp_path / "ids.db")
    with Corpus.open(db, embedder=embedder) as corpus:
        for n, line in enumerate(QUAKE[:2], start=1):
            corpus.add(Article(id=f"dock-000{n}", outlet=f"Outlet {n}", title=f"{QUAKE_TITLE} ({n})", paragraphs=(line,)))
    several = CliRunner().invoke(cli, ["article", "dock", "--db", db])
    assert several.exit_code == 2 and "'dock' is the start of several article ids (dock-0001, dock-0002)" in several.stderr
    short = CliRunner().invoke(cli, ["article", "do", "--db", db])
    assert short.exit_code == 2 and "at least 4 characters" in short.stderr
    assert CliRunner().invoke(cli, ["article", "dock-0002", "--db", db]).exit_code == 0
    story = CliRunner().invoke(cli, ["story", "zz", "--db", db])
    assert story.exit_code == 2 and "no story 'zz' (an id prefix needs at least 4 characters)" in story.stderr


def test_writing_a_report_or_the_registry_where_it_cannot_go_is_one_error_line(env: dict[str, object]) -> None:
    db = str(env["db"])
    tmp = Path(str(env["tmp"]))
    run("ingest", str(env["folder"]), "--db", db, "-q")
    story = json.loads(run("stories", "--db", db, "-f", "json"))[0]["id"]
    for args, target in (
        (["story", story, "-f", "html", "-o"], str(tmp / "missing" / "x.html")),
        (["story", story, "-o"], str(tmp / "outdir") + "/"),
        (["sources", "--export"], str(tmp / "missing" / "x.toml")),
    ):
        result = CliRunner().invoke(cli, [*args, target, "--db", db])
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"Error: cannot write {target}: ") and "Traceback" not in result.output
    assert not (tmp / "missing").exists() and not (tmp / "outdir").exists()


def test_a_write_stopped_or_failing_half_way_leaves_the_old_file_whole_and_no_temporary_file(env: dict[str, object]) -> None:
    import os

    from triangulate.commands.console import write_output

    folder = Path(str(env["tmp"])) / "out"
    folder.mkdir()
    target = folder / "report.md"
    target.write_text("the old report\n", encoding="utf-8")
    os.chmod(target, 0o640)

    def half(stop: BaseException) -> object:
        def write(p: Path) -> None:
            with p.open("w", encoding="utf-8") as f:
                f.write("the new rep")
                f.flush()
                raise stop
        return write

    with pytest.raises(KeyboardInterrupt):  # Ctrl-C while writing
        write_output(str(target), half(KeyboardInterrupt()))
    assert target.read_text(encoding="utf-8") == "the old report\n" and os.listdir(folder) == ["report.md"]
    with pytest.raises(SystemExit) as stopped:  # a full disk: one error line, exit 2
        write_output(str(target), half(OSError(28, "No space left on device")))
    assert stopped.value.code == 2
    assert target.read_text(encoding="utf-8") == "the old report\n" and os.listdir(folder) == ["report.md"]
    write_output(str(target), lambda p: p.write_text("the new report\n", encoding="utf-8"))
    assert target.read_text(encoding="utf-8") == "the new report\n" and os.listdir(folder) == ["report.md"]
    assert target.stat().st_mode & 0o777 == 0o640  # the file keeps its permissions

    db = str(env["db"])  # the registry's format still follows the file's suffix
    run("sources", "--db", db, "--set", "Valley Times", "--export", str(folder / "outlets.json"))
    assert json.loads((folder / "outlets.json").read_text(encoding="utf-8"))["outlets"][0]["name"] == "Valley Times"
    assert sorted(os.listdir(folder)) == ["outlets.json", "report.md"]


def test_a_named_pipe_or_a_device_given_to_o_is_written_in_place_not_replaced(env: dict[str, object]) -> None:
    import os
    import stat
    import threading

    from triangulate.commands.console import write_output

    pipe = Path(str(env["tmp"])) / "pipe"
    os.mkfifo(pipe)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_text(encoding="utf-8")), daemon=True)
    reader.start()
    write_output(str(pipe), lambda p: p.write_text("the report\n", encoding="utf-8"))
    reader.join(10)
    assert got == ["the report\n"] and stat.S_ISFIFO(pipe.stat().st_mode)  # still a pipe
    result = subprocess.run(
        [sys.executable, "-m", "triangulate", "compare", str(EXAMPLE), "-f", "json", "-o", "/dev/stdout"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["schema_version"]


def test_reading_a_corpus_that_is_not_there_says_so_and_creates_nothing(env: dict[str, object]) -> None:
    missing = Path(str(env["tmp"])) / "typo.db"
    for args in (["stories"], ["articles"], ["search", "quake"], ["story", "abcd"], ["article", "abcd"], ["sources"], ["feeds", "list"]):
        result = CliRunner().invoke(cli, [*args, "--db", str(missing)])
        assert result.exit_code == 5, (args, result.output)
        assert f"no corpus database at {missing}" in result.stderr
    assert not missing.exists()


def test_reading_an_empty_file_says_it_is_no_corpus_and_leaves_it_empty(env: dict[str, object]) -> None:
    empty = Path(str(env["tmp"])) / "empty.db"
    empty.touch()
    for args in (["stories"], ["search", "quake"], ["sources"]):
        result = CliRunner().invoke(cli, [*args, "--db", str(empty)])
        assert result.exit_code == 5 and "it is an empty file" in result.stderr, (args, result.output)
    assert empty.stat().st_size == 0


def test_search_on_a_damaged_search_index_is_a_coded_error_not_a_traceback(env: dict[str, object]) -> None:
    import sqlite3

    db = str(env["db"])
    run("ingest", str(env["folder"]), "--db", db, "-q")
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TABLE articles_fts_data")  # what a file copied over an open database can leave
    conn.close()
    for args in (["search", "quake"], ["stories", "--query", "quake"], ["search", "quake", "-f", "json"]):
        result = CliRunner().invoke(cli, [*args, "--db", db])
        assert result.exit_code == 5, (args, result.output)
        assert result.stderr.startswith(f"Error: [E509] the corpus database {db} is damaged"), result.stderr
        assert "Traceback" not in result.output


def test_a_listing_cut_at_its_limit_says_how_many_there_are_and_ids_never_wrap(env: dict[str, object]) -> None:
    db = str(env["db"])
    folder = Path(str(env["folder"]))
    for i in range(3):
        (folder / f"outlet-{i}.txt").write_text(f"Ferry line {i} reopens\n\nThe ferry line number {i} to Pembrook reopened on Friday after repairs, the operator said.", encoding="utf-8")
    run("ingest", str(folder), "--db", db, "-q")
    narrow = {"COLUMNS": "60"}
    page = CliRunner().invoke(cli, ["articles", "--db", db, "--limit", "2"], env=narrow)
    assert "articles 1-2 of 5; the next ones: --offset 2" in page.stderr
    ids = [a["id"] for a in json.loads(run("articles", "--db", db, "-f", "json"))[:2]]
    assert all(i in page.stdout for i in ids)  # whole on one line, even 60 columns wide
    assert "of 5" not in CliRunner().invoke(cli, ["articles", "--db", db], env=narrow).stderr  # nothing cut


def test_at_80_columns_ids_urls_kinds_and_times_are_never_broken_inside_and_titles_take_the_squeeze(env: dict[str, object]) -> None:
    db, tmp = str(env["db"]), Path(str(env["tmp"]))
    record = {"url": "https://harbour-gazette.example/2025/ferry", "source": "Harbour Gazette", "published": "2025-10-15T04:40:00Z",
              "title": "Ferry line to Pembrook reopens after a month of repairs to the pier", "text": "The ferry line to Pembrook reopened on Friday after a month of repairs to the pier, the operator said."}
    (tmp / "ferry.json").write_text(json.dumps(record), encoding="utf-8")
    run("ingest", str(env["folder"]), str(tmp / "ferry.json"), "--db", db, "-q")  # valley-times reprints county-echo: a note with an id
    run("sources", "--db", db, "--set", "Harbour Gazette", "--domain", "harbour-gazette.example", "--country", "NL")
    feed = "https://harbour-gazette.example/feeds/ports.xml"
    run("feeds", "add", feed, "--db", db)
    narrow = {"COLUMNS": "80"}  # the width of a pipe
    tables = {args[0]: CliRunner().invoke(cli, [*args, "--db", db], env=narrow) for args in (["sources"], ["articles"], ["feeds", "list"], ["stories"])}
    for name, result in tables.items():
        assert result.exit_code == 0, result.output
        assert max(len(line) for line in result.stdout.splitlines()) <= 80, (name, result.stdout)
    articles = json.loads(run("articles", "--db", db, "-f", "json"))
    copies = [a["duplicate_of"] for a in articles if a["duplicate_of"]]
    assert copies and all(i in tables["articles"].stdout for i in [a["id"] for a in articles] + [a["story_id"] for a in articles] + copies)
    assert "2025-10-15" in tables["articles"].stdout and "04:40:00" in tables["articles"].stdout  # a time: the date and the time of day whole
    assert "2025-10-15" in tables["sources"].stdout and "04:40:00" in tables["sources"].stdout and "original" in tables["sources"].stdout
    assert feed in tables["feeds"].stdout
    assert all(s["id"] in tables["stories"].stdout for s in json.loads(run("stories", "--db", db, "-f", "json")))
    wide = CliRunner().invoke(cli, ["sources", "--db", db], env={"COLUMNS": "120"})
    assert "2025-10-15 04:40:00" in wide.stdout  # with room, a time is on one line


def test_a_very_long_title_or_name_takes_two_lines_of_a_table_and_json_keeps_it_whole(env: dict[str, object]) -> None:
    db, tmp = str(env["db"]), Path(str(env["tmp"]))
    title = "Ferry " + "line to Pembrook reopens after repairs " * 80  # about 3,000 characters
    outlet = "The " + "Very Long Outlet Name " * 40
    record = {"url": "https://herald.example/ferry", "source": outlet, "title": title, "text": "The ferry line to Pembrook reopened on Friday after repairs, the operator said."}
    (tmp / "long.json").write_text(json.dumps(record), encoding="utf-8")
    run("ingest", str(tmp / "long.json"), "--db", db, "-q")
    narrow = {"COLUMNS": "80"}
    for args in (["stories"], ["articles"], ["search", "ferry"], ["sources"]):
        result = CliRunner().invoke(cli, [*args, "--db", db], env=narrow)
        assert result.exit_code == 0, result.output
        assert len(result.stdout.splitlines()) < 20, (args, result.stdout)
        assert "…" in result.stdout and ("Ferry" in result.stdout or args == ["sources"]), (args, result.stdout)
    assert json.loads(run("stories", "--db", db, "-f", "json"))[0]["title"] == title.strip()
    assert json.loads(run("articles", "--db", db, "-f", "json"))[0]["title"] == title.strip()
    assert json.loads(run("search", "ferry", "--db", db, "-f", "json"))[0]["title"] == title.strip()
    assert any(o["name"] == outlet.strip() for o in json.loads(run("sources", "--db", db, "-f", "json")))


def test_every_command_takes_text_table_and_terminal_for_its_human_readable_format(env: dict[str, object]) -> None:
    db = str(env["db"])
    for name in ("text", "table", "terminal"):
        assert "new" in run("ingest", str(env["folder"]), "--db", db, "-q", "-f", name)
        assert "Articles" in run("stories", "--db", db, "-f", name)  # the table's header
    story = json.loads(run("stories", "--db", db, "-f", "json"))[0]["id"]
    assert "Quake shakes" in run("story", story, "--db", db, "-f", "text")
    bad = CliRunner().invoke(cli, ["stories", "--db", db, "-f", "yaml"])
    assert bad.exit_code == 2 and "yaml" in bad.output


def test_a_table_row_with_more_or_fewer_cells_than_columns_is_an_error_not_cut() -> None:
    from triangulate.commands.console import print_table

    for row in (["a", "b", "c"], ["a"]):
        with pytest.raises(ValueError):
            print_table(["One", "Two"], [row])


def test_the_outlet_filter_of_stories_and_articles_ignores_case_and_surrounding_spaces(env: dict[str, object]) -> None:
    db = str(env["db"])
    run("ingest", str(env["folder"]), "--db", db, "-q")
    exact = json.loads(run("articles", "--db", db, "--outlet", "valley-times", "-f", "json"))
    assert exact
    for given in ("VALLEY-TIMES", "  Valley-Times "):
        assert json.loads(run("articles", "--db", db, "--outlet", given, "-f", "json")) == exact, given
        assert json.loads(run("stories", "--db", db, "--outlet", given, "-f", "json")), given


def test_a_page_past_the_end_says_how_many_match_and_where_the_last_page_starts(env: dict[str, object]) -> None:
    db = str(env["db"])
    run("ingest", str(env["folder"]), "--db", db, "-q")
    count = len(json.loads(run("articles", "--db", db, "-f", "json")))
    assert run("articles", "--db", db, "--offset", "50").strip() == f"None from 51 on: {count} articles in all; the last page: --offset 0."
    assert run("stories", "--db", db, "--offset", "50").startswith("None from 51 on: ")
    assert run("search", "quake", "--db", db, "--offset", "50").startswith("None from 51 on: ")
    assert run("articles", "--db", db, "--outlet", "nobody", "--offset", "50").strip() == "No articles match."
