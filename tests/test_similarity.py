"""The sentence-pair scorer: what it calls the same content, and what it does not."""

from __future__ import annotations

import json

import numpy as np
import pytest

from triangulate.errors import ModelError
from triangulate.similarity import (
    SCALAR_FEATURES,
    SEQUENCE_FEATURES,
    TOKEN_FEATURES,
    PairScorer,
    scalar_features,
    sequence_features,
    token_features,
    token_views,
)


@pytest.fixture(scope="module")
def embedder():
    from triangulate.embed import load_embedder

    return load_embedder()


@pytest.fixture(scope="module")
def scorer() -> PairScorer:
    return PairScorer.load()


def _score(scorer: PairScorer, embedder, a: list[str], b: list[str]) -> np.ndarray:
    return scorer.score(a, b, embedder.encode(a), embedder.encode(b))


def test_shipped_model_records_what_it_was_fitted_on(scorer: PairScorer) -> None:
    assert scorer.meta["fitted_on"]["mrpc_train"]["file"] == "msr_paraphrase_train.txt"
    assert "calibrate pairs" in scorer.meta["command"]
    assert 0.0 < scorer.threshold < 1.0
    assert scorer.feature_names == SCALAR_FEATURES


def test_paraphrase_scores_above_threshold_and_above_an_unrelated_pair(scorer: PairScorer, embedder) -> None:
    a = [
        "The Harbor City council approved a budget of 40 million dollars for the new bridge on Tuesday.",
        "The Harbor City council approved a budget of 40 million dollars for the new bridge on Tuesday.",
    ]
    b = [
        "On Tuesday, Harbor City's council approved 40 million dollars to build the new bridge.",
        "A rare owl was seen nesting in the botanical garden for the first time in years.",
    ]
    p = _score(scorer, embedder, a, b)
    assert p[0] >= scorer.threshold
    assert p[1] < scorer.threshold
    assert p[0] > p[1] + 0.5


def test_same_topic_different_fact_scores_below_threshold(scorer: PairScorer, embedder) -> None:
    a = ["The Harbor City council approved a budget of 40 million dollars for the new bridge on Tuesday."]
    b = ["Harbor City police said two people were arrested after a protest outside the council building on Friday."]
    assert _score(scorer, embedder, a, b)[0] < scorer.threshold


def test_scores_do_not_depend_on_the_order_of_the_two_sentences(scorer: PairScorer, embedder) -> None:
    a = ["Minister Dara Quell will fly to Lisbon on Monday for two days of talks.", "Rain closed the northern road."]
    b = ["Quell travels to Lisbon on Monday for talks lasting two days.", "The northern road reopened after the rain."]
    np.testing.assert_allclose(_score(scorer, embedder, a, b), _score(scorer, embedder, b, a), atol=1e-9)


def test_a_differing_figure_lowers_the_score(scorer: PairScorer, embedder) -> None:
    a = ["The storm damaged 120 homes in the valley, officials said."] * 2
    b = ["Officials said the storm damaged 120 homes in the valley.", "Officials said the storm damaged 45 homes in the valley."]
    p = _score(scorer, embedder, a, b)
    assert p[0] > p[1]


def test_graded_similarity_is_on_the_sts_scale_and_ranks_pairs(scorer: PairScorer, embedder) -> None:
    a = ["A man is playing a guitar on a stage."] * 3
    b = ["A man plays the guitar on stage.", "A man is playing a piano.", "Two dogs run across a snowy field."]
    s = scorer.similarity(a, b, embedder.encode(a), embedder.encode(b))
    assert np.all((s >= 0) & (s <= 5))
    assert s[0] > s[1] > s[2]


def test_features_of_identical_texts_show_full_overlap() -> None:
    v = np.eye(2, 384, dtype=np.float32)
    x = scalar_features(["Ten boats left the port at dawn."] * 2, ["Ten boats left the port at dawn.", "Cats sleep."], v[[0, 0]], v[[0, 1]])
    row = dict(zip(SCALAR_FEATURES, x[0]))
    assert row["cosine"] == pytest.approx(1.0)
    assert row["content_jaccard"] == row["token_jaccard"] == row["bigram_jaccard"] == 1.0
    assert row["unmatched_content_max"] == 0.0
    assert dict(zip(SCALAR_FEATURES, x[1]))["content_jaccard"] == 0.0


def test_row_aligned_inputs_must_have_equal_lengths(scorer: PairScorer) -> None:
    v = np.zeros((2, 384), dtype=np.float32)
    with pytest.raises(ValueError):
        scorer.score(["a", "b"], ["c"], v, v)


def test_empty_input_gives_empty_scores(scorer: PairScorer) -> None:
    v = np.zeros((0, 384), dtype=np.float32)
    assert scorer.score([], [], v, v).shape == (0,)


def test_save_and_load_round_trip(scorer: PairScorer, tmp_path) -> None:
    path = tmp_path / "pair_model.json"
    scorer.save(path)
    again = PairScorer.load(path)
    rng = np.random.default_rng(1)
    x = rng.random((50, len(SCALAR_FEATURES)))
    np.testing.assert_allclose(again.paraphrase.predict(x), scorer.paraphrase.predict(x))
    np.testing.assert_allclose(again.graded.predict(x), scorer.graded.predict(x), atol=1e-5)


def test_a_model_file_of_another_format_is_refused(tmp_path) -> None:
    path = tmp_path / "pair_model.json"
    path.write_text(json.dumps({"format": 99}))
    with pytest.raises(ModelError, match="E312"):
        PairScorer.load(path)
    with pytest.raises(ModelError, match="E310"):
        PairScorer.load(tmp_path / "missing.json")


