"""Claims: the sentences (or clauses) of an article, with their direct quotes,
speakers and checkable details (numbers, dates, weekdays, durations, names,
negation).

Rule-based on purpose: it is fast (thousands of sentences a second), needs no
model download, and every decision can be traced to a pattern below.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from math import floor, log10

from triangulate.models import Article, Claim, Detail
from triangulate.text import STOPWORDS, normalize, split_sentences
from triangulate.times import read_time

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100, "dozen": 12, "one": 1,
}  # fmt: skip
SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
SPEECH_VERBS = (
    "said|says|added|adds|told|tells|stated|states|noted|notes|warned|warns|explained|explains|"
    "wrote|writes|declared|declares|asked|asks|continued|stressed|insisted|insists|argued|argues|"
    "claimed|claims|announced|announces|recalled|remarked|emphasized|emphasised|acknowledged|"
    "admitted|conceded|replied|responded|urged|cautioned|predicted|promised|vowed|reported"
)
NEGATIONS = frozenset("not n't never no neither nor none nobody nothing without denied denies deny".split())

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_SIMPLE_NUMWORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
#: "twenty-one", and "twenty one" written without its hyphen.
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TENS_RE, _UNITS_RE = "(?:" + "|".join(_TENS) + ")", "(?:" + "|".join(_UNITS) + ")"
_TENS_UNITS = rf"{_TENS_RE}(?:-{_UNITS_RE}\b|\s+{_UNITS_RE}\b(?!-))"
_UNDER_100 = rf"(?:{_TENS_UNITS}|(?:{_SIMPLE_NUMWORD})\b)"
_TEENS = r"(?:eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
_TENS_HYPHEN_UNITS = rf"{_TENS_RE}-{_UNITS_RE}"
#: "two hundred", "three hundred and fifty", "twelve hundred", "twenty-five hundred",
#: "twenty-four", "two dozen", "a dozen" (before the single words, which they start with).
#: "thirty one hundred-year-old trees" are thirty-one trees: only a hyphenated count multiplies.
_NUMWORD = (
    rf"(?:{_TENS_HYPHEN_UNITS}|{_TEENS}|{_UNITS_RE})\s+hundred\b(?!-)"
    rf"(?:\s+(?:and\s+)?{_UNDER_100}(?!\s+hundred))?"
    rf"|{_TENS_UNITS}|(?:{_SIMPLE_NUMWORD}|a|\d+)\s+dozen\b|{_SIMPLE_NUMWORD}"
)
_QTY = rf"(?:{_NUM}|{_NUMWORD}|an?)"
#: Capital and small letters of the Latin alphabets, accented ones included ("Élise", "Łukasz").
_UP = "A-Z" + "".join(c for c in map(chr, range(0xC0, 0x250)) if c.isupper())
_LOW = "a-z" + "".join(c for c in map(chr, range(0xC0, 0x250)) if c.islower())
_CAP = rf"(?:(?:[A-Z]\.){{2,}}|[{_UP}][\w'\-]*[\w]|[A-Z])"
_NAME = rf"{_CAP}(?:\s+(?:{_CAP}|(?:de|van|von|al|bin|da|del|der|la|le)\b)){{0,4}}"

#: The units a duration is counted in (one capturing group).
_TIME_UNIT = r"(second|minute|hour|day|week|fortnight|month|year|decade)"
_DURATION = re.compile(rf"\b({_QTY})(?:\s*-\s*|\s+){_TIME_UNIT}s?\b(?:\s*-\s*long)?", re.IGNORECASE)
#: Durations with a half or a quarter: "two and a half hours", "half an hour", "an hour and a
#: half", "a quarter of an hour" (each group a way of writing it; the value is computed below).
_FRACTION_DURATION = re.compile(
    rf"\b(?:({_QTY})\s+and\s+a\s+half\s+{_TIME_UNIT}s?"
    rf"|half\s+an?\s+{_TIME_UNIT}"
    rf"|an?\s+{_TIME_UNIT}\s+and\s+a\s+half"
    rf"|a\s+quarter\s+of\s+an?\s+{_TIME_UNIT})\b",
    re.IGNORECASE,
)
#: What a lone "a"/"an" before a unit must follow to be a duration ("for a week", "lasted a
#: day"), not a rate or a time ("once a week", "a week ago").
_A_DURATION_BEFORE = re.compile(r"\b(for|within|after|in|least|lasted|lasting|lasts|took|spent)\s+an?\s*$", re.IGNORECASE)
#: What makes a length of time a point in time: "an hour and a half ago", "half a day later".
_A_TIME_AFTER = re.compile(r"\s+(?:ago|later|earlier|before|after|afterwards)\b", re.IGNORECASE)
#: An age: "the 24-year-old driver", "a man aged 58", "she is 31 years old" (not a duration).
_AGE = re.compile(
    rf"\b({_QTY})-years?[-\s]old\b|\baged\s+({_NUM}|{_NUMWORD})\b|\b({_NUM}|{_NUMWORD})\s+years?\s+old\b", re.IGNORECASE
)
_MONEY = re.compile(
    rf"(?:([$€£¥])\s?({_NUM})(?:\s*-?\s*(thousand|million|billion|trillion|[mbk]n?)\b)?)"
    rf"|(?:\b({_NUM})\s*(thousand|million|billion|trillion)?\s*"
    rf"((?:(?:US|U\.S\.|American|Canadian|Australian|New\s+Zealand|Hong\s+Kong|Singapore)\s+)?"
    rf"(?:dollars|euros|pounds|shekels|yen|yuan|rupees)|(?-i:EUR|USD|GBP|JPY|CHF))\b)"
    # A currency code before the amount: "EUR 2 million", "USD 40m".
    rf"|(?:\b((?-i:EUR|USD|GBP|JPY|CHF))\s?({_NUM})(?:\s*-?\s*(thousand|million|billion|trillion|[mbk]n?)\b)?)",
    re.IGNORECASE,
)
#: Currency words as their symbols, so that one currency is one unit however it is written.
_CURRENCY_SYMBOLS = {
    "dollars": "$", "us dollars": "$", "u.s. dollars": "$", "american dollars": "$", "euros": "€", "pounds": "£", "yen": "¥",
    "canadian dollars": "C$", "australian dollars": "A$", "new zealand dollars": "NZ$", "hong kong dollars": "HK$",
    "singapore dollars": "S$", "eur": "€", "usd": "$", "gbp": "£", "jpy": "¥", "chf": "CHF",
}  # fmt: skip
#: Amounts under one unit of a currency: "40 cents" is "$0.40", "30p" and "30 pence" are "£0.30".
_CENTS = re.compile(rf"\b(?:({_NUM}|{_NUMWORD})\s*(euro\s+cents?|cents?|pence)\b|(\d{{1,2}})p(?!\.\s?m\b)(?![\w']))", re.IGNORECASE)
_PERCENT = re.compile(rf"\b({_NUM}|{_NUMWORD})\s*(?:%|percent\b|per\s+cent\b)", re.IGNORECASE)
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE = re.compile(
    rf"\b(?:({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?"
    rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\.?(?:,?\s+(\d{{4}}))?)\b",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"\b(1[89]\d\d|20\d\d)-(\d\d)-(\d\d)\b")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
#: A month of a year: "January 2024", "Sept. 2025".
_MONTH_YEAR = re.compile(rf"\b({_MONTH_RE})\s+(1[89]\d\d|20\d\d)\b", re.IGNORECASE)
#: Clock times: "3 p.m.", "10.30am", "19:00", "noon"; a time zone after one makes it comparable
#: with times in other zones ("3 p.m. EDT" is "19:00 GMT").
_TIME = re.compile(
    r"\b(?:(?P<h12>1[0-2]|0?[1-9])(?:[:.](?P<m12>[0-5]\d))?\s*(?P<ampm>[ap])(?:\.\s?m\.|\s?m\b)"
    r"|(?P<h24>[01]?\d|2[0-3]):(?P<m24>[0-5]\d)\b(?:\s*(?:hrs|h)\b\.?)?"
    r"|(?P<word>noon|midday|midnight)\b)"
    r"(?:\s*(?P<zone>GMT|UTC|BST|CET|CEST|EET|EEST|EST|EDT|CST|CDT|MST|MDT|PST|PDT)\b)?",
    re.IGNORECASE,
)
_ZONE_HOURS = {"gmt": 0, "utc": 0, "bst": 1, "cet": 1, "cest": 2, "eet": 2, "eest": 3, "est": -5, "edt": -4,
               "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7}  # fmt: skip
#: A result: "beat City 3-1", "lost 1-3", "a 5-4 vote". Only in sentences with a word for a
#: result or a vote, so that "10-15 people" stays a range; a season record in brackets
#: ("the Colts (11-4)") and a score during play ("led 33-26 at the half") are no result.
_SCORE = re.compile(r"(?<![\w.\-(])(\d{1,3})\s*[-\u2013]\s*(\d{1,3})(?!\.\d|[\w\-%)])")
_SCORE_WORDS = re.compile(
    r"(?i)\b(?:beat|beats|beaten|win|wins|won|victory|lose|loses|lost|defeat\w*|draw|drew"
    r"|vote|votes|voted|ruling|ruled)\b"
)
#: A tally right after a decision ("approved the bill 88-71", "rejected the plan 5-4"): a score,
#: unless a unit follows ("passed 10-15 km north", "approved 2-3 percent rises" are a range).
_TALLY = re.compile(
    r"(?i)\b(?:approved|approves|rejected|rejects|adopted|passed)(?:\s+(?:the|a|an|its|their)?\s*[a-z\-]+)?"
    r"\s+(\d{1,3})\s*[-\u2013]\s*(\d{1,3})(?![\w\-%)]|\.\d)"
    r"(?!\s*(?:%|percent|per\s+cent|km|miles?|kilomet|met(?:re|er)|hours?|days?|weeks?|months?|years?|minutes?|people|times)\b)"
)
_IN_PLAY = re.compile(r"(?i)\b(?:led|leads?|leading|trail\w*|tied?|tying|half|halftime|quarter|period|run|spurt|record)\W+(?:\w+\W+){0,2}$")
_SCORE_WORDED = re.compile(rf"\b(\d{{1,3}}|{_NUMWORD})\s+(?:goals?|points?|runs?|sets?|votes?)\s+to\s+(\d{{1,3}}|{_NUMWORD})\b", re.IGNORECASE)
#: A quarter of the year: "Q3", "the third quarter", "third-quarter", "3Q".
_QUARTER = re.compile(r"\b(?:Q([1-4])|([1-4])Q|(first|second|third|fourth|final|last)[\s\-]quarter)\b", re.IGNORECASE)
_QUARTER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "final": 4, "last": 4}
#: "The third quarter" is a quarter of the year in business news, and of a game in sport.
_BUSINESS_WORDS = re.compile(
    r"(?i)\b(?:revenue|revenues|sales|profit\w*|earnings|income|loss|losses|growth|gdp|economy|economic|fiscal|"
    r"results|quarterly|shares|dividend|turnover|output|inflation|unemployment|exports|imports)\b"
)
#: "the 55th minute", "the 3rd round": an ordinal with the noun it counts.
_ORDINAL = re.compile(r"\b(\d{1,4})(?:st|nd|rd|th)\s+([a-z]+)\b", re.IGNORECASE)
_WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b", re.IGNORECASE)
#: A count's noun after a short scale: "1.5m people", "1.2k homes", "12m vehicles" (a plural
#: noun; "a 2m wall", "rose 2m overnight", "the 400m hurdles" are metres or a race).
_COUNTED_AFTER_SCALE = (
    r"(?=\s+(?!(?:this|was|is|has|as|us|its|thus|plus|across|less|hurdles|relays?|freestyle)\b)"
    r"(?:[a-z]*[a-rt-z]s|people|children|men|women)\b)"
)
_NUMBER = re.compile(
    rf"(?<![\w\-$€£.])({_NUM}|{_NUMWORD}|an?(?=\s+(?:thousand|million|billion|trillion)\b))"  # "a thousand jobs"
    # "2bn", "1.5mn" are billions and millions; "1.5m"/"1.2k" only before what they count.
    rf"(?:\s+(thousand|million|billion|trillion)|(?<=\d)(bn|mn)|(?<!\b[Tt]he\s\d)(?<!\b[Tt]he\s\d\d)(?<!\b[Tt]he\s\d\d\d)(?<=\d)([mk]){_COUNTED_AFTER_SCALE})?"
    # Not the "1" of "1.5m" or "1.2 metres" read short, nor a part of "1,2345".
    r"\b(?!-\w)(?![.,]\d)",
    re.IGNORECASE,
)
#: A year in words ("in nineteen eighty-four", "since twenty twenty-one"): not two counts.
_YEAR_WORDS = re.compile(
    rf"\b(nineteen|twenty)[\s\-]+((?:{_TENS_RE})(?:[\s\-]{_UNITS_RE})?|ten|{_TEENS})\b(?![\-]\w|\s+years?\b)",
    re.IGNORECASE,
)
#: "eleven o'clock", "at 9 o'clock in the morning": a time when the part of the day is said,
#: else nothing (an hour of either half of the day, not a count of "o").
_OCLOCK = re.compile(
    rf"\b(\d{{1,2}}|{_SIMPLE_NUMWORD})\s+o['\u2019]?\s?clock\b"
    r"(?:\s+(?:in\s+the\s+|this\s+|at\s+)?(morning|afternoon|evening|night)\b|\s+(tonight)\b)?",
    re.IGNORECASE,
)
_ENTITY = re.compile(rf"\b{_NAME}\b")
#: Words that negate by themselves: "still unknown" says what "not yet known" says.
NEGATIVE_WORDS = ("unknown", "unclear", "unconfirmed", "unable", "unaware", "undisclosed", "unidentified", "unharmed")
_NEG = re.compile(
    r"\b(?:not|never|no|neither|nor|none|nobody|nothing|without|denied|denies|deny|"
    r"(?:declined|declines|refused|refuses|failed|fails)\s+to|"
    + "|".join(NEGATIVE_WORDS)
    + r")\b|n't\b",
    re.IGNORECASE,
)

#: Nouns for a person, besides the roles that follow: "the official said" may be the last speaker.
_PERSON_WORDS = frozenset(
    "official officials spokesman spokeswoman spokesperson source sources witness witnesses resident residents "
    "man woman worker owner analyst expert lawyer doctor victim survivor author".split()
)
#: Lower-case words that may stand between a sentence's start and the name of its subject.
_ROLE_WORDS = frozenset(
    "fire police chief mayor minister spokesman spokeswoman spokesperson president director head deputy "
    "governor senator officer commander coach judge prosecutor secretary manager leader treasurer chairman "
    "chairwoman captain ambassador commissioner sheriff inspector superintendent attorney boss executive".split()
)

#: Words that do not name an organisation or a role: "said as director Ana Ruiz looked on"
#: does not name the speaker.
_NOT_ROLE_WORDS = (
    "(?:as|of|at|in|on|to|for|from|with|by|outside|inside|about|after|before|while|when|and|or|but|"
    "the|a|an|his|her|their|its|that|this|then|also|later|once|if|than|like|near|beside|behind)"
)
#: A role between an organisation and a person: "said Rovers coach Tom Hale".
_ROLE = "|".join(sorted(_ROLE_WORDS | _PERSON_WORDS, key=len, reverse=True))

#: Words of a name that say what someone is, not who: "Mayor Ilse Brandt" and
#: "Ilse Brandt" name one person.
TITLE_WORDS = frozenset(
    """mayor president vice prime minister ministry secretary chief director inspector captain
    councillor councilor governor senator sen rep representative general gen officer commander
    spokesman spokeswoman spokesperson deputy ambassador judge justice king queen prince
    princess pope sir lord lady mr mrs ms dr prof professor alternate defense defence foreign
    interior finance health police fire state head leader chairman chairwoman""".split()
)


def _folded(word: str) -> str:
    """A name word without accents or case: "Kovač" -> "kovac"."""
    plain = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode("ascii")
    return (plain or word).casefold()


#: A speaker's name as :func:`same_person` compares it: its words without titles, folded,
#: and its last word as written, folded (what a name of titles alone is compared by).
PersonKey = tuple[tuple[str, ...], str]


def person_key(name: str) -> PersonKey:
    """What :func:`same_person` compares of a name: compute it once per speaker."""
    words = name.split()
    named = tuple(_folded(w.strip(".")) for w in words if w.lower().strip(".") not in TITLE_WORDS)
    return named, _folded(words[-1]) if words else ""


def same_person(a: str | PersonKey, b: str | PersonKey) -> bool:
    """Whether two speakers' names (or their :func:`person_key`) may be one person: the same
    surname, without accents or case ("Ana Kovač" and "Kovac"), and no two different first
    names ("Ana Berg" and "Peter Berg" are two people; an initial agrees with its name: "A. Berg")."""
    (wa, last_a), (wb, last_b) = (person_key(x) if isinstance(x, str) else x for x in (a, b))
    if not wa or not wb:  # a title alone ("Minister"): compared as it is written
        return bool(last_a) and bool(last_b) and last_a == last_b
    if wa[-1] != wb[-1]:
        return False
    ga, gb = wa[:-1], wb[:-1]
    if not ga or not gb:
        return True
    return ga[0] == gb[0] or (len(ga[0]) == 1 and gb[0].startswith(ga[0])) or (len(gb[0]) == 1 and ga[0].startswith(gb[0]))


# Speaker patterns, tried outside the quoted text of a sentence.
#: An age set off by commas may follow the name: "Stanek, 61, told reporters".
_SPEAKER_BEFORE = re.compile(
    rf"(?P<who>(?:[Tt]he\s+)?(?:[a-z]+\s+){{0,3}}?{_NAME}|\b(?:[Hh]e|[Ss]he|[Tt]hey|[Ww]e|I)\b|\b[Tt]he\s+[a-z]+(?:\s+[a-z]+){{0,3}})"
    rf"(?:,\s+\d{{1,3}},)?\s+(?:also\s+|later\s+|then\s+|has\s+|had\s+|have\s+)?(?:{SPEECH_VERBS})\b"
)
_SPEAKER_AFTER = re.compile(
    rf"\b(?:{SPEECH_VERBS})\s+(?P<who>{_NAME}(?:\s+(?:{_ROLE})(?:\s+(?:{_ROLE}))?\s+{_NAME})?"
    # "said spokeswoman Ana Ruiz", "said police chief Tom Berg", "said union leader Karin Voss"
    rf"|(?:(?!{_NOT_ROLE_WORDS}\b)[a-z]+\s+){{0,2}}?(?:{_ROLE})\s+{_NAME}(?!')"
    rf"|the\s+[a-z]+(?:\s+[a-z]+){{0,3}})"
)
#: A name set off by commas before the verb: "Karin Voss, the union leader, said", "his
#: lawyer, Felix Brandauer, said".
_SPEAKER_NAME_ROLE = re.compile(
    rf"(?P<who>{_NAME}),\s+(?:the|a|an|his|her|its|their)\s+[^,\"]{{1,60}},\s+(?:also\s+|later\s+)?(?:{SPEECH_VERBS})\b"
)
#: The role may belong to an organisation: "Brenmark's lawyer, Stefan Haller, said", "the
#: company's lawyer, Stefan Haller, said".
_SPEAKER_ROLE_NAME = re.compile(
    rf"(?:\b(?:[Hh]is|[Hh]er|[Tt]heir|[Tt]he|[Ii]ts)|{_NAME}['\u2019]s)\s+[a-z][a-z'\u2019\s\-]{{0,40}},\s+(?P<who>{_NAME}),\s+(?:also\s+|later\s+)?(?:{SPEECH_VERBS})\b"
)
#: A role, then the name set off by a comma, after the verb: "said the minister of the
#: interior, Dario Pel." (the name ends the sentence or is set off by another comma).
_SPEAKER_AFTER_ROLE_NAME = re.compile(
    rf"\b(?:{SPEECH_VERBS})\s+(?:the|a|an|his|her|its|their|{_NAME}['\u2019]s)\s+[^,\"|]{{1,60}},\s+(?P<who>{_NAME})(?=\s*(?:[,.;|]|$))"
)
_ACCORDING = re.compile(rf"\b[Aa]ccording to\s+(?P<who>(?:[a-z]+\s+){{0,3}}?{_NAME})")
_PRONOUNS = frozenset({"he", "she", "they", "we", "i"})
#: Words that qualify a count; capitalised at a sentence start they still precede a number,
#: not an identifier ("About 80 firefighters", unlike "Channel 12").
_QUANTITY_WORDS = frozenset(
    "about around nearly almost some over more fewer less up roughly approximately only just exactly at least "
    "all another".split()
)
_ENTITY_STOP = frozenset(
    """The A An This That These Those It He She They We I In On At For But And Or If When While After
    Before As His Her Their Our Its There Here What Who Why How According Another One Some Most Many
    Mr Mrs Ms Dr Then Later Now Meanwhile However Still Earlier Today Yesterday Tomorrow Also Finally
    Instead So Yet Afterwards Separately Ironically Soon Again""".split()
) | {d.capitalize() for d in WEEKDAYS} | {m.capitalize() for m in MONTHS}

# Clause boundaries: a comma followed by a word that starts a clause reporting
# something separable (split only when both sides are long enough).
_CLAUSE = re.compile(
    r",\s+(?=(?:following|after|before|while|whereas|which|with whom|where|amid|despite|as part of)\b)"
)
_MIN_CLAUSE_WORDS = 6


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str
    quote: str | None
    opens_quote: bool
    in_quote_at_end: bool


def extract_claims(article: Article, *, split_clauses: bool = True) -> list[Claim]:
    """Split ``article`` into claims with quotes, speakers and details.

    Speakers are resolved across sentences: a pronoun ("he added") or a
    description ("the defense minister said") points to the person last quoted
    or named with that description in the same article.
    """
    claims: list[Claim] = []
    people = _people(article)
    paragraphs = [_quote_sentences(split_sentences(paragraph)) for paragraph in article.paragraphs]
    genders = _genders([sent.text for sentences in paragraphs for sent in sentences], people)
    published = _day_of(article.published)
    last_speaker: str | None = None
    quoted_before: str | None = None  # the speaker of the sentence before, when it quoted someone
    recent = _Recent((), genders)
    position = 0
    for p_index, sentences in enumerate(paragraphs):
        # A pronoun points to the person last quoted or last named as a sentence's subject,
        # sentence by sentence ("Berg praised his crews. '...,' he said." is Berg's quote),
        # skipping people the article shows to be of the other gender ("she added" after
        # Mayor Ilse Brandt and then Mr Berg spoke is Brandt).
        speakers: list[str | None] = []
        attributed: list[str | None] = []
        last = recent.new_paragraph()
        for sent in sentences:
            speakers.append(_find_speaker(sent, people, last))
            attributed.append(_find_attribution(sent.text, people, last))
            last = last.pushed(speakers[-1] or attributed[-1] or _subject(sent, people))
        # A quote that runs over several sentences belongs to the speaker named
        # in any sentence of that quote run ("X said, '... . ...'" or "'... . ...,' he said").
        runs = _quote_runs(sentences)
        for run in runs:
            named = next((speakers[i] for i in run if speakers[i]), None)
            if named:
                for i in run:
                    if sentences[i].quote and not speakers[i]:
                        speakers[i] = named
        for sent, speaker, indirect in zip(sentences, speakers, attributed):
            if sent.quote and not (speaker or indirect or sent.opens_quote) and _only_quoted(sent) and not _asks(sent.quote):
                # A sentence that is nothing but a quote, right after a quote of a named
                # speaker, continues that speaker ('"...," Lindqvist said. "But ..."'): like
                # "he said", it is the person just quoted (nobody is named in between). A
                # question is not: it is mostly someone else's ('"Will you raise taxes?" Ingrid
                # Sol asked.', written as two sentences).
                speaker = quoted_before
            if speaker or indirect:
                last_speaker = speaker or indirect
            elif (subject := _subject(sent, people)) is not None:
                last_speaker = subject
            recent = recent.pushed(last_speaker).new_paragraph()
            if not sent.quote:
                speaker = indirect
            elif sent.quote and last_speaker and sent.opens_quote:
                # The continuation of a quote opened earlier in the article.
                speaker = last_speaker
            # A question is answered by someone else: the quote after it is not the asker's.
            quoted_before = speaker if sent.quote and not _asks(sent.quote) else None
            parts = _split_clauses(sent.text) if split_clauses and not sent.quote else [sent.text]
            for part in parts:
                claims.append(
                    Claim(
                        id=f"{article.id}:{position}",
                        article_id=article.id,
                        outlet=article.outlet,
                        text=part,
                        paragraph=p_index,
                        position=position,
                        quote=sent.quote if part is parts[0] or len(parts) == 1 else None,
                        speaker=speaker,
                        # "Today" in quoted words is the day the words were spoken, which
                        # the article does not date: only the article's own words count.
                        details=_with_weekdays(extract_details(part) + _relative_dates(_unquoted(part, sent.quote), published), published),
                    )
                )
                position += 1
    return claims


_RELATIVE_DAY = re.compile(r"\b(yesterday|today|tomorrow|last\s+night|tonight)\b", re.IGNORECASE)
_DAY_OFFSET = {"yesterday": -1, "today": 0, "tomorrow": 1, "last night": -1, "tonight": 0}


#: Durations are compared in one unit per family of exact conversions: seconds to weeks in
#: hours ("a week" is "seven days", "48 hours" is "two days", "half an hour" is "30
#: minutes"), years and decades in years. Months stay months: a month is not a whole number
#: of days, so "a month" and "four weeks" are not compared, and months and years are counted
#: of different things too often ("two extensions in seven months" / "a one-year extension").
_DURATION_IN = {
    "second": (1 / 3600, "hour"), "minute": (1 / 60, "hour"), "hour": (1, "hour"), "day": (24, "hour"),
    "week": (168, "hour"), "fortnight": (336, "hour"), "month": (1, "month"), "year": (1, "year"),
    "decade": (10, "year"),
}  # fmt: skip


def _add_duration(details: list[Detail], value: float, written_unit: str, shown: str) -> None:
    """A duration detail, its value in the unit of its family (:data:`_DURATION_IN`)."""
    factor, unit = _DURATION_IN[written_unit.lower()]
    details.append(Detail("duration", f"{_fmt(round(value * factor, 6))} {unit}", shown, unit))


def _day_of(published: str | None) -> date | None:
    """The day an article was published (in the zone its time gives), when it gives one."""
    read = read_time(published)
    return read.at.date() if read is not None else None


def _unquoted(text: str, quote: str | None) -> str:
    """``text`` without its quoted words."""
    text = re.sub(r'"[^"]*"?', " ", text)
    return text.replace(quote, " ") if quote else text


def _relative_dates(text: str, published: date | None) -> tuple[Detail, ...]:
    """"Yesterday", "today", "tomorrow", "last night" as the dates they name, counted from
    the day the article was published: two outlets' "yesterday" written on different days
    are different days."""
    if published is None:
        return ()
    out: list[Detail] = []
    for m in _RELATIVE_DAY.finditer(text):
        day = published + timedelta(days=_DAY_OFFSET[" ".join(m.group(1).lower().split())])
        out.append(Detail("date", day.isoformat(), m.group(0), "date"))
    return tuple(out)


def _with_weekdays(details: tuple[Detail, ...], published: date | None) -> tuple[Detail, ...]:
    """``details`` and, for a claim that dates a day and names no weekday, the weekday of that
    day (written as the date: "9 March"), so that "on 9 March" and "on Monday" compare. A day
    without its year ("9 March") is taken in the year that puts it nearest the publication
    day; without a publication day, only a day with its year is."""
    if any(d.kind == "weekday" for d in details):
        return details
    added: list[Detail] = []
    for d in details:
        if d.kind != "date" or d.unit != "date":
            continue
        day = _day_near(d.value, published)
        if day is not None and all(x.value != WEEKDAYS[day.weekday()] for x in added):
            added.append(Detail("weekday", WEEKDAYS[day.weekday()], d.text, "weekday"))
    return details + tuple(added) if len(added) == 1 else details  # two days: which one is meant is unclear


def is_weekday_of_date(detail: Detail) -> bool:
    """Whether ``detail`` is the weekday of a date the claim gives (added by
    :func:`extract_claims`), not a weekday the claim names."""
    return detail.kind == "weekday" and detail.text.lower() not in WEEKDAYS


def _day_near(value: str, published: date | None) -> date | None:
    """The day a date detail names ("2026-03-09", or "03-09" near ``published``), if any."""
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        if len(value) == 5 and published is not None:
            month, day = int(value[:2]), int(value[3:])
            options = []
            for year in (published.year - 1, published.year, published.year + 1):
                try:
                    options.append(date(year, month, day))
                except ValueError:
                    continue  # 29 February of a common year
            return min(options, key=lambda x: abs((x - published).days)) if options else None
    except ValueError:
        return None
    return None


def _quote_sentences(sentences: Sequence[str]) -> list[_Sentence]:
    out: list[_Sentence] = []
    inside = False
    for text in sentences:
        start_inside = inside
        quoted: list[str] = []
        buf: list[str] = []
        for ch in text:
            # Only double quotes delimit speech; single quotes are headline style.
            if ch == '"':
                if inside and buf:
                    quoted.append("".join(buf))
                buf = []
                inside = not inside
                continue
            if inside:
                buf.append(ch)
        if inside and buf:
            quoted.append("".join(buf))
        quote = " ".join(q.strip(" ,") for q in quoted if len(q.split()) >= 3) or None
        out.append(_Sentence(text=text, quote=quote, opens_quote=start_inside, in_quote_at_end=inside))
    return out


def _quote_runs(sentences: Sequence[_Sentence]) -> list[list[int]]:
    runs: list[list[int]] = []
    current: list[int] = []
    for i, sent in enumerate(sentences):
        if sent.quote and sent.opens_quote and current:
            current.append(i)
        else:
            if current:
                runs.append(current)
            current = [i] if sent.quote else []
        if current and not sent.in_quote_at_end:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _strip_outside(text: str, sentence: _Sentence) -> str:
    """The part of a sentence that is not inside a quote (where attributions are)."""
    out: list[str] = []
    inside = sentence.opens_quote
    buf: list[str] = []
    for ch in text:
        if ch == '"':
            if not inside:
                out.append("".join(buf))
            buf = []
            inside = not inside
            out.append(" | ")
            continue
        if not inside:
            buf.append(ch)
    if not inside:
        out.append("".join(buf))
    return "".join(out)


def _asks(quote: str) -> bool:
    """Whether quoted words are a question."""
    return quote.rstrip(" ,.\"'").endswith("?")


def _only_quoted(sentence: _Sentence) -> bool:
    """Whether a sentence is all quote: no word of it stands outside the quotation marks."""
    return sentence.text.lstrip().startswith('"') and not re.search(r"\w", _strip_outside(sentence.text, sentence))


def _find_speaker(sentence: _Sentence, people: dict[str, str], last: _Recent) -> str | None:
    if not sentence.quote:
        return None
    outside = _strip_outside(sentence.text, sentence)
    for pattern in (_SPEAKER_NAME_ROLE, _SPEAKER_ROLE_NAME, _SPEAKER_BEFORE, _SPEAKER_AFTER_ROLE_NAME, _SPEAKER_AFTER, _ACCORDING):
        for match in pattern.finditer(outside):
            if pattern is _SPEAKER_AFTER and _ADDRESSED.match(outside, match.start()) and re.search(r"\w", outside[: match.start()]):
                continue  # "a reporter asked Winter": Winter is asked, someone else speaks
            who = _resolve(match.group("who"), people, last)
            if who:
                return who
    return None


#: A verb whose object is the person spoken to: after a subject, the name it takes is no speaker.
_ADDRESSED = re.compile(r"(?:asked|asks|told|tells)\b")


def _subject(sentence: _Sentence, people: dict[str, str]) -> str | None:
    """The person a sentence without a quote opens with ("Fire chief Tomas Berg praised ...",
    "Berg praised ..."): the full name of a surname the article uses, among its first words."""
    if sentence.quote or sentence.opens_quote:
        return None
    found = None
    for word in sentence.text.split()[:8]:
        word = word.strip(",.;:'\u2019")
        if word[:1].isupper() and word in people:
            found = people[word]  # a later name after a role wins: "Dunmore City manager Ines Barro"
        elif word[:1].islower() and word not in _ROLE_WORDS:
            break  # past the subject
    return found


def _find_attribution(text: str, people: dict[str, str], last: _Recent) -> str | None:
    """The speaker of indirect speech: "Esper said that ...", "according to Channel 12"."""
    head = text[:160]
    match = _SPEAKER_NAME_ROLE.search(head) or _SPEAKER_ROLE_NAME.search(head) or _SPEAKER_BEFORE.search(text[:120]) or _ACCORDING.search(text)
    if match is None:
        return None
    return _resolve(match.group("who"), people, last)


def _resolve(raw: str, people: dict[str, str], recent: _Recent) -> str | None:
    who = raw.strip()
    low = who.lower()
    if low in _PRONOUNS:
        return recent.pronoun(low)
    if low.startswith("the "):
        # "the mayor said" is the person the article gave that title, else the last one quoted;
        # "the region warned" is nobody.
        head = low.split()[-1]
        last = recent.names[0] if recent.names else None
        return _resolve_description(low[4:], people) or (last if head in _ROLE_WORDS or head in _PERSON_WORDS else None)
    if who.endswith(("'s", "\u2019s")):
        return None  # "said Brenmark's former safety manager, ...": an owner, not the speaker
    words = who.split()
    # Keep the name after the last lower-case word ("ministry spokesman John Doe", "Harlow
    # Rovers coach Tom Hale"): the words before are an organisation or a role.
    lower = [i for i, w in enumerate(words) if not w[:1].isupper()]
    if lower:
        words = words[lower[-1] + 1 :]
    while words and words[0] in _ENTITY_STOP:
        words.pop(0)
    if not words:
        return None
    name = " ".join(words)
    surname = words[-1]
    known = people.get(surname)
    if known is not None and not same_person(known, name):
        return " ".join(w for w in words if w.lower() not in TITLE_WORDS)  # another person of that surname
    return known or name


#: Words that say a person is a man or a woman when they stand right before the name ("Mr
#: Berg", "spokeswoman Ilse Brandt") or in the words set off by commas after it ("Karin
#: Voss, the union's spokeswoman,"; "Jan Pol, her husband,").
_MALE_WORDS = frozenset(
    "mr sir lord king prince father son brother husband grandfather uncle nephew widower boy man "
    "spokesman chairman businessman congressman councilman alderman actor".split()
)
_FEMALE_WORDS = frozenset(
    "mrs ms miss madam dame lady queen princess mother daughter sister wife grandmother aunt niece "
    "widow girl woman spokeswoman chairwoman businesswoman congresswoman councilwoman alderwoman actress".split()
)
#: A speech verb and the pronoun that reports what its subject said: "said she", "told
#: reporters that he".
_SAID_PRONOUN = re.compile(rf"\b(?:{SPEECH_VERBS})(?:\s+(?:reporters|journalists|the\s+\w+))?\s+(?:that\s+)?(he|she)\b", re.IGNORECASE)
_WORD_RE = re.compile(r"[\w'\u2019.]+")


def _genders(sentences: Sequence[str], people: dict[str, str]) -> dict[str, str]:
    """The gender ("m" or "f") of the people the article itself shows to be men or women.

    Two kinds of evidence, both from the article: a word for a man or a woman next to the
    name (:data:`_MALE_WORDS`, :data:`_FEMALE_WORDS`; counts three), and the pronoun that
    reports what a sentence's only named person said ("Brandt said she would pay"; counts
    one). A person with as much evidence each way, or none, has no gender:
    pronouns then go to the person last named, as before.
    """
    votes: dict[str, list[int]] = {}
    surnames = {k: v for k, v in people.items() if not k.startswith("@")}
    for text in sentences:
        words = _WORD_RE.findall(text)
        found: list[tuple[int, str]] = []
        for i, word in enumerate(words):
            person = surnames.get(word.rstrip(".'\u2019"))
            if person is None or (i + 1 < len(words) and words[i + 1] in surnames):
                continue  # a first name is not the person's last mention ("Ilse Brandt")
            found.append((i, person))
        for i, person in found:
            given = person.split()[:-1]
            first = i - len(given) if [w for w in words[max(0, i - len(given)) : i]] == given else i
            before = words[first - 1].lower().rstrip(".") if first > 0 else ""
            after = _apposition(text, person)
            male = before in _MALE_WORDS or bool(after & _MALE_WORDS)
            female = before in _FEMALE_WORDS or bool(after & _FEMALE_WORDS)
            if male != female:
                votes.setdefault(person, [0, 0])[0 if male else 1] += 3
        if len({person for _, person in found}) == 1:
            # "Roesler said he ..." (not "... agreed to take her off life support": a
            # possessive or an object is often someone else).
            after_name = text[text.find(found[0][1].split()[-1]) :]
            told = {m.group(1).lower() for m in _SAID_PRONOUN.finditer(after_name)}
            if len(told) == 1:
                votes.setdefault(found[0][1], [0, 0])[0 if "he" in told else 1] += 1
    return {person: "m" if m > f else "f" for person, (m, f) in votes.items() if m != f}


def _apposition(text: str, person: str) -> set[str]:
    """The lower-case words set off by commas right after ``person``'s name, if any."""
    at = text.find(person + ", ")
    if at < 0:
        return set()
    rest = text[at + len(person) + 2 :]
    end = rest.find(",")
    if end < 0 or end > 80:
        return set()
    words = rest[:end].split()
    if not words or words[0].lower() not in {"a", "an", "the", "his", "her", "their", "its"}:
        return set()
    lowered = [w.lower().rstrip(",.") for w in words]
    return {w.removesuffix("'s").removesuffix("\u2019s") for w in lowered} | set(lowered)


