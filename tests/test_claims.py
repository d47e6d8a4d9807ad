"""Claims: sentences survive abbreviations, quotes find their speakers, details are extracted."""

from __future__ import annotations

import pytest

from triangulate.claims import extract_claims, extract_details
from triangulate.models import Article
from triangulate.text import split_sentences


def article(*paragraphs: str, title: str = "A fictional report") -> Article:
    return Article(id="a1", outlet="Example Post", title=title, paragraphs=paragraphs)


def values(text: str, kind: str) -> list[str]:
    return [d.value for d in extract_details(text) if d.kind == kind]


def test_sentences_survive_abbreviations():
    text = (
        "Dr. Ana Holt met U.S. officials on Jan. 12 in the capital. "
        "The U.N. envoy, Gen. Rafe Moro, did not attend. He left at 4 p.m. on Friday."
    )
    assert split_sentences(text) == [
        "Dr. Ana Holt met U.S. officials on Jan. 12 in the capital.",
        "The U.N. envoy, Gen. Rafe Moro, did not attend.",
        "He left at 4 p.m. on Friday.",
    ]


def test_initialism_ends_a_sentence_before_a_sentence_starter():
    assert split_sentences("She moved to the U.S. The move took a year.") == [
        "She moved to the U.S.",
        "The move took a year.",
    ]


def test_quote_over_two_sentences_keeps_its_speaker():
    claims = extract_claims(
        article(
            'Mayor Ilse Brandt said, "The pier will reopen soon. We owe that to the fishermen of this town."',
        )
    )
    assert [c.speaker for c in claims] == ["Ilse Brandt", "Ilse Brandt"]
    assert claims[1].quote and "fishermen" in claims[1].quote


@pytest.mark.parametrize(
    ("after", "speaker"),
    [
        ("said spokeswoman Ana Ruiz.", "Ana Ruiz"),
        ("said treasurer Tom Berg after the vote.", "Tom Berg"),
        ("said police chief Tom Berg.", "Tom Berg"),
        ("said union leader Karin Voss.", "Karin Voss"),
        ("said mayor Ilse Brandt.", "Ilse Brandt"),
        ("said on Monday.", None),  # a day is nobody
    ],
)
def test_a_speaker_named_after_said_with_a_lower_case_role_is_found(after: str, speaker: str | None) -> None:
    (claim,) = extract_claims(article(f'"We will not raise taxes this year, whatever the pressure," {after}'))
    assert claim.speaker == speaker


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("About twelve hundred residents were evacuated.", "number", "1200 people"),
        ("Twenty-five hundred people came.", "number", "2500 people"),
        ("Twenty one people were hurt.", "number", "21 people"),  # the hyphen left out
        ("Levels rose by twelve percent overnight.", "percent", "12"),
        ("Levels rose by twelve per cent overnight.", "percent", "12"),
        ("Pumping took an hour and a half before traffic could resume.", "duration", "1.5 hour"),
        ("A thousand jobs were lost.", "number", "1000 job"),
        ("The city paid EUR 2 million for the bridge.", "money", "2000000 €"),
        ("The city paid 2 million EUR for the bridge.", "money", "2000000 €"),
        ("A fine of USD 40m was paid.", "money", "40000000 $"),
        ("A million people watched.", "number", "1000000 people"),
        ("The mayor spoke for half an hour before taking questions.", "duration", "0.5 hour"),
    ],
)
def test_numbers_written_in_words_are_read_as_their_value(text: str, kind: str, value: str) -> None:
    assert values(text, kind) == [value]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("About 1.5m people were evacuated.", [("number", "1500000 people")]),
        ("Some 1.2k homes lost power.", [("number", "1200 home")]),
        ("She won 2.5m votes.", [("number", "2500000 vote")]),
        ("The budget was raised to 2bn.", [("number", "2000000000")]),
        # A short "m" or "k" before no counted noun may be metres or a race: no figure, and
        # never the "1" of "1.5" read short.
        ("A 1.5m wall fell.", []),
        ("The river rose 2m overnight.", []),
        ("She won the 400m hurdles.", []),
        ("Among the 400m runners was Ada Lind.", []),  # a race: not 400 million runners
        ("He ran 5k.", []),
        ("It was 1.2 metres high.", [("number", "1.2 m")]),
    ],
)
def test_short_scales_count_what_follows_and_are_never_read_short(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(d.kind, d.value) for d in extract_details(text) if d.kind != "entity"] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The meeting began at eleven o'clock.", []),  # either half of the day: no time, and no count
        ("The meeting began at 9 o'clock in the evening.", [("time", "21:00")]),
        ("It ended at eleven o'clock at night.", [("time", "23:00")]),
        ("Crews arrived at six o'clock this morning.", [("time", "06:00")]),
        ("The mill closed in nineteen eighty-four.", [("date", "1984")]),
        ("Work stopped in twenty twenty-one.", [("date", "2021")]),
        ("The novel Nineteen Eighty-Four sold 30 copies.", [("number", "30 copy"), ("entity", "nineteen eighty-four")]),
    ],
)
def test_hours_and_years_in_words_are_times_and_years_not_counts(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(d.kind, d.value) for d in extract_details(text)] == expected


