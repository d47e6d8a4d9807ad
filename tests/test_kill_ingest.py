"""Reliability: SIGKILL an ingest half-way; the database is intact and a re-run finishes the job."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from triangulate.corpus.store import Store

N_FILES = 300

WORDS = (
    "harbour council minister river bridge storm vote court police hospital school budget railway port "
    "festival market election strike flood fire museum airport factory union mayor judge farmers ferry"
).split()
PLACES = "Aldersby Calloway Pembrook Veldhaven Marrow Zandoog Ostrel Brenna Kilmory Duna".split()


def make_article(i: int, rng: random.Random) -> str:
    place = rng.choice(PLACES)
    title = f"{place} {rng.choice(WORDS)} {rng.choice(WORDS)} report number {i}"
    paragraphs = []
    for p in range(4):
        sentence = " ".join(rng.choice(WORDS) for _ in range(14))
        paragraphs.append(f"In {place}, officials said on day {i}-{p} that the {sentence} would continue, with {rng.randint(2, 9000)} people affected.")
    return title + "\n\n" + "\n\n".join(paragraphs) + "\n"


def count_articles(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def write_news(folder: Path, *, seed: int) -> Path:
    """A folder of N_FILES made-up articles from seven outlets."""
    folder.mkdir()
    rng = random.Random(seed)
    for i in range(N_FILES):
        (folder / f"outlet{i % 7}-{i:04d}.txt").write_text(make_article(i, rng), encoding="utf-8")
    return folder


def ingest_cmd(folder: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "triangulate", "ingest", str(folder), "--db", str(db), "--quiet", "--batch-size", "16"]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_sigkill_mid_ingest_leaves_an_intact_database_that_a_rerun_completes(tmp_path: Path) -> None:
    folder = write_news(tmp_path / "news", seed=11)
    db = tmp_path / "corpus.db"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}

    proc = subprocess.Popen(ingest_cmd(folder, db), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 120
    killed_at = 0
    while time.monotonic() < deadline and proc.poll() is None:
        n = count_articles(db)
        if n >= 32:
            proc.send_signal(signal.SIGKILL)
            killed_at = n
            break
        time.sleep(0.01)
    proc.wait(timeout=30)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    assert killed_at, f"the ingest ended before it could be killed (rc={proc.returncode}): {stderr[-2000:]}"
    assert proc.returncode == -signal.SIGKILL
    assert killed_at < N_FILES, "killed too late to test anything"

    with Store.open(db) as store:
        assert store.integrity_check() == ["ok"]
        partial = store.count_articles()
        # Whole batches only: every stored article is in exactly one story.
        assert store._one("SELECT COUNT(*) FROM articles WHERE story_id IS NULL")[0] == 0
    assert killed_at <= partial < N_FILES

    rerun = subprocess.run(ingest_cmd(folder, db) + ["--format", "json"], capture_output=True, text=True, env=env, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    import json

    summary = json.loads(rerun.stdout)
    assert summary["new"] == N_FILES - partial
    assert summary["duplicate"] == partial
    assert summary["skipped"] == 0

    with Store.open(db) as store:
        assert store.integrity_check() == ["ok"]
        assert store.count_articles() == N_FILES  # nothing lost
        origins = store._query("SELECT origin, COUNT(*) FROM articles GROUP BY origin HAVING COUNT(*) > 1")
        assert origins == []  # no duplicates
        assert store._one("SELECT COUNT(DISTINCT content_hash) FROM articles")[0] == N_FILES
        members = store._one("SELECT COUNT(*), COUNT(DISTINCT article_id) FROM story_articles")
        assert members[0] == members[1] == N_FILES


@pytest.mark.skipif(not hasattr(signal, "SIGTERM"), reason="needs POSIX signals")
@pytest.mark.parametrize(
    ("signame", "seed", "code", "says"),
    [
        ("SIGINT", 12, 130, "interrupted"),
        # What `timeout`, systemd and `docker stop` send: the same, then 128 + 15.
        ("SIGTERM", 13, 143, "stopped (SIGTERM)"),
    ],
)
def test_a_stopped_ingest_says_what_is_stored_and_exits_128_plus_the_signal(
    tmp_path: Path, signame: str, seed: int, code: int, says: str
) -> None:
    folder = write_news(tmp_path / "news", seed=seed)
    db = tmp_path / "corpus.db"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(ingest_cmd(folder, db), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and count_articles(db) < 32:
        time.sleep(0.01)
    proc.send_signal(getattr(signal, signame))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err[-2000:]
    assert says in err and "Traceback" not in err
    stored = count_articles(db)
    assert out.startswith(f"{stored} new,")  # the counts line says exactly what is stored
    assert 32 <= stored < N_FILES


@pytest.mark.skipif(not hasattr(signal, "SIGINT"), reason="needs POSIX signals")
def test_ctrl_c_right_after_a_commit_is_held_until_the_batch_is_counted(tmp_path: Path) -> None:
    from triangulate.corpus import Corpus

    folder = write_news(tmp_path / "news", seed=7)
    counted: list[str] = []

    def on_result(result: object) -> None:
        if not counted:  # the first result of the first committed batch: Ctrl-C now
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
        counted.append(getattr(result, "status"))

    with Corpus.open(tmp_path / "corpus.db", batch_size=16) as corpus:
        with pytest.raises(KeyboardInterrupt):
            corpus.ingest([folder], on_result=on_result)
        stored = corpus.store.count_articles()
    assert stored == 16
    assert counted == ["new"] * 16  # the whole committed batch was counted, nothing more


@pytest.mark.skipif(not hasattr(signal, "SIGTERM"), reason="needs POSIX signals")
def test_a_stopped_ingest_with_format_json_still_prints_one_json_object(tmp_path: Path) -> None:
    import json

    folder = write_news(tmp_path / "news", seed=14)
    db = tmp_path / "corpus.db"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "60"}  # a narrow terminal wraps nothing of the message
    proc = subprocess.Popen(ingest_cmd(folder, db) + ["--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and count_articles(db) < 32:
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err[-2000:]
    summary = json.loads(out)
    assert summary["stopped"] == "stopped (SIGTERM)" and summary["new"] == count_articles(db)
    assert "stopped (SIGTERM): what is counted above is stored; run the same command again to finish\n" in err
