"""WARC archives: files that are empty or no archive at all, and archives cut anywhere (inside a record header,
an unused record, the last record, a gzip member), are skips with a reason in words."""

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


def write_mixed_warc(path: Path, *, gz: bool, png_first: bool = False) -> list[int]:
    """Two HTML pages, a PNG and a 404 page (in that order, or with the PNG between the
    pages); returns where each record starts, and the file's size."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    def response(writer: WARCWriter, url: str, status: str, content_type: str, body: bytes) -> None:
        headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
        response(writer, "https://ostbrook.example/blast", "200 OK", "text/html; charset=utf-8", PAGE.encode())
        if png_first:
            response(writer, "https://ostbrook.example/map.png", "200 OK", "image/png", png)
        response(writer, "https://ostbrook.example/blast-2", "200 OK", "text/html", PAGE.replace("Monday", "Tuesday").encode())
        if not png_first:
            response(writer, "https://ostbrook.example/map.png", "200 OK", "image/png", png)
        response(writer, "https://ostbrook.example/gone", "404 Not Found", "text/html", b"<html><body><p>Not found</p>" + b"<p>The page you asked for has moved.</p>" * 12 + b"</body></html>")
    with open(path, "rb") as fh:
        iterator = ArchiveIterator(fh)
        starts = [iterator.get_record_offset() for _ in iterator]
    return [*starts, path.stat().st_size]


@pytest.mark.parametrize(("gz", "cut"), [(True, 150), (False, 100), (True, 4), (False, 2)], ids=["gz-150", "warc-100", "gz-trailer", "warc-blank-lines"])
def test_an_archive_cut_inside_a_record_it_does_not_use_is_one_truncated_archive_skip(tmp_path: Path, corpus: Corpus, gz: bool, cut: int) -> None:
    whole = tmp_path / ("whole.warc.gz" if gz else "whole.warc")
    write_mixed_warc(whole, gz=gz)
    path = tmp_path / ("news.warc.gz" if gz else "news.warc")
    path.write_bytes(whole.read_bytes()[:-cut])  # the cut falls in the 404 page, the last record
    items = list(read_warc(path))
    assert [type(i) for i in items] == [RawDocument, RawDocument, Skipped], items
    skip = items[-1]
    assert isinstance(skip, Skipped) and skip.reason == "truncated_archive"
    assert "the archive ends" in skip.detail
    summary = corpus.ingest([path])
    assert (summary.new, summary.skipped) == (2, 1)
    assert [s.reason for s in summary.skips] == ["truncated_archive"]


@pytest.mark.parametrize("gz", [False, True])
def test_a_cut_anywhere_keeps_the_pages_before_it_and_is_reported_once(tmp_path: Path, gz: bool) -> None:
    whole = tmp_path / "whole.warc"
    starts = write_mixed_warc(whole, gz=gz, png_first=True)
    data = whole.read_bytes()
    assert [type(i) for i in read_warc(whole)] == [RawDocument, RawDocument]
    page_ends = [starts[1], starts[3]]  # the pages are records 1 and 3
    pages_text = [PAGE, PAGE.replace("Monday", "Tuesday")]
    path = tmp_path / "cut.warc"
    for keep in range(starts[0] + 40, len(data), 7):
        if keep in starts:
            continue  # cut exactly between two records: a whole, shorter archive
        path.write_bytes(data[:keep])
        items = list(read_warc(path))
        *docs, skip = items
        assert isinstance(skip, Skipped) and skip.reason == "truncated_archive", (keep, items)
        # Every page whose record is whole is kept; so is one whose content is whole when
        # the cut falls after it (in the blank lines or the gzip trailer that close it).
        pages = sum(1 for end in page_ends if end <= keep)
        assert pages <= len(docs) <= pages + 1 and all(isinstance(d, RawDocument) for d in docs), (keep, items)
        assert [d.content for d in docs] == pages_text[: len(docs)], keep  # type: ignore[union-attr]


RUSSIAN = (
    "<html><head><meta charset='{meta}'><title>Пожар в порту Вельдхафена</title></head><body><article>"
    "<h1>Пожар в порту Вельдхафена</h1><p>Ночью в порту Вельдхафена сгорел деревянный склад, сообщили власти города.</p>"
    "<p>Двенадцать человек получили лёгкие травмы, паромное сообщение было остановлено до утра.</p></article></body></html>"
)


@pytest.mark.parametrize("header, meta", [("text/html", "windows-1251"), ("text/html; charset=koi8-r", "utf-8")])
def test_a_record_is_read_in_the_charset_its_page_or_its_http_header_declares(tmp_path: Path, header: str, meta: str) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    encoding = "koi8-r" if "koi8" in header else meta
    path = tmp_path / "ru.warc"
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=False)
        headers = StatusAndHeaders("200 OK", [("Content-Type", header)], protocol="HTTP/1.1")
        body = io.BytesIO(RUSSIAN.format(meta=meta).encode(encoding))
        writer.write_record(writer.create_warc_record("https://veldhaven.example/ru", "response", payload=body, http_headers=headers))
    (doc,) = list(read_warc(path))
    assert isinstance(doc, RawDocument) and "Пожар в порту Вельдхафена" in doc.content


def test_an_archive_gzipped_as_one_stream_is_read_whole(tmp_path: Path) -> None:
    plain = tmp_path / "mixed.warc"
    write_mixed_warc(plain, gz=False)
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))  # `gzip mixed.warc`: one member, all records
    read = list(read_warc(whole))
    assert [d.url for d in read if isinstance(d, RawDocument)] == ["https://ostbrook.example/blast", "https://ostbrook.example/blast-2"]
    assert [s for s in read if isinstance(s, Skipped)] == []
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole.read_bytes()[: len(whole.read_bytes()) * 2 // 3])
    assert any(isinstance(s, Skipped) and s.reason == "truncated_archive" for s in read_warc(cut))


def test_a_record_with_a_wrong_length_is_logged_once_not_dumped_raw_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + PAGE.encode()

    def record(n: int, length: int) -> bytes:
        head = (
            f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://ostbrook.example/{n}\r\n"
            f"WARC-Date: 2024-01-01T00:00:00Z\r\nWARC-Record-ID: <urn:uuid:{n}>\r\n"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {length}\r\n\r\n"
        )
        return head.encode() + http + b"\r\n\r\n"

    path = tmp_path / "lengths.warc"
    path.write_bytes(record(1, len(http) - 10) + record(2, len(http)))  # the first one says it is 10 bytes shorter
    with caplog.at_level("WARNING"):
        items = list(read_warc(path))
    assert any(isinstance(i, RawDocument) and i.url == "https://ostbrook.example/2" for i in items)
    assert "Record not followed" not in capsys.readouterr().err
    assert "1 record(s) not followed by a blank line" in caplog.text


def test_a_header_line_an_archive_inflates_to_a_huge_size_is_not_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A decompression bomb in a record header: 1 MB of gzip was a 1 GiB line, read whole (3 GB of memory).
    import triangulate.corpus.warc as warc

    monkeypatch.setattr(warc, "MAX_LINE_BYTES", 4096)
    path = tmp_path / "bomb.warc.gz"
    path.write_bytes(gzip.compress(b"WARC/1.0\r\nX-Padding: " + b"A" * 200_000 + b"\r\n\r\n"))
    skip = only_skip(path)
    assert skip.reason == "truncated_archive" and "a line over 4,096 bytes" in skip.detail
    write_warc(tmp_path / "fine.warc.gz", gz=True)
    assert [type(i).__name__ for i in read_warc(tmp_path / "fine.warc.gz")] == ["RawDocument"]  # real archives read as before