def test_a_year_in_words_and_in_digits_is_one_year() -> None:
    assert values("The mill closed in nineteen eighty-four.", "date") == values("The mill closed in 1984.", "date")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Some two thousand island residents were evacuated.", "2000 people"),  # as "3,000 residents of the island"
        ("About 300 striking workers joined the march.", "300 worker"),
        ("Five police officers were hurt.", "5 officer"),
        ("Twelve new fire engines arrived.", "12 engine"),
        ("Winds of 90 mph gusts hit the coast.", "140 km"),  # a unit stays the unit
        ("In the end 200 police were deployed.", "200 police"),
        ("Dahl won against 38,002 for Dale.", "38002"),  # no noun: not "38002 for"
        ("The firm lost 2bn last year.", "2000000000"),  # not "2bn last"
    ],
)
def test_a_count_counts_the_plural_noun_after_the_words_that_describe_it(text: str, value: str) -> None:
    assert values(text, "number") == [value]


def test_a_length_of_time_before_an_event_is_a_time_and_after_took_or_for_a_length() -> None:
    assert values("He arrived an hour and a half before the start.", "duration") == []
    assert values("Pumping took an hour and a half before traffic could resume.", "duration") == ["1.5 hour"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The ninety two-year-old children sang.", "92 years old"),  # ninety children aged two
        ("Thirty one hundred-year-old trees fell.", "3100 years old"),  # thirty-one trees a hundred years old
    ],
)
def test_a_count_before_a_hyphenated_age_is_not_part_of_the_age(text: str, value: str) -> None:
    assert value not in values(text, "number")


def test_two_number_words_make_one_number_only_as_tens_and_units() -> None:
    from triangulate.claims import number_value

    assert number_value("twenty four") == number_value("twenty-four") == 24
    assert number_value("one two") is None and number_value("ten five") is None


def test_pronoun_speaker_resolves_to_the_last_speaker():
    claims = extract_claims(
        article(
            'Fire chief Tomas Okafor said the blaze was under control by dawn.',
            '"Nobody should go near the warehouse until the engineers have checked it," he added.',
        )
    )
    quote = [c for c in claims if c.quote][0]
    assert quote.speaker == "Tomas Okafor"


def test_descriptive_speaker_resolves_through_the_title_the_article_gave():
    claims = extract_claims(
        article(
            "Harbour Minister Dana Reyes visited the site on Tuesday.",
            'Standing by the pier, the harbour minister added, "We will rebuild what was lost this week."',
        )
    )
    quote = [c for c in claims if c.quote][0]
    assert quote.speaker == "Dana Reyes"


def test_unattributed_sentence_has_no_speaker():
    claims = extract_claims(article("The warehouse burned for six hours before the fire was out."))
    assert claims[0].speaker is None and claims[0].quote is None


def test_durations_numbers_money_and_percent():
    text = "The 10-hour search found 12 people; repairs will cost $2.5 million and 40% of the pier is lost."
    assert values(text, "duration") == ["10 hour"]
    assert values(text, "number") == ["12 people"]
    assert values(text, "money") == ["2500000 $"]
    assert values(text, "percent") == ["40"]


