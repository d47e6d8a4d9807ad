"""conflicts: which differences between two aligned claims are conflicts, and which are not."""

from __future__ import annotations

import pytest

from triangulate.claims import extract_details
from triangulate.conflicts import compare_claims
from triangulate.models import Claim


def claim(outlet: str, text: str) -> Claim:
    return Claim(id=f"c-{outlet}", article_id=f"a-{outlet}", outlet=outlet, text=text, paragraph=0, position=0,
                 details=extract_details(text))


def kinds(a: str, b: str) -> list[str]:
    return [c.kind for c in compare_claims("f", claim("North", a), claim("South", b))]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The verdict ends more than three years of efforts to try him.", "The verdict adds 485 years to his sentence."),
        ("About 80 firefighters fought the flames through the night.", "84 firefighters fought the flames through the night."),
        ("Nearly 300 people left their homes on Tuesday.", "280 people left their homes on Tuesday."),
        ("Up to 20 flights were cancelled at the airport.", "12 flights were cancelled at the airport."),
    ],
)
def test_a_qualified_figure_is_compatible_with_values_it_allows(a: str, b: str) -> None:
    assert kinds(a, b) == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The fire injured 12 people, officials said.", "The fire injured 14 people, officials said."),
        ("About 80 firefighters fought the flames through the night.", "120 firefighters fought the flames through the night."),
        ("More than 300 people left their homes on Tuesday.", "250 people left their homes on Tuesday."),
    ],
)
def test_figures_that_cannot_both_be_true_conflict(a: str, b: str) -> None:
    assert kinds(a, b) == ["number"]


def test_durations_are_compared_across_units() -> None:
    assert kinds("The strike lasted a week, the union said.", "The strike lasted three days, the union said.") == ["duration"]
    assert kinds("The strike lasted a week, the union said.", "The strike lasted seven days, the union said.") == []
    assert kinds("The search took half an hour.", "The search took 30 minutes.") == []
    assert kinds("The search took two and a half hours.", "The search took three and a half hours.") == ["duration"]


def test_a_publication_and_its_website_are_not_a_name_conflict() -> None:
    a = '"Tara Reid has checked herself into a clinic," her rep told Us.'
    b = '"Tara Reid has checked herself into a clinic," her rep told UsMagazine.com.'
    assert kinds(a, b) == []


def test_a_swapped_name_in_the_same_sentence_is_a_conflict() -> None:
    a = "The ferry to Karwick was cancelled on Tuesday, the operator said."
    b = "The ferry to Venholt was cancelled on Tuesday, the operator said."
    assert kinds(a, b) == ["entity"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("About 20,000 vehicles cross the bridge each day.", "About 25,000 vehicles cross the bridge each day."),
        ("The closure will last at least two weeks, officials said.", "The closure will last at least three weeks, officials said."),
    ],
)
def test_two_estimates_of_the_same_kind_that_differ_conflict(a: str, b: str) -> None:
    assert len(kinds(a, b)) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Twelve people were injured in the blaze, the fire service said.", "Twelve people were killed in the blaze, the fire service said."),
        ("Police arrested the driver on Sunday evening.", "Police released the driver on Sunday evening."),
        ("The council approved the harbour plan on Friday.", "The council rejected the harbour plan on Friday."),
    ],
)
def test_one_word_for_its_opposite_in_the_same_sentence_is_an_outcome_conflict(a: str, b: str) -> None:
    (conflict,) = compare_claims("f", claim("One", a), claim("Two", b))
    assert conflict.kind == "outcome" and conflict.a.value != conflict.b.value


def test_opposite_words_in_different_sentences_are_not_an_outcome_conflict() -> None:
    # Only two versions of one sentence are compared word for word.
    a = claim("One", "Twelve people were injured when the roof of the old warehouse collapsed.")
    b = claim("Two", "The mayor said nobody was killed and praised the quick work of the crews.")
    assert [c for c in compare_claims("f", a, b) if c.kind == "outcome"] == []