@dataclass(frozen=True, slots=True)
class _Recent:
    """The people an article last quoted or named as a subject, the latest first, and those
    of them named in the paragraph being read."""

    names: tuple[str, ...]
    genders: dict[str, str]
    here: frozenset[str] = frozenset()

    def pushed(self, name: str | None) -> _Recent:
        if name is None:
            return self
        names = (name, *(n for n in self.names if n != name))[:4]
        return _Recent(names, self.genders, self.here | {name})

    def new_paragraph(self) -> _Recent:
        return _Recent(self.names, self.genders)

    def pronoun(self, word: str) -> str | None:
        """Who "he", "she", "they", "we" or "I" points to: the latest person; for "he" and
        "she", the latest one the article does not show to be of the other gender. "She"
        at the start of a paragraph whose latest person is not known to be a woman points
        to the latest woman the article named, if any ("Mayor Ilse Brandt said she ...
        Tom Berg said ... 'We will rebuild,' she added"); see docs/compare.md for why "he"
        has no such rule."""
        if not self.names:
            return None
        want = {"he": "m", "she": "f"}.get(word)
        if want is None:
            return self.names[0]
        compatible = next((n for n in self.names if self.genders.get(n, want) == want), None)
        if want == "f" and compatible not in self.here:
            return next((n for n in self.names if self.genders.get(n) == want), compatible)
        return compatible


