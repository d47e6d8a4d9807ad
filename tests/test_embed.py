"""The embedding models: the packaged MiniLM and its int8 version for story clustering."""

from __future__ import annotations

import builtins
import logging
from pathlib import Path

import numpy as np
import pytest

from triangulate.embed import INT8_MODEL, OnnxMiniLM, int8_model_path, load_cluster_embedder, load_embedder
from triangulate.errors import ModelError

LEADS = [
    "An earthquake of magnitude 6.1 struck the coastal province on Tuesday, killing at least 14 people.",
    "The city council voted 7 to 2 to close the harbour bridge for repairs until March.",
    "Defence Minister Benny Gantz will leave for Washington on Wednesday to meet his US counterpart.",
    "Firefighters battled the blaze at the harbour warehouse for nine hours before it was under control.",
]


@pytest.fixture(scope="module")
def int8_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="module")
def int8_embedder(int8_dir: Path) -> OnnxMiniLM:
    return OnnxMiniLM(model_path=int8_model_path(directory=int8_dir), name=INT8_MODEL)


def test_int8_model_is_built_once_into_the_cache_folder_and_then_reused(int8_embedder: OnnxMiniLM, int8_dir: Path) -> None:
    files = list(int8_dir.glob("minilm-int8-*.onnx"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    assert int8_model_path(directory=int8_dir) == files[0]
    assert files[0].stat().st_mtime_ns == stamp
    assert not list(int8_dir.glob(".build-*")), "the temporary build folder is removed"


def test_int8_vectors_stay_close_to_the_float_model(int8_embedder: OnnxMiniLM, embedder: OnnxMiniLM) -> None:
    quick = int8_embedder.encode(LEADS)
    exact = embedder.encode(LEADS)
    assert quick.shape == exact.shape == (len(LEADS), 384)
    assert np.allclose(np.linalg.norm(quick, axis=1), 1.0, atol=1e-4)
    agreement = (quick * exact).sum(axis=1)
    assert agreement.min() > 0.97
    # Which lead is nearest to which is the same under both models.
    assert np.array_equal(np.argsort(quick @ quick.T, axis=1), np.argsort(exact @ exact.T, axis=1))


def test_int8_model_is_named_and_is_what_clustering_loads(
    int8_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIANGULATE_CACHE", str(int8_dir.parent / "cache-home"))
    monkeypatch.delenv("TRIANGULATE_MODEL", raising=False)
    model = load_cluster_embedder()
    assert model.name == INT8_MODEL
    assert (int8_dir.parent / "cache-home" / "models").is_dir()
    assert load_embedder(INT8_MODEL).name == INT8_MODEL
    monkeypatch.setenv("TRIANGULATE_MODEL", "minilm-onnx")
    assert load_cluster_embedder().name == "minilm-onnx", "a configured model is used for clustering too"


def test_building_the_int8_model_leaves_the_callers_logging_alone(tmp_path: Path) -> None:
    root = logging.getLogger()
    handlers = list(root.handlers)
    int8_model_path(directory=tmp_path)
    assert root.handlers == handlers
    assert root.manager.disable == logging.NOTSET


def test_without_the_onnx_package_clustering_falls_back_to_the_float_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real_import = builtins.__import__

    def no_quantizer(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("onnxruntime.quantization"):
            raise ImportError("No module named 'onnx'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_quantizer)
    with pytest.raises(ModelError) as error:
        int8_model_path(directory=tmp_path)
    assert error.value.code == "E307" and "pip install onnx" in str(error.value)
    monkeypatch.setenv("TRIANGULATE_CACHE", str(tmp_path))
    with caplog.at_level(logging.WARNING, logger="triangulate.embed"):
        model = OnnxMiniLM.int8()
    assert model.name == "minilm-onnx"
    assert "packaged float model" in caplog.text


def test_an_unwritable_cache_folder_is_a_clear_model_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with pytest.raises(ModelError) as error:
        int8_model_path(directory=blocker / "models")
    assert error.value.code == "E308"
    assert "could not build the int8 model" in str(error.value)


def test_unknown_model_names_list_the_int8_model() -> None:
    with pytest.raises(ModelError) as error:
        load_embedder("no-such-model")
    assert INT8_MODEL in str(error.value)


def test_a_model_path_that_is_not_there_is_named_in_the_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "model.onnx"
    with pytest.raises(ModelError, match=r"\[E302\] the embedding model file .*nowhere/model\.onnx was not found"):
        load_embedder(str(missing)).encode(["a test sentence"])


def test_a_damaged_model_file_is_a_model_error_and_a_damaged_cached_int8_file_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import triangulate.embed as embed

    damaged = tmp_path / "minilm-int8-0000.onnx"
    damaged.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    with pytest.raises(ModelError) as info:
        embed.OnnxMiniLM(model_path=damaged)
    assert info.value.code == "E309" and info.value.exit_code == 3
    monkeypatch.setattr(embed, "int8_model_path", lambda *a, **k: damaged)
    model = embed.OnnxMiniLM.int8()
    assert model.encode(["The harbour reopened on Monday."]).shape == (1, model.dim)
    assert not damaged.exists() and "removing it" in caplog.text
