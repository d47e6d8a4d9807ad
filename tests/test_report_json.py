"""The JSON form of a report: layout, derived fields, schema, round trip, versioning."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triangulate.models import (
    REPORT_SCHEMA_VERSION,
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
from triangulate.report_json import (
    ReportSchemaError,
    load_schema,
    report_from_dict,
    report_from_json,
    report_to_dict,
    report_to_json,
)

DOCS = Path(__file__).parents[1] / "docs" / "report-schema.md"

HERALD, CITY, WIRE, REPRINT = "Lakeside Herald", "City Courier", "Eastwire", "Pine Gazette"


def c(cid: str, aid: str, outlet: str, text: str, *details: Detail, **extra: Any) -> Claim:
    return Claim(id=cid, article_id=aid, outlet=outlet, text=text, paragraph=1, position=2, details=details, **extra)


TRAIN_H = c("h1", "art-h", HERALD, "The night train to Orvik was cancelled for 3 days.", Detail("duration", "3 day", "3 days", "day"))
TRAIN_C = c("c1", "art-c", CITY, "Rail operators called off the Orvik night train for five days.",
            Detail("duration", "5 day", "five days", "day"))
TRAIN_W = c("w1", "art-w", WIRE, "The Orvik night train will not run for three days.", Detail("duration", "3 day", "three days", "day"))
TRAIN_R = c("r1", "art-r", REPRINT, "The Orvik night train will not run for three days.", Detail("duration", "3 day", "three days", "day"))
SAID_H = c("h2", "art-h", HERALD, "“Safety comes first,” said director Amira Solberg.", quote="Safety comes first,", speaker="Amira Solberg")
SAID_C = c("c2", "art-c", CITY, "Solberg said that safety had to come first.", quote="safety had to come first", speaker="Amira Solberg")
ONLY_C = c("c3", "art-c2", CITY, "Buses replace the train between Orvik and Marl.", Detail("entity", "Marl", "Marl"))
ONLY_H = c("h3", "art-h", HERALD, "Tickets are refunded in full.")


def sample_report(**changes: Any) -> Report:
    report = Report(
        sources=(
            SourceRef(1, HERALD, "art-h", "Night train cancelled", "https://herald.example/t", "2030-01-05", origin="herald.html"),
            SourceRef(2, CITY, "art-c", "Orvik train halted", None, None, origin="city.txt"),
            SourceRef(3, CITY, "art-c2", "Buses for Orvik line", None, "2030-01-06"),
            SourceRef(4, WIRE, "art-w", "Orvik train off", "https://eastwire.example/1"),
            SourceRef(5, REPRINT, "art-r", "Orvik train off", "https://pine.example/orvik"),
        ),
        articles=(
            Article("art-h", HERALD, "Night train cancelled", (TRAIN_H.text, SAID_H.text, ONLY_H.text),
                    (Removed("Photo: K. Lund", "caption"), Removed("Sign up for our newsletter", "newsletter")),
                    url="https://herald.example/t", published="2030-01-05", authors=("Ines Maro",),
                    dateline="ORVIK", origin="herald.html", raw="<html>raw herald page</html>", kind="html", language="en"),
            Article("art-c", CITY, "Orvik train halted", (TRAIN_C.text, SAID_C.text), origin="city.txt", raw="raw city text"),
            Article("art-c2", CITY, "Buses for Orvik line", (ONLY_C.text,), published="2030-01-06"),
            Article("art-w", WIRE, "Orvik train off", (TRAIN_W.text,), url="https://eastwire.example/1"),
            Article("art-r", REPRINT, "Orvik train off", (TRAIN_R.text,), url="https://pine.example/orvik"),
        ),
        facts=(
            Fact("fx-train", "paraphrase", (TRAIN_H, TRAIN_C, TRAIN_W, TRAIN_R), (HERALD, CITY, WIRE, REPRINT), 3, score=0.75),
            Fact("fx-said", "quote", (SAID_H, SAID_C), (HERALD, CITY), 2, speaker="Amira Solberg", score=0.5),
        ),
        single_source=(SingleSource(CITY, ONLY_C, nearest=ONLY_H, nearest_similarity=0.62), SingleSource(HERALD, ONLY_H),
                       SingleSource(CITY, ONLY_C, detail="Marl")),
        conflicts=(
            Conflict("fx-train", "duration", ConflictSide(HERALD, "h1", TRAIN_H.text, "3 day"),
                     ConflictSide(CITY, "c1", TRAIN_C.text, "5 day"), "3 days or five days"),
        ),
        summary=(SummarySentence("The Orvik night train was cancelled.", (1, 2, 4, 5), "fx-train"),
                 SummarySentence("Buses replace it.", (3,), None)),
        syndication=(Syndication(WIRE, (REPRINT,), 0.97),),
        skipped=(Skipped("blank.txt", "empty", "no text"), Skipped("x.bin", "binary", "not text", stage="clean")),
        claims=(TRAIN_H, SAID_H, ONLY_H, TRAIN_C, SAID_C, ONLY_C, TRAIN_W, TRAIN_R),
        title="Orvik night train",
        settings={"threshold": 0.6, "model": Path("/models/m"), "outlets": ("a", "b")},
    )
    return replace(report, **changes)


def test_json_has_the_versioned_top_level_layout() -> None:
    data = report_to_dict(sample_report())
    assert data["schema_version"] == REPORT_SCHEMA_VERSION
    assert list(data) == ["schema_version", "title", "sources", "summary", "facts", "quotes", "conflicts",
                          "single_source", "syndication", "claims", "articles", "skipped", "warnings", "stats", "settings"]


def test_fact_outlets_map_to_source_numbers_through_article_ids() -> None:
    train = report_to_dict(sample_report())["facts"][0]
    assert train["sources"] == [1, 2, 4, 5]
    assert [claim["source"] for claim in train["claims"]] == [1, 2, 4, 5]
    assert train["wire_copies"] == [{"origin": WIRE, "copies": [REPRINT]}]


def test_single_source_claims_are_grouped_per_outlet_in_source_order() -> None:
    groups = report_to_dict(sample_report())["single_source"]
    assert [g["outlet"] for g in groups] == [HERALD, CITY]
    city = groups[1]
    assert city["sources"] == [3]
    assert [(item["index"], item["detail"], item["claim"]["id"]) for item in city["items"]] == [(0, None, "c3"), (2, "Marl", "c3")]


def test_conflicts_carry_both_sides_with_sources_and_the_span_to_highlight() -> None:
    conflict = report_to_dict(sample_report())["conflicts"][0]
    assert conflict["kind"] == "duration"
    assert (conflict["a"]["source"], conflict["a"]["value"], conflict["a"]["span"]) == (1, "3 day", "3 days")
    assert (conflict["b"]["source"], conflict["b"]["value"], conflict["b"]["span"]) == (2, "5 day", "five days")


def test_quotes_list_the_speaker_and_each_outlets_words() -> None:
    (quote,) = report_to_dict(sample_report())["quotes"]
    assert quote["speaker"] == "Amira Solberg"
    assert [(v["source"], v["quote"]) for v in quote["versions"]] == [(1, "Safety comes first,"), (2, "safety had to come first")]


def test_stats_count_what_the_report_holds() -> None:
    stats = report_to_dict(sample_report())["stats"]
    assert stats == {"sources": 5, "articles": 5, "claims": 8, "facts": 2, "corroborated": 2, "quotes": 1,
                     "conflicts": 1, "single_source": 3, "syndicated": 1, "skipped": 2, "removed": 2}


def test_settings_are_written_as_plain_json_values() -> None:
    data = report_to_dict(sample_report())
    assert data["settings"] == {"threshold": 0.6, "model": "/models/m", "outlets": ["a", "b"]}
    json.dumps(data)  # raises if anything is not JSON


def test_raw_input_is_written_only_on_request() -> None:
    assert "raw" not in report_to_dict(sample_report())["articles"][0]
    assert report_to_dict(sample_report(), include_raw=True)["articles"][0]["raw"] == "<html>raw herald page</html>"


def test_round_trip_gives_back_an_equal_report() -> None:
    report = sample_report()
    assert report_from_dict(report_to_dict(report, include_raw=True)) == report
    assert report_from_json(report_to_json(report, include_raw=True)) == report


def test_an_older_report_has_no_closest_wordings() -> None:
    older = report_to_dict(sample_report(), include_raw=True)
    for group in older["single_source"]:
        for item in group["items"]:
            del item["nearest"]
    older["schema_version"] = "1.2"
    assert all(s.nearest is None and s.nearest_similarity is None for s in report_from_dict(older).single_source)
    assert report_from_dict(report_to_dict(sample_report())).single_source[0].nearest == sample_report().single_source[0].nearest


def test_warnings_round_trip_and_an_older_report_has_none() -> None:
    warned = sample_report(warnings=("these 3 articles read like 2 different events ([1] A; [2] B)",))
    assert report_from_dict(report_to_dict(warned, include_raw=True)) == warned
    older = report_to_dict(sample_report(), include_raw=True)
    del older["warnings"]
    older["schema_version"] = "1.1"
    assert report_from_dict(older).warnings == ()


def test_round_trip_without_raw_differs_only_in_raw() -> None:
    report = sample_report()
    back = report_from_dict(report_to_dict(report))
    assert back != report
    assert back == replace(report, articles=tuple(replace(a, raw="") for a in report.articles))


def test_round_trip_keeps_single_source_order_even_when_outlets_interleave() -> None:
    report = sample_report()
    assert [s.outlet for s in report.single_source] == [CITY, HERALD, CITY]
    assert report_from_dict(report_to_dict(report)).single_source == report.single_source


def test_produced_json_validates_against_the_shipped_schema() -> None:
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    for report in (sample_report(), Report(sources=(), articles=(), facts=(), single_source=(), conflicts=(), summary=())):
        jsonschema.validate(json.loads(report_to_json(report, include_raw=True)), schema,
                            cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("facts"),
        lambda d: d["facts"][0].update(independent_sources="three"),
        lambda d: d["summary"][0].update(citations=[0]),
        lambda d: d["conflicts"][0]["a"].pop("value"),
        lambda d: d.update(schema_version="2.0"),
        lambda d: d["sources"][0].update(colour="red"),
    ],
    ids=["missing-facts", "count-as-text", "citation-zero", "side-without-value", "major-2", "unknown-field"],
)
def test_schema_rejects_damaged_reports(damage: Any) -> None:
    data = json.loads(report_to_json(sample_report()))
    damage(data)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, load_schema(), cls=jsonschema.Draft202012Validator)


def test_a_newer_minor_version_is_read_and_its_new_fields_ignored() -> None:
    data = report_to_dict(sample_report(), include_raw=True)
    data["schema_version"] = REPORT_SCHEMA_VERSION.split(".")[0] + ".99"
    data["timeline"] = [{"outlet": HERALD}]
    data["facts"][0]["confidence"] = 0.9
    assert report_from_dict(data) == sample_report()


def test_another_major_version_is_refused_with_a_coded_error() -> None:
    data = report_to_dict(sample_report())
    data["schema_version"] = "0.9"
    with pytest.raises(ReportSchemaError, match=r"\[E120\].*recompute"):
        report_from_dict(data)


@pytest.mark.parametrize("bad", ['{"facts": []}', "[1, 2]", "not json", '{"schema_version": "1.0", "facts": [{"id": 1}]}'])
def test_malformed_input_raises_a_report_schema_error_not_a_traceback(bad: str) -> None:
    with pytest.raises(ReportSchemaError):
        report_from_json(bad)


def test_docs_describe_every_field_of_the_schema() -> None:
    if not DOCS.exists():
        pytest.fail(f"{DOCS} is missing")
    text = DOCS.read_text(encoding="utf-8")
    names: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            names.update(node.get("properties", {}))
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(load_schema())
    missing = sorted(name for name in names if not re.search(rf"`{re.escape(name)}`", text))
    assert not missing, f"undocumented fields: {missing}"


# Property: any report made of arbitrary text survives the round trip. ----------

texts = st.text(max_size=40)
optional = st.none() | texts
details = st.builds(Detail, kind=st.sampled_from(["number", "date", "weekday"]), value=texts, text=texts, unit=texts)
claims = st.builds(Claim, id=texts, article_id=st.sampled_from(["a1", "a2", "zz"]), outlet=texts, text=texts,
                   paragraph=st.integers(0, 50), position=st.integers(0, 50), quote=optional, speaker=optional,
                   details=st.lists(details, max_size=2).map(tuple))


@st.composite
def reports(draw: st.DrawFn) -> Report:
    facts = draw(st.lists(st.builds(
        Fact, id=texts, kind=st.sampled_from(["verbatim", "paraphrase", "quote"]),
        claims=st.lists(claims, min_size=1, max_size=3).map(tuple), outlets=st.lists(texts, max_size=3).map(tuple),
        independent_sources=st.integers(0, 5), speaker=optional,
        score=st.floats(allow_nan=False, allow_infinity=False)), max_size=3))
    return Report(
        sources=tuple(SourceRef(i + 1, draw(texts), aid, draw(texts), draw(optional), draw(optional), draw(texts))
                      for i, aid in enumerate(["a1", "a2"])),
        articles=tuple(draw(st.lists(st.builds(Article, id=texts, outlet=texts, title=texts,
                                               paragraphs=st.lists(texts, max_size=3).map(tuple),
                                               removed=st.lists(st.builds(Removed, texts, texts), max_size=2).map(tuple),
                                               url=optional, authors=st.lists(texts, max_size=2).map(tuple),
                                               raw=texts), max_size=2))),
        facts=tuple(facts),
        single_source=tuple(draw(st.lists(st.builds(SingleSource, outlet=texts, claim=claims, detail=optional), max_size=4))),
        conflicts=tuple(draw(st.lists(st.builds(
            Conflict, fact_id=texts, kind=texts, a=st.builds(ConflictSide, texts, texts, texts, texts),
            b=st.builds(ConflictSide, texts, texts, texts, texts), explanation=texts), max_size=2))),
        summary=tuple(draw(st.lists(st.builds(SummarySentence, text=texts,
                                              citations=st.lists(st.integers(1, 2), max_size=3).map(tuple),
                                              fact_id=optional), max_size=3))),
        syndication=tuple(draw(st.lists(st.builds(Syndication, origin=texts,
                                                  copies=st.lists(texts, min_size=1, max_size=2).map(tuple),
                                                  similarity=st.floats(0, 1)), max_size=2))),
        skipped=tuple(draw(st.lists(st.builds(Skipped, texts, texts, texts, texts), max_size=2))),
        claims=tuple(draw(st.lists(claims, max_size=3))),
        title=draw(texts),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_any_report_round_trips_through_json_and_validates(report: Report) -> None:
    data = json.loads(report_to_json(report, include_raw=True))
    jsonschema.validate(data, load_schema(), cls=jsonschema.Draft202012Validator)
    assert report_from_dict(data) == report


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_any_report_renders_in_every_format(report: Report) -> None:
    from triangulate.render import FORMATS, render

    for fmt in FORMATS:
        assert render(report, fmt, show_removed=True, show_claims=True).strip()
