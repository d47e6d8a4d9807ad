"""compare: facts, independent sources, conflicts, single-source claims, cited summary."""

from __future__ import annotations

import dataclasses
import io

import pytest
from rich.console import Console

from triangulate.compare import CompareSettings, compare_articles
from triangulate.errors import InputError
from triangulate.models import Article, Report
from triangulate.render import render_html, render_markdown, render_terminal


def art(outlet: str, *paragraphs: str, published: str | None = None) -> Article:
    return Article(
        id=f"id-{outlet}", outlet=outlet, title=f"{outlet} on the pier fire", paragraphs=paragraphs, published=published
    )


def north_and_south(first: str, second: str) -> list[Article]:
    """Two outlets' articles whose first sentences are the versions compared, each followed by
    a sentence of its own that matches nothing."""
    return [
        art("North Star", first, "Council members met behind closed doors for most of the evening to discuss the harbour budget."),
        art("South Wind", second, "Opposition leader Karl Mend called for an independent inquiry into the fire service response."),
    ]


HARBOUR = art(
    "Harbour Herald",
    "A fire destroyed the main warehouse on the east pier of Port Ellis on Tuesday night, officials said.",
    "The fire injured 12 people, three of them firefighters, according to the fire service.",
    "Mayor Ilse Brandt said the pier would stay closed for at least two weeks while engineers inspect it.",
    "The warehouse was built in 1911 and stored grain for the northern farms.",
)
COURIER = art(
    "Coastal Courier",
    "Officials said a blaze gutted the main east pier warehouse in Port Ellis late on Tuesday.",
    "Fourteen people were injured in the fire, the fire service said.",
    "Engineers will inspect the pier, which Mayor Ilse Brandt said would remain shut for at least two weeks.",
    "Local fishermen have started a fund to help the families of the injured workers.",
)


@pytest.fixture(scope="module")
def report(embedder) -> Report:
    return compare_articles([HARBOUR, COURIER], embedder=embedder)


def fact_with(report: Report, phrase: str):
    hits = [f for f in report.facts if any(phrase in c.text for c in f.claims)]
    assert hits, f"no fact contains {phrase!r}"
    return hits[0]


def test_paraphrases_become_one_fact_with_two_independent_sources(report):
    fact = fact_with(report, "destroyed the main warehouse")
    assert set(fact.outlets) == {"Harbour Herald", "Coastal Courier"}
    assert fact.independent_sources == 2
    assert any("gutted" in c.text for c in fact.claims)


def test_conflicting_figure_is_reported_with_both_versions(report):
    numbers = [c for c in report.conflicts if c.kind == "number"]
    assert len(numbers) == 1
    values = {numbers[0].a.value, numbers[0].b.value}
    assert values == {"12 people", "Fourteen people"}


def test_compatible_details_are_not_conflicts(report):
    # Both say Tuesday and "two weeks": nothing to flag there.
    assert not [c for c in report.conflicts if c.kind in {"weekday", "duration"}]


def test_single_source_claims_are_listed_per_outlet(report):
    herald = [s.claim.text for s in report.single_source if s.outlet == "Harbour Herald" and s.detail is None]
    courier = [s.claim.text for s in report.single_source if s.outlet == "Coastal Courier" and s.detail is None]
    assert any("built in 1911" in t for t in herald)
    assert any("fishermen have started a fund" in t for t in courier)


def test_topic_sharing_claims_are_not_merged(report):
    for fact in report.facts:
        texts = " ".join(c.text for c in fact.claims)
        assert not ("1911" in texts and "fishermen" in texts)


def test_every_summary_sentence_cites_sources_that_support_it(report):
    assert report.summary
    facts = {f.id: f for f in report.facts}
    number_of = {s.article_id: s.number for s in report.sources}
    for sentence in report.summary:
        assert sentence.citations
        fact = facts.get(sentence.fact_id)
        if fact is None:  # a conflict sentence: its two sides
            conflict = next(c for c in report.conflicts if c.fact_id == sentence.fact_id)
            assert set(sentence.citations) <= {number_of[f"id-{conflict.a.outlet}"], number_of[f"id-{conflict.b.outlet}"]}
            continue
        supporting = {number_of[c.article_id] for c in fact.claims}
        assert set(sentence.citations) <= supporting


def test_a_reprinted_wire_story_counts_once(embedder):
    wire = art(
        "Meridian Press",
        "A fire destroyed the main warehouse on the east pier of Port Ellis on Tuesday night, officials said.",
        "Mayor Ilse Brandt said the pier would stay closed for at least two weeks while engineers inspect it.",
        published="2025-10-14T22:00:00Z",
    )
    reprint = art("Valley Daily", *wire.paragraphs, published="2025-10-15T06:00:00Z")
    report = compare_articles([reprint, wire, COURIER], embedder=embedder)
    assert len(report.syndication) == 1
    assert report.syndication[0].origin == "Meridian Press"
    assert report.syndication[0].copies == ("Valley Daily",)
    fact = fact_with(report, "destroyed the main warehouse")
    assert set(fact.outlets) == {"Meridian Press", "Valley Daily", "Coastal Courier"}
    assert fact.independent_sources == 2


def test_a_reprint_that_changes_a_figure_is_shown_as_a_change_not_hidden_as_one_source(embedder):
    wire = art(
        "Meridian Press",
        "A fire destroyed the main warehouse on the east pier of Port Ellis on Tuesday night, officials said.",
        "The fire injured 12 people, three of them firefighters, according to the fire service.",
        "Mayor Ilse Brandt said the pier would stay closed for at least two weeks while engineers inspect it.",
        "The warehouse was built in 1911 and stored grain for the northern farms.",
        published="2025-10-14T22:00:00Z",
    )
    changed = [p.replace("injured 12 people", "injured 40 people") for p in wire.paragraphs]
    reprint = art("Valley Daily", *changed, published="2025-10-15T06:00:00Z")
    report = compare_articles([reprint, wire], embedder=embedder)
    assert report.syndication[0].copies == ("Valley Daily",)  # still one source
    (change,) = report.conflicts
    assert change.reprint and change.kind == "number"
    assert (change.a.outlet, change.b.outlet) == ("Meridian Press", "Valley Daily")  # the origin's version first
    assert "12" in change.a.value and "40" in change.b.value
    assert "Valley Daily, reprinting Meridian Press" in change.explanation
    assert any("reprinting Meridian Press" in s.text for s in report.summary)
    # Independent conflicts stay apart from reprint changes.
    assert not any(c.reprint for c in compare_articles([HARBOUR, COURIER], embedder=embedder).conflicts)