def _resolve_description(description: str, people: dict[str, str]) -> str | None:
    """'defense minister' -> the person the article introduced as '... Defense Minister X Y'."""
    words = [w for w in description.split() if w not in {"israeli", "american", "former", "new"}]
    if not words:
        return None
    # Titles such as "Defense Minister" sit right before the name they describe.
    return people.get("@" + " ".join(words[-2:])) or people.get("@" + words[-1])


def _people(article: Article) -> dict[str, str]:
    """Map surnames and title phrases to the full names the article uses.

    ``{"Gantz": "Benny Gantz", "@defense minister": "Benny Gantz", "@minister": ...}``
    """
    people: dict[str, str] = {}
    # Surnames whose full name only the headline has given so far, with the word it puts
    # before the surname, when the body uses that word otherwise ("Independent Vidal wins" over
    # "Independent candidate Hana Vidal won"): an adjective or an affiliation, not a first name.
    # The body's own full name of that surname then wins, unless it merely opens a sentence
    # ("Ironically Nichols ..."); "Mark Felt dies" keeps Mark over "his daughter Joan Felt".
    doubtful: set[str] = set()
    headline_end = len(normalize(article.title))
    text = normalize(article.title + "\n" + article.text)
    body = text[headline_end:]
    # Names sit on one line: a headline's last word is not the first name of the lead's subject.
    pattern = re.compile(rf"((?:[{_UP}][{_LOW}]+ +){{0,4}})([{_UP}][{_LOW}]+(?: +[{_UP}][{_LOW}]+)+)")
    for match in pattern.finditer(text):
        title_words, name = match.group(1).split(), match.group(2).split()
        # Split off title words that were captured as part of the name ("Defense Minister Benny Gantz").
        full = title_words + name
        idx = len(full) - 2
        person = " ".join(full[idx:])
        if any(w in _ENTITY_STOP for w in full[idx:]):
            continue
        surname = full[-1]
        if surname not in people:
            people[surname] = person
            if match.start() < headline_end and re.search(rf"(?i)\b{re.escape(full[idx])}\b(?! +{re.escape(surname)}\b)", body):
                doubtful.add(surname)
        elif surname in doubtful and match.start() > headline_end:
            before = text[max(0, match.start() - 8) : match.start()].rstrip(" ")
            if person == people[surname] or idx > 0 or (before and before[-1] not in '\n.!?:"'):
                people[surname] = person
                doubtful.discard(surname)
        titles = [w.lower() for w in full[:idx]]
        for k in (1, 2):
            if len(titles) >= k:
                people.setdefault("@" + " ".join(titles[-k:]), person)
    return people


