"""Fused attention and GELU for BERT-style ONNX graphs (used when building the int8 model).

The packaged MiniLM graph spells attention out as about thirty small operators
per layer (reshapes, transposes, a mask built with ``Where``, a softmax guarded by
``IsNaN``), and GELU as five. onnxruntime's own optimiser does not recognise
that spelling, and on two cores the small operators cost as much as the matrix
products. :func:`fuse_bert_graph` rewrites each layer's self-attention into one
``com.microsoft.Attention`` node (query, key and value weights side by side,
the attention mask passed as it is) and each GELU into ``BiasGelu``. Dynamic
quantization then turns ``Attention`` into ``QAttention``.

The rewrite is checked, not trusted: :func:`fuse_bert_file` runs the original and
the fused graph on a probe batch with padding and keeps the fused one only when
every output agrees (see :data:`PROBE_TOLERANCE`); otherwise it reports why and
the caller keeps the unfused graph.
"""

from __future__ import annotations

import collections
import logging
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

#: Largest absolute difference allowed between the hidden states of the original
#: and the fused float graph on the probe batch.
PROBE_TOLERANCE = 1e-3


def fuse_bert_graph(model: Any, *, num_heads: int) -> int:
    """Rewrite ``model`` (an ``onnx.ModelProto``, changed in place); return the layers fused.

    A layer is fused when its graph has the names a Hugging Face BERT export keeps:
    ``...layer.N.attention.self.{query,key,value}.bias``,
    ``...layer.N.attention.output.dense.bias`` (read by a ``SkipLayerNormalization``)
    and ``...layer.N.intermediate.dense.bias``. Layers without them are left as they
    are; 0 means nothing was changed.
    """
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    producer = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list[Any]] = collections.defaultdict(list)
    for node in graph.node:
        for name in node.input:
            consumers[name].append(node)
    mask_inputs = [i.name for i in graph.input if i.name == "attention_mask"]
    if not mask_inputs:
        return 0

    def single(name: str, op: str) -> Any | None:
        found = [n for n in consumers.get(name, ()) if n.op_type == op]
        return found[0] if len(found) == 1 else None

    def projection(bias: str) -> tuple[Any, str] | None:
        """The MatMul feeding ``Add(x @ W, bias)``, and its weight name."""
        add = single(bias, "Add")
        if add is None:
            return None
        other = [i for i in add.input if i != bias]
        matmul = producer.get(other[0]) if len(other) == 1 else None
        if matmul is None or matmul.op_type != "MatMul" or matmul.input[1] not in inits:
            return None
        return matmul, matmul.input[1]

    prefixes = sorted({name.rsplit(".attention.self.query.bias", 1)[0] for name in inits if name.endswith(".attention.self.query.bias")})
    replaced: dict[str, Any] = {}
    added: list[Any] = []
    fused = 0
    for layer, prefix in enumerate(prefixes):
        parts = [projection(f"{prefix}.attention.self.{kind}.bias") for kind in ("query", "key", "value")]
        skip = single(f"{prefix}.attention.output.dense.bias", "SkipLayerNormalization")
        if any(p is None for p in parts) or skip is None:
            continue
        (mq, wq), (mk, wk), (mv, wv) = parts  # type: ignore[misc]
        if not (mq.input[0] == mk.input[0] == mv.input[0]):
            continue
        dense = producer.get(skip.input[0])
        if dense is None or dense.op_type != "MatMul":
            continue
        weights = np.concatenate([numpy_helper.to_array(inits[w]) for w in (wq, wk, wv)], axis=1).astype(np.float32)
        bias = np.concatenate(
            [numpy_helper.to_array(inits[f"{prefix}.attention.self.{k}.bias"]) for k in ("query", "key", "value")]
        ).astype(np.float32)
        added += [numpy_helper.from_array(weights, f"fused_qkv_weight_{layer}"), numpy_helper.from_array(bias, f"fused_qkv_bias_{layer}")]
        replaced[dense.input[0]] = helper.make_node(
            "Attention",
            [mq.input[0], f"fused_qkv_weight_{layer}", f"fused_qkv_bias_{layer}", "fused_mask_int32"],
            [dense.input[0]],
            name=f"fused_attention_{layer}",
            domain="com.microsoft",
            num_heads=num_heads,
        )
        fused += 1
        gelu_bias = f"{prefix}.intermediate.dense.bias"
        add = single(gelu_bias, "Add")
        if add is not None:
            muls = [n for n in consumers.get(add.output[0], ()) if n.op_type == "Mul"]
            others = [i for i in add.input if i != gelu_bias]
            if len(muls) == 1 and len(others) == 1:
                replaced[muls[0].output[0]] = helper.make_node(
                    "BiasGelu", [others[0], gelu_bias], [muls[0].output[0]], name=f"fused_gelu_{layer}", domain="com.microsoft"
                )
    if not fused:
        return 0
    nodes = [n for n in graph.node if not any(out in replaced for out in n.output)]
    nodes.append(helper.make_node("Cast", [mask_inputs[0]], ["fused_mask_int32"], to=TensorProto.INT32, name="fused_mask_int32"))
    nodes += replaced.values()
    # Drop what no longer leads to an output, then order the rest topologically.
    wanted = {o.name for o in graph.output}
    while True:
        used = set(wanted).union(*(n.input for n in nodes))
        live = [n for n in nodes if any(out in used for out in n.output)]
        if len(live) == len(nodes):
            break
        nodes = live
    graph.initializer.extend(added)
    ready = {i.name for i in graph.input} | {i.name for i in graph.initializer} | {""}
    ordered: list[Any] = []
    while nodes:
        rest = []
        for n in nodes:
            if all(i in ready for i in n.input):
                ordered.append(n)
                ready.update(n.output)
            else:
                rest.append(n)
        if len(rest) == len(nodes):
            raise ValueError("fused graph has a cycle or a missing input")
        nodes = rest
    del graph.node[:]
    graph.node.extend(ordered)
    used_inputs = {i for n in ordered for i in n.input}
    kept = [i for i in graph.initializer if i.name in used_inputs]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    del graph.value_info[:]
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return fused


