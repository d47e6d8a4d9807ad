"""The bundled example story (examples/harbour-fire): its expected report, pinned.

Five fictional outlets report one harbour fire. The example is built so that each
thing compare must find occurs once, on purpose (see examples/harbour-fire/README.md):
a wire story reprinted by two outlets, a quote translated two ways, a conflicting
figure, a conflicting weekday, facts corroborated in other words, single-source
claims, and every kind of boilerplate the cleaner removes. Facts and claims are
identified by key phrases of the example's text, outlets by the file they came from.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import triangulate
from triangulate.models import Article, Claim, Fact, Report

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "harbour-fire"
ARTICLE_FILES = (
    "aldmouth-courier.html",
    "coastal-standard.json",
    "coastline-radio.txt",
    "lowland-herald.txt",
    "northshore-ledger.txt",
)
WIRE = ("coastal-standard.json", "aldmouth-courier.html")


@pytest.fixture(scope="module")
def report(embedder) -> Report:
    return triangulate.compare([EXAMPLE / name for name in ARTICLE_FILES], embedder=embedder)


@pytest.fixture(scope="module")
def outlet(report: Report) -> dict[str, str]:
    """File name -> the outlet label the report uses for it."""
    return {Path(a.origin).name: a.outlet for a in report.articles}


def article(report: Report, name: str) -> Article:
    return next(a for a in report.articles if Path(a.origin).name == name)


def facts_with(report: Report, phrase: str) -> list[Fact]:
    return [f for f in report.facts if any(phrase in c.text for c in f.claims)]


def fact_with(report: Report, phrase: str) -> Fact:
    hits = facts_with(report, phrase)
    assert len(hits) == 1, f"expected one fact with {phrase!r}, found {len(hits)}"
    return hits[0]


def claims_with(report: Report, phrase: str) -> list[Claim]:
    return [c for c in report.claims if phrase in c.text]


def outlets_of(fact: Fact) -> set[str]:
    return {c.outlet for c in fact.claims}


# ------------------------------------------------------------------ the inputs


def test_every_example_file_is_read_as_one_article(report, outlet):
    assert not report.skipped
    assert sorted(outlet) == sorted(ARTICLE_FILES)
    assert len(set(outlet.values())) == 5
    assert [s.number for s in report.sources] == [1, 2, 3, 4, 5]


def test_outlets_come_from_source_field_url_domain_and_file_name(outlet):
    assert outlet["coastal-standard.json"] == "The Coastal Standard"
    assert outlet["aldmouth-courier.html"] == "aldmouthcourier.example"
    assert outlet["lowland-herald.txt"] == "lowland-herald"


def test_the_example_folder_reads_as_the_five_articles_and_not_its_readme():
    # `make demo` runs `triangulate compare examples/harbour-fire`: the folder's
    # README.md documents the example, it is not a sixth outlet.
    from triangulate.compare import load_articles

    articles, _skipped = load_articles([EXAMPLE])
    assert sorted(Path(a.origin).name for a in articles) == sorted(ARTICLE_FILES)


# ------------------------------------------------------------- syndication


def test_wire_story_and_its_reprint_form_one_syndication_group(report, outlet):
    assert len(report.syndication) == 1
    group = report.syndication[0]
    assert group.origin == outlet["coastal-standard.json"]  # published first (Oct. 15, 06:40)
    assert group.copies == (outlet["aldmouth-courier.html"],)
    assert group.similarity >= 0.8


def test_reprint_keeps_its_changed_lead_and_local_paragraph(report):
    courier = article(report, "aldmouth-courier.html")
    assert any("the port where ferries from Aldmouth call twice a week" in p for p in courier.paragraphs)
    assert any("Morning Tern" in p for p in courier.paragraphs)


def test_facts_shared_by_the_wire_copies_count_the_wire_once(report, outlet):
    fact = fact_with(report, "keep their windows and doors closed because of the smoke")
    assert outlets_of(fact) == set(outlet.values()) - {outlet["lowland-herald.txt"]}
    assert fact.independent_sources == 3  # wire (two copies), radio, Ledger
    for fact in report.facts:
        groups = {c.outlet for c in fact.claims} - {outlet[w] for w in WIRE}
        wire_in = bool({c.outlet for c in fact.claims} & {outlet[w] for w in WIRE})
        assert fact.independent_sources == len(groups) + wire_in


# ------------------------------------------------------- corroborated facts


@pytest.mark.parametrize(
    ("wire_phrase", "other_file", "other_phrase"),
    [
        ("brought the fire under control after nine hours", "lowland-herald.txt",
         "nine hours to bring the blaze under control"),
        ("Ferry services to the island of Zandoog were suspended", "northshore-ledger.txt",
         "The ferry link between Veldhaven and the island of Zandoog was halted"),
        ("The cause of the fire was not yet known", "lowland-herald.txt",
         "have not yet determined what caused the fire"),
        ("The cause of the fire was not yet known", "coastline-radio.txt",
         "The cause of the fire is still unknown"),
        ("Around 80 firefighters fought the flames", "northshore-ledger.txt",
         "About 80 firefighters were deployed to tackle the flames"),
    ],
    ids=["nine-hours", "ferry-suspended", "cause-unknown-herald", "cause-unknown-radio", "80-firefighters"],
)
def test_paraphrased_fact_is_corroborated_by_independent_outlets(report, outlet, wire_phrase, other_file, other_phrase):
    fact = fact_with(report, wire_phrase)
    assert any(other_phrase in c.text and c.outlet == outlet[other_file] for c in fact.claims), (
        f"{other_file}'s {other_phrase!r} is not in the fact of {wire_phrase!r}: "
        f"{[c.text for c in fact.claims]}"
    )
    assert {outlet[w] for w in WIRE} <= outlets_of(fact)
    assert fact.independent_sources == len({c.outlet for c in fact.claims} - {outlet[w] for w in WIRE}) + 1
    assert fact.independent_sources >= 2
    assert fact.kind == "paraphrase"


def test_claims_sharing_only_the_topic_are_not_merged(report):
    for fact in report.facts:
        text = " ".join(c.text for c in fact.claims)
        assert not ("Hollander & Brink" in text and "Noorderpark" in text)
        assert not ("Havenweg" in text and "Morning Tern" in text)
        assert not ("sports hall" in text and "ferry" in text.lower())


# ------------------------------------------------------------------ quotes


def test_mayors_quote_translated_two_ways_is_one_quote_fact(report, outlet):
    fact = fact_with(report, "This is a dark night for our city")
    assert fact.kind == "quote"
    assert fact.speaker == "Anneke Drost"
    assert {c.speaker for c in fact.claims} == {"Anneke Drost"}
    ledger = [c for c in fact.claims if c.outlet == outlet["northshore-ledger.txt"]]
    assert len(ledger) == 1 and "It was a black night for Veldhaven" in ledger[0].text
    assert outlets_of(fact) == {outlet[f] for f in (*WIRE, "northshore-ledger.txt")}
    assert fact.independent_sources == 2
    assert fact in report.quotes


def test_two_different_remarks_of_the_fire_chief_stay_apart(report):
    # Wire: "Timber burns fast and very hot. ..."; radio: "There is still a lot of
    # heat inside the pile of timber ...". One speaker, two different statements.
    for fact in report.facts:
        text = " ".join(c.text for c in fact.claims)
        assert not ("Timber burns fast" in text and "still a lot of heat" in text), [c.text for c in fact.claims]


# --------------------------------------------------------------- conflicts


def conflict_of(report: Report, kind: str):
    hits = [c for c in report.conflicts if c.kind == kind]
    assert len(hits) == 1, [c.explanation for c in report.conflicts]
    return hits[0]


def test_injury_figure_conflict_has_both_values_and_outlets(report, outlet):
    conflict = conflict_of(report, "number")
    sides = {conflict.a.outlet: conflict.a, conflict.b.outlet: conflict.b}
    herald = sides.pop(outlet["lowland-herald.txt"])
    (wire,) = sides.values()
    assert wire.outlet in {outlet[w] for w in WIRE}
    assert "12 people" in wire.value and "The fire injured 12 people" in wire.text
    assert "Fourteen people" in herald.value and "Fourteen people were injured" in herald.text
    assert conflict.fact_id == fact_with(report, "The fire injured 12 people").id


def test_weekday_conflict_has_both_values_and_outlets(report, outlet):
    conflict = conflict_of(report, "weekday")
    sides = {conflict.a.outlet: conflict.a, conflict.b.outlet: conflict.b}
    radio = sides.pop(outlet["coastline-radio.txt"])
    (wire,) = sides.values()
    assert wire.outlet in {outlet[w] for w in WIRE}
    assert wire.value == "Tuesday" and "broke out on Tuesday night" in wire.text
    assert radio.value == "Monday" and "broke out late on Monday" in radio.text
    fact = fact_with(report, "The blaze broke out on Tuesday night")
    assert conflict.fact_id == fact.id
    assert fact.independent_sources == 2


def test_conflicts_of_the_wire_story_name_its_origin_not_the_reprint(report, outlet):
    assert len(report.conflicts) == 2
    for conflict in report.conflicts:
        assert outlet["aldmouth-courier.html"] not in (conflict.a.outlet, conflict.b.outlet)
        assert outlet["coastal-standard.json"] in (conflict.a.outlet, conflict.b.outlet)


def test_disputed_figures_are_not_single_source_details_in_any_copy(report):
    details = {s.detail for s in report.single_source if s.detail}
    assert not details & {"12 people", "Fourteen people", "Tuesday", "Monday"}, details


def test_compatible_details_are_not_reported_as_conflicts(report):
    # "after nine hours" / "nine hours", "Wednesday morning" in both ferry reports,
    # "Around 80" / "About 80": only the figure and the weekday conflict.
    assert sorted(c.kind for c in report.conflicts) == ["number", "weekday"]
    for phrase in ("after nine hours", "Ferry services to the island of Zandoog", "keep their windows"):
        for fact in facts_with(report, phrase):
            assert not [c for c in report.conflicts if c.fact_id == fact.id], phrase


# ---------------------------------------------------------- single source


@pytest.mark.parametrize(
    ("files", "phrase"),
    [
        (WIRE, "timber importer Hollander & Brink"),
        (("aldmouth-courier.html",), "freighter Morning Tern"),
        (("coastline-radio.txt",), "Police closed the Havenweg"),
        (("lowland-herald.txt",), "passed a fire safety inspection in March"),
        (("lowland-herald.txt",), "said Ilse Verbeek"),
        (("northshore-ledger.txt",), "opened a sports hall in the Noorderpark district"),
        (("northshore-ledger.txt",), "would have to be demolished"),
    ],
)
def test_single_source_claims_are_listed_once_under_their_outlet(report, outlet, files, phrase):
    hits = [s for s in report.single_source if s.detail is None and phrase in s.claim.text]
    assert len(hits) == 1, [(s.outlet, s.claim.text) for s in hits]
    assert hits[0].outlet in {outlet[f] for f in files}
    assert not facts_with(report, phrase)


def test_local_paragraph_of_the_reprint_is_not_credited_to_the_wire(report, outlet):
    hits = [s for s in report.single_source if "Morning Tern" in s.claim.text]
    assert hits and {s.outlet for s in hits} == {outlet["aldmouth-courier.html"]}


# -------------------------------------------------------------- boilerplate


def removed(report: Report, name: str) -> list[tuple[str, str]]:
    return [(r.reason, r.text) for r in article(report, name).removed]


CAPTION = "Smoke rises from the timber warehouse on Quay 7 in Veldhaven harbour, Oct. 15, 2025."
CREDIT = "(photo credit: ERIK VAN DAM/NORTHSHORE LEDGER)"
STANDFIRST = "Smoke from a burning timber warehouse drifted across Veldhaven on Wednesday"


def test_photo_caption_and_credit_lines_are_removed_including_the_repeated_caption(report):
    pieces = removed(report, "northshore-ledger.txt")
    assert pieces.count(("photo_caption", CAPTION)) == 2
    assert pieces.count(("photo_credit", CREDIT)) == 2


def test_contributor_line_is_removed(report):
    assert ("contributors", "Lotte Brand and Sam Okafor contributed to this report.") in removed(
        report, "northshore-ledger.txt"
    )


def test_bylines_are_removed_and_kept_as_authors(report):
    assert ("byline", "By Maren Holt") in removed(report, "northshore-ledger.txt")
    assert ("byline", "By Hanna Lind") in removed(report, "lowland-herald.txt")
    assert article(report, "northshore-ledger.txt").authors == ("Maren Holt",)
    assert article(report, "lowland-herald.txt").authors == ("Hanna Lind",)


def test_wire_dateline_is_removed_and_kept_as_metadata(report):
    for name in WIRE:
        art = article(report, name)
        assert ("dateline", "VELDHAVEN, Oct. 15 (Meridian) -") in removed(report, name)
        assert art.dateline == "VELDHAVEN, Oct. 15 (Meridian)"
        assert art.paragraphs[0].startswith("A fire gutted a timber warehouse")


def test_standfirst_repeated_in_the_body_counts_once(report, outlet):
    ledger = article(report, "northshore-ledger.txt")
    assert sum(STANDFIRST in p for p in ledger.paragraphs) == 1
    assert [r for r, t in removed(report, "northshore-ledger.txt") if STANDFIRST in t] == ["duplicate_paragraph"]
    assert len([c for c in claims_with(report, STANDFIRST) if c.outlet == outlet["northshore-ledger.txt"]]) == 1


def test_donation_appeal_is_removed_as_one_block_to_the_end(report):
    herald = article(report, "lowland-herald.txt")
    appeal = [t for r, t in removed(report, "lowland-herald.txt") if r == "appeal"]
    assert appeal[0] == "Support independent local journalism"
    assert len(appeal) == 4
    assert appeal[-1].endswith("Donate or subscribe at lowlandherald.example/support. Thank you.")
    assert herald.paragraphs[-1].startswith("The city council will hold an emergency meeting on Thursday")


def test_share_related_and_newsletter_lines_are_removed(report):
    pieces = removed(report, "coastline-radio.txt")
    assert ("share", "Share this article: Facebook Twitter Email") in pieces
    assert ("related", "Related: Veldhaven council approves new container terminal despite safety concerns") in pieces
    assert [r for r, t in pieces if t.startswith("Sign up for the Coastline Morning newsletter")] == ["appeal"]


def test_web_page_chrome_is_not_part_of_the_article(report):
    courier = article(report, "aldmouth-courier.html")
    text = courier.text
    for chrome in (
        "Share this article",
        "Facebook",
        "Related stories",
        "Winter timetable",
        "Morning Tide",
        "Sign up",
        "All rights reserved",
        "Skip to content",
        "Smoke drifts over the harbour",
        "photo credit",
    ):
        assert chrome not in text, chrome
    assert len(courier.paragraphs) == 12


def test_no_claim_holds_removed_boilerplate(report):
    pieces = [r.text for a in report.articles for r in a.removed if r.reason != "duplicate_paragraph"]
    assert len(pieces) >= 15
    claims = [c.text for c in report.claims]
    for piece in pieces:
        probe = piece[:40]
        assert not any(probe in text for text in claims), piece
    for marker in ("photo credit", "contributed to this report", "Share this article", "Related:", "newsletter",
                   "Donate", "By Maren Holt", "(Meridian)"):
        assert not any(marker in text for text in claims), marker


# ----------------------------------------------------------------- summary


def test_summary_leads_with_corroborated_facts_and_names_both_conflicts(report):
    texts = [s.text for s in report.summary]
    assert 3 <= len(texts) <= 8
    assert any("Tuesday" in t and "Monday" in t for t in texts)
    assert any("12" in t and "fourteen people" in t for t in texts)


def test_every_summary_citation_points_to_a_source_whose_claim_is_in_the_cited_fact(report):
    facts = {f.id: f for f in report.facts}
    number_of = {s.article_id: s.number for s in report.sources}
    conflicts = {c.fact_id: c for c in report.conflicts}
    claim_of = {c.id: c for c in report.claims}
    for sentence in report.summary:
        assert sentence.citations, sentence.text
        assert sentence.fact_id in facts, sentence.text
        supporting = {number_of[c.article_id] for c in facts[sentence.fact_id].claims}
        assert set(sentence.citations) <= supporting, sentence.text
        if sentence.text.startswith("Reports differ"):
            conflict = conflicts[sentence.fact_id]
            sides = {number_of[claim_of[side.claim_id].article_id] for side in (conflict.a, conflict.b)}
            assert sides <= set(sentence.citations), sentence.text  # both sides, and the versions agreeing with either
        else:
            assert len(set(sentence.citations)) >= 2, sentence.text


def test_no_summary_sentence_cites_a_source_that_gives_a_conflicting_value(report):
    # "The fire injured 12 people" must not cite the outlet that says fourteen, and
    # "The blaze broke out on Tuesday night" not the one that says Monday: a citation
    # supports its sentence. Only the "Reports differ" sentences cite both sides.
    number_of = {s.article_id: s.number for s in report.sources}
    claim_of = {c.id: c for c in report.claims}
    for sentence in report.summary:
        if sentence.text.startswith("Reports differ"):
            continue
        for conflict in (c for c in report.conflicts if c.fact_id == sentence.fact_id):
            for stated, other in ((conflict.a, conflict.b), (conflict.b, conflict.a)):
                if stated.value in sentence.text and other.value not in sentence.text:
                    contradicting = number_of[claim_of[other.claim_id].article_id]
                    assert contradicting not in sentence.citations, (sentence.text, sentence.citations, other.outlet)


def test_the_wire_storys_own_claims_say_that_its_reprint_prints_them_too(report):
    from triangulate.render.view import build_view

    groups = {g.outlet: g for g in build_view(report).single_source}
    assert groups["The Coastal Standard"].note == "no other source found reporting these (reprinted by aldmouthcourier.example)"
    assert groups["coastline-radio"].note == "no other outlet found reporting these"
