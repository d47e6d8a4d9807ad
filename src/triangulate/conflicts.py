"""Conflicts: aligned claims that disagree on a checkable detail.

Only details both versions state are compared, and only within one kind and
unit: "12 people" against "14 people" conflicts, "12 people" against "3
vehicles" does not, and a detail one outlet leaves out is never a conflict
(it is a single-source detail instead); values both give are set aside before
the rest is compared. Percentages and durations name no thing of their own, so
the words around them decide whether they measure the same thing. Compatible values are not conflicts:
"Washington" and "the United States" are different names, not different
places, so names are only compared where two versions are otherwise nearly the
same words.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from triangulate.claims import MONTHS, NEGATIVE_WORDS, TITLE_WORDS as _TITLE_WORDS, WEEKDAYS, is_converted, is_weekday_of_date, number_value
from triangulate.models import Claim, Conflict, ConflictSide, Detail, Fact
from triangulate.text import STOPWORDS, tokens

#: Detail kinds compared by value; each conflict names its kind.
VALUE_KINDS = ("number", "money", "percent", "date", "weekday", "duration", "time", "score")
_NEAR_VERBATIM = 0.6


def find_conflicts(fact: Fact, *, independent: dict[str, int] | None = None) -> list[Conflict]:
    """Every pair of claims of ``fact`` from different sources that disagree.

    ``independent`` maps article id -> independent-source group; claims of one
    group (a wire story and its reprints) are not compared with each other.
    """
    conflicts: list[Conflict] = []
    seen: set[tuple[str, str, str]] = set()  # (kind, value, value), either order
    compared: set[tuple[str, str]] = set()
    claims = fact.claims
    for x in range(len(claims)):
        for y in range(x + 1, len(claims)):
            a, b = claims[x], claims[y]
            if a.article_id == b.article_id:
                continue
            if independent and independent.get(a.article_id) == independent.get(b.article_id):
                continue
            # Two wordings already compared (wire copies repeat them) give the same
            # conflicts, and only the first pair of outlets is reported for each.
            if (a.text, b.text) in compared:
                continue
            compared.update({(a.text, b.text), (b.text, a.text)})
            for conflict in compare_claims(fact.id, a, b):
                low, high = sorted((conflict.a.value, conflict.b.value))
                key = (conflict.kind, low, high)
                if key not in seen:
                    seen.add(key)
                    conflicts.append(conflict)
    return conflicts


def compare_claims(fact_id: str, a: Claim, b: Claim) -> list[Conflict]:
    """The details on which two aligned claims disagree."""
    out: list[Conflict] = []
    matcher = _near_verbatim(a, b)
    for kind in VALUE_KINDS:
        da, db = a.details_of(kind), b.details_of(kind)
        if not da or not db:
            continue
        if kind == "weekday" and a.details_of("date") and b.details_of("date") and any(map(is_weekday_of_date, (*da, *db))):
            continue  # both give dates: the date is compared, not the weekday one of them implies
        for unit in sorted({d.unit for d in da} & {d.unit for d in db}):
            if kind == "number" and not unit:
                continue
            va, vb = _unmatched([d for d in da if d.unit == unit], [d for d in db if d.unit == unit], kind)
            if kind == "number":
                # A count the other version gives under another noun, or none, is set aside
                # too: "178 of 369 punches" / "landed 178 punches".
                counts_a, counts_b = {_count(x) for x in da}, {_count(x) for x in db}
                va = [d for d in va if _count(d) not in counts_b]
                vb = [d for d in vb if _count(d) not in counts_a]
            if not va or not vb:
                continue
            if kind == "number" and unit in _GAME_STATISTICS and matcher is None and (
                unit not in _ALSO_OUTSIDE_GAMES or _GAME_WORDS.search(a.text) or _GAME_WORDS.search(b.text)
            ):
                continue  # a player's figures of another game, a season, a career: only one sentence told twice
            if kind in _RANGED and _ranges_meet([_range(a.text, d) for d in va], [_range(b.text, d) for d in vb]):
                continue  # "more than three years" and "485 years" can both be true
            if not any(_same_referent(a.text, x, b.text, y, matcher is not None) for x in va for y in vb):
                continue  # "38.4% of the vote" and "turnout was 64%": figures of two things
            implied = [(x, y) for x in va for y in vb if is_weekday_of_date(x) or is_weekday_of_date(y)]
            if implied and not any(_word_before(a.text, x) == _word_before(b.text, y) is not None for x, y in implied):
                continue  # a date's weekday is compared with the day of what the same word tells: "walked out on"
            out.append(_conflict(fact_id, kind, a, b, _show(va), _show(vb), unit))
    out.extend(_currency_conflict(fact_id, a, b))
    out.extend(_negation_conflict(fact_id, a, b))
    replaced = _replaced_words(matcher)
    named = _name_conflict(fact_id, a, b, replaced)
    out.extend(named or _role_name_conflict(fact_id, a, b))
    out.extend(_outcome_conflict(fact_id, a, b, replaced) or _winner_conflict(fact_id, a, b))
    if not out and a.quote and b.quote:
        out.extend(_quote_opposites(fact_id, a, b))
    return out


#: Counts of a game's statistics. A player has many of each (this game, the season, a career,
#: the last five games), and sentences that recall another span share every word around the
#: figure ("189 rushing yards in his last two games" / "498 rushing yards since Week 11"):
#: only two versions of one sentence compare them.
_GAME_STATISTICS = frozenset(
    "point rebound assist yard homer touchdown carry reception strikeout inning steal tackle sack rbi".split()
)
#: Units that also count outside a game ("the index fell 120 points", "200 yards from the
#: school"): statistics only in a sentence about play.
_ALSO_OUTSIDE_GAMES = frozenset({"point", "yard"})
_GAME_WORDS = re.compile(
    r"(?i)\b(?:game|games|season|career|scor\w*|rebounds?|assists?|touchdowns?|rush\w*|receiving|passing|carries|"
    r"catch\w*|quarter|half|innings?|averag\w*|finished\s+with|led\s+all|team-high)\b"
)


def _quote_opposites(fact_id: str, a: Claim, b: Claim) -> list[Conflict]:
    """Two versions of one quote (translations, paraphrases) where one says a word and the
    other its opposite, and neither says both: "the door remains open" / "the door is closed"."""
    words_a, words_b = set(tokens(a.quote or "")), set(tokens(b.quote or ""))
    for left, right in _OPPOSITES:
        for x, y in ((left, right), (right, left)):
            said_a, said_b = words_a & x, words_b & y
            if said_a and said_b and not words_a & y and not words_b & x:
                return [_outcome(fact_id, a, b, sorted(said_a)[0], sorted(said_b)[0], verb="quotes")]
    return []


def _unmatched(va: list[Detail], vb: list[Detail], kind: str = "") -> tuple[list[Detail], list[Detail]]:
    """The values each version gives that the other does not, counted with repeats: "six
    years ... for ten years" against "ten years ... for ten years" leaves six against ten.
    Two dates are one when every part both give is the same: "Feb. 17" is "February 17,
    2009", and "2009" is too."""
    left = list(vb)
    rest: list[Detail] = []
    # Equal values first, so that a date without its year does not take another's match.
    for d in va:
        same = next((i for i, e in enumerate(left) if e.value == d.value), None)
        if same is None:
            rest.append(d)
        else:
            del left[same]
    only_a: list[Detail] = []
    for d in rest:
        same = next((i for i, e in enumerate(left) if _same_value(kind, d, e)), None)
        if same is None:
            only_a.append(d)
        else:
            del left[same]
    return only_a, left


