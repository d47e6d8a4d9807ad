"""Rendering a report: terminal, Markdown, HTML and the ``render`` dispatcher.

The report is built by hand: a fictional bridge closure in Port Verity reported by
four outlets, one of which reprints a wire story, with a translated quote, two
conflicts, single-source claims, a skipped input and removed boilerplate.
"""

from __future__ import annotations

import html as html_lib
import io
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rich.console import Console

from triangulate.errors import ConfigError
from triangulate.models import (
    Article,
    Claim,
    Conflict,
    ConflictSide,
    Detail,
    Fact,
    Removed,
    Report,
    SingleSource,
    Skipped,
    SourceRef,
    SummarySentence,
    Syndication,
)
from triangulate.render import FORMATS, render, render_html, render_markdown, render_terminal
from triangulate.render.markdown import escape_markdown
from triangulate.render.view import build_view, split_highlight

LEDGER, WIRE, VALLEY, MERIDIAN = "Coastal Ledger", "Northwire", "Valley Post", "Meridian Daily"

DONATION = "Independent local news needs you: donate to the Coastal Ledger today."
CAPTION = "Traffic queues at the Harbor Bridge on Sunday. (Photo: R. Imre / Meridian Daily)"
SCRIPT = '<script>alert("owned")</script>'


def claim(cid: str, article: str, outlet: str, text: str, *details: Detail, quote: str | None = None,
          speaker: str | None = None) -> Claim:
    return Claim(id=cid, article_id=article, outlet=outlet, text=text, paragraph=0, position=0,
                 quote=quote, speaker=speaker, details=details)


def article(aid: str, outlet: str, title: str, *paragraphs: str, removed: tuple[Removed, ...] = ()) -> Article:
    return Article(id=aid, outlet=outlet, title=title, paragraphs=paragraphs, removed=removed,
                   url=f"https://{outlet.lower().replace(' ', '')}.example/{aid}", published="2031-04-02")


# Claims -----------------------------------------------------------------------

CLOSED_LEDGER = claim("c-led-1", "a-led", LEDGER, "The Harbor Bridge was closed on Sunday for urgent repairs.")
CLOSED_WIRE = claim("c-wire-1", "a-wire", WIRE, "Port Verity shut its Harbor Bridge on Sunday to carry out urgent repairs.")
CLOSED_VALLEY = claim("c-val-1", "a-val", VALLEY, "Port Verity shut its Harbor Bridge on Sunday to carry out urgent repairs.")

QUOTE_LEDGER = claim("c-led-2", "a-led", LEDGER, 'Mayor Ilse Varga said: "We will not reopen the bridge until it is safe."',
                     quote="We will not reopen the bridge until it is safe.", speaker="Ilse Varga")
QUOTE_MERIDIAN = claim("c-mer-1", "a-mer", MERIDIAN, '"We are not going to open the bridge before it is safe," Varga told reporters.',
                       quote="We are not going to open the bridge before it is safe,", speaker="Ilse Varga")

WEEKS_LEDGER = claim("c-led-3", "a-led", LEDGER, "Engineers expect the work to take 12 weeks.",
                     Detail("duration", "12 week", "12 weeks", "week"))
WEEKS_MERIDIAN = claim("c-mer-2", "a-mer", MERIDIAN, "The repairs should last ten weeks, engineers said.",
                       Detail("duration", "10 week", "ten weeks", "week"))

FERRY_WIRE = claim("c-wire-2", "a-wire", WIRE, "An extra ferry service starts on Monday.",
                   Detail("weekday", "monday", "Monday"))
FERRY_VALLEY = claim("c-val-2", "a-val", VALLEY, "An extra ferry service starts on Monday.",
                     Detail("weekday", "monday", "Monday"))
FERRY_MERIDIAN = claim("c-mer-3", "a-mer", MERIDIAN, "A replacement ferry will begin running on Tuesday.",
                       Detail("weekday", "tuesday", "Tuesday"))

TOLL_WIRE = claim("c-wire-3", "a-wire", WIRE, "Ferry tickets will be free for residents.")
TOLL_VALLEY = claim("c-val-3", "a-val", VALLEY, "Ferry tickets will be free for residents.")

