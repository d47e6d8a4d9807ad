"""What compare must find in the two seed articles (../shared/seeds): two outlets, one visit."""

from __future__ import annotations

import pytest

from triangulate.compare import compare
from triangulate.models import Report


@pytest.fixture(scope="module")
def report(shared_dir, embedder) -> Report:
    seeds = shared_dir / "seeds"
    first, second = seeds / "jpost-gantz-esper.txt", seeds / "jns-gantz-esper.txt"
    if not (first.is_file() and second.is_file()):
        pytest.skip(f"seed articles not found in {seeds}")
    return compare([first, second], embedder=embedder)


@pytest.fixture(scope="module")
def outlets(report):
    first, second = (s.outlet for s in report.sources)
    return first, second


def facts_with(report: Report, *phrases: str):
    return [f for f in report.facts if all(any(p.lower() in c.text.lower() for c in f.claims) for p in phrases)]


def single_texts(report: Report, outlet: str) -> str:
    parts = []
    for s in report.single_source:
        if s.outlet == outlet:
            parts.append(s.claim.text if s.detail is None else f"{s.detail} :: {s.claim.text}")
    return "\n".join(parts).lower()


def all_claim_text(report: Report) -> str:
    return "\n".join(c.text for c in report.claims).lower()


# --- boilerplate ---------------------------------------------------------------------


def test_the_whole_donation_appeal_is_removed(report, outlets):
    second = next(a for a in report.articles if a.outlet == outlets[1])
    removed = "\n".join(r.text for r in second.removed if r.reason == "appeal")
    for phrase in ("Support Jewish Journalism", "readership are growing exponentially", "blessings for good health"):
        assert phrase in removed
        assert phrase.lower() not in all_claim_text(report)


def test_photo_caption_credit_and_contributors_are_removed(report, outlets):
    first = next(a for a in report.articles if a.outlet == outlets[0])
    reasons = {r.reason for r in first.removed}
    assert {"photo_credit", "contributors"} <= reasons
    assert "photo_caption" in reasons or any("photo credit" in r.text.lower() for r in first.removed)
    text = all_claim_text(report)
    assert "photo credit" not in text
    assert "marc israel sellem" not in text
    assert "contributed to this report" not in text
    # The bare caption line is gone too: every remaining mention of the title comes with a verb.
    assert not any(c.text.strip() == "Alternate Prime Minister and Defense Minister Benny Gantz" for c in report.claims)


def test_repeated_quote_inside_the_first_article_counts_once(report, outlets):
    hits = [c for c in report.claims if c.outlet == outlets[0] and "enemies will not rest" in c.text]
    assert len(hits) == 1


# --- corroborated ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "phrases",
    [
        ("wednesday", "gantz"),
        ("very important issues relating to israel",),
        ("enemies",),
        ("tunnel",),
        ("compensation", "f-35"),
    ],
    ids=["leaves-wednesday", "important-issues-quote", "enemies-quote", "tunnel-remark", "f35-compensation"],
)
def test_corroborated_by_both_outlets(report, outlets, phrases):
    found = facts_with(report, *phrases)
    assert found, f"no fact with {phrases}"
    fact = found[0]
    assert set(fact.outlets) == set(outlets)
    assert fact.independent_sources == 2


def test_the_translated_enemies_quote_is_one_quote_by_gantz(report):
    found = facts_with(report, "enemies")
    assert len(found) == 1
    fact = found[0]
    assert fact.kind == "quote"
    assert fact.speaker and fact.speaker.endswith("Gantz")
    wordings = {c.quote for c in fact.claims}
    assert len(wordings) == 2  # two translations, one quote


# --- single-source ----------------------------------------------------------------------


@pytest.mark.parametrize("phrase", ["on friday", "one month after", "atlantic council"])
def test_single_source_first_outlet(report, outlets, phrase):
    assert phrase in single_texts(report, outlets[0])
    assert phrase not in single_texts(report, outlets[1])


@pytest.mark.parametrize("phrase", ["10-hour", "channel 12", "arms embargo", "north korea", "netanyahu"])
def test_single_source_second_outlet(report, outlets, phrase):
    assert phrase in single_texts(report, outlets[1])


def test_no_conflict_is_invented_between_the_seeds(report):
    # Washington vs the United States, "a minute" vs "one moment": compatible, not conflicts.
    assert report.conflicts == ()


def test_summary_cites_both_outlets_for_corroborated_sentences(report):
    facts = {f.id: f for f in report.facts}
    number_of = {s.article_id: s.number for s in report.sources}
    assert report.summary
    for sentence in report.summary:
        fact = facts[sentence.fact_id]
        assert set(sentence.citations) == {number_of[c.article_id] for c in fact.claims}
