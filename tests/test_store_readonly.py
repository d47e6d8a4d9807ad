"""A corpus where it cannot be written (a read-only mount or folder) is read; its writes fail with E505.

The real read-only place is a bind mount of the corpus folder, remounted read-only, in a
mount namespace of its own (``unshare --user --map-root-user --mount``): permission bits do
not stop root, a read-only file system stops everyone. The namespace ends with the process.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from triangulate.corpus import Corpus
from triangulate.corpus.migrations import MIGRATIONS
from triangulate.corpus.store import Store
from triangulate.errors import StoreError
from triangulate.models import RawDocument

QUAKE = (
    "Quake shakes Marrow Valley\n\n"
    "An earthquake of magnitude 6.1 struck the Marrow Valley early on Tuesday, toppling the clock tower in Aldersby, the civil protection agency said.\n\n"
    "Mayor Ilse Varga said three people were taken to hospital with light injuries."
)
FERRY = (
    "Ferry runs aground off Pembrook\n\n"
    "The Zandoog ferry ran aground on a sandbank in fog on Monday, and its 212 passengers were taken ashore by lifeboat, the operator said."
)

_MOUNT_RO = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"'


def _read_only(folder: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """Run ``command`` with ``folder`` mounted read-only (for this process only)."""
    return subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", _MOUNT_RO, "sh", str(folder), *command],
        capture_output=True, text=True, timeout=300,
    )


@pytest.fixture(scope="module")
def read_only_mounts(tmp_path_factory: pytest.TempPathFactory) -> None:
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed: no read-only mount to test with")
    folder = tmp_path_factory.mktemp("probe")
    probe = _read_only(folder, "sh", "-c", f"! touch {folder}/x 2>/dev/null")
    if probe.returncode != 0:
        pytest.skip(f"this system allows no read-only bind mount in a user namespace: {probe.stderr.strip() or probe.returncode}")


def _python(folder: Path, code: str) -> dict[str, object]:
    result = _read_only(folder, sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    out: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    out["stderr"] = result.stderr
    return out


_COMMANDS = """
import json, sys
from click.testing import CliRunner
from triangulate.cli import cli
from triangulate.corpus import Corpus

db = sys.argv[1]
with Corpus.open(db) as corpus:
    access = corpus.store.access
    story = corpus.stories()[0].id
def run(*args):
    result = CliRunner().invoke(cli, [*args, "--db", db])
    return [result.exit_code, result.stdout, result.stderr]