def test_two_articles_of_one_outlet_are_one_independent_source(embedder):
    morning = art("Harbour Herald", *HARBOUR.paragraphs[:2])
    evening = Article(id="id-evening", outlet="Harbour Herald", title="Pier fire: the latest", paragraphs=(
        "Officials said the fire destroyed the main warehouse on the east pier of Port Ellis on Tuesday night.",
        "The pier will stay closed for two weeks, the harbour master said.",
    ))
    report = compare_articles([morning, evening, COURIER], embedder=embedder)
    assert [s.outlet for s in report.sources] == ["Harbour Herald", "Harbour Herald (2)", "Coastal Courier"]  # kept apart
    fact = fact_with(report, "warehouse")
    assert {"Harbour Herald", "Harbour Herald (2)", "Coastal Courier"} <= set(fact.outlets)
    assert fact.independent_sources == 2  # the outlet does not corroborate itself
    alone = compare_articles([morning, evening], embedder=embedder)
    assert alone.facts == ()  # one outlet, however many articles: nothing corroborated


def test_a_faithful_reprint_changes_nothing(embedder):
    wire = art("Meridian Press", *HARBOUR.paragraphs, published="2025-10-14T22:00:00Z")
    reprint = art("Valley Daily", *HARBOUR.paragraphs, published="2025-10-15T06:00:00Z")
    report = compare_articles([wire, reprint], embedder=embedder)
    assert report.conflicts == ()
    assert len({s.text for s in report.summary}) == len(report.summary)  # the shared lead once


def test_two_identical_articles_are_one_source_and_no_fact(embedder):
    twin = art("Valley Daily", *HARBOUR.paragraphs)
    report = compare_articles([HARBOUR, twin], embedder=embedder)
    assert report.facts == ()
    assert len(report.syndication) == 1
    # Each claim is listed once as single-source, not once per copy.
    texts = [s.claim.text for s in report.single_source if s.detail is None]
    assert len(texts) == len(set(texts))


def test_a_single_article_is_all_single_source(embedder):
    report = compare_articles([HARBOUR], embedder=embedder)
    assert report.facts == () and report.conflicts == ()
    assert len([s for s in report.single_source if s.detail is None]) == len(report.claims)
    assert report.summary and report.summary[0].citations == (1,)


def test_weekday_conflict(embedder):
    a = art("North Star", "The blaze broke out on the east pier of Port Ellis on Tuesday night, the fire service said.")
    b = art("South Wind", "The blaze broke out on the east pier of Port Ellis late on Monday, the fire service said.")
    report = compare_articles([a, b], embedder=embedder)
    kinds = {c.kind: c for c in report.conflicts}
    assert "weekday" in kinds
    assert {kinds["weekday"].a.value, kinds["weekday"].b.value} == {"Tuesday", "Monday"}


def test_negation_conflict(embedder):
    report = compare_articles(
        north_and_south(
            "The mayor of Port Ellis has resigned over the handling of the pier fire, her office said.",
            "The mayor of Port Ellis has not resigned over the handling of the pier fire, her office said.",
        ),
        embedder=embedder,
    )
    assert [c.kind for c in report.conflicts] == ["negation"]
    said = [s.text for s in report.summary if s.text.startswith("Reports differ")]
    # What is disputed is named, not "it": the denying version is quoted.
    assert said == [
        'Reports differ: South Wind says "The mayor of Port Ellis has not resigned over the handling of the pier fire, '
        'her office said", North Star says otherwise.'
    ]


def test_the_report_is_titled_by_the_headline_most_outlets_share_words_with_not_the_shortest_or_a_shouted_one(embedder):
    articles = [
        Article(id="t1", outlet="Business Daily", title="Nordvik beats forecasts but shares slide",
                paragraphs=("Nordvik Telecom said quarterly profit rose 8% and it would cut 1,500 jobs.",)),
        Article(id="t2", outlet="Evening Star", title="NORDVIK AXES JOBS DESPITE PROFITS",
                paragraphs=("Nordvik Telecom will cut 1,500 jobs even though its profit rose 8%, the company said.",)),
        Article(id="t3", outlet="Wire", title="Nordvik Telecom profit rises 8%, company to cut 1,500 jobs",
                paragraphs=("Nordvik Telecom's quarterly profit rose 8%, and the company plans to cut 1,500 jobs.",)),
    ]
    report = compare_articles(articles, embedder=embedder)
    assert report.title == "Nordvik Telecom profit rises 8%, company to cut 1,500 jobs"


def test_no_input_is_a_clear_error():
    from triangulate.compare import compare

    with pytest.raises(InputError, match=r"\[E101\]"):
        compare([])


def test_a_disputed_figure_is_a_conflict_not_a_single_source_detail(report):
    details = [s.detail for s in report.single_source if s.detail]
    assert "Fourteen people" not in details and "12 people" not in details


def test_same_template_different_event_claims_are_not_one_fact(embedder):
    """Two claims that differ in who, where, how many and which day report two events."""
    a = art("North Star", "Mayor Ilse Brandt said on Monday that 34 workers were moved away from the rail depot in Karwick.")
    b = art("South Wind", "Chief Tomas Okafor said on Thursday that 12 workers were moved away from the rail depot in Venholt.")
    report = compare_articles([a, b], embedder=embedder)
    assert report.facts == ()
    assert report.conflicts == ()


def test_one_differing_detail_is_still_a_conflict_within_one_fact(embedder):
    report = compare_articles(
        north_and_south(
            "Mayor Ilse Brandt said on Monday that 34 workers were moved away from the rail depot in Karwick.",
            "Mayor Ilse Brandt said on Monday that 43 workers were moved away from the rail depot in Karwick.",
        ),
        embedder=embedder,
    )
    assert len(report.facts) == 1
    assert [c.kind for c in report.conflicts] == ["number"]