def _split_clauses(text: str) -> list[str]:
    pieces = _CLAUSE.split(text)
    if len(pieces) == 1:
        return [text]
    out: list[str] = []
    for piece in pieces:
        piece = piece.strip()
        if out and (len(piece.split()) < _MIN_CLAUSE_WORDS or len(out[-1].split()) < _MIN_CLAUSE_WORDS):
            out[-1] = f"{out[-1]}, {piece}"
        else:
            out.append(piece)
    return out


# --- details ----------------------------------------------------------------


def _number_value(raw: str, scale: str | None = None) -> float | None:
    low = " ".join(raw.lower().replace(",", "").split())
    tens, _, unit = low.replace(" ", "-", 1).partition("-") if " hundred" not in low else low.partition("-")
    hundreds, hundred, rest = low.partition(" hundred")
    count = _number_value(hundreds) if hundred and hundreds and hundreds != "a" else None
    if hundred and count is not None and 1 <= count < 100:
        # "two hundred", "three hundred and fifty", "two hundred forty-one", "twelve hundred"
        rest = rest.strip().removeprefix("and ").strip()
        more = _number_value(rest) if rest else 0.0
        if more is None:
            return None
        value = count * 100 + more
    elif low.endswith(" dozen"):
        count = _number_value(low[: -len(" dozen")])
        if count is None:
            return None
        value = count * 12
    elif unit and tens in _TENS and unit in _UNITS:  # "twenty-four", "twenty four"; not "one two"
        value = float(NUMBER_WORDS[tens] + NUMBER_WORDS[unit])
    elif low in ("a", "an"):
        value = 1.0
    elif low in NUMBER_WORDS:
        value = float(NUMBER_WORDS[low])
    else:
        try:
            value = float(low)
        except ValueError:
            return None
    if scale:
        s = scale.lower()
        value *= SCALES.get(s, {"m": 1e6, "mn": 1e6, "b": 1e9, "bn": 1e9, "k": 1e3}.get(s, 1.0))
    return value


