"""Readers for the public evaluation sets and the small helpers every eval task shares.

The readers parse the formats described in ``../shared/EVAL.md`` (MRPC TSV, STS-B
CSV, iSTS ``.wa``) into plain records. They never fit anything; fitting lives in
:mod:`triangulate.evaluate.calibrate`.
"""

from __future__ import annotations

import json
import logging
import math
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NoReturn, TypeVar

import click
import numpy as np

from triangulate.errors import EvalError, TriangulateError
from triangulate.text import has_surrogates

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

MRPC_TRAIN = "msr_paraphrase_train.txt"
MRPC_TEST = "msr_paraphrase_test.txt"
STS_TRAIN = "sts-train.csv"
STS_DEV = "sts-dev.csv"
STS_TEST = "sts-test.csv"
ISTS_FILE = "STSint.gs.headlines.wa"

#: At most this many skipped items are named one by one; the rest are counted.
MAX_NAMED_SKIPS = 10

_T = TypeVar("_T")


# --- errors and warnings on the command line -------------------------------------------


def fail(error: TriangulateError) -> NoReturn:
    """End a command on ``error``: one ``Error: [Exxx] message`` line on stderr and the
    error's own exit code (2 for a folder or file that cannot be used, 3 for a model
    that cannot be loaded), as the other commands do."""
    click.echo(f"Error: {error.message}", err=True)
    raise click.exceptions.Exit(error.exit_code)


