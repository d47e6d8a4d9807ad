"""Fused attention in the int8 clustering model: same hidden states, fewer operators."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from triangulate import fusion
from triangulate.embed import INT8_MODEL, OnnxMiniLM, _model_file, int8_model_path
from triangulate.fusion import fuse_bert_file

LEADS = [
    "An earthquake of magnitude 6.1 struck the coastal province on Tuesday, killing at least 14 people.",
    "The council voted to close the bridge.",
    "Defence Minister Benny Gantz will leave for Washington on Wednesday to meet his US counterpart.",
]


@pytest.fixture(scope="module")
def optimised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packaged graph after onnxruntime's own optimiser (weights folded), as the int8 build sees it."""
    path = tmp_path_factory.mktemp("fusion") / "optimised.onnx"
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(path)
    ort.InferenceSession(str(_model_file(None)), sess_options=options, providers=["CPUExecutionProvider"])
    return path


def _ops(path: Path) -> list[str]:
    return [node.op_type for node in onnx.load(str(path)).graph.node]


def test_each_layer_becomes_one_attention_node_and_the_model_reads_text_as_before(optimised: Path, tmp_path: Path) -> None:
    fused = tmp_path / "fused.onnx"
    assert fuse_bert_file(optimised, fused) is None
    ops = _ops(fused)
    assert ops.count("Attention") == 6 and ops.count("BiasGelu") == 6
    assert "IsNaN" not in ops and "Softmax" not in ops and "Transpose" not in ops
    before = OnnxMiniLM(model_path=optimised).encode(LEADS)
    after = OnnxMiniLM(model_path=fused).encode(LEADS)  # padded batch: the leads differ in length
    assert np.abs(before - after).max() < 1e-4


def test_a_graph_without_named_attention_layers_is_left_alone(tmp_path: Path) -> None:
    # The packaged file computes its weights at load time: nothing to match, nothing written.
    target = tmp_path / "fused.onnx"
    reason = fuse_bert_file(_model_file(None), target)
    assert reason == "no BERT attention layer found to fuse"
    assert not target.exists()


def test_a_fused_graph_that_disagrees_with_the_original_is_thrown_away(
    optimised: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fusion, "PROBE_TOLERANCE", -1.0)  # no difference, not even 0, is small enough
    target = tmp_path / "fused.onnx"
    reason = fuse_bert_file(optimised, target)
    assert reason is not None and "disagrees with the original" in reason
    assert not target.exists()


def test_the_int8_clustering_model_runs_quantized_fused_attention(tmp_path: Path) -> None:
    path = int8_model_path(directory=tmp_path)
    ops = _ops(path)
    assert ops.count("QAttention") == 6
    assert "IsNaN" not in ops
    quick = OnnxMiniLM(model_path=path, name=INT8_MODEL).encode(LEADS)
    exact = OnnxMiniLM().encode(LEADS)
    assert (quick * exact).sum(axis=1).min() > 0.97
