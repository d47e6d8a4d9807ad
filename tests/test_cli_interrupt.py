"""Ctrl-C (SIGINT) and SIGTERM end every command cleanly.

A stopped command says so in one line on stderr, with no traceback and not click's
``Aborted!``: ``interrupted`` and exit status 130 for Ctrl-C, ``stopped (SIGTERM)`` and
143 for SIGTERM (what `timeout`, systemd and `docker stop` send), 128 + the signal as
for any Unix command ended by one. ``watch`` and ``serve``, whose normal end is a stop,
say ``stopped`` and exit 0. Nothing stored is lost or half-written: an edit stopped
half-way is rolled back whole.

Each test runs the real command line in a child process. To stop it at a known moment,
not after a guessed delay, the child is held at one point (a function of the command,
or the import of a dependency), says ``HELD`` on stderr, and is signalled then.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from triangulate.corpus import Corpus

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name != "posix", reason="needs POSIX signals")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "harbour-fire"

#: Runs ``python -m triangulate ARGS`` after arranging for it to be held at one point:
#:   call MODULE:QUALNAME before|after ARGS...  the function, before or after it runs
#:   import NAME ARGS...                        the first import of the module NAME
DRIVER = r"""
import importlib, importlib.abc, runpy, sys, time

def hold():
    print("HELD", file=sys.stderr, flush=True)
    time.sleep(60)

mode = sys.argv[1]
if mode == "call":
    target, when, argv = sys.argv[2], sys.argv[3], sys.argv[4:]
    module_name, _, qualname = target.partition(":")
    owner = importlib.import_module(module_name)
    *path, name = qualname.split(".")
    for part in path:
        owner = getattr(owner, part)
    original = getattr(owner, name)

    def held(*args, **kwargs):
        if when == "after":
            result = original(*args, **kwargs)
            hold()
            return result
        hold()
        return original(*args, **kwargs)

    setattr(owner, name, held)
else:
    wanted, argv = sys.argv[2], sys.argv[3:]

    class HoldAtImport(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path, target=None):
            if fullname == wanted:
                sys.meta_path.remove(self)
                hold()
            return None

    sys.meta_path.insert(0, HoldAtImport())
sys.argv = ["triangulate", *argv]
runpy.run_module("triangulate", run_name="__main__", alter_sys=True)
"""

SIGNALS = [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "stopped (SIGTERM)")]


class Child:
    """A command line in a child process; stderr and stdout are read as they come."""

    def __init__(self, args: list[str], *, marker: str = "HELD", cwd: Path | None = None) -> None:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
        self.proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd
        )
        self.marker = marker
        self.seen = threading.Event()
        self.err: list[str] = []
        self.out: list[str] = []
        self.readers = [
            threading.Thread(target=self._read, args=(self.proc.stderr, self.err, True), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stdout, self.out, False), daemon=True),
        ]
        for reader in self.readers:
            reader.start()

    def _read(self, stream: object, into: list[str], watch: bool) -> None:
        for line in stream:  # type: ignore[attr-defined]
            into.append(line)
            if watch and self.marker in line:
                self.seen.set()

    def stop_when_ready(self, signame: str, timeout: float = 120) -> None:
        """Send the signal once the child has printed its marker."""
        deadline = time.monotonic() + timeout
        while not self.seen.wait(0.05) and self.proc.poll() is None and time.monotonic() < deadline:
            pass
        if not self.seen.is_set():
            self.proc.kill()
            self.finish()
            pytest.fail(f"no {self.marker!r} from the child in {timeout} s (rc={self.proc.returncode}): {''.join(self.err)[-3000:]}")
        self.proc.send_signal(getattr(signal, signame))

    def finish(self, timeout: float = 60) -> int:
        try:
            code = self.proc.wait(timeout)
        finally:
            self.proc.kill()
        for reader in self.readers:
            reader.join(10)
        return code

    def stderr_after_marker(self) -> str:
        lines = self.err
        at = next((i for i, line in enumerate(lines) if self.marker in line), -1)
        return "".join(lines[at + 1 :])


def held_at(target: str, *args: str, when: str = "before") -> Child:
    return Child([sys.executable, "-c", DRIVER, "call", target, when, *args])


def held_at_import(module: str, *args: str) -> Child:
    return Child([sys.executable, "-c", DRIVER, "import", module, *args])


def assert_stopped(child: Child, code: int, says: str) -> None:
    rc = child.finish()
    err = "".join(child.err)
    assert "Traceback" not in err and "Aborted!" not in err, err[-3000:]
    assert rc == code, err[-3000:]
    assert child.stderr_after_marker() == says + "\n", err[-3000:]  # one line, and only that


# --- a corpus of two stories ----------------------------------------------------------


@pytest.fixture(scope="module")
def two_stories(tmp_path_factory: pytest.TempPathFactory, embedder: object) -> tuple[Path, str, str]:
    """The example's two stories (docs/server.md), stored once: (database, bigger, smaller)."""
    db = tmp_path_factory.mktemp("corpus") / "corpus.db"
    with Corpus.open(db, embedder=embedder) as corpus:
        corpus.ingest([str(EXAMPLE)])
        stories = sorted(corpus.stories(), key=lambda s: -s.articles)
    assert len(stories) == 2, [s.title for s in stories]
    return db, stories[0].id, stories[1].id


