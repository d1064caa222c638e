"""Evaluate the suggesters on theme-labelled quotes (JSON lines).

Each line is ``{"text": ..., "themes": [...]}`` (other keys ignored); a theme is a codebook name
(``maling`` is read as ``måling``). A quote is predicted as theme T when any code of codebook T is
suggested above the threshold:

- ``patterns``: the codebook patterns alone; the pattern score is 0.5 for one strong hit (see
  :class:`qualcode.patterns.PatternScorer`), so a theme is predicted on any strong hit;
- ``trained``: the learned suggester trained on TRAIN at theme level plus the codebooks' own
  definitions and examples (pattern hits of every code are features, and the pattern score still
  takes part in the blend); one threshold shared by the themes is chosen by 5-fold
  cross-validation inside TRAIN only, never on TEST.

Metrics: per theme precision = TP/(TP+FP), recall = TP/(TP+FN), F1 = 2PR/(P+R), each 0 when its
denominator is 0; ``macro_f1`` is the mean of the per-theme F1, ``micro_f1`` the F1 of the pooled
counts.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import KFold

from qualcode.codebook import CodebookSpec, load_codebooks, shipped_codebook_dir
from qualcode.errors import InputError
from qualcode.patterns import LabelPatterns
from qualcode.suggest.learned import Suggester, TrainingData

THRESHOLD_GRID = np.round(np.arange(0.15, 0.86, 0.05), 2)
PATTERN_THRESHOLD = 0.5
INNER_FOLDS = 5
DEMO_CODER = "ingrid"
DEMO_KNOWN = "all"


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    themes: frozenset[str]


def theme_key(name: str) -> str:
    """Spelling-insensitive key: ``måling``, ``maling`` and ``Måling`` meet."""
    text = unicodedata.normalize("NFC", name).strip().casefold()
    return text.replace("å", "a").replace("æ", "ae").replace("ø", "o")


def read_quotes(path: str | Path) -> list[Quote]:
    file = Path(path)
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"{file}: file not found") from None
    quotes: list[Quote] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{file}: line {number}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise InputError(f"{file}: line {number}: needs a \"text\" string")
        themes = row.get("themes", [])
        if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
            raise InputError(f"{file}: line {number}: \"themes\" must be a list of strings")
        quotes.append(Quote(unicodedata.normalize("NFC", row["text"]), frozenset(themes)))
    return quotes


def theme_suggester(books: Sequence[CodebookSpec], **params: Any) -> Suggester:
    """A suggester whose labels are the codebooks (themes) and whose patterns are their codes."""
    pattern_labels: list[LabelPatterns] = []
    groups: list[list[int]] = []
    for book in books:
        members: list[int] = []
        for path, code in book.walk():
            if code.retired:
                continue
            members.append(len(pattern_labels))
            pattern_labels.append(LabelPatterns(path, code.patterns, code.weak_patterns))
        groups.append(members)
    return Suggester([book.name for book in books], pattern_labels, groups, **params)


def codebook_examples(books: Sequence[CodebookSpec]) -> TrainingData:
    """Training rows from the codebooks themselves, at theme level.

    A code's definition, inclusion criteria and typical or borderline examples are positives for
    its codebook and negatives for the other codebooks; a negative example is a negative for its
    own codebook only.
    """
    texts: list[str] = []
    labels: list[np.ndarray] = []
    known: list[np.ndarray] = []
    n = len(books)
    for k, book in enumerate(books):
        for _path, code in book.walk():
            if code.retired:
                continue
            docs = [(code.definition, True), (code.inclusion, True)]
            docs += [(example.text, example.kind != "negative") for example in code.examples]
            for text, positive in docs:
                if not text.strip():
                    continue
                row, mask = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
                row[k] = positive
                mask[k] = True
                if positive:
                    mask[:] = True
                texts.append(text)
                labels.append(row)
                known.append(mask)
    if not texts:
        return TrainingData.empty(n)
    return TrainingData(texts, np.array(labels), np.array(known))


def demo_rows(books: Sequence[CodebookSpec], weight: float = 0.5, coder: str = DEMO_CODER,
              corpus_dir: Path | None = None, uncoded: str = "segments") -> TrainingData:
    """Theme-labelled rows from the demo corpus's reference coding (``coder``), read from the files.

    Each distinct span coded by ``coder`` in a participant turn is a row positive for the themes
    (codebooks) of its codes and negative for the others; each participant segment (turn mode)
    that no coding of ``coder`` touches is a row without a theme. Every row weighs ``weight``
    relative to a TRAIN quote. Nothing is cached or written.
    """
    import csv

    from qualcode.demo import demo_corpus_dir
    from qualcode.ingest import read_transcript
    from qualcode.segment import segment_transcript

    corpus = corpus_dir or demo_corpus_dir()
    keys = {theme_key(book.name): k for k, book in enumerate(books)}
    n = len(books)
    path = corpus / "codings.csv"
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = [row for row in csv.DictReader(handle) if row.get("coder") == coder]
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    spans: dict[str, dict[tuple[int, int], np.ndarray]] = {}
    for number, row in enumerate(rows, start=2):
        try:
            start, end = int(row["start"]), int(row["end"])
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{path}: row {number}: start and end must be integers") from None
        theme = (row.get("code") or "").split("/", 1)[0]
        labels = spans.setdefault(row["document"], {}).setdefault((start, end), np.zeros(n, dtype=bool))
        k = keys.get(theme_key(theme))
        if k is not None:
            labels[k] = True
    texts: list[str] = []
    labels: list[np.ndarray] = []
    for document in sorted(spans):
        transcript = read_transcript(corpus / document)
        text = transcript.text
        coded = spans[document]
        for segment in segment_transcript(transcript):
            if segment.speaker_role != "participant":
                continue
            inside = [(s, e) for (s, e) in coded if s < segment.end and e > segment.start]
            if not inside:
                texts.append(text[segment.start:segment.end])
                labels.append(np.zeros(n, dtype=bool))
                continue
            for s, e in inside:
                texts.append(text[s:e])
                labels.append(coded[(s, e)])
            if uncoded == "sentences":
                from qualcode.nlp import sentence_spans_many
                for ss, se in sentence_spans_many([text[segment.start:segment.end]])[0]:
                    ss, se = segment.start + ss, segment.start + se
                    if not any(s < se and e > ss for s, e in inside) and len(text[ss:se].split()) >= 4:
                        texts.append(text[ss:se])
                        labels.append(np.zeros(n, dtype=bool))
    if not texts:
        return TrainingData.empty(n)
    y = np.array(labels)
    # spans seen twice (same span in several rows) are merged by the dict above; known everywhere
    known = np.ones_like(y)
    if DEMO_KNOWN == "positive":
        known = y | ~y.any(axis=1, keepdims=True)
    return TrainingData(texts, y, known, np.full(len(texts), float(weight)))


def label_matrix(quotes: Sequence[Quote], themes: Sequence[str], source: str) -> np.ndarray:
    keys = {theme_key(t): k for k, t in enumerate(themes)}
    y = np.zeros((len(quotes), len(themes)), dtype=bool)
    for i, quote in enumerate(quotes):
        for theme in quote.themes:
            k = keys.get(theme_key(theme))
            if k is None:
                raise InputError(f"{source}: quote {i + 1}: theme {theme!r} matches no codebook ({', '.join(themes)})")
            y[i, k] = True
    return y


def metrics(truth: np.ndarray, predicted: np.ndarray, themes: Sequence[str]) -> dict[str, Any]:
    """Per-theme precision/recall/F1, macro and micro F1 (see the module docstring)."""
    def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    per_code: dict[str, dict[str, float]] = {}
    f1s: list[float] = []
    totals = np.zeros(3, dtype=int)
    for k, theme in enumerate(themes):
        tp = int((truth[:, k] & predicted[:, k]).sum())
        fp = int((~truth[:, k] & predicted[:, k]).sum())
        fn = int((truth[:, k] & ~predicted[:, k]).sum())
        totals += (tp, fp, fn)
        p, r, f = prf(tp, fp, fn)
        f1s.append(f)
        per_code[theme] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}
    macro = float(np.mean(f1s)) if f1s else 0.0
    micro = prf(*(int(t) for t in totals))[2]
    return {"macro_f1": round(macro, 4), "micro_f1": round(micro, 4), "per_code": per_code}


def _best_threshold(scores: np.ndarray, truth: np.ndarray, default: float) -> float:
    if truth.sum() < 3:
        return default
    best, best_f1 = default, -1.0
    for threshold in THRESHOLD_GRID:
        predicted = scores >= threshold
        tp = float((predicted & truth).sum())
        f1 = 2 * tp / (predicted.sum() + truth.sum()) if predicted.sum() + truth.sum() else 0.0
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(threshold), f1
    return best


def _oof_scores(books: Sequence[CodebookSpec], texts: Sequence[str], y: np.ndarray, extra: TrainingData | None,
                seed: int, params: dict[str, Any]) -> np.ndarray:
    folds = min(INNER_FOLDS, len(texts))
    oof = np.zeros(y.shape)
    for train, test in KFold(folds, shuffle=True, random_state=seed).split(texts):
        inner = theme_suggester(books, **params)
        inner.fit(TrainingData([texts[i] for i in train], y[train], np.ones_like(y[train])), extra)
        oof[test] = _final(inner.score([texts[i] for i in test]))
    return oof


def _final(scores: Any) -> np.ndarray:
    if PATTERN_FLOOR:
        return np.where(scores.pattern >= PATTERN_THRESHOLD, 1.0, scores.blended)
    return scores.blended


PATTERN_FLOOR = False
C_GRID: tuple[float, ...] = ()


def choose_thresholds(books: Sequence[CodebookSpec], quotes: Sequence[Quote], y: np.ndarray,
                      seed: int = 0, shared: bool = True, extra: TrainingData | None = None,
                      **params: Any) -> np.ndarray:
    """Per-theme thresholds maximising F1 on out-of-fold scores inside the training quotes."""
    default = theme_suggester(books, **params).thresholds
    folds = min(INNER_FOLDS, len(quotes))
    if folds < 2:
        return default
    texts = [q.text for q in quotes]
    oof = _oof_scores(books, texts, y, extra, seed, params)
    if shared:
        return np.full(y.shape[1], _best_shared_threshold(oof, y, float(default[0])))
    return np.array([_best_threshold(oof[:, k], y[:, k], default[k]) for k in range(y.shape[1])])


def choose_c_and_threshold(books: Sequence[CodebookSpec], quotes: Sequence[Quote], y: np.ndarray,
                           extra: TrainingData | None, seed: int = 0, **params: Any) -> tuple[float, float]:
    texts = [q.text for q in quotes]
    best = (-1.0, 8.0, 0.3)
    for c in C_GRID:
        oof = _oof_scores(books, texts, y, extra, seed, {**params, "C": c})
        t = _best_shared_threshold(oof, y, 0.3)
        predicted = oof >= t
        tp = (predicted & y).sum(axis=0)
        f1 = float((2 * tp / np.maximum(predicted.sum(axis=0) + y.sum(axis=0), 1)).mean())
        if f1 > best[0] + 1e-9:
            best = (f1, c, t)
    return best[1], best[2]


def _best_shared_threshold(scores: np.ndarray, truth: np.ndarray, default: float) -> float:
    """One threshold for all themes, maximising the mean per-theme F1."""
    best, best_f1 = default, -1.0
    for threshold in THRESHOLD_GRID:
        predicted = scores >= threshold
        tp = (predicted & truth).sum(axis=0)
        denominator = predicted.sum(axis=0) + truth.sum(axis=0)
        f1 = np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0).mean()
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(threshold), float(f1)
    return best


def evaluate_suggestions(train_path: str | Path, test_path: str | Path,
                         codebook_dir: str | Path | None = None, extra_training: str = "demo",
                         extra_weight: float = 0.5, shared_threshold: bool = True,
                         demo_uncoded: str = "segments", **params: Any) -> dict[str, Any]:
    """``{"patterns": metrics, "trained": metrics}`` for the quotes in ``test_path``."""
    books = load_codebooks(codebook_dir if codebook_dir is not None else shipped_codebook_dir())
    if not books:
        raise InputError(f"{codebook_dir}: no codebook files found")
    themes = [book.name for book in books]
    train, test = read_quotes(train_path), read_quotes(test_path)
    y_train = label_matrix(train, themes, str(train_path))
    y_test = label_matrix(test, themes, str(test_path))
    test_texts = [q.text for q in test]

    patterns_only = theme_suggester(books, **params)
    pattern_pred = patterns_only.score(test_texts).pattern >= PATTERN_THRESHOLD

    extra = codebook_examples(books)
    if extra_training == "demo":
        extra = extra.concat(demo_rows(books, extra_weight, uncoded=demo_uncoded))
    if C_GRID:
        c, t = choose_c_and_threshold(books, train, y_train, extra, **params)
        params = {**params, "C": c}
        trained = theme_suggester(books, **params)
        trained.thresholds = np.full(len(themes), t)
    else:
        trained = theme_suggester(books, **params)
        trained.thresholds = choose_thresholds(books, train, y_train, shared=shared_threshold, extra=extra, **params)
    trained.fit(TrainingData([q.text for q in train], y_train, np.ones_like(y_train)), extra)
    trained_pred = _final(trained.score(test_texts)) >= trained.thresholds
    return {"patterns": metrics(y_test, pattern_pred, themes), "trained": metrics(y_test, trained_pred, themes)}
