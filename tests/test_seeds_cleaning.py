"""Cleaning the two seed articles kept beside the repository (../shared/seeds):
what the compare issue requires to be removed, kept once, and kept."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from triangulate.clean import clean
from triangulate.models import Article
from triangulate.readers import read_inputs
from triangulate.text import tokens

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


def _squash(text: str) -> str:
    """Whitespace-insensitive form for comparing raw lines with cleaned text."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


@pytest.fixture(scope="module")
def seeds() -> dict[str, Article]:
    if not SEEDS.is_dir():
        pytest.skip(f"seed articles not found at {SEEDS} (they live in ../shared/seeds beside the repository)")
    out: dict[str, Article] = {}
    for doc in read_inputs([SEEDS]):
        article = clean(doc)  # type: ignore[arg-type]
        assert isinstance(article, Article), article
        out[article.outlet] = article
    for name in ("jpost-gantz-esper", "jns-gantz-esper"):
        if name not in out:
            pytest.skip(f"seed {name}.txt not found in {SEEDS}")
    return out


def _lines(raw: str) -> list[str]:
    return [_squash(line) for line in raw.splitlines() if line.strip()]


def test_whole_donation_appeal_is_removed_as_one_block(seeds: dict[str, Article]) -> None:
    jns = seeds["jns-gantz-esper"]
    start = jns.raw.index("Support Jewish Journalism")
    appeal_lines = _lines(jns.raw[start:])
    assert len(appeal_lines) >= 5
    appeal_text = [_squash(r.text) for r in jns.removed if r.reason == "appeal"]
    for line in appeal_lines:
        assert any(line in piece for piece in appeal_text), line
        assert not any(line in _squash(p) for p in jns.paragraphs), line
    # Nothing before the appeal was taken for it.
    assert all(_squash(piece) in _squash(jns.raw[start:]) for piece in appeal_text)


def test_photo_captions_and_credits_are_removed(seeds: dict[str, Article]) -> None:
    jpost = seeds["jpost-gantz-esper"]
    credit_lines = [line for line in _lines(jpost.raw) if "photo credit" in line.lower()]
    assert credit_lines, "the seed should hold photo credit lines"
    captions = {_squash(line[: line.lower().index("(photo credit")]) for line in credit_lines}
    captions.discard("")
    removed = [(_squash(r.text), r.reason) for r in jpost.removed]
    # One caption per "caption (photo credit: X)" line, plus every repeat of a caption on its own line.
    repeats = [line for line in _lines(jpost.raw) if line in captions]
    assert repeats, "the seed repeats its caption without the credit"
    assert sorted(text for text, reason in removed if reason == "photo_caption") == sorted(
        [c for c in (_squash(line[: line.lower().index("(photo credit")]) for line in credit_lines) if c] + repeats
    )
    for caption in captions:
        assert caption not in {_squash(p) for p in jpost.paragraphs}
    assert sum(1 for _, reason in removed if reason == "photo_credit") == len(credit_lines)
    assert not any("photo credit" in p.lower() for p in jpost.paragraphs)


def test_contributors_line_is_removed(seeds: dict[str, Article]) -> None:
    jpost = seeds["jpost-gantz-esper"]
    lines = [line for line in _lines(jpost.raw) if "contributed to this report" in line]
    assert len(lines) == 1
    assert [_squash(r.text) for r in jpost.removed if r.reason == "contributors"] == lines
    assert not any("contributed to this report" in p for p in jpost.paragraphs)


def test_standfirst_quote_repeated_in_the_body_is_kept_once(seeds: dict[str, Article]) -> None:
    jpost = seeds["jpost-gantz-esper"]
    standfirst = _lines(jpost.raw)[1]
    words = f" {' '.join(tokens(standfirst))} "
    holders = [p for p in jpost.paragraphs if words in f" {' '.join(tokens(p))} "]
    assert len(holders) == 1
    assert len(_squash(holders[0])) > len(standfirst), "the longer body paragraph is the one kept"
    assert [_squash(r.text) for r in jpost.removed if r.reason == "duplicate_paragraph"] == [standfirst]


def test_real_news_paragraphs_are_kept(seeds: dict[str, Article]) -> None:
    jns, jpost = seeds["jns-gantz-esper"], seeds["jpost-gantz-esper"]
    for article, phrase in [
        (jns, "10-hour visit"),
        (jns, "Channel 12"),
        (jns, "arms embargo"),
        (jns, "tunnel"),
        (jpost, "on Friday"),
        (jpost, "Atlantic Council"),
        (jpost, "F-35"),
        (jpost, "tunnel"),
    ]:
        assert any(phrase in p for p in article.paragraphs), (article.outlet, phrase)
    assert len(jns.paragraphs) == 7
    assert jpost.title == _lines(jpost.raw)[0]


def test_every_seed_line_is_kept_or_recorded(seeds: dict[str, Article]) -> None:
    for article in seeds.values():
        pieces = [article.title, *article.paragraphs, *(r.text for r in article.removed)]
        out = Counter(ch for piece in pieces for ch in piece if ch.isalnum())
        missing = Counter(ch for ch in article.raw if ch.isalnum()) - out
        assert not missing, (article.outlet, missing)