print(json.dumps({
    "access": access,
    "stories": run("stories", "-f", "json"),
    "story": run("story", story, "-f", "json"),
    "search": run("search", "Aldersby", "-f", "json"),
    "articles": run("articles", "-f", "json"),
    "sources": run("sources", "-f", "json"),
    "ingest": run("ingest", sys.argv[2]),
}))
"""


def test_a_corpus_on_a_read_only_mount_is_read_by_every_read_command_and_refuses_writes(
    tmp_path: Path, embedder: object, read_only_mounts: None
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    db = folder / "c.db"
    with Corpus.open(db, embedder=embedder) as corpus:
        corpus.add(RawDocument(origin="valley-times.txt", content=QUAKE))
        corpus.add(RawDocument(origin="island-radio.txt", content=FERRY))
    before = sorted(p.name for p in folder.iterdir())
    assert before == ["c.db"]  # the last connection closed: no -wal, no -shm to read with

    news = tmp_path / "county-echo.txt"
    news.write_text(FERRY.replace("Monday", "Tuesday"), encoding="utf-8")
    out = _python(folder, _COMMANDS.replace("sys.argv[1]", repr(str(db))).replace("sys.argv[2]", repr(str(news))))

    assert out["access"] == "immutable"  # mode=ro would need to create c.db-shm
    for command in ("stories", "story", "search", "articles", "sources"):
        code, stdout, stderr = out[command]  # type: ignore[misc]
        assert code == 0, (command, stderr)
        assert json.loads(stdout), command
    assert {s["title"] for s in json.loads(out["stories"][1])} == {"Quake shakes Marrow Valley", "Ferry runs aground off Pembrook"}  # type: ignore[index]
    code, _, stderr = out["ingest"]  # type: ignore[misc]
    assert code == 5 and "[E505] cannot write to the corpus database" in stderr
    assert sorted(p.name for p in folder.iterdir()) == before


def test_a_read_only_mount_of_a_corpus_a_writer_has_open_is_read_with_mode_ro_and_sees_its_last_commit(
    tmp_path: Path, embedder: object, read_only_mounts: None
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    db = folder / "c.db"
    code = (
        "import json\nfrom triangulate.corpus import Corpus\n"
        f"with Corpus.open({str(db)!r}) as corpus:\n"
        "    print(json.dumps({'access': corpus.store.access, 'titles': sorted(a.title for a in corpus.articles())}))\n"
    )
    with Corpus.open(db, embedder=embedder) as writer:  # open: its -wal and -shm are there
        writer.add(RawDocument(origin="valley-times.txt", content=QUAKE))
        writer.add(RawDocument(origin="island-radio.txt", content=FERRY))  # committed to the -wal
        assert (folder / "c.db-shm").exists() and (folder / "c.db-wal").stat().st_size > 0
        out = _python(folder, code)
    assert out["access"] == "read-only"
    assert out["titles"] == ["Ferry runs aground off Pembrook", "Quake shakes Marrow Valley"]


def test_a_read_only_copy_without_its_shm_is_read_immutable_without_its_log_and_says_so(
    tmp_path: Path, embedder: object, read_only_mounts: None
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    db = folder / "c.db"
    with Corpus.open(db, embedder=embedder) as writer:
        writer.add(RawDocument(origin="valley-times.txt", content=QUAKE))
        writer.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        writer.add(RawDocument(origin="island-radio.txt", content=FERRY))  # only in the -wal
        copy = tmp_path / "copy"
        copy.mkdir()
        shutil.copy(db, copy / "c.db")
        shutil.copy(folder / "c.db-wal", copy / "c.db-wal")  # a copy of the files, the -shm left out
    code = (
        "import json, logging\nfrom triangulate.corpus import Corpus\nlogging.basicConfig()\n"
        f"with Corpus.open({str(copy / 'c.db')!r}) as corpus, Corpus.open({str(copy / 'c.db')!r}) as again:\n"
        "    print(json.dumps({'access': corpus.store.access, 'titles': [a.title for a in corpus.articles()]}))\n"
    )
    out = _python(copy, code)
    assert out["access"] == "immutable"
    assert str(out["stderr"]).count("is open immutable") == 1  # once per file, however often it is opened
    assert out["titles"] == ["Quake shakes Marrow Valley"]  # what the log holds is not seen...
    assert "is read without its log c.db-wal" in str(out["stderr"])  # ...and the reader is told


def test_a_read_only_copy_whose_data_is_all_in_its_log_says_so_rather_than_asking_for_a_migration(
    tmp_path: Path, embedder: object, read_only_mounts: None
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    db = folder / "c.db"
    # A first writer killed before anything was copied from the log into the file.
    killed = subprocess.run(
        [sys.executable, "-c", "import os\nfrom triangulate.corpus import Corpus\nfrom triangulate.models import RawDocument\n"
         f"c = Corpus.open({str(db)!r})\nc.add(RawDocument(origin='valley-times.txt', content={QUAKE!r}))\nos._exit(0)\n"],
        capture_output=True, text=True, timeout=300,
    )
    assert killed.returncode == 0, killed.stderr
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(db, copy / "c.db")
    shutil.copy(folder / "c.db-wal", copy / "c.db-wal")
    result = _read_only(copy, sys.executable, "-m", "triangulate", "stories", "--db", str(copy / "c.db"))
    assert result.returncode == 5
    assert "[E502]" in result.stderr and "holds nothing yet but its log c.db-wal does" in result.stderr
    assert "needs schema migration" not in result.stderr  # it is no older version


def test_a_corpus_that_cannot_be_opened_for_writing_is_opened_read_only_and_refuses_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same fallback without a read-only mount: SQLite refusing the read-write open."""
    db = tmp_path / "c.db"
    Store(db).close()
    connect = Store._connect

    def refuse_read_write(self: Store, access: str, *, memory: bool) -> None:
        if access == "read-write":
            raise sqlite3.OperationalError("unable to open database file")
        connect(self, access, memory=memory)

    monkeypatch.setattr(Store, "_connect", refuse_read_write)
    with Corpus.open(db) as corpus:
        assert corpus.store.access == "read-only" and corpus.store.readonly
        assert corpus.stories() == []
        with pytest.raises(StoreError) as caught:
            corpus.add_feed("https://example.org/rss.xml")
        assert caught.value.code == "E505" and "cannot write to the corpus database" in str(caught.value)


def test_a_corpus_that_needs_a_migration_and_cannot_be_written_says_so(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    Store(db).close()
    last = MIGRATIONS[-1][0]
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM migrations WHERE name = ?", (last,))
    with pytest.raises(StoreError) as caught:
        Store(db, readonly=True)
    assert caught.value.code == "E502" and f"needs schema migration {last}, and it cannot be written" in str(caught.value)


def test_a_file_that_is_not_there_is_not_opened_read_only_for_a_writer(tmp_path: Path) -> None:
    with Store(tmp_path / "c.db") as store:
        assert store.access == "read-write" and not store.readonly