_DATE_VALUE = re.compile(r"(\d{4})(?:-(\d\d)(?:-(\d\d))?)?|(\d\d)-(\d\d)")


def _date_parts(value: str) -> tuple[str | None, str | None, str | None] | None:
    """(year, month, day) of a date detail's value, each None where the value does not give
    it: "2009-02-17", "2009-02", "2009", "02-17", or a relative day's date in brackets
    ("yesterday (2026-03-03)")."""
    inner = value[value.index("(") + 1 : value.rindex(")")] if "(" in value and ")" in value else value
    found = _DATE_VALUE.fullmatch(inner.strip())
    if found is None:
        return None
    year, month, day, month_only, day_only = found.groups()
    return (year, month or month_only, day or day_only)


def _same_date(a: str, b: str) -> bool:
    pa, pb = _date_parts(a), _date_parts(b)
    if pa is None or pb is None:
        return False
    shared = [(x, y) for x, y in zip(pa, pb) if x is not None and y is not None]
    return bool(shared) and all(x == y for x, y in shared)


def _same_value(kind: str, a: Detail, b: Detail) -> bool:
    """One value written two ways: the same, a date with the same parts, or a converted
    measure within its rounding ("100 miles" is 160 km, written "161 km" by another outlet)."""
    if a.value == b.value or (kind == "date" and _same_date(a.value, b.value)):
        return True
    if kind == "number" and (is_converted(a) or is_converted(b)):
        x, y = _number_of(a), _number_of(b)
        return x is not None and y is not None and abs(x - y) <= 0.05 * max(abs(x), abs(y))
    return False


def _number_of(detail: Detail) -> float | None:
    try:
        return float(detail.value.split()[0])
    except (ValueError, IndexError):
        return None


def _count(detail: Detail) -> str:
    return detail.value.split(" ", 1)[0]


#: Words on each side of a value that say what it measures, and a wider window of words
#: still counted as near it.
_CONTEXT = 3
_WIDE = 5


def _around(text: str, detail: Detail) -> tuple[list[str], list[str]] | None:
    """The tokens before a detail and after it."""
    at = text.find(detail.text)
    if at < 0:
        return None
    return tokens(text[:at]), tokens(text[at + len(detail.text) :])