def test_a_chain_of_matches_does_not_join_different_events():
    """A~B and B~C each differ in one detail, but A and C differ in two: C stays apart."""
    import numpy as np

    from triangulate.align import align
    from triangulate.models import Claim, Detail

    def claim(k: int, text: str, *details: Detail) -> Claim:
        return Claim(id=f"c{k}", article_id=f"a{k}", outlet=f"o{k}", text=text, paragraph=0, position=0, details=details)

    day = lambda v: Detail("weekday", v, v.title())  # noqa: E731
    count = lambda v: Detail("number", v, f"{v} workers", "workers")  # noqa: E731
    claims = [
        claim(0, "On Monday 34 workers left the depot.", day("monday"), count("34")),
        claim(1, "On Monday 12 workers left the depot.", day("monday"), count("12")),
        claim(2, "On Friday 12 workers left the depot.", day("friday"), count("12")),
    ]
    vecs = np.ones((3, 4), dtype=np.float32) / 2.0
    facts = align(claims, vecs, np.zeros_like(vecs), article_index=[0, 1, 2])
    assert len(facts) == 1 and len(facts[0]) == 2


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            "Mayor Ilse Brandt said on Monday that 34 residents were moved out of Karwick after the flood.",
            "Ilse Brandt said 34 people were moved out of Karwick on March 3 after the flood.",
        ),
        (
            "The council will spend $1.2 million on Monday to repair the flood walls in Karwick.",
            "The council is spending 1.2 million dollars to repair the Karwick flood walls from March 3.",
        ),
    ],
)
def test_details_written_differently_do_not_split_a_fact(embedder, first, second):
    """Same figure with another noun or currency word, a weekday beside a date, a title
    before a name: compatible wordings, one fact."""
    report = compare_articles(north_and_south(first, second), embedder=embedder)
    assert len(report.facts) == 1, [c.text for c in report.claims]
    assert report.conflicts == ()


def test_a_chain_of_topic_sharing_links_is_not_one_fact():
    """A~B and B~C match, but A and C are far apart: on average {A, B} and C do not
    match as well as one edge must, so C stays out."""
    import numpy as np

    from triangulate.align import align
    from triangulate.models import Claim

    texts = [
        "Navy commandos boarded the pirate boat near the Gulf of Aden.",
        "Navy commandos stopped the pirate attack near the Gulf of Aden.",
        "The pirate crews came from Somalia and Yemen near the Gulf of Aden.",
    ]
    claims = [Claim(id=f"c{k}", article_id=f"a{k}", outlet=f"o{k}", text=t, paragraph=0, position=0) for k, t in enumerate(texts)]
    angle = np.arccos(0.3)
    vecs = np.zeros((3, 4), dtype=np.float32)
    for k, a in enumerate((0.0, angle / 2, angle)):
        vecs[k, :2] = (np.cos(a), np.sin(a))
    facts = align(claims, vecs, np.zeros_like(vecs), article_index=[0, 1, 2], pair_score=None)
    assert facts == [[0, 1]]


def test_yesterday_is_the_day_before_each_article_was_published(embedder):
    def dated(outlet: str, published: str, *paragraphs: str) -> Article:
        return Article(id=f"id-{outlet}", outlet=outlet, title="Footbridge", paragraphs=paragraphs, published=published)

    first = dated("One", "2026-03-04T08:00:00Z", "The old footbridge over the Ost river collapsed yesterday, the city said.", "Nobody was on it.")
    later = dated("Two", "2026-03-06T08:00:00Z", "The old footbridge over the Ost river collapsed yesterday, the city said.", "Engineers will inspect the others.")
    same_day = dated("Three", "2026-03-04T18:00:00Z", "The old footbridge over the Ost river collapsed yesterday, city officials said.", "Crews cleared it.")
    report = compare_articles([first, later, same_day], embedder=embedder)
    dates = {(c.a.outlet, c.a.value, c.b.outlet, c.b.value) for c in report.conflicts if c.kind == "date"}
    assert dates == {("One", "yesterday (2026-03-03)", "Two", "yesterday (2026-03-05)")}  # One and Three agree


def test_a_detail_another_source_writes_differently_is_not_single_source(embedder):
    words = art("Harbour Herald",
                "A fire destroyed the main warehouse on the east pier of Port Ellis on Tuesday night, officials said.",
                "Twelve people were hurt in the fire, the fire service said.")
    digits = art("Coastal Courier",
                 "Officials said a blaze gutted the main east pier warehouse in Port Ellis late on Tuesday.",
                 "12 people were hurt in the fire, the fire service said.")
    report = compare_articles([words, digits], embedder=embedder)
    only_here = {(s.outlet, s.detail) for s in report.single_source if s.detail}
    assert not any(d and d.lower().startswith(("twelve", "12")) for _, d in only_here)  # twelve is 12


def test_an_article_that_does_not_read_as_english_is_warned_about(embedder, caplog):
    german = art("Hafenblatt",
                 "Die Feuerwehr war am Montag mit mehr als hundert Einsatzkräften vor Ort, nachdem in der Lagerhalle "
                 "im Hafen ein Brand ausgebrochen war. Verletzt wurden vierzehn Menschen, teilte die Feuerwehr mit.")
    with caplog.at_level("WARNING", logger="triangulate.compare"):
        report = compare_articles([HARBOUR, german], embedder=embedder)
    assert "not English, it seems: Hafenblatt" in caplog.text and "Harbour Herald" not in caplog.text
    # A library caller that configured no logging finds it in the report, as JSON readers do.
    (warning,) = report.warnings
    assert warning.startswith("not English, it seems: Hafenblatt;")
    assert report.to_dict()["warnings"] == [warning]
    from triangulate.render import render_html, render_markdown

    assert f"> **Warning:** {warning}" in render_markdown(report) and "Warning:</strong> not English" in render_html(report)


def test_a_disputed_figure_is_one_summary_sentence_naming_every_outlet_on_each_side(embedder):
    said = "The fire at the Ostby plant injured {} people on Monday night, {} said."
    arts = [
        art("Harbour Herald", said.format(12, "the fire service"), "The weather was calm that week."),
        art("Coastal Courier", said.format(12, "officials"), "Roads to the plant were closed."),
        art("Valley Daily", said.format(14, "the fire service"), "Schools stayed open on Tuesday."),
    ]
    report = compare_articles(arts, embedder=embedder)
    (sentence,) = [s for s in report.summary if s.text.startswith("Reports differ")]
    assert sentence.text == "Reports differ on the figures: Harbour Herald and Coastal Courier give 12 people, Valley Daily gives 14 people."
    assert sentence.citations == (1, 2, 3)


