"""Read news pages out of WARC archives (.warc, .warc.gz), as Common Crawl's news crawl ships them.

Only ``response`` records with a 2xx HTTP status and an HTML body are used;
every other record is passed over silently (request, metadata, robots, images),
but still read to its end, so that a cut is found wherever it falls: in a record
header, in the payload of any record (used or not, the last one included), in
the gzip member that holds a record (its trailer too), or in the blank lines
that close the last record of an uncompressed archive. A truncated or corrupt
archive ends with one ``Skipped`` record naming the offset of the damaged record:
every page read whole before it is kept. An empty file
(``empty``) and a file that is no archive at all, such as a text or HTML file
named ``.warc`` (``not_an_archive``), are one ``Skipped`` record each.
"""

from __future__ import annotations

import gzip
import io
import logging
import re
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast

from triangulate.corpus.fetch import header_charset
from triangulate.models import RawDocument, Skipped
from triangulate.readers import decode_bytes

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
#: How every WARC file and every ARC file begins (after gzip decompression).
ARCHIVE_STARTS = (b"WARC/", b"filedesc://")
GZIP_MAGIC = b"\x1f\x8b"
#: Bytes looked at to tell an archive from other files, and to find the end of a record header.
SNIFF_BYTES = 65536


#: The longest line read at once from an archive (its record and HTTP header lines).
MAX_LINE_BYTES = 1 << 20


def is_warc(path: str | Path) -> bool:
    """Whether a path names a WARC (or ARC) archive, by its suffix."""
    return str(path).lower().endswith(WARC_SUFFIXES)


