"""Read input articles from files, folders, globs, bytes and stdin.

Every input becomes a :class:`~triangulate.models.RawDocument` (the raw text or
markup, never modified afterwards) or a :class:`~triangulate.models.Skipped`
record saying why it could not be used. Nothing here raises on a bad item: an
empty file, a binary file, an unknown encoding, a broken JSON line or a missing
path is data, not an exception.

Supported inputs (the kind comes from the extension, else from sniffing the
content):

* plain text (``.txt``): a title line, then paragraphs;
* HTML (``.html``, ``.htm``, ``.xhtml``): the main text is extracted later by
  :func:`triangulate.clean.clean`;
* Markdown (``.md``, ``.markdown``);
* JSON (``.json``): one record or a list of records, and JSON Lines
  (``.jsonl``, ``.ndjson``): one record per line. A record is
  ``{url, source, title, published, text | html | markdown, authors?}``;
* ``"-"``: JSON Lines read from standard input.

The outlet of a document is resolved by :func:`resolve_outlet`: the record's
``source``, else the URL's domain, else the ``--source`` fallback, else the file
name.
"""

from __future__ import annotations

import codecs
import io
import glob
import json
import os
import logging
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from triangulate.models import RawDocument, Skipped
from triangulate.text import without_surrogates

__all__ = [
    "KIND_BY_EXTENSION",
    "SKIP_REASONS",
    "read_bytes",
    "read_inputs",
    "resolve_outlet",
    "sniff_kind",
    "decode_bytes",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: Default ceiling on the size of one input (bytes).
DEFAULT_MAX_BYTES = 20_000_000

#: File extension (lower case, no dot) -> document kind.
KIND_BY_EXTENSION: dict[str, str] = {
    "txt": "text",
    "text": "text",
    "html": "html",
    "htm": "html",
    "xhtml": "html",
    "md": "markdown",
    "markdown": "markdown",
    "json": "json",
    "jsonl": "jsonl",
    "ndjson": "jsonl",
}

#: Skip reason code -> human description (the ``reason`` of a read-stage Skipped).
SKIP_REASONS: dict[str, str] = {
    "not_found": "the path does not exist or no file matches the pattern",
    "unreadable": "the file exists but could not be read (permissions, I/O error)",
    "empty": "the input is empty or holds only whitespace",
    "too_large": "the input is larger than the configured maximum size",
    "binary": "the input is not text (NUL bytes, control characters or a known binary format)",
    "bad_encoding": "the input is neither UTF-8 nor cp1252/Latin-1 text: more than one byte per 200 characters cannot be decoded",
    "bad_json": "a JSON document or JSON line could not be parsed",
    "bad_record": "a JSON record is not an object or has no text, html or markdown field",
}

_RECORD_LIST_KEYS = ("articles", "records", "items", "documents", "data")
_TEXT_FIELDS = (("text", "text"), ("html", "html"), ("markdown", "markdown"))
_LOOSE_TEXT_FIELDS = ("content", "body")

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"BZh", "bzip2-compressed data"),
    (b"\xfd7zXZ", "xz-compressed data"),
    (b"\x7fELF", "an executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
)

# Bytes that never occur in text (everything below 0x20 except tab, LF, FF, CR, ESC).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
_SNIFF_SIZE = 8192
_MAX_CONTROL_RATIO = 0.02