def _word_before(text: str, detail: Detail) -> str | None:
    """The content word nearest before a detail ("walked out on Monday" -> "walked"), or None:
    what a date or a weekday is the day of ("began on 9 March" is not "would end on Friday")."""
    around = _around(text, detail)
    if around is None:
        return None
    return next((w for w in reversed(around[0][-4:]) if w.isalpha() and w not in STOPWORDS), None)


def _window(around: tuple[list[str], list[str]], width: int) -> list[str]:
    """Up to ``width`` tokens on each side of a detail."""
    before, after = around
    return before[max(len(before) - width, 0) :] + after[:width]


def _content(words: list[str]) -> set[str]:
    return {w.rstrip("s") for w in words if w.isalpha() and len(w) > 2 and w not in STOPWORDS}


_PERCENT_OF = re.compile(r"^\s*(?:%|percent|per\s+cent)?\s*of\s+(?:the\s+|all\s+|its\s+|their\s+)?([a-z]+)", re.IGNORECASE)
_PERCENT_SUBJECT = re.compile(r"([a-z]+)\s+(?:was|is|were|are|of|at|stood\s+at|reached|hit)\s*$", re.IGNORECASE)


def _percent_noun(text: str, detail: Detail) -> str | None:
    """What a percentage is of: "38.4% of the vote" -> vote, "turnout was 64%" -> turnout."""
    at = text.find(detail.text)
    if at < 0:
        return None
    after = _PERCENT_OF.match(text[at + len(detail.text) :])
    if after:
        return after.group(1).lower().rstrip("s")
    before = _PERCENT_SUBJECT.search(text[:at])
    word = before.group(1).lower() if before else ""
    return word.rstrip("s") if word and word not in STOPWORDS else None


_CAPITALISED = re.compile(r"\b[A-Z][a-z]+")


def _names_in(text: str) -> set[str]:
    """Capitalised words inside sentences (a sentence's first word is not taken for a name)."""
    return {
        m.group(0).lower().rstrip("s")
        for m in _CAPITALISED.finditer(text)
        if text[: m.start()].strip() and not text[: m.start()].rstrip().endswith((".", "!", "?", '"', ":"))
    }


_AGED_AFTER = re.compile(r"^\W*(?:[a-z]+\W+){0,3}?([A-Z][\w'\-]+)")
_AGED_BEFORE = re.compile(r"([A-Z][\w'\-]+)\W+(?:[a-z]+\W+){0,2}$")


def _aged(text: str, detail: Detail) -> str | None:
    """The name an age is said of: the first capitalised word just after it ("the 32-year-old
    Klitschko"), else the last one just before it ("Varga, who is 58 years old")."""
    at = text.find(detail.text)
    if at < 0:
        return None
    after = _AGED_AFTER.match(text[at + len(detail.text) :])
    before = _AGED_BEFORE.search(text[:at])
    found = after or before
    return found.group(1).lower().split("'")[0] if found else None


def _same_referent(text_a: str, da: Detail, text_b: str, db: Detail, near_verbatim: bool) -> bool:
    """Whether two figures (or days, times, scores) are said of the same thing, so that
    different values contradict each other.

    * Two percentages of named things are of the same thing only when the names agree
      ("38.4% of the vote" / "turnout was 64%" are not).
    * Yes when the three words on each side share a content word ("injured 12 people" /
      "injured 14 people").
    * No when a word next to one figure is in the other version, but far from its figure:
      what one is said of, the other says of something else ("revenue rose 12%" / "revenue
      rose ..., with cloud sales up 30%"; "sentenced to six years" / "who served 4 years
      as mayor, was sentenced"). Names are no such evidence: a place or a person frames the
      whole story.
    * Otherwise when the two versions are nearly the same sentence, or share a content word
      within five words of their figures.
    """
    if da.kind == db.kind == "percent":
        noun_a, noun_b = _percent_noun(text_a, da), _percent_noun(text_b, db)
        if noun_a and noun_b and noun_a != noun_b:
            return False
    if da.unit == db.unit == "years old":
        # An age is said of a person: "the 36-year-old Rahman" / "the 32-year-old Klitschko".
        who_a, who_b = _aged(text_a, da), _aged(text_b, db)
        if who_a and who_b and who_a != who_b:
            return False
    around_a, around_b = _around(text_a, da), _around(text_b, db)
    if around_a is None or around_b is None:
        return near_verbatim
    near_a, near_b = _content(_window(around_a, _CONTEXT)), _content(_window(around_b, _CONTEXT))
    if near_a & near_b:
        return True
    wide_a, wide_b = _content(_window(around_a, _WIDE)), _content(_window(around_b, _WIDE))
    # Names are left out of this test: a place or a person frames the whole story ("Paris").
    names = _names_in(text_a) | _names_in(text_b)
    far_a = _content(around_a[0] + around_a[1]) - wide_a - names
    far_b = _content(around_b[0] + around_b[1]) - wide_b - names
    if near_a & far_b or near_b & far_a:
        return False
    return near_verbatim or bool(wide_a & wide_b)