def guarded(fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """Call ``fn`` for a command; a :class:`TriangulateError` ends it through :func:`fail` (no traceback)."""
    try:
        return fn(*args, **kwargs)
    except TriangulateError as exc:
        fail(exc)


def skip(skipped: list[str] | None, message: str) -> None:
    """Record one item that is listed in a file but cannot be scored.

    With a ``skipped`` list (what the eval commands pass) the message is kept there,
    to be counted in the metrics and printed as a warning; without one it is logged.
    """
    if skipped is None:
        log.warning("%s", message)
    else:
        skipped.append(message)


def skipped_suffix(skipped: Sequence[str] | None) -> str:
    """For an error raised when nothing was left to score: how many items were skipped, and why the first was."""
    if not skipped:
        return ""
    return f" ({len(skipped)} skipped; the first: {skipped[0]})"


def echo_skipped(skipped: Sequence[str]) -> None:
    """Print skipped items on stderr: the first :data:`MAX_NAMED_SKIPS` by name, then a count."""
    for message in skipped[:MAX_NAMED_SKIPS]:
        click.echo(f"warning: {message}", err=True)
    if len(skipped) > MAX_NAMED_SKIPS:
        click.echo(f"warning: ... and {len(skipped) - MAX_NAMED_SKIPS} more items skipped", err=True)


def skipped_note(skipped: Sequence[str], what: str, why: str = "") -> str:
    """One line for the human output: how many listed items were not scored
    (``what``: a plural noun ending in s; ``why``: the reasons, in short)."""
    n = len(skipped)
    noun = what if n != 1 else what.removesuffix("s")
    reasons = f" ({why})" if why else ""
    return f"{n} {noun} not scored{reasons}: named in the warning lines on stderr; 'skipped' in the metrics counts them"


# --- records -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParaphrasePair:
    """One MRPC row: ``label`` is 1 for a paraphrase."""

    id1: str
    id2: str
    text1: str
    text2: str
    label: int


@dataclass(frozen=True, slots=True)
class StsPair:
    """One STS-B row; ``index`` is the 0-based row number in its file."""

    index: int
    genre: str
    text1: str
    text2: str
    score: float


@dataclass(frozen=True, slots=True)
class ChunkAlignment:
    """One line of an iSTS ``.wa`` file: token ids (1-based; ``()`` = no chunk on that side)."""

    ids1: tuple[int, ...]
    ids2: tuple[int, ...]
    types: tuple[str, ...]
    score: float | None

    @property
    def base_type(self) -> str:
        """The relation without its ``FACT``/``POL`` tags (``SPE1_FACT`` -> ``SPE1``)."""
        return self.types[0] if self.types else "NOALI"


@dataclass(frozen=True, slots=True)
class IstsPair:
    """One ``<sentence>`` of an iSTS file: two headlines, their tokens, gold chunks and alignments."""

    pair: str
    text1: str
    text2: str
    tokens1: tuple[str, ...]
    tokens2: tuple[str, ...]
    alignments: tuple[ChunkAlignment, ...]

    def chunks(self, side: int) -> list[tuple[int, ...]]:
        """Gold chunks of one side (1 or 2), in order of their first token."""
        seen: dict[tuple[int, ...], None] = {}
        for ali in self.alignments:
            ids = ali.ids1 if side == 1 else ali.ids2
            if ids:
                seen.setdefault(ids, None)
        return sorted(seen, key=lambda c: c[0])

    def chunk_text(self, side: int, ids: Sequence[int]) -> str:
        toks = self.tokens1 if side == 1 else self.tokens2
        return " ".join(toks[i - 1] for i in ids if 0 < i <= len(toks))


# --- locating files ----------------------------------------------------------------


def find_file(data: Path, name: str, *, task: str, nested: bool = False) -> Path:
    """``data/name`` (``data`` may also name the file itself); with ``nested``, also ``data/*/name``."""
    data = Path(data)
    if data.is_file():
        return data
    direct = data / name
    if direct.is_file():
        return direct
    if nested and data.is_dir():
        found = sorted(data.glob(f"*/{name}"))
        if found:
            if len(found) > 1:
                log.info("several %s under %s; scoring %s", name, data, found[0])
            return found[0]
    raise EvalError(
        f"`eval {task}` expects {name} in {data} (see docs/eval.md for the layouts)",
        code="E601",
    )


# --- readers -----------------------------------------------------------------------


def read_mrpc(path: Path, *, skipped: list[str] | None = None) -> list[ParaphrasePair]:
    """Read an MRPC TSV file (header row; UTF-8, optional BOM; quotes are literal text).

    A row with fewer than 5 fields or a Quality other than 0 or 1 is skipped
    (recorded in ``skipped``, else logged).
    """
    rows: list[ParaphrasePair] = []
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        for n, line in enumerate(handle):
            if has_surrogates(line):  # read with surrogateescape: bytes that are not UTF-8
                skip(skipped, f"{path} line {n + 1}: not UTF-8 text, skipped")
                continue
            parts = line.rstrip("\r\n").split("\t")
            if n == 0 and parts and not parts[0].strip().isdigit():
                continue
            if len(parts) < 5:
                if line.strip():
                    skip(skipped, f"{path} line {n + 1}: expected 5 tab-separated fields, skipped")
                continue
            if parts[0].strip() not in ("0", "1"):
                skip(skipped, f"{path} line {n + 1}: Quality {parts[0].strip()[:20]!r} is not 0 or 1, skipped")
                continue
            rows.append(ParaphrasePair(parts[1], parts[2], parts[3], parts[4], int(parts[0])))
    if not rows:
        raise EvalError(f"no MRPC pairs found in {path}{skipped_suffix(skipped)}", code="E602")
    return rows


def read_sts(path: Path, *, skipped: list[str] | None = None) -> list[StsPair]:
    """Read an STS-B CSV (tab separated: genre, file, year, id, score, s1, s2[, ...]; no header).

    A first line whose score field is not a number is taken for a header. Any other
    row with fewer than 7 fields or a score that is not a number (empty included)
    is skipped (recorded in ``skipped``, else logged).
    """
    rows: list[StsPair] = []
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        for n, line in enumerate(handle):
            if has_surrogates(line):  # read with surrogateescape: bytes that are not UTF-8
                skip(skipped, f"{path} line {n + 1}: not UTF-8 text, skipped")
                continue
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) < 7:
                if line.strip():
                    skip(skipped, f"{path} line {n + 1}: expected at least 7 tab-separated fields, skipped")
                continue
            try:
                score = float(parts[4])
            except ValueError:
                score = math.nan
            if not math.isfinite(score):
                if n > 0 or parts[4].strip() == "":
                    skip(skipped, f"{path} line {n + 1}: score {parts[4].strip()[:20]!r} is not a number, skipped")
                continue  # else a header line
            rows.append(StsPair(n, parts[0], parts[5], parts[6], score))
    if not rows:
        raise EvalError(f"no STS pairs found in {path}{skipped_suffix(skipped)}", code="E602")
    return rows


