"""Reading inputs: kinds, folders and globs, JSON records, stdin, encodings, and
bad input that must become a Skipped record rather than an exception."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from triangulate.clean import clean
from triangulate.models import Article, RawDocument, Skipped
from triangulate.readers import decode_bytes, domain_of, read_bytes, read_inputs, resolve_outlet, sniff_kind

TEXT = "Harbour bridge reopens\n\nThe old bridge reopened on Monday after eight months of repairs, officials said.\n"
ACCENTED = "Café owners near the bridge welcomed the reopening, said Zoë Brück.\n"


def read_all(paths: list[str | Path], **kwargs: object) -> list[RawDocument | Skipped]:
    return list(read_inputs(paths, **kwargs))  # type: ignore[arg-type]


def only(items: list[RawDocument | Skipped]) -> RawDocument | Skipped:
    assert len(items) == 1, items
    return items[0]


# ------------------------------------------------------------------------- kinds


def test_kind_comes_from_the_extension(tmp_path: Path) -> None:
    files = {
        "a.txt": TEXT,
        "b.html": "<p>" + TEXT + "</p>",
        "c.md": "# Title\n\nBody text here.",
        "d.markdown": "Body only.",
        "e.htm": "plain words but an html extension",
    }
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    docs = read_all([tmp_path / name for name in files])
    assert [d.kind for d in docs if isinstance(d, RawDocument)] == ["text", "html", "markdown", "markdown", "html"]


def test_unknown_extension_falls_back_to_sniffing(tmp_path: Path) -> None:
    (tmp_path / "page.dat").write_text("<!DOCTYPE html><html><body><p>Hi</p></body></html>", encoding="utf-8")
    (tmp_path / "notes.dat").write_text(TEXT, encoding="utf-8")
    (tmp_path / "recs.dat").write_text('{"text": "one"}\n{"text": "two"}\n', encoding="utf-8")
    kinds = [d.kind for d in read_all([tmp_path / "page.dat", tmp_path / "notes.dat", tmp_path / "recs.dat"])]
    assert kinds == ["html", "text", "text", "text"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("<html><head></head><body>x</body></html>", "html"),
        ("Some words.\n<p>A paragraph</p>", "html"),
        ('[{"text": "a"}]', "json"),
        ('{"text": "a"}\n{"text": "b"}', "jsonl"),
        ("# Heading\n\nText", "markdown"),
        ("See [the report](http://example.org).", "markdown"),
        ("Just a title\n\nAnd a paragraph.", "text"),
        ("{not json at all", "text"),
    ],
)
def test_sniff_kind(text: str, kind: str) -> None:
    assert sniff_kind(text) == kind


# --------------------------------------------------------------- folders & globs


def test_folders_are_expanded_recursively_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ["b.txt", "a.txt", "sub/c.md", ".hidden/x.txt", "ignored.png", ".dot.txt"]:
        (tmp_path / name).write_text(TEXT, encoding="utf-8")
    origins = [Path(d.origin).relative_to(tmp_path).as_posix() for d in read_all([tmp_path])]
    assert origins == ["a.txt", "b.txt", "sub/c.md"]


def test_globs_are_expanded_sorted_and_a_glob_without_match_is_skipped(tmp_path: Path) -> None:
    for name in ["z.txt", "m.txt", "a.html"]:
        (tmp_path / name).write_text(TEXT, encoding="utf-8")
    docs = read_all([str(tmp_path / "*.txt"), str(tmp_path / "*.json")])
    assert [Path(d.origin).name for d in docs[:2]] == ["m.txt", "z.txt"]
    assert isinstance(docs[2], Skipped) and docs[2].reason == "not_found"


def test_missing_file_is_skipped_and_reading_goes_on(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text(TEXT, encoding="utf-8")
    items = read_all([tmp_path / "missing.txt", tmp_path / "ok.txt"])
    assert isinstance(items[0], Skipped) and items[0].reason == "not_found"
    assert isinstance(items[1], RawDocument) and items[1].content == TEXT


# ------------------------------------------------------------------ JSON records


def test_json_single_record_and_list_of_records(tmp_path: Path) -> None:
    one = {"url": "https://www.tidewire.example/a", "source": "Tidewire", "title": "Bridge", "published": "2024-03-03",
           "text": TEXT, "authors": ["Mara Quell", "Tobin Ashe"]}
    (tmp_path / "one.json").write_text(json.dumps(one), encoding="utf-8")
    (tmp_path / "many.json").write_text(json.dumps([one, {"html": "<p>Hi there</p>", "url": "https://x.example/b"}]))
    docs = read_all([tmp_path / "one.json", tmp_path / "many.json"])
    assert all(isinstance(d, RawDocument) for d in docs)
    first = docs[0]
    assert isinstance(first, RawDocument)
    assert (first.source, first.url, first.title, first.published) == ("Tidewire", one["url"], "Bridge", "2024-03-03")
    assert first.authors == ("Mara Quell", "Tobin Ashe") and first.content == TEXT and first.kind == "text"
    assert [d.kind for d in docs[1:]] == ["text", "html"]
    assert [d.origin for d in docs[1:]] == [f"{tmp_path / 'many.json'}#1", f"{tmp_path / 'many.json'}#2"]


def test_invalid_jsonl_line_is_skipped_with_its_line_number_and_other_lines_are_read(tmp_path: Path) -> None:
    lines = [json.dumps({"text": "First story text."}), "{broken", "", json.dumps({"text": "Third story text."})]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines), encoding="utf-8")
    items = read_all([tmp_path / "feed.jsonl"])
    assert [type(i).__name__ for i in items] == ["RawDocument", "Skipped", "RawDocument"]
    bad = items[1]
    assert isinstance(bad, Skipped) and bad.reason == "bad_json" and bad.detail.startswith("line 2:")
    assert bad.origin.endswith("feed.jsonl:2")


def test_record_without_text_is_a_bad_record(tmp_path: Path) -> None:
    (tmp_path / "r.jsonl").write_text('{"title": "no body"}\n[1, 2]\n{"text": "  "}\n', encoding="utf-8")
    reasons = [i.reason for i in read_all([tmp_path / "r.jsonl"]) if isinstance(i, Skipped)]
    assert reasons == ["bad_record", "bad_record", "empty"]


def test_stdin_dash_reads_json_lines() -> None:
    stream = io.BytesIO(b'{"text": "From stdin.", "source": "Tidewire"}\nnot json\n{"text": "Second."}\n')
    items = read_all(["-"], stdin=stream, source="Fallback Wire")
    assert isinstance(items[0], RawDocument) and items[0].source == "Tidewire" and items[0].origin == "<stdin>:1"
    assert isinstance(items[1], Skipped) and items[1].reason == "bad_json"
    assert isinstance(items[2], RawDocument) and items[2].source == "Fallback Wire"


def test_read_bytes_returns_documents_or_one_skip_and_reports_bad_lines() -> None:
    skips: list[Skipped] = []
    docs = read_bytes(b'{"text": "ok"}\n{oops\n', origin="upload", kind="jsonl", skips=skips)
    assert isinstance(docs, list) and [d.content for d in docs] == ["ok"]
    assert [s.reason for s in skips] == ["bad_json"]
    nothing = read_bytes(b"{oops\n", origin="upload", kind="jsonl")
    assert isinstance(nothing, Skipped) and nothing.reason == "bad_json"


def test_read_bytes_takes_the_canonical_url_of_an_html_page() -> None:
    html = b'<html><head><link rel="canonical" href="https://www.tidewire.example/n/1"></head><body><p>x</p></body></html>'
    docs = read_bytes(html, origin="page", source="Fallback")
    assert isinstance(docs, list)
    assert docs[0].url == "https://www.tidewire.example/n/1" and docs[0].source is None


# -------------------------------------------------------------- bad input, bytes


def test_empty_and_whitespace_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b" \n\t\r\n ")
    assert [i.reason for i in read_all([tmp_path / "empty.txt", tmp_path / "blank.txt"])] == ["empty", "empty"]


def test_binary_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "img.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (tmp_path / "nul.txt").write_bytes(b"abc\x00\x01\x02\x03def" * 50)
    (tmp_path / "ctl.dat").write_bytes(bytes([1, 2, 3, 4, 5, 6, 7, 8, 65]) * 100)
    items = read_all([tmp_path / "img.txt", tmp_path / "nul.txt", tmp_path / "ctl.dat"])
    assert [i.reason for i in items] == ["binary", "binary", "binary"]


def test_latin1_file_is_decoded(tmp_path: Path) -> None:
    (tmp_path / "latin.txt").write_bytes(ACCENTED.encode("latin-1"))
    doc = only(read_all([tmp_path / "latin.txt"]))
    assert isinstance(doc, RawDocument) and doc.content == ACCENTED


def test_cp1252_quotes_are_decoded(tmp_path: Path) -> None:
    (tmp_path / "win.txt").write_bytes("\u201cWe are open,\u201d the mayor said \u2014 finally.".encode("cp1252"))
    doc = only(read_all([tmp_path / "win.txt"]))
    assert isinstance(doc, RawDocument) and doc.content.startswith("\u201cWe are open,\u201d")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_byte_order_marks_are_honoured(tmp_path: Path, encoding: str) -> None:
    data = ACCENTED.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):
        data = ("\ufeff" + ACCENTED).encode(encoding)
    (tmp_path / "bom.txt").write_bytes(data)
    doc = only(read_all([tmp_path / "bom.txt"]))
    assert isinstance(doc, RawDocument) and doc.content == ACCENTED


def test_utf16_without_bom_is_recognised() -> None:
    text, encoding = decode_bytes(ACCENTED.encode("utf-16-le"))  # type: ignore[misc]
    assert (text, encoding) == (ACCENTED, "utf-16-le")


def test_html_meta_charset_is_used_when_bytes_are_not_utf8() -> None:
    html = '<html><head><meta charset="iso-8859-7"></head><body><p>Αθήνα</p></body></html>'
    docs = read_bytes(html.encode("iso-8859-7"), origin="greek.html", kind="html")
    assert isinstance(docs, list) and "Αθήνα" in docs[0].content


@pytest.mark.parametrize("label", ["idna", "punycode", "undefined", "unicode_escape", "utf-7", "base64", "rot13"])
def test_a_declared_charset_that_is_a_python_codec_and_not_a_web_charset_is_ignored(label: str) -> None:
    html = f'<html><head><meta charset="{label}"></head><body><p>The caf\u00e9 reopened.</p></body></html>'
    decoded = decode_bytes(html.encode("cp1252"), kind="html")
    assert not isinstance(decoded, Skipped) and "café reopened" in decoded[0] and decoded[1] == "cp1252"
    decoded = decode_bytes("Caf\u00e9 news".encode("cp1252"), charset=label)
    assert not isinstance(decoded, Skipped) and decoded[0] == "Café news"


def test_mostly_utf8_with_one_broken_byte_stays_utf8() -> None:
    data = ACCENTED.encode("utf-8") + b"\xff" + "More café text, déjà vu.".encode("utf-8")
    decoded = decode_bytes(data)
    assert not isinstance(decoded, Skipped)
    assert "Zoë Brück" in decoded[0] and "déjà" in decoded[0]


GARBAGE = b"Title\n\nSome text \x80\x81\x8d\x8f\x90\x9d bytes \xc3\x28 here.\n"
LONG_ARTICLE = "The harbour bridge reopened on Monday after eight months of repairs, officials said. " * 40


def test_undecodable_text_is_skipped_as_bad_encoding(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(GARBAGE)
    item = only(read_all([tmp_path / "bad.txt"]))
    assert isinstance(item, Skipped) and item.reason == "bad_encoding", item
    assert "0x81, 0x8D, 0x8F, 0x90, 0x9D" in item.detail and "invalid UTF-8" in item.detail
    # So is garbage inside a long article: more than one undecodable byte per 200 characters.
    noisy = LONG_ARTICLE.encode("utf-8").replace(b"bridge", b"bri\x81\x8d\x90ge")
    assert read_bytes(noisy, origin="noisy.txt").reason == "bad_encoding"  # type: ignore[union-attr]


def test_cp1252_and_latin1_text_is_not_mistaken_for_garbage() -> None:
    text = "\u201cCaf\u00e9 prices rose by \u20ac2,\u201d said Z\u00fc Br\u00fcck \u2013 na\u00efvely.\n"
    assert decode_bytes(text.encode("cp1252")) == (text, "cp1252")
    latin = "Se\u00f1or M\u00fcller \u00e0 l'h\u00f4tel, \u00bd price \u00a3.\n"
    assert decode_bytes(latin.encode("latin-1")) == (latin, "cp1252")


def test_one_stray_byte_in_a_long_article_is_read_not_dropped() -> None:
    body = LONG_ARTICLE + "\u201cWe are open,\u201d the mayor said. Caf\u00e9 owners agreed."
    data = body.encode("utf-8")
    for stray in (b"\xff", b"\x81", b"\xc3\x28"):
        broken = data[:500] + stray + data[500:]
        decoded = decode_bytes(broken)
        assert not isinstance(decoded, Skipped), (stray, decoded)
        text, encoding = decoded
        assert encoding == "utf-8+replace" and "\ufffd" in text and "\u201cWe are open,\u201d" in text
    # An ASCII article with one byte cp1252 does not define: read, the byte replaced.
    ascii_only = LONG_ARTICLE.encode("ascii")
    decoded = decode_bytes(ascii_only[:300] + b"\x8d" + ascii_only[300:])
    assert not isinstance(decoded, Skipped) and decoded[1] == "cp1252+replace"
    assert "\x8d" not in decoded[0] and decoded[0].count("\ufffd") == 1


def test_a_page_labelled_latin1_is_read_as_cp1252() -> None:
    html = '<html><head><meta charset="iso-8859-1"></head><body><p>\u201cOpen,\u201d she said \u2014 caf\u00e9.</p></body></html>'
    docs = read_bytes(html.encode("cp1252"), origin="page.html", kind="html")
    assert isinstance(docs, list) and "\u201cOpen,\u201d she said \u2014 caf\u00e9." in docs[0].content


def test_files_over_the_size_limit_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text(TEXT * 100, encoding="utf-8")
    item = only(read_all([tmp_path / "big.txt"], max_bytes=1000))
    assert isinstance(item, Skipped) and item.reason == "too_large"
    over = read_bytes(b"x" * 50, origin="b", max_bytes=10)
    assert isinstance(over, Skipped) and over.reason == "too_large"


def test_bad_files_in_a_folder_never_stop_the_good_ones(tmp_path: Path) -> None:
    (tmp_path / "1-empty.txt").write_bytes(b"")
    (tmp_path / "2-binary.txt").write_bytes(b"\x00\x01" * 100)
    (tmp_path / "3-utf16.txt").write_bytes(TEXT.encode("utf-16"))
    (tmp_path / "4-noarticle.html").write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    (tmp_path / "5-bad.jsonl").write_text('{"text": "Ferry fares rise in spring, the operator said."}\n{bad\n')
    cleaned = [i if isinstance(i, Skipped) else clean(i) for i in read_all([tmp_path])]
    summary = [(type(i).__name__, getattr(i, "reason", None)) for i in cleaned]
    assert summary == [
        ("Skipped", "empty"),
        ("Skipped", "binary"),
        ("Article", None),
        ("Skipped", "no_article"),
        ("Article", None),
        ("Skipped", "bad_json"),
    ]
    utf16 = cleaned[2]
    assert isinstance(utf16, Article) and utf16.title == "Harbour bridge reopens"


# ---------------------------------------------------------------------- outlets


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.jpost.com/israel-news/x", "jpost.com"),
        ("http://edition.tidewire.example:8080/a", "tidewire.example"),
        ("https://news.bbc.co.uk/2/hi", "bbc.co.uk"),
        ("https://www.smh.com.au/world", "smh.com.au"),
        ("tidewire.example/a", "tidewire.example"),
        ("http://127.0.0.1:8000/x", "127.0.0.1"),
        ("not a url", None),
        ("", None),
    ],
)
def test_domain_of(url: str, domain: str | None) -> None:
    assert domain_of(url) == domain


def test_outlet_order_source_then_domain_then_fallback_then_file_name() -> None:
    base = RawDocument(origin="/data/tidewire-bridge.txt", content="x")
    assert resolve_outlet(base) == "tidewire-bridge"
    assert resolve_outlet(base, "Fallback Wire") == "Fallback Wire"
    with_url = RawDocument(origin=base.origin, content="x", url="https://www.tidewire.example/a")
    assert resolve_outlet(with_url, "Fallback Wire") == "tidewire.example"
    with_source = RawDocument(origin=base.origin, content="x", url="https://www.tidewire.example/a", source="Tidewire")
    assert resolve_outlet(with_source, "Fallback Wire") == "Tidewire"
    assert resolve_outlet(RawDocument(origin="/data/feed.jsonl:12", content="x")) == "feed"
    assert resolve_outlet(RawDocument(origin="<stdin>:3", content="x")) == "stdin"


def test_cli_source_is_stored_only_for_records_without_source_or_url(tmp_path: Path) -> None:
    lines = [
        {"text": "a", "source": "Own Name"},
        {"text": "b", "url": "https://www.tidewire.example/b"},
        {"text": "c"},
    ]
    (tmp_path / "r.jsonl").write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    docs = [d for d in read_all([tmp_path / "r.jsonl"], source="CLI Source") if isinstance(d, RawDocument)]
    assert [d.source for d in docs] == ["Own Name", None, "CLI Source"]
    assert [resolve_outlet(d) for d in docs] == ["Own Name", "tidewire.example", "CLI Source"]


def test_json_lines_larger_than_the_size_limit_are_read_record_by_record(tmp_path: Path) -> None:
    # The limit bounds one record, not the file: a long export or a pipe is read whole,
    # and only a record over the limit is skipped.
    path = tmp_path / "export.jsonl"
    records = [{"title": f"Report {i}", "text": f"The council met on day {i}."} for i in range(40)]
    lines = [json.dumps(r) for r in records]
    lines[7] = json.dumps({"title": "Huge", "text": "x" * 500})
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 1000
    items = list(read_inputs([str(path)], max_bytes=200))
    assert len(items) == 40
    (skip,) = [i for i in items if isinstance(i, Skipped)]
    assert skip.origin == f"{path}:8" and skip.reason == "too_large"
    assert [i.origin for i in items if isinstance(i, RawDocument)][:8] == [f"{path}:{n}" for n in (1, 2, 3, 4, 5, 6, 7, 9)]
    piped = list(read_inputs(["-"], stdin=io.BytesIO(path.read_bytes()), max_bytes=200))
    assert [type(i).__name__ for i in piped] == [type(i).__name__ for i in items]


def test_an_empty_json_lines_file_or_pipe_is_one_empty_skip(tmp_path: Path) -> None:
    path = tmp_path / "none.jsonl"
    path.write_bytes(b"\n  \n")
    for items in (list(read_inputs([str(path)])), list(read_inputs(["-"], stdin=io.BytesIO(b"")))):
        assert [(type(i).__name__, getattr(i, "reason", "")) for i in items] == [("Skipped", "empty")]


def test_text_piped_where_json_lines_are_expected_is_one_clear_skip() -> None:
    items = list(read_inputs(["-"], stdin=io.BytesIO(b"Harbour fire\n\nA fire broke out.\nTwelve were hurt.\n")))
    assert [(i.origin, i.reason) for i in items if isinstance(i, Skipped)] == [("<stdin>", "bad_json")]
    assert "not JSON Lines" in items[0].detail  # type: ignore[union-attr]
    # A broken line among good ones is still skipped on its own.
    mixed = list(read_inputs(["-"], stdin=io.BytesIO(b'{"title": "A", "text": "x y"}\nnot json\n{"title": "B", "text": "z"}\n')))
    assert [type(i).__name__ for i in mixed] == ["RawDocument", "Skipped", "RawDocument"]


def test_a_record_whose_text_is_not_a_string_says_so() -> None:
    (skip,) = list(read_inputs(["-"], stdin=io.BytesIO(b'{"title": "A", "text": 5}\n')))
    assert isinstance(skip, Skipped) and skip.reason == "bad_record" and "'text' is int" in skip.detail


def test_a_lone_surrogate_in_a_json_record_is_read_as_a_replacement_character(tmp_path: Path) -> None:
    path = tmp_path / "sur.jsonl"
    path.write_text('{"title": "Bad \\ud800 title", "source": "S\\ud800", "text": "The harbour reopened \\ud800 on Monday."}\n', encoding="utf-8")
    doc = only(read_all([path]))
    assert isinstance(doc, RawDocument)
    assert "\ufffd" in doc.content and doc.title == "Bad \ufffd title" and doc.source == "S\ufffd"
    doc.content.encode("utf-8")  # storable: no lone surrogate left


@pytest.mark.parametrize("name, text", [("deep.json", "[" * 100_000 + "]" * 100_000), ("deep.jsonl", '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")])
def test_json_nested_too_deeply_is_a_bad_json_skip(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    skip = only(read_all([path]))
    assert isinstance(skip, Skipped) and skip.reason == "bad_json" and "nested too deeply" in skip.detail


def test_an_empty_path_a_fifo_and_an_unreadable_folder_are_skips_with_their_reasons(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.txt").write_text("Harbour reopens\n\nThe harbour reopened on Monday, officials said.", encoding="utf-8")
    (tmp_path / "news" / "locked").mkdir()
    (tmp_path / "news" / "locked" / "b.txt").write_text("Locked story\n\nThis one cannot be read at all.", encoding="utf-8")
    real_walk = os.walk

    def walk(top, onerror=None, followlinks=False):  # type: ignore[no-untyped-def]
        for root, dirs, files in real_walk(top, onerror=onerror, followlinks=followlinks):
            if root.endswith("locked"):
                onerror(PermissionError(13, "Permission denied", root))
                continue
            yield root, dirs, files

    monkeypatch.setattr(os, "walk", walk)
    got = read_all(["", tmp_path / "pipe", tmp_path / "news"])
    reasons = [(Path(g.origin).name, g.reason) for g in got if isinstance(g, Skipped)]
    assert reasons == [("", "not_found"), ("pipe", "not_a_file"), ("locked", "unreadable")]
    assert [d.title for d in got if isinstance(d, RawDocument)] == [None]  # a.txt is still read


@pytest.mark.parametrize("junk", ["javascript:alert(1)", "data:text/html,hi", "mailto:desk@tidewire.example", "12345"])
def test_a_url_that_names_no_site_gives_no_outlet(junk: str) -> None:
    assert domain_of(junk) is None
    assert resolve_outlet(RawDocument(origin="wire/tide-report.json#3", content="x", url=junk)) == "tide-report"


def test_the_charset_a_transport_declares_is_read_before_the_guesses() -> None:
    text = "Пожар в порту Вельдхафена: сгорел деревянный склад."
    assert decode_bytes(text.encode("koi8-r"), kind="html", charset="koi8-r") == (text, "koi8-r")
    assert decode_bytes(text.encode("cp1251"), kind="html", charset='"windows-1251"')[0] == text
    assert decode_bytes(text.encode("utf-8"), kind="html", charset="koi8-r") == (text, "utf-8")  # valid UTF-8 wins
    # A page labelled UTF-16 whose bytes hold no NUL is not UTF-16.
    latin = "<html><head><meta charset='utf-16'></head><body><p>Caf\xe9 owners welcomed it.</p></body></html>"
    assert decode_bytes(latin.encode("latin-1"), kind="html")[0] == latin


def test_utf16_json_lines_on_stdin_are_read_and_binary_on_stdin_is_one_skip() -> None:
    lines = [json.dumps({"source": "Valley Times", "title": f"Title {i}", "text": f"The harbour reopened on day {i}."}) for i in range(3)]
    utf16 = io.BufferedReader(io.BytesIO("\r\n".join(lines).encode("utf-16")))  # as sys.stdin.buffer is
    docs = list(read_inputs(["-"], stdin=utf16))
    assert [d.title for d in docs if isinstance(d, RawDocument)] == ["Title 0", "Title 1", "Title 2"]
    binary = list(read_inputs(["-"], stdin=io.BufferedReader(io.BytesIO(bytes(range(256)) * 200))))
    assert [(s.origin, s.reason) for s in binary if isinstance(s, Skipped)] == [("<stdin>", "binary")] and len(binary) == 1
