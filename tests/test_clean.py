"""Boilerplate cleaning: every reason code on small fictional snippets, metadata
(bylines, datelines, titles), Markdown and HTML, and properties on arbitrary text."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triangulate.clean import REASONS, CleanedText, clean, clean_text, markdown_to_text
from triangulate.models import Article, RawDocument, Skipped

BODY_1 = "The old harbour bridge reopened to traffic on Monday after eight months of repairs, the transport office said."
BODY_2 = 'The mayor, Dana Pell, said the repairs came in under budget. "We promised a safer bridge," she told reporters.'
BODY_3 = "Engineers replaced forty steel cables and repainted the deck, according to the city council."


def article(*middle: str, title: str = "Harbour bridge reopens after repairs") -> str:
    """A fictional article: title, two body paragraphs, the given lines, a last body paragraph."""
    return "\n\n".join([title, BODY_1, BODY_2, *middle, BODY_3]) + "\n"


def reasons_of(result: CleanedText | Article) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for piece in result.removed:
        out.setdefault(piece.reason, []).append(piece.text)
    return out


def assert_body_kept(result: CleanedText | Article) -> None:
    for body in (BODY_1, BODY_2, BODY_3):
        assert body in result.paragraphs


# ------------------------------------------------------------------ reason codes


def test_every_reason_code_is_documented_with_a_description() -> None:
    assert set(REASONS) >= {
        "photo_caption",
        "photo_credit",
        "contributors",
        "appeal",
        "share",
        "related",
        "byline",
        "dateline",
        "duplicate_paragraph",
    }
    assert all(isinstance(text, str) and len(text) > 10 for text in REASONS.values())


def test_caption_with_inline_credit_is_split_into_caption_and_credit() -> None:
    result = clean_text(article("Ferry passengers wave from the deck (photo credit: LIO MARSH)"))
    found = reasons_of(result)
    assert found["photo_caption"] == ["Ferry passengers wave from the deck"]
    assert found["photo_credit"] == ["(photo credit: LIO MARSH)"]
    assert_body_kept(result)


def test_duplicated_caption_lines_around_a_credit_are_all_removed() -> None:
    result = clean_text(
        article(
            "Harbour master Ona Brill (photo credit: LIO MARSH)\nHarbour master Ona Brill\n(photo credit: LIO MARSH)"
        )
    )
    found = reasons_of(result)
    assert found["photo_caption"] == ["Harbour master Ona Brill", "Harbour master Ona Brill"]
    assert found["photo_credit"] == ["(photo credit: LIO MARSH)", "(photo credit: LIO MARSH)"]
    assert not any("Ona Brill" in p for p in result.paragraphs)
    assert_body_kept(result)


@pytest.mark.parametrize(
    "credit",
    [
        "Photo: Ilse Varn/Reuters",
        "Credit: Ilse Varn",
        "Getty Images",
        "Ilse Varn/AFP via Getty Images",
        "(AP Photo/Ilse Varn)",
        "Image source, Getty Images",
    ],
)
def test_stand_alone_credit_lines_are_photo_credits(credit: str) -> None:
    result = clean_text(article(credit))
    assert reasons_of(result).get("photo_credit") == [credit]
    assert_body_kept(result)


def test_the_line_before_a_stand_alone_credit_is_its_caption() -> None:
    result = clean_text(article("Crowds gather at the reopened bridge\nPhoto: Ilse Varn/Reuters"))
    found = reasons_of(result)
    assert found["photo_caption"] == ["Crowds gather at the reopened bridge"]
    assert found["photo_credit"] == ["Photo: Ilse Varn/Reuters"]
    assert_body_kept(result)


@pytest.mark.parametrize(
    "line",
    [
        "Lena Ross, Kai Dorn and Pia Holm contributed to this report.",
        "The Tidewire news agency contributed reporting.",
        "Reporting by Lena Ross; Editing by Kai Dorn",
    ],
)
def test_contributor_lines_are_removed(line: str) -> None:
    result = clean_text(article(line))
    assert reasons_of(result).get("contributors") == [line]
    assert_body_kept(result)


def test_donation_appeal_is_removed_as_one_block_including_neutral_paragraphs() -> None:
    appeal = [
        "Keep Harbour News Free",
        "Local news is changing fast, and many towns have lost their only paper.",
        "Our newsroom is small, and we rely on readers who share our mission.",
        "Your support keeps us independent. Please donate today, or become a member for the price of a coffee.",
    ]
    text = "\n\n".join(["Harbour bridge reopens after repairs", BODY_1, BODY_2, BODY_3, *appeal])
    result = clean_text(text)
    assert reasons_of(result)["appeal"] == appeal
    assert result.paragraphs == (BODY_1, BODY_2, BODY_3)


def test_newsletter_box_in_the_middle_is_removed_but_news_after_it_stays() -> None:
    result = clean_text(article("Sign up for our morning newsletter to get the day's top stories in your inbox."))
    assert reasons_of(result)["appeal"] == [
        "Sign up for our morning newsletter to get the day's top stories in your inbox."
    ]
    assert_body_kept(result)


def test_news_about_donations_or_subscribers_is_not_an_appeal() -> None:
    news = [
        "Donations to the bridge fund reached 2 million crowns by Friday, the council said.",
        "Netflix subscribers rose by a tenth in the quarter, the company reported.",
    ]
    result = clean_text(article(*news))
    assert "appeal" not in reasons_of(result)
    for line in news:
        assert line in result.paragraphs


@pytest.mark.parametrize(
    "line",
    ["Share this article", "Facebook Twitter WhatsApp Email", "Follow us on Twitter", "Tweet"],
)
def test_share_lines_are_removed(line: str) -> None:
    result = clean_text(article(line))
    assert reasons_of(result).get("share") == [line]
    assert_body_kept(result)


def test_related_heading_takes_the_link_titles_under_it() -> None:
    result = clean_text(article("Related stories\nFerry fares to rise in spring\nTunnel plan shelved again"))
    assert reasons_of(result)["related"] == [
        "Related stories",
        "Ferry fares to rise in spring",
        "Tunnel plan shelved again",
    ]
    assert_body_kept(result)


@pytest.mark.parametrize("line", ["Read more: Ferry fares to rise in spring", "Also read: Tunnel plan shelved", "Recommended"])
def test_related_lines_are_removed(line: str) -> None:
    result = clean_text(article(line))
    assert reasons_of(result).get("related") == [line]
    assert_body_kept(result)


def test_advertisement_and_copyright_lines_are_removed() -> None:
    result = clean_text(article("Advertisement", "Story continues below advertisement", "© 2024 Tidewire. All rights reserved."))
    found = reasons_of(result)
    assert found["advertisement"] == ["Advertisement", "Story continues below advertisement"]
    assert found["copyright"] == ["© 2024 Tidewire. All rights reserved."]
    assert_body_kept(result)


def test_byline_becomes_authors_and_is_recorded() -> None:
    text = "Harbour bridge reopens\n\nBy Mara Quell and Tobin Ashe, Staff Writers\n\n" + BODY_1 + "\n\n" + BODY_3
    result = clean_text(text)
    assert result.authors == ("Mara Quell", "Tobin Ashe")
    assert reasons_of(result)["byline"] == ["By Mara Quell and Tobin Ashe, Staff Writers"]
    assert result.paragraphs == (BODY_1, BODY_3)


def test_a_sentence_starting_with_by_is_not_a_byline() -> None:
    line = "By Tuesday, the repair crews had left the bridge."
    result = clean_text(article(line))
    assert line in result.paragraphs
    assert result.authors == ()


@pytest.mark.parametrize(
    ("opening", "dateline"),
    [
        ("PORTLANDIA (Tidewire) - ", "PORTLANDIA (Tidewire)"),
        ("NORTH HAVEN, Oct 14 — ", "NORTH HAVEN, Oct 14"),
        ("Portlandia, March 3 (Tidewire) -- ", "Portlandia, March 3 (Tidewire)"),
    ],
)
def test_dateline_becomes_metadata_and_the_paragraph_keeps_its_words(opening: str, dateline: str) -> None:
    text = "Harbour bridge reopens\n\n" + opening + BODY_1 + "\n\n" + BODY_3
    result = clean_text(text)
    assert result.dateline == dateline
    assert result.paragraphs[0] == BODY_1
    assert reasons_of(result)["dateline"] == [opening.strip()]


def test_a_label_in_capitals_is_not_a_dateline() -> None:
    text = "Harbour bridge reopens\n\nUPDATE - " + BODY_1 + "\n\n" + BODY_3
    result = clean_text(text)
    assert result.dateline is None
    assert result.paragraphs[0].startswith("UPDATE - ")


def test_publication_timestamp_line_is_recorded_as_dateline_and_published() -> None:
    result = clean_text(article("Published: March 3, 2024 10:32 AM"))
    assert reasons_of(result)["dateline"] == ["Published: March 3, 2024 10:32 AM"]
    assert result.published == "March 3, 2024 10:32 AM"
    assert_body_kept(result)


def test_a_sentence_about_publishing_is_not_a_timestamp() -> None:
    line = "Published in 1998, the guide to the bridge sold out twice."
    result = clean_text(article(line))
    assert line in result.paragraphs


def test_standfirst_repeated_inside_a_body_paragraph_counts_once() -> None:
    standfirst = "The mayor said the repairs came in under budget and ahead of schedule."
    body = standfirst + " She thanked the crews who worked through the winter."
    result = clean_text("\n\n".join(["Harbour bridge reopens", standfirst, BODY_1, body]))
    assert reasons_of(result)["duplicate_paragraph"] == [standfirst]
    assert result.paragraphs == (BODY_1, body)


def test_identical_paragraphs_keep_the_later_copy() -> None:
    result = clean_text("\n\n".join(["Harbour bridge reopens", BODY_1, BODY_3, BODY_1]))
    assert reasons_of(result)["duplicate_paragraph"] == [BODY_1]
    assert result.paragraphs == (BODY_3, BODY_1)


def test_a_paragraph_repeated_thousands_of_times_is_checked_in_linear_work(monkeypatch: pytest.MonkeyPatch) -> None:
    import triangulate.clean as cleaning

    looked_up = Counter[str]()
    real = cleaning.bisect_right

    def counting(offsets: list[int], start: int) -> int:
        looked_up["occurrences"] += 1
        return real(offsets, start)

    monkeypatch.setattr(cleaning, "bisect_right", counting)
    copies = 3000
    result = clean_text("\n\n".join(["Harbour bridge reopens", *[BODY_1] * copies, BODY_3]))
    assert result.paragraphs == (BODY_1, BODY_3)
    assert len(reasons_of(result)["duplicate_paragraph"]) == copies - 1
    assert looked_up["occurrences"] <= 10  # each copy once by its text, not every copy against every other (4.5 million)


def test_a_paragraph_is_looked_for_inside_the_paragraphs_near_it() -> None:
    import triangulate.clean as cleaning

    standfirst = "The mayor said the repairs came in under budget and ahead of schedule."
    body = standfirst + " She thanked the crews who worked through the winter."
    filler = [f"Paragraph {i} of the long report names the {i}th street of the harbour district." for i in range(cleaning.DUPLICATE_WINDOW + 5)]
    near = clean_text("\n\n".join(["Harbour bridge reopens", standfirst, body, *filler]))
    assert reasons_of(near)["duplicate_paragraph"] == [standfirst]
    far = clean_text("\n\n".join(["Harbour bridge reopens", standfirst, *filler, body]))
    assert standfirst in far.paragraphs  # over DUPLICATE_WINDOW paragraphs apart: not compared


def test_short_repeated_lines_are_not_treated_as_duplicates() -> None:
    result = clean_text("\n\n".join(["Harbour bridge reopens", "No one was hurt.", BODY_1, "No one was hurt."]))
    assert result.paragraphs.count("No one was hurt.") == 2


def test_title_repeated_as_first_body_line_is_recorded() -> None:
    doc = RawDocument(origin="x.json", content="Harbour bridge reopens\n" + BODY_1, title="Harbour bridge reopens")
    art = clean(doc)
    assert isinstance(art, Article)
    assert art.title == "Harbour bridge reopens"
    assert art.paragraphs == (BODY_1,)
    assert [r.reason for r in art.removed] == ["title"]


def test_removed_reasons_are_all_documented() -> None:
    result = clean_text(
        article(
            "Crowds gather (photo credit: LIO MARSH)",
            "Share this article",
            "Read more: Ferry fares to rise",
            "Lena Ross contributed to this report.",
            "Sign up for our newsletter to get stories in your inbox.",
        )
    )
    assert {r.reason for r in result.removed} <= set(REASONS)


# ------------------------------------------------------------------- text shapes


def test_first_line_is_title_only_when_it_looks_like_a_headline() -> None:
    assert clean_text(article()).title == "Harbour bridge reopens after repairs"
    no_headline = clean_text("\n\n".join([BODY_1, BODY_2]))
    assert no_headline.title == ""
    assert no_headline.paragraphs == (BODY_1, BODY_2)


def test_one_paragraph_per_line_is_kept_as_separate_paragraphs() -> None:
    result = clean_text("Harbour bridge reopens\n" + "\n".join([BODY_1, BODY_2, BODY_3]))
    assert result.paragraphs == (BODY_1, BODY_2, BODY_3)


def test_hard_wrapped_paragraphs_are_joined() -> None:
    wrapped = (
        "Harbour bridge reopens\n\n"
        "The old harbour bridge reopened to traffic on Monday after\n"
        "eight months of repairs, the transport office said. Engineers\n"
        "replaced forty steel cables and repainted the deck.\n\n"
        "The mayor said the repairs came in under budget and that the\n"
        "crews had worked through the winter to finish early.\n"
    )
    result = clean_text(wrapped)
    assert result.title == "Harbour bridge reopens"
    assert result.paragraphs == (
        "The old harbour bridge reopened to traffic on Monday after eight months of repairs, "
        "the transport office said. Engineers replaced forty steel cables and repainted the deck.",
        "The mayor said the repairs came in under budget and that the crews had worked through "
        "the winter to finish early.",
    )


def test_markdown_markup_is_stripped_and_heading_is_title() -> None:
    md = (
        "---\nauthor: Mara Quell\ndate: 2024-03-03\n---\n"
        "# Harbour bridge reopens\n\n"
        "The **old** harbour bridge reopened on Monday, [the transport office](https://example.org/t) said.\n"
        "Engineers replaced *forty* steel cables.\n\n"
        "![Crowds at the bridge](bridge.jpg)\n\n"
        "## What comes next\n\n"
        "> The ferry will keep running until May, the council said.\n"
    )
    art = clean(RawDocument(origin="tidewire.md", content=md, kind="markdown"))
    assert isinstance(art, Article)
    assert art.title == "Harbour bridge reopens"
    assert art.paragraphs[0] == (
        "The old harbour bridge reopened on Monday, the transport office said. Engineers replaced forty steel cables."
    )
    assert "The ferry will keep running until May, the council said." in art.paragraphs
    assert art.authors == ("Mara Quell",)
    assert art.published == "2024-03-03"
    assert [(r.reason, r.text) for r in art.removed] == [("photo_caption", "Crowds at the bridge")]
    assert art.raw == md


def test_markdown_to_text_keeps_link_text_and_drops_urls() -> None:
    text, meta, _ = markdown_to_text("Read [the report](http://example.org/r) and `notes`.")
    assert text == "Read the report and notes."
    assert meta == {}


HTML_PAGE = """<!DOCTYPE html><html><head><title>Bridge reopens | Tidewire</title>
<link rel="canonical" href="https://www.tidewire.example/news/bridge">
<meta name="author" content="Mara Quell"><meta property="article:published_time" content="2024-03-03T09:00:00Z">
</head><body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Harbour bridge reopens after repairs</h1>
<p>{b1}</p><p>{b2}</p>
<p>Lena Ross and Kai Dorn contributed to this report.</p>
<p>Share this article</p>
<p>{b3}</p></article>
<footer><p>About us</p><p>Contact</p></footer></body></html>"""


def test_html_main_text_metadata_and_the_same_boilerplate_rules() -> None:
    html = HTML_PAGE.format(b1=BODY_1, b2=BODY_2.replace('"', "&quot;"), b3=BODY_3)
    art = clean(RawDocument(origin="page.html", content=html, kind="html"))
    assert isinstance(art, Article)
    assert art.title == "Harbour bridge reopens after repairs"
    assert art.url == "https://www.tidewire.example/news/bridge"
    assert art.outlet == "tidewire.example"
    assert art.authors == ("Mara Quell",)
    assert art.published == "2024-03-03T09:00:00Z"  # the page's own tag, to the minute
    assert_body_kept(art)
    found = reasons_of(art)
    assert found["contributors"] == ["Lena Ross and Kai Dorn contributed to this report."]
    assert found["share"] == ["Share this article"]
    assert not any("Home" in p or "Contact" in p for p in art.paragraphs)
    assert art.raw == html


def test_html_without_an_article_is_skipped() -> None:
    html = "<html><head><title>Tidewire</title></head><body><nav><a href='/'>Home</a><a href='/x'>World</a></nav></body></html>"
    result = clean(RawDocument(origin="empty.html", content=html, kind="html"))
    assert isinstance(result, Skipped)
    assert result.reason == "no_article"
    assert result.stage == "clean"


STANDFIRST = "Crews finished the repairs two weeks early, and the first buses crossed at dawn on Monday."
STANDFIRST_PAGE = """<html><head><title>Harbour bridge reopens after repairs</title>
<meta name="description" content="{desc}">
</head><body><header><h1>Harbour bridge reopens after repairs</h1>{shown}</header>
<article><p>{b1}</p><p>{b2}</p><p>{b3}</p></article></body></html>"""


def test_html_standfirst_shown_outside_the_article_element_is_kept_first() -> None:
    html = STANDFIRST_PAGE.format(desc=STANDFIRST, shown=f'<p class="teaser">{STANDFIRST}</p>', b1=BODY_1, b2=BODY_2, b3=BODY_3)
    art = clean(RawDocument(origin="page.html", content=html, kind="html"))
    assert isinstance(art, Article)
    assert art.paragraphs[0] == STANDFIRST
    assert_body_kept(art)


def test_html_standfirst_goes_below_a_repeated_headline_which_is_still_removed() -> None:
    page = """<html><head><title>Harbour bridge reopens after repairs</title>