def number_value(word: str) -> float | None:
    """A number written in digits or words: "1,200" -> 1200.0, "forty" -> 40.0, "twenty-four" -> 24.0."""
    return _number_value(word.strip().rstrip(".,"))


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def extract_details(text: str) -> tuple[Detail, ...]:
    """Checkable details of one claim.

    >>> [(d.kind, d.value) for d in extract_details("A 10-hour visit on Wednesday, Jan. 5, cost $2 million.")]
    [('duration', '10 hour'), ('money', '2000000 $'), ('date', '01-05'), ('weekday', 'wednesday')]
    """
    if len(text) <= 400:  # reprints and repeated wordings share their details
        return _cached_details(text)
    return _details(text)


@functools.lru_cache(maxsize=4096)
def _cached_details(text: str) -> tuple[Detail, ...]:
    return _details(text)


def _details(text: str) -> tuple[Detail, ...]:
    text = normalize(text)
    details: list[Detail] = []
    taken: list[tuple[int, int]] = []

    def free(span: tuple[int, int]) -> bool:
        return all(span[1] <= a or span[0] >= b for a, b in taken)

    for m in _AGE.finditer(text):
        value = _number_value(m.group(1) or m.group(2) or m.group(3))
        if value is not None:
            details.append(Detail("number", f"{_fmt(value)} years old", m.group(0), "years old"))
            taken.append(m.span())
    for m in _FRACTION_DURATION.finditer(text):
        whole = _number_value(m.group(1)) if m.group(1) else None
        fraction = [(whole + 0.5 if whole is not None else None, m.group(2)), (0.5, m.group(3)), (1.5, m.group(4)), (0.25, m.group(5))]
        value, written = next((v, u) for v, u in fraction if u)
        if value is None or not free(m.span()):
            continue
        if _A_TIME_AFTER.match(text, m.end()) and not _A_DURATION_BEFORE.search(text[max(0, m.start() - 40) : m.start()] + "a"):
            continue  # "an hour and a half before the start" is a time; "took an hour and a half before" a length
        _add_duration(details, value, written, m.group(0))
        taken.append(m.span())
    for m in _DURATION.finditer(text):
        value = _number_value(m.group(1))
        if value is None or not free(m.span()):
            continue
        if m.group(1).lower() in ("a", "an") and not _A_DURATION_BEFORE.search(text[: m.start() + len(m.group(1))]):
            continue
        _add_duration(details, value, m.group(2), m.group(0))
        taken.append(m.span())
    for m in _MONEY.finditer(text):
        if not free(m.span()):
            continue
        if m.group(1):
            value, unit = _number_value(m.group(2), m.group(3)), m.group(1)
        elif m.group(7):
            value, unit = _number_value(m.group(8), m.group(9)), m.group(7).lower()
        else:
            value, unit = _number_value(m.group(4), m.group(5)), " ".join(m.group(6).lower().split())
        if value is None:
            continue
        unit = _CURRENCY_SYMBOLS.get(unit, unit)  # "2 million dollars" is "$2 million"
        details.append(Detail("money", f"{_fmt(value)} {unit}", m.group(0), unit))
        taken.append(m.span())
    for m in _CENTS.finditer(text):
        value = _number_value(m.group(1) or m.group(3))
        if value is None or not free(m.span()):
            continue
        word = (m.group(2) or "p").lower()
        unit = "€" if word.startswith("euro") else "$" if word.startswith("cent") else "£"
        details.append(Detail("money", f"{_fmt(round(value / 100, 6))} {unit}", m.group(0), unit))
        taken.append(m.span())
    business = _BUSINESS_WORDS.search(text) is not None
    for m in _QUARTER.finditer(text):
        if free(m.span()) and (business or not m.group(3)):
            number = m.group(1) or m.group(2) or str(_QUARTER_WORDS[m.group(3).lower()])
            details.append(Detail("date", f"Q{number}", m.group(0), "quarter"))
            taken.append(m.span())
    for m in _TIME.finditer(text):
        if not free(m.span()):
            continue
        if m.group("word"):
            hour, minute = (0 if m.group("word").lower() == "midnight" else 12), 0
        elif m.group("ampm"):
            hour, minute = int(m.group("h12")) % 12 + (12 if m.group("ampm").lower() == "p" else 0), int(m.group("m12") or 0)
        else:
            hour, minute = int(m.group("h24")), int(m.group("m24"))
        zone = (m.group("zone") or "").lower()
        if zone:
            hour = (hour - _ZONE_HOURS[zone]) % 24
        details.append(Detail("time", f"{hour:02d}:{minute:02d}", m.group(0).strip(), "time utc" if zone else "time"))
        taken.append(m.span())
    for m in _OCLOCK.finditer(text):
        hour_value = _number_value(m.group(1))
        if not free(m.span()) or hour_value is None or not 1 <= hour_value <= 12:
            continue
        taken.append(m.span())  # an hour, never a count ("11 o")
        part = (m.group(2) or m.group(3) or "").lower()
        if part:
            hour = int(hour_value) % 12
            if part in ("afternoon", "evening", "tonight") or (part == "night" and 6 <= hour_value < 12):
                hour += 12
            details.append(Detail("time", f"{hour:02d}:00", m.group(0), "time"))
    not_counts: list[tuple[int, int]] = []  # spans that are no count, and may hold a name
    for m in _YEAR_WORDS.finditer(text):
        if not free(m.span()):
            continue
        if m.group(0).istitle() and m.start() > 0:
            not_counts.append(m.span())  # "the novel Nineteen Eighty-Four": a title, not 19 and 84
            continue
        second = m.group(2).lower().replace("-", " ").split()
        worded_year = (1900 if m.group(1).lower() == "nineteen" else 2000) + sum(NUMBER_WORDS[w] for w in second)
        details.append(Detail("date", str(worded_year), m.group(0), "year"))
        taken.append(m.span())
    tallies = [] if _SCORE_WORDS.search(text) else list(_TALLY.finditer(text))
    if tallies or _SCORE_WORDS.search(text):
        for m in tallies or (*_SCORE.finditer(text), *_SCORE_WORDED.finditer(text)):
            first, second = _number_value(m.group(1)), _number_value(m.group(2))
            if _IN_PLAY.search(text[max(m.start() - 30, 0) : m.start()]):
                continue
            if free(m.span()) and first is not None and second is not None:
                high, low = sorted((int(first), int(second)), reverse=True)
                details.append(Detail("score", f"{high}-{low}", m.group(0), "score"))
                taken.append(m.span())
    for m in _PERCENT.finditer(text):
        written = m.group(1)
        worded = None if written[:1].isdigit() else _number_value(written)  # "twelve percent" is 12%
        if free(m.span()) and (written[:1].isdigit() or worded is not None):
            details.append(Detail("percent", written if worded is None else _fmt(worded), m.group(0), "%"))
            taken.append(m.span())
    for m in _ISO_DATE.finditer(text):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if 1 <= mo <= 12 and 1 <= d <= 31 and free(m.span()):
            details.append(Detail("date", f"{y:04d}-{mo:02d}-{d:02d}", m.group(0), "date"))
            taken.append(m.span())
    for m in _DATE.finditer(text):
        if not free(m.span()):
            continue
        month = MONTHS[(m.group(1) or m.group(5)).lower().rstrip(".")]
        day = int(m.group(2) or m.group(4))
        if not 1 <= day <= _MONTH_DAYS.get(month, 31):
            continue  # "February 30" names no day
        year = m.group(3) or m.group(6)
        iso = f"{year + '-' if year else ''}{month:02d}-{day:02d}"
        details.append(Detail("date", iso, m.group(0), "date"))
        taken.append(m.span())
    for m in _MONTH_YEAR.finditer(text):
        if free(m.span()) and m.group(1)[:1].isupper():
            month = MONTHS[m.group(1).lower().rstrip(".")]
            details.append(Detail("date", f"{m.group(2)}-{month:02d}", m.group(0), "month"))
            taken.append(m.span())
    for m in _YEAR.finditer(text):
        if free(m.span()):
            details.append(Detail("date", m.group(1), m.group(0), "year"))
            taken.append(m.span())
    for m in _WEEKDAY.finditer(text):
        details.append(Detail("weekday", m.group(1).lower(), m.group(0), "weekday"))
        taken.append(m.span())
    for m in _ORDINAL.finditer(text):
        if free(m.span()) and m.group(2).lower() not in STOPWORDS:
            unit = "ordinal " + _singular(m.group(2))
            details.append(Detail("number", f"{int(m.group(1))} {unit}", m.group(0), unit))
            taken.append(m.span())
    for m in _NUMBER.finditer(text):
        if not free(m.span()) or any(a <= m.start() < b for a, b in not_counts):
            continue
        raw = m.group(1)
        if raw.lower() == "one":
            continue  # "one of them", "one moment": rarely a checkable count
        before = text[: m.start()].rstrip()
        prev = before.split()[-1] if before.split() else ""
        if (
            prev[:1].isupper()
            and prev[-1:].isalnum()  # "In Port Hale, 41 were injured": a clause ends before the count
            and prev not in _ENTITY_STOP
            and prev.lower() not in _QUANTITY_WORDS
            and raw[:1].isdigit()
        ):
            continue  # an identifier: "Channel 12", "Flight 370" (not "About 80", "Nearly 300")
        value = _number_value(raw, m.group(2) or m.group(3) or m.group(4))
        if value is None:
            continue
        after = text[m.end() :]
        unit_match = _UNIT_AFTER.match(after) or _UNIT_AFTER_NAME.match(after)
        if unit_match and unit_match.re is _UNIT_AFTER_NAME and after[: unit_match.start(1)].rstrip().endswith("s"):
            unit_match = None  # "41 Republicans voted": the name is the noun
        noun, noun_end = (unit_match.group(1), unit_match.end()) if unit_match else (None, 0)
        if unit_match and unit_match.re is _UNIT_AFTER:
            noun, noun_end = _counted_noun(after, noun or "", noun_end, value)
        unit = _singular(noun) if noun else ""
        unit = _UNIT_SYNONYMS.get(unit, unit)
        if unit in _METRIC:  # "93 mph" is "150 km/h": one unit, rounded as outlets round
            target, factor = _METRIC[unit]
            value, unit = _two_figures(value * factor), target
        shown = text[m.start() : m.end() + noun_end] if noun else m.group(0)
        details.append(Detail("number", f"{_fmt(value)}{' ' + unit if unit else ''}", shown, unit))
        taken.append(m.span())
    for m in _NEG.finditer(text):
        details.append(Detail("negation", "not", m.group(0), "negation"))
    seen: set[str] = set()
    for m in _ENTITY.finditer(text):
        if any(a <= m.start() and m.end() <= b for a, b in taken):
            continue  # inside an amount or a date: "2 million US dollars", "March 3"
        words = m.group(0).split()
        while words and words[0] in _ENTITY_STOP:
            words.pop(0)
        if not words:
            continue
        at_start = m.start() == 0 or text[: m.start()].rstrip().endswith(('"', ".", ":"))
        if at_start and len(words) == 1 and m.group(0) == words[0]:
            continue  # a capitalised first word is not a name by itself
        name = " ".join(words)
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        details.append(Detail("entity", name.lower(), name, "entity"))
    return tuple(details)