def read_warc(
    path: str | Path,
    *,
    source: str | None = None,
    max_record_bytes: int = 20_000_000,
    stream: BinaryIO | None = None,
) -> Iterator[RawDocument | Skipped]:
    """Yield one :class:`RawDocument` (kind ``html``) per HTML response record.

    Args:
        path: the archive (also used to name origins: ``PATH#OFFSET``).
        source: outlet name for every page (else resolved from each page's URL).
        max_record_bytes: larger records are skipped (``too-large``).
        stream: read from this binary stream instead of opening ``path``.

    Yields:
        Documents, and ``Skipped`` for records that cannot be used (too large,
        undecodable) or for the point where a truncated archive stops.
    """
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    class _QuietIterator(ArchiveIterator):  # type: ignore[misc]
        # warcio writes a record not followed by a blank line to stderr itself, raw bytes and
        # all, over several lines: counted (err_count) and logged once per archive instead.
        INC_RECORD = ""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # warcio reads header lines whole: one line a compressed archive inflates to a GiB
            # took gigabytes of memory. Lines are read MAX_LINE_BYTES at most at a time (no
            # header line is that long; the pieces of a longer one fail to parse: the archive
            # is reported as damaged there). Bodies are read by size, not by line.
            readline = self.reader.readline

            def bounded(length: int | None = None) -> bytes:
                return bytes(readline(MAX_LINE_BYTES if length is None or length < 0 or length > MAX_LINE_BYTES else length))

            self.reader.readline = bounded

    name = str(path)
    try:
        handle: BinaryIO = stream if stream is not None else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        yield Skipped(name, "unreadable", f"cannot open {name}: {exc.strerror or exc}", "read")
        return
    count = 0
    try:
        refused = _refuse_non_archive(name, handle)
        if refused is not None:
            yield refused
            return
        if _one_gzip_stream(handle):
            # `gzip x.warc` makes one stream of all records (archives ship one gzip member a
            # record); read decompressed, it is a plain archive.
            handle = cast(BinaryIO, gzip.GzipFile(fileobj=handle, mode="rb"))
        iterator = _QuietIterator(handle, arc2warc=True)
        offset = 0
        try:
            last: tuple[int, str] | None = None  # uncompressed: where the last record's content ends, its format
            for record in iterator:
                if record.rec_type is None:  # no WARC-Type: a header line over MAX_LINE_BYTES, or none at all
                    at = int(getattr(iterator, "offset", 0) or 0)
                    where = "the first record header" if at == 0 else f"the record header at offset {at:,}"
                    raise _Cut(at, f"{where} is malformed (no WARC-Type, or a line over {MAX_LINE_BYTES:,} bytes)")
                # Every record is read to its end, used or not: a cut can fall in any of them.
                usable = False
                if record.rec_type == "response" and record.http_headers is not None:
                    status = record.http_headers.get_statuscode() or ""
                    content_type = record.http_headers.get_header("Content-Type") or ""
                    usable = status.startswith("2") and "html" in content_type.lower()
                body = record.content_stream().read(max_record_bytes + 1) if usable else b""
                # Asked before the body is read, warcio's offset call consumes the record;
                # asked now, it reads the rest of the record (and the blank lines after it).
                offset = iterator.get_record_offset()
                where = "the first record" if offset == 0 else f"the record at offset {offset:,}"
                if getattr(record.raw_stream, "limit", 0) > 0:
                    raise _Cut(offset, f"the archive ends inside {where}")
                compressed = getattr(getattr(iterator, "reader", None), "decompressor", None) is not None
                last = None if compressed else (offset + iterator.get_record_length(), record.format)
                if usable:
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    origin = f"{name}#{offset}"
                    decoded = decode_bytes(body, kind="html", charset=header_charset(content_type)) if len(body) <= max_record_bytes else None
                    if decoded is None:
                        yield Skipped(origin, "too_large", f"record of {url} is over {max_record_bytes:,} bytes", "read")
                    elif isinstance(decoded, Skipped):
                        # As a page read from a file: its <meta> charset counts, and bytes that are no text are a skip.
                        yield Skipped(origin, decoded.reason, f"record of {url}: {decoded.detail}", "read")
                    else:
                        count += 1
                        yield RawDocument(
                            origin=origin,
                            content=decoded[0],
                            kind="html",
                            source=source,
                            url=url,
                            fetched=record.rec_headers.get_header("WARC-Date"),
                        )
                if not _member_complete(iterator):
                    raise _Cut(offset, f"the archive ends inside the gzip member of {where}")
            if iterator.err_count:
                log.warning("%s: %d record(s) not followed by a blank line (a wrong Content-Length?); read on after them", name, iterator.err_count)
            if isinstance(handle, gzip.GzipFile):
                # One gzip stream: warcio stops quietly where a cut stream ends; the stream says so.
                try:
                    while handle.read(1 << 20):
                        pass
                except EOFError as exc:
                    raise _Cut(0, "the archive (one gzip stream) ends before its gzip trailer") from exc
            # warcio ends quietly inside a cut gzip member: the records read must cover the file.
            size = _size(handle)
            end = int(getattr(iterator, "offset", 0) or 0)
            if size is not None and end < size:
                where = "the first record" if end == 0 else f"the record at offset {end:,}"
                raise _Cut(end, f"the archive ends inside {where} ({size - end:,} bytes of it are there)")
            if size is not None and last is not None:
                missing = _missing_trailer(handle, last[0], size, last[1])
                if missing:
                    raise _Cut(last[0], f"the archive ends {missing} the blank lines that close its last record")
        except (ArchiveLoadFailed, EOFError, zlib.error, OSError, ValueError, AttributeError, TypeError, IndexError) as exc:
            # warcio raises many kinds of errors on a cut or damaged archive.
            offset = exc.offset if isinstance(exc, _Cut) else int(getattr(iterator, "offset", 0) or 0)
            yield Skipped(
                f"{name}#{offset}" if offset else name,
                "truncated_archive",
                f"{name} is truncated or corrupt after {count} page(s) (offset {offset}): {_damage(exc, handle, offset)}",
                "read",
            )
    finally:
        if stream is None:
            handle.close()


