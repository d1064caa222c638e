"""Cross-validated development figures of the suggesters on the labelled dev quotes.

Usage: python bench/eval_dev.py [--dev PATH] [--folds 5] [--codebooks DIR] [--seed 0] [--by-source]
                                [--extra-training none|demo] [--extra-weight 0.5] [--no-pattern-floor] [--json]

Default: splits the dev quotes at random into folds (written to a temporary folder, never into the
repository), runs :func:`qualcode.suggest.evaluate.evaluate_suggestions` with each fold as TEST and
the rest as TRAIN, and prints the mean over the folds of macro-F1, micro-F1 and the per-theme
figures of the pattern and the trained suggester.

``--by-source``: leave one source out instead (a quote's source is the part of its ``id`` before
the first ``-``): each source in turn is TEST and the others TRAIN, a harder test of how the
trained suggester carries over to quotes from elsewhere. The predictions of all sources are pooled
and scored once (the sources differ much in size, so a mean over them would be noisy).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qualcode.codebook import load_codebooks  # noqa: E402
from qualcode.suggest.evaluate import (  # noqa: E402
    evaluate_suggestions,
    metrics,
    predict_quotes,
    read_quotes,
)

DEFAULT_DEV = Path("/work/shared/gold/dev.jsonl")
MODES = ("patterns", "trained")


def random_folds(lines: list[str], args: argparse.Namespace, options: dict[str, Any]) -> dict[str, Any]:
    order = list(range(len(lines)))
    random.Random(args.seed).shuffle(order)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for fold in range(args.folds):
            test_ids = set(order[fold :: args.folds])
            train_file, test_file = Path(tmp) / f"train{fold}.jsonl", Path(tmp) / f"test{fold}.jsonl"
            train_file.write_text("\n".join(lines[i] for i in range(len(lines)) if i not in test_ids) + "\n",
                                  encoding="utf-8")
            test_file.write_text("\n".join(lines[i] for i in sorted(test_ids)) + "\n", encoding="utf-8")
            results.append(evaluate_suggestions(train_file, test_file, args.codebooks, **options))
    summary: dict[str, Any] = {"folds": args.folds, "seed": args.seed, "quotes": len(lines)}
    for mode in MODES:
        themes = results[0][mode]["per_code"].keys()
        summary[mode] = {
            "macro_f1": round(float(np.mean([r[mode]["macro_f1"] for r in results])), 4),
            "micro_f1": round(float(np.mean([r[mode]["micro_f1"] for r in results])), 4),
            "per_code": {
                t: {m: round(float(np.mean([r[mode]["per_code"][t][m] for r in results])), 4)
                    for m in ("precision", "recall", "f1")}
                for t in themes
            },
        }
    return summary


def by_source(lines: list[str], args: argparse.Namespace, options: dict[str, Any]) -> dict[str, Any]:
    books = load_codebooks(args.codebooks)
    themes = [book.name for book in books]
    quotes = read_quotes(args.dev)
    sources = [str(json.loads(line).get("id", "")).split("-", 1)[0] for line in lines]
    truth = np.zeros((len(quotes), len(themes)), dtype=bool)
    predicted = {mode: np.zeros_like(truth) for mode in MODES}
    for source in sorted(set(sources)):
        test = [i for i, s in enumerate(sources) if s == source]
        train = [i for i, s in enumerate(sources) if s != source]
        y, pattern_pred, trained_pred = predict_quotes(books, [quotes[i] for i in train],
                                                       [quotes[i] for i in test], **options)
        truth[test] = y
        predicted["patterns"][test], predicted["trained"][test] = pattern_pred, trained_pred
    summary: dict[str, Any] = {"sources": {s: sources.count(s) for s in sorted(set(sources))}, "quotes": len(lines)}
    for mode in MODES:
        summary[mode] = metrics(truth, predicted[mode], themes)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--codebooks", type=Path, default=ROOT / "codebooks")
    parser.add_argument("--by-source", action="store_true", help="leave one source out (pooled figures)")
    parser.add_argument("--extra-training", choices=["none", "demo"], default="none",
                        help="extra training rows for the trained suggester (default none)")
    parser.add_argument("--extra-weight", type=float, default=0.5, help="weight of each demo row")
    parser.add_argument("--no-pattern-floor", action="store_true",
                        help="trained score = blend alone (the behaviour before the pattern floor)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    lines = [line for line in args.dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    options = {"extra_training": args.extra_training, "extra_weight": args.extra_weight,
               "pattern_floor": not args.no_pattern_floor}
    summary = by_source(lines, args, options) if args.by_source else random_folds(lines, args, options)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    for mode in MODES:
        block = summary[mode]
        per = "  ".join(f"{t} {v['f1']:.3f}" for t, v in block["per_code"].items())
        print(f"{mode:9s} macro-F1 {block['macro_f1']:.3f}  micro-F1 {block['micro_f1']:.3f}  |  {per}")


if __name__ == "__main__":
    main()