#: The noun a count counts: "12 people", "12 more people", "three of the victims", "112 of
#: the 250 seats".
_UNIT_AFTER = re.compile(
    r"\s*(?:more\s+|other\s+|additional\s+)?(?:of\s+(?:the\s+|its\s+|their\s+|these\s+|those\s+)(?:\d[\d,.]*\s+)?)?([a-z]+)"
)
#: Plurals without an -s, and the symbols of units (a count of a unit counts the unit).
_IRREGULAR_PLURALS = frozenset("people children men women".split())
_UNIT_SYMBOLS = frozenset("km kg m cm mm mph kph kmh ha ft lb lbs mw gw kw kwh".split())
_NEXT_WORD = re.compile(r"\s+([a-z]+)\b")
#: Words after a count that say it counts nothing named: "38,002 for Dale", "12 in all".
_NO_NOUN_AFTER = frozenset(
    "for to in on at by with from against than per and or but into onto the a an this that these those last next each every".split()
)


def _is_plural(word: str) -> bool:
    return word in _IRREGULAR_PLURALS or (word.endswith("s") and not word.endswith("ss") and len(word) > 3)


def _counted_noun(after: str, word: str, end: int, value: float) -> tuple[str | None, int]:
    """The noun a count counts, and where it ends in ``after``: the word after the count, or,
    past up to two words that describe it, the plural noun they lead to ("300 striking
    workers", "two thousand island residents", "12 new fire engines"); none for a function
    word ("38,002 for Dale")."""
    low = word.lower()
    if low in _NO_NOUN_AFTER:
        return None, end
    if low in STOPWORDS:
        return word, end  # "14 were injured": compared with another "N were" only
    if value == 1 or _is_plural(low) or low in _UNIT_SYMBOLS or low in _UNIT_SYNONYMS or low in _METRIC:
        return word, end
    at = end
    for _ in range(2):
        m = _NEXT_WORD.match(after, at)
        if m is None or m.group(1) in STOPWORDS:
            break
        if _is_plural(m.group(1)):
            return m.group(1), m.end()
        at = m.end()
    return word, end