def test_one_currency_written_two_ways_agrees_and_two_currencies_for_one_amount_conflict() -> None:
    dollars = claim("One", "The repairs will cost $2 million, the council said.")
    spelled = claim("Two", "The repairs will cost 2 million dollars, the council said.")
    euros = claim("Three", "The repairs will cost 2 million euros, the council said.")
    assert compare_claims("f", dollars, spelled) == []
    (conflict,) = compare_claims("f", dollars, euros)
    assert conflict.kind == "money" and (conflict.a.value, conflict.b.value) == ("$2 million", "2 million euros")
    other = claim("Four", "The repairs will cost 1.8 million euros, the council said.")
    assert compare_claims("f", dollars, other) == []  # another amount in another currency: a rate may join them


def test_cents_and_pence_are_amounts_of_their_currency() -> None:
    assert kinds("The fare rose by 40 cents on Monday.", "The fare rose by $0.40 on Monday.") == []
    assert kinds("The fare rose by forty cents on Monday.", "The fare rose by $0.50 on Monday.") == ["money"]
    assert kinds("A first-class stamp now costs 85p.", "A first-class stamp now costs 85 pence.") == []
    assert kinds("A first-class stamp now costs 85p.", "A first-class stamp now costs 95 pence.") == ["money"]
    # A screen resolution, a clock time and a percentage are no amount of pence or cents.
    assert extract_details("It shows 1080p video from 3pm.")[0].kind == "time"
    assert [d.kind for d in extract_details("Prices rose 5 per cent.")] == ["percent"]
    assert [d.kind for d in extract_details("The river rose 40 centimetres in 5 centuries.")] == ["number", "number"]


@pytest.mark.parametrize(
    "a, b",
    [
        ("Between 40 and 50 aftershocks were felt overnight.", "45 aftershocks were felt overnight."),
        ("Turnout was between 60% and 62%, officials said.", "Turnout was 61%, officials said."),
    ],
)
def test_a_value_inside_a_range_written_with_between_agrees(a: str, b: str) -> None:
    assert kinds(a, b) == []


def test_a_value_outside_a_range_written_with_between_conflicts() -> None:
    assert kinds("Between 40 and 50 aftershocks were felt overnight.", "65 aftershocks were felt overnight.") == ["number"]


def test_ages_of_one_person_conflict_and_ages_of_two_people_do_not() -> None:
    assert kinds("The 24-year-old driver was arrested at the scene.", "The 25-year-old driver was arrested at the scene.") == ["number"]
    assert kinds("Driver Tom Hale, 24 years old, was arrested.", "Driver Tom Hale, 25 years old, was arrested.") == ["number"]
    assert kinds(
        "That should just about do it for the 36-year old Rahman, who has not scored since.",
        "The win over Rahman was the 32-year-old Klitschko's third of the year.",
    ) == []
    # An age is no duration: "served 24 years" and "the 24-year-old" are not compared.
    assert kinds("The 24-year-old mayor was re-elected on Sunday.", "The mayor, who has served 30 years, was re-elected on Sunday.") == []


@pytest.mark.parametrize(
    "a, b, conflict",
    [
        ("The verdict was read by Judge Hanna Lorentz in the packed courtroom.", "Judge Hanna Lindberg read out the verdict to a packed court.", True),
        ("Union leader Karin Voss said the strike would go on.", "Union leader Karin Vogt told reporters the strike would continue.", True),
        ("Judge Hanna Lorentz read the verdict.", "Judge Lorentz read out the verdict on Thursday.", False),
        ("Minister Brandt visited the site.", "Transport Minister Sofia Brandt visited the site.", False),
        # Two roles, not one: a general manager and an assistant general manager.
        ("General manager Ed Stefanski said the team would name Tony DiLeo as coach on Friday.",
         "Assistant general manager Tony DiLeo was appointed coach for the rest of the season.", False),
        # One name spelt two ways in otherwise different sentences is a spelling, not two people.
        ("The families asked for privacy, said hospital spokeswoman Ilene Wolfe.",
         "Spokeswoman Ilene Wolff said the families of the wounded men asked that details not be released.", False),
    ],
)  # fmt: skip
def test_one_role_given_to_two_people_is_a_name_conflict_however_the_sentences_are_worded(a: str, b: str, conflict: bool) -> None:
    assert kinds(a, b) == (["entity"] if conflict else [])


