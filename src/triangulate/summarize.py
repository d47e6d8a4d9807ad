"""An extractive, neutral summary in which every sentence cites its outlets.

Sentences are taken from the best-supported facts (most independent sources
first, then the earliest in the articles), each written in one outlet's words
and cited with every source whose claim is part of that fact, so each
citation points at a sentence that says the same thing. Conflicts get one
neutral sentence naming both versions: every conflict of a fact the summary
states, and up to two of other facts. A story with no corroborated fact is
summarised by each outlet's lead, cited to that outlet alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from triangulate.conflicts import VALUE_KINDS, _compatible_names, compare_claims
from triangulate.models import Article, Claim, Conflict, Fact, SummarySentence
from triangulate.text import jaccard, tokens

_PRONOUN_VERB = re.compile(r"\b(he|she)\s+(said|added|noted|told|stressed|warned|explained)\b", re.IGNORECASE)
_LEADING_PRONOUN = re.compile(r"^(He|She)\b")


def summarize(
    facts: Sequence[Fact],
    conflicts: Sequence[Conflict],
    articles: Sequence[Article],
    claims: Sequence[Claim],
    number_of: dict[str, int],
    *,
    max_sentences: int = 5,
    group_of: dict[str, int] | None = None,
) -> list[SummarySentence]:
    """Build the summary. ``number_of`` maps article id -> source number; ``group_of``
    maps article id -> independent source (a wire story and its reprints share one;
    default: each article its own)."""
    corroborated = [f for f in facts if f.independent_sources >= 2]
    ranked = sorted(corroborated, key=lambda f: (-f.independent_sources, min(c.position for c in f.claims)))
    chosen = ranked[:max_sentences]
    out: list[SummarySentence] = []
    used_texts: set[str] = set()
    stated: set[str] = set()  # facts the summary states: each of their disputes must follow
    by_id = {c.id: c for c in claims}
    for fact in sorted(chosen, key=lambda f: min(c.position for c in f.claims)):
        claim = representative(fact)
        text = _quoted(claim, fact.speaker) if fact.kind == "quote" else _readable(claim, fact.speaker)
        if text in used_texts:
            continue
        used_texts.add(text)
        # Cite only the versions that agree with the sentence: a source giving a
        # conflicting figure or day does not support it (its version is in the
        # conflict sentence below).
        # Nor does one that gives the words to someone else: "Police said the sea wall
        # collapsed" is not what an outlet writing "Witnesses said ..." reports.
        # A version on the other side of a dispute the fact has (found between any two of
        # its versions, not only against this one) does not support it either.
        against = _other_sides(claim, [x for x in conflicts if x.fact_id == fact.id], fact, by_id)
        undisputed = [c for c in fact.claims if c is claim or (c.id not in against and not compare_claims(fact.id, claim, c))]
        agreeing = [c for c in undisputed if c is claim or fact.kind == "quote" or _same_source(claim, c)]
        cites = tuple(sorted({number_of[c.article_id] for c in agreeing}))
        if fact.kind != "quote" and _no_majority(agreeing, [c for c in fact.claims if c not in undisputed], group_of):
            # As many sources give another version as give this one: the sentence is theirs
            # to say, not the summary's ("The Terrace reports: ... 3-2", then the dispute).
            outlets = list(dict.fromkeys(c.outlet for c in agreeing))
            text = f"{_and(outlets)} report{'' if len(outlets) > 1 else 's'}: {text}"
        stated.add(fact.id)
        out.append(SummarySentence(text=text, citations=cites, fact_id=fact.id))
        # Who else the same words are given to, by the outlets left out for that reason.
        elsewhere = [c for c in undisputed if c not in agreeing]
        if elsewhere:
            outlets = [c.outlet for c in elsewhere]
            verb = "attribute" if len(set(outlets)) > 1 else "attributes"
            who = _and([_common(c.speaker or "") for c in elsewhere])
            out.append(
                SummarySentence(
                    text=f"{_and(outlets)} {verb} it to {who}.",
                    citations=tuple(sorted({number_of[c.article_id] for c in elsewhere})),
                    fact_id=fact.id,
                )
            )
    fact_by_id = {f.id: f for f in facts}
    summarised: set[tuple[str, str]] = set()
    others = 0
    # Every dispute of a fact the summary states (a sentence it writes must not stand as
    # undisputed where a source says otherwise), then up to two disputes of other facts.
    for conflict in sorted(conflicts, key=lambda c: c.fact_id not in stated):
        if (conflict.fact_id, conflict.kind) in summarised:
            continue  # one sentence a dispute, however many pairs of outlets it has
        if conflict.fact_id not in stated:
            if others >= 2:
                break
            others += 1
        summarised.add((conflict.fact_id, conflict.kind))
        side_a = next(c for c in claims if c.id == conflict.a.claim_id)
        side_b = next(c for c in claims if c.id == conflict.b.claim_id)
        disputed = fact_by_id.get(conflict.fact_id)
        outlets_a, outlets_b = [side_a], [side_b]
        if disputed is not None and not conflict.reprint:
            # Every version of the fact that agrees with one side or the other.
            for c in disputed.claims:
                if c.outlet in {x.outlet for x in outlets_a + outlets_b}:
                    continue
                with_a = any(x.kind == conflict.kind for x in compare_claims(disputed.id, side_a, c))
                with_b = any(x.kind == conflict.kind for x in compare_claims(disputed.id, side_b, c))
                if with_b and not with_a:
                    outlets_a.append(c)
                elif with_a and not with_b:
                    outlets_b.append(c)
        text = _dispute_text(conflict, [c.outlet for c in outlets_a], [c.outlet for c in outlets_b])
        text = text[:-1] if text.endswith("..") else text  # "gives 5:40 a.m."
        cites = tuple(sorted({number_of[c.article_id] for c in outlets_a + outlets_b}))
        out.append(SummarySentence(text=text, citations=cites, fact_id=conflict.fact_id))
    if not out:
        for article in articles[:max_sentences]:
            lead = next((c for c in claims if c.article_id == article.id and _is_sentence(c.text)), None)
            if lead is not None and lead.text not in used_texts:  # a wire copy's lead once
                used_texts.add(lead.text)
                out.append(SummarySentence(text=lead.text, citations=(number_of[article.id],)))
    return out


def _no_majority(agreeing: Sequence[Claim], disputing: Sequence[Claim], group_of: dict[str, int] | None) -> bool:
    """Whether the versions that dispute a sentence come from at least as many independent
    sources as the versions that state it."""
    def sources(claims: Sequence[Claim]) -> set[object]:
        return {group_of.get(c.article_id, c.article_id) if group_of else c.article_id for c in claims}

    against = sources(disputing) - sources(agreeing)
    return bool(against) and len(against) >= len(sources(agreeing))


def _other_sides(claim: Claim, disputes: Sequence[Conflict], fact: Fact, by_id: dict[str, Claim]) -> set[str]:
    """Ids of the fact's claims on the other side of one of its ``disputes`` from ``claim``.

    A claim is on a side when it gives that side's value of the disputed kind and not the
    other's (a figure, a day, whether it happened), or, for kinds without values (names,
    outcomes), when it is worded as that side or disagrees with the other side only. A
    claim that states neither version takes no side.
    """
    def kinds(x: Claim, y: Claim) -> set[str]:
        return {c.kind for c in compare_claims(fact.id, x, y)} if x.text != y.text else set()

    def values(x: Claim, kind: str) -> set[str] | None:
        if kind == "negation":
            return {"negated" if x.details_of("negation") else "affirmed"}
        if kind in VALUE_KINDS:
            return {d.value for d in x.details_of(kind)}
        return None

    def side(x: Claim, mine: Claim, theirs: Claim, kind: str) -> bool:
        own, a, b = values(x, kind), values(mine, kind), values(theirs, kind)
        if own is not None and a is not None and b is not None:
            return bool(own & (a - b)) and not own & (b - a)
        return x.text == mine.text or (kind in kinds(x, theirs) and kind not in kinds(x, mine))

    out: set[str] = set()
    for dispute in disputes:
        a, b = by_id.get(dispute.a.claim_id), by_id.get(dispute.b.claim_id)
        if a is None or b is None:
            continue
        for mine, theirs in ((a, b), (b, a)):
            if side(claim, mine, theirs, dispute.kind):
                out.update(c.id for c in fact.claims if side(c, theirs, mine, dispute.kind))
                break
    return out


def _dispute_text(conflict: Conflict, side_a: Sequence[str], side_b: Sequence[str]) -> str:
    """The neutral sentence for a dispute, ``side_a`` and ``side_b`` the outlets giving each version."""
    names_a, names_b = _and(side_a), _and(side_b)
    verb_a = "" if len(set(side_a)) > 1 else "s"
    verb_b = "" if len(set(side_b)) > 1 else "s"
    a, b, kind = conflict.a, conflict.b, conflict.kind
    if conflict.reprint:
        return (
            f"{b.outlet}, reprinting {a.outlet}, changes the {_label(kind)}: "
            f"{_in_sentence(a.value, kind)} in {a.outlet}, {_in_sentence(b.value, kind)} in {b.outlet}."
        )
    if kind == "negation":
        (no, no_verb, said), (yes, yes_verb) = (
            ((names_a, verb_a, a.text), (names_b, verb_b)) if a.value == "negated" else ((names_b, verb_b, b.text), (names_a, verb_a))
        )
        return f'Reports differ: {no} say{no_verb} "{_as_quoted(said)}", {yes} say{yes_verb} otherwise.'
    if kind == "outcome":
        return f"Reports differ on what happened: {names_a} say{verb_a} {a.value}, {names_b} say{verb_b} {b.value}."
    return (
        f"Reports differ on the {_label(kind)}: {names_a} give{verb_a} {_in_summary(a.value, kind)}, "
        f"{names_b} give{verb_b} {_in_summary(b.value, kind)}."
    )


#: The longest version a negation dispute quotes in full.
_QUOTED_CHARS = 160


def _as_quoted(text: str) -> str:
    """A version as a negation dispute quotes it: without its final stop, and cut at a word
    past :data:`_QUOTED_CHARS` characters; what is disputed must be named, "it" says nothing."""
    text = " ".join(text.split()).rstrip(".").replace('"', "'")
    if len(text) <= _QUOTED_CHARS:
        return text
    return text[:_QUOTED_CHARS].rsplit(" ", 1)[0] + " …"


_RELATIVE_DATE = re.compile(r"^[\w ]+ \((\d{4}-\d\d-\d\d)\)$")


def _in_summary(value: str, kind: str) -> str:
    """A side's value as a sentence naming several outlets can give it: a relative day by its
    date only ("yesterday (2026-03-03)" -> "2026-03-03": another outlet may have said "today")."""
    relative = _RELATIVE_DATE.match(value) if kind == "date" else None
    return relative.group(1) if relative else _in_sentence(value, kind)


def _and(names: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    names = list(dict.fromkeys(names))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _label(kind: str) -> str:
    return {"weekday": "day", "number": "figures", "money": "amount", "percent": "percentage",
            "duration": "duration", "date": "date", "negation": "facts", "entity": "names",
            "time": "time", "score": "score"}.get(kind, kind)  # fmt: skip


def _is_sentence(text: str) -> bool:
    return bool(text) and (text[0].isupper() or text[0] == '"') and text.rstrip()[-1:] in '.!?"'


_MAX_WORDINGS = 40


def _first_of_each(keyed: Iterable[tuple[object, Claim]]) -> list[Claim]:
    """The first claim of each key, in order, at most :data:`_MAX_WORDINGS`."""
    out: dict[object, Claim] = {}
    for key, claim in keyed:
        out.setdefault(key, claim)
        if len(out) >= _MAX_WORDINGS:
            break
    return list(out.values())


#: Speakers that are groups or roles, not names: written in lower case mid-sentence.
_COMMON_SPEAKERS = frozenset(
    "police witnesses officials authorities residents doctors firefighters investigators prosecutors "
    "officers rescuers experts analysts sources".split()
)


def _common(speaker: str) -> str:
    """"Witnesses" as it reads mid-sentence: "witnesses"; names keep their capitals."""
    return speaker.lower() if speaker.lower() in _COMMON_SPEAKERS else speaker


def _same_source(a: Claim, b: Claim) -> bool:
    """Whether two versions give a statement to the same speaker, or one of them to nobody."""
    if not a.speaker or not b.speaker:
        return True
    return a.speaker.lower() == b.speaker.lower() or _compatible_names(a.speaker, b.speaker)


def representative(fact: Fact) -> Claim:
    """The claim that reads best on its own and shares most words with the other
    versions (so every cited source says what it says); shorter wins a tie."""
    full = [c for c in fact.claims if _is_sentence(c.text)]
    # Distinct wordings only (reprints repeat them), at most 40 of each: a fact of
    # hundreds of claims costs no more than one of forty.
    pool = _first_of_each((c.text, c) for c in (full or fact.claims))
    versions = _first_of_each(((c.article_id, c.text), c) for c in fact.claims)
    words = {c.text: set(tokens(c.text)) for c in [*pool, *versions]}

    def agreement(claim: Claim) -> float:
        others = [c for c in versions if c.article_id != claim.article_id]
        return sum(jaccard(words[claim.text], words[o.text]) for o in others) / max(1, len(others))

    def disputed_by(claim: Claim) -> int:
        """How many other versions give one of its details another way: the sentence should
        be in the version most sources agree with, not in the odd one out."""
        return sum(1 for o in versions if o.article_id != claim.article_id and compare_claims(fact.id, claim, o))

    return max(pool, key=lambda c: (-disputed_by(c), round(agreement(c), 3), -len(c.text)))


def _quoted(claim: Claim, speaker: str | None) -> str:
    """A quote as a sentence that names its speaker: 'Gantz said: "..."'.

    Used when the claim itself does not name the speaker (a quote continued from an
    earlier sentence, or "he added"), so the summary sentence stands alone.
    """
    text = _readable(claim, speaker)
    if not speaker or not claim.quote or speaker.split()[-1] in text:
        return text
    words = claim.quote.strip().rstrip(",;:")
    if words[-1:] not in ".!?":
        words += "."
    return f'{speaker.split()[-1]} said: "{words[0].upper()}{words[1:]}"'


def _readable(claim: Claim, speaker: str | None) -> str:
    """Replace a pronoun speaker by the name, so the sentence stands alone."""
    text = claim.text
    if speaker:
        surname = speaker.split()[-1]
        text = _PRONOUN_VERB.sub(lambda m: f"{surname} {m.group(2)}", text, count=1)
        text = _LEADING_PRONOUN.sub(surname, text, count=1)
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    return text


def _in_sentence(value: str, kind: str) -> str:
    """A figure quoted from the start of a sentence, as it reads mid-sentence:
    "Fourteen people" -> "fourteen people" (names keep their capitals)."""
    if kind not in ("number", "money", "percent", "duration"):
        return value
    first = value.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower() and first.lower() in _NUMBER_WORDS:
        return first.lower() + value[len(first) :]
    return value


_NUMBER_WORDS = frozenset(
    "a an one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
    "million billion dozen dozens hundreds thousands millions some several".split()
)