SHOPS = claim("c-led-4", "a-led", LEDGER, "Shop owners on Quay Street expect fewer customers.")
VOTE = claim("c-mer2-1", "a-mer2", MERIDIAN, "The council votes on a ferry subsidy on Thursday.",
             Detail("weekday", "thursday", "Thursday"))
COST = claim("c-mer-4", "a-mer", MERIDIAN, "The repairs will cost 4.2 million crowns.",
             Detail("money", "4200000 crown", "4.2 million crowns", "crown"))


def sample_report() -> Report:
    facts = (
        Fact("f-closed", "paraphrase", (CLOSED_LEDGER, CLOSED_WIRE, CLOSED_VALLEY), (LEDGER, WIRE, VALLEY), 2, score=0.9),
        Fact("f-quote", "quote", (QUOTE_LEDGER, QUOTE_MERIDIAN), (LEDGER, MERIDIAN), 2, speaker="Ilse Varga", score=0.8),
        Fact("f-weeks", "paraphrase", (WEEKS_LEDGER, WEEKS_MERIDIAN), (LEDGER, MERIDIAN), 2, score=0.7),
        Fact("f-ferry", "paraphrase", (FERRY_WIRE, FERRY_VALLEY, FERRY_MERIDIAN), (WIRE, VALLEY, MERIDIAN), 2, score=0.6),
        Fact("f-toll", "verbatim", (TOLL_WIRE, TOLL_VALLEY), (WIRE, VALLEY), 1, score=0.5),
    )
    # Source numbers deliberately differ from the order of ``articles``, and Meridian
    # Daily has two articles ([4] and [5]): citations must follow article ids.
    sources = (
        SourceRef(1, LEDGER, "a-led", "Harbor Bridge shut for repairs", "https://coastalledger.example/a-led", "2031-04-02"),
        SourceRef(2, WIRE, "a-wire", "Port Verity closes bridge", "https://northwire.example/a-wire", "2031-04-01"),
        SourceRef(3, VALLEY, "a-val", "Port Verity closes bridge", "https://valleypost.example/a-val", "2031-04-02"),
        SourceRef(4, MERIDIAN, "a-mer", "Bridge closed, ferry to Tuesday", "https://meridiandaily.example/a-mer", None),
        SourceRef(5, MERIDIAN, "a-mer2", "Council to vote on ferry subsidy", None, "2031-04-03"),
    )
    articles = (
        article("a-mer", MERIDIAN, "Bridge closed, ferry to Tuesday", QUOTE_MERIDIAN.text, WEEKS_MERIDIAN.text,
                removed=(Removed(CAPTION, "caption"),)),
        article("a-led", LEDGER, "Harbor Bridge shut for repairs", CLOSED_LEDGER.text, QUOTE_LEDGER.text,
                removed=(Removed(DONATION, "donation"), Removed("Share this article", "share"))),
        article("a-wire", WIRE, "Port Verity closes bridge", CLOSED_WIRE.text),
        article("a-val", VALLEY, "Port Verity closes bridge", CLOSED_VALLEY.text),
        article("a-mer2", MERIDIAN, "Council to vote on ferry subsidy", VOTE.text),
    )
    return Report(
        sources=sources,
        articles=articles,
        facts=facts,
        single_source=(
            SingleSource(LEDGER, SHOPS),
            SingleSource(MERIDIAN, VOTE),
            SingleSource(MERIDIAN, COST, detail="4.2 million crowns"),
        ),
        conflicts=(
            Conflict("f-weeks", "duration", ConflictSide(LEDGER, "c-led-3", WEEKS_LEDGER.text, "12 week"),
                     ConflictSide(MERIDIAN, "c-mer-2", WEEKS_MERIDIAN.text, "10 week"),
                     "Coastal Ledger says 12 weeks, Meridian Daily says ten weeks."),
            Conflict("f-ferry", "weekday", ConflictSide(WIRE, "c-wire-2", FERRY_WIRE.text, "monday"),
                     ConflictSide(MERIDIAN, "c-mer-3", FERRY_MERIDIAN.text, "tuesday"),
                     "The ferry starts on Monday or on Tuesday."),
        ),
        summary=(
            SummarySentence("Port Verity closed its Harbor Bridge on Sunday for urgent repairs.", (1, 2, 3), "f-closed"),
            SummarySentence("Mayor Ilse Varga said the bridge would stay shut until it is safe.", (1, 4), "f-quote"),
        ),
        syndication=(Syndication(WIRE, (VALLEY,), 0.98),),
        skipped=(Skipped("notes/empty.txt", "empty", "the file contains no text"),),
        claims=(CLOSED_LEDGER, QUOTE_LEDGER, WEEKS_LEDGER, SHOPS, CLOSED_WIRE, FERRY_WIRE, TOLL_WIRE,
                CLOSED_VALLEY, FERRY_VALLEY, TOLL_VALLEY, QUOTE_MERIDIAN, WEEKS_MERIDIAN, FERRY_MERIDIAN, COST, VOTE),
        title="Harbor Bridge closure in Port Verity",
    )


