"""``triangulate eval TASK --data DIR`` and ``triangulate calibrate WHAT --data DIR``.

Each eval command prints a human table and, as its last line, one JSON object
with the metrics; ``--out FILE`` writes one JSON object per scored item. Eval
never fits anything on DIR (see ../shared/EVAL.md and docs/eval.md).

Other modules add subcommands to these groups without editing this file: any
module listed in :data:`EXTENSIONS` that is installed is imported when this
module loads, and registers its commands with ``@eval_group.command()`` or
``eval_group.add_command(...)`` (and ``calibrate.add_command(...)``). Shared
helpers for them: :func:`emit` (table + ``--out`` + last-line JSON) and
:func:`load_model` (the embedder, with errors turned into clean CLI messages).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import math
import shlex
import sys
from pathlib import Path
from typing import Any

import click

from triangulate.evaluate.common import EvalResult, echo_skipped, guarded, out_path, print_table, write_jsonl

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

#: Modules that register more ``eval``/``calibrate`` subcommands when present.
EXTENSIONS: tuple[str, ...] = ("triangulate.evaluate.corpus_tasks",)

DATA_HELP = "Folder in the layout of ../shared/data/<set> (or the file itself)."
OUT_HELP = "Write one JSON object per scored item to this file."
MODEL_HELP = "Embedding model (default: the packaged MiniLM; see `triangulate compare --help`)."


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def emit(result: EvalResult, out: Path | None) -> None:
    """Print the table and notes, write ``--out`` records, then the metrics as the last line.

    Items of DIR that could not be scored are named on stderr (``warning: ...``)."""
    echo_skipped(result.skipped)
    print_table(f"eval {result.task}", result.header, result.rows)
    for note in result.notes:
        click.echo(f"  {note}")
    if out is not None:
        n = write_jsonl(out, result.records)
        click.echo(f"  wrote {n} records to {out}")
    click.echo(json.dumps(_clean(result.metrics), ensure_ascii=False))


def load_model(model: str | None) -> Any:
    """Load the embedder named by ``--model`` (default model when None)."""
    from triangulate.embed import load_embedder

    return load_embedder(model)


def _command_line() -> str:
    args = [a for a in sys.argv[1:]]
    return "triangulate " + " ".join(shlex.quote(a) for a in args)


@click.group("eval")
def eval_group() -> None:
    """Score triangulate on public data sets (the last printed line is JSON).

    Nothing is fitted on the scored folder: parameters ship with the package
    and come from `triangulate calibrate` on training files.
    """


@eval_group.command("paraphrase")
@click.option("--data", "data", required=True, type=click.Path(exists=True, path_type=Path), help=DATA_HELP)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), callback=out_path, help=OUT_HELP)
@click.option("--model", default=None, help=MODEL_HELP)
def eval_paraphrase(data: Path, out: Path | None, model: str | None) -> None:
    """MRPC: accuracy and F1 on DIR/msr_paraphrase_test.txt, beside cosine and TF-IDF baselines."""
    from triangulate.evaluate.paraphrase import evaluate_paraphrase

    embedder = guarded(load_model, model)
    emit(guarded(evaluate_paraphrase, data, embedder=embedder), out)


@eval_group.command("sts")
@click.option("--data", "data", required=True, type=click.Path(exists=True, path_type=Path), help=DATA_HELP)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), callback=out_path, help=OUT_HELP)
@click.option("--model", default=None, help=MODEL_HELP)
def eval_sts(data: Path, out: Path | None, model: str | None) -> None:
    """STS-B: Pearson and Spearman on DIR/sts-test.csv (all and main-news), beside baselines."""
    from triangulate.evaluate.sts import evaluate_sts

    embedder = guarded(load_model, model)
    emit(guarded(evaluate_sts, data, embedder=embedder), out)


@eval_group.command("alignment")
@click.option("--data", "data", required=True, type=click.Path(exists=True, path_type=Path), help=DATA_HELP)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), callback=out_path, help=OUT_HELP)
@click.option("--model", default=None, help=MODEL_HELP)
@click.option(
    "--all-pairs",
    is_flag=True,
    help="Also score pairs the aligner was fitted on (off by default: they are left out and counted).",
)
def eval_alignment(data: Path, out: Path | None, model: str | None, all_pairs: bool) -> None:
    """iSTS headlines: token-level F1 of chunk alignment (f1_ali) and typed alignment (f1_type).

    Reads DIR/STSint.gs.headlines.wa or DIR/*/STSint.gs.headlines.wa and aligns
    its gold chunks; pairs the aligner was fitted on are not scored.
    """
    from triangulate.evaluate.alignment import evaluate_alignment

    embedder = guarded(load_model, model)
    emit(guarded(evaluate_alignment, data, embedder=embedder, include_fitted=all_pairs), out)


@click.group("calibrate")
def calibrate() -> None:
    """Fit the shipped thresholds and weights on training data (writes src/triangulate/data/)."""


def _default_out_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "data"


@calibrate.command("pairs")
@click.option("--data", "data", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder holding mrpc/ and stsbenchmark/ (as ../shared/data).")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write pair_model.json, pair_model_tokens.json and pair_baselines.json (default: the package's data folder).")
@click.option("--model", default=None, help=MODEL_HELP)
def calibrate_pairs_cmd(data: Path, out_dir: Path | None, model: str | None) -> None:
    """Fit the pair scorers (MRPC train, STS-B train; STS-B dev to check) and the baselines' thresholds."""
    from triangulate.evaluate.calibrate import calibrate_pairs

    embedder = guarded(load_model, model)
    target = out_dir or _default_out_dir()
    summary = guarded(calibrate_pairs, data, embedder=embedder, out_dir=target, command=_command_line())
    click.echo(f"wrote {target / 'pair_model.json'}, {target / 'pair_model_tokens.json'} and {target / 'pair_baselines.json'}")
    click.echo(json.dumps(summary))


@calibrate.command("cross-encoder")
@click.option("--data", "data", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder holding mrpc/msr_paraphrase_train.txt (as ../shared/data).")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write pair_cross.npz (default: the package's data folder).")
@click.option("--epochs", type=click.IntRange(1, 50), default=None, help="Passes over the fitting pairs (default: the shipped setting).")
@click.option("--rank", type=click.IntRange(1, 128), default=None, help="Rank of each low-rank adapter (default: the shipped setting).")
@click.option("--limit", type=click.IntRange(1), default=None, help="Fit on the first N fitting pairs only (a quick check, not a file to ship).")
@click.option("--threads", type=click.IntRange(1), default=None, help="torch threads (default: torch's own choice).")
@click.option("--swap/--no-swap", default=False, show_default=True, help="Show each pair in a random order while fitting, and score both orders.")
def calibrate_cross_encoder_cmd(data: Path, out_dir: Path | None, epochs: int | None, rank: int | None, limit: int | None, threads: int | None, swap: bool) -> None:
    """Fit the paraphrase cross-encoder's adapter on MRPC train (needs torch; scoring does not).

    The fixed dev tenth of MRPC train chooses the decision threshold; the rest is fitted on.
    """
    from triangulate.evaluate import cross_fit

    target = out_dir or _default_out_dir()
    summary = guarded(
        cross_fit.fit_cross_encoder,
        data,
        out_dir=target,
        command=_command_line(),
        epochs=epochs or cross_fit.EPOCHS,
        rank=rank or cross_fit.RANK,
        limit=limit,
        threads=threads,
        swap=swap,
        progress=lambda line: click.echo(line, err=True),
    )
    click.echo(f"wrote {target / 'pair_cross.npz'}")
    click.echo(json.dumps(summary))


@calibrate.command("alignment")
@click.option("--data", "data", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder holding ists-headlines/train/STSint.gs.headlines.wa (as ../shared/data).")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write pair_align.json (default: the package's data folder).")
@click.option("--model", default=None, help=MODEL_HELP)
def calibrate_alignment_cmd(data: Path, out_dir: Path | None, model: str | None) -> None:
    """Fit the chunk aligner on the fixed fitting half of the iSTS train pairs."""
    from triangulate.evaluate.alignment import calibrate_alignment

    embedder = guarded(load_model, model)
    target = out_dir or _default_out_dir()
    summary = guarded(calibrate_alignment, data, embedder=embedder, out_dir=target, command=_command_line())
    click.echo(f"wrote {target / 'pair_align.json'}")
    click.echo(json.dumps(summary))


def _load_extensions() -> None:
    for name in EXTENSIONS:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if found:
            importlib.import_module(name)


_load_extensions()