class _Cut(EOFError):
    """The archive ends inside the record at ``offset`` (the message says where, in words)."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset


def _member_complete(iterator: Any) -> bool:
    """Whether the gzip member of the record just read ended cleanly (always true uncompressed).

    warcio reads a cut gzip member as if it ended where the file does; only the
    decompressor knows that its stream never reached the gzip trailer.
    """
    decompressor = getattr(getattr(iterator, "reader", None), "decompressor", None)
    if decompressor is None or getattr(iterator, "next_line", None) is not None:
        return True  # uncompressed, or one gzip stream holding several records (warcio's error)
    return bool(getattr(decompressor, "eof", True))


def _missing_trailer(handle: BinaryIO, content_end: int, size: int, fmt: str) -> str | None:
    """Whether an uncompressed archive ends before or inside the blank lines after its last
    record (two line ends for a WARC record, one for ARC): ``"before"``, ``"inside"``, or
    ``None`` when they are whole."""
    if content_end >= size:
        return "before"
    if size - content_end > SNIFF_BYTES:
        return None
    try:
        handle.seek(content_end)
        tail = handle.read(SNIFF_BYTES)
    except (OSError, ValueError, io.UnsupportedOperation):
        return None
    if tail.startswith(GZIP_MAGIC) or tail.strip():
        return None  # compressed, or not blank: the other checks judge
    needed = 1 if fmt == "arc" else 2
    found = tail.count(b"\n")
    if found >= needed:
        return None
    return "inside" if tail else "before"


def _size(handle: BinaryIO) -> int | None:
    if isinstance(handle, gzip.GzipFile):
        return None  # its offsets are in the decompressed stream, the file's size is not
    try:
        return os.fstat(handle.fileno()).st_size
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


def _refuse_non_archive(name: str, handle: BinaryIO) -> Skipped | None:
    """A skip for a file that is empty or plainly no WARC/ARC archive, judged by its first bytes.

    Only a seekable handle is looked at (the bytes read are put back); a stream
    that cannot seek is left to the archive reader.
    """
    if not handle.seekable():
        return None
    head = handle.read(SNIFF_BYTES)
    handle.seek(-len(head), io.SEEK_CUR)
    if not head.strip() and len(head) < SNIFF_BYTES:
        return Skipped(name, "empty", f"{name} is empty", "read")
    start = _content_start(head).lstrip()
    if not start or any(start.startswith(m) or m.startswith(start) for m in ARCHIVE_STARTS):
        return None  # an archive, or too little of one to tell: the reader decides
    shown = start[:40].decode("utf-8", "replace")
    return Skipped(name, "not_an_archive", f"{name} is not a WARC or ARC archive (it begins {shown!r})", "read")


def _one_gzip_stream(handle: BinaryIO, probe: int = 1 << 20) -> bool:
    """Whether a gzip archive holds several records in its first gzip member (a whole file
    compressed at once), judged on its first ``probe`` bytes; the position is put back."""
    if not handle.seekable():
        return False
    start = handle.tell()
    try:
        head = handle.read(len(GZIP_MAGIC))
        if head != GZIP_MAGIC:
            return False
        handle.seek(start)
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        seen = b""
        read = 0
        while read < probe and not decoder.eof:
            chunk = handle.read(64 * 1024)
            if not chunk:
                break
            read += len(chunk)
            seen += decoder.decompress(chunk, 4 * probe)
            if len(re.findall(rb"(?:^|\n)WARC/1\.\d\r?\n", seen[: 4 * probe])) >= 2:
                return True
            if len(seen) > 4 * probe:
                break
        return False
    except (OSError, zlib.error, ValueError):
        return False
    finally:
        handle.seek(start)


def _content_start(head: bytes) -> bytes:
    """The first bytes of an archive's content: ``head`` itself, or what it decompresses to."""
    if not head.startswith(GZIP_MAGIC):
        return head
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head)
    except zlib.error:
        return b""


def _damage(exc: BaseException, handle: BinaryIO, offset: int) -> str:
    """What is wrong with a damaged archive, in words (never a Python error message)."""
    from warcio.exceptions import ArchiveLoadFailed

    header = "the first record header" if offset == 0 else f"the record header at offset {offset:,}"
    if isinstance(exc, ArchiveLoadFailed) and _header_is_cut(handle, offset):
        return f"the archive ends inside {header}"  # warcio: "Unknown archive format, first line: ['WAR']"
    if isinstance(exc, (ArchiveLoadFailed, EOFError, zlib.error, OSError)):
        return str(exc) or type(exc).__name__
    # warcio trips over a record header it cannot parse with a bare Python error.
    if _header_is_cut(handle, offset):
        return f"the archive ends inside {header}"
    return f"{header} is malformed"


def _header_is_cut(handle: BinaryIO, offset: int) -> bool:
    """Whether the archive ends before the record header at ``offset`` does (no blank line after it)."""
    try:
        handle.seek(offset)
        data = handle.read(SNIFF_BYTES)
    except (OSError, ValueError, io.UnsupportedOperation):
        return False
    text = _content_start(data)
    return len(data) < SNIFF_BYTES and b"\r\n\r\n" not in text and b"\n\n" not in text