def _probe_feeds(session: Any) -> dict[str, np.ndarray]:
    """A batch of two rows of different lengths (the shorter padded), as the embedder sends."""
    rng = np.random.default_rng(0)
    ids = rng.integers(1000, 5000, size=(2, 24), dtype=np.int64)
    mask = np.ones_like(ids)
    mask[1, 15:] = 0
    ids[1, 15:] = 0
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    return {i.name: feeds[i.name] for i in session.get_inputs() if i.name in feeds}


def fuse_bert_file(source: Path, target: Path, *, num_heads: int = 12) -> str | None:
    """Write the fused version of the float graph ``source`` to ``target``.

    Returns ``None`` on success, or the reason the graph was not fused (nothing to
    fuse, or outputs that differ from the original's): then ``target`` is not written.
    """
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(source))
    try:
        layers = fuse_bert_graph(model, num_heads=num_heads)
    except (ValueError, KeyError) as exc:
        return f"the graph could not be rewritten ({exc})"
    if not layers:
        return "no BERT attention layer found to fuse"
    onnx.save(model, str(target))
    try:
        before = ort.InferenceSession(str(source), providers=["CPUExecutionProvider"])
        after = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"])
        feeds = _probe_feeds(before)
        want = before.run(None, feeds)[0]
        got = after.run(None, feeds)[0]
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own error types
        target.unlink(missing_ok=True)
        return f"the fused graph does not run ({exc})"
    valid = feeds["attention_mask"].astype(bool)
    gap = float(np.abs(want[valid] - got[valid]).max())
    if not np.isfinite(gap) or gap > PROBE_TOLERANCE:
        target.unlink(missing_ok=True)
        return f"the fused graph disagrees with the original (largest difference {gap:.2g})"
    log.debug("fused %d attention layers (largest difference %.2g)", layers, gap)
    return None