def test_us_dollars_are_dollars_and_canadian_dollars_another_currency() -> None:
    dollars = claim("One", "The repairs will cost $2 million, the council said.")
    us = claim("Two", "The repairs will cost 2 million US dollars, the council said.")
    canadian = claim("Three", "The repairs will cost 2 million Canadian dollars, the council said.")
    assert compare_claims("f", dollars, us) == []
    assert [c.kind for c in compare_claims("f", dollars, canadian)] == ["money"]
    assert [d.kind for d in us.details] == ["money"]  # "US" inside the amount is no name


@pytest.mark.parametrize(
    ("a", "b", "values"),
    [
        ("The judge sentenced Renn to six years in prison and barred him from office for ten years.",
         "The judge sentenced Renn to ten years in prison and barred him from office for ten years.",
         ("six years", "ten years")),
        ("The Alliance won 38.4% of the vote on a turnout of 64%, the commission said.",
         "The Alliance won 38.4% of the vote on a turnout of 61%, the commission said.",
         ("64%", "61%")),
        ("The Greens won 112 seats and the People's Party won 81 seats.",
         "The Greens won 121 seats and the People's Party won 81 seats.",
         ("112 seats", "121 seats")),
    ],
)
def test_a_changed_figure_conflicts_even_beside_a_figure_both_versions_share(a: str, b: str, values: tuple[str, str]) -> None:
    (conflict,) = compare_claims("f", claim("North", a), claim("South", b))
    assert (conflict.a.value, conflict.b.value) == values


def test_the_same_figures_in_another_order_agree() -> None:
    a = "Two people were killed and 14 people were injured when the stage collapsed."
    b = "Fourteen people were injured and two people were killed when the stage collapsed."
    assert kinds(a, b) == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The Alliance won Sunday's election in Valen with 38.4% of the vote, the commission said.",
         "The Alliance won Sunday's election in Valen, in which turnout was 64%, the commission said."),
        ("Norvik said third-quarter revenue rose 12% to $4.2 billion on Wednesday.",
         "Norvik said third-quarter revenue rose to $4.2 billion on Wednesday, with cloud sales up 30%."),
        ("Renn was sentenced to six years in prison, the court in Karsburg said on Tuesday.",
         "Renn, who served 4 years as mayor, was sentenced to prison, the court in Karsburg said on Tuesday."),
        # A sentence's capitalised first word is no name: "Revenue" still says what 12% is of.
        ("Revenue rose 12% to $4.2 billion in the quarter, Norvik said on Wednesday.",
         "Norvik said its revenue rose to $4.2 billion in the quarter, with cloud sales up 30%."),
    ],
)
def test_percentages_and_durations_of_two_different_things_do_not_conflict(a: str, b: str) -> None:
    assert kinds(a, b) == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Revenue rose 12% in the quarter, the company said.", "Revenue rose 14% in the quarter, the company said."),
        ("Smith was sentenced to six years on Monday.", "Smith was jailed for eight years on Monday."),
    ],
)
def test_percentages_and_durations_of_one_thing_still_conflict(a: str, b: str) -> None:
    assert len(kinds(a, b)) == 1


@pytest.mark.parametrize(
    ("a", "b", "kind"),
    [
        ("Rovers beat Dunmore City 3-1 in Saturday's derby.", "Rovers beat Dunmore City 2-1 in Saturday's derby.", "score"),
        ("Pike was sent off in the 55th minute for a second yellow card.", "Pike was sent off in the 65th minute for a second yellow card.", "number"),
        ("The storm made landfall at 3 p.m. EDT near Port Hale.", "The storm made landfall at 5 p.m. EDT near Port Hale.", "time"),
    ],
)
def test_scores_minutes_and_clock_times_conflict(a: str, b: str, kind: str) -> None:
    assert kinds(a, b) == [kind]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Rovers beat Dunmore City 3-1 in Saturday's derby.", "Dunmore City lost 1-3 to Rovers in Saturday's derby."),
        ("Rovers beat Dunmore City by three goals to one.", "Rovers beat Dunmore City 3-1."),
        ("The storm made landfall at 3 p.m. EDT near Port Hale.", "The storm made landfall at 19:00 GMT near Port Hale."),
    ],
)
def test_one_score_or_time_written_two_ways_agrees(a: str, b: str) -> None:
    assert [k for k in kinds(a, b) if k in ("score", "time")] == []


