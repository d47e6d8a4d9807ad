"""`triangulate eval paraphrase|sts|alignment`: metric code, readers, the command's
output contract, and quality floors on the public sets in ../shared/data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from triangulate.evaluate.baselines import TfidfCosine, best_f1_threshold
from triangulate.evaluate.common import binary_scores, pearson, read_ists, read_mrpc, read_sts, spearman
from triangulate.evaluate.ists_metric import ists_f1

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
FLOORS = json.loads((Path(__file__).parent / "eval_floors.json").read_text())


# --- metric code on hand-made inputs ---------------------------------------------------


def test_binary_scores_count_the_positive_class() -> None:
    s = binary_scores([1, 1, 0, 0, 1], [1, 0, 1, 0, 1])
    assert s["accuracy"] == pytest.approx(3 / 5)
    assert s["precision"] == pytest.approx(2 / 3)
    assert s["recall"] == pytest.approx(2 / 3)
    assert s["f1"] == pytest.approx(2 / 3)


def test_spearman_uses_average_ranks_for_ties() -> None:
    from scipy.stats import spearmanr

    x = [1, 2, 2, 3, 5, 5, 5, 0]
    y = [2, 1, 4, 3, 6, 5, 7, 0]
    assert spearman(x, y) == pytest.approx(spearmanr(x, y).statistic)
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert pearson([1, 1, 1], [2, 4, 6]) == 0.0


def test_best_f1_threshold_cuts_between_training_scores() -> None:
    t, f1 = best_f1_threshold(np.array([0.9, 0.8, 0.4, 0.3]), np.array([1, 1, 0, 0]))
    assert 0.4 < t < 0.8
    assert f1 == 1.0


def test_tfidf_cosine_ignores_words_outside_its_vocabulary() -> None:
    tfidf = TfidfCosine.fit(["the ferry left the harbour", "the ferry was late"])
    same, other = tfidf.cosine(["the ferry left", "zebras"], ["the ferry left", "zebras"])
    assert same == pytest.approx(1.0)
    assert other == 0.0


def test_ists_f1_weights_links_by_melamed_fanout() -> None:
    # Headline 1: "a b c", headline 2: "x y". Gold: [a b]<->[x] EQUI, [c]<->[y] SIMI.
    tokens = {"1": (["a", "b", "c"], ["x", "y"])}
    gold = {"1": [((1, 2), (1,), "EQUI"), ((3,), (2,), "SIMI")]}
    system = {"1": [((1,), (1,), "EQUI"), ((3,), (2,), "EQUI"), ((2,), (), "NOALI")]}
    # Gold links a:x and b:x weigh 1/2 each (x fans out to 2), c:y weighs 1: mass 2.
    # System links a:x and c:y weigh 1 each: mass 2, both found in gold -> P = 1;
    # gold mass found by the system: 1/2 + 1 -> R = 0.75.
    ali = ists_f1(gold, system, tokens, mode="ali")
    assert (ali.precision, ali.recall) == (pytest.approx(1.0), pytest.approx(0.75))
    assert ali.f1 == pytest.approx(2 * 0.75 / 1.75)
    # Types: c:y is SIMI in gold, EQUI in the system -> counts 0.
    typ = ists_f1(gold, system, tokens, mode="type")
    assert (typ.precision, typ.recall) == (pytest.approx(0.5), pytest.approx(0.25))


def test_ists_f1_drops_punctuation_and_counts_extra_tags_by_jaccard() -> None:
    tokens = {"1": (["Rain", ",", "floods"], ["Heavy", "rain"])}
    gold = {"1": [((1, 2, 3), (1, 2), "SPE1_FACT")]}
    system = {"1": [((1, 2, 3), (1, 2), "SPE1")]}
    assert ists_f1(gold, system, tokens, mode="ali").f1 == pytest.approx(1.0)
    # {spe1, fact} against {spe1}: Jaccard 1/2.
    assert ists_f1(gold, system, tokens, mode="type").f1 == pytest.approx(0.5)


def test_ists_f1_of_gold_against_itself_is_one() -> None:
    tokens = {"7": (["a", "b"], ["c", "d", "e"])}
    gold = {"7": [((1,), (1, 2), "SPE2"), ((2,), (3,), "OPPO"), ((), (3,), "NOALI")]}
    assert ists_f1(gold, gold, tokens, mode="type").f1 == pytest.approx(1.0)


# --- readers and the command's contract on small hand-made folders -----------------------

MRPC_ROWS = [
    (1, "Mayor Ilse Varn opened the new ferry terminal on Monday .", "On Monday , Mayor Ilse Varn opened the new ferry terminal ."),
    (0, "Mayor Ilse Varn opened the new ferry terminal on Monday .", "The ferry company raised ticket prices by 8 percent ."),
    (1, "Flooding closed 12 schools in the county .", "Twelve county schools were closed by flooding ."),
]
STS_ROWS = [
    ("main-news", 4.8, "Ferry terminal opens in Harbor City", "Harbor City opens ferry terminal"),
    ("main-news", 0.4, "Ferry terminal opens in Harbor City", "Storm cuts power to thousands"),
    ("main-captions", 3.0, "A dog runs in a park.", "A dog is running on the grass."),
    ("main-captions", 0.2, "A woman slices an onion.", "A plane lands at an airport."),
]
WA = """<sentence id="1" status="">
// Ferry terminal opens in Harbor City
// Harbor City opens new ferry terminal
<source>
1 Ferry :
2 terminal :
3 opens :
4 in :
5 Harbor :
6 City :
</source>
<translation>
1 Harbor :
2 City :
3 opens :
4 new :
5 ferry :
6 terminal :
</translation>
<alignment>
1 2 <==> 4 5 6 // SPE2 // 4 // Ferry terminal <==> new ferry terminal
3 <==> 3 // EQUI // 5 // opens <==> opens
4 5 6 <==> 1 2 // EQUI // 5 // in Harbor City <==> Harbor City
</alignment>
</sentence>
"""


@pytest.fixture()
def small_sets(tmp_path: Path) -> Path:
    (tmp_path / "mrpc").mkdir()
    lines = ["\ufeffQuality\t#1 ID\t#2 ID\t#1 String\t#2 String"]
    lines += [f"{lab}\t{100 + i}\t{200 + i}\t{a}\t{b}" for i, (lab, a, b) in enumerate(MRPC_ROWS)]
    (tmp_path / "mrpc" / "msr_paraphrase_test.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "sts").mkdir()
    rows = [f"{g}\tfile\t2024\t{i:04d}\t{s:.3f}\t{a}\t{b}" for i, (g, s, a, b) in enumerate(STS_ROWS)]
    (tmp_path / "sts" / "sts-test.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "ists" / "test").mkdir(parents=True)
    (tmp_path / "ists" / "test" / "STSint.gs.headlines.wa").write_text(WA, encoding="utf-8")
    return tmp_path


def test_readers_parse_the_three_formats(small_sets: Path) -> None:
    mrpc = read_mrpc(small_sets / "mrpc" / "msr_paraphrase_test.txt")
    assert [(p.id1, p.label) for p in mrpc] == [("100", 1), ("101", 0), ("102", 1)]
    sts = read_sts(small_sets / "sts" / "sts-test.csv")
    assert [p.genre for p in sts][:2] == ["main-news", "main-news"] and sts[0].score == pytest.approx(4.8)
    (pair,) = read_ists(small_sets / "ists" / "test" / "STSint.gs.headlines.wa")
    assert pair.tokens2[3] == "new"
    assert pair.chunks(1) == [(1, 2), (3,), (4, 5, 6)]
    assert pair.alignments[0].types == ("SPE2",)


def _run(args: list[str]) -> tuple[int, str]:
    from triangulate.cli import cli

    result = CliRunner().invoke(cli, args)
    return result.exit_code, result.output


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def test_eval_paraphrase_prints_metrics_last_and_writes_records(small_sets: Path, tmp_path: Path) -> None:
    out = tmp_path / "pred.jsonl"
    code, output = _run(["eval", "paraphrase", "--data", str(small_sets / "mrpc"), "--out", str(out)])
    assert code == 0, output
    metrics = _last_json(output)
    assert {"accuracy", "f1", "cosine_f1", "tfidf_f1"} <= metrics.keys() and metrics["n"] == 3
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [set(r) for r in records] == [{"id1", "id2", "score", "label"}] * 3
    assert records[0]["label"] == 1 and records[1]["label"] == 0


def test_eval_sts_reports_news_correlations(small_sets: Path, tmp_path: Path) -> None:
    out = tmp_path / "sts.jsonl"
    code, output = _run(["eval", "sts", "--data", str(small_sets / "sts"), "--out", str(out)])
    assert code == 0, output
    metrics = _last_json(output)
    assert {"pearson", "spearman", "pearson_news", "spearman_news"} <= metrics.keys()
    assert metrics["n_news"] == 2
    assert [set(json.loads(line)) for line in out.read_text().splitlines()] == [{"index", "score"}] * 4


def test_eval_alignment_scores_every_pair_of_a_file_it_was_not_fitted_on(small_sets: Path, tmp_path: Path) -> None:
    out = tmp_path / "ali.jsonl"
    code, output = _run(["eval", "alignment", "--data", str(small_sets / "ists"), "--out", str(out)])
    assert code == 0, output
    metrics = _last_json(output)
    assert metrics["n"] == 1 and metrics["left_out_fitted"] == 0
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["pair"] == "1"
    linked = {(tuple(a), tuple(b)): t for a, b, t in record["alignments"] if a and b}
    assert linked.get(((3,), (3,))) == "EQUI"
    assert linked.get(((4, 5, 6), (1, 2))) == "EQUI"


def test_eval_on_a_folder_without_the_file_is_a_clean_error(tmp_path: Path) -> None:
    code, output = _run(["eval", "paraphrase", "--data", str(tmp_path)])
    assert code != 0
    assert "[E601]" in output and "msr_paraphrase_test.txt" in output
    assert "Traceback" not in output


# --- quality floors on the public sets -----------------------------------------------------


@pytest.fixture(scope="module")
def embedder():
    from triangulate.embed import load_embedder

    return load_embedder()


def _shared(name: str) -> Path:
    path = SHARED / name
    if not path.is_dir():
        pytest.skip(f"public evaluation set not found at {path} (it lives in ../shared/data beside the repository)")
    return path


def test_paraphrase_on_mrpc_test_holds_its_floor_and_beats_the_baselines(embedder) -> None:
    from triangulate.evaluate.paraphrase import evaluate_paraphrase

    spec = FLOORS["paraphrase"]
    m = evaluate_paraphrase(_shared(spec["data"]), embedder=embedder).metrics
    for key, floor in spec["floors"].items():
        assert m[key] >= floor, f"{key} {m[key]} fell below its floor {floor}"
    assert m["f1"] > m["cosine_f1"] and m["f1"] > m["tfidf_f1"]
    assert m["accuracy"] > m["cosine_accuracy"]
    assert m["tokens_f1"] >= m["sentence_f1"]  # token features must not lose to the compare engine's model
    assert m["f1"] > m["tokens_f1"]  # the cross-encoder is reported because it beats the feature scorers


def test_sts_on_stsb_test_holds_its_floor_and_beats_the_baselines(embedder) -> None:
    from triangulate.evaluate.sts import evaluate_sts

    spec = FLOORS["sts"]
    m = evaluate_sts(_shared(spec["data"]), embedder=embedder).metrics
    for key, floor in spec["floors"].items():
        assert m[key] >= floor, f"{key} {m[key]} fell below its floor {floor}"
    assert m["spearman_news"] > m["cosine_spearman_news"] > m["tfidf_spearman_news"]
    assert m["spearman_news"] >= m["sentence_spearman_news"]


def test_alignment_on_the_held_out_ists_half_holds_its_floor(embedder) -> None:
    from triangulate.evaluate.alignment import evaluate_alignment

    spec = FLOORS["alignment"]
    m = evaluate_alignment(_shared(spec["data"]), embedder=embedder).metrics
    assert m["left_out_fitted"] > 0 and m["n"] > 0  # the fitting half is never scored
    for key, floor in spec["floors"].items():
        assert m[key] >= floor, f"{key} {m[key]} fell below its floor {floor}"
    assert m["f1_type"] > m["baseline_f1_type"]