def test_a_fact_disputed_by_as_many_sources_as_give_it_is_stated_as_its_outlets_version(embedder):
    # One outlet against one: neither score is the summary's to state. Its sentence says
    # whose version it is, and the dispute sentence gives the other. Two against one: the
    # majority's version is stated as it is.
    said = "Harlow Rovers beat Dunmore City {} at Kingsmead Park on Saturday{}."
    one = art("Sports Desk", said.format("3-1", ""), "The new stand was full for the first time this season.")
    other = art("The Terrace", said.format("3-2", " afternoon"), "City's manager refused to talk to reporters afterwards.")
    report = compare_articles([one, other], embedder=embedder)
    first, dispute = (s.text for s in report.summary)
    assert first.startswith("The Terrace reports: Harlow Rovers beat Dunmore City 3-2") or first.startswith(
        "Sports Desk reports: Harlow Rovers beat Dunmore City 3-1"
    ), first
    assert dispute == "Reports differ on the score: Sports Desk gives 3-1, The Terrace gives 3-2."
    third = art("County Sport", said.format("3-1", " evening"), "Ticket prices will rise by ten percent next month.")
    report = compare_articles([one, other, third], embedder=embedder)
    assert report.summary[0].text.startswith("Harlow Rovers beat Dunmore City 3-1"), report.summary[0].text


#: Three outlets' time, depth and toll of one quake: two agree, the third gives each another way.
KESTERLAND_QUAKE = {
    "North Star": ("The earthquake struck the Kesterland coast at 5:12 a.m. local time on Monday.",
                   "The epicentre of the earthquake lay near Orvik at a depth of 35 kilometres, the institute said.",
                   "The earthquake killed 14 people in the coastal villages, officials said."),
    "Coast Radio": ("A strong earthquake shook the coast of Kesterland at 5:12 a.m. on Monday, local time.",
                    "Its epicentre was near Orvik, at a depth of 35 kilometres, according to the seismology institute.",
                    "Officials said the quake killed 14 people in the villages along the coast."),
    "South Wind": ("A powerful quake hit the coast of Kesterland at 5:40 a.m. on Monday, local time.",
                   "The institute said the epicentre lay near Orvik at a depth of 12 kilometres.",
                   "The quake killed 17 people in the coastal villages, according to officials."),
}


def test_every_disputed_fact_the_summary_states_is_followed_by_its_dispute(embedder):
    # Three facts that two outlets give one way and a third another: each is stated as fact
    # (the majority's version), so each needs its dispute sentence, not only the first two.
    (north_time, *north_rest), (coast_time, *coast_rest), (south_time, *south_rest) = KESTERLAND_QUAKE.values()
    north = art("North Star", north_time, "Fishing boats in the harbour of Velm were thrown against the piers and two sank.", *north_rest)
    coast = art("Coast Radio", coast_time, "The regional governor asked the army for tents and water for the families left homeless.", *coast_rest)
    south = art("South Wind", south_time, "Power was cut to most of the province for several hours after the shock.", *south_rest)
    report = compare_articles([north, coast, south], embedder=embedder)
    facts = {c.fact_id for c in report.conflicts}
    assert len(facts) == 3
    stated = {s.fact_id for s in report.summary if not s.text.startswith("Reports differ")}
    disputed = {s.fact_id for s in report.summary if s.text.startswith("Reports differ")}
    assert facts <= stated and facts <= disputed
    assert "South Wind gives 5:40 a.m." in [s.text for s in report.summary if s.text.startswith("Reports differ on the time")][0]
    assert not any(s.text.endswith("..") for s in report.summary)


def test_every_fact_stated_as_one_outlets_version_is_followed_by_its_dispute(embedder):
    # Three one-against-one disputes: the summary's usual two dispute sentences would leave a
    # "North Star reports: ..." sentence without the other side.
    north = art("North Star", "The earthquake struck the Kesterland coast at 5:12 a.m. local time on Monday.",
                "Fishing boats in the harbour of Velm were thrown against the piers and two sank.",
                "The epicentre of the earthquake lay near Orvik at a depth of 35 kilometres, the institute said.",
                "Schools across the province will stay closed until engineers have checked every building.",
                "The earthquake killed 14 people in the coastal villages, officials said.")
    south = art("South Wind", "A powerful quake hit the coast of Kesterland at 5:40 a.m. on Monday, local time.",
                "The regional governor asked the army for tents, blankets and water for the families left homeless.",
                "Its epicentre was near Orvik, at a depth of 12 kilometres, according to the seismology institute.",
                "Power was cut to most of the province for several hours after the shock.",
                "Officials said the quake killed 17 people in the villages on the coast.")
    report = compare_articles([north, south], embedder=embedder)
    stated = {s.fact_id for s in report.summary if " reports: " in s.text}
    disputed = {s.fact_id for s in report.summary if s.text.startswith("Reports differ")}
    assert len(stated) == 3 and stated <= disputed


def test_a_reprint_change_stays_visible_when_an_independent_outlet_reports_the_fact_too(embedder):
    lines = ("A fire at the Kelby warehouse in Portmere injured 14 people on Monday, fire chief Anna Vance said.",
             "The blaze burned for six hours before crews brought it under control.", "Police are looking for witnesses.")
    wire = art("Harbor Wire", *lines, published="2026-03-03T08:00:00Z")
    post = art("Daily Post", *(p.replace("14 people", "40 people") for p in lines), published="2026-03-03T10:00:00Z")
    valley = art("Valley News", "Fourteen people were injured on Monday when fire broke out at the Kelby warehouse in Portmere, "
                 "the fire chief said.", "Roads near the harbour were closed.", published="2026-03-03T12:00:00Z")
    report = compare_articles([wire, post, valley], embedder=embedder)
    changes = [(c.a.outlet, c.b.outlet) for c in report.conflicts if c.reprint]
    assert changes == [("Harbor Wire", "Daily Post")]
    (dispute,) = [s.text for s in report.summary if s.text.startswith("Reports differ")]
    assert dispute == "Reports differ on the figures: Valley News and Harbor Wire give fourteen people, Daily Post gives 40 people."