_SENT_ID = re.compile(r'<sentence id="([^"]*)"')


def _parse_ids(field: str) -> tuple[int, ...]:
    """Token ids of one side of an alignment line; ValueError when one is not a whole number."""
    ids = tuple(int(t) for t in field.split() if t.strip())
    return () if not ids or ids[0] == 0 else ids


def read_ists(path: Path, *, skipped: list[str] | None = None) -> list[IstsPair]:
    """Read an iSTS ``.wa`` file: per ``<sentence id=..>`` the two ``// text`` lines,
    the ``<source>``/``<translation>`` token lists and the ``<alignment>`` lines
    ``ids1 <==> ids2 // TYPE // SCORE // chunk1 <==> chunk2``.

    A sentence pair without its two headline lines, or with an alignment line whose
    token ids are not whole numbers, is skipped (recorded in ``skipped``, else logged).
    """
    pairs: list[IstsPair] = []
    text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
    for block in re.split(r"(?=<sentence id=)", text):
        m = _SENT_ID.match(block.strip())
        if not m:
            continue
        lines = block.strip().splitlines()
        heads = [ln[3:] if ln.startswith("// ") else ln[2:] for ln in lines if ln.startswith("//")]
        if len(heads) < 2:
            skip(skipped, f"{path}: sentence {m.group(1)} lacks its two headline lines, skipped")
            continue
        bad_line = ""
        toks: dict[str, list[str]] = {"source": [], "translation": []}
        alis: list[ChunkAlignment] = []
        section = ""
        for ln in lines:
            s = ln.strip()
            if s in ("<source>", "<translation>", "<alignment>"):
                section = s[1:-1]
                continue
            if s.startswith("</"):
                section = ""
                continue
            if section in toks:
                tm = re.match(r"(\d+)\s(.*?)\s:\s*$", ln) or re.match(r"(\d+)\s(.*?)\s*:?\s*$", ln)
                if tm:
                    toks[section].append(tm.group(2))
            elif section == "alignment" and "<==>" in s:
                fields = s.split("//")
                if len(fields) < 3:
                    continue
                left, _, right = fields[0].partition("<==>")
                types = tuple(t for t in fields[1].strip().split("_") if t)
                raw_score = fields[2].strip()
                try:
                    score: float | None = float(raw_score)
                except ValueError:
                    score = None
                try:
                    ids1, ids2 = _parse_ids(left), _parse_ids(right)
                except ValueError:
                    bad_line = bad_line or s
                    continue
                alis.append(ChunkAlignment(ids1, ids2, types, score))
        if bad_line:
            skip(skipped, f"{path}: sentence {m.group(1)} has an alignment line whose token ids are not numbers ({bad_line[:60]!r}), skipped")
            continue
        tokens1 = tuple(toks["source"]) or tuple(heads[0].split(" "))
        tokens2 = tuple(toks["translation"]) or tuple(heads[1].split(" "))
        pairs.append(IstsPair(m.group(1), heads[0], heads[1], tokens1, tokens2, tuple(alis)))
    if not pairs:
        raise EvalError(f"no iSTS sentence pairs found in {path}{skipped_suffix(skipped)}", code="E602")
    return pairs