def test_scoring_100k_pairs_at_once_equals_scoring_them_in_slices(scorer: PairScorer) -> None:
    # (How fast this is lives in bench/hot_paths.py, not here.)
    rng = np.random.default_rng(0)
    words = "council budget bridge river vote mayor tuesday friday school police storm million 40 12 not".split()
    texts = [" ".join(rng.choice(words, 12)) for _ in range(2000)]
    vecs = rng.normal(size=(2000, 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ia, ib = rng.integers(0, 2000, 100_000), rng.integers(0, 2000, 100_000)
    a, b, va, vb = [texts[i] for i in ia], [texts[i] for i in ib], vecs[ia], vecs[ib]
    p = scorer.score(a, b, va, vb)
    assert p.shape == (100_000,) and np.all((p >= 0) & (p <= 1))
    for start in (0, 31_337, 99_000):
        part = slice(start, start + 1000)
        assert np.allclose(p[part], scorer.score(a[part], b[part], va[part], vb[part]))


# --- token-level model -----------------------------------------------------------------


@pytest.fixture(scope="module")
def token_scorer(embedder) -> PairScorer:
    return PairScorer.load(token_level=True, embedder=embedder)


def test_token_vectors_leave_out_special_tokens_and_are_unit_length(embedder) -> None:
    vectors, pieces = embedder.encode_tokens(["Gantz left on Wednesday.", "", "Rain."], with_pieces=True)
    assert [len(v) for v in vectors] == [len(p) for p in pieces]
    assert pieces[1] == [] and vectors[1].shape == (0, 384)
    assert pieces[2] == ["rain", "."]
    assert not {"[CLS]", "[SEP]", "[PAD]"} & {p for ps in pieces for p in ps}
    np.testing.assert_allclose(np.linalg.norm(vectors[0], axis=1), 1.0, atol=1e-5)
    # Batching and length sorting do not change a text's vectors.
    (alone,) = embedder.encode_tokens(["Gantz left on Wednesday."])
    np.testing.assert_allclose(alone, vectors[0], atol=1e-4)


def test_token_features_of_identical_texts_match_fully_and_are_symmetric(embedder) -> None:
    a = ["The storm damaged 120 homes in the valley.", "Quell flew to Lisbon."]
    b = ["The storm damaged 120 homes in the valley.", "Officials in Lisbon said the talks would last two days."]
    ta, tb = token_views(embedder, a), token_views(embedder, b)
    x = dict(zip(TOKEN_FEATURES, token_features(ta, tb)[0]))
    assert x["match_f1"] == pytest.approx(1.0, abs=1e-5)
    assert x["below_85_max"] == 0.0 and x["idf_unmatched_max"] == 0.0
    np.testing.assert_allclose(token_features(ta, tb), token_features(tb, ta), atol=1e-9)
    np.testing.assert_allclose(sequence_features(a, b), sequence_features(b, a))
    assert dict(zip(SEQUENCE_FEATURES, sequence_features(a, b)[0]))["lcs_ratio"] == 1.0


def test_token_level_model_records_its_idf_and_training_files(token_scorer: PairScorer) -> None:
    assert token_scorer.needs_tokens
    assert set(token_scorer.feature_names) == set(SCALAR_FEATURES + SEQUENCE_FEATURES + TOKEN_FEATURES)
    assert token_scorer.meta["fitted_on"]["mrpc_train"]["file"] == "msr_paraphrase_train.txt"
    assert token_scorer.idf and token_scorer.idf["the"] < token_scorer.idf["budget"]
    assert not PairScorer.load().needs_tokens  # the compare engine's default stays sentence-level


def test_token_level_scorer_separates_paraphrase_from_same_topic_and_is_order_free(token_scorer: PairScorer, embedder) -> None:
    a = ["The Harbor City council approved a budget of 40 million dollars for the new bridge on Tuesday."] * 3
    b = [
        "On Tuesday, Harbor City's council approved 40 million dollars to build the new bridge.",
        "Harbor City police said two people were arrested after a protest outside the council building on Friday.",
        "A rare owl was seen nesting in the botanical garden for the first time in years.",
    ]
    p = _score(token_scorer, embedder, a, b)
    assert p[0] >= token_scorer.threshold > max(p[1], p[2])
    np.testing.assert_allclose(p, _score(token_scorer, embedder, b, a), atol=1e-9)
    s = token_scorer.similarity(a, b, embedder.encode(a), embedder.encode(b))
    assert s[0] > s[1] and s[0] > s[2]


def test_given_token_views_are_used_instead_of_the_embedder(token_scorer: PairScorer, embedder) -> None:
    a, b = ["Rain closed the northern road."], ["The northern road reopened after the rain."]
    va, vb = embedder.encode(a), embedder.encode(b)
    lazy = token_scorer.score(a, b, va, vb)
    bare = PairScorer.from_dict(token_scorer.to_dict())  # no embedder
    given = bare.score(a, b, va, vb, token_views(embedder, a), token_views(embedder, b))
    np.testing.assert_allclose(given, lazy, atol=1e-9)
    with pytest.raises(ModelError, match="E316"):
        bare.score(a, b, va, vb)


def test_token_level_model_round_trips_through_its_file(token_scorer: PairScorer, tmp_path) -> None:
    path = tmp_path / "pair_model_tokens.json"
    token_scorer.save(path)
    again = PairScorer.load(path)
    assert again.idf == token_scorer.idf and again.default_idf == token_scorer.default_idf
    assert again.feature_names == token_scorer.feature_names and again.threshold == token_scorer.threshold