def test_a_summary_names_relative_days_by_their_dates(embedder):
    def dated(outlet, published, *paragraphs):
        return Article(id=f"id-{outlet}", outlet=outlet, title="Footbridge", paragraphs=paragraphs, published=published)

    reports = [
        dated("One", "2026-03-04T08:00:00Z", "The old footbridge over the Ost river collapsed yesterday, the city said.", "Nobody was hurt."),
        dated("Two", "2026-03-03T20:00:00Z", "The old footbridge over the Ost river collapsed today, the city said.", "Crews came."),
        dated("Three", "2026-03-06T08:00:00Z", "The old footbridge over the Ost river collapsed yesterday, city officials said.", "It rained."),
    ]
    report = compare_articles(reports, embedder=embedder)
    (dispute,) = [s.text for s in report.summary if s.text.startswith("Reports differ")]
    assert "2026-03-03" in dispute and "2026-03-05" in dispute and "yesterday" not in dispute and "today" not in dispute


def test_an_outcome_dispute_names_every_outlet_on_each_side(embedder):
    said = "Twelve people were {} when the roof of the Kelby warehouse collapsed on Monday, {} said."
    arts = [art("Harbor Wire", said.format("injured", "the fire service"), "The weather was calm."),
            art("Valley News", said.format("injured", "officials"), "Roads were closed."),
            art("Daily Post", said.format("killed", "the fire service"), "Schools stayed open.")]
    report = compare_articles(arts, embedder=embedder)
    (dispute,) = [s.text for s in report.summary if s.text.startswith("Reports differ")]
    assert dispute == "Reports differ on what happened: Harbor Wire and Valley News say injured, Daily Post says killed."


def test_align_fit_help_names_the_data_path_and_exits_0():
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "triangulate.align_fit", "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "sts-train.csv" in proc.stdout


def test_a_count_both_versions_of_a_fact_give_under_other_nouns_is_no_single_source_detail(embedder):
    report = compare_articles(
        north_and_south(
            "A crowd of 41,200 watched the derby at Kessel Park on Saturday afternoon.",
            "A crowd of 41,200 was at Kessel Park on Saturday afternoon for the derby.",
        ),
        embedder=embedder,
    )
    assert len(report.facts) == 1
    assert [s.detail for s in report.single_source if s.detail] == []


def test_a_summary_sentence_cites_no_outlet_that_gives_the_words_to_someone_else(embedder):
    report = compare_articles(
        north_and_south(
            "Police said the sea wall at Dunmoor collapsed on Sunday evening after hours of heavy rain.",
            "Witnesses said the sea wall at Dunmoor collapsed on Sunday evening after hours of heavy rain.",
        ),
        embedder=embedder,
    )
    (fact,) = report.facts
    assert fact.independent_sources == 2
    sentence = next(s for s in report.summary if "sea wall" in s.text)
    outlet = {src.number: src.outlet for src in report.sources}
    speaker = "Police" if sentence.text.startswith("Police") else "Witnesses"
    assert [outlet[n] for n in sentence.citations] == ["North Star" if speaker == "Police" else "South Wind"]
    # The next sentence says who the other outlet gives the words to, cited to it.
    following = report.summary[report.summary.index(sentence) + 1]
    other = "South Wind" if speaker == "Police" else "North Star"
    assert following.text == f"{other} attributes it to {'witnesses' if speaker == 'Police' else 'police'}."
    assert [outlet[n] for n in following.citations] == [other]


def test_a_large_story_bounds_each_claims_candidates_and_finds_the_same_facts(embedder):
    # A story of many claims pairs each claim with its nearest distinct wordings only (so
    # pairs grow with the claims, not with claims x articles); on the bundled example,
    # bounded from its first claim, that finds the same facts and conflicts.
    import dataclasses
    from pathlib import Path

    from triangulate.compare import CompareSettings, load_articles

    articles, _ = load_articles([str(Path(__file__).resolve().parents[1] / "examples" / "harbour-fire")])
    plain = CompareSettings()
    bounded = dataclasses.replace(plain, align=dataclasses.replace(plain.align, bounded_from_claims=0, candidates_per_claim=8))

    def shape(report: Report) -> tuple[list[list[tuple[str, str]]], list[tuple[str, str, str]]]:
        facts = sorted(sorted((c.outlet, c.text) for c in f.claims) for f in report.facts)
        return facts, sorted((c.kind, c.a.value, c.b.value) for c in report.conflicts)

    assert shape(compare_articles(articles, embedder=embedder, settings=bounded)) == shape(
        compare_articles(articles, embedder=embedder, settings=plain)
    )


@pytest.mark.parametrize(
    "versions, other_side",
    [
        (("Leon Marsh was sent off in the 62nd minute after a second booking.",
          "Leon Marsh was sent off in the 62nd minute for a second yellow card.",
          "Leon Marsh was shown a red card in the 68th minute."), "Three"),
        (("Varga did not resign from the city council after his arrest in 2024 and still holds his seat.",
          "Varga, 58, did not step down from the council after his arrest and remains a councillor.",
          "Varga resigned from the city council after his arrest in 2024."), "Three"),
    ],
)  # fmt: skip
def test_a_summary_sentence_cites_no_outlet_on_the_other_side_of_a_dispute_of_its_fact(embedder, versions, other_side):
    # The dispute may be found between two other versions than the one the sentence is in.
    report = compare_articles([art(name, text) for name, text in zip(("One", "Two", "Three"), versions)], embedder=embedder)
    assert report.conflicts
    outlet = {src.number: src.outlet for src in report.sources}
    stated = next(s for s in report.summary if not s.text.startswith("Reports differ"))
    assert other_side not in [outlet[n] for n in stated.citations]


