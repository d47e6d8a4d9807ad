"""The sentence-pair scorer: what it calls the same content, and what it does not."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from triangulate.errors import ModelError
from triangulate.similarity import SCALAR_FEATURES, PairScorer, scalar_features


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


def test_scoring_100k_pairs_over_2k_sentences_is_fast(scorer: PairScorer) -> None:
    rng = np.random.default_rng(0)
    words = "council budget bridge river vote mayor tuesday friday school police storm million 40 12 not".split()
    texts = [" ".join(rng.choice(words, 12)) for _ in range(2000)]
    vecs = rng.normal(size=(2000, 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ia, ib = rng.integers(0, 2000, 100_000), rng.integers(0, 2000, 100_000)
    a, b, va, vb = [texts[i] for i in ia], [texts[i] for i in ib], vecs[ia], vecs[ib]
    scorer.score(a[:5], b[:5], va[:5], vb[:5])  # imports
    started = time.perf_counter()
    p = scorer.score(a, b, va, vb)
    elapsed = time.perf_counter() - started
    assert p.shape == (100_000,)
    assert elapsed < 1.0, f"scoring 100k pairs took {elapsed:.2f}s"