@pytest.mark.parametrize(
    ("a", "b", "kind"),
    [
        ("Lind conceded defeat shortly after midnight.", "Lind did not concede defeat shortly after midnight.", "negation"),
        ("The ministry confirmed the talks on Monday.", "The ministry declined to confirm the talks on Monday.", "negation"),
        ("Revenue grew 12% in the third quarter.", "Revenue grew 12% in Q4.", "date"),
        ("Authorities evacuated 12,000 people on Sunday.", "Authorities evacuated 15,000 residents on Sunday.", "number"),
        ("In Port Hale, 14 were injured, police said.", "In Port Hale, 41 were injured, police said.", "number"),
    ],
)
def test_negation_by_a_refusal_quarters_and_counts_of_people_conflict(a: str, b: str, kind: str) -> None:
    assert kinds(a, b) == [kind]


def test_one_quarter_written_two_ways_agrees() -> None:
    assert kinds("Revenue grew 12% in the third quarter.", "Revenue grew 12% in Q3.") == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The studio hired Technicolour for the restoration, the report said.", "The studio hired Technicolor for the restoration, the report said."),
        ("The crash closed the highway for hours, the CHP said.", "The crash closed the highway for hours, the California Highway Patrol said."),
        ("Thieves raided the jeweller on Place Vendome in broad daylight.", "Thieves raided the jeweller on Place Vendôme in broad daylight."),
        ("The climbers were rescued from Mt Aoraki on Sunday.", "The climbers were rescued from Mount Aoraki on Sunday."),
        ("The NBA suspended the guard for two games.", "The NBA's board suspended the guard for two games."),
    ],
)
def test_one_name_written_two_ways_is_no_name_conflict(a: str, b: str) -> None:
    assert [k for k in kinds(a, b) if k == "entity"] == []


@pytest.mark.parametrize("titled", ["Minister Brandt", "Mayor Brandt", "Vice President Brandt", "Dr Brandt"])
def test_a_title_in_place_of_a_first_name_is_no_name_conflict(titled: str) -> None:
    a = "Sofia Brandt announced a review of the city spending plans on Monday."
    assert kinds(a, a.replace("Sofia Brandt", titled)) == []
    assert kinds(a, a.replace("Sofia", "Ilse")) == ["entity"]  # another first name still is one


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # Two events of one story in aligned sentences: a shooting and a conviction.
        ("Orozco was also charged in connection with the June 20 shooting of the deputy.",
         "Orozco was convicted March 20 of first-degree murder for the killing of the deputy."),
        # A season record in brackets and a score during play are no result.
        ("The Colts (11-4) recorded their sixth come-from-behind win of the season.",
         "The Colts beat the host Jaguars 31-24 for their sixth come-from-behind win."),
        ("The Chiefs drove 68 yards in the second quarter before a fumble.",
         "The Chiefs tied the game 13-13 heading into the fourth quarter."),
        # A negated clause the other version does not have is something it leaves out.
        ("The driver fled the scene without reporting the crash, police said.", "The driver fled the scene, police said."),
        # A negation ends with its clause: the fund is announced in both versions.
        ('Prime Minister Anton Veyle said it was "not the day for politics" and announced an emergency fund of 40 million lorins.',
         "Prime Minister Anton Veyle flew to the region in the afternoon and announced an emergency fund of 40 million lorins."),
        # A count one version gives under another noun is the same count.
        ("The champion landed 178 of 369 punches in the fight.", "The champion landed 178 punches in the fight."),
    ],
)
def test_figures_of_different_things_or_moments_do_not_conflict(a: str, b: str) -> None:
    assert kinds(a, b) == []