def test_inputs_that_read_like_different_events_are_warned_about_and_one_event_is_not(embedder, caplog):
    import logging
    from pathlib import Path

    from triangulate.compare import compare, separate_events

    quake = [
        art("Valley Times", "An earthquake of magnitude 6.1 struck the Marrow Valley early on Tuesday, toppling the old clock tower in Aldersby.",
            "Mayor Ilse Varga said three people were taken to hospital with light injuries."),
        art("Bay Post", "A magnitude 6.1 quake shook the Marrow Valley before dawn on Tuesday and brought down the Aldersby clock tower.",
            "Three people were treated in hospital for light injuries, the mayor said."),
    ]
    court = [
        art("County Echo", "A court in Lenholm struck down the regional fishing ban on Thursday, ruling that the ministry had exceeded its powers.",
            "The fishermen's association called the ruling a victory for coastal villages."),
    ]
    assert separate_events([*quake, *court], embedder=embedder) == [[0, 1], [2]]
    with caplog.at_level(logging.WARNING, logger="triangulate.compare"):
        report = compare([*quake, *court], embedder=embedder)
    assert "read like 2 different events ([1] Valley Times, Bay Post; [2] County Echo)" in caplog.text
    assert [w[:60] for w in report.warnings] == ["these 3 articles read like 2 different events ([1] Valley Ti"]
    shown = io.StringIO()
    render_terminal(report, console=Console(file=shown, width=300, no_color=True))
    assert "Warning: these 3 articles read like 2 different events" in shown.getvalue()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="triangulate.compare"):
        report = compare([str(Path(__file__).resolve().parents[1] / "examples" / "harbour-fire")], embedder=embedder)
    assert "different events" not in caplog.text and report.warnings == ()


@pytest.mark.parametrize(
    "a, b",
    [
        ("Police arrested 23 people after scuffles near the city hall.", "Police arrested 32 people after clashes outside city hall."),
        ("About 3,000 people were left homeless by the quake, officials said.", "The quake left about 8,000 people homeless, according to officials."),
    ],
)
def test_two_versions_kept_apart_only_by_the_figure_they_dispute_are_one_fact_with_a_conflict(embedder, a, b):
    # The differing figure lowers the cosine under the bar; read with figures masked they match.
    report = compare_articles([art("One", a), art("Two", b)], embedder=embedder)
    assert len(report.facts) == 1 and [c.kind for c in report.conflicts] == ["number"]


def test_figures_of_two_different_things_do_not_make_two_sentences_one_fact(embedder):
    a = art("One", "Kovač, 44, will be the city's first Green mayor.")
    b = art("Two", "Ines Kovač of the Green Alliance was elected mayor of Carrowmore yesterday, winning 54.2% of the vote.")
    assert compare_articles([a, b], embedder=embedder).facts == ()


def test_a_speaker_named_by_title_and_surname_is_the_same_person_as_by_full_name(embedder):
    a = art("Alpine Wire", "Transport Minister Sofia Berndt visited the site on Saturday afternoon.",
            '"Today is a black day for our railways," the minister told reporters.')
    b = art("Rail Journal", "Transport Minister Sofia Brandt visited the site in the afternoon.",
            '"This is a black day for our railways," Brandt said.')
    c = art("Valley Times", 'Minister Brandt said: "This is a black day for our railways."')
    report = compare_articles([a, b, c], embedder=embedder)
    outlet = {src.number: src.outlet for src in report.sources}
    quoted = next(s for s in report.summary if "black day" in s.text)
    assert "Rail Journal" in [outlet[n] for n in quoted.citations]  # its "Brandt" is the minister
    attributed = [s for s in report.summary if "attributes it" in s.text or "attribute it" in s.text]
    assert [[outlet[n] for n in s.citations] for s in attributed] == [["Alpine Wire"]]


def test_one_path_given_as_a_string_is_one_input_not_its_letters(embedder, tmp_path):
    from triangulate.compare import compare

    one = tmp_path / "north.txt"
    one.write_text("Pier fire in Port Ellis\n\nA fire destroyed the main warehouse on the east pier of Port Ellis on Tuesday night.\n")
    (tmp_path / "other.txt").write_text("Other story\n\nCouncil members met behind closed doors for most of the evening.\n")
    for given in (str(one), one):
        report = compare(given, embedder=embedder)
        assert [s.origin for s in report.sources] == [str(one)]
    with pytest.raises(TypeError, match="not bytes"):
        compare(b"north.txt", embedder=embedder)
    with pytest.raises(TypeError, match="not int: 42"):
        compare([str(one), 42], embedder=embedder)


def test_an_article_given_twice_is_compared_once_and_two_articles_may_not_share_an_id(embedder):
    north, south = north_and_south(
        "A fire destroyed the main warehouse on the east pier of Port Ellis on Tuesday night.",
        "Fire destroyed the east pier's main warehouse in Port Ellis late on Tuesday.",
    )
    report = compare_articles([north, south, north], embedder=embedder)
    assert [s.outlet for s in report.sources] == ["North Star", "South Wind"]
    assert [(s.reason, s.origin) for s in report.skipped] == [("duplicate_input", north.id)]
    assert not report.syndication  # an outlet does not reprint itself
    impostor = dataclasses.replace(south, id=north.id)
    with pytest.raises(InputError, match=r"\[E103\].*share the id"):
        compare_articles([north, impostor], embedder=embedder)


def test_a_publication_time_that_cannot_be_read_is_not_the_earliest():
    from triangulate.dedup import publication_key

    known = publication_key("2026-11-03T09:00:00Z")
    assert publication_key("yesterday") > known and publication_key("yesterday") == publication_key(None)
    assert publication_key("Tue, 03 Nov 2026 10:00:00 GMT") > known > publication_key("Tue, 03 Nov 2026 08:00:00 GMT")


def test_a_publication_time_without_a_zone_is_utc_wherever_triangulate_runs(monkeypatch):
    import time

    from triangulate.dedup import publication_key

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert publication_key("2026-11-03T09:00:00") == publication_key("2026-11-03T09:00:00+00:00")
        assert publication_key("2026-11-03") == publication_key("2026-11-03T23:59:59.999+00:00")
    finally:
        monkeypatch.undo()  # the zone this run had
        time.tzset()