#: What surrounds a word without being part of it.
_PUNCT = ".,;:\"'()"


def _near_verbatim(a: Claim, b: Claim) -> _WordMatch | None:
    """The word-by-word match of two versions when they are nearly the same sentence
    (difflib ratio >= :data:`_NEAR_VERBATIM`); else None."""
    ta, tb = a.text.split(), b.text.split()
    matcher = difflib.SequenceMatcher(None, [w.lower() for w in ta], [w.lower() for w in tb], autojunk=False)
    # The quick upper bounds first: most pairs of one fact are paraphrases, far from verbatim.
    if matcher.real_quick_ratio() < _NEAR_VERBATIM or matcher.quick_ratio() < _NEAR_VERBATIM:
        return None
    if matcher.ratio() < _NEAR_VERBATIM:
        return None
    return _WordMatch(ta, tb, matcher)


@dataclass(frozen=True, slots=True)
class _WordMatch:
    left: list[str]
    right: list[str]
    matcher: difflib.SequenceMatcher[str]


def _replaced_words(match: _WordMatch | None) -> list[tuple[list[str], list[str]]]:
    """The runs of words one version has where the other has others (none unless the two
    are nearly the same sentence)."""
    if match is None:
        return []
    ta, tb = match.left, match.right
    return [(ta[i1:i2], tb[j1:j2]) for op, i1, i2, j1, j2 in match.matcher.get_opcodes() if op == "replace"]


def _currency_conflict(fact_id: str, a: Claim, b: Claim) -> list[Conflict]:
    """One amount in two currencies ("$2 million" / "2 million euros"); amounts that differ
    as well are left alone (an exchange rate may join them)."""
    ma, mb = a.details_of("money"), b.details_of("money")
    if not ma or not mb or {d.unit for d in ma} & {d.unit for d in mb}:
        return []
    out: list[Conflict] = []
    for da in ma:
        for db in mb:
            if da.value.split()[0] == db.value.split()[0]:
                out.append(
                    Conflict(
                        fact_id=fact_id,
                        kind="money",
                        a=ConflictSide(a.outlet, a.id, a.text, da.text),
                        b=ConflictSide(b.outlet, b.id, b.text, db.text),
                        explanation=f"{a.outlet} gives the amount in {da.unit} ({da.text!r}); {b.outlet} in {db.unit} ({db.text!r})",
                    )
                )
    return out[:1]


#: Words that say opposite things happened: in two versions of one sentence that differ by
#: such a word ("Twelve people were injured" / "... were killed"), the outcome conflicts.
_OPPOSITES: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(left.split()), frozenset(right.split()))
    for left, right in (
        ("injured wounded hurt", "killed dead died"),
        ("arrested detained charged", "released freed"),
        ("convicted guilty", "acquitted innocent cleared"),
        ("won", "lost"),
        ("rose increased climbed gained", "fell decreased dropped declined"),
        ("approved passed accepted", "rejected blocked vetoed"),
        ("opened reopened open", "closed shut"),
        ("resigned", "stayed"),
    )
)


def _opposed(left: str, right: str) -> bool:
    l, r = left.strip(_PUNCT).lower(), right.strip(_PUNCT).lower()
    return any((l in x and r in y) or (l in y and r in x) for x, y in _OPPOSITES)


def _outcome_conflict(fact_id: str, a: Claim, b: Claim, replaced: list[tuple[list[str], list[str]]]) -> list[Conflict]:
    """What happened: the same sentence with one word for its opposite (injured / killed)."""
    out: list[Conflict] = []
    for left_words, right_words in replaced:
        # "acquitted" / "also convicted": a word that says when or in addition is no part of
        # what happened.
        left_words = [w for w in left_words if w.lower().strip(_PUNCT) not in _TIME_ADVERBS]
        right_words = [w for w in right_words if w.lower().strip(_PUNCT) not in _TIME_ADVERBS]
        if len(left_words) == 1 and len(right_words) == 1 and _opposed(left_words[0], right_words[0]):
            out.append(_outcome(fact_id, a, b, left_words[0].strip(_PUNCT), right_words[0].strip(_PUNCT), verb="says"))
    return out