def test_an_amount_written_with_a_hyphen_is_the_whole_amount() -> None:
    (detail,) = extract_details("The jewels were worth $137-million.")
    assert (detail.kind, detail.value) == ("money", "137000000 $")


def test_not_confirming_what_the_other_version_reports_is_a_negation_conflict() -> None:
    a = "Renn's lawyer, Paul Ostrow, said his client would appeal the ruling."
    b = "Renn's lawyer, Paul Ostrow, did not confirm whether his client would appeal the ruling."
    assert kinds(a, b) == ["negation"]


def test_one_measure_in_two_systems_agrees_and_two_measures_conflict() -> None:
    assert kinds("Up to 4.7 inches of rain fell in some areas.", "Up to 120 mm of rain fell in some areas.") == []
    assert kinds("Up to 4.7 inches of rain fell in some areas.", "Up to 210 mm of rain fell in some areas.") == ["number"]


def test_a_quarter_and_a_figure_that_differ_are_one_fact_told_two_ways() -> None:
    # The alignment guard counts kinds of disagreement: two or more make two events. A quarter
    # names what a figure covers, so it is not a kind of its own there.
    import numpy as np

    from triangulate.align import disagreeing_kinds

    a = claim("North", "Norvik reported third-quarter revenue of $4.2 billion on Wednesday.")
    b = claim("South", "Norvik reported fourth-quarter revenue of $4.6 billion on Wednesday.")
    assert disagreeing_kinds([a, b], np.array([0]), np.array([1])).tolist() == [1]
    assert sorted(kinds(a.text, b.text)) == ["date", "money"]


def test_a_quote_turned_into_its_opposite_in_another_version_is_an_outcome_conflict() -> None:
    def quoted(outlet: str, words: str) -> Claim:
        text = f'"{words}," Durand said.'
        return Claim(id=f"c-{outlet}", article_id=f"a-{outlet}", outlet=outlet, text=text, paragraph=0, position=0,
                     quote=words, speaker="Élise Durand", details=extract_details(text))

    kept = quoted("North", "We will not give in to blackmail, but the door to dialogue remains open")
    turned = quoted("South", "We are ready to yield to blackmail and the door to dialogue is closed")
    same = quoted("East", "We shall not yield to blackmail, yet the door to dialogue stays open")
    (conflict,) = compare_claims("f", kept, turned)
    assert conflict.kind == "outcome" and (conflict.a.value, conflict.b.value) == ("open", "closed")
    assert compare_claims("f", kept, same) == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Jackson is due in court Feb. 17.", "Jackson's court date is set for February 17, 2009."),
        ("The plant closed in March 2024.", "The plant closed on March 3, 2024."),
        ("The plant closed in 2024.", "The plant closed on March 3, 2024."),
    ],
)
def test_a_date_that_leaves_out_its_year_or_day_agrees_with_the_full_date(a: str, b: str) -> None:
    assert kinds(a, b) == []


def test_two_dates_that_differ_in_a_part_both_give_conflict() -> None:
    assert kinds("Jackson is due in court Feb. 17.", "Jackson's court date is set for February 19, 2009.") == ["date"]


def test_an_outcome_swapped_beside_a_word_for_when_or_in_addition_is_a_conflict() -> None:
    assert kinds("He was acquitted of money laundering.", "He was also convicted of money laundering.") == ["outcome"]
    assert kinds("The ferry was later cancelled.", "The ferry was delayed.") == []  # not opposites


