"""The copy index alone: ``DedupIndex.add`` over the generated stream, per stretch.

    python bench/dedup_index.py                          # 250k articles, a line every 25k
    git show d16043b:src/triangulate/dedup.py > /tmp/dedup_old.py
    python bench/dedup_index.py --against /tmp/dedup_old.py   # an older index, same process

The signatures of the stream's articles (title and paragraphs, as the write path signs
the cleaned text) are computed once, then added to a fresh index with the write path's
window (``max_items`` 200,000) and timed per stretch of ``--every`` articles, with the
time Python's garbage collector took inside. ``--against FILE`` loads another version
of ``triangulate/dedup.py`` and runs it first on the same signatures in the same
process; the answers of the two (which earlier article each one copies, how, how
closely) must be the same, and the command says whether they are.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent / "src"))

import stream  # noqa: E402

from triangulate.dedup import DedupIndex  # noqa: E402


def _load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location("dedup_against", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["dedup_against"] = module
    spec.loader.exec_module(module)
    return module


def _run(make: Callable[[], Any], convert: Callable[[Any], Any], ids: list[str], sigs: list[Any], every: int) -> tuple[list[Any], float, list[tuple[float, float]]]:
    gc_seconds = [0.0]
    started_gc: list[float] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started_gc[:] = [time.perf_counter()]
        elif started_gc:
            gc_seconds[0] += time.perf_counter() - started_gc[0]

    index = make()
    answers: list[Any] = []
    stretches: list[tuple[float, float]] = []
    gc.collect()
    gc.callbacks.append(on_gc)
    try:
        t0 = mark = time.perf_counter()
        for i, (aid, sig) in enumerate(zip(ids, sigs)):
            m = index.add(aid, signature=convert(sig))
            answers.append(None if m is None else (m.of, m.similarity, m.kind))
            if (i + 1) % every == 0 or i + 1 == len(ids):
                now = time.perf_counter()
                n = (i % every) + 1
                stretches.append(((now - mark) / n * 1000, gc_seconds[0] / n * 1000))
                mark, gc_seconds[0] = now, 0.0
        total = time.perf_counter() - t0
    finally:
        gc.callbacks.remove(on_gc)
    return answers, total, stretches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=250_000, help="articles in the stream")
    parser.add_argument("--every", type=int, default=25_000, help="articles per printed stretch")
    parser.add_argument("--window", type=int, default=200_000, help="max_items of the index (the write path's default)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--against", type=Path, default=None, help="another dedup.py to run first on the same signatures")
    args = parser.parse_args()

    started = time.perf_counter()
    signer = DedupIndex(max_items=args.window)
    ids: list[str] = []
    texts: list[str] = []
    for it in stream.stream(args.n, seed=args.seed):
        ids.append(it.article.id)
        texts.append("\n\n".join([it.article.title, *it.article.paragraphs]))
    sigs = [sig for i in range(0, len(texts), 1000) for sig in signer.signatures(texts[i : i + 1000])]
    del texts
    print(f"{len(ids):,} signatures in {time.perf_counter() - started:.1f} s", flush=True)

    runs: list[tuple[str, Callable[[], Any], Callable[[Any], Any]]] = []
    if args.against is not None:
        other = _load(args.against)
        runs.append((str(args.against), lambda: other.DedupIndex(max_items=args.window), lambda s: other.Signature.from_bytes(s.to_bytes())))
    runs.append(("triangulate.dedup", lambda: DedupIndex(max_items=args.window), lambda s: s))
    results = []
    for label, make, convert in runs:
        answers, total, stretches = _run(make, convert, ids, sigs, args.every)
        results.append((label, answers, total))
        print(f"{label}: {total:.1f} s for {len(ids):,} articles; ms per article (gc inside) per {args.every:,}:", flush=True)
        print("  " + ", ".join(f"{ms:.3f} ({g:.3f})" for ms, g in stretches), flush=True)
    if len(results) == 2:
        (a_label, a, a_total), (b_label, b, b_total) = results
        differ = sum(x != y for x, y in zip(a, b))
        print(f"same answers: {differ == 0} ({differ:,} of {len(a):,} differ); {a_total / b_total:.2f}x the time of {b_label}")


if __name__ == "__main__":
    main()
