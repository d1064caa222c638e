"""Cross-validated development figures of the suggesters on the labelled dev quotes.

Usage: python bench/eval_dev.py [--dev PATH] [--folds 5] [--codebooks DIR] [--seed 0] [--json]

Splits the dev quotes into folds (written to a temporary folder, never into the repository),
runs :func:`qualcode.suggest.evaluate.evaluate_suggestions` with each fold as TEST and the rest as
TRAIN, and prints the mean macro-F1 of the pattern and the trained suggester (and per theme).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qualcode.suggest.evaluate import evaluate_suggestions  # noqa: E402

DEFAULT_DEV = Path("/work/shared/gold/dev.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--codebooks", type=Path, default=ROOT / "codebooks")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    lines = [line for line in args.dev.read_text(encoding="utf-8").splitlines() if line.strip()]
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
            results.append(evaluate_suggestions(train_file, test_file, args.codebooks))

    summary: dict[str, object] = {"folds": args.folds, "quotes": len(lines)}
    for mode in ("patterns", "trained"):
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
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    for mode in ("patterns", "trained"):
        block = summary[mode]
        assert isinstance(block, dict)
        per = "  ".join(f"{t} {v['f1']:.3f}" for t, v in block["per_code"].items())
        print(f"{mode:9s} macro-F1 {block['macro_f1']:.3f}  micro-F1 {block['micro_f1']:.3f}  |  {per}")


if __name__ == "__main__":
    main()
