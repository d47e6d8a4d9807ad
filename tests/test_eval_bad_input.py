"""`triangulate eval` on folders in the published layouts that hold bad items.

EVAL.md: DIR may be any folder in the same layout as the sets in ../shared/data, so a
copy with one broken file, row or page must still be scored or refused clearly:

* an item that cannot be scored is skipped, named in a ``warning:`` line on stderr and
  counted (``skipped`` in the last-line JSON) while the rest of the set is scored;
* a folder that cannot be scored at all is one ``Error: [E6xx] ...`` line on stderr with
  the error's own exit code (2 for data, 3 for a model), never a traceback;
* a figure over too few items (an empty subset, a correlation over fewer than 2 rows)
  is null in the JSON and ``n/a`` in the table, never 0.0.

Every folder here is made up by the test; nothing is read from ../shared.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import json
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result
from fakes import BagEmbedder

from triangulate.errors import EvalError
from triangulate.evaluate import corpus_tasks as ct
from triangulate.evaluate.alignment import ChunkAligner, evaluate_alignment, pair_hash
from triangulate.evaluate.common import read_ists, read_mrpc, read_sts


def run(*args: str) -> Result:
    from triangulate.cli import cli

    return CliRunner().invoke(cli, list(args))


def last_json(result: Result) -> dict[str, Any]:
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def assert_one_error_line(result: Result, code: str, exit_code: int) -> str:
    """The error contract: exit code of the error class, one ``Error: [Exxx]`` line, no traceback."""
    assert result.exit_code == exit_code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: [{code}] "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


# --- exit codes ----------------------------------------------------------------------------


@pytest.mark.parametrize("task", ["paraphrase", "sts", "alignment", "pairs", "clustering", "extraction"])
def test_a_folder_without_the_set_exits_2_with_one_error_line(tmp_path: Path, task: str) -> None:
    assert_one_error_line(run("eval", task, "--data", str(tmp_path)), "E601", 2)


def test_a_model_that_cannot_be_loaded_exits_3(tmp_path: Path) -> None:
    (tmp_path / "sts-test.csv").write_text("main-news\tf\t2015\t0001\t3.0\tA man.\tA man.\n", encoding="utf-8")
    assert_one_error_line(run("eval", "sts", "--data", str(tmp_path), "--model", "no-such-model"), "E306", 3)


# --- paraphrase, sts, alignment: malformed rows are skipped and counted ----------------------

MRPC_HEADER = "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String"


def test_mrpc_rows_whose_quality_is_not_0_or_1_are_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "msr_paraphrase_test.txt"
    path.write_text(
        f"{MRPC_HEADER}\n1\t1\t2\tA ferry left.\tThe ferry left.\nx\t3\t4\tA.\tB.\n0\t5\t6\tRain fell.\tPrices rose.\n",
        encoding="utf-8",
    )
    skipped: list[str] = []
    assert [p.id1 for p in read_mrpc(path, skipped=skipped)] == ["1", "5"]
    assert len(skipped) == 1 and "line 3" in skipped[0] and "'x'" in skipped[0]

    result = run("eval", "paraphrase", "--data", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert last_json(result)["n"] == 2 and last_json(result)["skipped"] == 1
    assert "warning: " in result.stderr and "line 3" in result.stderr


def test_sts_rows_with_an_empty_score_are_skipped_and_counted_not_taken_for_a_header(tmp_path: Path) -> None:
    path = tmp_path / "sts-test.csv"
    path.write_text(
        "main-news\tf\t2015\t0001\t4.8\tFerry opens.\tThe ferry opens.\n"
        "main-captions\tf\t2015\t0002\t\tA man is here.\tA man is there.\n"
        "main-captions\tf\t2015\t0003\t0.2\tA dog runs.\tA plane lands.\n",
        encoding="utf-8",
    )
    skipped: list[str] = []
    assert [p.index for p in read_sts(path, skipped=skipped)] == [0, 2]
    assert len(skipped) == 1 and "line 2" in skipped[0]
    # A first line that is not a row is a header, and not counted.
    header = tmp_path / "header.csv"
    header.write_text("genre\tfile\tyear\tid\tscore\ts1\ts2\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    again: list[str] = []
    assert len(read_sts(header, skipped=again)) == 2 and len(again) == 1


def test_sts_correlations_over_fewer_than_2_rows_are_null_and_n_a(tmp_path: Path) -> None:
    (tmp_path / "sts-test.csv").write_text(
        "main-news\tf\t2015\t0001\t4.8\tFerry terminal opens.\tThe ferry terminal opens.\n"
        "main-captions\tf\t2015\t0002\t0.2\tA dog runs in a park.\tA plane lands.\n"
        "main-captions\tf\t2015\t0003\t3.0\tA woman slices an onion.\tA woman cuts an onion.\n",
        encoding="utf-8",
    )
    result = run("eval", "sts", "--data", str(tmp_path))
    assert result.exit_code == 0, result.output
    metrics = last_json(result)
    assert metrics["n_news"] == 1
    assert metrics["pearson_news"] is None and metrics["cosine_spearman_news"] is None
    assert isinstance(metrics["pearson"], float)
    assert "n/a" in result.stdout and "nan" not in result.stdout


WA_PAIR = """<sentence id="{id}" status="">
// Ferry terminal opens in Harbor City {id}
// Harbor City opens new ferry terminal {id}
<source>
1 Ferry :
2 terminal :
3 opens :
</source>
<translation>
1 Harbor :
2 City :
3 opens :
</translation>
<alignment>
{first} <==> 3 // SPE2 // 4 // Ferry terminal <==> opens
3 <==> 1 2 // EQUI // 5 // opens <==> Harbor City
</alignment>
</sentence>
"""


def test_ists_pairs_with_a_token_id_that_is_not_a_number_are_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "STSint.gs.headlines.wa"
    path.write_text(WA_PAIR.format(id=1, first="1 2") + WA_PAIR.format(id=2, first="x1 2") + WA_PAIR.format(id=3, first="1 2"), encoding="utf-8")
    skipped: list[str] = []
    assert [p.pair for p in read_ists(path, skipped=skipped)] == ["1", "3"]
    assert len(skipped) == 1 and "sentence 2" in skipped[0]

    result = run("eval", "alignment", "--data", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert last_json(result)["n"] == 2 and last_json(result)["skipped"] == 1


def test_alignment_refuses_a_file_whose_pairs_were_all_fitted_on(tmp_path: Path) -> None:
    path = tmp_path / "STSint.gs.headlines.wa"
    path.write_text(WA_PAIR.format(id=1, first="1 2") + WA_PAIR.format(id=2, first="1 2"), encoding="utf-8")
    pairs = read_ists(path)
    aligner = dataclasses.replace(ChunkAligner.load(), fit_pairs=frozenset(pair_hash(p.text1, p.text2) for p in pairs))
    with pytest.raises(EvalError, match="every pair .* was used for fitting") as info:
        evaluate_alignment(tmp_path, embedder=BagEmbedder(), aligner=aligner)
    assert info.value.code == "E603"
    # Scoring fitted pairs on purpose still works.
    assert evaluate_alignment(tmp_path, embedder=BagEmbedder(), aligner=aligner, include_fitted=True).metrics["n"] == 2


# --- pairs (SemEval-2022 Task 8) ----------------------------------------------------------------

STORIES = [
    "Flooding closed the Varn bridge in Oslet on Monday; the council said 40 homes were evacuated.",
    "The Brakmoor orchestra cancelled its winter tour after its conductor Ilse Tavener fell ill.",
    "Dock workers in Perrow began a three-day strike over pay, the Perrow port authority said.",
    "A fire destroyed the old grain store at Hollin Cross; nobody was hurt, firefighters said.",
]
PAIR_HEADER = ["pair_id", "lang1", "lang2", "text1", "text2", "Overall"]


def held_out_ids(n: int) -> list[str]:
    """Pair ids of the half the packaged weights were not fitted on (odd CRC-32)."""
    ids = (f"{9000 + i}_{7000 + i}" for i in range(10_000))
    return [pid for pid in ids if zlib.crc32(pid.encode()) % 2 == 1][:n]


def write_pairs(path: Path, rows: list[list[Any]], header: list[str] = PAIR_HEADER) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def pair_rows(n: int, lang: str = "en") -> list[list[Any]]:
    rows: list[list[Any]] = []
    for i, pid in enumerate(held_out_ids(n)):
        same = i % 2 == 0
        a = STORIES[i % len(STORIES)]
        b = a.replace(";", ", reports said;") if same else STORIES[(i + 1) % len(STORIES)]
        rows.append([pid, lang, lang, a, b, 1.0 if same else 4.0])
    return rows


def test_rows_that_are_not_utf8_are_skipped_and_counted_in_every_line_based_set(tmp_path: Path) -> None:
    bad = b"\xff\xfe\x00\x01garbage\xc3\x28"
    sts = tmp_path / "sts-test.csv"
    sts.write_bytes(b"main-news\tf\t2015\t0001\t4.8\tFerry opens.\tThe ferry opens.\n" + bad + b"\n"
                    b"main-captions\tf\t2015\t0003\t0.2\tA dog runs.\tA plane lands.\n")
    skipped: list[str] = []
    assert [p.index for p in read_sts(sts, skipped=skipped)] == [0, 2] and "line 2: not UTF-8 text" in skipped[0]
    mrpc = tmp_path / "msr_paraphrase_test.txt"
    mrpc.write_bytes(f"{MRPC_HEADER}\n1\t1\t2\tA ferry left.\tThe ferry left.\n".encode() + b"0\t5\t6\tRain \xff fell.\tPrices rose.\n")
    skipped = []
    assert [p.id1 for p in read_mrpc(mrpc, skipped=skipped)] == ["1"] and "line 3: not UTF-8 text" in skipped[0]
    pairs = tmp_path / "training_set.csv"
    write_pairs(pairs, pair_rows(4))
    pairs.write_bytes(pairs.read_bytes().replace(b"Flooding", b"Fl\xffoding", 1))
    skipped = []
    assert len(ct.read_pairs(pairs, skipped=skipped)) == 3 and "not UTF-8 text" in skipped[0]


def test_an_out_file_that_cannot_be_written_is_one_error_line_and_exit_2(tmp_path: Path) -> None:
    sts = tmp_path / "sts-test.csv"
    sts.write_text("main-news\tf\t2015\t0001\t4.8\tFerry opens.\tThe ferry opens.\n"
                   "main-captions\tf\t2015\t0003\t0.2\tA dog runs.\tA plane lands.\n", encoding="utf-8")
    early = run("eval", "sts", "--data", str(tmp_path), "--out", str(tmp_path / "missing" / "o.jsonl"))
    assert early.exit_code == 2 and "the folder" in early.output and "eval sts" not in early.stdout  # refused before scoring
    assert not (tmp_path / "missing").exists()
    full = run("eval", "sts", "--data", str(tmp_path), "--out", "/dev/full")
    assert full.exit_code == 2 and "Error: cannot write /dev/full" in full.stderr and "Traceback" not in full.output


def test_a_pairs_csv_without_a_pair_id_column_is_one_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "training_set.csv"
    write_pairs(path, [r[1:] for r in pair_rows(4)], header=PAIR_HEADER[1:])
    line = assert_one_error_line(run("eval", "pairs", "--data", str(path)), "E602", 2)
    assert "pair_id" in line and str(path) in line


def test_pair_rows_without_both_texts_or_a_score_are_left_out_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "training_set.csv"
    rows = pair_rows(8)
    rows[1][3] = ""  # no text1
    rows[2][3] = rows[2][4] = "  "  # neither text: must not score as the same story
    rows[3][5] = ""  # no gold score
    write_pairs(path, rows)
    skipped: list[str] = []
    read = ct.read_pairs(path, skipped=skipped)
    assert [p.row for p in read] == [0, 4, 5, 6, 7]
    assert len(skipped) == 3 and all(f"row {i}" in m for i, m in zip((1, 2, 3), skipped))

    r = ct.run_pairs(path, embedder=BagEmbedder())
    assert [p.row for p in r["pairs"]] == [0, 4, 5, 6, 7] and len(r["skipped"]) == 3


def test_pairs_records_carry_their_row_and_empty_subsets_are_null(tmp_path: Path) -> None:
    path = tmp_path / "training_set.csv"
    rows = pair_rows(6, lang="de")
    rows.append(list(rows[0]))  # the same pair_id twice, as in the public file
    write_pairs(path, rows)
    out = tmp_path / "pred.jsonl"
    result = run("eval", "pairs", "--data", str(path), "--out", str(out))
    assert result.exit_code == 0, result.output
    metrics = last_json(result)
    assert metrics["n"] == 7 and metrics["n_en"] == 0 and metrics["skipped"] == 0
    assert metrics["pearson_en"] is None and isinstance(metrics["pearson"], float)
    assert all(b["pearson_en"] is None for b in metrics["baselines"].values())
    assert "n/a" in result.stdout
    assert "IDF from the scored documents" in result.stdout  # the TF-IDF baseline is said to see DIR
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["row"] for r in records] == list(range(7))
    assert all({"pair_id", "row", "similarity"} == set(r) for r in records)


def test_pairs_lang_without_such_pairs_says_so(tmp_path: Path) -> None:
    path = tmp_path / "training_set.csv"
    write_pairs(path, pair_rows(6, lang="de"))
    line = assert_one_error_line(run("eval", "pairs", "--data", str(path), "--lang", "en"), "E602", 2)
    assert "no en-en pairs to score" in line and "fitting" not in line


def test_a_pearson_over_one_row_is_null(tmp_path: Path) -> None:
    path = tmp_path / "training_set.csv"
    write_pairs(path, pair_rows(1))
    r = ct.run_pairs(path, embedder=BagEmbedder())
    assert r["results"]["triangulate"] == {"pearson": None, "pearson_en": None}


# --- clustering (ECB+) --------------------------------------------------------------------------


def ecb_xml(sentences: list[str], *, url: bool) -> str:
    """A CROMER document; ecbplus files open with their source URL as sentence 0."""
    lines = ["<Document>"]
    t = 0
    first = 1 if url else 0
    if url:
        for tok in ("http", ":", "/", "/", "example", ".", "org", "/", "news"):
            t += 1
            lines.append(f'<token t_id="{t}" sentence="0" number="{t}">{tok}</token>')
    for s, sentence in enumerate(sentences, start=first):
        for n, tok in enumerate(sentence.split()):
            t += 1
            lines.append(f'<token t_id="{t}" sentence="{s}" number="{n}">{tok}</token>')
    return "\n".join(lines + ["</Document>"]) + "\n"


def make_ecb(root: Path, topics: tuple[int, ...] = (2,)) -> Path:
    for topic in topics:
        folder = root / "ECB+" / str(topic)
        folder.mkdir(parents=True)
        for n in (1, 2, 3):
            story = STORIES[topic % len(STORIES)]
            (folder / f"{topic}_{n}ecb.xml").write_text(ecb_xml([story, f"Report number {n} ."], url=False), encoding="utf-8")
            other = STORIES[(topic + 1) % len(STORIES)]
            (folder / f"{topic}_{n}ecbplus.xml").write_text(ecb_xml([other, f"Update {n} ."], url=True), encoding="utf-8")
    return root


def test_ecb_files_that_are_not_xml_or_hold_no_text_are_skipped_and_counted(tmp_path: Path) -> None:
    folder = make_ecb(tmp_path) / "ECB+" / "2"
    good = (folder / "2_1ecb.xml").read_text(encoding="utf-8")
    (folder / "2_90ecb.xml").write_text(good[:200], encoding="utf-8")  # cut off: not valid XML
    (folder / "2_91ecbplus.xml").write_text(ecb_xml([], url=True), encoding="utf-8")  # only the URL sentence
    (folder / "2_92ecb.xml").write_text("<Document></Document>\n", encoding="utf-8")
    skipped: list[str] = []
    docs = ct.read_ecbplus(tmp_path, skipped=skipped)
    assert len(docs) == 6 and len(skipped) == 3
    assert "2_90ecb.xml is not valid XML" in skipped[0]

    result = run("eval", "clustering", "--data", str(tmp_path))
    assert result.exit_code == 0, result.output
    metrics = last_json(result)
    assert metrics["n"] == 6 and metrics["skipped"] == 3
    assert "2_90ecb.xml" in result.stderr
    # Topic 2 was a fitting topic: nothing unseen to score, so those figures are undefined.
    assert metrics["unseen"]["n"] == 0 and metrics["unseen"]["bcubed_f1"] is None
    assert all(b["unseen_bcubed_f1"] is None for b in metrics["baselines"].values())
    assert "n/a" in result.stdout and "IDF from the scored documents" in result.stdout


def test_average_link_puts_a_text_without_known_words_in_a_cluster_of_its_own() -> None:
    x = np.array([[1.0, 0.0], [0.0, 0.0], [0.99, 0.1], [0.0, 1.0]])
    labels = ct.agglomerative(x, 0.5)
    assert labels[0] == labels[2] != labels[3]
    assert labels[1] not in (labels[0], labels[3])
    assert ct.agglomerative(np.zeros((2, 3)), 0.5) == [1, 2]


def test_bcubed_over_no_items_is_undefined() -> None:
    m = ct.bcubed({"a": "1"}, {"a": "x"}, items=[])
    assert m["n"] == 0 and all(np.isnan(m[k]) for k in ("bcubed_precision", "bcubed_recall", "bcubed_f1", "ari"))


# --- extraction ----------------------------------------------------------------------------------

PAGE = "<html><body><article><h1>News {i}</h1><p>{body}</p></article></body></html>"
BODY = "The harbour bridge reopened to traffic on Monday after eight months of repairs, the transport office said."


def make_ground_truth(root: Path, keys: list[str]) -> None:
    (root / "html").mkdir(parents=True)
    truth = {}
    for i, key in enumerate(keys):
        (root / "html" / f"{key}.html.gz").write_bytes(gzip.compress(PAGE.format(i=i, body=BODY).encode()))
        truth[key] = {"articleBody": BODY, "url": f"https://harbour.example/{i}"}
    (root / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")


def test_unreadable_pages_are_skipped_and_counted(tmp_path: Path) -> None:
    keys = ["d0", "d1", "d2", "d3"]
    make_ground_truth(tmp_path, keys)
    (tmp_path / "html" / "d1.html.gz").write_bytes(b"\x1f\x8b\x08garbage")  # a truncated gzip stream
    (tmp_path / "html" / "d2.html.gz").write_bytes(b"<html><body><p>x</p></body></html>")  # not gzip at all
    result = run("eval", "extraction", "--data", str(tmp_path), "--split", "all")
    assert result.exit_code == 0, result.output
    metrics = last_json(result)
    assert metrics["n"] == 2 and metrics["skipped"] == 2
    assert "d1.html.gz cannot be read" in result.stderr and "d2.html.gz cannot be read" in result.stderr


def test_listed_pages_without_html_and_malformed_entries_are_skipped_and_counted(tmp_path: Path) -> None:
    make_ground_truth(tmp_path, ["d0", "d1"])
    truth = json.loads((tmp_path / "ground-truth.json").read_text(encoding="utf-8"))
    truth["d2"] = "text body"  # not an object
    truth["d3"] = {"articleBody": BODY}  # no html file
    (tmp_path / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    r = ct.run_extraction(tmp_path, split="all")
    assert [key for key, *_ in r["items"]] == ["d0", "d1"]
    assert len(r["skipped"]) == 2 and "'d2' is not an object" in r["skipped"][0] and "'d3'" in r["skipped"][1]


def test_evaldata_that_is_not_json_is_one_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "html").mkdir()
    (tmp_path / "evaldata.json").write_text('{"https://x.org/a": {"file": "a.html"}}}', encoding="utf-8")
    line = assert_one_error_line(run("eval", "extraction", "--data", str(tmp_path)), "E602", 2)
    assert "evaldata.json is not valid JSON" in line


def test_evaldata_entries_without_a_file_name_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "a.html").write_text(PAGE.format(i=0, body=BODY), encoding="utf-8")
    meta = {"https://x.org/a": {"file": "a.html", "with": ["eight months"], "without": []},
            "https://x.org/b": {"with": ["a"], "without": []}}
    (tmp_path / "evaldata.json").write_text(json.dumps(meta), encoding="utf-8")
    r = ct.run_extraction(tmp_path, split="all")
    assert [key for key, *_ in r["items"]] == ["a.html"]
    assert r["skipped"] == ["evaldata.json entry 'https://x.org/b' has no \"file\" name, skipped"]
    del meta["https://x.org/a"]
    (tmp_path / "evaldata.json").write_text(json.dumps(meta), encoding="utf-8")
    assert_one_error_line(run("eval", "extraction", "--data", str(tmp_path)), "E602", 2)


def test_an_empty_held_out_half_is_null_not_zero(tmp_path: Path) -> None:
    dev_keys = [k for k in (f"doc{i:03d}" for i in range(99)) if ct.extraction_dev_half(k)][:2]
    make_ground_truth(tmp_path, dev_keys)
    result = run("eval", "extraction", "--data", str(tmp_path))
    assert result.exit_code == 0, result.output
    metrics = last_json(result)
    assert metrics["n"] == 2 and metrics["held_out"] == {"precision": None, "recall": None, "f1": None, "n": 0}
    assert metrics["baselines"]["trafilatura"]["held_out"]["f1"] is None
    assert "n/a" in result.stdout


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_extraction_limit_must_be_at_least_1(tmp_path: Path, limit: str) -> None:
    make_ground_truth(tmp_path, ["d0"])
    result = run("eval", "extraction", "--data", str(tmp_path), "--limit", limit)
    assert result.exit_code == 2 and "--limit" in result.output