def test_weekdays_and_dates():
    text = "The blaze broke out on Tuesday, Oct. 14, 2025, and was out by 3 November."
    assert values(text, "weekday") == ["tuesday"]
    assert values(text, "date") == ["2025-10-14", "11-03"]


def test_identifiers_are_not_counts():
    text = "Channel 12 reported that Flight 370 and the F-35 were discussed."
    assert values(text, "number") == []


def test_spelled_out_counts_are_numbers():
    assert values("Fourteen people were hurt and two ships sank.", "number") == ["14 people", "2 ship"]


def test_negation_is_a_detail():
    assert values("The mayor did not resign.", "negation") == ["not"]
    assert values("The mayor resigned.", "negation") == []


def test_clauses_split_off_a_separate_report():
    claims = extract_claims(
        article(
            "The minister left for the capital on Wednesday night for an urgent visit to the ministry, "
            "following consultations with the prime minister and the heads of the harbour authority."
        )
    )
    assert len(claims) == 2
    assert claims[1].text.startswith("following consultations")


def test_negative_words_count_as_negation():
    assert values("The cause is still unknown.", "negation") == ["not"]


def test_a_pronoun_points_to_the_person_last_named_as_a_subject_not_the_last_one_quoted() -> None:
    article = Article(id="a", outlet="x", title="Mill fire", paragraphs=(
        'Mayor Ana Lind visited the mill on Monday. "We will rebuild this mill," Lind said.',
        'Fire chief Tomas Berg praised his crews. "My team worked through the night without a break," he said.',
        '"We will rebuild it together," Lind said. Berg thanked the volunteers. "They came from every village," he said.',
    ))
    speakers = [(c.speaker, c.quote) for c in extract_claims(article) if c.quote]
    assert [s for s, _ in speakers] == ["Ana Lind", "Tomas Berg", "Ana Lind", "Tomas Berg"]


def test_she_skips_a_later_speaker_and_points_to_the_woman_the_article_named() -> None:
    article = Article(id="a", outlet="x", title="Harbour fire", paragraphs=(
        "Mayor Ilse Brandt thanked the crews and said she would pay for the clean-up.",
        "Fire chief Tom Berg said the warehouse could not be saved.",
        '"We will rebuild the harbour," she added.',
        '"My crews are exhausted," he said.',
    ))
    assert [c.speaker for c in extract_claims(article) if c.quote] == ["Ilse Brandt", "Tom Berg"]


def test_the_article_shows_a_persons_gender_by_a_word_beside_the_name_or_by_said_she() -> None:
    article = Article(id="a", outlet="x", title="Vote", paragraphs=(
        "Karin Voss, the union's spokeswoman, called the vote a victory.",
        "Mr Dahl, the director, said he would resign.",
        '"This is our day," she said.',
        "Ola Nyberg said she had voted against the deal. Councillor Per Lund said the result was close.",
        '"Nobody expected it," she said.',
    ))
    assert [c.speaker for c in extract_claims(article) if c.quote] == ["Karin Voss", "Ola Nyberg"]


def test_a_pronoun_skips_only_people_the_article_shows_to_be_of_the_other_gender() -> None:
    # Nothing says who Per Lund is: "he" is the latest person, as before; "she" cannot be
    # Tom Berg (the article says "Mr Berg"), so it is the latest one it can be.
    article = Article(id="a", outlet="x", title="Vote", paragraphs=(
        "Mr Tom Berg opened the session. Councillor Per Lund said the result was close.",
        '"Nobody expected it," he said.',
        "Berg closed the session.",
        '"It was a long night," she said.',
        'Berg left first. "I am tired," he said.',
    ))
    assert [c.speaker for c in extract_claims(article) if c.quote] == ["Per Lund", "Per Lund", "Tom Berg"]


