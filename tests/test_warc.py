"""WARC archives: files that are empty or no archive at all, and archives cut inside a record header, are skips with a reason in words."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

from triangulate.corpus import Corpus
from triangulate.corpus.warc import read_warc
from triangulate.models import RawDocument, Skipped

PAGE = (
    "<html><head><title>Quarry blast shakes Ostbrook</title></head><body><article><h1>Quarry blast shakes Ostbrook</h1>"
    "<p>A blast at the Ostbrook quarry shook houses across the valley on Monday morning, the operator said in a statement.</p>"
    "<p>No one was hurt, the fire service said, but windows broke in a dozen houses on the road to the quarry.</p>"
    "</article></body></html>"
)


def write_warc(path: Path, *, gz: bool = False) -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = writer.create_warc_record("https://ostbrook.example/blast", "response", payload=io.BytesIO(PAGE.encode()), http_headers=headers)
        writer.write_record(record)
    return path


def only_skip(path: Path) -> Skipped:
    items = list(read_warc(path))
    assert len(items) == 1 and isinstance(items[0], Skipped), items
    return items[0]


@pytest.mark.parametrize(
    "content",
    [
        b"The council met on Monday to discuss the budget.\nIt agreed to raise the rates.\n",
        b"<!DOCTYPE html>\n<html><head><title>Home</title></head><body><p>Welcome.</p></body></html>\n",
        gzip.compress(b"The council met on Monday to discuss the budget.\n"),
    ],
    ids=["text", "html", "gzipped-text"],
)
def test_a_file_that_is_no_archive_is_one_not_an_archive_skip(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "news.warc"
    path.write_bytes(content)
    skip = only_skip(path)
    assert (skip.reason, skip.stage) == ("not_an_archive", "read")
    assert "not a WARC or ARC archive" in skip.detail


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"], ids=["no-bytes", "blank-lines"])
def test_an_empty_warc_is_one_empty_skip(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "news.warc"
    path.write_bytes(content)
    assert only_skip(path).reason == "empty"


def test_an_archive_cut_inside_its_first_record_header_says_so_in_words(tmp_path: Path) -> None:
    whole = write_warc(tmp_path / "news.warc")
    cut = tmp_path / "cut.warc"
    cut.write_bytes(whole.read_bytes()[:100])
    skip = only_skip(cut)
    assert skip.reason == "truncated_archive"
    assert skip.detail.endswith("the archive ends inside the first record header")
    assert "NoneType" not in skip.detail


@pytest.mark.parametrize("gz", [False, True])
def test_a_whole_archive_is_still_read(tmp_path: Path, gz: bool) -> None:
    path = write_warc(tmp_path / ("news.warc.gz" if gz else "news.warc"), gz=gz)
    items = list(read_warc(path))
    assert [type(i) for i in items] == [RawDocument]


def test_the_ingest_counts_add_up_to_the_inputs(tmp_path: Path, corpus: Corpus) -> None:
    write_warc(tmp_path / "news.warc")
    (tmp_path / "notes.warc").write_text("Shopping list: milk, eggs, bread and a quarry map.\n", encoding="utf-8")
    (tmp_path / "empty.warc").write_bytes(b"")
    summary = corpus.ingest([tmp_path / "news.warc", tmp_path / "notes.warc", tmp_path / "empty.warc"])
    assert (summary.new, summary.skipped) == (1, 2)
    assert sorted(s.reason for s in summary.skips) == ["empty", "not_an_archive"]
