"""Read news pages out of WARC archives (.warc, .warc.gz), as Common Crawl's news crawl ships them.

Only ``response`` records with a 2xx HTTP status and an HTML body are used;
every other record is passed over silently (request, metadata, robots, images).
A truncated or corrupt archive ends with a ``Skipped`` record naming the
offset where reading stopped: every page read before it is kept.
"""

from __future__ import annotations

import io
import logging
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from triangulate.models import RawDocument, Skipped

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")


def is_warc(path: str | Path) -> bool:
    """Whether a path names a WARC (or ARC) archive, by its suffix."""
    return str(path).lower().endswith(WARC_SUFFIXES)


def _decode(body: bytes, content_type: str) -> str:
    charset = None
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    for encoding in (charset, "utf-8"):
        if not encoding:
            continue
        try:
            return body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("cp1252", "replace")


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

    name = str(path)
    try:
        handle: BinaryIO = stream if stream is not None else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        yield Skipped(name, "unreadable", f"cannot open {name}: {exc.strerror or exc}", "read")
        return
    count = 0
    try:
        iterator = ArchiveIterator(handle, arc2warc=True)
        offset = 0
        try:
            for record in iterator:
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                status = record.http_headers.get_statuscode() or ""
                if not status.startswith("2"):
                    continue
                content_type = record.http_headers.get_header("Content-Type") or ""
                if "html" not in content_type.lower():
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                date = record.rec_headers.get_header("WARC-Date")
                body = record.content_stream().read(max_record_bytes + 1)
                if getattr(record.raw_stream, "limit", 0) > 0 and len(body) <= max_record_bytes:
                    raise EOFError("the last record is cut short")
                # Asked before the body is read, warcio's offset call consumes the record.
                offset = iterator.get_record_offset()
                origin = f"{name}#{offset}"
                if len(body) > max_record_bytes:
                    yield Skipped(origin, "too_large", f"record of {url} is over {max_record_bytes:,} bytes", "read")
                    continue
                count += 1
                yield RawDocument(
                    origin=origin,
                    content=_decode(body, content_type),
                    kind="html",
                    source=source,
                    url=url,
                    fetched=date,
                )
            # warcio ends quietly inside a cut gzip member: the records read must cover the file.
            size = _size(handle)
            end = int(getattr(iterator, "offset", 0) or 0)
            if size is not None and end < size:
                raise EOFError(f"the archive ends inside a record ({size - end:,} trailing bytes)")
        except (ArchiveLoadFailed, EOFError, zlib.error, OSError, ValueError, AttributeError, TypeError, IndexError) as exc:
            # warcio raises many kinds of errors on a cut or damaged archive.
            offset = int(getattr(iterator, "offset", 0) or 0)
            yield Skipped(
                f"{name}#{offset}" if offset else name,
                "truncated_archive",
                f"{name} is truncated or corrupt after {count} page(s) (offset {offset}): {exc or type(exc).__name__}",
                "read",
            )
    finally:
        if stream is None:
            handle.close()


def _size(handle: BinaryIO) -> int | None:
    try:
        return os.fstat(handle.fileno()).st_size
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