#: A side's name in a result: capitalised words ("Kestrel Town", "FC Marlow", "St. Ives").
_SIDE = r"((?:[A-Z][\w.'\-]*)(?:\s+(?:[A-Z][\w.'\-]*|de|of|and))*)"
_SCORE_AT = r"\s+(\d{1,3})\s*[-\u2013]\s*(\d{1,3})"
#: Who beat whom, and by what score: the winner first ("A beat B 2-1", "A beat B by 2-1"), or
#: second ("A lost 2-1 to B", "A were beaten 2-1 by B").
_WINNER_FIRST = re.compile(
    rf"{_SIDE}\s+(?:beat|beats|defeated|defeats|overcame|edged|thrashed|routed|won\s+against|won\s+over)"
    rf"\s+(?:the\s+)?{_SIDE}(?:\s+by)?{_SCORE_AT}"
)
_WINNER_SECOND = re.compile(
    rf"{_SIDE}\s+(?:lost|loses|went\s+down){_SCORE_AT}\s+to\s+(?:the\s+)?{_SIDE}"
    rf"|{_SIDE}\s+(?:were|was|are|is|got)\s+(?:beaten|defeated|thrashed|routed|edged){_SCORE_AT}\s+by\s+(?:the\s+)?{_SIDE}"
)
#: Words that open a sentence or a clause before a side's name: "In January Kestrel beat ...".
_NOT_SIDE = frozenset(w.capitalize() for w in (*MONTHS, *WEEKDAYS, "in", "on", "at", "after", "before", "then", "but", "and", "when", "while", "last", "this"))


def _side(name: str) -> str:
    words = name.split()
    while len(words) > 1 and words[0] in _NOT_SIDE:
        words.pop(0)
    return " ".join(words)


def _results(text: str) -> list[tuple[str, str, str]]:
    """Every result a sentence names with its score: (winner, loser, "high-low")."""
    out: list[tuple[str, str, str]] = []
    for m in _WINNER_FIRST.finditer(text):
        high, low = sorted((int(m.group(3)), int(m.group(4))), reverse=True)
        out.append((_side(m.group(1)), _side(m.group(2)), f"{high}-{low}"))
    for m in _WINNER_SECOND.finditer(text):
        g = m.groups()
        loser, x, y, winner = g[0:4] if g[0] else g[4:8]
        high, low = sorted((int(x), int(y)), reverse=True)
        out.append((_side(winner), _side(loser), f"{high}-{low}"))
    return out


def _same_side(x: str, y: str) -> bool:
    """Whether two names of a side may be one side: "Kestrel Town" and "Kestrel" share a word."""
    return bool({w.lower() for w in x.split()} & {w.lower() for w in y.split()} - {"fc", "the", "of", "and", "de"})


def _winner_conflict(fact_id: str, a: Claim, b: Claim) -> list[Conflict]:
    """Two versions of one result with the sides swapped: "Kestrel Town beat Marlow Athletic
    2-1" / "Marlow Athletic beat Kestrel Town 2-1" (or "Kestrel Town lost 2-1 to ..."). Only a
    result each version gives with the same score counts, and only when neither version gives
    that score the other way round too (a first leg and a return leg, last year's result)."""
    results_a, results_b = _results(a.text), _results(b.text)
    for won_a, lost_a, score in results_a:
        same_score = [(w, lost) for w, lost, s in results_b if s == score]
        if not same_score or len([r for r in results_a if r[2] == score]) > 1:
            continue
        if any(_same_side(won_a, w) and _same_side(lost_a, lost) for w, lost in same_score):
            continue
        for won_b, lost_b in same_score:
            if _same_side(won_a, lost_b) and _same_side(lost_a, won_b) and not _same_side(won_a, won_b):
                return [_outcome(fact_id, a, b, f"{won_a} won", f"{won_b} won", verb="says")]
    return []


_TIME_ADVERBS = frozenset("also later then eventually finally subsequently ultimately instead still".split())


def _outcome(fact_id: str, a: Claim, b: Claim, left: str, right: str, *, verb: str) -> Conflict:
    """An outcome conflict: ``a`` has ``left`` where ``b`` has its opposite ``right``."""
    return Conflict(
        fact_id=fact_id,
        kind="outcome",
        a=ConflictSide(a.outlet, a.id, a.text, left),
        b=ConflictSide(b.outlet, b.id, b.text, right),
        explanation=f"{a.outlet} {verb} {left!r} where {b.outlet} {verb} {right!r}",
    )


#: Kinds whose values are quantities that words like "more than" or "about" turn into ranges.
_RANGED = ("number", "money", "percent", "duration")
_QUALIFIER = re.compile(
    r"(?i)\b(more\s+than|over|at\s+least|upwards\s+of|in\s+excess\s+of|nearly|almost|about|around|roughly"
    r"|approximately|some|up\s+to|at\s+most|less\s+than|fewer\s+than|under)\s*$"
)
_BETWEEN_BEFORE = re.compile(r"(?i)\bbetween\s+\$?([\w.,]+)\s*(?:%|percent|per\s+cent)?\s+and\s+\$?$")
_BETWEEN_AFTER = re.compile(r"(?i)\s+and\s+\$?([\w.,]+)")
_AT_LEAST = ("more than", "over", "at least", "upwards of", "in excess of")
_AT_MOST = ("up to", "at most", "less than", "fewer than", "under")
#: "about 80" covers 15% either way; "nearly 80" up to 15% below.
_APPROXIMATE = 0.15