def test_an_iso_date_is_a_date_detail_comparable_with_a_written_one() -> None:
    (iso,) = extract_details("The plant was inspected on 2026-03-03 by the agency.")
    (written,) = extract_details("The plant was inspected on March 3, 2026 by the agency.")
    assert (iso.kind, iso.value) == ("date", "2026-03-03") == (written.kind, written.value)
    assert [d.value for d in extract_details("Flight 2026-13-45 was late.")] == ["2026"]  # no month 13: the year only


def test_indirect_speech_names_its_speaker_and_a_place_is_nobody() -> None:
    article = Article(id="a", outlet="x", title="Prices", paragraphs=(
        "Economist Maria Sund said prices would rise. Supermarkets in the region warned that bread could cost more.",
        "According to fire chief Tomas Berg, the roof collapsed at noon.",
        "Defense Minister Benny Gantz met officials. The minister said the talks went well.",
    ))
    speakers = {c.text: c.speaker for c in extract_claims(article)}
    assert speakers["Supermarkets in the region warned that bread could cost more."] is None  # not the economist
    assert speakers["According to fire chief Tomas Berg, the roof collapsed at noon."] == "Tomas Berg"
    assert speakers["The minister said the talks went well."] == "Benny Gantz"


def test_a_speaker_named_after_an_organisation_and_a_role_is_the_person() -> None:
    article = Article(id="a", outlet="x", title="Derby", paragraphs=(
        '"We were brilliant from the first whistle," said Harlow Rovers coach Tom Hale.',
        '"We condemn it," said White House spokeswoman Ana Ruiz.',
        'Dunmore City manager Ines Barro criticised the referee. "The league must act," she said.',
    ))
    assert [c.speaker for c in extract_claims(article) if c.quote] == ["Tom Hale", "Ana Ruiz", "Ines Barro"]


@pytest.mark.parametrize("role", ["boss", "chief executive"])
def test_a_company_boss_named_after_said_is_the_person_not_the_company(role: str) -> None:
    (claim,) = extract_claims(article(f'"We will build the plant in Tarsby," said Orvell Steel {role} Mats Ekholm.'))
    assert claim.speaker == "Mats Ekholm"


def test_the_headline_is_no_part_of_the_first_speakers_name() -> None:
    article = Article(id="a", outlet="x", title="Sea wall collapses in Dunmoor", paragraphs=(
        "Police said the sea wall at Dunmoor collapsed on Sunday evening.",
    ))
    (claim,) = extract_claims(article)
    assert claim.speaker == "Police"


def test_a_word_before_a_surname_in_the_headline_gives_way_to_the_full_name_in_the_body() -> None:
    article = Article(id="a", outlet="x", title="Independent Morlan wins Port Evren mayoral race", paragraphs=(
        "Independent candidate Hana Morlan won the election with 52.4% of the vote.",
        '"This city has chosen change," Morlan told supporters.',
    ))
    assert [c.speaker for c in extract_claims(article) if c.quote] == ["Hana Morlan"]


def test_the_headlines_full_name_stays_when_the_body_names_a_relative_of_the_same_surname() -> None:
    article = Article(id="a", outlet="x", title="Tomas Wren dies at 95", paragraphs=(
        "Ironically Wren had refused every award. His daughter Ada Wren said he died in his sleep.",
        '"I was never a hero," Wren wrote in his memoir.',
    ))
    assert [c.speaker for c in extract_claims(article) if c.quote] == ["Tomas Wren"]


def test_accented_names_are_whole_names() -> None:
    article = Article(id="a", outlet="x", title="Strike", paragraphs=(
        "Transport Minister Élise Durand met the unions.",
        '"We will not give in to blackmail," Durand said. "The door stays open," the minister said.',
    ))
    assert [c.speaker for c in extract_claims(article) if c.quote] == ["Élise Durand", "Élise Durand"]
    assert "Łukasz Nowak" in [d.text for d in extract_details("Łukasz Nowak won the race.") if d.kind == "entity"]