<meta name="description" content="{desc}"></head><body><p class="teaser">{desc}</p>
<article><h1>Harbour bridge reopens after repairs</h1><p>{b1}</p><p>{b2}</p><p>{b3}</p></article></body></html>"""
    art = clean(RawDocument(origin="page.html", content=page.format(desc=STANDFIRST, b1=BODY_1, b2=BODY_2, b3=BODY_3), kind="html"))
    assert isinstance(art, Article)
    assert "Harbour bridge reopens after repairs" not in art.paragraphs
    assert art.paragraphs[0] == STANDFIRST


def test_html_site_tagline_in_the_page_header_is_not_added_as_a_standfirst() -> None:
    tagline = "Independent news from the harbour towns of the north coast, every day since 1921."
    page = """<html><head><title>Harbour bridge reopens after repairs</title>
<meta name="description" content="{desc}"></head><body><header><nav><a href="/">Home</a></nav><p>{desc}</p></header>
<article><h1>Harbour bridge reopens after repairs</h1><p>{b1}</p><p>{b2}</p><p>{b3}</p></article></body></html>"""
    art = clean(RawDocument(origin="page.html", content=page.format(desc=tagline, b1=BODY_1, b2=BODY_2, b3=BODY_3), kind="html"))
    assert isinstance(art, Article)
    assert tagline not in art.paragraphs
    assert_body_kept(art)


def test_html_summary_written_only_for_search_engines_is_not_added() -> None:
    html = STANDFIRST_PAGE.format(desc=STANDFIRST, shown="", b1=BODY_1, b2=BODY_2, b3=BODY_3)
    art = clean(RawDocument(origin="page.html", content=html, kind="html"))
    assert isinstance(art, Article)
    assert STANDFIRST not in art.paragraphs
    assert_body_kept(art)


def test_html_page_in_a_script_without_spaces_is_not_skipped_as_too_short() -> None:
    body = "港口大桥经过八个月的维修后于周一重新通车，交通部门表示工程提前完成。"
    html = f"<html><head><title>大桥重新通车</title></head><body><article><p>{body}</p><p>{body[::-1]}</p></article></body></html>"
    art = clean(RawDocument(origin="page.html", content=html, kind="html"))
    assert isinstance(art, Article)
    assert body in art.paragraphs


@pytest.mark.parametrize(
    "line",
    [
        "Lesen Sie auch: Neue Fähre für die Nordroute",
        "À lire aussi » Le port rouvre ses quais",
        "Le puede interesar: El puerto reabre sus muelles",
        "Czytaj też: Port otwiera nabrzeża",
        "Leia também: Porto reabre cais",
        "Weiterführende Links",
        "Tags",
    ],
)
def test_related_link_cues_in_other_languages_are_removed(line: str) -> None:
    result = clean_text(article(line))
    assert reasons_of(result)["related"] == [line]
    assert_body_kept(result)


def test_a_related_heading_in_another_language_takes_the_link_titles_under_it() -> None:
    result = clean_text(article("Schon gelesen?", "Neue Fähre für die Nordroute", "Hafenmeisterin tritt zurück"))
    assert reasons_of(result)["related"] == ["Schon gelesen?", "Neue Fähre für die Nordroute", "Hafenmeisterin tritt zurück"]
    assert_body_kept(result)


def test_a_sentence_that_starts_like_a_related_cue_is_kept() -> None:
    line = "Auch interessant ist, dass die Brücke im Winter nachts gesperrt bleibt, sagte die Stadt."
    result = clean_text(article(line))
    assert line in result.paragraphs
    assert not result.removed


@pytest.mark.parametrize(
    "line",
    [
        "For the latest stories download the Tidewire apps for iOS and Android.",
        "¡Mira lo que tiene nuestro canal de YouTube!",
        "Folgen Sie uns auf Instagram",
    ],
)
def test_promotions_of_the_outlets_own_channels_and_apps_are_share_lines(line: str) -> None:
    result = clean_text(article(line))
    assert reasons_of(result)["share"] == [line]


@pytest.mark.parametrize(
    "line",
    [
        "The port authority opened a Telegram channel for ferry delays, officials said on Monday.",
        "The ferry company released a new app for iOS and Android in March.",
    ],
)
def test_news_about_a_channel_or_an_app_is_kept(line: str) -> None:
    result = clean_text(article(line))
    assert line in result.paragraphs
    assert not result.removed


def test_a_sentence_ending_in_a_dated_copyright_sign_is_not_taken_for_a_caption() -> None:
    line = "The bridge will stay open all winter. © 2024 Tidewire"
    result = clean_text(article(line))
    assert line in result.paragraphs


@pytest.mark.parametrize(
    "line",
    ["Leave a comment", "3 Kommentare", "Keine Kommentare", "You must be logged in to post a comment.",
     "Du musst eingeloggt sein, um Kommentare zu schreiben!", "Dejá tu comentario"],
)
def test_comment_section_lines_are_removed(line: str) -> None:
    result = clean_text(article(line))
    assert reasons_of(result)["comments"] == [line]
    assert_body_kept(result)


@pytest.mark.parametrize(
    "line",
    [
        "Comments from the minister drew criticism on Tuesday, the council said.",
        "No comments were made by the harbour master on Friday.",
        "The council invited residents to comment on the plan by Friday.",
    ],
)
def test_news_about_comments_is_kept(line: str) -> None:
    result = clean_text(article(line))
    assert line in result.paragraphs
    assert not result.removed


@pytest.mark.parametrize(
    "line",
    [
        "© 2024 Tidewire. Alle Rechte vorbehalten.",
        "Materiał chroniony prawem autorskim - zasady przedruków określa regulamin.",
        "© 2024, Tidewire. This article is the copyrighted property of Tidewire. Written permission must be "
        "obtained before reprint in online or print media. Reprinting content without permission is theft "
        "and punishable by law.",
    ],
)
def test_copyright_notices_in_other_languages_and_long_ones_are_removed(line: str) -> None:
    result = clean_text(article(line))
    assert reasons_of(result)["copyright"] == [line]


def test_photo_credits_in_other_languages_split_from_their_caption() -> None:
    result = clean_text(article("Der Hafen am Morgen (Foto: Lio Marsh/dpa)", "Die Brücke bei Nacht. © AFP / LIO MARSH"))
    found = reasons_of(result)
    assert found["photo_caption"] == ["Der Hafen am Morgen", "Die Brücke bei Nacht."]
    assert found["photo_credit"] == ["(Foto: Lio Marsh/dpa)", "© AFP / LIO MARSH"]


def test_empty_document_is_skipped_not_raised() -> None:
    result = clean(RawDocument(origin="blank.txt", content="  \n\n "))
    assert isinstance(result, Skipped) and result.reason == "empty"


def test_all_boilerplate_text_is_skipped_as_no_article() -> None:
    result = clean(RawDocument(origin="junk.txt", content="Share this article\n\nAdvertisement\n"))
    assert isinstance(result, Skipped) and result.reason == "no_article"


def test_article_keeps_raw_input_id_origin_and_outlet_order() -> None:
    raw = article("Share this article")
    doc = RawDocument(origin="folder/tidewire-bridge.txt", content=raw)
    art = clean(doc)
    assert isinstance(art, Article)
    assert art.raw == raw and art.id == doc.id and art.origin == doc.origin
    assert art.outlet == "tidewire-bridge"
    assert clean(doc, fallback_source="Tidewire").outlet == "Tidewire"
    with_url = RawDocument(origin="a.txt", content=raw, url="https://news.tidewire.co.uk/x")
    assert clean(with_url, fallback_source="Tidewire").outlet == "tidewire.co.uk"
    with_source = RawDocument(origin="a.txt", content=raw, url="https://tidewire.example/x", source="Tidewire Daily")
    assert clean(with_source).outlet == "Tidewire Daily"


# -------------------------------------------------------------------- properties


def _alnum(text: str) -> Counter[str]:
    return Counter(ch for ch in text if ch.isalnum())


_lines = st.lists(
    st.one_of(
        st.text(max_size=80),
        st.sampled_from(
            [
                "",
                "Share this article",
                "By Mara Quell",
                "PORTLANDIA (Tidewire) - The bridge reopened.",
                "Crowds gather (photo credit: LIO MARSH)",
                "(photo credit: LIO MARSH)",
                "Lena Ross contributed to this report.",
                "Support Independent Journalism",
                "Please donate to keep our newsroom going.",
                "Related stories",
                BODY_1,
                BODY_2,
            ]
        ),
    ),
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(_lines)
def test_clean_text_never_loses_a_character_of_the_input(lines: list[str]) -> None:
    text = "\n".join(lines)
    result = clean_text(text)
    out = _alnum(result.title)
    for part in (*result.paragraphs, *(r.text for r in result.removed)):
        out.update(_alnum(part))
    missing = _alnum(text) - out
    assert not missing, missing


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["text", "markdown", "html"]))
def test_clean_never_raises_on_arbitrary_text(text: str, kind: str) -> None:
    result = clean(RawDocument(origin="any.txt", content=text, kind=kind))
    assert isinstance(result, (Article, Skipped))
    if isinstance(result, Skipped):
        assert result.reason in ("empty", "no_article", "too_short")
    else:
        assert result.paragraphs and all(p.strip() for p in result.paragraphs)
        assert {r.reason for r in result.removed} <= set(REASONS)


@pytest.mark.parametrize(
    "news",
    [
        "The council said permission must be obtained from the harbour authority before any work starts.",
        "Under the new law, users must register with their real names to post comments on news sites.",
        "Epic Games wants players to get Fortnite back on the App Store before the end of the year.",
        "The ministry launched a WhatsApp channel last week and asked people across the region to join it quickly.",
    ],
)
def test_news_about_permissions_comments_apps_and_channels_is_kept(news: str) -> None:
    result = clean_text(article(news))
    assert news in result.paragraphs, reasons_of(result)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Download our app for iOS and Android to get the latest news.", "share"),
        ("Join our Telegram channel for breaking news and exclusive stories from our reporters every day of the week.", "share"),
        ("This material may not be published or redistributed. Permission must be obtained for any reproduction.", "copyright"),
        ("Please log in to leave a comment.", "comments"),
    ],
)
def test_the_outlets_own_promotions_notices_and_comment_prompts_are_removed(line: str, reason: str) -> None:
    result = clean_text(article(line))
    assert line in reasons_of(result).get(reason, []), reasons_of(result)
    assert_body_kept(result)


@pytest.mark.parametrize("text", ["x", "Title\n\nx", "test", "ok.", "Storm\n\nFire, smoke."])
def test_a_document_of_under_three_words_is_no_article(text: str) -> None:
    result = clean(RawDocument(origin="stub.txt", content=text))
    assert isinstance(result, Skipped)
    assert result.reason == "too_short"
    assert "at least 3" in result.detail


def test_a_three_word_document_is_kept() -> None:
    result = clean(RawDocument(origin="brief.txt", content="Storm\n\nHarbour fire contained."))
    assert isinstance(result, Article)
    assert result.paragraphs == ("Harbour fire contained.",)


@pytest.mark.parametrize(
    "stamp",
    ["Friday, Sep 10, 2010 | Updated 8:52 PM EDT", "WEDNESDAY, APRIL 24, 2013, 10:34 AM", "April 24, 2013-4:45pm"],
)
def test_a_line_of_only_a_date_and_a_time_is_a_timestamp(stamp: str) -> None:
    result = clean_text(article(stamp))
    assert stamp not in result.paragraphs
    assert ("dateline", stamp) in [(r.reason, r.text) for r in result.removed]


def test_an_appeal_run_into_the_last_paragraph_takes_only_itself_away() -> None:
    # Text scraped without paragraph breaks: the news and the outlet's appeal in one block.
    news = (
        "The harbour authority reopened the northern quay on Tuesday after three weeks of repairs, "
        "the port director said. Ferries to Veldhaven will run on the winter timetable until March, "
        "and the fish market returns to its old hall next week. Traders welcomed the decision but "
        "asked for a new crane before the spring season."
    )
    tail = "Get the morning briefing delivered to your inbox - subscribe to our newsletter. Follow us on every channel and stay in the know."
    result = clean_text("Northern quay reopens\n\n" + BODY_1 + "\n\n" + news + " " + tail + "\n")
    assert result.paragraphs == (BODY_1, news)
    assert [(r.reason, r.text) for r in result.removed] == [("appeal", tail)]


def test_control_characters_never_reach_what_is_shown_and_the_raw_input_keeps_them() -> None:
    raw = "Title \x1b]0;HACKED\x07 with \u202egnp.exe\n\nThe harbour reopened on Monday after repairs, officials said. \x1b[2J More text."
    art = clean(RawDocument(origin="x.txt", content=raw, source="Post\x1b[31m", authors=("Ana\u202e Holt",)))
    assert isinstance(art, Article)
    shown = " ".join([art.title or "", art.outlet, *art.paragraphs, *art.authors])
    assert not any(ch in shown for ch in "\x1b\x07\u202e")
    assert art.title == "Title ]0;HACKED with gnp.exe" and art.raw == raw


@pytest.mark.parametrize("ref", ["&#11;", "&#8;", "&#x1F;", "&#65535;"])
def test_a_character_reference_xml_cannot_hold_does_not_lose_the_page(ref: str) -> None:
    page = (
        "<html><head><title>T</title></head><body><article><h1>Bridge opening delayed</h1>"
        f"<p>Officials in Bodo said on Monday {ref} that the bridge would open in June after two years of delays.</p>"
        "<p>The second paragraph of the story has enough words to be an article of its own.</p></article></body></html>"
    )
    art = clean(RawDocument(origin="ref.html", content=page, kind="html"))
    assert isinstance(art, Article) and art.paragraphs[0].startswith("Officials in Bodo said on Monday that the bridge")


@pytest.mark.parametrize(("tag", "published"), [
    ('<meta property="article:published_time" content="2024-02-30T10:00:00Z">', None),  # no 30 February
    ('<script type="application/ld+json">{"datePublished": "2024-13-45"}</script>', None),
    ('<meta property="article:published_time" content="2024-02-03">', "2024-02-03"),
])
def test_a_page_whose_publication_tags_hold_no_date_is_stored_without_one(tag: str, published: str | None) -> None:
    body = "<p>" + "The council met on Tuesday to discuss the harbour bridge budget, officials said in a statement. " * 3 + "</p>"
    html = f"<html><head><title>Bridge</title>{tag}</head><body><article><h1>Bridge</h1>{body}</article></body></html>"
    article = clean(RawDocument(origin="bridge.html", content=html, kind="html"))
    assert isinstance(article, Article) and article.published == published  # not an invented 2024-01-01 or 2024-02-01


@pytest.mark.parametrize("depth", [300, 5000])
def test_a_page_nested_deeper_than_the_html_parser_goes_is_still_read(depth: int) -> None:
    body = "<p>" + "The council met on Tuesday to discuss the harbour bridge budget, officials said in a statement. " * 3 + "</p>"
    html = "<html><head><title>Bridge</title></head><body>" + '<div class="wrap">' * depth + f"<article><h1>Bridge</h1>{body}</article>" + "</div>" * depth + "</body></html>"
    article = clean(RawDocument(origin="deep.html", content=html, kind="html"))
    assert isinstance(article, Article) and "harbour bridge budget" in article.text


def test_the_year_of_a_copyright_notice_is_not_taken_for_the_publication_date() -> None:
    body = "<p>A fire destroyed the historic sawmill in Halberg yesterday, the fire brigade said.</p>" \
           "<p>Forty firefighters fought the blaze for six hours before it was under control.</p>"
    page = f"<html><body><article><h1>Sawmill burns</h1>{body}</article><footer>© 2026 Halberg Courier.</footer></body></html>"
    undated = clean(RawDocument(origin="courier.html", content=page, kind="html"))
    assert isinstance(undated, Article) and undated.published is None  # not 2026-01-01
    tagged = page.replace("<html>", '<html><head><meta property="article:published_time" content="2026-01-01"></head>')
    dated = clean(RawDocument(origin="courier.html", content=tagged, kind="html"))
    assert isinstance(dated, Article) and dated.published == "2026-01-01"  # a date the page states is kept


@pytest.mark.parametrize(
    ("extra", "published"),
    [
        ("<p>The mill had stood there since 1998, when a grain silo burned down.</p>", None),  # not 1998-01-01
        ("<figure><figcaption>Firefighters at the mill, Oct. 15, 2025.</figcaption></figure>", None),  # not 2025-01-01
        ("<p>The mill had reopened on 1 January 1998 after a fire.</p>", "1998-01-01"),  # a first of January it writes
    ],
)
def test_a_page_without_a_date_tag_is_not_dated_by_a_year_it_mentions(extra: str, published: str | None) -> None:
    body = "<p>A fire destroyed the historic sawmill in Halberg yesterday, the fire brigade said.</p>" \
           "<p>Forty firefighters fought the blaze for six hours before it was under control.</p>"
    page = f"<html><body><article><h1>Sawmill burns</h1>{body}{extra}</article></body></html>"
    article = clean(RawDocument(origin="courier.html", content=page, kind="html"))
    assert isinstance(article, Article) and article.published == published


def test_the_language_a_page_declares_is_the_articles() -> None:
    body = "<p>" + "Die Feuerwehr hat den Brand in der alten Sägemühle am Montag gelöscht, sagte ein Sprecher. " * 3 + "</p>"
    page = f'<html lang="de-CH"><head><title>Brand</title></head><body><article><h1>Brand</h1>{body}</article></body></html>'
    article = clean(RawDocument(origin="brand.html", content=page, kind="html"))
    assert isinstance(article, Article) and article.language == "de-ch"
    undeclared = clean(RawDocument(origin="brand.html", content=page.replace(' lang="de-CH"', ""), kind="html"))
    assert isinstance(undeclared, Article) and undeclared.language is None  # not guessed