def terminal_text(report: Report, *, width: int = 100, **options: bool) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, no_color=True)
    render_terminal(report, console=console, **options)
    return buffer.getvalue()


def flat(text: str) -> str:
    """Text with table borders and line breaks folded away, for phrase checks across wraps."""
    return " ".join(re.sub(r"[│┃║|─━═╭╮╰╯┏┓┗┛┡┩┠┨┣┫╇╈╋┼]", " ", text).split())


def words_in_order(sentence: str, text: str) -> bool:
    position = 0
    for word in sentence.split():
        position = text.find(word, position)
        if position < 0:
            return False
        position += len(word)
    return True


BLOCKS = {"p", "li", "td", "th", "tr", "div", "h1", "h2", "h3", "br", "figcaption", "blockquote", "caption"}


class TextOf(HTMLParser):
    """Collects the visible text (blocks and cells separated by spaces) and the tags of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in BLOCKS:
            self.text.append(" ")
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self.text.append(" ")
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def parse(page: str) -> TextOf:
    parser = TextOf()
    parser.feed(page)
    return parser


def visible(page: str) -> str:
    return " ".join("".join(parse(page).text).split())


def section(text: str, start: str, end: str | None = None) -> str:
    begin = text.index(start)
    stop = text.index(end, begin) if end else len(text)
    return text[begin:stop]


# View -------------------------------------------------------------------------


def test_a_corroborated_fact_whose_outlets_disagree_on_a_detail_says_it_is_disputed() -> None:
    view = build_view(sample_report())
    weeks = next(row for row in view.corroborated if row.id == "f-weeks")
    assert weeks.support == "2 independent sources (2 outlets; disputed (duration): see Conflicts)"
    ferry = next(row for row in view.corroborated if row.id == "f-ferry")
    assert ferry.support.endswith("; disputed (day): see Conflicts)")
    for page in (render_markdown(sample_report()), terminal_text(sample_report(), width=200)):
        assert "disputed (duration): see Conflicts" in " ".join(page.split())


def test_fact_support_counts_independent_sources_and_names_the_wire_copy() -> None:
    view = build_view(sample_report())
    closed = next(row for row in view.corroborated if row.id == "f-closed")
    assert closed.support == "2 independent sources (3 outlets; wire copy: Valley Post reprinted Northwire)"
    assert closed.sources == (1, 2, 3)


def test_facts_with_one_independent_source_are_not_listed_as_corroborated() -> None:
    view = build_view(sample_report())
    assert "f-toll" not in {row.id for row in view.corroborated}
    assert [row.id for row in view.other_facts] == ["f-toll"]


def test_conflict_highlight_uses_the_detail_as_written_not_its_normalised_value() -> None:
    view = build_view(sample_report())
    weeks = next(c for c in view.conflicts if c.fact_id == "f-weeks")
    assert weeks.b.span == "ten weeks"
    assert split_highlight(weeks.b.text, weeks.b.span) == [
        ("The repairs should last ", False), ("ten weeks", True), (", engineers said.", False)]


def test_single_source_claims_cite_the_article_they_come_from() -> None:
    view = build_view(sample_report())
    meridian = next(g for g in view.single_source if g.outlet == MERIDIAN)
    assert meridian.sources == (4, 5)


def test_a_sentence_split_for_alignment_and_a_running_quote_read_as_one_item_each() -> None:
    def part(position: int, text: str, speaker: str | None = None) -> Claim:
        return replace(claim(f"c-p{position}", "a-led", LEDGER, text, speaker=speaker), paragraph=3, position=position)

    parts = [
        part(1, "The bridge belongs to the Harbor Trust"),
        part(2, "which said repairs were overdue."),
        part(3, '"The cables are old.', "Ada Kern"),
        part(4, 'We warned the council," said Ada Kern.', "Ada Kern"),
        part(5, "Traffic was diverted"),  # cut clause, but the next sentence is not its rest
        part(6, "Officials apologised to commuters."),
        part(7, "eBay shares fell 5 percent on Monday."),  # lower-case start, a whole sentence
        part(8, "Ferries ran late"),  # its rest (position 9) is part of a fact
        part(9, "as crews checked the piers."),
        part(10, "which angered commuters."),
        part(11, "The pier was shut"),  # in a fact
        part(12, "while divers inspected it."),
    ]
    single = tuple(SingleSource(LEDGER, c) for c in parts if c.position not in (9, 11))
    report = sample_report()
    view = build_view(replace(report, claims=report.claims + tuple(parts), single_source=single))
    shown = [i.claim.text for i in next(g for g in view.single_source if g.outlet == LEDGER).items]
    assert shown == [
        "The bridge belongs to the Harbor Trust, which said repairs were overdue.",
        '"The cables are old. We warned the council," said Ada Kern.',
        "Traffic was diverted",
        "Officials apologised to commuters.",
        "eBay shares fell 5 percent on Monday.",
        "Ferries ran late",
        "which angered commuters.",
        "\u2026 while divers inspected it.",
    ]
    assert view.single_source_count == 8


# Terminal ---------------------------------------------------------------------


def test_terminal_report_has_every_section_in_order() -> None:
    text = terminal_text(sample_report())
    headings = ["Sources", "Summary", "Corroborated facts", "Quotes", "Conflicts",
                "Single-source claims", "Syndication", "Skipped inputs"]
    positions = [re.search(rf"^{h}", text, re.MULTILINE).start() for h in headings]  # type: ignore[union-attr]
    assert positions == sorted(positions)
    assert "Harbor Bridge closure in Port Verity" in text


def test_terminal_summary_sentences_carry_their_citations() -> None:
    text = flat(terminal_text(sample_report()))
    assert "for urgent repairs. [1][2][3]" in text
    assert "until it is safe. [1][4]" in text


def test_terminal_shows_both_sides_of_a_conflict_with_their_values() -> None:
    text = flat(section(terminal_text(sample_report(), width=120), "Conflicts", "Single-source claims"))
    for phrase in ("Differing duration", "12 week", "10 week", "Differing day", "monday", "tuesday",
                   "[2] Northwire", "[4] Meridian Daily"):
        assert phrase in text, phrase


def test_terminal_quotes_show_each_outlets_wording_and_the_speaker() -> None:
    text = flat(section(terminal_text(sample_report(), width=120), "Quotes", "Conflicts"))
    assert "Ilse Varga" in text
    assert words_in_order("We will not reopen the bridge until it is safe.", text)
    assert words_in_order("We are not going to open the bridge before it is safe,", text)


def test_terminal_does_not_truncate_long_text_on_a_narrow_console() -> None:
    long_claim = replace(SHOPS, text="Shop owners on Quay Street say " + "a very long account " * 12 + "ends here.")
    report = replace(sample_report(), single_source=(SingleSource(LEDGER, long_claim),))
    text = terminal_text(report, width=40, show_claims=True, show_removed=True)
    assert "…" not in text
    assert words_in_order(long_claim.text, flat(text))
    assert words_in_order(CLOSED_WIRE.text, flat(text))
    view = build_view(report)
    for support in [row.support for row in view.corroborated] + [q.support for q in view.quotes]:
        assert words_in_order(support, flat(text)), support


def test_terminal_prints_article_text_literally_not_as_markup() -> None:
    odd = replace(SHOPS, text="A sign read [bold]CLOSED[/bold] and [red]detour[/].")
    report = replace(sample_report(), single_source=(SingleSource(LEDGER, odd),))
    assert "A sign read [bold]CLOSED[/bold] and [red]detour[/]." in flat(terminal_text(report, width=120))


def test_terminal_shows_each_outlets_claim_only_when_asked() -> None:
    assert "c-" not in terminal_text(sample_report())  # ids never leak into the terminal report
    without = flat(terminal_text(sample_report(), width=120))
    with_claims = flat(terminal_text(sample_report(), width=120, show_claims=True))
    wire_version = "[2] Northwire: Port Verity shut its Harbor Bridge"
    assert wire_version not in without
    assert wire_version in with_claims


def test_terminal_shows_removed_boilerplate_only_with_show_removed() -> None:
    without = flat(terminal_text(sample_report(), width=120))
    shown = flat(terminal_text(sample_report(), width=120, show_removed=True))
    assert "Independent local news needs you" not in without
    assert words_in_order(DONATION, shown)
    assert "donation" in shown and "caption" in shown


# Markdown ---------------------------------------------------------------------


def test_markdown_cites_sources_by_number_and_links_citations_to_articles() -> None:
    md = render_markdown(sample_report())
    assert "Port Verity closed its Harbor Bridge on Sunday for urgent repairs. [1][2][3]" in md
    assert "- [5] **Meridian Daily** — Council to vote on ferry subsidy (2031\\-04\\-03)" not in md
    assert "- [5] **Meridian Daily** — Council to vote on ferry subsidy (2031-04-03)" in md
    assert "[2]: https://northwire.example/a-wire" in md
    assert "[5]:" not in md  # no URL, no reference link


def test_markdown_facts_list_outlets_count_and_each_wording() -> None:
    md = section(render_markdown(sample_report()), "## Corroborated facts", "## Facts from one")
    # Headed by the wording most versions share (the wire's, also reprinted), as in the summary.
    assert "1. Port Verity shut its Harbor Bridge on Sunday to carry out urgent repairs. [1][2][3]" in md
    assert "[1] **Coastal Ledger**: The Harbor Bridge was closed on Sunday for urgent repairs." in md
    assert "2 independent sources (3 outlets; wire copy: Valley Post reprinted Northwire)" in md
    assert "[4] **Meridian Daily**: A replacement ferry will begin running on Tuesday." in md


def test_a_conflict_between_versions_published_hours_apart_may_be_an_update() -> None:
    # A death toll that rises, a deal that replaces an offer: the later version may be news,
    # not a contradiction. The ferry day's versions come from Northwire and Meridian Daily.
    def published(times: dict[str, str]) -> Report:
        report = sample_report()
        return replace(report, articles=tuple(replace(a, published=times.get(a.id, a.published)) for a in report.articles))

    later = published({"a-wire": "2031-04-02T08:00:00Z", "a-mer": "2031-04-03T14:30:00+02:00"})
    ferry = next(c for c in build_view(later).conflicts if c.kind == "weekday")
    assert ferry.timing == "Meridian Daily's version was published 29 hours later: it may be an update rather than a contradiction."
    assert ferry.timing in flat(terminal_text(later, width=200))
    assert ferry.timing in render_markdown(later) and ferry.timing in visible(render_html(later))
    close = published({"a-wire": "2031-04-02T08:00:00Z", "a-mer": "2031-04-02T11:00:00Z"})
    assert next(c for c in build_view(close).conflicts if c.kind == "weekday").timing is None
    # A day alone says nothing about hours.
    assert next(c for c in build_view(sample_report()).conflicts if c.kind == "weekday").timing is None


def test_the_hours_between_versions_are_read_from_rfc_2822_times_as_from_iso_ones() -> None:
    # Feeds write RFC 2822 ("Wed, 02 Apr 2031 08:00:00 GMT"); reports read both, as the corpus does.
    report = sample_report()
    times = {"a-wire": "Wed, 02 Apr 2031 08:00:00 GMT", "a-mer": "Thu, 03 Apr 2031 14:30:00 +0200"}
    later = replace(report, articles=tuple(replace(a, published=times.get(a.id, a.published)) for a in report.articles))
    ferry = next(c for c in build_view(later).conflicts if c.kind == "weekday")
    assert ferry.timing == "Meridian Daily's version was published 29 hours later: it may be an update rather than a contradiction."


def test_markdown_conflict_highlights_the_differing_detail() -> None:
    md = section(render_markdown(sample_report()), "## Conflicts", "## Single-source claims")
    assert "| [1] Coastal Ledger | Engineers expect the work to take **12 weeks**. | **12 week** |" in md
    assert "| [4] Meridian Daily | The repairs should last **ten weeks**, engineers said. | **10 week** |" in md
    assert "**Monday**" in md and "**Tuesday**" in md


def test_markdown_quotes_are_a_table_of_outlet_and_wording() -> None:
    md = section(render_markdown(sample_report()), "## Quotes", "## Conflicts")
    assert "### Ilse Varga" in md
    assert "| [1] Coastal Ledger | “We will not reopen the bridge until it is safe.” |" in md
    assert "| [4] Meridian Daily | “We are not going to open the bridge before it is safe,” |" in md


def test_markdown_single_source_claims_are_grouped_per_outlet() -> None:
    md = section(render_markdown(sample_report()), "## Single-source claims", "## Syndication")
    assert "### [1] Coastal Ledger — no other outlet found reporting these\n\n- Shop owners on Quay Street expect fewer customers." in md
    assert "### [4][5] Meridian Daily" in md
    assert "(only here: 4.2 million crowns)" in md


def test_markdown_lists_syndication_and_skipped_inputs() -> None:
    md = render_markdown(sample_report())
    assert "- **Valley Post** reprinted **Northwire** (similarity 0.98; counted as one source)" in md
    assert "| notes/empty.txt | `empty` (read) | the file contains no text |" in md


def test_markdown_removed_boilerplate_appears_only_with_show_removed() -> None:
    assert DONATION not in render_markdown(sample_report())
    md = render_markdown(sample_report(), show_removed=True)
    assert f"| `donation` | {DONATION} |" in md
    assert "| `caption` | Traffic queues at the Harbor Bridge on Sunday. (Photo: R. Imre / Meridian Daily) |" in md


# A claim in no fact and not single-source (a reprint's own sentence): only --show-claims lists it.
DETOUR = claim("c-val-4", "a-val", VALLEY, "Traffic is diverted over the Old Mill Road until Friday.",
               Detail("weekday", "friday", "Friday"), Detail("entity", "Old Mill Road", "Old Mill Road"))


def with_detour() -> Report:
    report = sample_report()
    return replace(report, claims=report.claims + (DETOUR,))


def test_markdown_lists_every_claim_of_every_article_only_with_show_claims() -> None:
    assert "Old Mill Road" not in render_markdown(with_detour())
    md = render_markdown(with_detour(), show_claims=True)
    claims = section(md, "## All claims")
    valley = section(claims, "### [3] Valley Post — Port Verity closes bridge", "### [4]")
    assert "- Traffic is diverted over the Old Mill Road until Friday. _(weekday: Friday; entity: Old Mill Road)_" in valley
    assert "- Ferry tickets will be free for residents." in valley
    meridian = section(claims, "### [4] Meridian Daily", "### [5]")
    assert "_(speaker: Ilse Varga)_" in meridian
    assert all(c.text.split(",")[0] in claims for c in with_detour().claims)
    assert render(with_detour(), "markdown", show_claims=True) == md


def test_html_and_terminal_list_every_claim_only_with_show_claims() -> None:
    assert "Old Mill Road" not in render_html(with_detour())
    page = visible(render_html(with_detour(), show_claims=True))
    assert "All claims" in page
    assert "Traffic is diverted over the Old Mill Road until Friday. (weekday: Friday; entity: Old Mill Road)" in page
    assert "Old Mill Road" not in terminal_text(with_detour(), width=120)
    text = flat(section(terminal_text(with_detour(), width=120, show_claims=True), "All claims"))
    assert words_in_order("[3] Valley Post Traffic is diverted over the Old Mill Road until Friday.", text)


def test_markdown_escapes_article_text_that_looks_like_markup() -> None:
    odd = replace(SHOPS, text=f"Residents posted {SCRIPT} and [a link](javascript:alert(1)) *everywhere*.")
    md = render_markdown(replace(sample_report(), single_source=(SingleSource(LEDGER, odd),)))
    assert SCRIPT not in md and "<script>" not in md
    assert "\\<script\\>" in md
    assert "[a link](javascript" not in md
    assert escape_markdown("# not a heading").startswith("\\#")


# HTML -------------------------------------------------------------------------


def test_html_is_one_self_contained_page_without_scripts_or_external_assets() -> None:
    page = render_html(sample_report(), show_removed=True)
    parsed = parse(page)
    assert page.startswith("<!DOCTYPE html>")
    assert not [t for t, _ in parsed.tags if t in ("script", "link", "img", "iframe", "object", "embed")]
    for tag, attrs in parsed.tags:
        if tag != "a":  # anchors to the original articles are links, not assets
            assert not any(v and re.search(r"https?:", v) for k, v in attrs.items() if k != "content"), (tag, attrs)
    css = section(page, "<style>", "</style>")
    assert "url(" not in css and "@import" not in css
    assert "default-src 'none'" in page


def test_html_links_only_point_to_the_page_or_to_the_original_articles() -> None:
    report = sample_report()
    parsed = parse(render_html(report))
    urls = {ref.url for ref in report.sources if ref.url}
    hrefs = [attrs["href"] for tag, attrs in parsed.tags if tag == "a"]
    assert hrefs
    for href in hrefs:
        assert href is not None
        assert href.startswith("#") or href in urls, href


def test_html_escapes_script_in_article_text() -> None:
    odd = replace(SHOPS, text=f"A reader posted {SCRIPT} under the story.")
    report = replace(sample_report(), single_source=(SingleSource(LEDGER, odd),),
                     title=f"Bridge {SCRIPT}", skipped=(Skipped(f"{SCRIPT}.txt", "binary", SCRIPT),))
    page = render_html(report)
    assert "<script" not in page.lower()
    assert html_lib.escape(SCRIPT, quote=True) in page or "&lt;script&gt;" in page
    assert f"A reader posted {SCRIPT} under the story." in visible(page)


def test_html_does_not_link_javascript_urls() -> None:
    report = sample_report()
    bad = replace(report.sources[0], url="javascript:alert(1)")
    page = render_html(replace(report, sources=(bad, *report.sources[1:])))
    hrefs = [attrs.get("href") or "" for tag, attrs in parse(page).tags if tag == "a"]
    assert not [h for h in hrefs if h.lower().startswith("javascript")]
    assert "javascript:alert(1)" in page  # still shown, as text


def test_html_citations_link_to_the_source_list_and_to_the_facts_claims() -> None:
    page = render_html(sample_report())
    parsed = parse(page)
    ids = {attrs["id"] for _, attrs in parsed.tags if attrs.get("id")}
    summary = section(page, '<h2 id="summary">', "</section>")
    cited = re.findall(r'href="#source-(\d+)"', summary.split("</p>")[0])
    assert cited == ["1", "2", "3"]
    assert 'href="#fact-f-closed"' in summary
    assert {"source-1", "source-5", "fact-f-closed", "claim-c-wire-1", "claim-c-mer2-1"} <= ids
    for href in re.findall(r'href="#([^"]+)"', page):
        assert href in ids, f"dangling link #{href}"


def test_html_fact_row_lists_support_and_every_outlets_wording() -> None:
    page = render_html(sample_report())
    row = section(page, '<tr id="fact-f-ferry">', "</tr>")
    text = visible(row)
    assert "2 independent sources (3 outlets; wire copy: Valley Post reprinted Northwire; disputed (day): see Conflicts)" in text
    assert "[4] Meridian Daily: A replacement ferry will begin running on Tuesday." in text
    assert re.findall(r'href="#source-(\d+)"', row.split("<td>")[1]) == ["2", "3", "4"]


def test_html_conflict_marks_the_differing_detail_in_each_version() -> None:
    page = render_html(sample_report())
    conflicts = section(page, '<h2 id="conflicts">', "</section>")
    assert "Engineers expect the work to take <mark>12 weeks</mark>." in conflicts
    assert "The repairs should last <mark>ten weeks</mark>, engineers said." in conflicts
    assert "<mark>Monday</mark>" in conflicts and "<mark>Tuesday</mark>" in conflicts


def test_html_tables_have_scoped_headers_and_the_page_is_phone_ready() -> None:
    page = render_html(sample_report(), show_removed=True)
    parsed = parse(page)
    headers = [attrs for tag, attrs in parsed.tags if tag == "th"]
    assert headers and all(attrs.get("scope") in ("col", "row") for attrs in headers)
    assert ("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}) in parsed.tags
    assert ("html", {"lang": "en"}) in parsed.tags
    assert [t for t, _ in parsed.tags if t == "h1"] == ["h1"]
    assert {"main", "nav", "header", "footer"} <= {t for t, _ in parsed.tags}


def test_html_quotes_show_speaker_and_each_wording() -> None:
    page = render_html(sample_report())
    quotes = visible(section(page, '<h2 id="quotes">', "</section>"))
    assert "Ilse Varga" in quotes
    assert "“We will not reopen the bridge until it is safe.” [1] Coastal Ledger" in quotes
    assert "“We are not going to open the bridge before it is safe,” [4] Meridian Daily" in quotes


def test_html_removed_boilerplate_appears_only_with_show_removed() -> None:
    assert "Independent local news needs you" not in render_html(sample_report())
    page = render_html(sample_report(), show_removed=True)
    removed = visible(section(page, '<h2 id="removed">', "</section>"))
    assert f"donation {DONATION}" in removed
    assert "caption Traffic queues at the Harbor Bridge on Sunday." in removed


def test_html_lists_skipped_inputs_and_syndication() -> None:
    text = visible(render_html(sample_report()))
    assert "notes/empty.txt empty (read) the file contains no text" in text
    assert "Valley Post reprinted Northwire (similarity 0.98)" in text


# Empty report and dispatcher ---------------------------------------------------


def test_an_empty_report_renders_in_every_format_with_clear_messages() -> None:
    empty = Report(sources=(), articles=(), facts=(), single_source=(), conflicts=(), summary=())
    for fmt in FORMATS:
        out = render(empty, fmt)
        assert out.strip(), fmt
    assert "No summary" in render(empty, "markdown")
    assert "No conflicting details found." in render(empty, "html")


def test_render_dispatches_to_each_format() -> None:
    report = sample_report()
    assert render(report, "html") == render_html(report)
    assert render(report, "markdown", show_removed=True) == render_markdown(report, show_removed=True)
    assert render(report, "json").lstrip().startswith('{\n  "schema_version"')
    assert "Corroborated facts" in render(report, "terminal")
    assert "\x1b[" not in render(report, "terminal")  # plain text when no console is given


def test_render_prints_on_a_given_console() -> None:
    buffer = io.StringIO()
    assert render(sample_report(), "terminal", console=Console(file=buffer, width=100)) == ""
    assert "Harbor Bridge closure in Port Verity" in buffer.getvalue()


def test_render_rejects_an_unknown_format_with_a_coded_error() -> None:
    with pytest.raises(ConfigError, match=r"\[E210\].*unknown output format 'pdf'"):
        render(sample_report(), "pdf")


# In a real browser (skipped where headless Chromium is not installed) -----------


@pytest.mark.browser
def test_html_in_chromium_runs_no_article_script_and_fits_a_phone_screen(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("headless Chromium (/usr/bin/chromium) is not installed")
    odd = replace(SHOPS, text=f"A reader posted {SCRIPT} <img src=x onerror=alert(2)> here.")
    report = replace(sample_report(), single_source=(SingleSource(LEDGER, odd),))
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(report, show_removed=True), encoding="utf-8")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium))
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_file.as_uri())
            assert dialogs == []
            assert requests == [page_file.as_uri()]  # nothing else is fetched
            assert f"A reader posted {SCRIPT} <img src=x onerror=alert(2)> here." in " ".join(page.inner_text("body").split())
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.click("a.cite[href='#source-2']")
            assert page.evaluate("location.hash") == "#source-2"
        finally:
            browser.close()