def _range(text: str, detail: Detail) -> tuple[float, float, str] | None:
    """The values a detail allows, from the qualifier written just before it, and the
    qualifier's kind: "more than 3 years" -> (3, inf, "min"), "about 80" -> (68, 92,
    "about"), "12" -> (12, 12, "")."""
    value = _number_of(detail)
    if value is None:
        return None
    at = text.find(detail.text)
    if at >= 0:
        # "between 40 and 50 aftershocks", "between 60% and 62%": either end names the range.
        before = _BETWEEN_BEFORE.search(text[:at])
        low = number_value(before.group(1)) if before else None
        if low is not None and low <= value:
            return low, value, "between"
        after = _BETWEEN_AFTER.match(text[at + len(detail.text) :])
        high = number_value(after.group(1)) if after and re.search(r"(?i)\bbetween\s*$", text[:at]) else None
        if high is not None and value <= high:
            return value, high, "between"
    found = _QUALIFIER.search(text[:at]) if at > 0 else None
    qualifier = " ".join(found.group(1).lower().split()) if found else ""
    if qualifier in _AT_LEAST:
        return value, float("inf"), "min"
    if qualifier in _AT_MOST:
        return float("-inf"), value, "max"
    if qualifier in ("nearly", "almost"):
        return value * (1 - _APPROXIMATE), value, "about"
    if qualifier:
        return value * (1 - _APPROXIMATE), value * (1 + _APPROXIMATE), "about"
    return value, value, ""


def _ranges_meet(a: Sequence[tuple[float, float, str] | None], b: Sequence[tuple[float, float, str] | None]) -> bool:
    """Some value one version allows is one the other allows too. Two estimates of the
    same kind ("about 20,000" and "about 25,000", "at least two weeks" and "at least
    three weeks") are different figures, not overlapping ranges."""
    return any(
        x is not None and y is not None and not (x[2] and x[2] == y[2]) and x[0] <= y[1] and y[0] <= x[1]
        for x in a
        for y in b
    )


def _show(details: Sequence[Detail]) -> str:
    return ", ".join(dict.fromkeys(_as_written(d) for d in details))


_RELATIVE_WORDS = frozenset({"yesterday", "today", "tomorrow", "last", "tonight"})


def _as_written(detail: Detail) -> str:
    """The detail as the text gives it; a relative day with the date it names: "yesterday (2026-03-03)"."""
    first = (detail.text.lower().split() or [""])[0]
    if detail.kind == "date" and first in _RELATIVE_WORDS:
        return f"{detail.text} ({detail.value})"
    return detail.text


def _conflict(fact_id: str, kind: str, a: Claim, b: Claim, va: str, vb: str, unit: str) -> Conflict:
    label = {"weekday": "day of the week", "date": "date", "duration": "duration", "money": "amount",
             "percent": "percentage", "number": f"number ({unit})" if unit else "number",
             "time": "time", "score": "score"}.get(kind, kind)  # fmt: skip
    return Conflict(
        fact_id=fact_id,
        kind=kind,
        a=ConflictSide(a.outlet, a.id, a.text, va),
        b=ConflictSide(b.outlet, b.id, b.text, vb),
        explanation=f"{a.outlet} gives the {label} as {va!r}; {b.outlet} gives {vb!r}",
    )


_NEGATING = frozenset({"not", "never", "no", "t", "n't", "did", "does", "do", "declined", "refused", "failed", "to"})


def _stripped(claim: Claim) -> list[str]:
    """The words of a claim without its negation, stemmed: "did not concede" reads as "conceded" does."""
    return [_stem(t) for t in tokens(claim.text) if t not in _NEGATING]


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _similar_words(a: Claim, b: Claim) -> float:
    return difflib.SequenceMatcher(None, _stripped(a), _stripped(b), autojunk=False).ratio()


def _negation_conflict(fact_id: str, a: Claim, b: Claim) -> list[Conflict]:
    na, nb = len(a.details_of("negation")), len(b.details_of("negation"))
    if (na % 2) == (nb % 2) or _similar_words(a, b) < _NEAR_VERBATIM:
        return []
    neg, pos = (a, b) if na % 2 else (b, a)
    word = neg.details_of("negation")[0].text
    if not _negates_what_other_says(neg, pos):
        return []  # "... without reporting it" against a version that leaves that out
    return [
        Conflict(
            fact_id=fact_id,
            kind="negation",
            a=ConflictSide(a.outlet, a.id, a.text, "negated" if a is neg else "affirmed"),
            b=ConflictSide(b.outlet, b.id, b.text, "negated" if b is neg else "affirmed"),
            explanation=f"{neg.outlet} says {word!r} where {pos.outlet} states the opposite",
        )
    ]


#: Words between a negation and what it negates: "did not immediately say", "has not yet been".
_NEGATION_FILLER = frozenset("be been being have has had yet immediately also ever to so the a an".split())
#: Negations that are their own statement: "denied", "unknown".
_SELF_CONTAINED = ("denied", "denies", "deny") + NEGATIVE_WORDS


