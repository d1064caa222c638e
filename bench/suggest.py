"""Benchmark of the suggester on a synthetic project (prints JSON).

Usage: python bench/suggest.py [--segments 100000] [--decided 5000] [--json]

Segments are drawn from the demo corpus' vocabulary (Zipf-like, as in real speech), 30-120
words each, 3 % of them invented compounds of corpus nouns reused with a Zipf distribution, so
the vocabulary keeps growing as in a large project; the decided segments carry
one to three codes of the shipped codebooks, planted as cue words. Reported:

- ``score_segments_per_s``: pattern + learned scoring (blended scores for all codes) of
  ``--segments`` segments, in a process that has trained once;
- ``retrain_seconds_5000``: one retraining (features + one logistic regression per code) on
  ``--decided`` decided segments, as after a batch of decisions in a running app;
- ``single_suggest_ms_p95``: one segment's suggestions with evidence, 95th percentile;
- ``score_cpu_segments_per_s`` and ``load_average_1m``: the scoring rate in process CPU time and
  the machine's load, to read the wall-clock figures on a busy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qualcode.codebook import load_codebooks  # noqa: E402
from qualcode.patterns import LabelPatterns  # noqa: E402
from qualcode.suggest.learned import Suggester, TrainingData  # noqa: E402

_COMPOUNDS: dict[str, Compounds] = {}
SPEAKER = re.compile(r"^(I|Informant|Intervjuer)\s*:", re.MULTILINE)


def vocabulary() -> list[str]:
    words: list[str] = []
    for path in sorted((ROOT / "corpora" / "demo").glob("*.txt")):
        words += re.findall(r"\w+(?:-\w+)*", SPEAKER.sub("", path.read_text(encoding="utf-8")))
    return words


class Compounds:
    """Invented compounds of corpus nouns, drawn with Zipf-distributed reuse (a pool of 50,000)."""

    def __init__(self, words: list[str], rng: random.Random, size: int = 50_000) -> None:
        nouns = sorted({w.lower() for w in words if len(w) > 5})
        self.pool = [rng.choice(nouns) + rng.choice(nouns) for _ in range(size)]
        self.cumulative = list(np.cumsum(1.0 / np.arange(1, size + 1)))

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.pool, cum_weights=self.cumulative)[0]


def synthetic_texts(n: int, words: list[str], rng: random.Random, cues: list[list[str]] | None = None,
                    labels: np.ndarray | None = None) -> list[str]:
    compounds = _COMPOUNDS.setdefault("pool", Compounds(words, random.Random(1)))
    texts: list[str] = []
    for i in range(n):
        length = rng.randint(30, 120)
        tokens = [rng.choice(words) for _ in range(length)]
        for j in range(length):
            if rng.random() < 0.03:
                tokens[j] = compounds.draw(rng)
        if cues is not None and labels is not None:
            for k in np.flatnonzero(labels[i]):
                for _ in range(rng.randint(1, 3)):
                    tokens.insert(rng.randrange(len(tokens)), rng.choice(cues[k]))
        texts.append(" ".join(tokens) + ".")
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--decided", type=int, default=5_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    rng = random.Random(7)
    books = load_codebooks(ROOT / "codebooks")
    specs = [LabelPatterns(path, code.patterns, code.weak_patterns)
             for book in books for path, code in book.walk() if not code.retired]
    cues = [[p.strip("*").split()[0] for p in spec.patterns if not p.startswith("-")] or ["x"] for spec in specs]
    words = vocabulary()
    n_codes = len(specs)

    labels = np.zeros((args.decided, n_codes), dtype=bool)
    for row in labels:
        for k in rng.sample(range(n_codes), rng.randint(0, 3)):
            row[k] = True
    train = TrainingData(synthetic_texts(args.decided, words, rng, cues, labels), labels, np.ones_like(labels))

    def new_suggester() -> Suggester:
        return Suggester([s.label for s in specs], specs)

    new_suggester().fit(train)  # warm the per-process lemma caches, as a running app has them
    start = time.perf_counter()
    suggester = new_suggester().fit(train)
    retrain = time.perf_counter() - start

    texts = synthetic_texts(args.segments, words, rng)
    start, cpu = time.perf_counter(), time.process_time()
    scores = suggester.score(texts)
    score_seconds, score_cpu = time.perf_counter() - start, time.process_time() - cpu

    timings = []
    for text in rng.sample(texts, 200):
        start = time.perf_counter()
        one = suggester.score([text])
        for k in np.flatnonzero(one.blended[0] >= suggester.thresholds):
            suggester.evidence(text, int(k))
        timings.append((time.perf_counter() - start) * 1000)

    result = {
        "score_segments_per_s": round(args.segments / score_seconds, 1),
        "retrain_seconds_5000": round(retrain * 5000 / args.decided, 3),
        "single_suggest_ms_p95": round(float(np.percentile(timings, 95)), 2),
        "score_cpu_segments_per_s": round(args.segments / score_cpu, 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "segments": args.segments,
        "decided_segments": args.decided,
        "codes": n_codes,
        "suggested_share": round(float((scores.blended >= suggester.thresholds).any(axis=1).mean()), 4),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
