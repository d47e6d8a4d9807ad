"""The paraphrase cross-encoder: its weight readers, its numpy forward pass, the
shipped adapter's decisions, and the calibration command that fits it."""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from triangulate.cross_encoder import CrossEncoder, merge_adapter, read_adapter, read_safetensors, write_adapter
from triangulate.errors import ModelError

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _write_safetensors(path: Path, tensors: dict[str, np.ndarray]) -> None:
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    blobs = []
    offset = 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array).tobytes()
        header[name] = {"dtype": {"float32": "F32", "int64": "I64"}[str(array.dtype)], "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


def test_safetensors_are_read_without_torch(tmp_path: Path) -> None:
    tensors = {"a.weight": np.arange(6, dtype=np.float32).reshape(2, 3), "ids": np.array([[1, 2, 3]], dtype=np.int64)}
    _write_safetensors(tmp_path / "m.safetensors", tensors)
    read = read_safetensors(tmp_path / "m.safetensors")
    assert set(read) == set(tensors)
    for name, array in tensors.items():
        assert read[name].dtype == array.dtype and np.array_equal(read[name], array)


def test_a_truncated_weights_file_is_a_model_error(tmp_path: Path) -> None:
    (tmp_path / "m.safetensors").write_bytes(b"\x05\x00")
    with pytest.raises(ModelError, match="E306"):
        read_safetensors(tmp_path / "m.safetensors")


def test_the_adapter_adds_its_low_rank_product_and_replaces_what_it_names() -> None:
    base = {"l.weight": np.ones((3, 2), dtype=np.float32), "l.bias": np.zeros(3, dtype=np.float32), "n.weight": np.ones(2, dtype=np.float32)}
    a = np.array([[1.0, 2.0]], dtype=np.float32)  # rank 1, in 2
    b = np.array([[1.0], [0.0], [-1.0]], dtype=np.float32)  # out 3
    merged = merge_adapter(base, {"l.weight.lora_a": a, "l.weight.lora_b": b, "l.bias": np.full(3, 0.5, dtype=np.float32)}, 2.0)
    assert np.array_equal(merged["l.weight"], np.ones((3, 2)) + 2.0 * (b @ a))
    assert np.array_equal(merged["l.bias"], np.full(3, 0.5))
    assert merged["n.weight"] is base["n.weight"]
    assert "l.weight.lora_a" not in merged


def test_an_adapter_file_round_trips_and_a_foreign_format_is_refused(tmp_path: Path) -> None:
    arrays = {"head.weight": np.ones((1, 4), dtype=np.float32)}
    write_adapter(tmp_path / "x.npz", arrays, {"threshold": 0.4, "rank": 2})
    read, meta = read_adapter(tmp_path / "x.npz")
    assert np.array_equal(read["head.weight"], arrays["head.weight"]) and meta["threshold"] == 0.4 and meta["format"] == 1
    np.savez(tmp_path / "bad.npz", meta=np.frombuffer(json.dumps({"format": 9}).encode(), dtype=np.uint8))
    with pytest.raises(ModelError, match="E307"):
        read_adapter(tmp_path / "bad.npz")
    with pytest.raises(ModelError, match="E307"):
        read_adapter(tmp_path / "missing.npz")


@pytest.fixture(scope="module")
def encoder() -> CrossEncoder:
    return CrossEncoder.load()


def test_the_shipped_adapter_tells_a_paraphrase_from_a_different_claim(encoder: CrossEncoder) -> None:
    a = [
        "The minister left for Washington on Wednesday to meet his American counterpart.",
        "The minister left for Washington on Wednesday to meet his American counterpart.",
        "Fire crews brought the warehouse blaze under control after six hours.",
    ]
    b = [
        "On Wednesday the minister departed for Washington, where he will meet his US counterpart.",
        "Shares of the shipping company fell sharply after its quarterly results.",
        "Firefighters needed six hours to control the fire at the warehouse.",
    ]
    p = encoder.score(a, b)
    assert p.shape == (3,) and np.all((p >= 0) & (p <= 1))
    assert list(encoder.decide(a, b)) == [1, 0, 1]
    assert p[1] < 0.2 < encoder.threshold


def test_scores_do_not_depend_on_batching(encoder: CrossEncoder) -> None:
    a = ["A short one.", "A much longer sentence about the harbour fire that broke out on Tuesday night.", "Police closed the road."]
    b = ["Short.", "The harbour fire broke out on Tuesday night, officials said.", "The road was closed by police."]
    together = encoder.score(a, b)
    alone = np.array([encoder.score([x], [y])[0] for x, y in zip(a, b)])
    assert np.allclose(together, alone, atol=1e-5)
    assert encoder.score([], []).shape == (0,)
    with pytest.raises(ValueError):
        encoder.score(["one"], [])


def test_fitting_without_torch_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from triangulate.cli import cli

    monkeypatch.setitem(sys.modules, "torch", None)
    data = tmp_path / "data" / "mrpc"
    data.mkdir(parents=True)
    (data / "msr_paraphrase_train.txt").write_text("Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t1\t2\tA b.\tA b.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["calibrate", "cross-encoder", "--data", str(tmp_path / "data"), "--out-dir", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert "[E308]" in result.output and "torch==2.13.0" in result.output
    assert not (tmp_path / "out").exists()


def test_calibration_fits_an_adapter_the_numpy_scorer_reproduces(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="fitting needs torch (`make test` installs it)")
    if not (SHARED / "mrpc" / "msr_paraphrase_train.txt").is_file():
        pytest.skip(f"MRPC train not found under {SHARED} (it lives in ../shared/data beside the repository)")
    from triangulate.cli import cli

    result = CliRunner().invoke(
        cli,
        ["calibrate", "cross-encoder", "--data", str(SHARED), "--out-dir", str(tmp_path), "--epochs", "1", "--limit", "48", "--threads", "2"],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["fit_pairs"] == 48 and summary["dev_pairs"] > 300
    arrays, meta = read_adapter(tmp_path / "pair_cross.npz")
    assert meta["fitted_on"]["pairs"] == 48 and meta["dev"]["used_for"] == "the threshold"
    assert 0.05 <= meta["threshold"] <= 0.95
    # One low-rank pair per linear layer (6 layers x 6), a head, and nothing of the frozen embeddings.
    assert sum(name.endswith(".lora_a") for name in arrays) == 36
    assert "head.weight" in arrays and "embeddings.word_embeddings.weight" not in arrays
    # (fit_cross_encoder itself refuses to write a file the numpy forward pass does not reproduce.)
    fitted = CrossEncoder.load(tmp_path / "pair_cross.npz")
    assert fitted.threshold == meta["threshold"]