def _negates_what_other_says(neg: Claim, pos: Claim) -> bool:
    """Whether the negated word, or most of what follows it, is what the other version
    states: "did not concede" against "conceded", not "... without reporting the crash"
    against a version that never mentions it."""
    pos_words = {_stem(t) for t in tokens(pos.text)}
    words = tokens(neg.text)
    for detail in neg.details_of("negation"):
        if detail.text.lower() in _SELF_CONTAINED:
            return True
        last = tokens(detail.text)[-1:] or [""]
        # Where the negation ends among the claim's words, then the first word it negates.
        for i, w in enumerate(words):
            if w == last[0] or (last[0] == "n't" and w.endswith("n't")):
                head = next((x for x in words[i + 1 :] if x not in _NEGATION_FILLER), None)
                if head is not None and _stem(head) in pos_words:
                    return True
                # Or most of what follows it, up to the end of its clause: "did not confirm
                # whether his client would appeal" is about "his client would appeal the
                # ruling"; in 'it was "not the day for politics" and announced a fund' the
                # fund is not negated.
                scope = [_stem(x) for x in _clause_after(neg.text, detail.text, words[i + 1 :]) if x.isalpha() and len(x) > 2 and x not in STOPWORDS][:6]
                if len(scope) >= 2 and sum(x in pos_words for x in scope) * 2 >= len(scope):
                    return True
    return False


_CLAUSE_END = re.compile(r"""[,;:"\u201c\u201d()]|\b(?:and|but|while|whereas)\b""", re.IGNORECASE)


def _clause_after(text: str, negation: str, rest: list[str]) -> list[str]:
    """The words after ``negation`` in ``text`` up to the end of its clause (a comma, a
    quotation mark, "and", "but"); ``rest`` (the words after it) when it cannot be found."""
    found = re.search(rf"(?<!\w){re.escape(negation)}(?!\w)", text, re.IGNORECASE)
    if found is None:
        return rest
    return tokens(_CLAUSE_END.split(text[found.end() :], maxsplit=1)[0])


def _name_conflict(fact_id: str, a: Claim, b: Claim, replaced: list[tuple[list[str], list[str]]]) -> list[Conflict]:
    """Who or where: the same sentence with one name swapped for another."""
    names_a = {w for d in a.details_of("entity") for w in d.value.lower().split()}
    names_b = {w for d in b.details_of("entity") for w in d.value.lower().split()}
    # A swap needs a name on each side that the other side does not have.
    if not names_a - names_b or not names_b - names_a:
        return []
    out: list[Conflict] = []
    for left_words, right_words in replaced:
        left, right = " ".join(left_words), " ".join(right_words)
        if _title_only(left) or _title_only(right):
            continue  # "Sofia Brandt" / "Minister Brandt": a title in place of the first name says what, not who
        if _is_name(left) and _is_name(right) and not _compatible_names(left, right):
            out.append(
                Conflict(
                    fact_id=fact_id,
                    kind="entity",
                    a=ConflictSide(a.outlet, a.id, a.text, left.strip(".,;:")),
                    b=ConflictSide(b.outlet, b.id, b.text, right.strip(".,;:")),
                    explanation=f"{a.outlet} names {left.strip('.,;:')!r} where {b.outlet} names {right.strip('.,;:')!r}",
                )
            )
    return out


#: A role and the name after it: "Judge Hanna Lorentz", "referee Martin Kolb", "union leader
#: Karin Voss", or set off by commas ("Kestrel's chief executive, Mara Lindholm, will ...").
#: Two versions of one fact that give one role to two people disagree on who.
_ROLE_NAME = re.compile(
    r"((?:\b(?i:assistant|deputy|vice|acting|interim|former|associate|general|head|co|executive|senior)[\s\-]+){0,3})"
    r"\b((?i:judge|referee|coach|manager|spokeswoman|spokesman|spokesperson|minister|mayor|captain|governor|"
    r"prosecutor|ceo|chairman|chairwoman|ambassador|commissioner|sheriff|leader|head coach|chief executive))"
    r"(?:,(?=\s+[A-Z][\w'\-]+(?:\s+[A-Z][\w'\-]+){0,2}\s*[,.]))?"
    r"\s+([A-Z][\w'\-]+(?:\s+[A-Z][\w'\-]+){0,2})"
)


def _role_name_conflict(fact_id: str, a: Claim, b: Claim) -> list[Conflict]:
    """Who: two versions that name different people in one role, however differently worded
    ("The verdict was read by Judge Hanna Lorentz" / "Judge Hanna Lindberg read out the verdict")."""
    roles_a, roles_b = _roles(a.text), _roles(b.text)
    for role in sorted(set(roles_a) & set(roles_b)):
        for left in roles_a[role]:
            if any(_compatible_names(left, other) for other in roles_b[role]):
                continue  # the other version names this person in this role too
            for right in roles_b[role]:
                if _spelling_variant(left, right):
                    continue
                return [
                    Conflict(
                        fact_id=fact_id,
                        kind="entity",
                        a=ConflictSide(a.outlet, a.id, a.text, left),
                        b=ConflictSide(b.outlet, b.id, b.text, right),
                        explanation=f"{a.outlet} names {role} {left!r} where {b.outlet} names {role} {right!r}",
                    )
                ]
    return []