#: Bytes cp1252 does not define (Latin-1 maps them to C1 control characters).
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
#: C1 control characters: never in text; cp1252 text has none, only a wrong charset yields them.
_C1_CONTROL = re.compile("[\x80-\x9f]")
#: A reading with more than one undecodable byte per this many characters is ``bad_encoding``.
_BAD_CHAR_SPAN = 200
#: Declared charsets read as their superset cp1252 (as browsers do: a page labelled
#: ``iso-8859-1`` with curly quotes is really cp1252).
_READ_AS = {"iso8859-1": "cp1252", "ascii": "cp1252"}

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]{2,40})""", re.I)
_HTML_SNIFF = re.compile(
    r"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<article[\s>]|<p[\s>]|<div[\s>]|<meta\s|<title>|<br\s*/?>",
    re.I,
)
_MARKDOWN_SNIFF = re.compile(r"^#{1,6}\s+\S|^\s*[-*+]\s+\S.*\n\s*[-*+]\s+\S|\[[^\]\n]+\]\([^)\s]+\)|^\*\*[^*\n]+\*\*", re.M)
_CANONICAL_LINK = re.compile(
    r"""<link\b[^>]*\brel\s*=\s*["']?canonical["']?[^>]*>""",
    re.I,
)
_OG_URL = re.compile(r"""<meta\b[^>]*\bproperty\s*=\s*["']og:url["'][^>]*>""", re.I)
_HREF = re.compile(r"""\b(?:href|content)\s*=\s*["']([^"']+)["']""", re.I)
_ORIGIN_SUFFIX = re.compile(r"(?::\d+|#\d+)$")
_GLOB_CHARS = re.compile(r"[*?\[]")

# Second-level labels under which a country code domain registers names
# ("bbc.co.uk", "smh.com.au"): keep three labels for those.
_SECOND_LEVEL = frozenset(
    "co com org net ac gov edu ne or go gob nic mil ltd plc sch nhs info biz".split()
)


# --------------------------------------------------------------------- decoding


#: Codecs Python finds under a label a page may declare, that no page is written in (and
#: some cannot decode with replacement): a declared one is ignored like an unknown label.
#: UTF-7 is refused by browsers too.
_NOT_A_WEB_CHARSET = frozenset({"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape", "utf-7"})


