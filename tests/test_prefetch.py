"""Embedding ahead: the next batch's leads are embedded on a second thread, and no result changes."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from triangulate.corpus import Corpus
from triangulate.embed import OnnxMiniLM, Prefetcher
from triangulate.models import RawDocument

LEADS = [
    "Fire at the Kessling harbour warehouse. A fire destroyed a grain warehouse at Kessling harbour on Tuesday night.",
    "Council approves the new tram line. The city council voted 31 to 12 for a tram line to the airport.",
    "Nurses strike at Lanholm General. Hundreds of nurses walked out on Monday over pay.",
    "Short lead.",
    "Storm closes the coast road. Gusts of 120 km/h brought down trees along the coast road near Marrowick, police said.",
]


@pytest.fixture(scope="module")
def one_at_a_time() -> OnnxMiniLM:
    return OnnxMiniLM(batch_size=1)


@pytest.mark.parametrize("make", [OnnxMiniLM, OnnxMiniLM.int8], ids=["float", "int8"])
def test_a_text_embedded_alone_has_one_vector_whatever_is_embedded_beside_it_and_on_any_number_of_threads(make: Any) -> None:
    two_threads = make(batch_size=1, threads=2).encode(LEADS)
    one_thread = make(batch_size=1, threads=1).encode(list(reversed(LEADS)))[::-1]
    alone = make(batch_size=1).encode(LEADS[2:3])
    assert np.array_equal(two_threads, one_thread)
    assert np.array_equal(two_threads[2:3], alone)
    batched = make(batch_size=len(LEADS), threads=2).encode(LEADS)
    if make is OnnxMiniLM.int8:  # several texts a run: each run's activations quantized on their own range
        assert not np.array_equal(batched, two_threads)


def test_the_int8_clustering_model_embeds_one_text_at_a_time() -> None:
    assert OnnxMiniLM.int8().batch_size == 1


def test_prefetched_texts_come_from_the_cache_with_the_vectors_they_would_have_had(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = OnnxMiniLM(batch_size=1).encode(LEADS)
    embedder = OnnxMiniLM(batch_size=1)
    ahead = embedder.prefetcher()
    assert isinstance(ahead, Prefetcher)
    with ahead:
        first = ahead.submit(LEADS[:3])
        second = ahead.submit(LEADS[3:] + LEADS[:1])  # one text again: fetched once
        ahead.collect(second)  # the earlier ticket is finished with it
        assert ahead.submitted == len(LEADS)
        assert first < second
    monkeypatch.setattr(embedder, "_encode_uncached", lambda texts: pytest.fail(f"embedded again: {texts}"))
    assert np.array_equal(embedder.encode(LEADS), expected)


def test_an_embedder_that_runs_several_texts_at_once_has_no_prefetcher() -> None:
    assert OnnxMiniLM(batch_size=8).prefetcher() is None


def test_the_interpreter_switches_threads_more_often_only_while_a_prefetcher_runs(one_at_a_time: OnnxMiniLM) -> None:
    before = sys.getswitchinterval()
    ahead = one_at_a_time.prefetcher()
    assert ahead is not None
    with ahead:
        ahead.collect(ahead.submit(["A text to embed ahead."]))
        assert sys.getswitchinterval() < before
    assert sys.getswitchinterval() == before


def test_texts_the_thread_fails_on_are_embedded_by_the_caller(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    expected = OnnxMiniLM(batch_size=1).encode(LEADS)
    embedder = OnnxMiniLM(batch_size=1)
    ahead = embedder.prefetcher()
    assert ahead is not None

    def broken(texts: list[str]) -> np.ndarray:
        raise RuntimeError("model session lost")

    monkeypatch.setattr(ahead._worker, "_encode_uncached", broken)
    with ahead:
        ticket = ahead.submit(LEADS)
        deadline = time.monotonic() + 10
        while not ahead._jobs[0].failed and time.monotonic() < deadline:
            time.sleep(0.01)  # until the thread has tried a text
        assert ahead._jobs[0].failed
        ahead.collect(ticket)
    assert ahead.by_thread == 0
    assert "embedding ahead failed (RuntimeError: model session lost)" in caplog.text
    monkeypatch.setattr(embedder, "_encode_uncached", lambda texts: pytest.fail(f"embedded again: {texts}"))
    assert np.array_equal(embedder.encode(LEADS), expected)


# --- the corpus write path ----------------------------------------------------------------

PLACES = ["Kessling", "Marrowick", "Dunhold", "Portvale", "Lanholm", "Tiller"]
EVENTS = [
    ("fire", "A fire destroyed a warehouse in {p} on {d}, and {n} firefighters fought it through the night."),
    ("strike", "Bus drivers in {p} walked out on {d} over pay; {n} routes were cancelled, the operator said."),
    ("flood", "The river burst its banks in {p} on {d}, and {n} homes were evacuated, officials said."),
]
OUTLETS = ["north-ledger", "harbour-news", "valley-post", "coast-radio"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday"]


def _documents() -> list[RawDocument]:
    """Stories of three kinds in six places, told by four outlets, with wire copies and a repeat."""
    docs: list[RawDocument] = []
    for s, place in enumerate(PLACES):
        kind, template = EVENTS[s % len(EVENTS)]
        fact = template.format(p=place, d=DAYS[s % 4], n=12 + s)
        for o, outlet in enumerate(OUTLETS):
            body = (
                f"{fact}\n\n{outlet.replace('-', ' ').title()} spoke to residents of {place} about the {kind}. "
                f"One of them, who gave her name as Runa {chr(65 + o)}., said the town had not seen anything like it.\n\n"
                f"Local officials in {place} are expected to give an update later this week."
            )
            docs.append(RawDocument(origin=f"{outlet}/{place}.txt", content=f"{kind.title()} in {place}\n\n{body}", source=outlet,
                                    published=f"2026-03-0{1 + s % 4}T{8 + o:02d}:00:00+00:00"))
        wire = f"{place.upper()} (Tidewire) - {fact} The cause was not yet known.\n\nMore details are expected on {DAYS[(s + 1) % 4]}."
        docs.append(RawDocument(origin=f"tidewire/{place}.txt", content=f"{kind.title()} in {place}\n\n{wire}", source="tidewire",
                                published=f"2026-03-0{1 + s % 4}T07:00:00+00:00"))
        docs.append(RawDocument(origin=f"reprint/{place}.txt", content=f"{kind.title()} in {place}\n\n{wire}", source="daily-reprint",
                                published=f"2026-03-0{1 + s % 4}T09:30:00+00:00"))
    docs.append(docs[3])  # the same input again, in a later batch
    return docs


def _ingest(tmp_path: Path, name: str, prefetch: bool) -> tuple[list[tuple[str, str | None, str | None]], int]:
    embedder = OnnxMiniLM(batch_size=1)
    submitted = 0
    original = Prefetcher.submit

    def counting(self: Prefetcher, texts: list[str]) -> int:
        nonlocal submitted
        ticket = original(self, texts)
        submitted = self.submitted
        return ticket

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Prefetcher, "submit", counting)
        with Corpus.open(tmp_path / name, embedder=embedder, batch_size=4, prefetch=prefetch) as corpus:
            results = corpus.add_many(_documents())
    return [(r.status, r.story_id, r.duplicate_of) for r in results], submitted


def test_leads_embedded_ahead_give_the_stories_copies_and_duplicates_of_one_batch_after_another(tmp_path: Path) -> None:
    ahead, submitted = _ingest(tmp_path, "ahead.db", prefetch=True)
    plain, none = _ingest(tmp_path, "plain.db", prefetch=False)
    assert submitted > 0 and none == 0
    assert ahead == plain
    statuses = [status for status, _, _ in ahead]
    assert statuses[-1] == "duplicate", "the repeated input, cleaned ahead of the batch that stored it"
    assert any(dup for status, _, dup in ahead if status == "new"), "wire reprints are linked to their origin"
    assert len({story for _, story, _ in ahead}) > 1


@pytest.mark.parametrize(
    ("prefetch", "batch_size", "read_when_each_batch_is_done"),
    [
        (True, 1, [8, 12, 12]),  # one batch ahead all along
        (True, 8, [8, 8, 12]),  # this embedder cannot embed ahead: after the first batch, none read ahead
        (False, 1, [4, 8, 12]),
    ],
)
def test_how_far_ahead_the_input_is_read(tmp_path: Path, prefetch: bool, batch_size: int, read_when_each_batch_is_done: list[int]) -> None:
    read: list[int] = []

    def items() -> Iterator[RawDocument]:
        for i, doc in enumerate(_documents()[:12]):
            read.append(i)
            yield doc

    seen: list[int] = []
    with Corpus.open(tmp_path / "c.db", embedder=OnnxMiniLM(batch_size=batch_size), batch_size=4, prefetch=prefetch) as corpus:
        for n, _ in enumerate(corpus.ingester.add_items(items())):
            if n % 4 == 0:
                seen.append(len(read))
    assert seen == read_when_each_batch_is_done


def test_ingesting_a_folder_with_leads_embedded_ahead_stores_what_one_batch_after_another_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    submitted: list[int] = []
    original = Prefetcher.submit
    monkeypatch.setattr(Prefetcher, "submit", lambda self, texts: submitted.append(len(texts)) or original(self, texts))
    folder = tmp_path / "in"
    for doc in _documents()[:-1]:
        path = folder / doc.origin
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(doc.content, encoding="utf-8")
    stored = []
    for prefetch in (True, False):
        with Corpus.open(tmp_path / f"{prefetch}.db", embedder=OnnxMiniLM(batch_size=1), batch_size=4, prefetch=prefetch) as corpus:
            summary = corpus.ingest([folder])
            assert summary.total == len(_documents()) - 1
            rows = corpus.store.conn.execute("SELECT origin, story_id FROM articles ORDER BY origin").fetchall()
            copies = corpus.store.conn.execute("SELECT article_id, of_id FROM duplicates ORDER BY article_id").fetchall()
        counts = {k: v for k, v in summary.to_dict().items() if k != "seconds"}
        stored.append((counts, rows, copies))
    assert sum(submitted) > 0, "leads were embedded ahead in the first run"
    assert stored[0] == stored[1]
    assert stored[0][2], "the reprints are linked to the wire stories"