# --- metrics -----------------------------------------------------------------------


def binary_scores(gold: Sequence[int] | np.ndarray, pred: Sequence[int] | np.ndarray) -> dict[str, float]:
    """Accuracy, precision, recall and F1 of the positive class (1)."""
    g = np.asarray(gold, dtype=int)
    p = np.asarray(pred, dtype=int)
    if g.shape != p.shape:
        raise ValueError("gold and predictions differ in length")
    tp = int(((g == 1) & (p == 1)).sum())
    fp = int(((g == 0) & (p == 1)).sum())
    fn = int(((g == 1) & (p == 0)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = float((g == p).mean()) if len(g) else 0.0
    return {"accuracy": accuracy, "precision": precision, "recall": recall, "f1": f1}


def pearson(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """Pearson correlation (0.0 when either side is constant; NaN, undefined, over fewer than 2 rows)."""
    a = np.asarray(x, dtype=float)
    b = np.asarray(y, dtype=float)
    if a.size < 2:
        return math.nan
    a = a - a.mean()
    b = b - b.mean()
    denom = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
    return float((a * b).sum() / denom) if denom else 0.0


def _ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (ties share their mean rank), as Spearman's rho needs."""
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=float)
    sorted_x = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and sorted_x[j + 1] == sorted_x[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0
        i = j + 1
    return ranks


def spearman(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """Spearman rank correlation with average ranks for ties."""
    return pearson(_ranks(np.asarray(x, dtype=float)), _ranks(np.asarray(y, dtype=float)))


# --- output ------------------------------------------------------------------------


def write_jsonl(path: Path | None, records: Iterable[dict[str, Any]]) -> int:
    """Write one JSON object per line to ``path`` (nothing when ``path`` is None), as
    ``compare -o`` writes: whole or not at all, and a file that cannot be written is one
    ``Error:`` line and exit status 2, not a traceback after the scoring."""
    if path is None:
        return 0
    from triangulate.commands.console import write_output

    lines = [json.dumps(rec, ensure_ascii=False) + "\n" for rec in records]
    write_output(str(path), lambda p: p.write_text("".join(lines), encoding="utf-8"))
    return len(lines)


def out_path(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """``--out`` checked before any scoring: a file in a folder that exists (a long run is
    not made to end with a file it cannot write)."""
    if value is None:
        return None
    if str(value).endswith(("/", "\\")) or value.is_dir():
        raise click.BadParameter(f"{value} is a folder; give a file name")
    if not value.parent.is_dir():
        raise click.BadParameter(f"the folder {value.parent} does not exist")
    return value


def format_cell(value: Any) -> str:
    """A table cell: floats to 4 places; None or a non-finite float (an undefined
    figure, such as a correlation over fewer than 2 rows) as ``n/a``."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]], *, file: IO[str] | None = None) -> None:
    """A plain aligned table (human output; the machine output is the last JSON line)."""
    out = file or sys.stdout
    cells = [[str(h) for h in header]] + [[format_cell(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(title, file=out)
    for k, r in enumerate(cells):
        print("  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))), file=out)
        if k == 0:
            print("  " + "  ".join("-" * w for w in widths), file=out)


@dataclass(frozen=True, slots=True)
class EvalResult:
    """What one eval run produced: the last-line metrics, a human table and per-item records."""

    task: str
    metrics: dict[str, Any]
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    records: tuple[dict[str, Any], ...]
    notes: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()  # listed items that could not be scored, one message each


def embed_unique(embedder: Any, texts: Sequence[str]) -> np.ndarray:
    """Embed ``texts`` (row per text), encoding each distinct text once."""
    unique = list(dict.fromkeys(texts))
    vecs = embedder.encode(unique) if unique else np.zeros((0, 384), dtype=np.float32)
    index = {t: i for i, t in enumerate(unique)}
    return np.asarray(vecs[[index[t] for t in texts]], dtype=np.float32) if texts else vecs
