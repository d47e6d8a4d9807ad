"""The compare report's conflicts, facts and titles on the ECB+ subtopics, and what changed.

Every subtopic of ``../shared/data/ecbplus`` (a topic's ``ecb`` or ``ecbplus`` documents)
with two or more documents is compared as one story, each document its own outlet; the
conflicts (kind, both values, both sentences), the fact and quote counts and the report's
title go to a JSON file. Two such files, from two versions of the code, are then compared:
what conflicts were added and which are gone, to be read one by one. Nothing is scored: ECB+
has no gold conflicts; the reading is the measurement.

    python bench/compare_audit.py --out after.json                  # this code
    PYTHONPATH=<other tree>/src python bench/compare_audit.py --out before.json
    python bench/compare_audit.py --diff before.json after.json
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ecbplus"


def audit(data: Path) -> dict[str, Any]:
    from triangulate.compare import compare_articles
    from triangulate.embed import load_embedder
    from triangulate.evaluate.corpus_tasks import ecb_article, read_ecbplus

    logging.disable(logging.WARNING)  # "these articles read like several events" and the like
    embedder = load_embedder()
    groups: dict[tuple[int, str], list[Any]] = {}
    for doc in read_ecbplus(data):
        groups.setdefault((doc.topic, doc.sub), []).append(doc)
    out: dict[str, Any] = {}
    for (topic, sub), docs in sorted(groups.items()):
        if len(docs) < 2:
            continue
        articles = [replace(ecb_article(d), outlet=d.doc) for d in docs]
        report = compare_articles(articles, embedder=embedder)
        out[f"{topic}_{sub}"] = {
            "conflicts": sorted(f"{c.kind} | {c.a.value} | {c.b.value} | {c.a.text} | {c.b.text}" for c in report.conflicts),
            "facts": len(report.facts),
            "quotes": sum(1 for f in report.facts if f.kind == "quote"),
            "title": report.title,
        }
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> None:
    added = [(k, c) for k in after for c in sorted(set(after[k]["conflicts"]) - set(before.get(k, {}).get("conflicts", [])))]
    gone = [(k, c) for k in before for c in sorted(set(before[k]["conflicts"]) - set(after.get(k, {}).get("conflicts", [])))]
    total = sum(len(v["conflicts"]) for v in before.values()), sum(len(v["conflicts"]) for v in after.values())
    print(f"conflicts: {total[0]} before, {total[1]} after; {len(added)} added, {len(gone)} gone")
    for title, rows in (("ADDED", added), ("GONE", gone)):
        print(f"\n{title}")
        for key, conflict in rows:
            print(f"  {key}: {conflict}")
    titles = sum(1 for k in after if k in before and before[k]["title"] != after[k]["title"])
    print(f"\ntitles changed: {titles} of {len(after)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="the ECB+ folder (default: ../shared/data/ecbplus)")
    parser.add_argument("--out", type=Path, help="write this code's conflicts, facts and titles here")
    parser.add_argument("--diff", nargs=2, type=Path, metavar=("BEFORE", "AFTER"), help="compare two files written by --out")
    args = parser.parse_args(argv)
    if args.diff:
        before, after = (json.loads(p.read_text(encoding="utf-8")) for p in args.diff)
        diff(before, after)
        return 0
    if args.out is None:
        parser.error("give --out FILE or --diff BEFORE AFTER")
    if not args.data.is_dir():
        print(f"no ECB+ folder at {args.data}", file=sys.stderr)
        return 2
    result = audit(args.data)
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"{len(result)} subtopics, {sum(len(v['conflicts']) for v in result.values())} conflicts -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
