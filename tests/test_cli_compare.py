"""`triangulate compare` on the command line: formats, bad input, exit codes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from triangulate.cli import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "harbour-fire"

ARTICLE_A = """Pier fire closes Port Ellis harbour

A fire destroyed the main warehouse on the east pier of Port Ellis on Tuesday night, officials said.

The fire injured 12 people, three of them firefighters, according to the fire service.
"""
ARTICLE_B = """Blaze guts Port Ellis warehouse

Officials said a blaze gutted the main east pier warehouse in Port Ellis late on Tuesday.

Fourteen people were injured in the fire, the fire service said.
"""


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(cli, ["compare", *args], input=input, catch_exceptions=False)


@pytest.fixture()
def two_articles(tmp_path: Path) -> list[str]:
    a, b = tmp_path / "herald.txt", tmp_path / "courier.txt"
    a.write_text(ARTICLE_A, encoding="utf-8")
    b.write_text(ARTICLE_B, encoding="utf-8")
    return [str(a), str(b)]


def test_terminal_report_names_facts_and_conflicts(two_articles):
    result = run(*two_articles)
    assert result.exit_code == 0, result.output
    assert "herald" in result.output and "courier" in result.output
    assert "Fourteen people" in result.output


def test_json_report_follows_the_schema_version(two_articles):
    result = run(*two_articles, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["schema_version"].startswith("1.")
    assert [s["outlet"] for s in data["sources"]] == ["herald", "courier"]
    assert any(c["kind"] == "number" for c in data["conflicts"])


@pytest.mark.parametrize("fmt, marker", [("markdown", "# "), ("html", "<!DOCTYPE html>")])
def test_markdown_and_html_to_a_file(two_articles, tmp_path, fmt, marker):
    out = tmp_path / f"report.{fmt}"
    result = run(*two_articles, "--format", fmt, "-o", str(out))
    assert result.exit_code == 0
    assert marker.lower() in out.read_text(encoding="utf-8").lower()


def test_jsonl_on_stdin_takes_outlets_from_source_and_url():
    records = [
        {"source": "North Star", "title": "Fire", "text": ARTICLE_A},
        {"url": "https://www.southwind.example/fire", "title": "Blaze", "text": ARTICLE_B},
    ]
    payload = "\n".join(json.dumps(r) for r in records).encode()
    result = run("-", "--format", "json", input=payload)
    assert result.exit_code == 0, result.output
    assert [s["outlet"] for s in json.loads(result.stdout)["sources"]] == ["North Star", "southwind.example"]


def test_source_option_names_an_outlet_only_where_the_input_names_none(two_articles):
    result = run(two_articles[0], "--source", "Harbour Herald", "--format", "json")
    assert json.loads(result.stdout)["sources"][0]["outlet"] == "Harbour Herald"


def test_show_removed_lists_boilerplate_with_reasons(tmp_path):
    text = ARTICLE_A + "\nJane Roe and Sam Poe contributed to this report.\n"
    path = tmp_path / "herald.txt"
    path.write_text(text, encoding="utf-8")
    result = run(str(path), "--show-removed")
    assert result.exit_code == 0
    assert "contributors" in result.output
    assert "contributed to this report" in result.output


def test_bad_inputs_are_skipped_with_reasons_and_the_rest_compared(two_articles, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Caf\xe9 fire\n\nThe caf\xe9 on the pier burned on Tuesday night, officials said.\n".encode("latin-1"))
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes(ARTICLE_B.encode("utf-16"))
    no_article = tmp_path / "nav.html"
    no_article.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>", encoding="utf-8")
    inputs = [*two_articles, str(empty), str(binary), str(latin1), str(utf16), str(no_article)]
    result = run(*inputs, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    reasons = {Path(s["origin"]).name: s["reason"] for s in data["skipped"]}
    assert reasons["empty.txt"] == "empty"
    assert reasons["photo.txt"] == "binary"
    assert "nav.html" in reasons
    outlets = [s["outlet"] for s in data["sources"]]
    assert "latin1" in outlets and "utf16" in outlets
    assert "Traceback" not in result.output


def test_a_skipped_path_that_looks_like_console_markup_prints_as_written(two_articles, tmp_path):
    odd = tmp_path / "["
    odd.mkdir()
    (odd / "draft].txt").write_bytes(b"")  # the path ends in "[/draft].txt", a closing markup tag
    result = run(*two_articles, str(odd / "draft].txt"), "--format", "json")
    assert result.exit_code == 0, result.output
    assert f"skipped {odd / 'draft].txt'}: empty" in result.stderr


def test_strict_turns_a_skip_into_exit_status_2(two_articles, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert run(*two_articles, str(empty), "--strict").exit_code == 2


def test_no_readable_article_is_exit_status_2_with_a_clear_message(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = CliRunner().invoke(cli, ["compare", str(empty)])
    assert result.exit_code == 2
    assert "[E101]" in result.output
    assert "Traceback" not in result.output


def test_missing_file_is_exit_status_2(tmp_path):
    result = CliRunner().invoke(cli, ["compare", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2
    assert "not_found" in result.output


def test_too_many_articles_is_refused_with_advice(tmp_path):
    lines = [json.dumps({"source": f"outlet {i}", "text": f"Report {i}\n\nThe pier burned on night {i}."}) for i in range(5)]
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = CliRunner().invoke(cli, ["compare", str(path), "--max-articles", "3"])
    assert result.exit_code == 2
    assert "[E102]" in result.output and "triangulate ingest" in result.output


def test_five_hundred_articles_are_compared(tmp_path):
    places = ["pier", "dock", "depot", "quay", "yard"]
    lines = []
    for i in range(500):
        place = places[i % len(places)]
        text = (
            f"Report {i}\n\nA fire broke out at the {place} of Port Ellis on Tuesday night, officials said. "
            f"Reporter {i} spoke to {i % 7 + 2} witnesses near the {place}."
        )
        lines.append(json.dumps({"source": f"outlet-{i:03d}", "text": text}))
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run(str(path), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert len(data["sources"]) == 500
    assert data["facts"]


def test_the_bundled_example_runs_from_the_module_entry_point():
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "triangulate", "compare", str(EXAMPLE), "--format", "json"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["sources"]) == 5


def test_show_claims_lists_a_claim_of_each_article_that_is_in_no_fact():
    files = sorted(str(p) for p in EXAMPLE.iterdir() if p.suffix in {".txt", ".html", ".json"})
    plain = run(*files, "--format", "markdown").stdout
    shown = run(*files, "--format", "markdown", "--show-claims").stdout
    assert "## All claims" not in plain and "## All claims" in shown
    # The reprint's copy of a wire sentence: in no fact, listed once under the wire origin.
    courier = shown.split("## All claims", 1)[1].split("### [1] aldmouthcourier.example", 1)[1].split("### [2]", 1)[0]
    assert "- Three of the injured were firefighters" in courier
    assert plain.count("Three of the injured were firefighters") == 1


def test_a_page_without_an_article_is_said_once_without_the_extractors_own_log_lines(two_articles, tmp_path):
    import subprocess
    import sys

    page = tmp_path / "nav.html"
    page.write_text("<html><body><div></div></body></html>", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "triangulate", "compare", *two_articles, str(page), "-f", "json"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert f"skipped {page}: no_article" in proc.stderr
    assert "trafilatura" not in proc.stderr and "parsed tree length" not in proc.stderr


@pytest.mark.parametrize("fmt", ["terminal", "markdown"])
def test_a_reader_that_stops_early_ends_the_command_quietly_with_status_0(fmt: str) -> None:
    # `triangulate compare ... | head -1`: the pipe is closed before the report is written.
    import os
    import subprocess

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "120"}
    proc = subprocess.Popen([sys.executable, "-m", "triangulate", "compare", str(EXAMPLE), "--format", fmt],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 0, err[-2000:]
    assert "Traceback" not in err and "Error" not in err