def decode_bytes(data: bytes, *, kind: str | None = None, charset: str | None = None) -> tuple[str, str] | Skipped:
    """Decode ``data`` to text, or say why it is not text.

    Order: a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32), then valid UTF-8,
    then the charset the transport declared (``charset``: an HTTP ``Content-Type``),
    then the charset declared in an HTML ``<meta>`` tag, then UTF-8 with the
    invalid bytes replaced (when its multi-byte sequences are at least as many as
    the invalid bytes: a UTF-8 file with a stray byte), else cp1252 (a declared
    ``iso-8859-1`` or ``us-ascii`` is read as cp1252 too, as browsers do).

    A byte no reading can decode (invalid UTF-8, one of the five bytes cp1252
    leaves undefined, or a C1 control character a declared charset yields) becomes
    U+FFFD. A few are tolerated (a stray byte in an article); more than one per
    :data:`_BAD_CHAR_SPAN` characters in every reading makes the input
    ``bad_encoding``.

    Args:
        data: the raw bytes.
        kind: the document kind if known (only ``"html"`` changes anything: its
            declared charset is tried before the others).
        charset: the charset the transport declared (``Content-Type: text/html;
            charset=koi8-r``), tried after UTF-8 and before a ``<meta>`` charset.

    Returns:
        ``(text, encoding)`` or a ``Skipped`` with reason ``"binary"`` or
        ``"bad_encoding"`` (origin left empty for the caller to fill in). The
        encoding ends in ``+replace`` when some bytes were replaced.

    >>> decode_bytes("café".encode("latin-1"))
    ('café', 'cp1252')
    >>> decode_bytes(b"Text \\x81\\x8d\\x8f\\x90\\x9d \\xc3\\x28 here.").reason
    'bad_encoding'
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), encoding
            except UnicodeDecodeError:
                text = data[len(bom) :].decode(encoding, errors="replace")
                bad = text.count("\ufffd")
                if _too_many(bad, text):
                    return Skipped("", "bad_encoding", f"{bad} bytes are not valid {encoding} in {len(text):,} characters despite its byte-order mark")
                return text, encoding + "+replace"
    head = data[:_SNIFF_SIZE]
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return Skipped("", "binary", f"looks like {what}")
    if b"\x00" in head:
        utf16 = _guess_bomless_utf16(head)
        if utf16:
            try:
                text = data.decode(utf16)
            except UnicodeDecodeError:
                text = ""
            sample = text[:_SNIFF_SIZE]
            if sample and sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\f") <= _MAX_CONTROL_RATIO * len(sample):
                return text, utf16
        return Skipped("", "binary", "contains NUL bytes")
    if head:
        controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
        if controls / len(head) > _MAX_CONTROL_RATIO:
            return Skipped("", "binary", f"{controls} control bytes in the first {len(head)}")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared_names = [charset] if charset else []
    if kind in (None, "html"):
        declared = _META_CHARSET.search(data[:4096])
        if declared:
            declared_names.append(declared.group(1).decode("ascii", "ignore"))
    for declared_name in declared_names:
        try:
            codec = codecs.lookup(declared_name.strip().strip("\"'").lower())
            name = _READ_AS.get(codec.name, codec.name)
            if name.startswith(("utf-16", "utf-32")):
                continue  # single-byte data (no NUL) labelled UTF-16 is not UTF-16
            if name in _NOT_A_WEB_CHARSET or not getattr(codec, "_is_text_encoding", True):
                continue  # a codec of Python's, not a charset a page is written in: ignored
            text = data.decode(name, errors="replace")
        except (LookupError, UnicodeError, ValueError):
            continue
        text = _C1_CONTROL.sub("\ufffd", text)
        if not _too_many(text.count("\ufffd"), text):
            return text, name if "\ufffd" not in text else name + "+replace"
    utf8 = data.decode("utf-8", errors="replace")
    broken = utf8.count("\ufffd")
    sequences = sum(1 for ch in utf8 if ord(ch) > 127) - broken
    single = data.decode("cp1252", errors="replace")
    undefined = single.count("\ufffd")
    readings = [(utf8, "utf-8", broken), (single, "cp1252", undefined)]
    if sequences < broken:
        # Few valid multi-byte sequences: a single-byte file (é is one byte in cp1252
        # and never valid UTF-8 before an ASCII letter).
        readings.reverse()
    for text, encoding, bad in readings:
        if not bad:
            return text, encoding
        if not _too_many(bad, text):
            return text, encoding + "+replace"
    undefined_bytes = ", ".join(f"0x{b:02X}" for b in sorted(_CP1252_UNDEFINED.intersection(data)))
    return Skipped(
        "",
        "bad_encoding",
        f"neither UTF-8 nor cp1252/Latin-1 text: {broken} invalid UTF-8 sequences, and {undefined} bytes "
        f"cp1252 does not define ({undefined_bytes}), in {len(single):,} characters "
        f"(at most 1 per {_BAD_CHAR_SPAN} is tolerated)",
    )


def _too_many(bad: int, text: str) -> bool:
    """More undecodable characters than one per :data:`_BAD_CHAR_SPAN` (one is always allowed)."""
    return bad * _BAD_CHAR_SPAN > max(len(text), _BAD_CHAR_SPAN)


def _guess_bomless_utf16(head: bytes) -> str | None:
    """UTF-16 without a BOM: ASCII-range text has a NUL in every other byte."""
    sample = head[: len(head) - len(head) % 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    half = len(sample) // 2
    if odd.count(0) > 0.4 * half and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.4 * half and odd.count(0) == 0:
        return "utf-16-be"
    return None


# ---------------------------------------------------------------------- sniffing


def sniff_kind(text: str) -> str:
    """Guess the kind of a decoded document: ``json``, ``jsonl``, ``html``,
    ``markdown`` or ``text``.

    >>> sniff_kind("<!DOCTYPE html><html><body><p>Hi</p></body></html>")
    'html'
    >>> sniff_kind('{"text": "a"}\\n{"text": "b"}')
    'jsonl'
    """
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped[:1] in ("{", "["):
        first_line, _, rest = stripped.partition("\n")
        if stripped[:1] == "{" and rest.strip() and first_line.rstrip().endswith("}"):
            try:
                _json_loads(first_line)
                return "jsonl"
            except ValueError:
                pass
        try:
            _json_loads(stripped)
            return "json"
        except ValueError:
            pass
    head = stripped[:4096]
    if _HTML_SNIFF.search(head):
        return "html"
    if _MARKDOWN_SNIFF.search(head):
        return "markdown"
    return "text"


def _kind_for_path(path: Path) -> str | None:
    return KIND_BY_EXTENSION.get(path.suffix.lower().lstrip("."))


# ----------------------------------------------------------------------- records




def _json_loads(text: str) -> Any:
    """``json.loads`` that fails with ``ValueError`` only: a document nested thousands of
    levels deep ("[[[[...") is invalid input, not a crash."""
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc


def _text(value: str) -> str:
    """A JSON string as text: a lone surrogate ("\\ud800", which no encoder can write) becomes U+FFFD."""
    return without_surrogates(value)


def _str_or_none(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = _text(value.strip())
        return value or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _authors(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        parts = re.split(r"\s*(?:;|\band\b|&)\s*", _text(value))
        return tuple(p.strip() for p in parts if p.strip())
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for item in value:
            if isinstance(item, dict):
                item = item.get("name")
            name = _str_or_none(item)
            if name:
                out.append(name)
        return tuple(out)
    if isinstance(value, dict):
        name = _str_or_none(value.get("name"))
        return (name,) if name else ()
    return ()


def _record_to_doc(
    record: Any, *, origin: str, url: str | None, fallback_source: str | None
) -> RawDocument | Skipped:
    """One JSON record -> RawDocument, or Skipped("bad_record" / "empty")."""
    if not isinstance(record, dict):
        return Skipped(origin, "bad_record", f"expected a JSON object, got {type(record).__name__}")
    content: str | None = None
    kind = "text"
    for key, field_kind in _TEXT_FIELDS:
        value = record.get(key)
        if isinstance(value, str):
            content, kind = value, field_kind
            if value.strip():
                break
    if content is None:
        for key in _LOOSE_TEXT_FIELDS:
            value = record.get(key)
            if isinstance(value, str):
                content = value
                kind = sniff_kind(value)
                if kind not in ("html", "markdown"):
                    kind = "text"
                break
    if content is None:
        wrong = [f"{k!r} is {type(record[k]).__name__}" for k, _ in _TEXT_FIELDS if record.get(k) is not None]
        if wrong:
            return Skipped(origin, "bad_record", f"the text field is not a string ({'; '.join(wrong)})")
        keys = ", ".join(sorted(str(k) for k in record)) or "none"
        return Skipped(origin, "bad_record", f"no text, html or markdown field (keys: {keys})")
    if not content.strip():
        return Skipped(origin, "empty", "the record's text is empty")
    content = _text(content)
    written_url = _str_or_none(record.get("url")) or _str_or_none(record.get("link"))
    rec_url = web_address(written_url) or url
    if written_url is not None and rec_url != written_url:
        # "n/a", "not a url": no site to name the outlet by, and no address that two different
        # records could share (one would be stored as a new version of the other).
        logger.warning("%s: url %r is not a web address; read as a record without one", origin, written_url)
    rec_source = _str_or_none(record.get("source")) or _str_or_none(record.get("outlet"))
    if rec_source is None and rec_url is None:
        rec_source = fallback_source
    return RawDocument(
        origin=origin,
        content=content,
        kind=kind,
        source=rec_source,
        url=rec_url,
        title=_str_or_none(record.get("title")),
        published=_str_or_none(record.get("published"))
        or _str_or_none(record.get("date"))
        or _str_or_none(record.get("published_at")),
        authors=_authors(record.get("authors", record.get("author"))),
        fetched=_str_or_none(record.get("fetched")),
    )


def _records_from_json(
    text: str, *, origin: str, url: str | None, source: str | None
) -> list[RawDocument | Skipped]:
    try:
        data = _json_loads(text)
    except ValueError as exc:
        # A .json file holding JSON Lines is common enough to accept.
        if text.lstrip().startswith("{") and "\n" in text.strip():
            return _records_from_jsonl(text, origin=origin, url=url, source=source)
        return [Skipped(origin, "bad_json", f"invalid JSON: {exc}")]
    if isinstance(data, dict) and not any(k in data for k, _ in _TEXT_FIELDS + (("content", ""), ("body", ""))):
        for key in _RECORD_LIST_KEYS:
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if isinstance(data, list):
        if not data:
            return [Skipped(origin, "empty", "the JSON list holds no records")]
        return [
            _record_to_doc(rec, origin=f"{origin}#{i}", url=None, fallback_source=source)
            for i, rec in enumerate(data, start=1)
        ]
    return [_record_to_doc(data, origin=origin, url=url, fallback_source=source)]


def _records_from_jsonl(
    text: str, *, origin: str, url: str | None, source: str | None
) -> list[RawDocument | Skipped]:
    out: list[RawDocument | Skipped] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if line:
            out.append(_jsonl_record(line, number, origin=origin, source=source))
    if not out:
        out.append(Skipped(origin, "empty", "no JSON lines"))
    return out


def _jsonl_record(line: str, number: int, *, origin: str, source: str | None) -> RawDocument | Skipped:
    """Line ``number`` (stripped, not blank) of a JSON Lines input, as ``origin:number``."""
    line_origin = f"{origin}:{number}"
    try:
        record = _json_loads(line)
    except ValueError as exc:
        return Skipped(line_origin, "bad_json", f"line {number}: {exc}")
    return _record_to_doc(record, origin=line_origin, url=None, fallback_source=source)


def _html_url(text: str) -> str | None:
    """The canonical (or og:url) address declared in an HTML head, if any."""
    head = text[:65536]
    for pattern in (_CANONICAL_LINK, _OG_URL):
        tag = pattern.search(head)
        if tag:
            href = _HREF.search(tag.group(0))
            if href and href.group(1).strip().lower().startswith(("http://", "https://")):
                return href.group(1).strip()
    return None


# ----------------------------------------------------------------- public: bytes


def read_items(
    data: bytes,
    *,
    origin: str,
    url: str | None = None,
    source: str | None = None,
    kind: str | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    charset: str | None = None,
) -> list[RawDocument | Skipped]:
    """Like :func:`read_bytes`, but returns every item in order, skips included
    (a JSON Lines input may hold good and bad lines)."""
    if max_bytes is not None and len(data) > max_bytes:
        return [Skipped(origin, "too_large", f"{len(data):,} bytes > limit of {max_bytes:,}")]
    if not data.strip():
        return [Skipped(origin, "empty", "no content" if not data else "only whitespace")]
    decoded = decode_bytes(data, kind=kind, charset=charset)
    if isinstance(decoded, Skipped):
        return [Skipped(origin, decoded.reason, decoded.detail)]
    text, encoding = decoded
    text = text.lstrip("\ufeff")
    if not text.strip():
        return [Skipped(origin, "empty", "only whitespace")]
    if encoding not in ("utf-8", "utf-16-le", "utf-16-be"):
        logger.debug("%s: decoded as %s", origin, encoding)
    kind = kind or sniff_kind(text)
    if kind == "json":
        return _records_from_json(text, origin=origin, url=url, source=source)
    if kind == "jsonl":
        return _records_from_jsonl(text, origin=origin, url=url, source=source)
    if kind not in ("text", "html", "markdown"):
        raise ValueError(f"unknown document kind {kind!r}; expected one of text, html, markdown, json, jsonl")
    if kind == "html" and url is None:
        url = _html_url(text)
    return [
        RawDocument(
            origin=origin,
            content=text,
            kind=kind,
            source=source if url is None else None,
            url=url,
        )
    ]


def read_bytes(
    data: bytes,
    *,
    origin: str,
    url: str | None = None,
    source: str | None = None,
    kind: str | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    skips: list[Skipped] | None = None,
    charset: str | None = None,
) -> list[RawDocument] | Skipped:
    """Turn the bytes of one input into documents.

    Args:
        data: raw bytes of a file, an HTTP body or an upload.
        origin: where the bytes came from (a path or URL), used in ids and messages.
        url: the article's URL if known (an HTTP fetch); for HTML without one, the
            page's canonical link is used.
        source: fallback outlet name (the CLI's ``--source``), stored on a document
            only when it has neither a ``source`` of its own nor a URL.
        kind: ``text``, ``html``, ``markdown``, ``json`` or ``jsonl``; sniffed when ``None``.
        max_bytes: larger inputs are skipped (``None``: no limit).
        skips: when given, per-record skips of a JSON / JSON Lines input (a bad line)
            are appended here while the good records are still returned.
        charset: the charset the transport declared (an HTTP ``Content-Type``), see
            :func:`decode_bytes`.

    Returns:
        The documents read, or one ``Skipped`` when nothing usable was found.

    Raises:
        ValueError: ``kind`` is not one of the known kinds (a programming error).

    >>> docs = read_bytes(b"Title\\n\\nBody text.", origin="a.txt")
    >>> docs[0].kind, docs[0].content
    ('text', 'Title\\n\\nBody text.')
    """
    items = read_items(data, origin=origin, url=url, source=source, kind=kind, max_bytes=max_bytes, charset=charset)
    docs = [item for item in items if isinstance(item, RawDocument)]
    bad = [item for item in items if isinstance(item, Skipped)]
    if not docs:
        return bad[0]
    for item in bad:
        logger.warning("%s: skipped (%s): %s", item.origin, item.reason, item.detail)
        if skips is not None:
            skips.append(item)
    return docs


# ------------------------------------------------------------------ public: paths


#: Files a folder of articles often holds beside them that are not articles.
_PROJECT_DOCS = frozenset({"readme", "license", "licence", "changelog", "contributing", "notice", "copying"})


def is_project_doc(path: Path) -> bool:
    """README.md, LICENSE.txt... found while expanding a folder (named explicitly, they are read)."""
    return path.stem.lower() in _PROJECT_DOCS


def expand_path(target: str | Path, accept: Callable[[Path], bool], *, what: str) -> Iterator[Path | Skipped]:
    """A file, folder (recursive, sorted; hidden entries and project docs left out) or glob ->
    the files ``accept`` takes, and a skip for each thing that cannot be read.

    Never raises for the file system: an empty path, a folder that holds nothing usable, a
    folder or file the user may not read (``unreadable``), a device, a FIFO or a socket
    (``not_a_file``: it may never end) and a missing path are skips with their reason.
    ``what`` names the usable kinds in the skip of a folder that holds none.
    """
    text = os.fspath(target)
    if not text.strip():
        yield Skipped(text, "not_found", "an empty path (an unset variable?)", "read")
        return
    p = Path(text)
    try:
        if p.is_dir():
            found = False
            problems: list[OSError] = []
            for root, dirs, files in os.walk(p, onerror=problems.append, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    child = Path(root, name)
                    if name.startswith(".") or is_project_doc(child):
                        continue
                    try:
                        usable = child.is_file() and accept(child)
                    except OSError as exc:
                        yield Skipped(str(child), "unreadable", f"cannot read it: {exc.strerror or exc}", "read")
                        continue
                    if usable:
                        found = True
                        yield child
            for problem in problems:
                yield Skipped(str(problem.filename or text), "unreadable", f"cannot read the folder: {problem.strerror or problem}", "read")
            if not found and not problems:
                yield Skipped(text, "not_found", f"the folder holds no {what} file", "read")
            return
        if p.exists():
            if not p.is_file():
                yield Skipped(text, "not_a_file", "not a regular file (a device, a FIFO or a socket may never end)", "read")
            elif not os.access(p, os.R_OK):
                yield Skipped(text, "unreadable", "cannot read it: permission denied", "read")
            else:
                yield p
            return
    except OSError as exc:  # a path under a folder the user may not enter
        yield Skipped(text, "unreadable", f"cannot read it: {exc.strerror or exc}", "read")
        return
    if _GLOB_CHARS.search(text):
        matched: list[Path] = []
        for m in sorted(glob.glob(text, recursive=True)):
            try:
                if Path(m).is_file():
                    matched.append(Path(m))
            except OSError:
                continue
        if matched:
            yield from matched
            return
        yield Skipped(text, "not_found", "no file matches the pattern", "read")
        return
    yield Skipped(text, "not_found", "no such file or folder", "read")


def _expand(path: str | Path) -> Iterator[Path | Skipped]:
    """A path, folder or glob -> the readable article files in it, or skips saying why not."""
    return expand_path(path, lambda c: _kind_for_path(c) is not None, what="txt, html, md, json or jsonl")


def read_inputs(
    paths: Sequence[str | Path],
    *,
    source: str | None = None,
    stdin: IO[bytes] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[RawDocument | Skipped]:
    """Read every input named in ``paths``, in order.

    Args:
        paths: files, folders (read recursively, sorted, hidden entries ignored),
            glob patterns (sorted), or ``"-"`` for JSON Lines on standard input.
        source: fallback outlet name (``--source``), used only for documents with
            neither a ``source`` nor a URL.
        stdin: the byte stream behind ``"-"`` (default: ``sys.stdin.buffer``).
        max_bytes: inputs larger than this are skipped as ``too_large``.

    Yields:
        A ``RawDocument`` per article read and a ``Skipped`` per input (or JSON
        line) that could not be used. Never raises on a bad item.

    >>> for item in read_inputs(["missing.txt"]):
    ...     print(item.reason)
    not_found
    """
    for path in paths:
        if isinstance(path, str) and path == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            loose: Any = stream
            if isinstance(loose.read(0), str):  # a text stream passed by mistake
                yield from read_items(str(loose.read()).encode("utf-8"), origin="<stdin>", source=source, kind="jsonl", max_bytes=None)
            else:
                yield from stream_jsonl(stream, origin="<stdin>", source=source, max_bytes=max_bytes)
            continue
        for item in _expand(path):
            if isinstance(item, Skipped):
                yield item
                continue
            origin = str(item)
            kind = _kind_for_path(item)
            try:
                if kind == "jsonl" and not _starts_with_utf16_bom(item):
                    with item.open("rb") as handle:
                        yield from stream_jsonl(handle, origin=origin, source=source, max_bytes=max_bytes)
                    continue
                size = item.stat().st_size
                if size > max_bytes:
                    yield Skipped(origin, "too_large", f"{size:,} bytes > limit of {max_bytes:,}")
                    continue
                data = item.read_bytes()
            except OSError as exc:
                yield Skipped(origin, "unreadable", f"{type(exc).__name__}: {exc.strerror or exc}")
                continue
            yield from read_items(data, origin=origin, source=source, kind=kind, max_bytes=max_bytes)


def _starts_with_utf16_bom(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def stream_jsonl(
    handle: IO[bytes], *, origin: str, source: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[RawDocument | Skipped]:
    """JSON Lines read one line at a time, so a file or a pipe of any length is read in
    constant memory; ``max_bytes`` bounds each record (a longer line is one ``too_large``
    skip, the lines after it are read on). Lines are UTF-8 (a BOM is allowed), else
    decoded as :func:`decode_bytes` does.

    Raises nothing: an unreadable stream ends with an ``unreadable`` skip.
    """
    found = False
    number = records = 0
    peek = getattr(handle, "peek", None)
    head = peek(4)[:4] if callable(peek) else b""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not head.startswith(codecs.BOM_UTF32_LE):
        # UTF-16 JSON Lines (a Windows export): its line ends are two bytes, read as text.
        handle = _Utf8Lines(io.TextIOWrapper(handle, encoding="utf-16", newline=None))  # type: ignore[assignment]
    try:
        while True:
            line = handle.readline(max_bytes + 1)
            if not line:
                break
            number += 1
            line_origin = f"{origin}:{number}"
            if len(line) > max_bytes and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):  # the rest of the long line
                    line = handle.readline(1 << 20)
                found = True
                yield Skipped(line_origin, "too_large", f"line {number} is longer than the limit of {max_bytes:,} bytes")
                continue
            if number == 1:
                line = line.removeprefix(codecs.BOM_UTF8)
            if not line.strip():
                continue
            found = True
            decoded = decode_bytes(line.strip(), kind="jsonl")
            if isinstance(decoded, Skipped):
                if decoded.reason == "binary" and not records:
                    # Not text at all (an image, an archive piped in): one skip, not one a "line".
                    yield Skipped(origin, "binary", f"not JSON Lines: {decoded.detail}")
                    return
                yield Skipped(line_origin, decoded.reason, f"line {number}: {decoded.detail}")
                continue
            item = _jsonl_record(decoded[0], number, origin=origin, source=source)
            if isinstance(item, Skipped) and item.reason == "bad_json":
                if not records and not decoded[0].lstrip().startswith(("{", "[")):
                    # Not JSON Lines at all (a text or HTML file piped in): one skip, not one a line.
                    yield Skipped(origin, "bad_json", f"not JSON Lines (one JSON object a line): line {number} begins {decoded[0][:40]!r}")
                    return
            else:
                records += 1
            yield item
    except (OSError, ValueError) as exc:
        found = True
        yield Skipped(origin, "unreadable", f"after line {number}: {exc}")
    if not found:
        yield Skipped(origin, "empty", "no JSON lines")


class _Utf8Lines:
    """Lines of a text stream as UTF-8 bytes, for the byte-line reader."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text

    def readline(self, size: int = -1) -> bytes:
        return self._text.readline(size).encode("utf-8")


# ------------------------------------------------------------------------ outlets


def web_address(url: str | None) -> str | None:
    """``url`` when it is a web address (``https://host/...``, or ``www.host.tld/...``
    without its scheme), else None: "n/a", "not a url", "garbage", "mailto:x@y"."""
    if not url:
        return None
    text = url.strip()
    if re.match(r"(?i)^https?://", text):
        try:
            host = urlsplit(text).hostname
        except ValueError:
            return None
        return text if host and re.fullmatch(r"[\w.\-\[\]:]+", host) else None
    if "://" not in text and ":" not in text.split("/", 1)[0] and re.fullmatch(r"[\w\-]+(?:\.[\w\-]+)+", text.split("/", 1)[0]):
        return text  # "www.example.com/a": a site, written without its scheme
    return None


def domain_of(url: str | None) -> str | None:
    """The registrable-ish domain of a URL: ``https://www.jpost.com/x`` -> ``jpost.com``,
    ``https://news.bbc.co.uk/`` -> ``bbc.co.uk``; ``None`` when there is no host."""
    if not url:
        return None
    if re.match(r"(?i)^[a-z][a-z0-9+.\-]*:(?!//)", url.strip()) and not re.match(r"^[\w.\-]+:\d+(?:/|$)", url.strip()):
        return None  # "javascript:...", "data:...", "mailto:...": no site ("host:8080/x" is one)
    try:
        parts = urlsplit(url.strip() if "//" in url else "//" + url.strip())
        host = (parts.hostname or "").strip(".").lower()
    except ValueError:
        return None
    if not host or not re.fullmatch(r"[\w.\-:\[\]]+", host):
        return None
    if host.isdigit():
        return None  # "12345": no host
    if re.fullmatch(r"[\d.]+|[0-9a-f:]+", host) or "." not in host:
        return host  # an IP address or a single-label host such as localhost
    labels = host.split(".")
    if labels[0] == "www" and len(labels) > 2:
        labels = labels[1:]
    keep = 2
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        keep = 3
    return ".".join(labels[-keep:])


def _stem(origin: str) -> str:
    base = _ORIGIN_SUFFIX.sub("", origin.strip())
    if base in ("<stdin>", "-", ""):
        return "stdin"
    stem = Path(base).stem or Path(base).name
    stem = stem.strip(" .-_<>")
    return stem or "unknown"


def resolve_outlet(doc: RawDocument, fallback_source: str | None = None, *, url: str | None = None) -> str:
    """Name the outlet of a document, deterministically.

    Order: the record's ``source`` > the URL's domain (``www.`` stripped, e.g.
    ``jpost.com``) > ``fallback_source`` (the CLI's ``--source``) > the file
    name stem (``jpost-gantz-esper``).

    Args:
        doc: the document.
        fallback_source: the ``--source`` value, if any.
        url: a URL found while cleaning (an HTML page's canonical link), used when
            the document itself has none.

    >>> resolve_outlet(RawDocument(origin="x/a-b.txt", content="", url="https://www.jpost.com/a"))
    'jpost.com'
    >>> resolve_outlet(RawDocument(origin="x/a-b.txt", content=""))
    'a-b'
    """
    if doc.source and doc.source.strip():
        return doc.source.strip()
    domain = domain_of(doc.url or url)
    if domain:
        return domain
    if fallback_source and fallback_source.strip():
        return fallback_source.strip()
    return _stem(doc.origin)