def test_clock_times_are_one_detail_and_zones_make_them_comparable() -> None:
    assert [(d.kind, d.value, d.text) for d in extract_details("The storm made landfall at 3 p.m. local time.")] == [
        ("time", "15:00", "3 p.m.")
    ]
    assert values("The polls closed at 19:00 and opened at 7am.", "time") == ["19:00", "07:00"]
    assert values("The polls closed at 19:00.", "number") == []  # not 19 and 00
    (edt,) = extract_details("Landfall came at 3 p.m. EDT.")
    (gmt,) = extract_details("Landfall came at 19:00 GMT.")
    assert (edt.value, edt.unit) == (gmt.value, gmt.unit) == ("19:00", "time utc")


def test_scores_and_ordinal_counts() -> None:
    assert values("Rovers beat Dunmore City 3-1 on Saturday.", "score") == ["3-1"]
    assert values("City lost 1-3 to Rovers.", "score") == ["3-1"]
    assert values("Rovers won by three goals to one.", "score") == ["3-1"]
    assert values("Between 10-15 people were hurt.", "score") == []  # a range, no match or vote
    assert values("Pike was sent off in the 55th minute.", "number") == ["55 ordinal minute"]
    assert values("It opened on the 5th of May.", "date") == ["05-05"]


def test_imperial_measures_are_compared_in_metric_units() -> None:
    assert values("Winds reached 93 mph.", "number") == values("Winds reached 150 km/h.", "number") == ["150 km"]
    assert values("Up to 4.7 inches of rain fell.", "number") == values("Up to 120 mm of rain fell.", "number") == ["120 mm"]
    assert values("The road runs 12,400 km.", "number") == ["12400 km"]  # metric values stay as written
    assert values("He ran for 100 yards.", "number") == ["100 yard"]  # a football field's yards stay yards


def test_a_count_of_part_of_a_whole_is_counted_in_the_whole_noun() -> None:
    assert values("Three of the victims were children.", "number") == ["3 victim"]
    assert values("The Greens won 112 of the 250 seats.", "number") == ["112 seat", "250 seat"]


def test_a_day_the_month_does_not_have_is_no_date() -> None:
    assert values("The vote was held on February 30.", "date") == []
    assert values("The vote was held on February 29.", "date") == ["02-29"]


def test_compound_number_words_and_dozens_are_their_numbers():
    assert values("Twenty-seven people died and two dozen buses were sent.", "number") == ["27 people", "24 bus"]
    assert values("A dozen people were hurt over twenty-four hours.", "number") == ["12 people"]
    assert values("A dozen people were hurt over twenty-four hours.", "duration") == ["24 hour"]


def test_an_age_is_a_figure_of_its_own_and_not_a_duration():
    text = "The 24-year-old driver and a man aged 58 were hurt; the road was built 40 years ago."
    assert values(text, "number") == ["24 years old", "58 years old"]
    assert values(text, "duration") == ["40 year"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The search lasted two and a half hours.", ["2.5 hour"]),
        ("The search lasted half an hour.", ["0.5 hour"]),
        ("The search lasted an hour and a half.", ["1.5 hour"]),
        ("The search lasted a quarter of an hour.", ["0.25 hour"]),
        ("The strike lasted a week.", ["168 hour"]),
        ("The strike lasted for a fortnight.", ["336 hour"]),
        ("The strike will last at least a week.", ["168 hour"]),
        ("The ferry runs once a week.", []),
        ("The strike began a week ago.", []),
        ("The alarm sounded an hour and a half ago.", []),
        ("Police arrived half an hour later.", []),
    ],
)
def test_durations_with_halves_quarters_and_a_single_unit_are_read(text: str, expected: list[str]) -> None:
    assert values(text, "duration") == expected
    assert values(text, "number") == []  # "two and a half hours" is no count of "and"s


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("It lasted a week.", "It lasted seven days."),
        ("It lasted 48 hours.", "It lasted two days."),
        ("It lasted half an hour.", "It lasted 30 minutes."),
        ("It lasted a decade.", "It lasted ten years."),
    ],
)
def test_one_duration_written_in_two_units_has_one_value(a: str, b: str) -> None:
    assert values(a, "duration") == values(b, "duration")


