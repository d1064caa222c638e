"""Import throughput against raw spaCy on a synthetic corpus of speaker-turn transcripts.

    python bench/ingest.py --words 1000000 --json

Prints {"words", "files", "seconds", "words_per_s", "raw_spacy_words_per_s", "ratio", "peak_rss_mb", ...}.
``raw_spacy`` is ``spacy.blank("nb")`` + sentencizer over the same turn texts in the same run, measured
once before and once after the import (mean); the lemma tables are loaded before any clock starts.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from pathlib import Path

VOCAB = (
    "altså eh jeg vi de det er var har hadde ikke så men og i på til med om for av at som en et den "
    "kontoret kommunen staten linjene lederen lederne ansatte veileder brukeren brukerne målekortet "
    "måltallene målingene tilliten handlingsrommet skjønnet rammene regelverket samarbeidet møtene "
    "lunsjen avdelingen sosialhjelp oppfølging tiltak arbeid ytelser budsjettet resultatene statistikk "
    "dokumentasjon liksom på en måte ikke sant egentlig litt mye veldig godt dårlig bra viktig vanskelig "
    "tenker synes mener opplever jobber snakker stoler måler teller prioriterer bestemmer kontrollerer "
    "lillebror storebror partnerskapet tariffavtalen systemene fylket direktoratet rådmannen NAV-leder"
).split()


def vocabulary(rng: random.Random, size: int = 8000) -> tuple[list[str], list[float]]:
    """Interview words plus ``size`` Norwegian word forms from the lemma tables, with Zipf weights.

    A realistic vocabulary matters: with a few hundred words spaCy's tokenizer cache makes the raw
    baseline unrealistically fast.
    """
    from qualcode.nlp import _lemma_table

    forms = sorted(f for f in _lemma_table() if f.isalpha() and 2 <= len(f) <= 16)
    words = list(VOCAB) + rng.sample(forms, size)
    weights = [1.0 / (rank + 1) for rank in range(len(words))]
    return words, weights


def make_corpus(folder: Path, words: int, words_per_file: int = 5000, seed: int = 7) -> list[str]:
    """Write transcripts of about ``words`` words in total; returns the turn texts (for raw spaCy)."""
    rng = random.Random(seed)
    vocab, weights = vocabulary(rng)

    def pick(k: int) -> str:
        return " ".join(rng.choices(vocab, weights, k=k))

    turns_all: list[str] = []
    written = 0
    index = 0
    while written < words:
        lines, in_file = [f"Syntetisk intervju {index}", ""], 0
        target = min(words_per_file, words - written)
        while in_file < target:
            question = pick(rng.randint(4, 12)).capitalize() + "?"
            n = min(rng.choice((8, 20, 40, 60, 90, 140, 220)), max(target - in_file, 1))
            sentences, left = [], n
            while left > 0:
                k = min(rng.randint(6, 18), left)
                sentences.append(pick(k).capitalize() + ".")
                left -= k
            answer = " ".join(sentences)
            lines += [f"I: {question}", "", f"Informant: {answer}", ""]
            turns_all += [question, answer]
            in_file += n + len(question.split())
        (folder / f"syn{index:05}.txt").write_text("\n".join(lines), encoding="utf-8")
        written += in_file
        index += 1
    return turns_all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=200_000)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    import spacy

    from qualcode.db.session import open_engine
    from qualcode.importer import import_paths
    from qualcode.nlp import get_nlp, lemma_text

    get_nlp()
    lemma_text("tilliten målingene")  # warm: the lemma tables are loaded before timing
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        turns = make_corpus(folder, args.words)
        n_words = sum(len(t.split()) for t in turns)
        def raw_spacy() -> float:
            raw = spacy.blank("nb")
            raw.add_pipe("sentencizer")
            t0 = time.perf_counter()
            for _doc in raw.pipe(turns, batch_size=256):
                pass
            return time.perf_counter() - t0

        # raw spaCy runs before and after the import (a fresh pipeline each time); the mean is used,
        # so neither side profits from running second on a warmed machine
        raw_before = raw_spacy()
        engine = open_engine(Path(tmp) / "bench.sqlite")
        t0 = time.perf_counter()
        results = import_paths(engine, [folder])
        seconds = time.perf_counter() - t0
        failed = [r.message for r in results if r.status != "imported"]
        raw_after = raw_spacy()
        raw_seconds = (raw_before + raw_after) / 2

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {
        "words": n_words,
        "files": len(results),
        "seconds": round(seconds, 3),
        "words_per_s": round(n_words / seconds),
        "raw_spacy_words_per_s": round(n_words / raw_seconds),
        "ratio": round((n_words / seconds) / (n_words / raw_seconds), 3),
        "peak_rss_mb": round(peak, 1),
        "failed": failed,
    }
    print(json.dumps(out) if args.json else json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