def test_two_outlets_whose_articles_fall_into_crossing_copy_groups_are_one_source_and_end():
    # X's articles copy groups 1 and 2, Y's groups 2 and 1: joining each outlet's groups
    # made a cycle, and the report never ended (a story of the server hung every request).
    import threading

    from triangulate.compare import _one_source_per_outlet

    articles = [art("X", "a"), art("X", "b"), art("Y", "c"), art("Y", "d")]
    articles = [dataclasses.replace(a, id=i) for a, i in zip(articles, ["x1", "x2", "y1", "y2"])]
    result: dict[str, int] = {}
    worker = threading.Thread(
        target=lambda: result.update(_one_source_per_outlet(articles, {"x1": 1, "x2": 2, "y1": 2, "y2": 1}, {})), daemon=True
    )
    worker.start()
    worker.join(5)
    assert not worker.is_alive()
    assert len(set(result.values())) == 1 and set(result) == {"x1", "x2", "y1", "y2"}


def test_a_single_source_claim_names_the_closest_wording_of_another_source_without_matching_it(embedder):
    # Two outlets say one thing in words the aligner does not match (they share one word):
    # each stays single-source, and each names the other as its closest wording elsewhere.
    north = art("North Star", "Police are investigating.", "The mayor opened a new library in the old town.")
    south = art("South Wind", "Police have opened an inquiry.", "Ferry services resumed after the storm.")
    report = compare_articles([north, south], embedder=embedder)
    nearest = {s.claim.text: (s.nearest.text if s.nearest else None, s.nearest_similarity) for s in report.single_source}
    assert nearest["Police are investigating."][0] == "Police have opened an inquiry."
    assert nearest["Police have opened an inquiry."][0] == "Police are investigating."
    assert nearest["Police are investigating."][1] >= 0.6
    assert nearest["The mayor opened a new library in the old town."] == (None, None)  # nothing close enough
    markdown = render_markdown(report)
    assert "closest wording elsewhere, not matched: [2] South Wind: \u201cPolice have opened an inquiry.\u201d" in markdown
    html = render_html(report)
    assert "closest wording elsewhere, not matched:" in html and "\u201cPolice have opened an inquiry.\u201d" in html
    console = Console(record=True, width=200)
    render_terminal(report, console=console)
    assert "closest wording elsewhere, not matched: [2] South Wind: \u201cPolice have opened an inquiry.\u201d" in console.export_text()
    plain = compare_articles([north, south], embedder=embedder, settings=CompareSettings(nearest_cosine=None))
    assert all(s.nearest is None for s in plain.single_source)


def test_the_closest_wording_of_a_wire_story_is_named_in_its_earliest_copy(embedder):
    wire = art("Wire", "Police have opened an inquiry.", "The ferry to Velm was cancelled after the storm.", published="2026-03-03T08:00:00Z")
    copy = dataclasses.replace(
        art("Reprint", "Police have opened an inquiry.", "The ferry to Velm was cancelled after the storm."),
        published="2026-03-03T09:00:00Z",
    )
    other = art("Radio", "Police are investigating.", "The mayor opened a new library in the old town.")
    report = compare_articles([copy, other, wire], embedder=embedder)
    (radio,) = [s for s in report.single_source if s.claim.text == "Police are investigating."]
    assert radio.nearest is not None and radio.nearest.outlet == "Wire"


def test_disputes_of_facts_the_summary_does_not_state_are_two_at_most_whatever_it_states(embedder):
    # A one-sentence summary states one of four disputed facts: its dispute follows it, and
    # two disputes of the facts it does not state (it counted the stated one among the two).
    north = art("North Star", *KESTERLAND_QUAKE["North Star"], "About 300 houses were damaged in the villages, the governor said.")
    coast = art("Coast Radio", *KESTERLAND_QUAKE["Coast Radio"], "The governor said about 300 houses in the villages were damaged.")
    south = art("South Wind", *KESTERLAND_QUAKE["South Wind"], "About 900 houses were damaged in the villages, the governor said.")
    report = compare_articles([north, coast, south], embedder=embedder, settings=CompareSettings(max_summary_sentences=1))
    assert len({c.fact_id for c in report.conflicts}) == 4
    stated = {s.fact_id for s in report.summary if not s.text.startswith("Reports differ")}
    disputes = [s.fact_id for s in report.summary if s.text.startswith("Reports differ")]
    assert len(stated) == 1 and stated <= set(disputes)
    assert len([f for f in disputes if f not in stated]) == 2


def test_a_sentence_on_a_change_within_one_source_points_to_its_conflict_not_a_fact(embedder):
    # Two articles of one outlet that differ: one source, so the aligned claims are no
    # corroborated fact, and the conflict and its summary sentence name them by the conflict's id.
    from triangulate.report_json import report_to_dict

    first = Article(id="id-a", outlet="Harbour News", title="Ferry runs aground", published="2026-06-01T08:00:00Z", paragraphs=(
        "The ferry Astrid ran aground off Skarholm on Sunday morning with 212 passengers on board, the coast guard said.",))
    later = Article(id="id-b", outlet="Harbour News", title="Ferry aground: update", published="2026-06-01T20:00:00Z", paragraphs=(
        "The ferry Astrid ran aground off Skarholm on Sunday morning with 221 passengers on board, the coast guard said.",))
    data = report_to_dict(compare_articles([first, later], embedder=embedder))
    facts = {f["id"] for f in data["facts"]}
    conflicts = {c["fact_id"] for c in data["conflicts"]}
    assert conflicts and not conflicts & facts
    assert all(s["fact_id"] is None or s["fact_id"] in facts | conflicts for s in data["summary"])


def test_a_weekday_and_a_date_are_compared_through_the_publication_day(embedder):
    monday = "Rail workers at Drava walked out on Monday in a two-day strike over pay, the union said."
    a = art("North Star", monday, published="2026-03-10T08:00:00Z")  # a Tuesday: last Monday was 9 March
    same = art("South Wind", monday.replace("on Monday", "on 9 March"), published="2026-03-10T09:00:00Z")
    other = art("South Wind", monday.replace("on Monday", "on 10 March"), published="2026-03-10T09:00:00Z")
    agreed = compare_articles([a, same], embedder=embedder)
    assert agreed.conflicts == ()
    assert "Monday" not in [s.detail for s in agreed.single_source]  # 9 March was a Monday: not only North Star's
    differ = compare_articles([a, other], embedder=embedder)
    assert [(c.kind, c.a.value, c.b.value) for c in differ.conflicts] == [("weekday", "Monday", "10 March")]