def test_months_are_not_converted_into_weeks_or_years() -> None:
    # A month is 28 to 31 days: "a month" and "four weeks" are neither the same nor different;
    # and "seven months" and "a one-year contract" measure different things more often than not.
    (month,) = extract_details("It lasted a month.")
    (weeks,) = extract_details("It lasted four weeks.")
    (year,) = extract_details("It lasted a year and a half.")
    assert month.unit not in (weeks.unit, year.unit)


def test_a_month_of_a_year_keeps_its_month():
    assert values("The kettles were sold between January 2024 and June 2025.", "date") == ["2024-01", "2025-06"]


def test_a_count_before_a_brand_counts_the_noun_after_it():
    assert values("Helmark is recalling about 180,000 Brisa kettles.", "number") == ["180000 kettle"]
    assert values("41 Republicans voted for the bill.", "number") == ["41"]  # the name is the noun


def test_today_in_quoted_words_is_not_dated_by_the_article():
    dated = Article(id="a", outlet="Post", title="Cup final", published="2026-04-19T08:00:00Z",
                    paragraphs=('"Marco was unplayable today," the coach said.', "The final was played today in Harlow."))
    quoted, own = extract_claims(dated)
    assert [d.value for d in quoted.details if d.kind == "date"] == []
    assert [d.value for d in own.details if d.kind == "date"] == ["2026-04-19"]


def test_a_speaker_set_off_by_commas_with_a_role_is_the_speaker():
    said = {
        '"We will not give up," Karin Voss, the union leader, said.': "Karin Voss",
        '"The verdict will be appealed," his lawyer, Felix Brandauer, said.': "Felix Brandauer",
        "His lawyer, Felix Brandauer, said the verdict would be appealed.": "Felix Brandauer",
    }
    for text, who in said.items():
        (claim,) = extract_claims(article(text))
        assert claim.speaker == who, text


def test_a_speaker_set_off_by_commas_after_an_organisations_role_is_the_speaker_and_he_is_that_speaker():
    article = Article(id="a", outlet="x", title="Ruling", paragraphs=(
        'Judge Runa Falk ruled that the contract was void. "The terms were never agreed," she said.',
        "Orvell Steel's lawyer, Jonas Brink, said the company would appeal. "
        '"We disagree with every part of this ruling," he told reporters.',
    ))
    speakers = {c.text: c.speaker for c in extract_claims(article)}
    assert speakers["Orvell Steel's lawyer, Jonas Brink, said the company would appeal."] == "Jonas Brink"
    assert speakers['"We disagree with every part of this ruling," he told reporters.'] == "Jonas Brink"
    (claim,) = extract_claims(Article(id="b", outlet="x", title="Ruling", paragraphs=(
        "The company's lawyer, Jonas Brink, said the firm would appeal.",
    )))
    assert claim.speaker == "Jonas Brink"


@pytest.mark.parametrize("verb", ["said", "declared"])
def test_a_speaker_named_after_said_and_a_role_set_off_by_a_comma_is_the_speaker(verb: str) -> None:
    article = Article(id="a", outlet="x", title="Floods", paragraphs=(
        "Mayor Ilse Brandt opened the shelter.",
        f'"Each hour is decisive," {verb} the minister of the interior, Dario Pel.',
    ))
    assert [c.speaker for c in extract_claims(article) if c.quote] == ["Dario Pel"]


def test_an_age_set_off_by_commas_after_the_name_does_not_hide_the_speaker() -> None:
    article = Article(id="a", outlet="x", title="Strike", paragraphs=(
        "Union leader Vera Stanek called the strike on Monday.",
        '"We did not want this strike," Stanek, 61, told reporters.',
        "Holm, 47, said the talks had failed.",
    ))
    assert [c.speaker for c in extract_claims(article)][1:] == ["Vera Stanek", "Holm"]


def test_a_sentence_that_is_only_a_quote_continues_the_speaker_quoted_right_before() -> None:
    article = Article(id="a", outlet="x", title="Gas", paragraphs=(
        '"We will not sell our gas cheaply," Lindqvist said. "But we will sell it to our friends."',
        '"Winter is coming and they know it."',
        "The talks lasted four hours.",
        '"Nobody here wants a price war."',
    ))
    # The last quote follows a sentence that quotes nobody: it stays without a speaker.
    assert [c.speaker for c in extract_claims(article) if c.quote] == ["Lindqvist", "Lindqvist", "Lindqvist", None]