def _roles(text: str) -> dict[str, list[str]]:
    """Names by the whole role before them ("general manager" and "assistant general manager"
    are two roles)."""
    out: dict[str, list[str]] = {}
    for m in _ROLE_NAME.finditer(text):
        name = m.group(3).strip(_PUNCT)
        if _is_name(name):
            role = " ".join((m.group(1) + " " + m.group(2)).lower().replace("-", " ").split())
            out.setdefault(role, []).append(name)
    return out


def _title_only(span: str) -> bool:
    """Whether every word of ``span`` is a title or role ("Minister", "Vice President")."""
    words = _name_words(span)
    return bool(words) and all(w in _TITLE_WORDS for w in words)


def _spelling_variant(a: str, b: str) -> bool:
    """Two names that differ only in how the last name is spelt ("Ilene Wolfe" / "Ilene Wolff"):
    the same first names, last names at least 75% alike."""
    wa, wb = _name_words(a), _name_words(b)
    return wa[:-1] == wb[:-1] and difflib.SequenceMatcher(None, wa[-1], wb[-1]).ratio() >= 0.75 if wa and wb else False


def _is_name(span: str) -> bool:
    words = [w.strip(_PUNCT) for w in span.split()]
    words = [w for w in words if w]
    # A capitalised word that is no name ("Around 80 people", "At noon") is not a name.
    return bool(words) and all(w[:1].isupper() and w.lower() not in _NOT_NAMES for w in words) and len(words) <= 4


#: Words that open a sentence with a capital without being names.
_NOT_NAMES = STOPWORDS | frozenset(
    "around nearly almost roughly approximately some several many including despite since among across amid "
    "early late later earlier meanwhile however yesterday today tonight".split()
)


def _name_words(span: str) -> list[str]:
    """A name's words, folded: no accents, no possessive or plural s, hyphens as spaces
    ("Vendôme" / "Vendome", "NBA's" / "NBA", "Aoraki-Mount" / "Aoraki Mount")."""
    folded = unicodedata.normalize("NFKD", span).encode("ascii", "ignore").decode("ascii")
    words = folded.replace("-", " ").replace("\u2019", "'").split()
    out = []
    for w in words:
        w = w.strip(_PUNCT).lower()
        w = re.sub(r"'s?$", "", w)
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        if w:
            out.append(_NAME_ABBREVIATIONS.get(w, w))
    return out


#: Short forms that name the same thing.
_NAME_ABBREVIATIONS = {"mt": "mount", "st": "saint", "ft": "fort", "gen": "general", "sen": "senator", "gov": "governor"}


def _compatible_names(a: str, b: str) -> bool:
    la, lb = _name_words(a), _name_words(b)
    # "Minister Brandt" and "Sofia Brandt": a title says what someone is, not who.
    na, nb = [w for w in la if w not in _TITLE_WORDS], [w for w in lb if w not in _TITLE_WORDS]
    if na and nb:
        la, lb = na, nb
    wa, wb = set(la), set(lb)
    # "Mark Esper" vs "Esper", "U.S." vs "US": one contains the other.
    if wa <= wb or wb <= wa or {w.replace(".", "") for w in wa} == {w.replace(".", "") for w in wb}:
        return True
    # "CHP" vs "California Highway Patrol": an acronym of the other's initials.
    for short, long in ((la, lb), (lb, la)):
        if len(short) == 1 and len(long) >= 2 and short[0].replace(".", "") == "".join(w[0] for w in long):
            return True
    # "Technicolour" vs "Technicolor": one name spelt two ways.
    if len(la) == len(lb) and all(difflib.SequenceMatcher(None, x, y).ratio() >= 0.85 for x, y in zip(la, lb)):
        return True
    # "Us" vs "UsMagazine.com": a publication and its website.
    return _site_match(wa, wb)


_WEB_SUFFIX = re.compile(r"\.(?:com|org|net|co\.uk|co|news|info)$")


def _site_match(wa: set[str], wb: set[str]) -> bool:
    """A one-word name and a website named after it: "Us" and "UsMagazine.com"."""
    if len(wa) != 1 or len(wb) != 1:
        return False
    (a,), (b,) = wa, wb
    site_a, site_b = _WEB_SUFFIX.sub("", a), _WEB_SUFFIX.sub("", b)
    if site_a == a and site_b == b:
        return False  # neither is a website
    shorter = min(site_a, site_b, key=len)
    return len(shorter) >= 2 and (site_a.startswith(site_b) or site_b.startswith(site_a))