def test_two_dates_are_one_date_conflict_not_also_a_weekday_conflict(embedder):
    text = "Rail workers at Drava walked out on 9 March in a two-day strike over pay, the union said."
    a = art("North Star", text, published="2026-03-10T08:00:00Z")
    b = art("South Wind", text.replace("9 March", "10 March"), published="2026-03-10T09:00:00Z")
    assert [c.kind for c in compare_articles([a, b], embedder=embedder).conflicts] == ["date"]


def test_a_speakers_name_with_and_without_its_accent_is_one_speaker_shown_with_the_accent(embedder):
    a = art("Velaria Daily", "Prime Minister Ana Kovac arrived in Ostmark on Wednesday.",
            '"Our two countries have never been closer," Kovac said at a joint news conference.')
    b = art("Ostmark Post", "Prime Minister Ana Kovač arrived in Ostburg on Wednesday.",
            '"Our countries have never been as close as today," declared Kovač at the joint press conference.')
    report = compare_articles([a, b], embedder=embedder)
    (quote,) = report.quotes
    assert quote.speaker == "Ana Kovač"
    assert {c.outlet for c in quote.claims} == {"Velaria Daily", "Ostmark Post"}


def test_a_full_name_and_the_surname_alone_are_one_person_when_two_versions_are_aligned(embedder):
    # Each version gives one of the two people by full name and the other by surname only,
    # and the visit's length differs: one fact with one conflict, not two unrelated claims.
    a = art("Velaria Daily", "Prime Minister Kovac arrived in Ostmark on Wednesday for a two-day visit and "
            "signed an energy agreement with Chancellor Peter Lindqvist.")
    b = art("Ostmark Post", "Prime Minister Ana Kovac began a three-day visit to Ostmark on Wednesday, "
            "signing an energy agreement with Chancellor Lindqvist.")
    report = compare_articles([a, b], embedder=embedder)
    (fact,) = report.facts
    assert [c.kind for c in report.conflicts] == ["duration"]


def test_two_people_of_one_surname_are_two_names_for_the_alignment_guard():
    import numpy as np

    from triangulate.align import disagreeing_kinds
    from triangulate.claims import extract_claims

    def claim(outlet: str, text: str):
        (c,) = extract_claims(Article(id=f"id-{outlet}", outlet=outlet, title="Visit", paragraphs=(text,)))
        return c

    shortened = [claim("A", "Prime Minister Kovac met Chancellor Peter Lindqvist in Ostmark."),
                 claim("B", "Prime Minister Ana Kovac met Chancellor Lindqvist in Ostmark.")]
    different = [claim("A", "Prime Minister Kovac met Chancellor Peter Lindqvist in Ostmark."),
                 claim("B", "Prime Minister Ana Kovac met Chancellor Eva Lindqvist in Ostmark.")]
    assert disagreeing_kinds(shortened, np.array([0]), np.array([1])).tolist() == [0]
    assert disagreeing_kinds(different, np.array([0]), np.array([1])).tolist() == [1]


def test_one_outlet_quoting_two_people_alike_keeps_two_remarks(embedder):
    a = art("Zagora Daily", '"This budget is balanced," Finance Minister Ana Berg said.',
            '"This budget is not balanced," opposition leader Peter Berg said.')
    b = art("Adriatic Wire", '"This budget is balanced," said Finance Minister Ana Berg.')
    report = compare_articles([a, b], embedder=embedder)
    (quote,) = [f for f in report.facts if f.kind == "quote"]
    assert quote.speaker == "Ana Berg" and all("not balanced" not in c.text for c in quote.claims)


def test_a_date_with_and_without_its_year_and_a_possessive_place_do_not_keep_one_fact_apart(embedder):
    a = art("Post A", "Hana Vidal beat Tom Berg in yesterday's mayoral vote in Porthaven by 4,210 votes.",
            published="2026-03-10T09:00:00+01:00")
    b = art("Post B", "Hana Vidal beat Tom Berg in Porthaven's mayoral vote on March 9 by 4,210 votes.",
            published="2026-03-10T10:00:00+01:00")
    report = compare_articles([a, b], embedder=embedder)
    assert [len(f.claims) for f in report.facts] == [2] and report.conflicts == ()


def test_a_label_before_the_chosen_headline_is_no_part_of_the_report_title(embedder):
    text = "Hana Vidal won the mayoral vote in Porthaven on Monday by 4,210 votes."
    articles = [
        Article(id="l1", outlet="Porthaven Post", title="LIVE: Porthaven mayoral election results, Vidal wins", paragraphs=(text,)),
        Article(id="l2", outlet="Valdoria Times", title="Vidal wins Porthaven mayoral election", paragraphs=(text,)),
        Article(id="l3", outlet="Harbour Herald", title="Porthaven election results: Vidal mayor", paragraphs=(text,)),
    ]
    assert compare_articles(articles, embedder=embedder).title == "Porthaven mayoral election results, Vidal wins"


def test_a_day_with_and_without_its_year_agree_for_the_alignment_guard_and_two_years_do_not():
    import numpy as np

    from triangulate.align import disagreeing_kinds
    from triangulate.claims import extract_claims

    def claim(outlet: str, text: str):
        (c,) = extract_claims(Article(id=f"id-{outlet}", outlet=outlet, title="Vote", paragraphs=(text,)))
        return c

    with_year = claim("A", "The council vote on the harbour plan was held on September 10, 2012.")
    without = claim("B", "The council vote on the harbour plan was held on September 10.")
    other_year = claim("C", "The council vote on the harbour plan was held on September 10, 2010.")
    claims = [with_year, without, other_year]
    assert disagreeing_kinds(claims, np.array([0, 0]), np.array([1, 2])).tolist() == [0, 1]


def test_a_hyphenated_first_word_of_the_title_is_no_label(embedder):
    text = "A live-fire army exercise started a heath fire near Karwick on Monday, the fire service said."
    articles = [
        Article(id="h1", outlet="North Post", title="Live-fire exercise sparks blaze near Karwick", paragraphs=(text,)),
        Article(id="h2", outlet="South Wind", title="Live-fire exercise blamed for Karwick heath blaze", paragraphs=(text,)),
    ]
    assert compare_articles(articles, embedder=embedder).title == "Live-fire exercise sparks blaze near Karwick"