#: The noun after a brand or a name: "180,000 Brisa kettles", "3 Premier League titles".
_UNIT_AFTER_NAME = re.compile(r"\s+(?:[A-Z][\w'\-]*\s+){1,2}([a-z]+s)\b")
#: Nouns that count the same thing: "12,000 people" and "15,000 residents" disagree.
_UNIT_SYNONYMS = {w: "people" for w in "person resident inhabitant individual civilian citizen local".split()}
#: Metric units written out are their symbols, the unit imperial measures are converted to
#: (:data:`_METRIC`): "620 kilometres" and "620 km" are one figure, and "510 miles" (820 km)
#: disagrees with them.
_UNIT_SYNONYMS |= {
    "metre": "m", "meter": "m", "kilometre": "km", "kilometer": "km", "centimetre": "cm", "centimeter": "cm",
    "millimetre": "mm", "millimeter": "mm", "kilogram": "kg", "kilo": "kg", "kmh": "km", "kph": "km",
    "ha": "hectare",
}  # fmt: skip


#: Imperial units as metric ones (the unit word as extracted: "km/h" reads as "km"), the
#: converted value to two significant figures; yards stay yards (a football field's).
_METRIC = {
    "mph": ("km", 1.609344), "mile": ("km", 1.609344), "inch": ("mm", 25.4),
    "foot": ("m", 0.3048), "feet": ("m", 0.3048), "ft": ("m", 0.3048), "lb": ("kg", 0.45359237),
    "acre": ("hectare", 0.40468564),
}  # fmt: skip


def is_converted(detail: Detail) -> bool:
    """Whether a figure was written in an imperial unit and converted ("100 miles" is "160
    km"): its value is rounded to two significant figures, so it may differ a little from
    the metric figure another outlet wrote ("161 km")."""
    words = detail.text.lower().replace("/", " ").split()
    return detail.kind == "number" and any(_singular(w.strip(".,")) in _METRIC for w in words[1:])


def _two_figures(value: float) -> float:
    """A measure to two significant figures: 93 mph is 149.7 km/h, written "150 km/h"."""
    if value == 0:
        return 0.0
    digits = 1 - int(floor(log10(abs(value))))
    return float(round(value, digits))


_MONTH_DAYS = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}


_ES_PLURALS = frozenset("buses gases viruses bonuses campuses censuses statuses".split())


def _singular(word: str) -> str:
    word = word.lower()
    if word in _ES_PLURALS or word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]  # "buses", "matches", "taxes", "losses"
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word