def test_a_count_in_hundreds_written_out_is_one_number() -> None:
    assert values("Two hundred soldiers were sent to the valley.", "number") == ["200 soldier"]
    assert values("Three hundred and fifty people came to the hall.", "number") == ["350 people"]
    assert values("Two hundred forty-one votes were cast.", "number") == ["241 vote"]
    assert values("A hundred people waited outside.", "number") == ["100 people"]


def test_metric_units_written_out_are_their_symbols_so_converted_measures_compare() -> None:
    assert values("The rocket flew 620 kilometres.", "number") == values("The rocket flew 620 km.", "number") == ["620 km"]
    assert values("The rocket flew about 510 miles.", "number") == ["820 km"]
    assert values("The river rose 3 metres.", "number") == values("The river rose ten feet.", "number") == ["3 m"]
    assert values("The blaze has scorched about 8,400 acres.", "number") == values("The fire burned 3,400 hectares.", "number")


def test_a_tally_after_a_word_for_a_vote_is_a_score() -> None:
    assert values("The parliament approved the bill 88-71 on Tuesday.", "score") == ["88-71"]
    assert values("The council rejected the plan 5-4.", "score") == ["5-4"]
    assert values("The storm passed 10-15 km north of the town.", "score") == []  # a range of distances
    assert values("Regulators approved 2-3 percent rate rises.", "score") == []
    assert values("Regulators approved 2-3 percent rate rises.", "percent") == ["3"]


def test_a_full_name_written_out_is_its_own_person_even_when_the_surname_was_someone_elses() -> None:
    claims = extract_claims(article(
        '"This budget is balanced," Finance Minister Ana Berg said.',
        '"This budget is not balanced," opposition leader Peter Berg said.',
        '"We will vote against it," Berg told reporters.',
    ))
    assert [c.speaker for c in claims] == ["Ana Berg", "Peter Berg", "Ana Berg"]  # a bare surname: the first named


def test_same_person_compares_surnames_without_accents_and_refuses_two_first_names() -> None:
    from triangulate.claims import same_person

    assert same_person("Ana Kovač", "Kovac") and same_person("Minister Ana Berg", "A. Berg")
    assert not same_person("Ana Berg", "Peter Berg") and not same_person("Ana Berg", "Ana Brandt")


@pytest.mark.parametrize(
    ("paragraphs", "speakers"),
    [
        (['"The valves were checked every month," said Brenmark\'s former safety manager, Ola Dahl.'], ["Ola Dahl"]),
        (['"We will appeal," said Brenmark lawyer Stefan Haller.'], ["Stefan Haller"]),  # not "Brenmark la..."
        # The person asked is not the speaker, and the answer to a question is not the asker's.
        (['"Will you resign?" a reporter asked Winter.'], [None]),
        (['"Will you resign?" asked Winter.'], ["Winter"]),
        (['"Did you see the defendant that night?" prosecutor Anna Berg asked the witness.', '"No, I did not."'], ["Anna Berg", None]),
        # A question after a quote is not the last speaker's ("Ingrid Sol asked." is a sentence of its own).
        (['"Growth will be slower next year," Finance Minister Ana Berg said.', '"Will you raise taxes?" Ingrid Sol asked.'],
         ["Ana Berg", None, "Ingrid Sol"]),
    ],
)
def test_an_owner_a_person_asked_and_an_answer_are_not_taken_for_the_speaker(paragraphs: list[str], speakers: list[str | None]) -> None:
    assert [c.speaker for c in extract_claims(article(*paragraphs))] == speakers


def test_a_word_that_opens_the_sentence_is_no_first_name_of_the_speaker() -> None:
    claims = extract_claims(article(
        "Ola Dahl, the Treasury's chief economist, said growth would slow.",
        "Then Dahl said the recall would take months.",
        "Later Dahl told reporters the deficit would shrink.",
    ))
    assert [c.speaker for c in claims] == ["Ola Dahl", "Ola Dahl", "Ola Dahl"]
