"""Near-duplicate and syndication detection (triangulate.dedup)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triangulate.dedup import DedupIndex, Signature, syndication_groups
from triangulate.errors import ConfigError

WIRE = (
    "Firefighters in the coastal town of Porthmere battled a blaze at the old grain warehouse on the harbour "
    "front through Tuesday night, the regional fire service said. Forty firefighters and eight engines were "
    "sent to the scene after residents reported smoke shortly after nine in the evening. Nobody was injured, "
    "but the roof of the nineteenth-century building collapsed and the harbour road stayed closed on Wednesday "
    "morning. Fire chief Orla Bennet said the cause was not yet known and that investigators would enter the "
    "building once it was safe. The warehouse had been empty since the grain trade moved inland in the 1990s "
    "and the town council had planned to turn it into a market hall next year. Residents of nearby streets "
    "were asked to keep their windows closed because of the smoke, and the ferry to the islands left from the "
    "north quay instead. The council said it would meet on Thursday to discuss what can be saved of the "
    "building and whether the market hall plans can go ahead."
)

OTHER_FIRE = (
    "A fire destroyed a furniture factory on the edge of Lindholm early on Sunday, the city's fire brigade "
    "said. Sixty firefighters fought the flames for six hours before bringing them under control. Two workers "
    "on the night shift were treated for smoke inhalation and released from hospital. The factory, which "
    "employed about 200 people, made kitchen cabinets for export. The owner, Tamsin Vale, said production "
    "would move to a second site while the company assessed the damage. Police said there was no sign of "
    "arson but that the investigation was at an early stage, and the ring road next to the site reopened "
    "in the afternoon."
)


def rewrite_lead(text: str) -> str:
    """A typical outlet rewrite of a wire story: new first sentence, an added closing paragraph."""
    sentences = text.split(". ")
    new_lead = "A historic harbour warehouse in Porthmere was gutted by fire overnight, officials said"
    extra = (
        "Local historian Peder Anholt told this newspaper the building was one of the last of its kind on "
        "the coast and that its loss would be keenly felt by the town."
    )
    return ". ".join([new_lead, *sentences[1:]]) + "\n\n" + extra


def test_exact_copy_is_found_whatever_the_spacing_and_case() -> None:
    index = DedupIndex()
    assert index.add("wire", WIRE) is None
    copy = "  " + WIRE.upper().replace(". ", ".\n\n") + "  "
    match = index.add("copy", copy)
    assert match is not None
    assert (match.of, match.kind, match.similarity) == ("wire", "exact", 1.0)


def test_light_rewrite_of_a_wire_story_is_a_near_copy() -> None:
    index = DedupIndex()
    index.add("wire", WIRE)
    match = index.add("rewrite", rewrite_lead(WIRE))
    assert match is not None
    assert match.of == "wire"
    assert match.kind == "near"
    assert 0.5 <= match.similarity < 1.0


def test_trimmed_copy_matches_by_containment() -> None:
    index = DedupIndex()
    index.add("wire", WIRE)
    half = ". ".join(WIRE.split(". ")[:5]) + "."
    match = index.add("trimmed", half)
    assert match is not None and match.of == "wire"


def test_a_different_story_on_the_same_topic_is_not_a_copy() -> None:
    index = DedupIndex()
    index.add("wire", WIRE)
    assert index.query(OTHER_FIRE) == []
    assert index.add("other", OTHER_FIRE) is None


def test_query_does_not_add() -> None:
    index = DedupIndex()
    index.add("wire", WIRE)
    assert [m.of for m in index.query(rewrite_lead(WIRE))] == ["wire"]
    assert len(index) == 1


def test_adding_the_same_id_twice_changes_nothing() -> None:
    index = DedupIndex()
    index.add("wire", WIRE)
    first = index.add("rewrite", rewrite_lead(WIRE))
    again = index.add("rewrite", rewrite_lead(WIRE))
    assert first == again
    assert len(index) == 2


def test_add_many_gives_the_same_answers_as_add() -> None:
    texts = [("a", WIRE), ("b", OTHER_FIRE), ("c", rewrite_lead(WIRE)), ("d", WIRE)]
    one_by_one = DedupIndex()
    expected = [one_by_one.add(i, t) for i, t in texts]
    assert DedupIndex().add_many(texts) == expected
    assert expected[2] is not None and expected[2].of == "a"
    assert expected[3] is not None and expected[3].kind == "exact"


def test_origin_of_follows_a_chain_of_copies() -> None:
    index = DedupIndex()
    index.add("wire", WIRE)
    index.add("rewrite", rewrite_lead(WIRE))
    index.add("copy-of-rewrite", rewrite_lead(WIRE) + " ")
    assert index.origin_of("copy-of-rewrite") == "wire"


def test_signature_round_trips_with_its_parameters() -> None:
    index = DedupIndex(num_perm=64, shingle_size=4, seed=7)
    sig = index.signature(WIRE)
    data = sig.to_bytes()
    assert data[0] == 1  # format byte
    back = Signature.from_bytes(data)
    assert back == sig
    assert (back.num_perm, back.shingle_size, back.seed) == (64, 4, 7)
    restored = DedupIndex(num_perm=64, shingle_size=4, seed=7)
    restored.add("wire", signature=back)
    assert restored.query(rewrite_lead(WIRE))[0].of == "wire"


def test_signatures_built_with_other_parameters_refuse_to_compare() -> None:
    a = DedupIndex(seed=1).signature(WIRE)
    b = DedupIndex(seed=2).signature(WIRE)
    with pytest.raises(ConfigError, match="E210"):
        a.jaccard(b)
    with pytest.raises(ConfigError, match="E210"):
        DedupIndex(seed=1).add("x", signature=b)


def test_signatures_of_an_older_hash_scheme_refuse_to_compare() -> None:
    current = DedupIndex().signature(WIRE)
    assert current.scheme == "crc32-affine32"
    older = Signature.from_bytes(current.to_bytes()[:8] + bytes([1]) + current.to_bytes()[9:])
    assert older.scheme == "affine32"
    with pytest.raises(ConfigError, match="E210"):
        DedupIndex().add("x", signature=older)


def test_unknown_signature_format_is_refused() -> None:
    data = bytearray(DedupIndex().signature(WIRE).to_bytes())
    data[0] = 99
    with pytest.raises(ConfigError, match="E211"):
        Signature.from_bytes(bytes(data))


def test_bounded_index_forgets_the_oldest_articles() -> None:
    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(2000)]
    index = DedupIndex(max_items=10)
    texts = [" ".join(rng.choice(vocab) for _ in range(80)) for _ in range(30)]
    for i, text in enumerate(texts):
        index.add(str(i), text)
    assert len(index) == 10
    assert index.query(texts[0]) == []  # forgotten
    assert index.query(texts[-1])[0].of == "29"


def test_a_long_bounded_stream_keeps_finding_copies_in_fixed_memory() -> None:
    rng = random.Random(5)
    vocab = [f"w{i}" for i in range(5000)]
    index = DedupIndex(max_items=1500)
    texts = [" ".join(rng.choice(vocab) for _ in range(60)) for _ in range(4000)]
    sizes = []
    for i, text in enumerate(texts):
        # Every tenth article is a trimmed reprint of one a few hundred articles back.
        if i % 10 == 9 and i > 400:
            source = i - 1 - rng.randrange(300)
            if source % 10 == 9 and source > 400:  # itself a reprint: take the article before
                source -= 1
            match = index.add(f"r{i}", " ".join(texts[source].split()[5:]))
            assert match is not None and index.origin_of(f"r{i}") == str(source), (i, source, match)
        else:
            assert index.add(str(i), text) is None
        if i >= 2000:
            sizes.append(index.nbytes)
    assert len(index) == 1500
    assert index.query(texts[0]) == []  # left the window long ago
    assert index.query(texts[3998])[0].of == "3998"
    assert max(sizes) <= 1.6 * min(sizes)  # the arrays stop growing once the ring is full


def test_a_text_reprinted_hundreds_of_times_finds_every_earlier_copy() -> None:
    # Hundreds of articles share every band key: the lookup takes the long-run path.
    index = DedupIndex()
    for i in range(300):
        index.add(f"copy{i}", WIRE)
    for moved in (False, True):
        if moved:
            index._bands._flush()  # from the recent keys into the sorted array
        found = index.query(WIRE)
        assert len(found) == 300
        assert {m.of for m in found} == {f"copy{i}" for i in range(300)}
        assert found[0].of == "copy0"  # the earliest copy first


def test_band_lookups_agree_with_a_scan_of_every_stored_key() -> None:
    # Enough articles for several merges into the sorted array and a rebuild after
    # slots are reused; every lookup must see exactly the slots a full scan sees.
    rng = random.Random(11)
    vocab = [f"w{i}" for i in range(400)]  # a small vocabulary: many shared bands
    index = DedupIndex(max_items=2500, threshold=0.3)
    texts = [" ".join(rng.choice(vocab) for _ in range(30)) for _ in range(6000)]
    bands = index._bands
    for i, text in enumerate(texts):
        sig = index.signature(text)
        keys = bands.band_keys(sig.values(), sig.digest)
        if i % 97 == 0:
            live = bands.live[: bands.keys.shape[0]]
            shared = (bands.keys[:, : bands.bands] == keys[: bands.bands]).any(axis=1) & live
            near, _ = bands.candidates(keys)
            assert near == set(shared.nonzero()[0].tolist()), i
        index.add(str(i), signature=sig)


def test_syndication_groups_name_the_earliest_copy_as_origin() -> None:
    articles = [
        ("late-copy", rewrite_lead(WIRE), "2024-03-05T10:00:00+00:00"),
        ("other", OTHER_FIRE, "2024-03-05T08:00:00+00:00"),
        ("origin", WIRE, "2024-03-05T07:30:00+00:00"),
        ("undated-copy", WIRE + " ", None),
    ]
    groups = syndication_groups(articles)
    assert len(groups) == 1
    group = groups[0]
    assert group.origin == "origin"
    assert group.copies == ("late-copy", "undated-copy")
    assert 0.5 <= group.similarity <= 1.0


@settings(max_examples=30, deadline=None)
@given(st.text(min_size=0, max_size=300), st.text(min_size=0, max_size=300))
def test_jaccard_estimate_is_symmetric_and_bounded(a: str, b: str) -> None:
    index = DedupIndex(num_perm=32)
    sa, sb = index.signature(a), index.signature(b)
    j = sa.jaccard(sb)
    assert j == sb.jaccard(sa)
    assert 0.0 <= j <= 1.0
