"""Text utilities shared by cleaning, deduplication and alignment: normalisation,
tokens, shingles and a sentence splitter that survives news abbreviations."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator

_QUOTE_MAP = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u2032": "'",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2013": "-",
        "\u2014": " - ",
    }
)

#: The characters :func:`normalize` writes otherwise (quotes straight, odd spaces plain), for
#: ``str.translate``.
QUOTE_MAP = _QUOTE_MAP

_SPACE = re.compile(r"[ \t\f\v]+")
_WORD = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[^\W_]+(?:['\-][^\W_]+)*", re.UNICODE)

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves said says say told according added adding also would could
    one s t don won didn doesn isn wasn aren weren""".split()
)


_SURROGATE = re.compile("[\ud800-\udfff]")


def has_surrogates(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (an undecodable file name as Python reads it,
    a JSON ``"\\ud800"`` escape): no encoder can write one."""
    return bool(_SURROGATE.search(text))


def without_surrogates(text: str) -> str:
    """``text`` with each lone surrogate as U+FFFD."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def normalize(text: str) -> str:
    """Unicode NFKC, straight quotes, single spaces; keeps case and punctuation."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTE_MAP)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(_SPACE.sub(" ", line).strip() for line in text.split("\n"))


def looks_english(text: str) -> bool:
    """Whether a text reads as English: at least a fifth of its first 300 words are common
    English words (news in English runs at 35-50%; German, French or Spanish at under 10%).
    Texts of fewer than 20 words are given the benefit of the doubt."""
    words = tokens(text)[:300]
    if len(words) < 20:
        return True
    return sum(w in STOPWORDS for w in words) >= 0.2 * len(words)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (numbers kept whole: ``"1,200"``, ``"3.5"``)."""
    if len(text) <= _CACHED_TOKENS_UP_TO:
        return list(_sentence_tokens(text))
    return [m.group(0).lower() for m in _WORD.finditer(normalize(text))]


#: Sentences are tokenized many times over (alignment, conflicts, summary):
#: texts up to this length are cached (at most 4,096 of them, a few MB); whole
#: articles are not.
_CACHED_TOKENS_UP_TO = 400


@functools.lru_cache(maxsize=4096)
def _sentence_tokens(text: str) -> tuple[str, ...]:
    return tuple(m.group(0).lower() for m in _WORD.finditer(normalize(text)))


def content_words(text: str) -> list[str]:
    """Tokens without stop words and one-letter words."""
    return [t for t in tokens(text) if t not in STOPWORDS and (len(t) > 1 or t.isdigit())]


def shingles(text: str, size: int = 5) -> set[str]:
    """Word ``size``-grams of the token stream (whole text if shorter)."""
    toks = tokens(text)
    if len(toks) < size:
        return {" ".join(toks)} if toks else set()
    return {" ".join(toks[i : i + size]) for i in range(len(toks) - size + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def containment(a: set[str], b: set[str]) -> float:
    """Share of ``a`` found in ``b``."""
    if not a:
        return 0.0
    return len(a & b) / len(a)


# --- sentence splitting -----------------------------------------------------

#: Abbreviations after which a period never ends a sentence.
_TITLES = frozenset(
    """mr mrs ms dr prof gen lt col maj capt cmdr sgt adm sen rep gov pres st mt ft rev hon jr sr
    messrs mme mlle sec dept no nos vol fig approx est inc corp ltd co bros vs etc al e.g i.e""".split()
)
_MONTHS = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())
#: Words that usually open a sentence: after an initialism such as "U.S." they
#: tell that the period also ended the sentence.
_STARTERS = frozenset(
    """the a an he she it they we i but and in on at this that these those his her its their
    there here however meanwhile still yet so then when while after before if as our my""".split()
)

_BOUNDARY = re.compile(r"""([.!?]+)(["')\]]*)(\s+)(?=["'(\[]?[A-Z0-9])""")


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences.

    Survives titles ("Dr. Smith"), months ("Jan. 5"), initialisms ("the U.S.
    military") and quotes that run over several sentences.

    >>> split_sentences('Gen. Lee met U.S. officials on Jan. 5. "It went well," he said.')
    ['Gen. Lee met U.S. officials on Jan. 5.', '"It went well," he said.']
    """
    text = normalize(text).replace("\n", " ").strip()
    if not text:
        return []
    out: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end(2)
        candidate = text[start:end]
        if match.group(1) == "." and not _is_boundary(text, match.start(1), match.end()):
            continue
        if candidate.strip():
            out.append(candidate.strip())
        start = match.end()
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return out


_WORD_BEFORE = re.compile(r"([\w.]+)$")
_WORD_AFTER = re.compile(r"[\"'(\[]?([\w]+)")


def _is_boundary(text: str, dot: int, next_start: int) -> bool:
    # Only the last stretch before the dot is searched: the whole prefix made splitting a
    # long text quadratic.
    word_match = _WORD_BEFORE.search(text[max(0, dot - 80) : dot])
    word = word_match.group(1) if word_match else ""
    following = _WORD_AFTER.match(text, next_start)
    nxt = following.group(1) if following else ""
    low = word.lower().rstrip(".")
    if low in _TITLES:
        return False
    if low in _MONTHS and nxt[:1].isdigit():
        return False
    if len(word) == 1 and word.isupper():
        # A middle initial: "John F. Kennedy".
        return False
    if "." in word and re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word):
        # An initialism such as U.S or U.N: a boundary only before a sentence starter.
        return nxt.lower() in _STARTERS
    return True


def paragraphs(text: str) -> list[str]:
    """Split text into paragraphs at blank lines; single line breaks also split
    when the lines look like separate paragraphs (plain-text news often has one
    paragraph per line)."""
    text = normalize(text)
    blocks = re.split(r"\n\s*\n", text)
    out: list[str] = []
    for block in blocks:
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        if not lines:
            continue
        out.extend(lines)
    return out


def batched(items: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


#: Unicode bidirectional controls (embeddings, overrides, isolates): inside a title or an outlet
#: name they would reorder the text a page prints after them ("lanigiro · CTU 00:11").
_BIDI_CODES = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
_BIDI_CONTROLS = dict.fromkeys(_BIDI_CODES)


def without_bidi_controls(value: object) -> object:
    """``value`` with bidirectional control characters removed when it is a string
    (a template's ``finalize``: every printed value goes through it)."""
    # str.translate: markup a template already made safe stays safe (a regex would return a plain str).
    return value.translate(_BIDI_CONTROLS) if isinstance(value, str) else value


_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + "".join(map(chr, _BIDI_CODES)) + "]")


def printable(text: str) -> str:
    """``text`` without control characters (tab and newline stay) or bidirectional controls:
    an escape sequence in a title or a file name must not reach a terminal, and an override
    must not reorder what a page prints after it."""
    return _CONTROLS.sub("", text)