@pytest.fixture()
def db(two_stories: tuple[Path, str, str], tmp_path: Path) -> Iterator[Path]:
    """A copy of the two-story corpus for one test."""
    copy = tmp_path / "corpus.db"
    source = sqlite3.connect(two_stories[0])
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    yield copy


def grouping(db: Path) -> dict[str, list[Any]]:
    """What a story edit changes: the stories, their members and every article's story."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {
            "stories": conn.execute("SELECT id, merged_into, articles, sources, version FROM stories ORDER BY id").fetchall(),
            "members": conn.execute("SELECT story_id, article_id FROM story_articles ORDER BY story_id, article_id").fetchall(),
            "articles": conn.execute("SELECT id, story_id FROM articles ORDER BY id").fetchall(),
            "integrity": conn.execute("PRAGMA integrity_check").fetchall(),
        }
    finally:
        conn.close()


# --- while the command line starts ------------------------------------------------------------


@pytest.mark.parametrize("command", ["compare", "story"])
def test_ctrl_c_while_the_package_loads_its_dependencies_prints_one_line_and_exits_130(
    command: str, db: Path, two_stories: tuple[Path, str, str]
) -> None:
    args = ["compare", str(EXAMPLE)] if command == "compare" else ["story", two_stories[1], "--db", str(db)]
    child = held_at_import("numpy", *args)
    child.stop_when_ready("SIGINT")
    assert_stopped(child, 130, "interrupted")


@pytest.mark.parametrize(("signame", "code", "says"), SIGNALS)
def test_a_stop_while_help_lists_the_commands_is_not_clicks_aborted(signame: str, code: int, says: str) -> None:
    # `--help` imports each command's module to list it: the option parser is still at work.
    child = held_at("triangulate.cli:_importable", "--help")
    child.stop_when_ready(signame)
    assert_stopped(child, code, says)


# --- commands that compute ---------------------------------------------------------------------


@pytest.mark.parametrize(("signame", "code", "says"), SIGNALS)
def test_a_stopped_compare_prints_one_line_and_exits_128_plus_the_signal(signame: str, code: int, says: str) -> None:
    child = held_at("triangulate.compare:compare", "compare", str(EXAMPLE), "-f", "json")
    child.stop_when_ready(signame)
    assert_stopped(child, code, says)
    assert child.out == []  # no half report


def test_a_story_interrupted_while_its_report_is_computed_caches_nothing(db: Path, two_stories: tuple[Path, str, str]) -> None:
    story = two_stories[1]
    # Held inside the computation (Corpus.report -> compare_articles), its facts aligned and
    # its conflicts found, before the summary: the report is not done, so nothing is cached.
    child = held_at("triangulate.compare:summarize", "story", story, "--db", str(db), "-f", "json")
    child.stop_when_ready("SIGINT")
    assert_stopped(child, 130, "interrupted")
    assert child.out == []  # no half report
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT COUNT(*) FROM reports").fetchone() == (0,)
    finally:
        conn.close()


@pytest.mark.parametrize(("signame", "code", "says"), SIGNALS)
def test_a_stopped_search_prints_one_line_and_exits_128_plus_the_signal(db: Path, signame: str, code: int, says: str) -> None:
    child = held_at("triangulate.corpus:Corpus.search", "search", "fire", "--db", str(db))
    child.stop_when_ready(signame)
    assert_stopped(child, code, says)


def test_an_interrupted_eval_prints_one_line_and_exits_130(tmp_path: Path) -> None:
    child = held_at("triangulate.evaluate.cli:load_model", "eval", "paraphrase", "--data", str(tmp_path))
    child.stop_when_ready("SIGINT")
    assert_stopped(child, 130, "interrupted")


# --- story edits: whole or not at all -------------------------------------------------------------


@pytest.mark.parametrize(("signame", "code", "says"), SIGNALS)
def test_a_merge_stopped_half_way_is_rolled_back_whole_and_can_be_made_again(
    db: Path, two_stories: tuple[Path, str, str], embedder: object, signame: str, code: int, says: str
) -> None:
    _, into, other = two_stories
    before = grouping(db)
    # Held inside the merge's transaction, after its rows were moved, before the commit.
    child = held_at("triangulate.corpus.store:Store.merge_stories", "merge-stories", into, other, "--db", str(db), when="after")
    child.stop_when_ready(signame)
    assert_stopped(child, code, says)
    assert child.out == []

    after = grouping(db)
    assert after == before  # nothing of the merge, and nothing else, was written
    assert after["integrity"] == [("ok",)]
    with Corpus.open(db, embedder=embedder) as corpus:  # made again, it is made whole
        merged = corpus.merge_stories(into, [other])
        assert merged.info.articles == sum(row[2] for row in before["stories"])
        assert [s.id for s in corpus.stories()] == [into]


# --- services: a stop is their normal end ---------------------------------------------------------------


@pytest.mark.parametrize(("signame", "says"), [("SIGINT", "stopped"), ("SIGTERM", "stopped (SIGTERM)")])
def test_a_stopped_server_says_stopped_and_exits_0(db: Path, signame: str, says: str) -> None:
    child = Child(
        [sys.executable, "-m", "triangulate", "serve", "--db", str(db), "--port", "0", "--warm", "0"],
        marker="triangulate: serving",
    )
    child.stop_when_ready(signame)
    assert_stopped(child, 0, says)


@pytest.mark.parametrize(("signame", "code", "says"), SIGNALS)
def test_serve_get_stopped_before_its_answer_is_a_command_like_any_other(db: Path, signame: str, code: int, says: str) -> None:
    # One request answered in-process, no server: stopped, it is interrupted, not done.
    child = held_at("starlette.testclient:TestClient.get", "serve", "--db", str(db), "--get", "/api/stories")
    child.stop_when_ready(signame)
    assert_stopped(child, code, says)
    assert child.out == []


# --- commands run in the caller's process -------------------------------------------------------------


def test_a_command_run_in_process_puts_the_signal_handlers_back_and_leaves_no_stop_to_the_next(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from triangulate.cli import cli, main
    from triangulate.corpus.store import Store

    def callers_handler(signum: int, frame: object) -> None:
        pass

    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for sig in saved:
            signal.signal(sig, callers_handler)

        def service_stop(self: Corpus, **kwargs: object) -> None:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler interrupts the wait

        monkeypatch.setattr(Corpus, "feeds", lambda self: ["https://feeds.example/rss"])
        monkeypatch.setattr(Corpus, "watch", service_stop)
        watched = CliRunner().invoke(cli, ["watch", "--db", str(db)])
        assert watched.exit_code == 0 and "stopped (SIGTERM)" in watched.output, watched.output
        assert all(signal.getsignal(sig) is callers_handler for sig in saved)

        def ctrl_c(self: Store, **kwargs: object) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(Store, "stories", ctrl_c)
        listed = CliRunner().invoke(cli, ["stories", "--db", str(db)])
        assert listed.exit_code == 130 and listed.output.strip().endswith("interrupted"), listed.output  # not the watch's SIGTERM
        assert all(signal.getsignal(sig) is callers_handler for sig in saved)

        with pytest.raises(SystemExit) as ended:
            main(["stories", "--db", str(db)])
        assert ended.value.code == 130
        assert all(signal.getsignal(sig) is callers_handler for sig in saved)  # no handler that ends the process
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def test_a_stopped_server_ends_past_a_report_still_being_computed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A report computed in native threads at the interpreter's exit aborted the process
    (SIGABRT, exit 134, "terminate called without an active exception"): the server ends
    the process itself, status 0, while one runs; otherwise it exits as usual."""
    import threading

    from triangulate.server import cli as server_cli

    ended: list[int] = []
    monkeypatch.setattr(server_cli.os, "_exit", ended.append)
    server_cli.exit_past_running_reports()
    assert ended == []  # nothing running: the usual exit
    release = threading.Event()
    busy = threading.Thread(target=release.wait, name="triangulate-report-1", daemon=True)
    busy.start()
    try:
        server_cli.exit_past_running_reports()
    finally:
        release.set()
        busy.join()
    assert ended == [0]