def test_two_names_for_one_role_set_off_by_commas_conflict() -> None:
    assert kinds(
        "Kestrel chief executive Mara Lindqvist will lead the combined group.",
        "Kestrel's chief executive, Mara Lindholm, will head the enlarged group.",
    ) == ["entity"]
    assert kinds(
        "Kestrel chief executive Mara Lindqvist will lead the combined group.",
        "Kestrel's chief executive, Mara Lindqvist, will head the enlarged group.",
    ) == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The rocket flew 100 miles before the engine cut out.", "The rocket flew 161 kilometres before the engine cut out."),
        ("The fire burned 1,000 acres of forest.", "The fire burned 405 hectares of forest."),
        ("The fire burned 1,000 acres of forest.", "The fire burned 405 ha of forest."),
    ],
)
def test_a_converted_measure_agrees_with_the_metric_figure_within_its_rounding(a: str, b: str) -> None:
    assert kinds(a, b) == []


def test_a_converted_measure_that_differs_by_more_than_its_rounding_conflicts() -> None:
    assert kinds("The rocket flew 100 miles before the engine cut out.", "The rocket flew 200 kilometres before the engine cut out.") == ["number"]


@pytest.mark.parametrize(
    "b",
    [
        "Marlow Athletic beat Kestrel Town 2-1 at Ferris Park on Saturday.",
        "Kestrel Town lost 2-1 to Marlow Athletic at Ferris Park on Saturday.",
        "Kestrel Town were beaten 2-1 by Marlow Athletic at Ferris Park on Saturday.",
    ],
)
def test_a_result_with_the_winner_and_loser_swapped_is_an_outcome_conflict(b: str) -> None:
    a = claim("North", "Kestrel Town beat Marlow Athletic 2-1 at Ferris Park on Saturday.")
    conflict = next(c for c in compare_claims("f", a, claim("South", b)) if c.kind == "outcome")
    assert (conflict.a.value, conflict.b.value) == ("Kestrel Town won", "Marlow Athletic won")


@pytest.mark.parametrize(
    "b",
    [
        "Marlow Athletic were beaten 2-1 by Kestrel Town at Ferris Park on Saturday.",  # the same result, turned
        "Kestrel beat Marlow 2-1 at Ferris Park on Saturday.",  # the sides by a shorter name
    ],
)
def test_the_same_result_written_another_way_is_no_conflict(b: str) -> None:
    assert kinds("Kestrel Town beat Marlow Athletic 2-1 at Ferris Park on Saturday.", b) == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # Two legs of a tie: each version's result of Tuesday is the same.
        ("Marlow Athletic beat Kestrel Town 3-0 on Tuesday to overturn a 2-1 first-leg defeat.",
         "Kestrel beat Marlow 2-1 in the first leg but lost 3-0 to Marlow on Tuesday."),
        ("In January Kestrel beat Marlow 4-0, but on Tuesday Marlow beat Kestrel 3-0.",
         "Kestrel Town were beaten 3-0 by Marlow Athletic on Tuesday."),
        # An earlier result, and results without a score (an election), are not compared.
        ("Vidal defeated Berg by 4,210 votes on Monday to become mayor of Porthaven.",
         "Four years after Berg beat Vidal, the independent defeated him by 4,210 votes on Monday."),
    ],
)
def test_results_of_two_different_matches_or_without_a_score_are_no_outcome_conflict(a: str, b: str) -> None:
    assert "outcome" not in kinds(a, b)


def test_game_statistics_conflict_only_between_two_versions_of_one_sentence() -> None:
    # A player's figures of two spans: the words around them agree, the things counted do not.
    assert kinds("He has 189 rushing yards and two touchdowns in his last two games.",
                 "Since Week 11, Thomas has eight touchdowns on 498 rushing yards and 176 receiving yards.") == []
    assert kinds("Earl Clark finished with 25 points and 16 rebounds, both career highs.",
                 "Earl Clark finished with 22 points and nine rebounds as Louisville opened its season.") == []
    # One sentence told twice with another figure is a conflict.
    assert kinds("Earl Clark finished the game with 25 points and 16 rebounds.",
                 "Earl Clark finished the game with 22 points and 16 rebounds.") == ["number"]


def test_points_and_yards_outside_a_game_are_figures_like_any_other() -> None:
    assert kinds("The FTSE 100 index fell 120 points on Monday as bank shares slid.",
                 "London's FTSE 100 dropped 150 points on Monday, led by bank shares.") == ["number"]
